"""Cards and concepts in the knowledge graph, and how mastery of concepts unlocks new cards.

Graph schema (queryable with Cypher through `graph.run`):

    (:Concept {key: STRING, name: STRING, description?: STRING, course?: STRING})
    (:Concept)-[:REQUIRES]->(:Concept)      a builds on b (graph.paths uses the same relation)
    (:Card {id: STRING, note: STRING})-[:TESTS]->(:Concept)

`Card.id` and `Card.note` are the collection's 16-hex-digit ids. Example:

    MATCH (c:Card)-[:TESTS]->(k:Concept {key: 'superposition'}) RETURN c.id

Mastery of a concept is the mean retrievability of its cards (a card never reviewed counts
0), with elapsed time counted in the learner's calendar days (so it changes only when a card
is answered or a new day starts, and the queue can keep it up to date incrementally). A concept is *unlocked* when every concept it REQUIRES is mastered (mastery >= the
`unlock_threshold` setting); a concept without cards counts as mastered once it is unlocked,
so chains pass through it. A new card is shown only when every concept it tests is
unlocked; a card without concepts is never held back. Concepts on a REQUIRES cycle (an
authoring error) are treated as unlocked rather than hiding their cards forever.

Graph changes here return an *undo record* ({"cards", "concepts", "relationships"}) that
`revert` takes back; callers run both inside `graph.transaction()` with the collection op.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..srs.history import MICROS_PER_DAY

CARD, CONCEPT, TESTS, REQUIRES, KEY = "Card", "Concept", "TESTS", "REQUIRES", "key"


def concept_node(graph, key: str):
    found = graph.find_nodes(CONCEPT, KEY, key)
    return found[0] if found else None


def card_node(graph, card_id: str):
    found = graph.find_nodes(CARD, "id", card_id)
    return found[0] if found else None


def empty_undo() -> dict:
    return {"cards": [], "concepts": [], "relationships": []}


def add_concepts(graph, concepts: list[dict], course: str | None, undo: dict) -> None:
    """Create missing Concept nodes (key, name, description) and their REQUIRES edges."""
    for concept in concepts:
        if concept_node(graph, concept["key"]) is None:
            props = {KEY: concept["key"], "name": concept.get("name") or concept["key"]}
            if concept.get("description"):
                props["description"] = concept["description"]
            if course:
                props["course"] = course
            graph.add_node((CONCEPT,), props)
            undo["concepts"].append(concept["key"])
    for concept in concepts:
        node = concept_node(graph, concept["key"])
        existing = set(graph.out_ids(node, REQUIRES))
        for required in concept.get("requires", ()):
            target = concept_node(graph, required)
            if target not in existing:
                undo["relationships"].append(graph.add_relationship(node, REQUIRES, target))
                existing.add(target)


def link_cards(graph, links: list[tuple[str, str, list[str]]], undo: dict) -> None:
    """(card id, note id, concept keys): a Card node per card, TESTS each concept (created if new)."""
    for card_id, note_id, keys in links:
        if not keys:
            continue
        node = graph.add_node((CARD,), {"id": card_id, "note": note_id})
        undo["cards"].append(card_id)
        for key in keys:
            target = concept_node(graph, key)
            if target is None:
                target = graph.add_node((CONCEPT,), {KEY: key, "name": key})
                undo["concepts"].append(key)
            graph.add_relationship(node, TESTS, target)


def revert(graph, undo: dict) -> None:
    """Take back what an undo record lists (relationships, then Card and Concept nodes)."""
    for rid in reversed(undo["relationships"]):
        if graph.has_relationship(rid):
            graph.delete_relationship(rid)
    for card_id in undo["cards"]:
        node = card_node(graph, card_id)
        if node is not None:
            graph.delete_node(node, detach=True)
    for key in undo["concepts"]:
        node = concept_node(graph, key)
        if node is not None:
            graph.delete_node(node, detach=True)


def card_concepts(graph, card_id: str) -> list[str]:
    node = card_node(graph, card_id) if graph is not None else None
    if node is None:
        return []
    return sorted(
        graph.node_property(o, KEY) for o in graph.out_ids(node, TESTS) if CONCEPT in graph.node_labels(o)
    )


@dataclass
class LinkIndex:
    """The links as arrays for the queue: link k joins card row card_rows[k] to concept
    concept_of_link[k]; prereqs[i] are the concepts concept i REQUIRES; order is topological."""

    key: tuple
    card_rows: np.ndarray
    concept_of_link: np.ndarray
    keys: list[str]
    names: list[str]
    prereqs: list[list[int]]
    order: list[int]
    cyclic: frozenset
    by_row: np.ndarray  # link ids sorted by card row
    row_starts: np.ndarray  # links of row r are by_row[row_starts[r]:row_starts[r + 1]]
    gate: Gate | None = None


def link_index(collection) -> LinkIndex | None:
    """The cached LinkIndex of the collection's graph (rebuilt when either side changed shape).

    A change to the graph that keeps its node and relationship counts (say, one TESTS edge
    replaced by another through Cypher) is noticed only after `collection.links_changed()`.
    """
    graph = collection.graph_source() if collection.graph_source else None
    if graph is None:
        return None
    key = (
        id(graph),
        graph.node_count(),
        graph.relationship_count(),
        collection.layout_version,
        collection.links_version,
    )
    cached = collection._links
    if cached is not None and cached.key == key:
        return cached
    nodes = sorted(graph.nodes(CONCEPT))
    index = {n: i for i, n in enumerate(nodes)}
    prereqs = [[index[o] for o in graph.out_ids(n, REQUIRES) if o in index] for n in nodes]
    rows, concepts = [], []
    for n in graph.nodes(CARD):
        text = graph.node_property(n, "id")
        try:
            row = collection.row_of_int(int(text, 16))
        except (TypeError, ValueError, KeyError):
            continue  # a Card node of no card here (another collection, or hand-made)
        for o in graph.out_ids(n, TESTS):
            if o in index:
                rows.append(row)
                concepts.append(index[o])
    card_rows = np.array(rows, np.intp)
    by_row = np.argsort(card_rows, kind="stable")
    row_starts = np.searchsorted(card_rows[by_row], np.arange(collection.cards.n + 1))
    built = LinkIndex(
        key,
        card_rows,
        np.array(concepts, np.intp),
        [graph.node_property(n, KEY) for n in nodes],
        [graph.node_property(n, "name") or graph.node_property(n, KEY) for n in nodes],
        prereqs,
        *_topological(prereqs),
        by_row,
        row_starts,
    )
    collection._links = built
    return built


def _topological(prereqs: list[list[int]]) -> tuple[list[int], frozenset]:
    """(Kahn's order, prerequisites first; the concepts Kahn could not place: on or behind a cycle)."""
    waiting = [len(set(p)) for p in prereqs]
    needed_by: list[list[int]] = [[] for _ in prereqs]
    for i, ps in enumerate(prereqs):
        for p in set(ps):
            needed_by[p].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    order = []
    while ready:
        i = ready.pop()
        order.append(i)
        for j in needed_by[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    placed = set(order)
    stuck = [i for i in range(len(prereqs)) if i not in placed]
    return order + stuck, frozenset(stuck)


def _link_r(collection, links: LinkIndex, link_ids: np.ndarray, today: int) -> np.ndarray:
    """Retrievability of the cards of `link_ids` on learner day `today` (0 if never reviewed)."""
    from .collection import NO_TIME  # deferred: collection -> notes -> ... would import us back

    settings = collection.settings
    w = settings["parameters"]
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    rows = links.card_rows[link_ids]
    stability = collection.cards.col("stability")[rows]
    last = collection.cards.col("last_review")[rows]
    reviewed = last != NO_TIME
    shift = (settings["utc_offset_minutes"] * 60 - settings["day_start_hour"] * 3600) * 1_000_000
    last_day = np.floor_divide(np.where(reviewed, last, 0) + shift, MICROS_PER_DAY)
    elapsed = np.maximum(today - last_day, 0)
    r = (1 + factor * elapsed / np.where(reviewed, stability, 1.0)) ** decay
    return np.where(reviewed, r, 0.0)


@dataclass
class Gate:
    """Mastery and unlocking on one learner day, updated per answered card."""

    key: tuple
    link_r: np.ndarray
    total: np.ndarray  # sum of link retrievability per concept
    cards: np.ndarray  # links per concept
    mastered: list
    unlocked: np.ndarray
    locked_rows: np.ndarray  # per card row


def _unlock(links: LinkIndex, cards: np.ndarray, total: np.ndarray, threshold: float):
    mastered = ((cards > 0) & (total >= threshold * cards)).tolist()
    has_cards = (cards > 0).tolist()
    unlocked = [True] * len(mastered)
    for i in links.order:
        if i in links.cyclic:
            continue
        ok = all(mastered[p] for p in links.prereqs[i])
        unlocked[i] = ok
        if not has_cards[i]:
            mastered[i] = ok
    return mastered, np.array(unlocked, bool)


def _locked_rows(links: LinkIndex, unlocked: np.ndarray, rows: int) -> np.ndarray:
    blocked = ~unlocked[links.concept_of_link]
    return np.bincount(links.card_rows, weights=blocked, minlength=rows) > 0


def gate(collection, links: LinkIndex, today: int) -> Gate:
    """The Gate for `today`, recomputed in full when the day, parameters or threshold changed,
    else brought up to date for the rows answered since (`collection.changed_rows`)."""
    settings = collection.settings
    threshold = settings["unlock_threshold"]
    key = (
        today,
        tuple(settings["parameters"]),
        threshold,
        settings["utc_offset_minutes"],
        settings["day_start_hour"],
    )
    current = links.gate
    count = len(links.keys)
    if current is None or current.key != key:
        link_r = _link_r(collection, links, np.arange(links.card_rows.size), today)
        cards = np.bincount(links.concept_of_link, minlength=count)
        total = np.bincount(links.concept_of_link, weights=link_r, minlength=count)
        mastered, unlocked = _unlock(links, cards, total, threshold)
        current = Gate(
            key, link_r, total, cards, mastered, unlocked, _locked_rows(links, unlocked, collection.cards.n)
        )
        links.gate = current
        collection.changed_rows.clear()
        return current
    if collection.changed_rows:
        rows = np.fromiter(collection.changed_rows, np.intp, len(collection.changed_rows))
        collection.changed_rows.clear()
        starts, ends = links.row_starts[rows], links.row_starts[rows + 1]
        picked = [links.by_row[a:b] for a, b in zip(starts.tolist(), ends.tolist()) if b > a]
        if picked:
            ids = np.concatenate(picked)
            fresh = _link_r(collection, links, ids, today)
            touched = links.concept_of_link[ids]
            np.add.at(current.total, touched, fresh - current.link_r[ids])
            current.link_r[ids] = fresh
            now_mastered = current.total[touched] >= threshold * current.cards[touched]
            if all(bool(m) == current.mastered[c] for m, c in zip(now_mastered, touched.tolist())):
                return current  # no concept crossed the threshold: unlocking is as it was
            mastered, unlocked = _unlock(links, current.cards, current.total, threshold)
            if not np.array_equal(unlocked, current.unlocked):
                current.locked_rows = _locked_rows(links, unlocked, collection.cards.n)
            current.mastered, current.unlocked = mastered, unlocked
    return current


def concept_mastery(collection, links: LinkIndex, today: int) -> dict:
    """Per concept (in `links.keys` order): mastery, card count, unlocked, mastered."""
    g = gate(collection, links, today)
    mastery = np.divide(g.total, g.cards, out=np.zeros(len(links.keys)), where=g.cards > 0)
    return {
        "mastery": mastery,
        "cards": g.cards,
        "unlocked": g.unlocked,
        "mastered": np.array(g.mastered, bool),
    }

"""Cards and concepts in the knowledge graph, and how mastery of concepts unlocks new cards.

Graph schema (queryable with Cypher through `graph.run`):

    (:Concept {key: STRING, name: STRING, description?: STRING, course?: STRING})
    (:Concept)-[:REQUIRES]->(:Concept)      a builds on b (graph.paths uses the same relation)
    (:Card {id: STRING, note: STRING})-[:TESTS]->(:Concept)

`Card.id` and `Card.note` are the collection's 16-hex-digit ids. Example:

    MATCH (c:Card)-[:TESTS]->(k:Concept {key: 'superposition'}) RETURN c.id

Mastery of a concept is the mean retrievability of its cards (a card never reviewed counts
0). A concept is *unlocked* when every concept it REQUIRES is mastered (mastery >= the
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
    return sorted(graph.node_property(o, KEY) for o in graph.out_ids(node, TESTS)
                  if CONCEPT in graph.node_labels(o))


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


def link_index(collection) -> LinkIndex | None:
    """The cached LinkIndex of the collection's graph (rebuilt when either side changed shape).

    A change to the graph that keeps its node and relationship counts (say, one TESTS edge
    replaced by another through Cypher) is noticed only after `collection.links_changed()`.
    """
    graph = collection.graph_source() if collection.graph_source else None
    if graph is None:
        return None
    key = (id(graph), graph.node_count(), graph.relationship_count(), collection.layout_version,
           collection.links_version)
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
    built = LinkIndex(key, np.array(rows, np.intp), np.array(concepts, np.intp),
                      [graph.node_property(n, KEY) for n in nodes],
                      [graph.node_property(n, "name") or graph.node_property(n, KEY) for n in nodes],
                      prereqs, *_topological(prereqs))
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


def link_retrievability(collection, links: LinkIndex, now_us: int) -> np.ndarray:
    """Retrievability of the card of every link at `now_us` (0 for never reviewed), py-fsrs's formula."""
    from .collection import NO_TIME  # deferred: collection imports this module's users

    w = collection.settings["parameters"]
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    rows = links.card_rows
    stability = collection.cards.col("stability")[rows]
    last = collection.cards.col("last_review")[rows]
    reviewed = last != NO_TIME
    elapsed = np.maximum((now_us - np.where(reviewed, last, now_us)) // MICROS_PER_DAY, 0)
    with np.errstate(invalid="ignore"):
        r = (1 + factor * elapsed / np.where(reviewed, stability, 1.0)) ** decay
    return np.where(reviewed, r, 0.0)


def concept_mastery(collection, links: LinkIndex, now_us: int):
    """(mastery per concept, card count per concept, unlocked per concept, mastered per concept)."""
    count = len(links.keys)
    r = link_retrievability(collection, links, now_us)
    cards = np.bincount(links.concept_of_link, minlength=count)
    total = np.bincount(links.concept_of_link, weights=r, minlength=count)
    mastery = np.divide(total, cards, out=np.zeros(count), where=cards > 0)
    threshold = collection.settings["unlock_threshold"]
    mastered = (cards > 0) & (mastery >= threshold)
    unlocked = np.ones(count, bool)
    for i in links.order:
        if i in links.cyclic:
            continue
        ok = all(mastered[p] for p in links.prereqs[i])
        unlocked[i] = ok
        if cards[i] == 0:
            mastered[i] = ok
    return mastery, cards, unlocked, mastered


def locked_cards(collection, links: LinkIndex, now_us: int) -> np.ndarray:
    """(rows,) True for cards testing a concept that is not unlocked."""
    _, _, unlocked, _ = concept_mastery(collection, links, now_us)
    blocked_link = ~unlocked[links.concept_of_link]
    return np.bincount(links.card_rows, weights=blocked_link, minlength=collection.cards.n) > 0

"""Collection, ops, snapshot, queue and undo of prometheus.learn (CPython).

Oracles: py-fsrs 6.3.2 (scheduling), replay of the journal (ops), and queues worked out by
hand on small collections (limits, rollover, burying, prerequisite unlocking).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from prometheus.graph import Graph
from prometheus.learn import Collection, LearnError, NothingToUndo, SnapshotError, UnknownCard, study

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # 12:00 UTC, learner day starts 04:00


def at(**delta) -> str:
    return (T0 + timedelta(**delta)).isoformat()


def fresh(**settings):
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    if settings:
        study.settings(col, settings)
        col.undo_stack.clear()
    return col, graph


def graph_content(graph):
    """Nodes and relationships by content (ids and lazily built indexes are not content)."""
    nodes = sorted(
        repr((sorted(r[0]), sorted(r[1].items())))
        for r in graph.run("MATCH (n) RETURN labels(n), properties(n)")
    )
    rels = sorted(
        repr(tuple(map(repr, r)))
        for r in graph.run("MATCH (a)-[r]->(b) RETURN properties(a), type(r), properties(b)")
    )
    return nodes, rels


def basic(n, **extra):
    return [{"front": f"q{i}", "back": f"a{i}", **extra} for i in range(n)]


# ---------------------------------------------------------------- scheduling
@pytest.mark.parametrize("seed", range(6))
def test_answers_schedule_like_py_fsrs(seed):
    rng = random.Random(seed)
    col, _ = fresh(enable_fuzzing=False)
    (card_id,) = study.add_cards(col, basic(1), now=at())["ids"]
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    reference = fsrs.Card()
    moment = T0
    for _ in range(12):
        moment = moment + timedelta(minutes=rng.choice([1, 10, 60 * 24, 60 * 24 * 7, 60 * 24 * 40]))
        rating = rng.choice([1, 2, 3, 3, 3, 4])
        ours = study.answer(col, card_id, rating, now=moment.isoformat())
        reference, _ = scheduler.review_card(reference, fsrs.Rating(rating), moment)
        assert ours["state_code"] == int(reference.state)
        assert ours["step"] == reference.step
        assert ours["stability"] == reference.stability
        assert ours["difficulty"] == reference.difficulty
        assert ours["due"] == reference.due.isoformat()


# ---------------------------------------------------------------- ops, snapshot, undo
def session(col, graph_too=True):
    ids = study.add_cards(
        col, basic(3, concepts=["k"]) + [{"text": "{{c1::H}} and {{c2::X}}", "kind": "cloze"}], now=at()
    )["ids"]
    study.answer(col, ids[0], 3, now=at(minutes=1))
    study.answer(col, ids[1], 1, now=at(minutes=2), duration_ms=4200)
    study.answer(col, ids[0], 4, now=at(days=2))
    study.settings(col, {"new_per_day": 5, "desired_retention": 0.85})
    study.suspend(col, [ids[2]])
    return ids


def test_replaying_the_journal_gives_identical_bytes():
    col, _ = fresh()
    col.ops_log = []
    session(col)
    journal = json.loads(json.dumps(col.ops_log))  # ops are JSON-safe
    replay = Collection()
    for op in journal:
        replay.apply(op)
    assert replay.to_bytes() == col.to_bytes()
    again = Collection.from_bytes(col.to_bytes())
    assert again.to_bytes() == col.to_bytes()


def test_every_inverse_restores_the_exact_prior_bytes():
    col, _ = fresh()
    col.ops_log = []
    session(col)
    states = []
    replay = Collection()
    for op in col.ops_log:
        states.append(replay.to_bytes())
        inverse = replay.apply(op)
        after = replay.to_bytes()
        replay.apply(inverse)
        assert replay.to_bytes() == states[-1]
        replay.apply(op)
        assert replay.to_bytes() == after


def test_undo_restores_state_log_and_graph_step_by_step():
    col, graph = fresh()
    snapshots = [(col.to_bytes(), graph_content(graph))]
    ids = study.add_cards(col, basic(2, concepts=["k"]), now=at())["ids"]
    snapshots.append((col.to_bytes(), graph_content(graph)))
    assert len(snapshots[-1][1][1]) == 2  # two TESTS links
    for minute, card_id in enumerate(ids, start=1):
        study.answer(col, card_id, 3, now=at(minutes=minute))
        snapshots.append((col.to_bytes(), graph_content(graph)))
    while len(snapshots) > 1:
        snapshots.pop()
        study.undo(col)
        assert (col.to_bytes(), graph_content(graph)) == snapshots[-1]
    with pytest.raises(NothingToUndo):
        study.undo(col)


def test_undo_of_the_last_card_of_a_session_brings_it_back():
    col, _ = fresh(learning_steps=[], learn_ahead_minutes=0)
    (card_id,) = study.add_cards(col, basic(1), now=at())["ids"]
    assert study.next_card(col, now=at(minutes=1))["id"] == card_id
    before = col.to_bytes()
    study.answer(col, card_id, 3, now=at(minutes=1))
    assert study.next_card(col, now=at(minutes=1)) is None  # session over
    assert study.undo(col) == {"undone": "answer", "card": card_id}
    assert col.to_bytes() == before
    shown = study.next_card(col, now=at(minutes=1))
    assert shown["id"] == card_id and shown["queue"] == "new"


def test_damaged_snapshots_are_refused():
    col, _ = fresh()
    session(col)
    data = col.to_bytes()
    for damaged in (
        b"",
        b"nonsense",
        data[:-1],
        data[:40],
        data[:-1] + bytes([data[-1] ^ 1]),
        data.replace(b"prometheus-learn", b"prometheus-lear_"),
    ):
        with pytest.raises(SnapshotError):
            Collection.from_bytes(damaged)


# ---------------------------------------------------------------- bad input changes nothing
@pytest.mark.parametrize("rating", [0, 5, -1, 2.5, "great", None, True])
def test_bad_ratings_are_refused_and_change_nothing(rating):
    col, _ = fresh()
    (card_id,) = study.add_cards(col, basic(1), now=at())["ids"]
    before = col.to_bytes()
    with pytest.raises(LearnError, match="rating"):
        study.answer(col, card_id, rating, now=at(minutes=1))
    assert col.to_bytes() == before


def test_unknown_cards_and_bad_specs_change_nothing():
    col, graph = fresh()
    study.add_cards(col, basic(1, concepts=["k"]), now=at())
    before = (col.to_bytes(), graph_content(graph))
    with pytest.raises(UnknownCard):
        study.answer(col, "0123456789abcdef", 3)
    with pytest.raises(UnknownCard):
        study.answer(col, "not an id", 3)
    with pytest.raises(LearnError, match=r"cards\[1\]\.back"):
        study.add_cards(col, [{"front": "ok", "back": "ok", "concepts": ["new"]}, {"front": "no back"}])
    with pytest.raises(LearnError, match="cloze"):
        study.add_cards(col, [{"kind": "cloze", "text": "no deletion here"}])
    with pytest.raises(LearnError, match="unknown setting"):
        study.settings(col, {"new_per_dai": 3})
    assert (col.to_bytes(), graph_content(graph)) == before


def test_a_failing_graph_change_leaves_collection_and_graph_unchanged(monkeypatch):
    col, graph = fresh()
    before = (col.to_bytes(), graph_content(graph))

    def broken_apply(op):
        raise RuntimeError("disk full")

    monkeypatch.setattr(col, "apply", broken_apply)
    with pytest.raises(RuntimeError):
        study.add_cards(col, basic(2, concepts=["k"]), now=at())
    assert (col.to_bytes(), graph_content(graph)) == before


# ---------------------------------------------------------------- the queue
def drain(col, now, rating=3):
    shown = []
    while (card := study.next_card(col, now=now)) is not None:
        shown.append((card["id"], card["queue"]))
        study.answer(col, card["id"], rating, now=now)
    return shown


def test_new_limit_and_order_of_addition():
    col, _ = fresh(new_per_day=3, learning_steps=[], learn_ahead_minutes=0)
    ids = study.add_cards(col, basic(5), now=at())["ids"]
    assert study.counts(col, now=at())["new"] == 3
    assert [c for c, _ in drain(col, at(minutes=1))] == ids[:3]
    assert [c for c, _ in drain(col, at(days=1, minutes=1), rating=3)][:2] == ids[3:]


def test_review_cap_rolls_overflow_forward():
    col, _ = fresh(reviews_per_day=2, learning_steps=[], enable_fuzzing=False)
    ids = study.add_cards(col, basic(5), now=at())["ids"]
    drain(col, at(minutes=1))  # all five graduate with the same interval
    due = min(datetime.fromisoformat(study.card(col, c)["due"]) for c in ids)
    later = (due + timedelta(hours=1)).isoformat()
    counts = study.counts(col, now=later)
    assert (counts["review"], counts["rolled_over"]) == (2, 3)
    first = drain(col, later, rating=3)
    assert len(first) == 2 and {q for _, q in first} == {"review"}
    assert study.counts(col, now=later)["rolled_over"] == 3
    next_day = (due + timedelta(days=1, hours=1)).isoformat()
    assert len(drain(col, next_day, rating=3)) == 2  # the cap again: 3 waiting, 2 shown
    assert study.counts(col, now=next_day)["rolled_over"] == 1


def test_siblings_are_buried_for_the_day():
    col, _ = fresh(learning_steps=[], learn_ahead_minutes=0)
    front, back = study.add_cards(
        col, [{"kind": "basic_reverse", "front": "ket zero", "back": "|0>"}], now=at()
    )["ids"]
    shown = drain(col, at(minutes=1))
    assert shown == [(front, "new")]
    assert study.counts(col, now=at(minutes=1))["buried"] == 1
    assert study.next_card(col, now=at(days=1))["id"] == back  # buried only for that day


def test_prerequisites_unlock_new_cards_when_retained():
    col, graph = fresh(learning_steps=[], learn_ahead_minutes=0, new_per_day=100)
    graph.run(
        "CREATE (:Concept {key:'a', name:'A'})<-[:REQUIRES]-(:Concept {key:'b', name:'B'})"
        "<-[:REQUIRES]-(:Concept {key:'c', name:'C'})"
    )
    col.links_changed()
    later = study.add_cards(col, basic(2, concepts=["b"]), now=at())["ids"]
    first = study.add_cards(col, basic(2, concepts=["a"]), now=at())["ids"]
    free = study.add_cards(col, basic(1), now=at())["ids"]
    counts = study.counts(col, now=at(minutes=1))
    assert counts["new"] == 3 and counts["new_locked"] == 2
    shown = [c for c, _ in drain(col, at(minutes=1))]
    # 'b' unlocks once both cards of 'a' are reviewed (retrievability 1 >= 0.8): positions then apply
    assert shown == first + later + free or shown == first[:1] + [first[1]] + later + free
    assert set(shown) == set(first + later + free)
    assert shown.index(later[0]) > max(shown.index(first[0]), shown.index(first[1]))


def test_a_partly_learned_prerequisite_keeps_dependents_locked():
    col, graph = fresh(learning_steps=[], learn_ahead_minutes=0, new_per_day=1)
    graph.run("CREATE (:Concept {key:'a'})<-[:REQUIRES]-(:Concept {key:'b'})")
    col.links_changed()
    study.add_cards(col, basic(2, concepts=["a"]), now=at())
    dependent = study.add_cards(col, basic(1, concepts=["b"]), now=at())["ids"]
    drain(col, at(minutes=1))  # one of a's two cards (new limit 1): mastery 0.5 < 0.8
    counts = study.counts(col, now=at(days=1))
    assert counts["new_locked"] == 1 and counts["new"] == 1
    assert study.next_card(col, now=at(days=1))["id"] not in dependent

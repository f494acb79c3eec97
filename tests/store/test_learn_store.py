"""The learning collection through the store: a study session replays to the same state, and a
write the store refuses leaves collection and graph as they were."""

from __future__ import annotations

from prometheus.store import MemoryBackend, open_session
from tests.rpc_call import rpc_envelope, run_coroutine
from tests.store.test_store import FailingBackend, call, copy_of, export_bytes, import_bytes

NOW = "2026-03-02T09:00:00Z"


def session_calls():
    call(
        "learn.add_cards",
        {
            "cards": [{"front": f"q{i}", "back": f"a{i}", "concepts": [f"c{i % 3}"]} for i in range(8)],
            "now": NOW,
        },
    )
    for rating in (3, 1, 4, 3):
        card = call("learn.next", {"now": NOW})
        call(
            "learn.answer",
            {"card_id": card["card_id"] if "card_id" in card else card["id"], "rating": rating, "now": NOW},
        )
    call("learn.undo")


def test_a_study_session_replays_to_the_same_state():
    backend = MemoryBackend()
    run_coroutine(open_session(backend))
    session_calls()
    info = call("store.info")
    assert info["seq"] >= 5
    stats = call("learn.stats", {"now": NOW})
    run_coroutine(open_session(copy_of(backend)))
    assert call("store.info")["digest"] == info["digest"]
    assert call("learn.stats", {"now": NOW}) == stats
    tests = call("graph.run", {"query": "MATCH (:Card)-[:TESTS]->(c:Concept) RETURN count(DISTINCT c)"})
    assert tests["rows"] == [[3]]
    run_coroutine(open_session(MemoryBackend()))


def test_a_refused_answer_changes_neither_collection_nor_graph():
    backend = FailingBackend(fail_at=2)
    run_coroutine(open_session(backend))
    call("learn.add_cards", {"cards": [{"front": "q", "back": "a", "concepts": ["x"]}], "now": NOW})
    digest = call("store.info")["digest"]
    card = call("learn.next", {"now": NOW})
    card_id = card["card_id"] if "card_id" in card else card["id"]
    envelope = rpc_envelope("learn.answer", {"card_id": card_id, "rating": 3, "now": NOW})
    assert envelope["error"]["type"] == "StorageFull"
    assert call("store.info")["digest"] == digest
    assert call("learn.stats", {"now": NOW})["reviews"] == 0
    call("learn.answer", {"card_id": card_id, "rating": 3, "now": NOW})
    assert call("learn.stats", {"now": NOW})["reviews"] == 1
    run_coroutine(open_session(MemoryBackend()))


def test_an_import_with_a_forged_note_is_refused_whole_and_changes_nothing():
    """A backup whose seals are valid but whose collection holds a bad note (a forger's file):
    the import checks every note before it is acknowledged, though a restore reads them lazily."""
    from prometheus.store import codec, files
    from tests.learn.test_learn_snapshot import forge_first_note

    run_coroutine(open_session(MemoryBackend()))
    call("learn.add_cards", {"cards": [{"front": f"q{i}", "back": f"a{i}"} for i in range(3)], "now": NOW})
    export = export_bytes()
    header, checkpoint = files.read_export(export)
    forged_learn, _ = forge_first_note(checkpoint.parts["learn"])
    parts = {**checkpoint.parts, "learn": forged_learn}
    forged = files.export_bytes(header["store"], files.Checkpoint(checkpoint.seq, parts, checkpoint.device))
    assert codec.unpack(files.EXPORT, forged)  # its seals are valid

    call("learn.add_cards", {"cards": [{"front": "kept", "back": "kept"}], "now": NOW})
    before = call("store.info")
    envelope = import_bytes(forged)
    assert "fields must hold strings" in envelope["error"]["message"]
    after = call("store.info")
    assert (after["digest"], after["seq"]) == (before["digest"], before["seq"])
    assert call("learn.stats", {"now": NOW})["cards"] == 4
    run_coroutine(open_session(MemoryBackend()))

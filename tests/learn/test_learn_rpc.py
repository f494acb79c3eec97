"""learn.* over the RPC boundary: a whole session in JSON, and bad input changing nothing."""

from __future__ import annotations

import base64
import sys

import pytest

from prometheus.graph.rpc import current_graph
from prometheus.learn import rpc as learn_rpc
from tests.rpc_call import rpc_envelope

NOW = "2024-06-03T09:00:00+00:00"


def call(method, params=None):
    envelope = rpc_envelope(method, params)
    assert "error" not in envelope, envelope.get("error", {}).get("traceback")
    return envelope["result"]


def error(method, params=None):
    envelope = rpc_envelope(method, params)
    assert "error" in envelope, f"{method} should have failed: {envelope}"
    return envelope["error"]


@pytest.fixture
def session():
    learn_rpc.set_collection(None)
    current_graph().run("MATCH (n) DETACH DELETE n")
    yield learn_rpc.current_collection()
    learn_rpc.set_collection(None)
    current_graph().run("MATCH (n) DETACH DELETE n")


def test_a_session_in_json(session):
    loaded = call("learn.load_course", {"name": "quantum-foundations", "now": NOW})
    assert loaded["cards"] >= 120
    stats = call("learn.stats", {"now": NOW})
    assert {"cards", "reviews", "due_today", "new_today"} <= set(stats) and stats["cards"] == loaded["cards"]
    card = call("learn.next", {"now": NOW})
    state = call("learn.answer", {"card_id": card["id"], "rating": 3, "now": NOW, "duration_ms": 3000})
    assert state["card_id"] == card["id"] and state["last_review"] == NOW
    assert call("learn.stats", {"now": NOW})["reviews"] == 1
    assert call("learn.undo") == {"undone": "answer", "card": card["id"]}
    assert call("learn.next", {"now": NOW})["id"] == card["id"]
    # a circuit exercise, graded by the simulator
    exercise = next(c for c in loaded["ids"] if call("learn.card", {"card_id": c})["kind"] == "circuit")
    target = call("learn.card", {"card_id": exercise})["target_qasm"]
    graded = call("learn.grade", {"card_id": exercise, "answer": target})
    assert graded["correct"] and graded["suggested_rating"] == 3
    ids = call(
        "learn.add_cards",
        {"cards": [{"front": "Bloch north pole?", "back": "|0>", "concepts": ["bloch-sphere"]}]},
    )["ids"]
    assert call("learn.card", {"card_id": ids[0]})["concepts"] == ["bloch-sphere"]
    rows = current_graph().run("MATCH (c:Card {id: $id})-[:TESTS]->(k:Concept) RETURN k.key", {"id": ids[0]})
    assert [r[0] for r in rows] == ["bloch-sphere"]
    for name in ("learn.forecast", "learn.heatmap", "learn.concept_map"):
        assert call(name, {"now": NOW})["svg"].startswith("<svg")
    assert call("learn.retention")["svg"].startswith("<svg")
    exported = call("learn.export", {"format": "json"})
    assert exported["filename"].endswith(".json") and '"prometheus-learn-export"' in exported["data"]
    assert call("learn.settings", {"values": {"new_per_day": 7}})["new_per_day"] == 7


def test_bad_input_gets_a_clear_error_and_changes_nothing(session):
    ids = call(
        "learn.add_cards",
        {
            "cards": [
                {
                    "kind": "circuit",
                    "front": "X",
                    "qasm": 'OPENQASM 2.0; include "qelib1.inc"; qreg q[1]; x q[0];',
                }
            ],
            "now": NOW,
        },
    )["ids"]
    before = session.to_bytes()
    for rating in (0, 5):
        refused = error("learn.answer", {"card_id": ids[0], "rating": rating})
        assert (
            refused["type"] == "InvalidParams"
            and "params.rating must be one of 1, 2, 3, 4" in refused["message"]
        )
    assert error("learn.answer", {"card_id": "0000000000000001", "rating": 3})["type"] == "UnknownCard"
    bad = error("learn.import", {"format": "apkg", "data": base64.b64encode(b"not a zip").decode()})
    assert bad["type"] == "ImportFormatError" and "zip" in bad["message"]
    qasm = error("learn.grade", {"card_id": ids[0], "answer": "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];"})
    assert qasm["type"] == "QasmError" and ":3:" in qasm["message"]
    assert error("learn.import", {"format": "xlsx", "data": ""})["type"] == "InvalidParams"
    assert error("learn.add_cards", {"cards": [{"front": "no back"}]})["type"] == "LearnError"
    assert session.to_bytes() == before
    call("learn.undo")
    assert error("learn.undo")["type"] == "NothingToUndo"


def test_only_an_anki_package_needs_sqlite3(session, monkeypatch):
    """learn.export / learn.import load the sqlite3 package (a 563 kB download in the browser) only
    for the .apkg format: checked by running every other format with sqlite3 made unimportable."""
    import json

    from prometheus.rpc import prepare

    for name in ("learn.export", "learn.import"):
        for format_, needed in (("apkg", ["sqlite3"]), ("csv", []), ("json", [])):
            assert prepare(name, json.dumps({"format": format_, "data": ""})) == needed, (name, format_)
    assert prepare("learn.export", "{}") == []  # the default format is json
    assert prepare("learn.export") == ["sqlite3"]  # no params to judge: all it may need
    described = {m["name"]: m for m in call("core.methods")["methods"]}  # docs/rpc.md says the same
    assert "Anki package" in described["learn.export"]["packages_when"]
    assert (
        described["srs.import_anki"]["packages"] == ["sqlite3"]
        and described["srs.import_anki"]["packages_when"] == ""
    )

    call("learn.load_course", {"name": "quantum-foundations", "now": NOW})
    monkeypatch.setitem(sys.modules, "sqlite3", None)  # `import sqlite3` now raises ImportError
    exported = call("learn.export", {"format": "json"})
    cards = call("learn.export", {"format": "csv"})["data"]
    assert cards.count("\n") >= 120
    learn_rpc.set_collection(None)
    current_graph().run("MATCH (n) DETACH DELETE n")
    assert call("learn.import", {"format": "json", "data": exported["data"]})["cards"] >= 120
    deck = "front,back\nWhat does H|0> give?,|+>\nWhat does X|0> give?,|1>\n"
    assert call("learn.import", {"format": "csv", "data": deck})["cards"] == 2
    with pytest.raises(ImportError):
        import sqlite3  # noqa: F401 - the check is honest: an .apkg would fail here

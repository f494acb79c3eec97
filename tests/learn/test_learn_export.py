"""Export of a collection: our JSON export round-trips a whole session (export -> wipe ->
import gives the same stats, FSRS states and settings); the .apkg export is read back with
Python's sqlite3 against Anki's schema 11 (tests/learn/anki_schema.py) and through our own
.apkg importer, which rebuilds every memory state from the exported revlog."""

from __future__ import annotations

import base64
import io
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from prometheus.graph.rpc import current_graph
from prometheus.graph.store import Graph
from prometheus.learn import Collection, study
from prometheus.learn import rpc as learn_rpc
from prometheus.learn.apkg import import_apkg
from prometheus.learn.apkg_export import export_apkg
from prometheus.learn.notes import cloze_numbers
from tests.rpc_call import rpc_envelope

from .anki_schema import SCHEMA_11

T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


def at(**delta) -> str:
    return (T0 + timedelta(**delta)).isoformat()


def call(method, params=None):
    envelope = rpc_envelope(method, params)
    assert "error" not in envelope, envelope.get("error", {}).get("traceback")
    return envelope["result"]


def study_days(days: int, per_day: int, ratings=(3, 1, 4, 2, 3)):
    """A learner's sessions over `days` days, through the RPC methods."""
    k = 0
    for day in range(days):
        for i in range(per_day):
            now = at(days=day, minutes=i)
            card = call("learn.next", {"now": now})
            if card is None:
                break
            call("learn.answer", {"card_id": card["id"], "rating": ratings[k % len(ratings)], "now": now})
            k += 1


@pytest.fixture
def session():
    def wipe():
        learn_rpc.set_collection(None)
        current_graph().run("MATCH (n) DETACH DELETE n")

    wipe()
    yield wipe
    wipe()


def test_json_export_wipe_import_gives_the_same_collection(session):
    call("learn.load_course", {"name": "quantum-foundations", "now": at()})
    call("learn.settings", {"values": {"desired_retention": 0.85, "new_per_day": 12}})
    study_days(6, 15)
    card_id = call("learn.next", {"now": at(days=6)})["id"]
    call("learn.suspend", {"card_ids": [card_id]})
    later = at(days=9)
    before = {
        "stats": call("learn.stats", {"now": later}),
        "forecast": call("learn.forecast", {"now": later}),
        "retention": call("learn.retention"),
        "map": call("learn.concept_map", {"now": later}),
        "settings": call("learn.settings"),
        "next": call("learn.next", {"now": later}),
    }
    exported = call("learn.export", {"format": "json"})
    states = {c["id"]: c for c in json.loads(exported["data"])["cards"]}
    assert before["stats"]["reviews"] >= 60 and before["stats"]["suspended"] == 1
    session()  # wipe: a new device
    assert call("learn.stats", {"now": later})["cards"] == 0
    result = call("learn.import", {"format": "json", "data": exported["data"]})
    assert result["cards"] == len(states) and result["settings"] is True
    after = {
        "stats": call("learn.stats", {"now": later}),
        "forecast": call("learn.forecast", {"now": later}),
        "retention": call("learn.retention"),
        "map": call("learn.concept_map", {"now": later}),
        "settings": call("learn.settings"),
        "next": call("learn.next", {"now": later}),
    }
    before_map, after_map = before.pop("map"), after.pop("map")
    assert after == before
    # the same concepts, layout and prerequisites; mastery sums links in graph order (to rounding)
    assert after_map["svg"] == before_map["svg"]
    assert sorted(map(tuple, after_map["edges"])) == sorted(map(tuple, before_map["edges"]))
    for old, new in zip(before_map["concepts"], after_map["concepts"], strict=True):
        assert new == {**old, "mastery": pytest.approx(old["mastery"], abs=1e-12)}
    again = {c["id"]: c for c in json.loads(call("learn.export", {"format": "json"})["data"])["cards"]}
    assert again == states  # the same FSRS state, card by card
    # and they go on the same way: the same answer gives the same new state
    shown = before["next"]["id"]
    state = call("learn.answer", {"card_id": shown, "rating": 3, "now": later})
    session()
    call("learn.import", {"format": "json", "data": exported["data"]})
    assert call("learn.answer", {"card_id": shown, "rating": 3, "now": later}) == state


def _columns(con, table):
    return [(r[1], r[2].lower(), r[3]) for r in con.execute(f"PRAGMA table_info({table})")]


def _open(package: bytes, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(package))
    path = tmp_path / "collection.anki2"
    path.write_bytes(archive.read("collection.anki2"))
    return archive, sqlite3.connect(path)


def _session_collection():
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    study.settings(col, {"desired_retention": 0.88})
    study.add_cards(
        col,
        [
            {"front": "2 < 3 & x", "back": "line one\nline two", "tags": ["math", "basics"]},
            {"kind": "basic_reverse", "front": "qubit", "back": "two-level system"},
            {"text": "{{c1::Hadamard}} makes {{c2::superposition}}", "back": "<b>extra</b>", "html": True},
            {"front": "typed?", "back": "x"},
        ],
        now=at(),
    )
    col.apply(
        {
            "op": "add",
            "notes": [],
            "cards": [],
            "reviews": [],
            "media": {"pic.png": base64.b64encode(b"PNG").decode()},
        }
    )
    ratings = (3, 1, 3, 4, 2, 3, 3)
    k = 0
    for day in range(0, 30, 3):
        for i in range(3):
            card = study.next_card(col, now=at(days=day, minutes=i))
            if card is not None:
                study.answer(
                    col,
                    card["id"],
                    ratings[k % len(ratings)],
                    now=at(days=day, minutes=i),
                    duration_ms=4000 + k,
                )
                k += 1
    last = col.card_record(len(col) - 1)["id"]
    study.suspend(col, [last])
    return col


def test_apkg_export_follows_ankis_schema(tmp_path):
    col = _session_collection()
    package = export_apkg(col, now=at(days=31))
    archive, con = _open(package, tmp_path)
    reference = sqlite3.connect(":memory:")
    reference.executescript(SCHEMA_11)
    for table in ("col", "notes", "cards", "revlog", "graves"):
        assert _columns(con, table) == _columns(reference, table), table
    (ver, models, decks, dconf, crt) = con.execute(
        "SELECT ver, models, decks, dconf, crt FROM col"
    ).fetchone()
    assert ver == 11
    models, decks = json.loads(models), json.loads(decks)
    for model in models.values():
        assert {
            "id",
            "name",
            "type",
            "flds",
            "tmpls",
            "css",
            "sortf",
            "did",
            "req",
            "latexPre",
            "latexPost",
        } <= set(model)
        assert all({"name", "ord", "qfmt", "afmt"} <= set(t) for t in model["tmpls"])
    assert (
        all(d["id"] == int(k) for k, d in decks.items())
        and json.loads(dconf)["1"]["desiredRetention"] == 0.88
    )
    notes = {
        nid: (mid, flds.split("\x1f")) for nid, mid, flds in con.execute("SELECT id, mid, flds FROM notes")
    }
    for mid, fields in notes.values():
        assert len(fields) == len(models[str(mid)]["flds"])
    fronts = {f[0] for _, f in notes.values()}
    assert "2 &lt; 3 &amp; x" in fronts  # plain text escaped as HTML
    assert any(f[1] == "line one<br>line two" for _, f in notes.values())
    cards = con.execute("SELECT id, nid, ord, type, queue, due, ivl, reps, data FROM cards").fetchall()
    assert len(cards) == len(col) == 1 + 2 + 2 + 1
    for cid, nid, ord, ctype, queue, due, _ivl, _reps, data in cards:
        mid, fields = notes[nid]
        if models[str(mid)]["type"] == 1:
            assert ord + 1 in cloze_numbers(fields[0])
        ours = col.card_record(col.row(f"{cid:016x}"))
        assert (queue == -1) == ours["suspended"]
        if ours["last_review"] is None:
            assert (ctype, data) == (0, "")
        else:
            memory = json.loads(data)
            assert (memory["s"], memory["d"], memory["dr"]) == (ours["stability"], ours["difficulty"], 0.88)
            assert ctype == {1: 1, 2: 2, 3: 3}[ours["state"]]
            if ctype == 2:
                assert due == (ours["due"] // 1_000_000 - crt) // 86_400
    revlog = con.execute("SELECT id, cid, ease, time, type FROM revlog ORDER BY id").fetchall()
    log = [col.log_entry(i) for i in range(col.log.n)]
    assert [(r[1], r[2], r[3]) for r in revlog] == [
        (int(e["card"], 16), e["rating"], e["duration"]) for e in log
    ]
    assert [r[0] for r in revlog] == [e["time"] // 1000 for e in log]
    assert [r[4] for r in revlog] == [{0: 0, 1: 0, 2: 1, 3: 2}[e["state"]] for e in log]
    assert json.loads(archive.read("media")) == {"0": "pic.png"} and archive.read("0") == b"PNG"
    con.close()


def test_apkg_export_reimports_with_the_same_memory_states(tmp_path):
    col = _session_collection()
    package = export_apkg(col, now=at(days=31))
    graph = Graph()
    other = Collection(graph_source=lambda: graph)
    study.settings(other, {"desired_retention": 0.88})
    result = import_apkg(other, package, now=at(days=31))
    assert (result["cards"], result["reviews"], result["media"]) == (len(col), col.log.n, ["pic.png"])

    def by_content(c):
        out = {}
        for row in range(len(c)):
            record = c.card_record(row)
            side = study.card(c, record["id"], now=at(days=31))
            text = re.sub(r"<[^>]+>", "", side["front"]).replace("&lt;", "<").replace("&amp;", "&")
            out[text] = record
        return out

    ours, theirs = by_content(col), by_content(other)
    assert ours.keys() == theirs.keys()
    for key, record in ours.items():
        other_record = theirs[key]
        assert other_record["suspended"] == record["suspended"]
        assert other_record["state"] == record["state"], key
        for field in ("stability", "difficulty"):
            if record[field] is None:
                assert other_record[field] is None
            else:
                assert other_record[field] == pytest.approx(record[field], rel=1e-6), (key, field)
        assert (other_record["last_review"] or 0) // 1000 == (record["last_review"] or 0) // 1000

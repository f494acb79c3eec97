"""Import and export: CSV, JSON round trip, and Anki .apkg packages built here with Anki's
schema 11 (the legacy schema Anki writes with "Support older Anki versions")."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime

import fsrs
import pytest

from prometheus.graph.store import Graph
from prometheus.learn import Collection, ImportFormatError, study
from prometheus.learn.apkg import import_apkg
from prometheus.learn.transfer import export_csv, export_json, import_csv, import_json
from tests.learn.anki_schema import SCHEMA_11

NOW = "2024-05-01T12:00:00+00:00"
BASIC_MID, CLOZE_MID = 1342697561419, 1342697561420
MODELS = {
    str(BASIC_MID): {
        "id": BASIC_MID,
        "name": "Basic (and reversed card)",
        "type": 0,
        "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
        "tmpls": [
            {"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"},
            {
                "name": "Card 2",
                "ord": 1,
                "qfmt": "{{Back}}{{#Hint}}x{{/Hint}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Front}}",
            },
        ],
    },
    str(CLOZE_MID): {
        "id": CLOZE_MID,
        "name": "Cloze",
        "type": 1,
        "flds": [{"name": "Text", "ord": 0}, {"name": "Back Extra", "ord": 1}],
        "tmpls": [
            {"name": "Cloze", "ord": 0, "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}
        ],
    },
}
DAY_MS = 86_400_000
T_REV = 1_700_000_000_000  # first review, ms


def build_collection(path, *, models=MODELS, revlog=None, extra_sql=""):
    con = sqlite3.connect(path)
    con.executescript(SCHEMA_11)
    con.execute(
        "INSERT INTO col VALUES (1, 1600000000, 0, 0, 11, 0, 0, 0, '{}', ?, '{}', '{}', '{}')",
        (json.dumps(models),),
    )
    notes = [
        (1001, "g1", BASIC_MID, "tag1 tag2", "<b>ket zero</b>\x1f|0&gt;"),
        (1002, "g2", CLOZE_MID, "", '{{c1::Hadamard}} makes {{c2::superposition}}<img src="h.png">\x1fextra'),
        (1003, "g3", BASIC_MID, "", '<script>alert(1)</script>\x1f<a href="javascript:x()">y</a>'),
    ]
    for nid, guid, mid, tags, flds in notes:
        con.execute(
            "INSERT INTO notes VALUES (?, ?, ?, 0, 0, ?, ?, '', 0, 0, '')", (nid, guid, mid, tags, flds)
        )
    cards = [
        (2001, 1001, 0, 2, 2, 10, 3),
        (2002, 1001, 1, 0, 0, 5, 0),
        (2003, 1002, 0, 0, 0, 1, 0),
        (2004, 1002, 1, 0, -1, 2, 0),
        (2005, 1003, 0, 2, 2, 20, 30),
    ]  # 2005: review, no history
    for cid, nid, ord, ctype, queue, due, ivl in cards:
        con.execute(
            "INSERT INTO cards VALUES (?, ?, 1, ?, 0, 0, ?, ?, ?, ?, 2500, 0, 0, 0, 0, 0, 0, '')",
            (cid, nid, ord, ctype, queue, due, ivl),
        )
    revlog = (
        revlog
        if revlog is not None
        else [
            (T_REV, 2001, 3, 0, 0, 8000),
            (T_REV + 1 * DAY_MS, 2001, 3, 1, 3, 5000),
            (T_REV + 5 * DAY_MS, 2001, 1, 1, 10, 12000),
            (T_REV + 5 * DAY_MS + 600_000, 2001, 3, 2, 1, 4000),
            (T_REV + 6 * DAY_MS, 2001, 0, 4, 5, 0),  # ease 0: a manual reschedule, not a review
        ]
    )
    for rid, cid, ease, kind, ivl, ms in revlog:
        con.execute(
            "INSERT INTO revlog VALUES (?, ?, 0, ?, ?, 0, 2500, ?, ?)", (rid, cid, ease, ivl, ms, kind)
        )
    if extra_sql:
        con.executescript(extra_sql)
    con.commit()
    con.close()


def package(tmp_path, *, members=None, name="collection.anki21", **kwargs) -> bytes:
    db = tmp_path / "c.anki2"
    if db.exists():
        db.unlink()
    build_collection(db, **kwargs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        if members is None:
            z.writestr(name, db.read_bytes())
            z.writestr("media", json.dumps({"0": "h.png"}))
            z.writestr("0", b"\x89PNG fake image")
        else:
            for member, data in members.items():
                z.writestr(member, data(db) if callable(data) else data)
    return out.getvalue()


def fresh():
    graph = Graph()
    return Collection(graph_source=lambda: graph), graph


def test_apkg_notes_cards_media_and_html_flags(tmp_path):
    col, _ = fresh()
    result = import_apkg(col, base64.b64encode(package(tmp_path)).decode(), now=NOW)
    assert (result["notes"], result["cards"], result["media"]) == (3, 5, ["h.png"])
    assert col.media["h.png"] == b"\x89PNG fake image"
    views = [study.card(col, c, now=NOW) for c in result["ids"]]
    basic = [v for v in views if v["kind"] == "imported"]
    fronts = sorted(v["front"] for v in basic)
    assert "<b>ket zero</b>" in fronts and "|0&gt;" in fronts  # stored as is, not sanitized here
    assert all(v["html_fields"] == ["sides"] for v in basic)
    reverse = next(v for v in basic if v["front"] == "|0&gt;")
    assert reverse["back"] == "|0&gt;<hr id=answer><b>ket zero</b>"
    cloze = [v for v in views if v["kind"] == "cloze"]
    assert sorted(v["front"].split(" makes")[0] for v in cloze) == ["Hadamard", "[...]"]
    assert all(v["html_fields"] == ["back", "text"] for v in cloze)
    assert sum(v["suspended"] for v in views) == 1
    assert next(v for v in basic if "script" in v["front"])["tags"] == []


def test_apkg_revlog_reschedules_like_py_fsrs_and_seeds_the_log(tmp_path):
    col, _ = fresh()
    study.settings(col, {"enable_fuzzing": False})
    result = import_apkg(col, package(tmp_path), now=NOW)
    assert result["reviews"] == 4  # the ease-0 entry is not a review
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card()
    states_before = []
    for offset, rating in ((0, 3), (DAY_MS, 3), (5 * DAY_MS, 1), (5 * DAY_MS + 600_000, 3)):
        moment = datetime.fromtimestamp((T_REV + offset) / 1000, tz=UTC)
        states_before.append(0 if card.last_review is None else int(card.state))
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), moment)
    reviewed = [study.card(col, c, now=NOW) for c in result["ids"]]
    ours = next(v for v in reviewed if len(v["reviews"]) == 4)
    assert ours["stability"] == card.stability and ours["difficulty"] == card.difficulty
    assert ours["due"] == card.due.isoformat()
    assert [r["rating"] for r in ours["reviews"]] == [3, 3, 1, 3]
    assert [r["duration"] for r in ours["reviews"]] == [8000, 5000, 12000, 4000]
    assert [r["state"] for r in ours["reviews"]] == states_before
    # the review card without history keeps Anki's interval as its stability
    assert any(v["stability"] == 30.0 and not v["reviews"] for v in reviewed)


def _stub_anki2(db):
    return b"SQLite format 3\x00" + b"\x00" * 100


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: b"PK\x03\x04 broken", "not a zip"),
        (lambda tmp: b"plain text", "not a zip"),
        (lambda tmp: package(tmp, members={"readme.txt": b"hi"}), "no collection.anki21"),
        (
            lambda tmp: package(tmp, members={"collection.anki21b": b"\x28\xb5\x2f\xfd"}),
            "Support older Anki versions",
        ),
        (
            lambda tmp: package(
                tmp, members={"collection.anki21b": b"\x28\xb5\x2f\xfd", "collection.anki2": _stub_anki2}
            ),
            "Support older Anki versions",
        ),
        (lambda tmp: package(tmp, members={"collection.anki21": b"not sqlite at all"}), "not an SQLite"),
        (
            lambda tmp: package(tmp, members={"collection.anki21": lambda db: db.read_bytes()[:2048]}),
            "cannot read",
        ),
        (lambda tmp: package(tmp, models={}), "no note types"),
        (lambda tmp: package(tmp, extra_sql="DROP TABLE revlog;"), "revlog"),
        (lambda tmp: package(tmp, revlog=[(T_REV, 2001, 7, 1, 1, 1)]), "ease must be 0-4"),
        (
            lambda tmp: package(
                tmp, members={"collection.anki21": lambda db: db.read_bytes(), "media": b"{not json"}
            ),
            "media",
        ),
        (
            lambda tmp: package(
                tmp, members={"collection.anki21": lambda db: db.read_bytes(), "media": b'{"0": "a.png"}'}
            ),
            "missing",
        ),
        (
            lambda tmp: package(
                tmp, models={str(BASIC_MID): {"flds": "x"}, str(CLOZE_MID): MODELS[str(CLOZE_MID)]}
            ),
            "malformed",
        ),
    ],
)
def test_malformed_packages_are_refused_and_store_nothing(tmp_path, make, message):
    col, _graph = fresh()
    study.add_cards(col, [{"front": "keep", "back": "me"}], now=NOW)
    before = col.to_bytes()
    with pytest.raises(ImportFormatError, match=message):
        import_apkg(col, make(tmp_path), now=NOW)
    assert col.to_bytes() == before
    with pytest.raises(ImportFormatError):
        import_apkg(col, "***not base64***", now=NOW)


def test_apkg_import_is_one_undoable_action(tmp_path):
    col, _ = fresh()
    before = col.to_bytes()
    import_apkg(col, package(tmp_path), now=NOW)
    assert study.undo(col)["undone"] == "import"
    assert col.to_bytes() == before


def test_csv_with_header_mapping_and_errors():
    col, _graph = fresh()
    text = "Back,Front,Concepts,Tags\n|1>,X|0>,pauli-x;qubit,gates basics\n\n|+>,H|0>,hadamard,\n"
    result = import_csv(col, text, now=NOW)
    assert result["cards"] == 2 and result["mapping"] == {"front": 1, "back": 0, "concepts": 2, "tags": 3}
    first = study.card(col, result["ids"][0], now=NOW)
    assert (first["front"], first["back"], first["concepts"], first["tags"]) == (
        "X|0>",
        "|1>",
        ["pauli-x", "qubit"],
        ["gates", "basics"],
    )
    before = col.to_bytes()
    with pytest.raises(ImportFormatError, match=r"rows\[1\]\.back"):
        import_csv(col, "front,back\nok,fine\nmissing,\n", now=NOW)
    with pytest.raises(ImportFormatError, match="no header column"):
        import_csv(col, "a,b\n1,2\n", mapping={"front": "question"})
    with pytest.raises(ImportFormatError, match="no data rows"):
        import_csv(col, "front,back\n")
    assert col.to_bytes() == before
    plain = import_csv(col, "q;a\nr;b\n", delimiter=";", html=True, now=NOW)
    assert plain["cards"] == 2 and study.card(col, plain["ids"][1])["html_fields"] == ["back", "front"]


def test_json_export_round_trips_into_an_empty_collection(tmp_path):
    col, _graph = fresh()
    ids = study.add_cards(
        col, [{"front": "a", "back": "b", "concepts": ["k1"]}, {"text": "{{c1::x}} y"}], now=NOW
    )["ids"]
    study.answer(col, ids[0], 3, now=NOW)
    import_apkg(col, package(tmp_path), now=NOW)
    exported = json.loads(json.dumps(export_json(col)))
    other, _other_graph = fresh()
    import_json(other, exported)
    assert export_json(other) == exported
    assert other.to_bytes() != b"" and len(other) == len(col)
    with pytest.raises(ImportFormatError, match="exists"):
        import_json(other, exported)  # same ids again
    import csv

    rows = list(csv.reader(io.StringIO(export_csv(col))))
    assert rows[0][:7] == ["id", "note", "kind", "ord", "front", "back", "concepts"] and len(rows) == 1 + len(
        col
    )
    assert {r[0] for r in rows[1:]} == {c["id"] for c in exported["cards"]}
    assert next(r for r in rows[1:] if r[0] == ids[0])[6] == "k1"

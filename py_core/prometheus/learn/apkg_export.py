"""Export of a collection as an Anki package (`.apkg`) that Anki and this app can import.

The package is a zip with `collection.anki2` (sqlite, Anki's legacy schema 11, which every
Anki since 2.1 imports, and which `apkg.import_apkg` reads), `media` ({"0": name, ...}) and
the media files named "0", "1", ....

Mapping
- a cloze note -> a note of the "Prometheus Cloze" type (type 1: Text, Back Extra), one card
  per deletion; every other card -> a note of the "Prometheus Basic" type (Front, Back) with
  the card's two sides as this app shows them (an exercise's front is its prompt, its back the
  reference circuit); text that is not HTML is escaped, line breaks become <br>.
- each card keeps its schedule the way Anki stores it (type/queue/due/ivl; suspended: queue
  -1) and its FSRS memory state in `cards.data` ({"s": stability, "d": difficulty,
  "dr": desired retention}, what Anki's FSRS reads); the review log becomes `revlog` (ease =
  rating, time = answer time in ms, type learn/review/relearn), so Anki's FSRS, and this
  app's importer, can rebuild every memory state from it.
- concepts and the app's settings have no place in Anki's schema: the JSON export keeps them.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import tempfile
import zipfile

from .clock import now_us
from .notes import render

DAY_US = 86_400_000_000
FIELD_SEP = "\x1f"
DECK_ID = 1
BASIC_ID, CLOZE_ID = 1_700_000_000_001, 1_700_000_000_002  # note type ids (any unique numbers)
ANKI_STATE = {0: 0, 1: 0, 2: 1, 3: 2}  # our log state (0 = new) -> revlog type (learn, review, relearn)
_TAGS = re.compile(r"<[^>]*>")

SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null, scm integer not null,
  ver integer not null, dty integer not null, usn integer not null, ls integer not null, conf text not null,
  models text not null, decks text not null, dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null, mod integer not null,
  usn integer not null, tags text not null, flds text not null, sfld integer not null, csum integer not null,
  flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null, ord integer not null,
  mod integer not null, usn integer not null, type integer not null, queue integer not null, due integer not null,
  ivl integer not null, factor integer not null, reps integer not null, lapses integer not null,
  left integer not null, odue integer not null, odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null, ease integer not null,
  ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null, type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
"""


def _field(name: str, ord: int) -> dict:
    return {"name": name, "ord": ord, "sticky": False, "rtl": False, "font": "Arial", "size": 20, "media": []}


def _template(name: str, qfmt: str, afmt: str) -> dict:
    return {"name": name, "ord": 0, "qfmt": qfmt, "afmt": afmt, "bqfmt": "", "bafmt": "", "did": None}


def _note_type(mid: int, name: str, kind: int, fields: list[str], template: dict, mod: int) -> dict:
    return {
        "id": mid,
        "name": name,
        "type": kind,
        "mod": mod,
        "usn": -1,
        "sortf": 0,
        "did": DECK_ID,
        "tmpls": [template],
        "flds": [_field(f, i) for i, f in enumerate(fields)],
        "css": ".card { font-family: arial; font-size: 20px; text-align: center; }",
        "latexPre": "\\documentclass[12pt]{article}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": False,
        "req": [[0, "any", [0]]],
        "tags": [],
        "vers": [],
    }


def _deck(mod: int) -> dict:
    return {
        "id": DECK_ID,
        "name": "Default",
        "mod": mod,
        "usn": -1,
        "desc": "Exported from Prometheus",
        "dyn": 0,
        "conf": 1,
        "collapsed": False,
        "extendNew": 0,
        "extendRev": 0,
        "newToday": [0, 0],
        "revToday": [0, 0],
        "lrnToday": [0, 0],
        "timeToday": [0, 0],
    }


def _deck_config(collection, mod: int) -> dict:
    s = collection.settings
    return {
        "id": 1,
        "name": "Default",
        "mod": mod,
        "usn": -1,
        "maxTaken": 60,
        "autoplay": True,
        "timer": 0,
        "replayq": True,
        "dyn": False,
        "new": {
            "perDay": s["new_per_day"],
            "delays": [1.0, 10.0],
            "ints": [1, 4, 0],
            "initialFactor": 2500,
            "order": 1,
            "bury": True,
        },
        "rev": {
            "perDay": s["reviews_per_day"],
            "ease4": 1.3,
            "maxIvl": 36500,
            "bury": True,
            "hardFactor": 1.2,
        },
        "lapse": {"delays": [10.0], "mult": 0.0, "minInt": 1, "leechFails": 8, "leechAction": 1},
        "desiredRetention": s["desired_retention"],
        "fsrsWeights": list(s["parameters"]),
    }


def _as_html(text: str, is_html: bool) -> str:
    return text if is_html else html.escape(text).replace("\n", "<br>")


def _checksum(first_field: str) -> int:
    """Anki's notes.csum: the first 8 hex digits of sha1 of the field without HTML."""
    return int(hashlib.sha1(_TAGS.sub("", first_field).encode("utf-8")).hexdigest()[:8], 16)


def _sort_field(first_field: str) -> str:
    return _TAGS.sub("", first_field)[:1000]


def _card_row(collection, row: int, nid: int, ord: int, crt: int, t: int, log_rows) -> tuple:
    """(id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue,
    odid, flags, data) of one card."""
    c = collection.card_record(row)
    card_int = int(c["id"], 16)
    ratings = [collection.log_entry(i) for i in log_rows]
    lapses = sum(1 for e in ratings if e["rating"] == 1 and e["state"] == 2)
    data = ""
    if c["last_review"] is None:
        kind, queue, due, ivl = 0, 0, c["position"], 0
    else:
        ivl = max(1, round((c["due"] - c["last_review"]) / DAY_US))
        data = json.dumps(
            {"s": c["stability"], "d": c["difficulty"], "dr": collection.settings["desired_retention"]},
            separators=(",", ":"),
        )
        if c["state"] == 2:
            kind, queue, due = 2, 2, (c["due"] // 1_000_000 - crt) // 86_400
        else:  # learning or relearning: due is a moment (seconds)
            kind, queue, due, ivl = (1 if c["state"] == 1 else 3), 1, c["due"] // 1_000_000, 0
    if c["suspended"]:
        queue = -1
    mod = (t // 1_000_000) if c["last_review"] is None else c["last_review"] // 1_000_000
    return (
        card_int,
        nid,
        DECK_ID,
        ord,
        mod,
        -1,
        kind,
        queue,
        due,
        ivl,
        2500,
        len(ratings),
        lapses,
        0,
        0,
        0,
        0,
        data,
    )


def _revlog_rows(collection, next_due: dict) -> list[tuple]:
    """(id, cid, usn, ease, ivl, lastIvl, factor, time, type): id is the answer time in ms,
    made unique by moving a clash one ms on, as Anki does."""
    rows: list[tuple] = []
    taken: set[int] = set()  # revlog ids given out
    last_ivl: dict[int, int] = {}  # card id -> the interval its previous answer set
    entries = [collection.log_entry(i) for i in range(collection.log.n)]
    following: dict[int, int | None] = {}  # log index -> the same card's next answer time, if any
    seen: dict[str, int] = {}
    for i in range(len(entries) - 1, -1, -1):
        following[i] = seen.get(entries[i]["card"])
        seen[entries[i]["card"]] = entries[i]["time"]
    for i, e in enumerate(entries):
        rid = e["time"] // 1000
        while rid in taken:
            rid += 1
        taken.add(rid)
        cid = int(e["card"], 16)
        after = following[i] if following[i] is not None else next_due.get(e["card"])
        ivl = max(0, (after - e["time"]) // DAY_US) if after is not None else 0
        prior = last_ivl.get(cid, 0)
        last_ivl[cid] = ivl
        duration = e["duration"] if e["duration"] is not None else 0
        rows.append((rid, cid, -1, e["rating"], ivl, prior, 2500, duration, ANKI_STATE[e["state"]]))
    return rows


def _note_row(nid: int, guid: str, model: int, mod: int, tags: str, fields: list[str]) -> tuple:
    """One row of Anki's notes table (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)."""
    return (
        nid,
        guid,
        model,
        mod,
        -1,
        tags,
        FIELD_SEP.join(fields),
        _sort_field(fields[0]),
        _checksum(fields[0]),
        0,
        "",
    )


def export_apkg(collection, now=None) -> bytes:
    """The collection as an .apkg's bytes (see the module docstring)."""
    import sqlite3  # a Pyodide on-demand package: the rpc method declares it

    t = now_us(now)
    mod_ms = t // 1000
    created = [n["created"] for n in collection.notes.values()]
    crt = (min(created) // DAY_US) * 86_400 if created else (t // DAY_US) * 86_400
    log_card = collection.log.col("card").tolist()
    log_rows: dict[int, list[int]] = {}
    for i, cid in enumerate(log_card):
        log_rows.setdefault(cid, []).append(i)
    notes, cards = [], []
    used_note_ids: set[int] = set()

    def note_id(preferred: int) -> int:
        nid = preferred
        while nid in used_note_ids:
            nid += 1
        used_note_ids.add(nid)
        return nid

    positions, card_ids, ords = (collection.cards.col(name) for name in ("position", "id", "ord"))
    order = sorted(range(len(collection)), key=lambda r: int(positions[r]))
    cloze_notes: dict[int, int] = {}  # our note int -> Anki note id
    for row in order:
        note = collection.note_of(row)
        card_int = int(card_ids[row])
        ord = int(ords[row])
        tags = (" " + " ".join(note["tags"]) + " ") if note["tags"] else ""
        note_mod = note["created"] // 1_000_000
        if note["kind"] == "cloze":
            key = int(note["id"], 16)
            if key not in cloze_notes:
                nid = cloze_notes[key] = note_id(key)
                fields = [
                    _as_html(note["fields"]["text"], "text" in note["html"]),
                    _as_html(note["fields"].get("back", ""), "back" in note["html"]),
                ]
                notes.append(_note_row(nid, f"p{note['id']}", CLOZE_ID, note_mod, tags, fields))
            nid = cloze_notes[key]
        else:
            side = render(note, ord)
            is_html = bool(note["html"])
            fields = [_as_html(side["front"], is_html), _as_html(side["back"], is_html)]
            nid = note_id(card_int)
            notes.append(_note_row(nid, f"p{note['id']}{ord}", BASIC_ID, note_mod, tags, fields))
            ord = 0
        cards.append(_card_row(collection, row, nid, ord, crt, t, log_rows.get(card_int, ())))
    ids, dues = collection.cards.col("id").tolist(), collection.cards.col("due").tolist()
    next_due = {f"{cid:016x}": due for cid, due in zip(ids, dues)}
    revlog = _revlog_rows(collection, next_due)
    models = {
        str(BASIC_ID): _note_type(
            BASIC_ID,
            "Prometheus Basic",
            0,
            ["Front", "Back"],
            _template("Card 1", "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}"),
            mod_ms // 1000,
        ),
        str(CLOZE_ID): _note_type(
            CLOZE_ID,
            "Prometheus Cloze",
            1,
            ["Text", "Back Extra"],
            _template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}"),
            mod_ms // 1000,
        ),
    }
    conf = {
        "activeDecks": [DECK_ID],
        "curDeck": DECK_ID,
        "newSpread": 0,
        "collapseTime": 1200,
        "timeLim": 0,
        "estTimes": True,
        "dueCounts": True,
        "curModel": None,
        "nextPos": len(cards) + 1,
        "sortType": "noteFld",
        "sortBackwards": False,
        "addToCur": True,
    }
    handle, path = tempfile.mkstemp(suffix=".anki2")
    os.close(handle)
    try:
        con = sqlite3.connect(path)
        try:
            con.executescript(SCHEMA)
            con.execute(
                "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
                (
                    crt,
                    mod_ms,
                    mod_ms,
                    json.dumps(conf),
                    json.dumps(models),
                    json.dumps({str(DECK_ID): _deck(mod_ms // 1000)}),
                    json.dumps({"1": _deck_config(collection, mod_ms // 1000)}),
                ),
            )
            con.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", notes)
            con.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
            con.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", revlog)
            con.commit()
        finally:
            con.close()
        with open(path, "rb") as db:
            database = db.read()
    finally:
        os.unlink(path)
    out = io.BytesIO()
    names = sorted(collection.media)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", database)
        archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for i, name in enumerate(names):
            archive.writestr(str(i), collection.media[name])
    return out.getvalue()

"""Anki `.apkg` import: notes, cards, the review log and media, in one undoable action.

An .apkg is a zip holding `collection.anki21` or `collection.anki2` (sqlite, Anki's legacy
schema 11: tables col, notes, cards, revlog), `media` (JSON {"0": "file.jpg", ...}) and the
media files named "0", "1", .... `collection.anki21b` (zstd, Anki >= 2.1.50) is refused with
a message saying how to export a readable package. A package that holds only the small
`collection.anki2` stub next to an anki21b is refused the same way.

Mapping
- a cloze note type (type 1) -> a `cloze` note (first field = text, second = extra);
  any other note type -> an `imported` note whose sides are the card templates rendered
  with the note's fields ({{Field}}, {{FrontSide}}, {{#F}}..{{/F}}, {{^F}}..{{/F}},
  {{text:F}} ...); only the templates Anki made cards for become cards.
- every field is HTML from the deck's author, so the note marks them as HTML (`html`): it is
  stored as is and must be sanitized by the page before display.
- each card is rescheduled with FSRS by replaying its revlog (ease 1-4 in time order; a manual
  'forget' restarts it), so its memory state follows this collection's parameters; the log
  entries become the collection's review log (and so seed the optimizer). A reviewed card
  without a revlog keeps Anki's interval as its stability. Suspended cards stay suspended.
- media files are kept in the collection (names already present are skipped and listed).
Anything malformed raises ImportFormatError and nothing is stored.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import tempfile
import zipfile
from datetime import timedelta

from .clock import now_us, to_datetime
from .errors import ImportFormatError
from .ids import id_text, new_id_int
from .notes import cloze_numbers
from .study import commit, new_card_record

MAX_PACKAGE_BYTES = 500_000_000
STUB_BYTES = 200_000  # Anki's "please update" anki2 stub next to an anki21b is tiny
REFUSE_21B = (
    "this .apkg stores its collection as collection.anki21b (Anki 2.1.50 or newer), "
    "which cannot be read here: in Anki, export again with 'Support older Anki versions' checked"
)
FIELD_SEP = "\x1f"
_TAG = re.compile(r"\{\{([#^/]?)([^}]*)\}\}")


def _sqlite_bytes(archive: zipfile.ZipFile) -> bytes:
    names = set(archive.namelist())
    has_21b = "collection.anki21b" in names
    for name in ("collection.anki21", "collection.anki2"):
        if name in names:
            info = archive.getinfo(name)
            if has_21b and name == "collection.anki2" and info.file_size < STUB_BYTES:
                raise ImportFormatError(REFUSE_21B)
            return archive.read(name)
    if has_21b:
        raise ImportFormatError(REFUSE_21B)
    raise ImportFormatError("not an Anki package: no collection.anki21 or collection.anki2 inside the zip")


def _render(template: str, fields: dict) -> str:
    """Anki's template language, the common part: sections, inverted sections, filters."""

    def section(text: str) -> str:
        out, pos = [], 0
        for match in _TAG.finditer(text):
            if match.start() < pos:
                continue
            kind, name = match.group(1), match.group(2).strip()
            out.append(text[pos : match.start()])
            pos = match.end()
            if kind in ("#", "^"):
                close = text.find("{{/" + name + "}}", pos)
                if close < 0:
                    continue
                inner = text[pos:close]
                pos = close + len(name) + 5
                filled = bool(fields.get(name, "").strip())
                if filled == (kind == "#"):
                    out.append(section(inner))
            elif kind == "/":
                continue
            else:
                field = name.rsplit(":", 1)[-1].strip()
                if name.startswith("type:"):
                    continue
                out.append(fields.get(field, ""))
        out.append(text[pos:])
        return "".join(out)

    return section(template)


def _query(con, sql: str, what: str):
    import sqlite3

    try:
        return con.execute(sql).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ImportFormatError(f"Anki collection: cannot read {what}: {exc}") from None


def _read_tables(raw: bytes):
    import sqlite3  # a Pyodide on-demand package: the rpc method declares it

    if not raw.startswith(b"SQLite format 3\x00"):
        raise ImportFormatError("Anki collection file inside the .apkg is not an SQLite database")
    handle, path = tempfile.mkstemp(suffix=".anki2")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            col = _query(con, "SELECT crt, models FROM col", "the col table")
            notes = _query(con, "SELECT id, mid, flds, tags FROM notes ORDER BY id", "the notes table")
            cards = _query(
                con, "SELECT id, nid, ord, type, queue, due, ivl FROM cards ORDER BY id", "the cards table"
            )
            revlog = _query(
                con, "SELECT id, cid, ease, type, ivl, time FROM revlog ORDER BY cid, id", "the revlog table"
            )
        finally:
            con.close()
    finally:
        os.unlink(path)
    if len(col) != 1:
        raise ImportFormatError(f"Anki collection: the col table must have one row, has {len(col)}")
    crt, models_text = col[0]
    try:
        models = json.loads(models_text) if models_text else {}
    except (TypeError, ValueError) as exc:
        raise ImportFormatError(f"Anki collection: col.models is not JSON: {exc}") from None
    if not isinstance(models, dict) or not models:
        raise ImportFormatError(
            "Anki collection has no note types in col.models (a newer schema?): "
            "export again with 'Support older Anki versions' checked"
        )
    return crt, models, notes, cards, revlog


def _media(archive: zipfile.ZipFile, existing) -> tuple[dict, list]:
    names = set(archive.namelist())
    if "media" not in names:
        return {}, []
    try:
        mapping = json.loads(archive.read("media").decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFormatError(f"the package's media file is not JSON: {exc}") from None
    if not isinstance(mapping, dict):
        raise ImportFormatError("the package's media file must map numbers to file names")
    kept, skipped = {}, []
    for number, name in sorted(mapping.items(), key=lambda kv: str(kv[0])):
        if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
            raise ImportFormatError(f"media entry {number!r} has an invalid file name {name!r}")
        if str(number) not in names:
            raise ImportFormatError(
                f"media file {name!r} (zip member {number!r}) is missing from the package"
            )
        if name in existing or name in kept:
            skipped.append(name)
            continue
        kept[name] = base64.b64encode(archive.read(str(number))).decode("ascii")
    return kept, skipped


def _model(models: dict, mid) -> dict:
    model = models.get(str(mid))
    if (
        not isinstance(model, dict)
        or not isinstance(model.get("flds"), list)
        or not isinstance(model.get("tmpls"), list)
    ):
        raise ImportFormatError(f"note type {mid} is missing or malformed in col.models")
    return model


def _replay(collection, card_int: int, entries, record: dict, anki: tuple) -> list[dict]:
    """Reschedule a card from its revlog with this collection's scheduler; the log entries."""
    from ..srs.card import Card  # deferred: only imports replay whole histories

    scheduler = collection.scheduler()
    card: Card | None = None
    logs: list = []
    for rid, ease, kind, ivl, ms in entries:
        if kind == 4 and ease == 0 and ivl == 0:  # manual 'forget': start over
            card, logs = None, []
            continue
        if ease == 0:
            continue
        moment = to_datetime(rid * 1000)
        if card is None:
            card = Card(card_id=card_int, due=moment)
        elif card.last_review is not None and moment < card.last_review:
            continue
        retrievability = (
            None if card.last_review is None else float(scheduler.get_card_retrievability(card, moment))
        )
        elapsed = None if card.last_review is None else (moment - card.last_review).days
        logs.append(
            {
                "card": record["id"],
                "rating": ease,
                "time": rid * 1000,
                "duration": min(max(int(ms or 0), 0), 86_400_000),
                "state": 0 if card.last_review is None else int(card.state),
                "elapsed": elapsed,
                "retrievability": retrievability,
            }
        )
        card, _ = scheduler.review_card(card, ease, moment)
    if card is not None:
        t = logs[-1]["time"]
        record.update(
            state=int(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=t + (card.due - to_datetime(t)) // timedelta(microseconds=1),
            last_review=t,
        )
    else:
        crt, ctype, due, ivl, now = anki
        if ctype == 2 and ivl > 0:  # reviewed in Anki, history gone: keep its interval
            due_us = (crt + due * 86_400) * 1_000_000
            record.update(
                state=2,
                step=None,
                stability=float(ivl),
                difficulty=5.0,
                due=due_us,
                last_review=min(due_us - ivl * 86_400_000_000, now),
            )
    return logs


def import_apkg(collection, data, now=None) -> dict:
    """Import an .apkg (bytes, or base64 text as sent over RPC)."""
    if isinstance(data, str):
        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            raise ImportFormatError("apkg data must be the package's bytes as base64 text") from None
    if not isinstance(data, (bytes, bytearray)):
        raise ImportFormatError(f"apkg data must be bytes or base64 text, got {type(data).__name__}")
    if len(data) > MAX_PACKAGE_BYTES:
        raise ImportFormatError(f"the package is larger than {MAX_PACKAGE_BYTES} bytes")
    t = now_us(now)
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    except zipfile.BadZipFile:
        raise ImportFormatError("not an Anki package: the data is not a zip file") from None
    with archive:
        try:
            raw = _sqlite_bytes(archive)
            crt, models, anki_notes, anki_cards, revlog = _read_tables(raw)
            media, skipped = _media(archive, collection.media)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportFormatError(f"the package's zip is damaged: {exc}") from None
    by_note: dict[int, list] = {}
    for cid, nid, ord, ctype, queue, due, ivl in anki_cards:
        if not all(isinstance(v, int) for v in (cid, nid, ord, ctype, queue, due, ivl)):
            raise ImportFormatError(f"card {cid!r}: non-integer columns")
        by_note.setdefault(nid, []).append((cid, ord, ctype, queue, due, ivl))
    history: dict[int, list] = {}
    for rid, cid, ease, kind, ivl, ms in revlog:
        if not all(isinstance(v, int) for v in (rid, cid, ease, kind)) or not 0 <= ease <= 4:
            raise ImportFormatError(f"revlog entry {rid!r}: ease must be 0-4 and ids integers")
        history.setdefault(cid, []).append((rid, ease, kind, ivl if isinstance(ivl, int) else 0, ms))
    taken_notes, taken_cards = set(collection.notes), set(collection._row)
    position = collection.next_position()
    notes, records, entries = [], [], []
    for nid, mid, flds, tags in anki_notes:
        cards = sorted(by_note.get(nid, ()), key=lambda c: c[1])
        if not cards:
            continue
        model = _model(models, mid)
        if not isinstance(flds, str):
            raise ImportFormatError(f"note {nid}: fields are not text")
        values = flds.split(FIELD_SEP)
        names = [
            f.get("name", f"Field {i}")
            for i, f in enumerate(sorted(model["flds"], key=lambda f: f.get("ord", 0)))
        ]
        fields = {name: values[i] if i < len(values) else "" for i, name in enumerate(names)}
        note_int = new_id_int(taken_notes)
        taken_notes.add(note_int)
        note_id = id_text(note_int)
        if model.get("type") == 1:
            text = values[0] if values else ""
            note = {
                "kind": "cloze",
                "fields": {"text": text, "back": values[1] if len(values) > 1 else ""},
                "html": ["back", "text"],
            }
            valid = set(n - 1 for n in cloze_numbers(text))
            cards = [c for c in cards if c[1] in valid]
            if not cards:
                continue
            ords = [c[1] for c in cards]
        else:
            templates = {tm.get("ord", i): tm for i, tm in enumerate(model["tmpls"])}
            sides = []
            for c in cards:
                tm = templates.get(c[1])
                if tm is None:
                    raise ImportFormatError(f"card {c[0]} uses template {c[1]}, which note type {mid} lacks")
                front = _render(str(tm.get("qfmt", "")), fields)
                back = _render(str(tm.get("afmt", "")), {**fields, "FrontSide": front})
                sides.append({"front": front, "back": back})
            note = {"kind": "imported", "fields": {"sides": sides}, "html": ["sides"]}
            ords = list(range(len(cards)))
        tag_list = tags.split() if isinstance(tags, str) else []
        notes.append({"id": note_id, "created": t, "tags": tag_list, **note})
        for (cid, _, ctype, queue, due, ivl), ord in sorted(
            zip(cards, ords), key=lambda x: (x[0][2] != 0, x[0][4], x[0][0])
        ):
            card_int = new_id_int(taken_cards)
            taken_cards.add(card_int)
            record = new_card_record(id_text(card_int), note_id, ord, position, t)
            position += 1
            record["suspended"] = queue == -1
            entries.extend(
                _replay(collection, card_int, history.get(cid, ()), record, (crt, ctype, due, ivl, t))
            )
            records.append(record)
    if not records:
        raise ImportFormatError("the package holds no cards")
    entries.sort(key=lambda e: e["time"])
    start = collection.log.n
    op = {
        "op": "add",
        "notes": notes,
        "cards": records,
        "reviews": [[start + i, e] for i, e in enumerate(entries)],
        "media": media,
    }
    commit(collection, "import", op, None, {"format": "apkg", "cards": len(records)})
    return {
        "format": "apkg",
        "notes": len(notes),
        "cards": len(records),
        "reviews": len(entries),
        "media": sorted(media),
        "media_skipped": skipped,
        "ids": [r["id"] for r in records],
    }

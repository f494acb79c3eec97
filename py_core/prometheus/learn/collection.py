"""A learner's collection: notes, cards with their FSRS state, the review log, settings, the
day's bookkeeping and media, changed only through `Collection.apply(op) -> inverse op`.

Invariants
- An op is a small JSON-safe dict that carries resolved values (ids, times, the new FSRS
  state): replaying the same ops on an empty collection gives the same `to_bytes()`, with no
  scheduler run and no clock read. `apply(inverse)` restores the exact prior state.
- `apply` checks the whole op before changing anything: an op that raises changed nothing.
- While `ops_log` is a list, every op applied is appended to it (the store journals them).
- Card <-> concept links are not here but in the knowledge graph (see `concepts`).

Ops (times are integer microseconds since the epoch, UTC; ids 16-hex-digit strings):
    {"op": "add", "notes": [note], "cards": [card], "reviews": [[index, entry]], "media": {name: base64}}
    {"op": "remove", "notes": [id], "cards": [id], "reviews": [index], "media": [name]}
    {"op": "answer", "card": id, "state": state, "log": entry, "day": day}
    {"op": "unanswer", "card": id, "state": state, "day": day}      (drops the last log entry)
    {"op": "set_cards", "cards": [{"id": id, <card fields>}]}
    {"op": "settings", "values": {key: value}}
    {"op": "batch", "ops": [op, ...]}
where
    card  = {"id", "note", "ord", "position", "suspended", **state}
    state = {"state" 1-3, "step" int|null, "stability" float|null, "difficulty" float|null,
             "due" us, "last_review" us|null}
    entry = {"card", "rating" 1-4, "time" us, "duration" ms|null, "state" 0-3 (0 = new),
             "elapsed" days|null, "retrievability" float|null}
    day   = {"day" int|null, "new" int, "reviews" int, "buried" [card id]}
    note  = {"id", "kind", "fields", "html", "tags", "created" us}

Snapshot (`to_bytes`): b"PLEARN\\r\\n", u32 format version, u32 header length, a canonical
JSON header (settings, day, counts, column layout, sha256 of the body), then the body: the
card columns (rows sorted by id), the log columns (in log order), media (by name), all
little-endian, and last the notes, columnar: their ids (ascending int64), the end offset
of each note's canonical JSON (int64), those JSONs back to back (see `note_table`: a restore
parses a note when it is first read). Same state -> same bytes. Format 1 (the notes as one
JSON list) is still read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import struct
from datetime import UTC
from typing import Any

import numpy as np

from ..atomic import atomic
from ..heap import collector_paused
from ..srs.card import Card
from ..srs.parameters import MAX_DIFFICULTY, MIN_DIFFICULTY
from .clock import to_datetime
from .errors import LearnError, OpError, SnapshotError, UnknownCard
from .ids import id_int, id_text
from .note_table import NoteTable, canonical
from .notes import KINDS, card_ords
from .settings import DEFAULT_SETTINGS, scheduler_from, validate_settings
from .table import Table

NO_TIME = np.iinfo(np.int64).min  # last_review of a card never reviewed
NO_STEP = -1
NO_DURATION = -1
CARD_COLUMNS = (
    ("id", "<i8"),
    ("note", "<i8"),
    ("ord", "<i4"),
    ("state", "<i1"),
    ("step", "<i2"),
    ("stability", "<f8"),
    ("difficulty", "<f8"),
    ("due", "<i8"),
    ("last_review", "<i8"),
    ("position", "<i8"),
    ("suspended", "<i1"),
)
LOG_COLUMNS = (
    ("card", "<i8"),
    ("rating", "<i1"),
    ("time", "<i8"),
    ("duration", "<i8"),
    ("state", "<i1"),
    ("elapsed", "<i4"),
    ("retrievability", "<f8"),
)
STATE_KEYS = ("state", "step", "stability", "difficulty", "due", "last_review")
CARD_KEYS = ("id", "note", "ord", "position", "suspended") + STATE_KEYS
ENTRY_KEYS = ("card", "rating", "time", "duration", "state", "elapsed", "retrievability")
NOTE_KEYS = ("id", "kind", "fields", "html", "tags", "created")
EMPTY_DAY: dict[str, Any] = {"day": None, "new": 0, "reviews": 0, "buried": []}
MAGIC = b"PLEARN\r\n"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_TIME = 7_258_118_400_000_000  # 2200-01-01


_canonical = canonical


def _is_int(value, low=None, high=None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (low is None or value >= low)
        and (high is None or value <= high)
    )


def _is_float(value, low, high, low_open=False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return (value > low if low_open else value >= low) and value <= high


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise OpError(message)


def _keys(value, keys, where, optional=()) -> None:
    _need(isinstance(value, dict), f"{where} must be an object, got {type(value).__name__}")
    missing = [k for k in keys if k not in value and k not in optional]
    extra = sorted(set(value) - set(keys))
    _need(not missing and not extra, f"{where}: missing {missing or 'nothing'}, unknown {extra or 'nothing'}")


def state_values(state: dict, where: str) -> dict:
    """Column values of an FSRS state record, checked like srs.Card checks its fields."""
    _keys(state, STATE_KEYS, where)
    s, step, stab, diff = state["state"], state["step"], state["stability"], state["difficulty"]
    _need(_is_int(s, 1, 3), f"{where}.state must be 1, 2 or 3, got {s!r}")
    _need(step is None or _is_int(step, 0, 10_000), f"{where}.step must be null or 0..10000, got {step!r}")
    _need(s == 2 or step is not None, f"{where}.step must be set in state {s}")
    _need(
        stab is None or _is_float(stab, 0.0, 1e12, low_open=True),
        f"{where}.stability must be null or positive, got {stab!r}",
    )
    _need(
        diff is None or _is_float(diff, MIN_DIFFICULTY, MAX_DIFFICULTY),
        f"{where}.difficulty must be null or in [1, 10], got {diff!r}",
    )
    _need(
        s == 1 or (stab is not None and diff is not None),
        f"{where}: state {s} needs stability and difficulty",
    )
    _need((stab is None) == (diff is None), f"{where}: stability and difficulty are both set or both null")
    _need(_is_int(state["due"], 0, MAX_TIME), f"{where}.due must be epoch microseconds, got {state['due']!r}")
    last = state["last_review"]
    _need(
        last is None or _is_int(last, 0, MAX_TIME), f"{where}.last_review must be null or epoch microseconds"
    )
    _need(
        (last is None) == (stab is None),
        f"{where}: a reviewed card has last_review and stability, a new one neither",
    )
    return {
        "state": s,
        "step": NO_STEP if step is None else step,
        "stability": math.nan if stab is None else float(stab),
        "difficulty": math.nan if diff is None else float(diff),
        "due": state["due"],
        "last_review": NO_TIME if last is None else last,
    }


def card_values(card: dict, where: str) -> dict:
    _keys(card, CARD_KEYS, where)
    values = state_values({k: card[k] for k in STATE_KEYS}, where)
    try:
        values["id"] = id_int(card["id"], f"{where}.id")
        values["note"] = id_int(card["note"], f"{where}.note")
    except LearnError as exc:
        raise OpError(str(exc)) from None
    _need(_is_int(card["ord"], 0, 10_000), f"{where}.ord must be 0..10000")
    _need(_is_int(card["position"], 0), f"{where}.position must be a non-negative integer")
    _need(isinstance(card["suspended"], bool), f"{where}.suspended must be true or false")
    values.update(ord=card["ord"], position=card["position"], suspended=int(card["suspended"]))
    return values


def entry_values(entry: dict, where: str) -> dict:
    _keys(entry, ENTRY_KEYS, where)
    try:
        card = id_int(entry["card"], f"{where}.card")
    except LearnError as exc:
        raise OpError(str(exc)) from None
    _need(_is_int(entry["rating"], 1, 4), f"{where}.rating must be 1-4, got {entry['rating']!r}")
    _need(_is_int(entry["time"], 0, MAX_TIME), f"{where}.time must be epoch microseconds")
    _need(
        entry["duration"] is None or _is_int(entry["duration"], 0, 86_400_000),
        f"{where}.duration must be null or 0..86400000 ms",
    )
    _need(_is_int(entry["state"], 0, 3), f"{where}.state must be 0-3")
    _need(
        entry["elapsed"] is None or _is_int(entry["elapsed"], 0, 1_000_000),
        f"{where}.elapsed must be null or >= 0",
    )
    r = entry["retrievability"]
    _need(r is None or _is_float(r, 0.0, 1.0), f"{where}.retrievability must be null or in [0, 1]")
    return {
        "card": card,
        "rating": entry["rating"],
        "time": entry["time"],
        "duration": NO_DURATION if entry["duration"] is None else entry["duration"],
        "state": entry["state"],
        "elapsed": -1 if entry["elapsed"] is None else entry["elapsed"],
        "retrievability": math.nan if r is None else float(r),
    }


def check_day(day: dict, where: str = "day") -> dict:
    _keys(day, ("day", "new", "reviews", "buried"), where)
    _need(day["day"] is None or _is_int(day["day"], 0, 100_000), f"{where}.day must be null or a day number")
    _need(_is_int(day["new"], 0) and _is_int(day["reviews"], 0), f"{where}.new/reviews must be counts")
    _need(isinstance(day["buried"], list), f"{where}.buried must be a list of card ids")
    for i, cid in enumerate(day["buried"]):
        try:
            id_int(cid, f"{where}.buried[{i}]")
        except LearnError as exc:
            raise OpError(str(exc)) from None
    return {
        "day": day["day"],
        "new": day["new"],
        "reviews": day["reviews"],
        "buried": sorted(set(day["buried"])),
    }


_NOTE_KEYS = frozenset(NOTE_KEYS)
_TEXT_KINDS = frozenset(KINDS) - {"imported"}


def check_note(note: dict, where: str) -> dict:
    """A note's structure (its text is data: any string). Kept cheap: snapshots check every note."""
    if type(note) is not dict or note.keys() != _NOTE_KEYS:
        _keys(note, NOTE_KEYS, where)
    nid, kind, fields = note["id"], note["kind"], note["fields"]
    if not (
        type(nid) is str
        and len(nid) == 16
        and _HEX.issuperset(nid)
        and nid != "0000000000000000"
        and nid[0] in "01234567"
    ):
        raise OpError(f"{where}.id must be a 16-digit hex id, got {nid!r}")
    if type(fields) is not dict:
        raise OpError(f"{where}.fields must be an object")
    if kind in _TEXT_KINDS:
        if not all(type(v) is str for v in fields.values()):
            raise OpError(f"{where}.fields must hold strings")
    elif kind == "imported":
        sides = fields.get("sides")
        _need(
            isinstance(sides, list)
            and bool(sides)
            and all(
                isinstance(s, dict) and isinstance(s.get("front"), str) and isinstance(s.get("back"), str)
                for s in sides
            ),
            f"{where}.fields.sides must be a list of {{front, back}}",
        )
    else:
        raise OpError(f"{where}.kind must be one of {KINDS}, got {kind!r}")
    html, tags = note["html"], note["tags"]
    if (
        type(html) is not list
        or type(tags) is not list
        or (html and not all(type(h) is str for h in html))
        or (tags and not all(type(t) is str for t in tags))
    ):
        raise OpError(f"{where}.html and .tags must be lists of strings")
    _need(_is_int(note["created"], 0, MAX_TIME), f"{where}.created must be epoch microseconds")
    try:
        card_ords(note)
    except (KeyError, TypeError):
        raise OpError(f"{where}.fields do not fit kind {kind!r}") from None
    return note


_HEX = frozenset("0123456789abcdef")


class Collection:
    """See the module docstring. `graph_source()` returns the knowledge graph holding the
    card <-> concept links (None: a collection without concepts)."""

    def __init__(self, graph_source=None):
        self.graph_source = graph_source
        self.settings = json.loads(json.dumps(DEFAULT_SETTINGS))
        self.notes: NoteTable = NoteTable(check_note)
        self.cards = Table(CARD_COLUMNS)
        self.log = Table(LOG_COLUMNS)
        self.day = dict(EMPTY_DAY)
        self.media: dict[str, bytes] = {}
        self.ops_log: list | None = None
        self.inverse_log: list = []  # the inverse of each op in ops_log (the store's rollback)
        self.undo_stack: list = []  # session only: (label, inverse op, graph undo) of public calls
        self.version = 0  # bumped by every op (caches key on it)
        self.layout_version = 0  # bumped when cards are added or removed (row numbers change)
        self._row: dict[int, int] = {}
        self._note_cards: dict[int, list[int]] = {}
        self._scheduler = None
        self._links = None  # concepts.LinkIndex cache
        self.changed_rows: set[int] = set()  # rows whose state changed since the mastery cache saw them
        self.links_version = 0  # bumped by learn's own graph changes

    def links_changed(self) -> None:
        """Say that Card/Concept links changed in the graph behind the collection's back."""
        self.links_version += 1

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return self.cards.n

    def row(self, card_id, where: str = "card_id") -> int:
        """The table row of a card given by its text id; UnknownCard if absent."""
        try:
            number = id_int(card_id, where)
        except LearnError:
            raise UnknownCard(card_id, where) from None
        row = self._row.get(number)
        if row is None:
            raise UnknownCard(card_id, where)
        return row

    def has_card(self, card_int: int) -> bool:
        return card_int in self._row

    def row_of_int(self, card_int: int) -> int:
        return self._row[card_int]

    def card_record(self, row: int) -> dict:
        v = self.cards.get(row)
        return {
            "id": id_text(v["id"]),
            "note": id_text(v["note"]),
            "ord": v["ord"],
            "position": v["position"],
            "suspended": bool(v["suspended"]),
            **self._state_of(v),
        }

    def state_record(self, row: int) -> dict:
        return self._state_of(self.cards.get(row))

    @staticmethod
    def _state_of(v: dict) -> dict:
        return {
            "state": v["state"],
            "step": None if v["step"] == NO_STEP else v["step"],
            "stability": None if math.isnan(v["stability"]) else v["stability"],
            "difficulty": None if math.isnan(v["difficulty"]) else v["difficulty"],
            "due": v["due"],
            "last_review": None if v["last_review"] == NO_TIME else v["last_review"],
        }

    def fsrs_card(self, row: int) -> Card:
        """The srs.Card of a row (its card_id is the int64 id, which seeds the fuzz)."""
        s = self.state_record(row)
        return Card(
            card_id=int(self.cards.col("id")[row]),
            state=s["state"],
            step=s["step"],
            stability=s["stability"],
            difficulty=s["difficulty"],
            due=to_datetime(s["due"]).astimezone(UTC),
            last_review=None if s["last_review"] is None else to_datetime(s["last_review"]),
        )

    def log_entry(self, index: int) -> dict:
        v = self.log.get(index)
        return {
            "card": id_text(v["card"]),
            "rating": v["rating"],
            "time": v["time"],
            "duration": None if v["duration"] == NO_DURATION else v["duration"],
            "state": v["state"],
            "elapsed": None if v["elapsed"] < 0 else v["elapsed"],
            "retrievability": None if math.isnan(v["retrievability"]) else v["retrievability"],
        }

    def note_of(self, row: int) -> dict:
        return self.notes[int(self.cards.col("note")[row])]

    def siblings(self, card_int: int) -> list[int]:
        """Other cards of the same note."""
        note = int(self.cards.col("note")[self._row[card_int]])
        return [c for c in self._note_cards.get(note, ()) if c != card_int]

    def note_card_ids(self, note_int: int) -> list[int]:
        return list(self._note_cards.get(note_int, ()))

    def scheduler(self):
        if self._scheduler is None:
            self._scheduler = scheduler_from(self.settings)
        return self._scheduler

    def next_position(self) -> int:
        return int(self.cards.col("position").max()) + 1 if self.cards.n else 0

    # ------------------------------------------------------------------ ops
    @atomic
    def apply(self, op: dict) -> dict:
        """Apply one op; returns its inverse. Raises OpError (changing nothing) if it does not fit."""
        inverse = self._apply(op)
        if self.ops_log is not None:
            self.ops_log.append(op)
            self.inverse_log.append(inverse)
        return inverse

    def _apply(self, op: dict) -> dict:
        _need(
            isinstance(op, dict) and isinstance(op.get("op"), str),
            f"an op must be an object with an 'op' name, got {op!r:.80}",
        )
        handler = getattr(self, "_op_" + op["op"], None)
        if handler is None:
            raise OpError(f"unknown op {op['op']!r}")
        inverse = handler(op)
        self.version += 1
        return inverse

    def _op_batch(self, op):
        _keys(op, ("op", "ops"), "batch op")
        _need(isinstance(op["ops"], list), "batch op: ops must be a list")
        done = []
        try:
            for inner in op["ops"]:
                done.append(self._apply(inner))
        except BaseException:
            for inverse in reversed(done):
                self._apply(inverse)
            raise
        return {"op": "batch", "ops": done[::-1]}

    def _op_settings(self, op):
        _keys(op, ("op", "values"), "settings op")
        try:
            values = validate_settings(op["values"])
        except LearnError as exc:
            raise OpError(str(exc)) from None
        old = {k: self.settings[k] for k in values}
        self.settings.update(json.loads(json.dumps(values)))
        self._scheduler = None
        return {"op": "settings", "values": old}

    def _op_add(self, op):
        _keys(op, ("op", "notes", "cards", "reviews", "media"), "add op")
        notes, cards, reviews, media = op["notes"], op["cards"], op["reviews"], op["media"]
        _need(
            isinstance(notes, list)
            and isinstance(cards, list)
            and isinstance(reviews, list)
            and isinstance(media, dict),
            "add op: notes, cards, reviews must be lists, media an object",
        )
        new_notes = {}
        for i, note in enumerate(notes):
            check_note(note, f"add.notes[{i}]")
            nid = int(note["id"], 16)
            _need(nid not in self.notes and nid not in new_notes, f"add.notes[{i}]: note {note['id']} exists")
            new_notes[nid] = note
        rows = []
        seen = set()
        for i, card in enumerate(cards):
            values = card_values(card, f"add.cards[{i}]")
            _need(
                values["id"] not in self._row and values["id"] not in seen,
                f"add.cards[{i}]: card {card['id']} exists",
            )
            _need(
                values["note"] in self.notes or values["note"] in new_notes,
                f"add.cards[{i}]: note {card['note']} is not in the collection",
            )
            seen.add(values["id"])
            rows.append(values)
        log_length = self.log.n
        entries: list = []
        for i, item in enumerate(reviews):
            _need(isinstance(item, list) and len(item) == 2, f"add.reviews[{i}] must be [index, entry]")
            index, entry = item
            _need(
                _is_int(index, 0, log_length + i) and (not entries or index > entries[-1][0]),
                f"add.reviews[{i}]: index {index!r} out of order or range",
            )
            entries.append((index, entry_values(entry, f"add.reviews[{i}]")))
        blobs = {}
        for name, data in media.items():
            _need(
                isinstance(name, str) and bool(name) and name not in self.media and isinstance(data, str),
                f"add.media[{name!r}]: a new file name with base64 text",
            )
            try:
                blobs[name] = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise OpError(f"add.media[{name!r}] is not base64") from None
        # -- checked; change
        self.notes.update(new_notes)
        if rows:
            self.cards.append({name: [r[name] for r in rows] for name, _ in CARD_COLUMNS})
        for index, values in entries:
            self.log.insert(index, values)
        self.media.update(blobs)
        self._reindex()
        return {
            "op": "remove",
            "notes": [n["id"] for n in notes],
            "cards": [c["id"] for c in cards],
            "reviews": [index for index, _ in entries],
            "media": sorted(blobs),
        }

    def _op_remove(self, op):
        _keys(op, ("op", "notes", "cards", "reviews", "media"), "remove op")
        _need(
            all(isinstance(op[k], list) for k in ("notes", "cards", "reviews", "media")),
            "remove op: notes, cards, reviews, media must be lists",
        )
        rows = [self.row(c, f"remove.cards[{i}]") for i, c in enumerate(op["cards"])]
        _need(len(set(rows)) == len(rows), "remove op: a card is listed twice")
        note_ints = []
        for i, text in enumerate(op["notes"]):
            try:
                nid = id_int(text, f"remove.notes[{i}]")
            except LearnError as exc:
                raise OpError(str(exc)) from None
            _need(nid in self.notes, f"remove.notes[{i}]: no note {text}")
            note_ints.append(nid)
        removed_ids = {int(self.cards.col("id")[r]) for r in rows}
        for nid in note_ints:
            left = [c for c in self._note_cards.get(nid, ()) if c not in removed_ids]
            _need(not left, f"remove op: note {id_text(nid)} keeps card {id_text(left[0]) if left else ''}")
        indices = op["reviews"]
        _need(
            all(_is_int(x, 0, self.log.n - 1) for x in indices) and indices == sorted(set(indices)),
            "remove.reviews must be ascending log indices",
        )
        _need(
            all(isinstance(m, str) and m in self.media for m in op["media"]),
            "remove.media names unknown files",
        )
        # -- checked; change
        inverse = {
            "op": "add",
            "notes": [self.notes[n] for n in note_ints],
            "cards": [self.card_record(r) for r in rows],
            "reviews": [[i, self.log_entry(i)] for i in indices],
            "media": {m: base64.b64encode(self.media[m]).decode("ascii") for m in op["media"]},
        }
        for nid in note_ints:
            del self.notes[nid]
        if rows:
            self.cards.delete(rows)
        if indices:
            self.log.delete(indices)
        for m in op["media"]:
            del self.media[m]
        self._reindex()
        return inverse

    def _op_answer(self, op):
        _keys(op, ("op", "card", "state", "log", "day"), "answer op")
        row = self.row(op["card"], "answer.card")
        values = state_values(op["state"], "answer.state")
        entry = entry_values(op["log"], "answer.log")
        _need(entry["card"] == int(op["card"], 16), "answer.log.card must be answer.card")
        day = check_day(op["day"], "answer.day")
        inverse = {"op": "unanswer", "card": op["card"], "state": self.state_record(row), "day": self.day}
        self.cards.set(row, values)
        self.changed_rows.add(row)
        self.log.append({k: [v] for k, v in entry.items()})
        self.day = day
        return inverse

    def _op_unanswer(self, op):
        _keys(op, ("op", "card", "state", "day"), "unanswer op")
        row = self.row(op["card"], "unanswer.card")
        values = state_values(op["state"], "unanswer.state")
        day = check_day(op["day"], "unanswer.day")
        _need(
            self.log.n > 0 and int(self.log.col("card")[-1]) == int(op["card"], 16),
            f"unanswer: the last review is not of card {op['card']}",
        )
        inverse = {
            "op": "answer",
            "card": op["card"],
            "state": self.state_record(row),
            "log": self.log_entry(self.log.n - 1),
            "day": self.day,
        }
        self.cards.set(row, values)
        self.changed_rows.add(row)
        self.log.delete([self.log.n - 1])
        self.day = day
        return inverse

    def _op_set_cards(self, op):
        _keys(op, ("op", "cards"), "set_cards op")
        _need(isinstance(op["cards"], list), "set_cards.cards must be a list")
        changes = []
        for i, change in enumerate(op["cards"]):
            where = f"set_cards.cards[{i}]"
            _need(isinstance(change, dict) and "id" in change, f"{where} must be an object with an id")
            row = self.row(change["id"], f"{where}.id")
            keys = set(change) - {"id"}
            _need(
                keys <= {"position", "suspended", *STATE_KEYS},
                f"{where}: only state, position and suspended can be set",
            )
            current = self.card_record(row)
            merged = {**current, **{k: change[k] for k in keys}}
            values = card_values(merged, where)
            changes.append(
                (row, {k: values[k] for k in keys}, {"id": change["id"], **{k: current[k] for k in keys}})
            )
        for row, values, _ in changes:
            self.cards.set(row, values)
            self.changed_rows.add(row)
        return {"op": "set_cards", "cards": [old for _, _, old in changes]}

    def _reindex(self) -> None:
        ids = self.cards.col("id").tolist()
        notes = self.cards.col("note").tolist()
        self._row = {c: i for i, c in enumerate(ids)}
        self._note_cards = {}
        for c, n in zip(ids, notes):
            self._note_cards.setdefault(n, []).append(c)
        self.layout_version += 1
        self.changed_rows.clear()

    # ------------------------------------------------------------------ snapshot
    def to_bytes(self) -> bytes:
        order = np.argsort(self.cards.col("id"), kind="stable")
        parts, layout = [], []
        for table, spec, columns in (
            ("cards", CARD_COLUMNS, self.cards.columns(order)),
            ("log", LOG_COLUMNS, self.log.columns()),
        ):
            for name, dtype in spec:
                parts.append(np.ascontiguousarray(columns[name], dtype=dtype).tobytes())
                layout.append([table, name, dtype])
        names = sorted(self.media)
        parts.extend(self.media[n] for n in names)
        note_ids, note_ends, notes_blob = self.notes.encode()
        parts.extend([note_ids.astype("<i8").tobytes(), note_ends.astype("<i8").tobytes(), notes_blob])
        body = b"".join(parts)
        header = _canonical(
            {
                "format": "prometheus-learn",
                "version": FORMAT_VERSION,
                "settings": self.settings,
                "day": self.day,
                "notes": int(note_ids.size),
                "notes_bytes": len(notes_blob),
                "cards": self.cards.n,
                "reviews": self.log.n,
                "columns": layout,
                "media": [[n, len(self.media[n])] for n in names],
                "body_sha256": hashlib.sha256(body).hexdigest(),
            }
        )
        return MAGIC + struct.pack("<II", FORMAT_VERSION, len(header)) + header + body

    @classmethod
    def from_bytes(cls, data, graph_source=None) -> Collection:
        """A collection from `to_bytes()` output; SnapshotError says what is damaged."""
        try:
            with collector_paused():
                return cls._from_bytes(bytes(data), graph_source)
        except SnapshotError:
            raise
        except (OpError, LearnError, ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"collection snapshot is damaged: {exc}") from None

    @classmethod
    def _from_bytes(cls, data: bytes, graph_source) -> Collection:
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
            raise SnapshotError("not a collection snapshot (bad magic)")
        version, header_length = struct.unpack_from("<II", data, len(MAGIC))
        if version not in READABLE_VERSIONS:
            raise SnapshotError(
                f"collection snapshot format {version} is not supported (expected {FORMAT_VERSION})"
            )
        start = len(MAGIC) + 8
        if start + header_length > len(data):
            raise SnapshotError("collection snapshot is truncated (header)")
        header = json.loads(data[start : start + header_length].decode("utf-8"))
        body = data[start + header_length :]
        keys = ["format", "version", "settings", "day", "notes_bytes", "cards", "reviews", "columns"]
        _keys(
            header, keys + ["media", "body_sha256"] + (["notes"] if version >= 2 else []), "snapshot header"
        )
        if header["format"] != "prometheus-learn" or header["version"] != version:
            raise SnapshotError("snapshot header names another format")
        if hashlib.sha256(body).hexdigest() != header["body_sha256"]:
            raise SnapshotError("collection snapshot is damaged (body checksum mismatch)")
        counts = {"cards": header["cards"], "log": header["reviews"]}
        _need(_is_int(counts["cards"], 0) and _is_int(counts["log"], 0), "bad row counts")
        expected = [[t, n, d] for t, spec in (("cards", CARD_COLUMNS), ("log", LOG_COLUMNS)) for n, d in spec]
        _need(header["columns"] == expected, "unexpected column layout")
        col = cls(graph_source)
        col.settings = {**col.settings, **validate_settings(header["settings"])}
        col.day = check_day(header["day"])
        offset = 0
        columns: dict[str, dict] = {"cards": {}, "log": {}}
        for table, name, dtype in expected:
            size = np.dtype(dtype).itemsize * counts[table]
            _need(offset + size <= len(body), "collection snapshot is truncated (columns)")
            columns[table][name] = np.frombuffer(body, dtype, counts[table], offset).copy()
            offset += size
        for i, (name, size) in enumerate(header["media"]):
            _need(
                isinstance(name, str) and _is_int(size, 0) and offset + size <= len(body),
                f"media[{i}] is damaged",
            )
            col.media[name] = body[offset : offset + size]
            offset += size
        if version == 1:
            col._read_notes_v1(body[offset:], header["notes_bytes"])
        else:
            n = header["notes"]
            _need(
                _is_int(n, 0)
                and _is_int(header["notes_bytes"], 0)
                and offset + 16 * n + header["notes_bytes"] == len(body),
                "collection snapshot has a damaged notes section",
            )
            ids = np.frombuffer(body, "<i8", n, offset).astype(np.int64)
            ends = np.frombuffer(body, "<i8", n, offset + 8 * n).astype(np.int64)
            col.notes = NoteTable.from_section(ids, ends, body[offset + 16 * n :], check_note)
        cards, log = columns["cards"], columns["log"]
        _need(
            bool(np.all(cards["id"] > 0)) and np.unique(cards["id"]).size == cards["id"].size,
            "card ids must be unique and positive",
        )
        _need(bool(np.all((cards["state"] >= 1) & (cards["state"] <= 3))), "card state out of range")
        _need(
            bool(np.all(np.isin(cards["note"], np.fromiter(col.notes, np.int64, len(col.notes))))),
            "a card names a missing note",
        )
        _need(bool(np.all((log["rating"] >= 1) & (log["rating"] <= 4))), "review rating out of range")
        reviewed = cards["last_review"] != NO_TIME
        _need(bool(np.all(np.isnan(cards["stability"]) != reviewed)), "stability and last_review disagree")
        col.cards.append(cards)
        col.log.append(log)
        col._reindex()
        return col

    def _read_notes_v1(self, section: bytes, size) -> None:
        """Format 1: the notes as one canonical JSON list, each checked now."""
        _need(_is_int(size, 2) and size == len(section), "collection snapshot has a damaged notes section")
        notes = json.loads(section.decode("utf-8"))
        _need(isinstance(notes, list), "notes must be a list")
        for i, note in enumerate(notes):
            check_note(note, f"notes[{i}]")
            self.notes[int(note["id"], 16)] = note
        _need(len(self.notes) == len(notes), "duplicate note ids")

"""The collection snapshot: the columnar notes section read lazily (note_table), format 1 still
read, forged notes caught when read. Oracles: the same ops replayed on a collection that was
never restored, and a format-1 snapshot written here from the format's description."""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np
import pytest

from prometheus.learn import Collection, SnapshotError, study
from prometheus.learn.collection import MAGIC

from .test_learn_core import at, basic, fresh, session


def split(data: bytes):
    version, length = struct.unpack_from("<II", data, len(MAGIC))
    start = len(MAGIC) + 8
    return version, json.loads(data[start : start + length]), data[start + length :]


def seal(version: int, header: dict, body: bytes) -> bytes:
    """A snapshot with a correct checksum for `body` (what a forger would write)."""
    header = {**header, "body_sha256": hashlib.sha256(body).hexdigest()}
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return MAGIC + struct.pack("<II", version, len(text)) + text + body


def notes_section(data: bytes):
    """(ids, ends, blob, offset of the section in the body) of a format-2 snapshot."""
    _, header, body = split(data)
    n, size = header["notes"], header["notes_bytes"]
    offset = len(body) - size - 16 * n
    ids = np.frombuffer(body, "<i8", n, offset)
    ends = np.frombuffer(body, "<i8", n, offset + 8 * n)
    return ids, ends, body[offset + 16 * n :], offset


def test_a_restored_collection_changes_like_one_never_restored():
    col, _ = fresh()
    col.ops_log = []
    session(col)
    half = len(col.ops_log)
    restored = Collection.from_bytes(col.to_bytes())
    study.add_cards(col, basic(3), now=at(days=3))
    card_id = study.next_card(col, now=at(days=3))["id"]
    study.answer(col, card_id, 2, now=at(days=3))
    study.undo(col)  # the answer
    study.undo(col)  # the add: the section's notes stay, the new ones go
    study.add_cards(col, basic(2), now=at(days=4))
    for op in col.ops_log[half:]:
        restored.apply(op)
    assert restored.to_bytes() == col.to_bytes()
    assert sorted(restored.notes) == sorted(col.notes) and len(restored.notes) == len(col.notes)
    assert all(restored.notes[k] == col.notes[k] for k in col.notes)


def test_removing_a_restored_note_and_adding_it_back_gives_the_same_bytes():
    col, _ = fresh()
    study.add_cards(col, basic(4), now=at())
    data = col.to_bytes()
    restored = Collection.from_bytes(data)
    card = restored.card_record(0)
    inverse = restored.apply(
        {"op": "remove", "notes": [card["note"]], "cards": [card["id"]], "reviews": [], "media": []}
    )
    assert int(card["note"], 16) not in restored.notes and len(restored.notes) == 3
    restored.apply(inverse)
    assert restored.to_bytes() == data


def test_format_1_snapshots_are_still_read():
    col, _ = fresh()
    session(col)
    data = col.to_bytes()
    version, header, body = split(data)
    assert version == 2
    ids, ends, blob, offset = notes_section(data)
    notes = [json.loads(blob[(ends[i - 1] if i else 0) : ends[i]]) for i in range(len(ids))]
    v1_notes = json.dumps(notes, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    header = {k: v for k, v in header.items() if k != "notes"}
    old = seal(1, {**header, "version": 1, "notes_bytes": len(v1_notes)}, body[:offset] + v1_notes)
    assert Collection.from_bytes(old).to_bytes() == data


def forge_first_note(data: bytes) -> tuple[bytes, dict]:
    """The snapshot with its first note's fields made numbers, sealed again with a valid checksum
    (what a forger would write), and the original first note."""
    version, header, body = split(data)
    ids, ends, blob, offset = notes_section(data)
    first = json.loads(blob[: ends[0]])
    forged_note = json.dumps(
        {**first, "fields": {"front": 1, "back": 2}}, sort_keys=True, separators=(",", ":")
    )
    forged_blob = forged_note.encode() + blob[ends[0] :]
    new_ends = np.asarray(ends, np.int64) + len(forged_blob) - len(blob)
    body = body[:offset] + ids.tobytes() + new_ends.astype("<i8").tobytes() + forged_blob
    return seal(version, {**header, "notes_bytes": len(forged_blob)}, body), first


def test_a_forged_note_is_refused_when_it_is_read():
    col, _ = fresh()
    study.add_cards(col, basic(3), now=at())
    data = col.to_bytes()
    ids = notes_section(data)[0]
    forged_bytes, first = forge_first_note(data)
    forged = Collection.from_bytes(forged_bytes)
    with pytest.raises(SnapshotError, match=f"notes\\[{first['id']}\\].fields must hold strings"):
        forged.notes[int(first["id"], 16)]
    assert forged.notes[int(ids[1])] == col.notes[int(ids[1])]  # the others still read
    rows = [r for r in range(len(forged)) if forged.card_record(r)["note"] == first["id"]]
    with pytest.raises(SnapshotError):
        study.card(forged, forged.card_record(rows[0])["id"], now=at())


@pytest.mark.parametrize(
    "damage",
    ["ids out of order", "offset past the end", "not an object", "unknown note of a card"],
)
def test_a_damaged_notes_section_is_refused_at_load(damage):
    col, _ = fresh()
    study.add_cards(col, basic(3), now=at())
    data = col.to_bytes()
    version, header, body = split(data)
    ids, ends, blob, offset = notes_section(data)
    ids, ends = np.array(ids), np.array(ends)
    if damage == "ids out of order":
        ids[[0, 1]] = ids[[1, 0]]
    elif damage == "offset past the end":
        ends[1] = ends[2] + 5
    elif damage == "not an object":
        blob = b"[" + blob[1:]
    else:
        ids[0] = ids[0] - 1 if ids[0] > 1 else 5
    body2 = body[:offset] + ids.astype("<i8").tobytes() + ends.astype("<i8").tobytes() + blob
    with pytest.raises(SnapshotError):
        Collection.from_bytes(seal(version, header, body2))

"""The notes of a collection as a mapping id -> note that decodes a snapshot's notes on first use.

Why: restoring a 50,000-card collection spent most of its time building and checking 50,000
note dicts (and in the garbage collector walking them), though a session reads a few notes.
A snapshot's notes section is columnar: the note ids (sorted int64), the end offset of each
note's canonical JSON, then those JSONs back to back. `NoteTable.from_section` checks the
columns whole (vectorized); a note is parsed and checked (`check(note, where)`) the first time
it is read, so no code ever sees an unchecked note: a damaged or forged note raises
SnapshotError naming it when it is read, and nothing else changes.

Notes are never edited in place (ops replace them whole), so a note read from the section
still encodes to the same bytes and `encode` reuses those bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, MutableMapping

import numpy as np

from .errors import SnapshotError


def canonical(value) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class NoteTable(MutableMapping):
    """id (int) -> note dict. See the module docstring."""

    def __init__(self, check: Callable[[dict, str], dict]):
        self._check = check
        self._ids = np.zeros(0, np.int64)  # the section's notes, ascending
        self._ends = np.zeros(0, np.int64)
        self._blob = b""
        self._live: dict[int, dict] = {}  # notes read from the section or set since
        self._set: set[int] = set()  # ids set since the section was read (encoded anew)
        self._added: set[int] = set()  # those of them that are not in the section
        self._gone: set[int] = set()  # section ids deleted since
        self._section: tuple | None = (self._ids, self._ends, self._blob)  # encode() cache

    @classmethod
    def from_section(cls, ids: np.ndarray, ends: np.ndarray, blob: bytes, check) -> NoteTable:
        """Notes from a snapshot's columns; raises SnapshotError if the columns do not fit."""
        if ids.size and not (ids[0] > 0 and bool(np.all(ids[1:] > ids[:-1]))):
            raise SnapshotError("collection snapshot: note ids must be positive and ascending")
        starts = np.concatenate(([0], ends[:-1])) if ends.size else ends
        if ends.size != ids.size or (ends.size and (ends[-1] != len(blob) or bool(np.any(ends <= starts)))):
            raise SnapshotError("collection snapshot: the notes section is damaged (offsets)")
        view = np.frombuffer(blob, np.uint8)
        if ends.size and not (
            bool(np.all(view[starts] == ord("{"))) and bool(np.all(view[ends - 1] == ord("}")))
        ):
            raise SnapshotError("collection snapshot: the notes section is damaged (not JSON objects)")
        table = cls(check)
        table._ids, table._ends, table._blob = ids, ends, blob
        table._section = (ids, ends, blob)
        return table

    # ------------------------------------------------------------------ mapping
    def _index(self, nid: int) -> int:
        """Position of `nid` in the section, or -1."""
        if not self._ids.size:
            return -1
        i = int(np.searchsorted(self._ids, nid))
        return i if i < self._ids.size and int(self._ids[i]) == nid else -1

    def __getitem__(self, nid: int) -> dict:
        note = self._live.get(nid)
        if note is not None:
            return note
        i = -1 if nid in self._gone else self._index(nid)
        if i < 0:
            raise KeyError(nid)
        start = int(self._ends[i - 1]) if i else 0
        where = f"notes[{nid:016x}]"
        try:
            note = json.loads(self._blob[start : int(self._ends[i])].decode("utf-8"))
            self._check(note, where)
        except (ValueError, TypeError) as exc:  # OpError is a ValueError
            raise SnapshotError(f"collection snapshot is damaged: {exc}") from None
        if int(note["id"], 16) != nid:
            raise SnapshotError(f"collection snapshot is damaged: {where} holds note {note['id']}")
        self._live[nid] = note
        return note

    def __contains__(self, nid) -> bool:
        if nid in self._live:
            return True
        return isinstance(nid, int) and nid not in self._gone and self._index(nid) >= 0

    def __setitem__(self, nid: int, note: dict) -> None:
        self._live[nid] = note
        if nid not in self._set and self._index(nid) < 0:
            self._added.add(nid)
        self._set.add(nid)
        self._gone.discard(nid)
        self._section = None

    def __delitem__(self, nid: int) -> None:
        if nid not in self:
            raise KeyError(nid)
        self._live.pop(nid, None)
        self._set.discard(nid)
        if nid in self._added:
            self._added.discard(nid)
        else:
            self._gone.add(nid)
        self._section = None

    def __iter__(self) -> Iterator[int]:
        for nid in self._ids.tolist():
            if nid not in self._gone:
                yield nid
        yield from self._added

    def __len__(self) -> int:
        return self._ids.size - len(self._gone) + len(self._added)

    def check_all(self) -> None:
        """Read and check every note not read yet (an imported file is checked whole, at once)."""
        for nid in self._ids.tolist():
            if nid not in self._gone:
                self[nid]

    def update(self, other=(), **kwargs) -> None:
        for nid, note in dict(other, **kwargs).items():
            self[nid] = note

    # ------------------------------------------------------------------ snapshot
    def encode(self) -> tuple[np.ndarray, np.ndarray, bytes]:
        """(ids ascending, end offsets, concatenated canonical JSON) of every note."""
        if self._section is None:
            ids = sorted(self)
            parts = []
            for nid in ids:
                i = -1 if nid in self._set else self._index(nid)
                if i >= 0:  # unchanged since the section was read: its bytes as they are
                    parts.append(self._blob[int(self._ends[i - 1]) if i else 0 : int(self._ends[i])])
                else:
                    parts.append(canonical(self._live[nid]))
            ends = np.cumsum([len(p) for p in parts], dtype=np.int64)
            self._section = (np.array(ids, np.int64), ends, b"".join(parts))
        return self._section

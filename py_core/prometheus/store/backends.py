"""Where the store's bytes live: in memory, in a folder of files (CPython), or in IndexedDB
(the browser, `browser.py`). All three answer the same small async interface; every call
is one atomic transaction, so a crash leaves either all of a call's writes or none.

    load()                         -> Listing(device, checkpoints [seq], journal [(seq, bytes)])
    read_checkpoint(seq)           -> (bytes, sha256 of all but its last 32 bytes, or None)
    append([(seq, bytes), ...])    journal records, in one transaction
    checkpoint(seq, bytes, keep)   put a checkpoint; drop checkpoints below `keep` and journal
                                   records at or below `keep` (the previous generation's seq)
    replace(seq, bytes)            everything gone but this one checkpoint (import, wipe)
    set_device(device)             the id this store stamps on its records
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import write_refused

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


@dataclass
class Stored:
    """Everything a backend holds (the memory backend keeps exactly this)."""

    device: str | None = None
    checkpoints: list[tuple[int, bytes]] = field(default_factory=list)  # oldest first
    journal: list[tuple[int, bytes]] = field(default_factory=list)  # by seq


@dataclass
class Listing:
    """What a start reads first: the journal and the checkpoints' seqs. A checkpoint (megabytes)
    is read on its own (`read_checkpoint`), newest first, so the older generation is read only
    when the newest is damaged."""

    device: str | None
    checkpoints: list[int]  # oldest first
    journal: list[tuple[int, bytes]]


class MemoryBackend:
    """Nothing survives the process: `data-persist="false"`, and the default on CPython."""

    persistent = False
    kind = "memory"

    def __init__(self):
        self.stored = Stored()
        self.transactions = 0  # counted so tests can check that bulk work stays in few transactions

    async def load(self) -> Listing:
        return Listing(
            self.stored.device, [seq for seq, _ in self.stored.checkpoints], list(self.stored.journal)
        )

    async def read_checkpoint(self, seq: int) -> tuple[bytes, bytes | None]:
        return dict(self.stored.checkpoints)[seq], None

    def copy(self) -> MemoryBackend:
        """Another backend holding the same bytes: what a restart would read (tests)."""
        other = MemoryBackend()
        other.stored = Stored(self.stored.device, list(self.stored.checkpoints), list(self.stored.journal))
        return other

    async def append(self, entries) -> None:
        self.transactions += 1
        self.stored.journal.extend(entries)

    async def checkpoint(self, seq: int, data: bytes, keep: int) -> None:
        self.transactions += 1
        self.stored.checkpoints = [c for c in self.stored.checkpoints if c[0] >= keep] + [(seq, data)]
        self.stored.journal = [r for r in self.stored.journal if r[0] > keep]

    async def replace(self, seq: int, data: bytes) -> None:
        self.transactions += 1
        self.stored.checkpoints, self.stored.journal = [(seq, data)], []

    async def set_device(self, device: str) -> None:
        self.stored.device = device


class DirectoryBackend(MemoryBackend):
    """A folder on CPython: one file per record and per checkpoint, each written to a temporary
    name, flushed to disk (fsync) and renamed into place, so a file either is there whole or
    not at all; old files are removed only after the file that replaces them is durable. (The
    standard library only: sqlite3 is not part of Pyodide's core, and the browser uses IndexedDB.)

        DIR/device          the store's device id
        DIR/journal/SEQ     one record (SEQ zero-padded to 12 digits)
        DIR/checkpoints/SEQ one checkpoint
    """

    persistent = True
    kind = "directory"

    def __init__(self, path):
        self.path = Path(path)
        self.transactions = 0
        for folder in ("journal", "checkpoints"):
            (self.path / folder).mkdir(parents=True, exist_ok=True)

    def _write(self, target: Path, data: bytes) -> None:
        temporary = target.with_name(target.name + ".tmp")
        try:
            with open(temporary, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk must not keep half a file
            raise
        self._sync_folder(target.parent)

    @contextmanager
    def _refused_as_store_error(self, what: str):
        try:
            yield
        except OSError as error:
            raise write_refused(what, str(self.path), str(error), error.errno in _NO_SPACE) from error

    @staticmethod
    def _sync_folder(folder: Path) -> None:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def _entries(self, folder: str) -> list[tuple[int, Path]]:
        return sorted((int(p.name), p) for p in (self.path / folder).iterdir() if p.name.isdigit())

    async def load(self) -> Listing:
        device = self.path / "device"
        return Listing(
            device.read_text() if device.exists() else None,
            [seq for seq, _ in self._entries("checkpoints")],
            [(seq, p.read_bytes()) for seq, p in self._entries("journal")],
        )

    async def read_checkpoint(self, seq: int) -> tuple[bytes, bytes | None]:
        return (self.path / "checkpoints" / f"{seq:012d}").read_bytes(), None

    async def append(self, entries) -> None:
        self.transactions += 1
        seqs = ", ".join(str(seq) for seq, _ in entries)
        size = sum(len(data) for _, data in entries)
        written: list[Path] = []
        with self._refused_as_store_error(f"journal record {seqs} ({size:,} bytes)"):
            try:
                for seq, data in entries:
                    target = self.path / "journal" / f"{seq:012d}"
                    self._write(target, data)
                    written.append(target)
            except BaseException:
                for target in written:  # all of the call's records or none
                    target.unlink(missing_ok=True)
                raise

    async def checkpoint(self, seq: int, data: bytes, keep: int) -> None:
        self.transactions += 1
        with self._refused_as_store_error(f"the checkpoint at record {seq} ({len(data):,} bytes)"):
            self._write(self.path / "checkpoints" / f"{seq:012d}", data)
        for old, path in self._entries("checkpoints"):
            if old < keep:
                path.unlink()
        for old, path in self._entries("journal"):
            if old <= keep:
                path.unlink()

    async def replace(self, seq: int, data: bytes) -> None:
        self.transactions += 1
        with self._refused_as_store_error(f"the imported state ({len(data):,} bytes)"):
            self._write(self.path / "checkpoints" / f"{seq:012d}", data)
        for folder in ("checkpoints", "journal"):
            for old, path in self._entries(folder):
                if not (folder == "checkpoints" and old == seq):
                    path.unlink()

    async def set_device(self, device: str) -> None:
        self._write(self.path / "device", device.encode())

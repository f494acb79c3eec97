"""Where the store's bytes live: in memory, in an SQLite file (CPython), or in IndexedDB
(the browser, `browser.py`). All three answer the same small async interface; every call
is one atomic transaction, so a crash leaves either all of a call's writes or none.

    load()                         -> Stored(device, checkpoints [(seq, bytes)], journal [(seq, bytes)])
    append([(seq, bytes), ...])    journal records, in one transaction
    checkpoint(seq, bytes, keep)   put a checkpoint; drop checkpoints below `keep` and journal
                                   records at or below `keep` (the previous generation's seq)
    replace(seq, bytes)            everything gone but this one checkpoint (import, wipe)
    set_device(device)             the id this store stamps on its records
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stored:
    device: str | None = None
    checkpoints: list[tuple[int, bytes]] = field(default_factory=list)  # oldest first
    journal: list[tuple[int, bytes]] = field(default_factory=list)      # by seq


class MemoryBackend:
    """Nothing survives the process: `data-persist="false"`, and the default on CPython."""

    persistent = False
    kind = "memory"

    def __init__(self):
        self.stored = Stored()
        self.transactions = 0  # counted so tests can check that bulk work stays in few transactions

    async def load(self) -> Stored:
        return Stored(self.stored.device, list(self.stored.checkpoints), list(self.stored.journal))

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


class SqliteBackend(MemoryBackend):
    """A single SQLite file on CPython (`synchronous=FULL`: a commit survives an OS crash)."""

    persistent = True
    kind = "sqlite"

    def __init__(self, path):
        import sqlite3  # CPython's; an on-demand package in Pyodide, which stores in IndexedDB instead

        self.path = Path(path)
        self.transactions = 0
        # one connection, used by one call at a time (the store's lock), from whichever thread runs the loop
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
        """)

    def _transaction(self, *statements) -> None:
        self.transactions += 1
        with self.db:  # BEGIN ... COMMIT, or ROLLBACK if anything raises
            self.db.execute("BEGIN")
            for sql, args in statements:
                if args and isinstance(args[0], tuple):
                    self.db.executemany(sql, args)
                else:
                    self.db.execute(sql, args)

    async def load(self) -> Stored:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'device'").fetchone()
        checkpoints = self.db.execute("SELECT seq, data FROM checkpoints ORDER BY seq").fetchall()
        journal = self.db.execute("SELECT seq, data FROM journal ORDER BY seq").fetchall()
        return Stored(row[0] if row else None, [(s, bytes(d)) for s, d in checkpoints],
                      [(s, bytes(d)) for s, d in journal])

    async def append(self, entries) -> None:
        self._transaction(("INSERT INTO journal (seq, data) VALUES (?, ?)", tuple(entries)))

    async def checkpoint(self, seq: int, data: bytes, keep: int) -> None:
        self._transaction(("INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?, ?)", (seq, data)),
                          ("DELETE FROM checkpoints WHERE seq < ?", (keep,)),
                          ("DELETE FROM journal WHERE seq <= ?", (keep,)))

    async def replace(self, seq: int, data: bytes) -> None:
        self._transaction(("DELETE FROM journal", ()), ("DELETE FROM checkpoints", ()),
                          ("INSERT INTO checkpoints (seq, data) VALUES (?, ?)", (seq, data)))

    async def set_device(self, device: str) -> None:
        self._transaction(("INSERT OR REPLACE INTO meta (key, value) VALUES ('device', ?)", (device,)))

    def close(self) -> None:
        self.db.close()

"""The store: a journal of committed changes plus checkpoints, over one backend.

A call that changes state runs as one *change*: the parts it names start recording, the call
runs (changing them tentatively), their redo ops are committed as one journal record, and
only then does the change stand; if the call raises or the write fails, every part rolls
back, so the state is exactly as before and nothing half-written is stored. Calls run one at
a time (`lock`), so no other call ever sees a tentative state.

Start-up (`open`): the newest checkpoint whose sha256 verifies (else the previous generation),
then the journal records after it, in order; a damaged or missing record stops the replay,
is reported in `problems`, and writes are refused until `repair` (which keeps what was read).
Checkpoints are written when the journal has grown (`CHECKPOINT_RECORDS`, `CHECKPOINT_BYTES`)
and the store has been idle for a moment, or on demand; each keeps the previous generation
and trims the journal to what that generation needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import time
from collections.abc import Callable

from .. import deferred
from ..deferred import PackageNotLoaded
from ..heap import collector_paused
from . import files
from . import parts as part_registry
from .backends import MemoryBackend
from .errors import CorruptData, DatabaseLost, StorageFull, StoreBusy, StoreError
from .files import Checkpoint, Record

CHECKPOINT_RECORDS = 200  # records since the last checkpoint that make the next one due
CHECKPOINT_BYTES = 8 << 20  # or this many journal bytes
IDLE_SECONDS = 2.0  # a due checkpoint waits for this much quiet


class _Stopwatch:
    """Milliseconds per start-up step, reported in `restore_report["ms"]` (where a restore's
    time goes, read by bench/store)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round((now - self._last) * 1000, 1)
        self._last = now


class Store:
    def __init__(self, backend=None, name: str = "default"):
        self.backend = backend if backend is not None else MemoryBackend()
        self.name = name
        self.device: str | None = None
        self._device_saved = False  # a new store's id is written with its first write
        self.seq = 0
        self.role = "writer"
        self.protected = False  # the browser promised not to evict this site's data (storage.persist)
        self.problems: list[str] = []
        self.lock = asyncio.Lock()
        self.on_commit: Callable[[int, bytes], None] | None = None  # the browser broadcasts records
        self._checkpoint_seq = 0  # the newest checkpoint's seq
        self._journal_records = 0  # records and bytes since then
        self._journal_bytes = 0
        self._idle_handle: asyncio.TimerHandle | None = None
        self._idle_task: asyncio.Task | None = None  # referenced: the loop keeps only a weak one
        self.restore_report: dict = {}
        # Parts whose engine needs a package that loads after start-up (prometheus.deferred):
        # their load and replay steps, in order, until `settle`.
        self._pending: dict[str, list[tuple[str, bytes | None]]] = {}

    @property
    def persistent(self) -> bool:
        return self.backend.persistent

    # ----------------------------------------------------------------- start-up
    async def open(self, progress=None) -> dict:
        """Rebuild the state from the backend (see the module docstring); returns a report."""
        progress = progress or (lambda stage, fraction: None)
        progress("restore", 0.0)
        clock = _Stopwatch()
        stored = await self.backend.load()
        clock.lap("read")
        self.device = stored.device
        self._device_saved = self.device is not None
        if self.device is None:  # saved by the first write (_save_device): a start writes nothing
            self.device = files.new_id()[:16]
        self.problems = []
        self._pending = {}
        checkpoint = await self._newest_good_checkpoint(stored.checkpoints)
        clock.lap("verify")
        progress("restore", 0.2)
        # the restored state lives as long as the page: frozen out of the collector's scans
        with collector_paused(freeze=True):
            replayed = self._restore(checkpoint, stored, clock, progress)
        clock.lap("replay")
        self._journal_records = self.seq - self._checkpoint_seq
        self._journal_bytes = sum(len(d) for s, d in stored.journal if s > self._checkpoint_seq)
        self.restore_report = {
            "checkpoint": checkpoint.seq if checkpoint else None,
            "replayed": replayed,
            "problems": list(self.problems),
            "ms": clock.laps,
            "waiting": part_registry.in_order(self._pending),
        }
        progress("restore", 1.0)
        return self.restore_report

    def _restore(self, checkpoint, stored, clock, progress) -> int:
        """Load `checkpoint` into the parts and replay the journal after it; how many records."""
        self._load_checkpoint(checkpoint, clock)
        self.seq = self._checkpoint_seq = checkpoint.seq if checkpoint else 0
        if stored.checkpoints:
            self._checkpoint_seq = stored.checkpoints[-1]
        records = [(seq, data) for seq, data in stored.journal if seq > self.seq]
        replayed = 0
        for i, (seq, data) in enumerate(records):
            if seq != self.seq + 1:
                self.problems.append(f"journal record {self.seq + 1} is missing (next found: {seq})")
                break
            try:
                record = Record.from_bytes(data, f"journal record {seq}")
                if record.seq != seq:
                    raise CorruptData(f"journal record {seq} claims to be record {record.seq}")
                self._apply(record)
            except Exception as exc:  # noqa: BLE001 - any failure stops the replay and is reported
                self.problems.append(f"journal record {seq} could not be replayed: {exc}")
                break
            self.seq = seq
            replayed += 1
            progress("restore", 0.2 + 0.8 * (i + 1) / len(records))
        return replayed

    async def _newest_good_checkpoint(self, checkpoints: list[int]) -> Checkpoint | None:
        for seq in reversed(checkpoints):
            try:
                data, digest = await self.backend.read_checkpoint(seq)
                checkpoint = Checkpoint.from_bytes(data, f"checkpoint {seq}", digest)
                for name in checkpoint.parts:
                    part_registry.known(name)
                return checkpoint
            except (CorruptData, KeyError) as exc:
                self.problems.append(f"{exc}; fell back to the previous generation")
        if checkpoints:
            self.problems[-1] = self.problems[-1].replace(
                "fell back to the previous generation", "no older generation: starting from the journal"
            )
        return None

    def _load_checkpoint(self, checkpoint: Checkpoint | None, clock=None) -> None:
        wanted = dict(checkpoint.parts) if checkpoint else {}
        for name in part_registry.in_order(set(wanted) | set(part_registry.loaded())):
            self._step(name, "load", wanted.get(name))
            if clock:
                clock.lap(name)

    def _apply(self, record: Record) -> None:
        for name in part_registry.in_order(record.parts):
            self._step(name, "apply", record.parts[name])

    def _step(self, name: str, kind: str, data: bytes | None) -> None:
        """Load (`load`) or replay (`apply`) one part, or queue the step: a part whose engine
        needs a package still loading after start-up waits, with every later step of it, until
        `settle`. Parts are independent here (the collection reads the graph when asked), so a part
        that needs nothing deferred (settings) is live before the others."""
        waiting = self._pending.get(name)
        if waiting is not None:
            waiting.append((kind, data))
            return
        if set(part_registry.PART_NEEDS.get(name, ())) & set(deferred.waiting()):
            self._pending[name] = [(kind, data)]  # not even imported: its engine would wait too
            return
        try:
            part = part_registry.get(name)
            getattr(part, kind)(data)  # a part's load/apply changes nothing when it raises
        except PackageNotLoaded:
            self._pending[name] = [(kind, data)]

    def settle(self) -> list[str]:
        """Run the steps that waited for a deferred package (it has arrived); the parts settled.
        A step that fails is reported in `problems` (writes stop until store.repair)."""
        settled = part_registry.in_order(self._pending)
        for name in settled:
            steps = self._pending.pop(name)
            try:
                part = part_registry.get(name)
                for kind, data in steps:
                    getattr(part, kind)(data)
            except PackageNotLoaded:
                self._pending[name] = steps
                raise
            except Exception as exc:  # noqa: BLE001 - reported, as a damaged record is at start-up
                self.problems.append(f"the {name} part could not be restored: {exc}")
        return settled

    # ----------------------------------------------------------------- changes
    async def change(self, part_names, call: Callable):
        """Run `call()` as one change of the named parts (see the module docstring).

        The caller holds `lock`."""
        self.settle()
        parts = [part_registry.get(name) for name in part_names]
        for part in parts:
            part.begin()
        try:
            result = call()
            if inspect.isawaitable(result):
                result = await result
            ops = {}
            for part in parts:
                encoded = part.collect()
                if encoded is not None:
                    ops[part.name] = encoded
            record = await self._commit(ops) if ops else None
        except BaseException:
            for part in reversed(parts):
                part.rollback()
            raise
        for part in parts:
            part.end()
        if record is not None:
            self._committed(record)
        return result

    def _writable(self) -> None:
        if self.role != "writer":
            raise StoreBusy(
                f"store {self.name!r} is open for writing in another tab; "
                "this tab can read, and takes over when that tab closes"
            )
        if self.problems:
            raise StoreError(
                f"store {self.name!r} has damaged data ({self.problems[0]}); nothing is written "
                "until store.repair keeps what could be read (export it first to keep a copy)"
            )

    async def _commit(self, ops: dict) -> tuple[int, bytes]:
        self._writable()
        record = Record(self.seq + 1, ops, self.device)
        data = record.to_bytes()
        try:
            await self._save_device()
            await self.backend.append([(record.seq, data)])
        except DatabaseLost:
            # This session's state, with this call's changes, is the state at record.seq: it
            # becomes the store's one checkpoint (what was acknowledged is durable again).
            await self._rewrite(record.seq)
        self.seq = record.seq
        return record.seq, data

    async def _rewrite(self, seq: int, data: bytes | None = None) -> None:
        self._device_saved = False  # the database lost it with the rest
        await self._save_device()
        await self.backend.replace(seq, data or Checkpoint(seq, self._state(), self.device).to_bytes())
        self._checkpoint_seq, self._journal_records, self._journal_bytes = seq, 0, 0

    async def _save_device(self) -> None:
        if not self._device_saved and self.device is not None:
            await self.backend.set_device(self.device)
            self._device_saved = True

    def _committed(self, record: tuple[int, bytes]) -> None:
        self._journal_records += 1
        self._journal_bytes += len(record[1])
        if self.on_commit is not None:
            self.on_commit(*record)
        if self._journal_records >= CHECKPOINT_RECORDS or self._journal_bytes >= CHECKPOINT_BYTES:
            self._checkpoint_when_idle()

    def _checkpoint_when_idle(self) -> None:
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
        if self._idle_handle is not None:
            self._idle_handle.cancel()

        def due():
            self._idle_handle = None
            self._idle_task = loop.create_task(self._idle_checkpoint())

        self._idle_handle = loop.call_later(IDLE_SECONDS, due)

    async def _idle_checkpoint(self) -> None:
        if self.lock.locked():  # busy: try again after the next quiet moment
            self._checkpoint_when_idle()
            return
        async with self.lock:
            try:
                await self.checkpoint()
            except StorageFull:
                # The journal still holds everything. Trying again at every quiet moment would
                # keep the disk at its limit (a checkpoint needs room for a whole second copy):
                # the next attempt waits until the journal has grown by as much again.
                self._journal_records = self._journal_bytes = 0
            except StoreError:
                pass  # reported at the next explicit checkpoint; the journal still holds everything

    # ------------------------------------------------------------- checkpoints
    def _state(self) -> dict[str, bytes]:
        self.settle()
        out = {}
        for name, part in sorted(part_registry.loaded().items()):
            data = part.to_bytes()
            if data is not None:
                out[name] = data
        return out

    async def checkpoint(self) -> dict:
        """Write the whole state as the newest generation and trim the journal (caller holds `lock`)."""
        self._writable()
        if self.seq == self._checkpoint_seq and self._journal_records == 0 and self.seq > 0:
            return {"seq": self.seq, "written": False}
        data = Checkpoint(self.seq, self._state(), self.device).to_bytes()
        keep = self._checkpoint_seq if self._checkpoint_seq < self.seq else self.seq
        try:
            await self._save_device()
            await self.backend.checkpoint(self.seq, data, keep)
        except DatabaseLost:
            await self._rewrite(self.seq, data)
        self._checkpoint_seq = self.seq
        self._journal_records = 0
        self._journal_bytes = 0
        return {"seq": self.seq, "written": True, "bytes": len(data)}

    async def repair(self) -> dict:
        """Keep the state that could be read and drop the damaged rest (caller holds `lock`)."""
        lost = list(self.problems)
        data = Checkpoint(self.seq, self._state(), self.device).to_bytes()
        await self._save_device()
        await self.backend.replace(self.seq, data)
        self.problems = []
        self._checkpoint_seq, self._journal_records, self._journal_bytes = self.seq, 0, 0
        return {"seq": self.seq, "dropped": lost}

    # ------------------------------------------------------------ export/import
    async def export(self) -> bytes:
        return files.export_bytes(self.name, Checkpoint(self.seq, self._state(), self.device))

    async def import_(self, data) -> dict:
        """Replace the whole state by an export; the file is checked whole before anything changes."""
        self._writable()
        header, checkpoint = files.read_export(data)
        for name in checkpoint.parts:
            try:
                part_registry.get(name)
            except KeyError:
                raise CorruptData(f"the import file holds data of an unknown kind {name!r}") from None
        before = self._state()
        try:
            self._load_checkpoint(checkpoint)
            for name in part_registry.in_order(checkpoint.parts):
                check = getattr(part_registry.get(name), "check", None)
                if check is not None:
                    check()
        except BaseException:
            self._load_checkpoint(Checkpoint(self.seq, before, self.device))
            raise
        seq = self.seq + 1  # an import is a new generation: other tabs see the seq move on
        try:
            await self._save_device()
            await self.backend.replace(seq, Checkpoint(seq, checkpoint.parts, self.device).to_bytes())
        except BaseException:
            self._load_checkpoint(Checkpoint(self.seq, before, self.device))
            raise
        self.seq = self._checkpoint_seq = seq
        self._journal_records = self._journal_bytes = 0
        return {**header, "seq": seq, "digest": self.digest()}

    # ------------------------------------------------------------- other tabs
    async def catch_up(self) -> int:
        """Replay records another tab committed since ours (caller holds `lock`); returns how many."""
        stored = await self.backend.load()
        if stored.device is not None:  # the writer's id, which this tab writes as from now on
            self.device, self._device_saved = stored.device, True
        if (
            stored.checkpoints
            and stored.checkpoints[-1] > self.seq
            and not any(seq == self.seq + 1 for seq, _ in stored.journal)
        ):
            await self.open()  # the journal we need was trimmed or replaced (import): start over
            return -1
        count = 0
        for seq, data in stored.journal:
            if seq == self.seq + 1:
                self._apply(Record.from_bytes(data, f"journal record {seq}"))
                self.seq = seq
                count += 1
        if stored.checkpoints:  # the writer may have checkpointed meanwhile
            self._checkpoint_seq = stored.checkpoints[-1]
        self._journal_records = self.seq - self._checkpoint_seq
        self._journal_bytes = sum(len(d) for s, d in stored.journal if s > self._checkpoint_seq)
        return count

    def receive(self, seq: int, data: bytes) -> bool:
        """A record broadcast by the writer tab; False when one is missing (then `catch_up`)."""
        if seq <= self.seq:
            return True
        if seq != self.seq + 1:
            return False
        self._apply(Record.from_bytes(data, f"broadcast record {seq}"))
        self.seq = seq
        return True

    # ------------------------------------------------------------------ report
    def digest(self) -> str:
        """sha256 over the parts' logical digests: equal states give equal digests anywhere."""
        self.settle()
        h = hashlib.sha256()
        for name, part in sorted(part_registry.loaded().items()):
            d = part.digest()
            if d is not None:
                h.update(f"{name}:{d}\n".encode())
        return h.hexdigest()

    def info(self) -> dict:
        return {
            "name": self.name,
            "persistent": self.persistent,
            "protected": self.protected,
            "role": self.role,
            "seq": self.seq,
            "digest": self.digest(),
            "backend": self.backend.kind,
            "problems": list(self.problems),
            "journal_records": self._journal_records,
            "checkpoint_seq": self._checkpoint_seq,
        }


_session = {"store": Store()}


def session() -> Store:
    """The store every RPC call goes through (in memory until the host opens another)."""
    return _session["store"]


async def open_session(backend, name: str = "default", progress=None) -> Store:
    """Make a store on `backend` the session store and restore the state it holds."""
    store = Store(backend, name)
    await store.open(progress)
    _session["store"] = store
    return store

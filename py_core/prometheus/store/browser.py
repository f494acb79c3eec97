"""The store in the browser: the IndexedDB backend over the worker's bridge (worker/store.js),
and what the worker calls when tabs change roles or another tab commits.

The bridge moves bytes; everything else (formats, recovery, when to checkpoint) is Python's.
"""

from __future__ import annotations

from .codec import DIGEST
from .errors import CorruptData, DatabaseLost, StoreError, write_refused
from .store import open_session, session


def _to_js(data: bytes):
    from pyodide.ffi import to_js

    return to_js(memoryview(data))  # a Uint8Array copy in the JS heap


def _bytes(value) -> bytes:
    return value.to_bytes() if hasattr(value, "to_bytes") else bytes(value)


async def _native_sha256(data, length: int) -> bytes | None:
    """sha256 of a JS Uint8Array's first `length` bytes by the browser's WebCrypto (native code,
    ~20x hashlib inside WebAssembly); None where WebCrypto is missing (not a secure context)."""
    import js

    subtle = getattr(getattr(js, "crypto", None), "subtle", None)
    if subtle is None or length < 0:
        return None
    digest = await subtle.digest("SHA-256", data.subarray(0, length))
    return digest.to_bytes()


# How Chromium words a write refused for space: its quota (QuotaExceededError), or the disk itself,
# measured on a full 96 MB disk: large values fail as "DataError: Failed to write blobs (IOError)",
# the database's own files as "UnknownError: ... IO error: ...: FILE_ERROR_NO_SPACE".
_NO_SPACE = ("QuotaExceededError", "FILE_ERROR_NO_SPACE", "Failed to write blobs")


def _storage_error(exc: Exception, what: str) -> StoreError:
    message = str(exc)
    if "StoreLost:" in message:
        return DatabaseLost(f"{what} was not written: {message.split('StoreLost:', 1)[1].strip()}")
    return write_refused(what, "IndexedDB", message, any(sign in message for sign in _NO_SPACE))


class IndexedDBBackend:
    kind = "indexeddb"
    persistent = True

    def __init__(self, bridge):
        self.bridge = bridge
        self.transactions = 0

    async def load(self):
        from .backends import Listing

        stored = await self.bridge.load()
        journal = [(int(seq), _bytes(data)) for seq, data in stored.journal]
        return Listing(stored.device, sorted(int(seq) for seq in stored.checkpoints), sorted(journal))

    async def read_checkpoint(self, seq: int):
        data = await self.bridge.readCheckpoint(seq)
        if data is None:
            raise CorruptData(f"checkpoint {seq} is missing")
        return _bytes(data), await _native_sha256(data, len(data) - DIGEST)

    async def append(self, entries) -> None:
        from pyodide.ffi import to_js

        self.transactions += 1
        js_entries = to_js([[seq, _to_js(data)] for seq, data in entries])
        try:
            await self.bridge.append(js_entries)
        except Exception as exc:  # noqa: BLE001 - a JsException: translated to the store's errors
            seqs = ", ".join(str(seq) for seq, _ in entries)
            size = sum(len(data) for _, data in entries)
            raise _storage_error(exc, f"journal record {seqs} ({size:,} bytes)") from None

    async def checkpoint(self, seq: int, data: bytes, keep: int) -> None:
        self.transactions += 1
        try:
            await self.bridge.checkpoint(seq, _to_js(data), keep)
        except Exception as exc:  # noqa: BLE001
            raise _storage_error(exc, f"the checkpoint at record {seq} ({len(data):,} bytes)") from None

    async def replace(self, seq: int, data: bytes) -> None:
        self.transactions += 1
        try:
            await self.bridge.replace(seq, _to_js(data))
        except Exception as exc:  # noqa: BLE001
            raise _storage_error(exc, f"the imported state ({len(data):,} bytes)") from None

    async def set_device(self, device: str) -> None:
        await self.bridge.setDevice(device)


async def open_browser(bridge, name: str, role: str, protected: bool, progress=None) -> dict:
    """Open the session store on IndexedDB and restore it (called by the worker before ready)."""
    store = await open_session(IndexedDBBackend(bridge), name, progress)
    store.role = role
    store.protected = protected
    store.on_commit = lambda seq, data: bridge.broadcast(seq, _to_js(data))
    return {
        "name": name,
        "persistent": True,
        "role": role,
        "protected": protected,
        "restore": store.restore_report,
    }


def settle() -> list[str]:
    """numpy has arrived: restore the parts that waited for it (Store.settle); their names."""
    return session().settle()


async def become_writer() -> None:
    """This tab took the writer lock: read what the last writer committed, then write."""
    store = session()
    async with store.lock:
        await store.catch_up()
        store.role = "writer"


async def receive(seq, data) -> None:
    """A record another tab committed (or `seq` None: that tab replaced the whole store)."""
    store = session()
    async with store.lock:
        if store.role == "writer":
            return
        if seq is None or not store.receive(int(seq), _bytes(data)):
            await store.catch_up()

"""Persistence for every stateful engine: a journal of committed changes plus checkpoints.

Engines register a `Part` (parts.py); the RPC layer runs each call that names parts it
writes as one `Store.change` (store.py). Backends: memory, an SQLite file on CPython, and
IndexedDB in the browser through the worker's bridge (browser.py). File formats: files.py.
"""

from .backends import DirectoryBackend, MemoryBackend
from .errors import CorruptData, StorageFull, StoreBusy, StoreError
from .store import Store, open_session, session

__all__ = [
    "CorruptData",
    "MemoryBackend",
    "DirectoryBackend",
    "StorageFull",
    "Store",
    "StoreBusy",
    "StoreError",
    "open_session",
    "session",
]

"""RPC methods `store.*` (the learner's data as a whole) and `settings.*`.

Each runs under the store's lock like every call (rpc/registry.py), so an export or a
checkpoint always sees a state between two calls.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..rpc import method
from .settings import SETTINGS
from .store import session


@method("store.info")
def info() -> dict:
    """{name, persistent, role, seq, digest, ...}: `seq` counts committed records; `digest`
    hashes the whole logical state (equal states, equal digests, on CPython and in browsers)."""
    return session().info()


@method("store.checkpoint")
async def checkpoint() -> dict:
    """Write the whole state now and trim the journal (normally done when idle)."""
    return await session().checkpoint()


@method("store.export")
async def export() -> bytes:
    """The whole store as one versioned, checksummed file (bytes)."""
    return await session().export()


@method("store.import")
async def import_(data: bytes) -> dict:
    """Replace the whole store by a file from `store.export`; checked whole before anything changes."""
    if not isinstance(data, bytes):
        raise ValidationError(f"data must be bytes (a Uint8Array or ArrayBuffer), got {type(data).__name__}")
    return await session().import_(data)


@method("store.repair")
async def repair() -> dict:
    """After damage was reported (store.info().problems): keep what was read, drop the rest."""
    return await session().repair()


@method("settings.get")
def get(key: str | None = None):
    """One setting (None if unset), or all of them when no key is given."""
    if key is None:
        return dict(SETTINGS.values)
    if not isinstance(key, str):
        raise ValidationError(f"key must be a string, got {type(key).__name__}")
    return SETTINGS.values.get(key)


@method("settings.set", writes=("settings",))
def set_(values: dict) -> dict:
    """Set several settings at once (a null value removes one); all or nothing."""
    if not isinstance(values, dict) or not values:
        raise ValidationError("values must be a non-empty object of setting names to JSON values")
    for key, value in values.items():
        SETTINGS.set(key, value)
    return dict(SETTINGS.values)

"""RPC methods `store.*` (the learner's data as a whole) and `settings.*`.

Each runs under the store's lock like every call (rpc/registry.py), so an export or a
checkpoint always sees a state between two calls.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..rpc import method
from ..rpc.types import Json, JsonObject
from .settings import SETTINGS
from .store import session


@method("store.info")
def info() -> JsonObject:
    """{name, persistent, role, seq, digest, ...}: `seq` counts committed records; `digest`
    hashes the whole logical state (equal states, equal digests, on CPython and in browsers)."""
    return session().info()


@method("store.checkpoint")
async def checkpoint() -> JsonObject:
    """Write the whole state now and trim the journal (normally done when idle)."""
    return await session().checkpoint()


@method("store.export")
async def export() -> bytes:
    """The whole store as one versioned, checksummed file (bytes)."""
    return await session().export()


@method("store.import")
async def import_(data: bytes) -> JsonObject:
    """Replace the whole store by a file from `store.export`; checked whole before anything changes."""
    return await session().import_(data)


@method("store.repair")
async def repair() -> JsonObject:
    """After damage was reported (store.info().problems): keep what was read, drop the rest."""
    return await session().repair()


@method("settings.get")
def get(key: str | None = None) -> Json:
    """One setting (null if unset), or all of them as an object when no key is given."""
    if key is None:
        return dict(SETTINGS.values)
    return SETTINGS.values.get(key)


@method("settings.set", writes=("settings",))
def set_(values: dict[str, Json]) -> dict[str, Json]:
    """Set several settings at once (a null value removes one); all or nothing. Returns them all.

    Example: {"values": {"theme": "dark"}}
    """
    if not values:
        raise ValidationError("values must be a non-empty object of setting names to JSON values")
    for key, value in values.items():
        SETTINGS.set(key, value)
    return dict(SETTINGS.values)

"""What a stateful engine gives the store: a `Part`, registered under a name.

A part owns the format of its state and of its changes; the store owns when and where they
are written. During a call that may change it, a part records *redo ops* for what changed and
keeps enough to undo it (`begin` ... `collect` ... `rollback` or `end`), so the store can
commit the ops first and only then let the change stand: if the write fails, `rollback`
leaves the state exactly as before the call. Replaying committed ops (`apply`) is how the
journal rebuilds a state after a restart, so ops must carry resolved values (no clock reads,
no random numbers).

Parts are found by name through `PART_MODULES`, imported only when the store holds data for
them or a call changes them, so an empty store costs no engine import at start-up.
"""

from __future__ import annotations

import importlib
from typing import Protocol, TypeVar

# Part name -> module whose import registers it.
PART_MODULES = {
    "settings": "prometheus.store.settings",
    "graph": "prometheus.graph.persist",
    "index": "prometheus.infer.persist",
    "learn": "prometheus.learn.persist",
}

# Part name -> packages its engine cannot restore without. While one of them is still loading
# after start-up (prometheus.deferred), the store queues the part's steps without importing it.
PART_NEEDS = {
    "graph": ("numpy",),  # a snapshot loads its relationships as numpy columns (graph/segment.py)
    "index": ("numpy",),
    "learn": ("numpy",),
}

_PARTS: dict[str, Part] = {}


class Part(Protocol):
    name: str

    def to_bytes(self) -> bytes | None:
        """The whole state (None when empty); `load(to_bytes())` gives the same state."""

    def load(self, data: bytes | None) -> None:
        """Replace the whole state (None: empty). Raises on bad data, changing nothing."""

    def apply(self, ops: bytes) -> None:
        """Replay the ops `collect` once returned (journal replay, other tabs' changes)."""

    def digest(self) -> str | None:
        """A hash of the logical state (None when empty): equal states, equal digests."""

    def begin(self) -> None:
        """Start recording: from here on, changes are logged for redo and for undo."""

    def collect(self) -> bytes | None:
        """The redo ops recorded since `begin`, encoded (None if nothing changed)."""

    def rollback(self) -> None:
        """Undo everything since `begin` and stop recording."""

    def end(self) -> None:
        """Keep the changes since `begin` and stop recording."""

    # Optional: `check()` finishes the validation a lazy `load` deferred (raises on bad data).
    # Checkpoints the store wrote itself may be read lazily; an imported file is checked whole
    # before the import is acknowledged (Store.import_).


_P = TypeVar("_P", bound=Part)


def register(part: _P) -> _P:
    """Make `part` known to the store by its name; returned as it is (its own type)."""
    _PARTS[part.name] = part
    return part


def get(name: str) -> Part:
    """The part called `name`, importing the engine that provides it on first use."""
    if name not in _PARTS:
        known(name)
        module = PART_MODULES[name]
        importlib.import_module(module)
        if name not in _PARTS:
            raise RuntimeError(f"{module} did not register store part {name!r}")
    return _PARTS[name]


def in_order(names) -> list[str]:
    """Part names in load order (PART_MODULES order: the graph before what links into it)."""
    order = list(PART_MODULES)
    return sorted(names, key=lambda name: (order.index(name) if name in order else len(order), name))


def known(name: str) -> None:
    """Raise KeyError unless `name` is a part this version knows (without importing its engine)."""
    if name not in _PARTS and name not in PART_MODULES:
        raise KeyError(f"no store part named {name!r} (known: {', '.join(sorted(PART_MODULES))})")


def loaded() -> dict[str, Part]:
    """Parts imported so far (the others hold no state in this session)."""
    return dict(_PARTS)

"""The registry behind `CALL name(args) YIELD cols`.

A procedure is a Python generator function `fn(graph, *args)` yielding dict rows; its
declared `inputs` and `outputs` are (name, type) pairs, where type is one of the Cypher
type names 'ANY', 'BOOLEAN', 'INTEGER', 'FLOAT', 'NUMBER', 'STRING', 'LIST', 'MAP', 'NODE',
'RELATIONSHIP', 'PATH' (a trailing '?' marks a nullable input). Arguments are checked
against `inputs` before the call; rows must hold every output column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

TYPE_NAMES = (
    "ANY",
    "BOOLEAN",
    "INTEGER",
    "FLOAT",
    "NUMBER",
    "STRING",
    "LIST",
    "MAP",
    "NODE",
    "RELATIONSHIP",
    "PATH",
)


@dataclass(frozen=True)
class Procedure:
    name: str
    fn: Callable
    inputs: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]
    description: str = ""


_PROCEDURES: dict[str, Procedure] = {}
_VERSION = [0]  # bumped on every change, so cached query plans never call a replaced procedure


def registry_version() -> int:
    return _VERSION[0]


def _pairs(spec, what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for item in spec or ():
        if isinstance(item, str):
            item = (item, "ANY")
        name, type_name = item
        base = type_name.rstrip("?").upper()
        if base.startswith("LIST"):
            base = "LIST"
        if base not in TYPE_NAMES:
            raise ValueError(f"{what} {name!r}: unknown type {type_name!r} (known: {TYPE_NAMES})")
        out.append((name, type_name.upper()))
    return tuple(out)


def register_procedure(
    name: str, fn: Callable, inputs: Iterable = (), outputs: Iterable = (), description: str = ""
) -> Procedure:
    """Make `CALL name(...)` available to every graph. Re-registering a name replaces it."""
    if not isinstance(name, str) or not name or any(not part for part in name.split(".")):
        raise ValueError(f"procedure name must be dotted identifiers, got {name!r}")
    proc = Procedure(name, fn, _pairs(inputs, "input"), _pairs(outputs, "output"), description)
    _PROCEDURES[name] = proc
    _VERSION[0] += 1
    return proc


def unregister_procedure(name: str) -> None:
    if _PROCEDURES.pop(name, None) is not None:
        _VERSION[0] += 1


# Modules whose import registers the built-in `prometheus.*` procedures (loaded on first use,
# so importing the graph package stays cheap).
BUILTIN_MODULES = ("prometheus.graph.paths",)
_builtins_loaded = [False]


def get_procedure(name: str) -> Procedure | None:
    proc = _PROCEDURES.get(name)
    if proc is None and not _builtins_loaded[0]:
        import importlib

        _builtins_loaded[0] = True
        for module in BUILTIN_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
        proc = _PROCEDURES.get(name)
    return proc


def procedures() -> dict[str, Procedure]:
    return dict(_PROCEDURES)

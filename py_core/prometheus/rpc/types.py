"""The words RPC methods annotate their params and results with, and how each travels.

One vocabulary for three readers: the registry checks params against it
(rpc/annotations.py), `core.methods` lists it, and the build writes docs/rpc.md and
web/prometheus.d.ts from it. Allowed in an annotation:

- plain JSON (`Literal`, `TypedDict`, `NotRequired` come from `typing`): `bool`, `int` (a whole number), `float` (any number; an int is accepted),
  `str`, `None`, `list[T]`, `dict[str, T]`, `Literal[...]`, `T | U`, and `TypedDict`s for
  objects with known keys (unknown keys are refused in params);
- `Json`: any JSON value (a method that checks it itself, or passes it through);
- `bytes`: travels as a Uint8Array (a page may send an ArrayBuffer or any typed array);
- typed arrays, `Float32Array`, `Float64Array`, `Int32Array`, `Uint8Array`: a numpy array of
  that dtype that arrives in JavaScript as the typed array of the same name, flattened
  row-major (the result's docstring says the shape);
- `Alias(...)`-annotated types such as `When`: a named type with its own line in the docs.

The markers are `Annotated[Any, ...]`, so a type checker reads them as Any and Python code
keeps passing numpy arrays and plain values around unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

__all__ = [
    "Alias",
    "Float32Array",
    "Float64Array",
    "Int32Array",
    "Json",
    "JsonObject",
    "TypedArray",
    "Uint8Array",
    "When",
]


@dataclass(frozen=True)
class TypedArray:
    """Marks a numpy array of `dtype` that the page receives as the typed array `name`."""

    name: str
    dtype: str


@dataclass(frozen=True)
class Alias:
    """Names a type for the docs and the .d.ts (`export type name = ...`); `doc` says what it is."""

    name: str
    doc: str


@dataclass(frozen=True)
class AnyJson:
    """Marks a value that may be any JSON value."""


Json = Annotated[Any, AnyJson()]
JsonObject = dict[str, Json]

Float32Array = Annotated[Any, TypedArray("Float32Array", "float32")]
Float64Array = Annotated[Any, TypedArray("Float64Array", "float64")]
Int32Array = Annotated[Any, TypedArray("Int32Array", "int32")]
Uint8Array = Annotated[Any, TypedArray("Uint8Array", "uint8")]

When = Annotated[
    str | float,
    Alias("When", "a moment: ISO-8601 text with an offset, or epoch milliseconds; omitted or null: now"),
]

"""The one encoder from core values to the page's JSON, and the decoder of what the page sends.

JSON carries what it can; the rest travels beside it (the worker transfers the buffers) or
under a marker that the worker turns into the JavaScript value:

    {"__bytes__": i}                          bytes: the i-th buffer, a Uint8Array
    {"__array__": i, "dtype": "float32"}      a numeric numpy array, flattened row-major: the
                                              i-th buffer as a typed array of that dtype
                                              (int64 -> BigInt64Array, float16 -> Float32Array)
    {"__number__": "NaN"}                     NaN, "Infinity", "-Infinity" as JS numbers

Everything else: numpy scalars as numbers, complex as [re, im], tuples as lists, sets as
sorted lists, bool arrays and arrays of other dtypes as nested lists, objects through their
`to_dict()` (graph entities, cards ...) or through a function registered for their class
(`register`, e.g. Cypher temporal values as their text). Params come back the same way:
`decode` turns byte markers into `bytes` and number markers into floats.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from ..errors import InvalidParams

BYTES = "__bytes__"
ARRAY = "__array__"
NUMBER = "__number__"

# numpy dtypes that have a JavaScript typed array of the same element type.
TYPED_DTYPES = (
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float32",
    "float64",
)
_WIDENED = {"float16": "float32"}  # no Float16Array everywhere yet: exact in float32
_SPELLING = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def register(cls: type, encode_one: Callable[[Any], Any]) -> None:
    """Encode instances of `cls` (and subclasses) as `encode_one(value)`, itself then encoded."""
    _ENCODERS[cls] = encode_one


def _registered(cls: type) -> Callable[[Any], Any] | None:
    for base in cls.__mro__:
        found = _ENCODERS.get(base)
        if found is not None:
            return found
    return None


def encode(value: Any, buffers: list) -> Any:
    """A JSON-ready value; bytes and numeric arrays are appended to `buffers` and marked."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {NUMBER: _SPELLING[repr(float(value))]}
    if isinstance(value, dict):
        return {str(k): encode(v, buffers) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v, buffers) for v in value]
    if isinstance(value, (set, frozenset)):
        return [encode(v, buffers) for v in sorted(value, key=repr)]
    if isinstance(value, (bytes, bytearray, memoryview)):
        buffers.append(bytes(value))
        return {BYTES: len(buffers) - 1}
    special = _registered(type(value))
    if special is not None:
        return encode(special(value), buffers)
    dtype = getattr(value, "dtype", None)
    if dtype is not None and callable(getattr(value, "tolist", None)):  # numpy arrays and scalars
        if getattr(value, "ndim", 0) and _typed_name(dtype) is not None:
            return _array(value, buffers)
        return encode(value.tolist(), buffers)
    if isinstance(value, complex):
        return [encode(value.real, buffers), encode(value.imag, buffers)]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return encode(to_dict(), buffers)
    raise TypeError(f"cannot send a {type(value).__name__} to the page")


@functools.cache
def _typed_name(dtype) -> str | None:
    """Its typed array's name (None: sent as a list); cached: numpy computes dtype.name in Python."""
    name = _WIDENED.get(dtype.name, dtype.name)
    return name if name in TYPED_DTYPES else None


def _array(array, buffers: list) -> dict:
    """The array flattened row-major, little-endian, contiguous (no copy when it already is)."""
    import numpy

    name = _typed_name(array.dtype)
    flat = numpy.ascontiguousarray(array, dtype=numpy.dtype(name).newbyteorder("<")).reshape(-1)
    buffers.append(flat)
    return {ARRAY: len(buffers) - 1, "dtype": name}


def decode(value: Any, buffers: list) -> Any:
    """Params with each byte marker replaced by the buffer's bytes and number markers by floats."""
    if isinstance(value, dict):
        if len(value) == 1 and BYTES in value:
            i = value[BYTES]
            if type(i) is not int or not 0 <= i < len(buffers):
                raise InvalidParams(f"params refer to a missing binary buffer {i!r}")
            return buffers[i]
        if len(value) == 1 and NUMBER in value:
            spelled = value[NUMBER]
            if spelled not in _NON_FINITE:
                raise InvalidParams(f"params hold an unknown number marker {spelled!r}")
            return _NON_FINITE[spelled]
        return {k: decode(v, buffers) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, buffers) for v in value]
    return value

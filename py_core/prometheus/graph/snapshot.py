"""The snapshot container: a magic line, a JSON header, then little-endian integer columns.

The integer columns (node and relationship ids, endpoints, interned label-set and type numbers)
are most of a graph; stored raw, each in the narrowest integer type that holds it, they are
written and read at memory speed, where JSON text made them the larger half of the save time.
Properties stay JSON, with temporal values tagged.

    MAGIC | header length (8 bytes) | JSON header | node_ids | node_labels | rel_ids | rel_types | rel_start | rel_end
          | sha256 of everything before (32 bytes)

The trailing sha256 (format 4) makes a flipped bit or a cut file an error instead of a
different graph.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from typing import Any

import numpy as np

from .temporal.codec import decode_temporal, encode_temporal

MAGIC = b"PGRAPH4\n"
MAGIC_TEMPORAL = b"PGRAPH4T\n"  # same layout; some property values are temporal
DIGEST = 32
_TEMPORAL_TAG = "\u0000temporal"

# each column and the count that sizes it
COLUMNS = (
    ("node_ids", "nodes"),
    ("node_labels", "nodes"),
    ("rel_ids", "rels"),
    ("rel_types", "rels"),
    ("rel_start", "rels"),
    ("rel_end", "rels"),
)
# array typecodes by width, each column stored in the narrowest that holds it (named in the header)
_WIDTHS = (("B", 0, 2**8), ("H", 0, 2**16), ("i", -(2**31), 2**31), ("q", -(2**63), 2**63))
_CODES = {code for code, _, _ in _WIDTHS}
_SWAP = sys.byteorder != "little"


_DTYPES = {"B": "<u1", "H": "<u2", "i": "<i4", "q": "<i8"}


def _narrowest(values) -> str:
    if isinstance(values, np.ndarray):
        low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    else:
        low, high = (min(values), max(values)) if values else (0, 0)
    return next(code for code, lo, hi in _WIDTHS if lo <= low and high < hi)


class SnapshotError(ValueError):
    """The bytes are not a snapshot this version reads, or one that was damaged."""


def pack(header: dict, columns: dict) -> bytes:
    """`header` (JSON-able, property values may be temporal) and `columns` (lists or numpy
    arrays of ints, named as in COLUMNS; the header's "nodes" / "rels" counts are filled in here)."""
    codes = {name: _narrowest(columns[name]) for name, _ in COLUMNS}
    header = dict(header, nodes=len(columns["node_ids"]), rels=len(columns["rel_ids"]), codes=codes)
    used_temporal = []

    def encode(value):
        used_temporal.append(True)
        return {_TEMPORAL_TAG: encode_temporal(value)}

    text = json.dumps(header, separators=(",", ":"), default=encode).encode("utf-8")
    parts = [MAGIC_TEMPORAL if used_temporal else MAGIC, len(text).to_bytes(8, "little"), text]
    for name, _ in COLUMNS:
        values = columns[name]
        if isinstance(values, np.ndarray):
            parts.append(values.astype(_DTYPES[codes[name]]).tobytes())
            continue
        column = array(codes[name], values)
        if _SWAP:
            column.byteswap()
        parts.append(column.tobytes())
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def unpack(data, arrays: bool = False) -> tuple[dict, dict]:
    """(header, columns as lists of ints, or int64 numpy arrays with `arrays`); SnapshotError
    names what is wrong."""
    data = memoryview(data).cast("B")
    if data[: len(MAGIC)] == MAGIC:
        at, hook = len(MAGIC), None
    elif data[: len(MAGIC_TEMPORAL)] == MAGIC_TEMPORAL:
        at, hook = len(MAGIC_TEMPORAL), _decode_tagged
    else:
        raise SnapshotError("not a graph snapshot (bad header)")
    if len(data) < at + 8 + DIGEST or hashlib.sha256(data[:-DIGEST]).digest() != data[-DIGEST:]:
        raise SnapshotError("corrupt graph snapshot: its sha256 does not match (damaged or cut short)")
    data = data[:-DIGEST]
    size = int.from_bytes(data[at : at + 8], "little")
    at += 8
    if at + size > len(data):
        raise SnapshotError("corrupt graph snapshot: header runs past the end")
    try:
        header = json.loads(bytes(data[at : at + size]), object_hook=hook)
        counts = {"nodes": header["nodes"], "rels": header["rels"]}
        codes = [header["codes"][name] for name, _ in COLUMNS]
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"corrupt graph snapshot: unreadable header: {exc!r}") from None
    if not all(type(n) is int and n >= 0 for n in counts.values()):
        raise SnapshotError(f"corrupt graph snapshot: bad column lengths {counts}")
    if not all(type(code) is str and code in _CODES for code in codes):
        raise SnapshotError(f"corrupt graph snapshot: bad column types {codes}")
    at += size
    columns: dict[str, Any] = {}
    for (name, count), code in zip(COLUMNS, codes):
        column = array(code)
        end = at + column.itemsize * counts[count]
        if end > len(data):
            raise SnapshotError(f"corrupt graph snapshot: column {name} is cut short")
        if arrays:
            columns[name] = np.frombuffer(data[at:end], dtype=_DTYPES[code]).astype(np.int64)
            at = end
            continue
        column.frombytes(data[at:end])
        if _SWAP:
            column.byteswap()
        columns[name] = column.tolist()
        at = end
    if at != len(data):
        raise SnapshotError(
            f"corrupt graph snapshot: {len(data) - at} unexpected bytes after the last column"
        )
    return header, columns


def dumps_values(value) -> bytes:
    """JSON bytes of Cypher values (temporal ones tagged), for the store's redo ops."""

    def encode(v):
        return {_TEMPORAL_TAG: encode_temporal(v)}

    return json.dumps(value, separators=(",", ":"), default=encode).encode("utf-8")


def loads_values(data):
    return json.loads(data, object_hook=_decode_tagged)


def _decode_tagged(obj):
    if len(obj) == 1 and _TEMPORAL_TAG in obj:
        return decode_temporal(obj[_TEMPORAL_TAG])
    return obj

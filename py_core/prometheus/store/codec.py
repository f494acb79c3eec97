"""One self-checking container for everything the store writes: records, checkpoints, exports.

    magic (8 bytes) | header length (uint32 LE) | JSON header | blobs | sha256 of all before (32)

The header is JSON in which every `bytes` value and every numpy array of the document is
replaced by a reference to a blob ({"\\u0000blob": i} or {"\\u0000array": i, "dtype", "shape"}),
so large binary parts (graph snapshots, embedding matrices) are stored raw, not as text.
`unpack` checks the magic, the digest, every length and every reference before it returns,
and names the first thing that is wrong, so a flipped bit or a cut file never decodes as data.
"""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np

from .errors import CorruptData

DIGEST = 32
_BLOB = "\u0000blob"
_ARRAY = "\u0000array"
_DTYPES = {"<f4", "<f8", "<i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "|i1", "|b1"}


def pack(magic: bytes, document) -> bytes:
    """`document` is JSON values plus bytes and numpy arrays anywhere inside."""
    if len(magic) != 8:
        raise ValueError("magic must be 8 bytes")
    blobs: list[bytes] = []

    def lift(value):
        if isinstance(value, (bytes, bytearray, memoryview)):
            blobs.append(bytes(value))
            return {_BLOB: len(blobs) - 1, "n": len(blobs[-1])}
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
            blobs.append(array.tobytes())
            return {_ARRAY: len(blobs) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}
        if isinstance(value, dict):
            return {str(k): lift(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [lift(v) for v in value]
        return value

    header = json.dumps(lift(document), separators=(",", ":"), allow_nan=False).encode("utf-8")
    body = b"".join(
        [
            magic,
            struct.pack("<I", len(header)),
            header,
            struct.pack("<I", len(blobs)),
            *(struct.pack("<Q", len(b)) for b in blobs),
            *blobs,
        ]
    )
    return body + hashlib.sha256(body).digest()


def unpack(magic: bytes, data, what: str = "data", digest: bytes | None = None, *, sealed: bool = True):
    """The document `pack` was given; CorruptData names what is wrong with `data` (`what` it is).

    `digest`: the sha256 of `data` less its seal, computed by the caller (the browser's native
    WebCrypto hashes a checkpoint ~20x faster than hashlib inside WebAssembly).
    `sealed=False` skips the digest check: only for bytes that came out of a container that
    was itself just verified (a part's snapshot inside a checkpoint), never for outside input.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CorruptData(f"{what} must be bytes, got {type(data).__name__}")
    view = memoryview(data).cast("B")  # slices below are views: the body is not copied
    if len(view) < 8 + 4 + DIGEST:
        raise CorruptData(f"{what} is too short ({len(view)} bytes) to be a Prometheus store file")
    if bytes(view[:8]) != magic:
        found = bytes(view[:8])
        if found[:6] == magic[:6]:
            raise CorruptData(f"{what} has format {found!r}, this version reads {magic!r}")
        raise CorruptData(f"{what} is not a Prometheus store file of this kind (starts with {found[:8]!r})")
    body, seal = view[:-DIGEST], bytes(view[-DIGEST:])
    if sealed and (digest if digest is not None else hashlib.sha256(body).digest()) != seal:
        raise CorruptData(f"{what} is damaged: its sha256 does not match (truncated or changed bytes)")
    try:
        (size,) = struct.unpack_from("<I", body, 8)
        at = 12 + size
        header = json.loads(bytes(body[12:at]))
        (count,) = struct.unpack_from("<I", body, at)
        at += 4
        sizes = struct.unpack_from(f"<{count}Q", body, at)
        at += 8 * count
    except (struct.error, ValueError) as exc:
        raise CorruptData(f"{what} has an unreadable header: {exc}") from None
    blobs = []
    for n in sizes:
        blobs.append(body[at : at + n])  # views: copied once, when a value is made of them
        at += n
    if at != len(body):
        raise CorruptData(f"{what} has {len(body) - at} bytes its header does not account for")

    def lower(value):
        if isinstance(value, dict):
            if _BLOB in value:
                return bytes(blobs[_index(value[_BLOB], len(blobs), what)])
            if _ARRAY in value:
                raw = blobs[_index(value[_ARRAY], len(blobs), what)]
                dtype, shape = value.get("dtype"), value.get("shape")
                if dtype not in _DTYPES or not isinstance(shape, list):
                    raise CorruptData(f"{what} names an array of unknown type {dtype!r}")
                try:
                    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
                except ValueError as exc:
                    raise CorruptData(f"{what}: an array does not fit its shape {shape}: {exc}") from None
            return {k: lower(v) for k, v in value.items()}
        if isinstance(value, list):
            return [lower(v) for v in value]
        return value

    return lower(header)


def _index(i, n: int, what: str) -> int:
    if type(i) is not int or not 0 <= i < n:
        raise CorruptData(f"{what} refers to a missing blob {i!r}")
    return i

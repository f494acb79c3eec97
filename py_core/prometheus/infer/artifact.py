"""The int8 encoder artifact: one self-checking binary file, readable with numpy alone.

Layout (all integers little-endian)::

    offset 0   8 bytes   magic b"PRMINF01"
    offset 8   uint32    H, length of the JSON header
    offset 12  H bytes   JSON header, UTF-8, padded with spaces so the data starts at a
                         multiple of 64
    data       tensors and the vocabulary, each starting at a multiple of 64 from the
               start of the data section
    last 32    sha256 of every byte before it

The header is ``{"format": "prometheus.infer/int8-encoder", "version": 1, "config": {...},
"tensors": {name: {"dtype", "shape", "offset", "nbytes"}}, "vocab": {"offset", "nbytes"}}``
with offsets relative to the data section. dtypes are "int8", "float16" and "float32".
The vocabulary is UTF-8 text, one WordPiece token per line, line number = token id.

A linear layer ``name`` is stored as ``name.weight`` (int8, shape (out, in), the PyTorch
layout) with ``name.scale`` (float32, shape (out,)) and ``name.bias`` (float32, (out,));
its real weight is ``weight[o, i] * scale[o]`` (symmetric, per output channel, scale =
max |w[o, :]| / 127). Embeddings, layer norms and biases stay float32 (quantizing them
costs accuracy for few bytes, except the word embeddings, whose dtype the config names).

Tensor names: ``embed.word``, ``embed.position``, ``embed.token_type``,
``embed.norm.{weight,bias}``; per layer i, ``layers.i.qkv`` (query, key and value
stacked along the output axis, 3*hidden rows), ``layers.i.attn_out``,
``layers.i.attn_norm.{weight,bias}``, ``layers.i.ffn_in``, ``layers.i.ffn_out``,
``layers.i.ffn_norm.{weight,bias}``. If the word embeddings are int8 they come with
``embed.word.scale`` (one per token row).
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ValidationError

MAGIC = b"PRMINF01"
FORMAT = "prometheus.infer/int8-encoder"
VERSION = 1
ALIGN = 64
DIGEST_BYTES = 32
_DTYPES = {"int8": np.int8, "float16": np.float16, "float32": np.float32}


class ArtifactError(ValidationError):
    """The model artifact is missing, truncated, corrupted or not in our format."""


@dataclass
class Artifact:
    config: dict
    tensors: dict[str, np.ndarray]
    vocab: list[str]


def quantize_rows(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row (output channel): returns (int8 weights, float32 scales)."""
    weight = np.asarray(weight, dtype=np.float32)
    peak = np.abs(weight).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(weight / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def _pad(n: int) -> int:
    return -n % ALIGN


def encode(config: dict, tensors: dict[str, np.ndarray], vocab: list[str]) -> bytes:
    """The artifact's bytes (see the module docstring)."""
    entries, chunks, offset = {}, [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        dtype = array.dtype.name
        if dtype not in _DTYPES:
            raise ValueError(f"tensor {name}: dtype {dtype} is not storable")
        raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        entries[name] = {"dtype": dtype, "shape": list(array.shape), "offset": offset, "nbytes": len(raw)}
        chunks.append(raw + b"\0" * _pad(len(raw)))
        offset += len(raw) + _pad(len(raw))
    vocab_raw = "\n".join(vocab).encode("utf-8")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "config": config,
        "tensors": entries,
        "vocab": {"offset": offset, "nbytes": len(vocab_raw)},
    }
    chunks.append(vocab_raw)
    head = json.dumps(header, sort_keys=True).encode("utf-8")
    head += b" " * _pad(len(MAGIC) + 4 + len(head))
    body = MAGIC + struct.pack("<I", len(head)) + head + b"".join(chunks)
    return body + hashlib.sha256(body).digest()


def decode(data: bytes | bytearray | memoryview, *, source: str = "model artifact") -> Artifact:
    """Check the digest and structure, then return views of the tensors (no copies)."""
    data = memoryview(data)
    if len(data) < len(MAGIC) + 4 + DIGEST_BYTES or bytes(data[: len(MAGIC)]) != MAGIC:
        raise ArtifactError(f"{source}: not a Prometheus model artifact (bad magic or too short)")
    body, digest = data[:-DIGEST_BYTES], bytes(data[-DIGEST_BYTES:])
    if hashlib.sha256(body).digest() != digest:
        raise ArtifactError(
            f"{source}: checksum mismatch ({len(data)} bytes) - the file is truncated or corrupted"
        )
    (head_len,) = struct.unpack_from("<I", body, len(MAGIC))
    start = len(MAGIC) + 4 + head_len
    try:
        header = json.loads(bytes(body[len(MAGIC) + 4 : start]))
    except ValueError as exc:
        raise ArtifactError(f"{source}: unreadable header: {exc}") from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise ArtifactError(
            f"{source}: format {header.get('format')!r} v{header.get('version')!r} is not "
            f"{FORMAT!r} v{VERSION}"
        )
    buffer = np.frombuffer(body, dtype=np.uint8, offset=start)
    tensors = {}
    for name, e in header["tensors"].items():
        end = e["offset"] + e["nbytes"]
        if end > buffer.size or e["dtype"] not in _DTYPES:
            raise ArtifactError(f"{source}: tensor {name} lies outside the file or has a bad dtype")
        dtype = np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<")
        tensors[name] = buffer[e["offset"] : end].view(dtype).reshape(e["shape"])
    v = header["vocab"]
    vocab = bytes(buffer[v["offset"] : v["offset"] + v["nbytes"]]).decode("utf-8").split("\n")
    return Artifact(header["config"], tensors, vocab)


def read(path: str | Path) -> Artifact:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"cannot read model artifact {path}: {exc.strerror or exc}") from None
    return decode(data, source=str(path))

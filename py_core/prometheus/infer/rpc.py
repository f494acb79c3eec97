"""RPC methods `infer.*`: load the model, embed, and a session-wide semantic index.

JSON <-> engine objects only; the work is in Embedder, SemanticIndex and the loader.
"""

from __future__ import annotations

import time
from typing import Literal, NotRequired, TypedDict

import numpy as np

from ..errors import ValidationError
from ..rpc import method
from ..rpc.types import Float32Array
from .artifact import ArtifactError
from .embedder import Embedder
from .loader import IN_PYODIDE, drop_cached_artifacts, fetch_artifact
from .search import SemanticIndex

DIM = 384  # all-MiniLM-L6-v2; the index exists (and persists) before the model is loaded
_state: dict = {"embedder": None, "index": SemanticIndex(dim=DIM), "info": None}
BACKENDS = ("auto", "numpy", "webgpu")
ItemId = str | int  # an index item's id


class ModelInfo(TypedDict):
    backend: str  # "webgpu" or "numpy"
    backend_reason: str  # why that backend
    dim: int
    kernel: str
    model_bytes: int
    from_cache: bool
    seconds: float


class InferInfo(TypedDict):
    loaded: bool
    index_size: int
    backend: NotRequired[str]  # and the other ModelInfo keys, once loaded
    backend_reason: NotRequired[str]
    dim: NotRequired[int]
    kernel: NotRequired[str]
    model_bytes: NotRequired[int]
    from_cache: NotRequired[bool]
    seconds: NotRequired[float]


class IndexSize(TypedDict):
    size: int  # items in the index


class Hit(TypedDict):
    id: ItemId
    score: float  # cosine similarity


class Pair(TypedDict):
    a: ItemId
    b: ItemId
    score: float


def session_index() -> SemanticIndex:
    return _state["index"]


def set_session_index(index: SemanticIndex) -> None:
    _state["index"] = index


async def _choose_backend(embedder: Embedder, backend: str):
    if backend == "numpy":
        return None, "forced off"
    if not IN_PYODIDE:
        if backend == "webgpu":
            raise ValidationError("backend 'webgpu' needs a browser with WebGPU")
        return None, "not in a browser"
    from .backends import webgpu

    gpu = await webgpu.WebGPUBackend.create(embedder.weights)
    if gpu is None and backend == "webgpu":
        raise ValidationError("backend 'webgpu' requested but this browser has no WebGPU adapter")
    return gpu, ("adapter found" if gpu else "no WebGPU adapter")


@method("infer.load")
async def load(
    backend: Literal["auto", "numpy", "webgpu"] = "auto", url: str | None = None, progress=None
) -> ModelInfo:
    """Load (or reload) the int8 embedding model, with progress; 'auto' picks WebGPU when the
    browser has an adapter. Other infer.* methods load it on first use; this says how it went."""
    progress = progress or (lambda stage, fraction: None)
    started = time.perf_counter()
    data, source = await fetch_artifact(url, progress)
    progress("checking model", 0.6)
    try:
        embedder = Embedder.from_bytes(data, source=source["url"])
    except ArtifactError:
        if source["cached"]:
            await drop_cached_artifacts()  # a damaged cache entry must not stick
        raise
    gpu, reason = await _choose_backend(embedder, backend)
    embedder.use_backend(gpu)
    index = _state["index"]
    if index.dim != embedder.dim:
        if len(index):
            raise ValidationError(
                f"the index holds {len(index)} vectors of dimension {index.dim}; this model "
                f"makes {embedder.dim}: clear the index before switching to it"
            )
        _state["index"] = index = SemanticIndex(dim=embedder.dim)
    _state["embedder"] = embedder
    index.embedder = embedder  # the stored vectors stay as they are across a backend switch
    _state["info"] = {
        "backend": embedder.backend.name,
        "backend_reason": reason,
        "dim": embedder.dim,
        "kernel": getattr(embedder.backend, "kernel", embedder.backend.name),
        "model_bytes": source["bytes"],
        "from_cache": source["cached"],
        "seconds": round(time.perf_counter() - started, 3),
    }
    progress("ready", 1.0)
    return _state["info"]


async def _embedder() -> Embedder:
    if _state["embedder"] is None:
        await load()
    return _state["embedder"]


async def _index() -> SemanticIndex:
    await _embedder()
    return _state["index"]


@method("infer.info")
def info() -> InferInfo:
    """Whether the model is loaded (and on which backend), and how many items the index holds."""
    return {
        "loaded": _state["embedder"] is not None,
        **(_state["info"] or {}),
        "index_size": len(_state["index"]),
    }


@method("infer.embed")
async def embed(texts: list[str], truncate: bool = True) -> Float32Array:
    """Sentence embeddings: one unit vector of 384 floats per text, as one Float32Array of
    len(texts) x 384, row-major (texts longer than 256 tokens are cut unless `truncate` is false)."""
    embedder = await _embedder()
    return np.asarray(await embedder.embed_async(texts, truncate=truncate), dtype=np.float32)


@method("infer.index_add", writes=("index",))
async def index_add(
    ids: list[ItemId],
    texts: list[str],
    vectors: bytes | None = None,
    existing: Literal["error", "skip", "replace"] = "error",
) -> IndexSize:
    """Embed `texts` and add them under `ids`; with `vectors` (float32 bytes, len(ids) x dim,
    e.g. a Float32Array's buffer) the given vectors are added as they are, without the model.
    The index persists, so a page that indexes its items at every start says what to do with
    ids already there: `existing` "error" (default), "skip" them, or "replace" them."""
    if existing != "error":
        index = session_index()
        if len(texts) != len(ids):
            raise ValidationError(f"texts must be a list as long as ids ({len(ids)})")
        present = [i for i, item_id in enumerate(ids) if isinstance(item_id, (str, int)) and item_id in index]
        if existing == "skip":
            keep = sorted(set(range(len(ids))) - set(present))
            if vectors is not None:
                raise ValidationError("existing='skip' takes texts only, not ready vectors")
            ids, texts = [ids[i] for i in keep], [texts[i] for i in keep]
            if not ids:
                return {"size": len(index)}
        elif present:
            await _embedder() if vectors is None else None  # fail on a missing model before removing
            index.remove([ids[i] for i in present])
    if vectors is not None:
        index = session_index()
        ids = index._check_new_ids(ids)
        if len(vectors) != len(ids) * index.dim * 4:
            raise ValidationError(
                f"vectors must be {len(ids)} x {index.dim} float32 values as bytes "
                f"({len(ids) * index.dim * 4} bytes), got {len(vectors)} bytes"
            )
        index.add_vectors(ids, np.frombuffer(vectors, dtype="<f4").reshape(len(ids), index.dim), texts)
        return {"size": len(index)}
    index = await _index()
    ids = index._check_new_ids(ids)  # refuse bad ids before spending time embedding
    vectors = await _state["embedder"].embed_async(texts)
    index.add_vectors(ids, vectors, texts)
    return {"size": len(index)}


@method("infer.index_remove", writes=("index",))
async def index_remove(ids: list[ItemId]) -> IndexSize:
    """Remove items from the semantic index (all or nothing: an unknown id changes nothing)."""
    index = session_index()  # removing needs no model
    index.remove(ids)
    return {"size": len(index)}


@method("infer.index_clear", writes=("index",))
async def index_clear() -> IndexSize:
    """Remove every item from the semantic index."""
    index = session_index()
    if len(index):
        index.remove(index.ids)
    return {"size": 0}


@method("infer.search")
async def search(query: str, k: int = 10) -> list[Hit]:
    """The `k` indexed items closest in meaning to `query`, best first."""
    if not query.strip():
        raise ValidationError(f"query must be a non-empty string, got {query!r:.40}")
    index = await _index()
    vector = (await _state["embedder"].embed_async([query]))[0]
    return [{"id": i, "score": s} for i, s in index.search(vector, k)]


@method("infer.near_duplicates")
async def near_duplicates(threshold: float = 0.95) -> list[Pair]:
    """Pairs of indexed items at least `threshold` similar: likely the same card twice."""
    index = session_index()
    return [{"a": a, "b": b, "score": s} for a, b, s in index.near_duplicates(threshold)]


@method("infer.similar_pairs")
async def similar_pairs(threshold: float = 0.8, top_k: int | None = None) -> list[Pair]:
    """Pairs of indexed items at least `threshold` similar, best first (at most `top_k` per item)."""
    index = session_index()
    return [{"a": a, "b": b, "score": s} for a, b, s in index.similar_pairs(threshold, top_k=top_k)]

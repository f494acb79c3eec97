"""A semantic index over texts: top-k cosine search, incremental add/remove, near-duplicate
detection, and (id_a, id_b, score) pairs for SIMILAR_TO links in the knowledge graph.

Vectors are unit length, so cosine similarity is a dot product; the index keeps them in
one growing float32 matrix (rows swapped on removal) so a query is one matrix-vector
product.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from ..errors import ValidationError


class SemanticIndex:
    """Texts (or ready vectors) under caller-chosen ids; every change is all-or-nothing."""

    def __init__(self, embedder=None, *, dim: int | None = None):
        if embedder is None and dim is None:
            raise ValidationError("SemanticIndex needs an embedder or a vector dim")
        self.embedder = embedder
        self.dim = dim if dim is not None else embedder.dim
        self._vectors = np.zeros((0, self.dim), dtype=np.float32)
        self._ids: list[Hashable] = []
        self._rows: dict[Hashable, int] = {}
        self._texts: dict[Hashable, str] = {}
        self._redo: list | None = None  # redo ops of every change while the store records

    def recording(self, ops: list | None) -> None:
        """Append a redo op for every change to `ops` from now on (None stops): ("add", ids,
        texts, unit vectors) and ("remove", ids); `apply_ops` replays them."""
        self._redo = ops

    def apply_ops(self, ops) -> None:
        for op in ops:
            if op[0] == "add":  # vectors as recorded: already unit length, not normalised again
                self._add_unit(self._check_new_ids(op[1]), np.asarray(op[3], dtype=np.float32), op[2])
            elif op[0] == "remove":
                self.remove(op[1])
            else:
                raise ValidationError(f"unknown index op {op[0]!r}")

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item_id) -> bool:
        return item_id in self._rows

    @property
    def ids(self) -> list:
        return list(self._ids)

    def text(self, item_id):
        return self._texts.get(item_id)

    # -- changes --------------------------------------------------------------------
    def _check_new_ids(self, ids: Sequence) -> list:
        ids = list(ids)
        seen = set()
        for i, item_id in enumerate(ids):
            if not isinstance(item_id, (str, int)) or isinstance(item_id, bool):
                raise ValidationError(
                    f"ids[{i}] must be a string or an integer, got {type(item_id).__name__}"
                )
            if item_id in self._rows:
                raise ValidationError(f"ids[{i}] {item_id!r} is already in the index (remove it first)")
            if item_id in seen:
                raise ValidationError(f"ids[{i}] {item_id!r} appears twice")
            seen.add(item_id)
        return ids

    def add(self, ids: Sequence, texts: Sequence[str]) -> None:
        """Embed and add texts; nothing is added if any id or text is bad."""
        if self.embedder is None:
            raise ValidationError("this index has no embedder: use add_vectors")
        ids = self._check_new_ids(ids)
        texts = list(texts) if not isinstance(texts, str) else texts
        if isinstance(texts, str) or len(texts) != len(ids):
            raise ValidationError(f"texts must be a list as long as ids ({len(ids)})")
        self.add_vectors(ids, self.embedder.embed(texts), texts)

    def add_vectors(self, ids: Sequence, vectors, texts: Sequence[str] | None = None) -> None:
        """Add ready vectors (normalised here), optionally with their texts; all or nothing."""
        ids = self._check_new_ids(ids)
        if texts is not None and (isinstance(texts, str) or len(texts) != len(ids)):
            raise ValidationError(f"texts must be a list as long as ids ({len(ids)})")
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape != (len(ids), self.dim):
            raise ValidationError(f"vectors must have shape ({len(ids)}, {self.dim}), got {vectors.shape}")
        norms = np.linalg.norm(vectors, axis=1)
        if not np.all(np.isfinite(vectors)) or np.any(norms == 0):
            raise ValidationError("vectors must be finite and non-zero")
        self._add_unit(ids, vectors / norms[:, None], texts)

    def _add_unit(self, ids: list, vectors: np.ndarray, texts) -> None:
        self._append(ids, vectors)
        if texts is not None:
            self._texts.update(zip(ids, texts))
        if self._redo is not None:
            self._redo.append(("add", ids, None if texts is None else list(texts), vectors))

    def _append(self, ids: list, vectors: np.ndarray) -> None:
        start = len(self._ids)
        self._vectors = np.concatenate([self._vectors, vectors.astype(np.float32)], axis=0)
        self._ids.extend(ids)
        for offset, item_id in enumerate(ids):
            self._rows[item_id] = start + offset

    def remove(self, ids: Iterable) -> None:
        """Remove ids; nothing is removed if any is unknown."""
        ids = list(ids)
        for i, item_id in enumerate(ids):
            if item_id not in self._rows:
                raise ValidationError(f"ids[{i}] {item_id!r} is not in the index")
        if len(set(ids)) != len(ids):
            raise ValidationError("ids to remove contain duplicates")
        drop = set(ids)
        keep = [r for r, item_id in enumerate(self._ids) if item_id not in drop]
        self._vectors = self._vectors[keep]
        self._ids = [self._ids[r] for r in keep]
        self._rows = {item_id: r for r, item_id in enumerate(self._ids)}
        for item_id in drop:
            self._texts.pop(item_id, None)
        if self._redo is not None:
            self._redo.append(("remove", ids))

    def vector(self, item_id) -> np.ndarray:
        if item_id not in self._rows:
            raise ValidationError(f"{item_id!r} is not in the index")
        return self._vectors[self._rows[item_id]].copy()

    # -- queries --------------------------------------------------------------------
    def _query_vector(self, query) -> np.ndarray:
        if isinstance(query, str):
            if self.embedder is None:
                raise ValidationError("this index has no embedder: query with a vector")
            return self.embedder.embed([query])[0]
        q = np.asarray(query, dtype=np.float32)
        if q.shape != (self.dim,) or not np.all(np.isfinite(q)) or not np.any(q):
            raise ValidationError(f"query must be a text or a finite non-zero vector of length {self.dim}")
        return q / np.linalg.norm(q)

    def search(self, query, k: int = 10, *, exclude: Iterable = ()) -> list[tuple]:
        """The k entries most similar to `query` (text or vector): [(id, cosine)], best first."""
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValidationError(f"k must be a positive integer, got {k!r}")
        q = self._query_vector(query)
        if not self._ids:
            return []
        scores = self._vectors @ q
        excluded = [self._rows[e] for e in exclude if e in self._rows]
        if excluded:
            scores[excluded] = -np.inf
        k = min(k, len(self._ids) - len(excluded))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties by insertion order
        return [(self._ids[r], float(scores[r])) for r in top]

    def similar_pairs(self, threshold: float, *, top_k: int | None = None, block: int = 512) -> list[tuple]:
        """Every pair (id_a, id_b, cosine) with cosine >= threshold, id_a added before id_b,
        highest first. With top_k, each entry keeps only its top_k partners (either side)."""
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not -1.0 <= threshold <= 1.0
        ):
            raise ValidationError(f"threshold must be a number in [-1, 1], got {threshold!r}")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
            raise ValidationError(f"top_k must be a positive integer, got {top_k!r}")
        n = len(self._ids)
        pairs = []
        for start in range(0, n, block):  # blocks bound the memory of the n x n product
            sims = self._vectors[start : start + block] @ self._vectors.T
            rows, cols = np.nonzero(sims >= threshold)
            rows += start
            upper = cols > rows
            for r, c in zip(rows[upper], cols[upper]):
                pairs.append((self._ids[r], self._ids[c], float(sims[r - start, c])))
        pairs.sort(key=lambda p: (-p[2], self._rows[p[0]], self._rows[p[1]]))
        if top_k is not None:
            counts: dict = {}
            kept = []
            for a, b, s in pairs:
                if counts.get(a, 0) < top_k and counts.get(b, 0) < top_k:
                    kept.append((a, b, s))
                    counts[a] = counts.get(a, 0) + 1
                    counts[b] = counts.get(b, 0) + 1
            pairs = kept
        return pairs

    def near_duplicates(self, threshold: float = 0.95) -> list[tuple]:
        """Pairs similar enough to be the same item written twice (default cosine >= 0.95)."""
        return self.similar_pairs(threshold)


def link_similar(graph, pairs: Iterable[tuple], *, rel_type: str = "SIMILAR_TO") -> int:
    """Create one `rel_type` relationship with a `score` property per (node_a, node_b, score)
    pair in a prometheus.graph Graph (ids are graph node ids); all or nothing. Returns the
    number created. Pairs already linked (either direction) are skipped."""
    pairs = list(pairs)
    with graph.transaction():
        created = 0
        for a, b, score in pairs:
            linked = any(other == b for _, other in graph.neighbours(a, direction="both", types=[rel_type]))
            if not linked:
                graph.add_relationship(a, rel_type, b, {"score": float(score)})
                created += 1
    return created

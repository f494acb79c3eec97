"""Reachability over integer arrays: compressed sparse rows (CSR) per relationship type and
side, and a breadth-first search that moves one whole frontier per numpy step.

Why: the store's adjacency is dicts of dicts, ideal for a few hops from one node but slow for a
closure over a million relationships (a Python loop per edge). Here one level of the search is
a handful of array operations, whatever its size.

Invariants:
- A `Csr` describes the relationships of one type seen from one side ("out": start -> end,
  "in": end -> start) at the time it was built. `Graph._csr` caches them lazily, keyed by
  (type, side); the store drops a type's entries whenever a relationship of that type is
  inserted or removed (undo included), so a cached `Csr` is never stale.
- Node ids are array positions. A node created after the build has no relationship of that
  type (adding one would have dropped the cache), so ids past `Csr.size` have no neighbours.
- `levels` starts as a plain Python search (cheapest for the few nodes of a short hop) and
  hands over to the arrays once a frontier reaches `SWITCH_AT` nodes, so small questions never
  pay for building arrays. The answer is the same either way (tests/graph/test_csr.py).
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

SIDES = ("out", "in")

# A frontier this large moves to the arrays; tests set it to 0 (always) or a huge number (never).
SWITCH_AT = 256

# Node ids as the platform's index type: numpy refuses int64 counts and bins where intp is
# 32 bits (Pyodide's wasm32), e.g. in np.repeat and np.bincount. Named, not np.intp: this module
# is imported (with the graph) before numpy has loaded at start-up (prometheus.deferred).
_INT = "intp"


def stable_order(keys: np.ndarray, size: int) -> np.ndarray:
    """The permutation that sorts `keys` (ints in [0, size)) stably, as `np.argsort(keys,
    kind="stable")` gives it, but 3-5x faster for large arrays: numpy radix-sorts 16-bit keys,
    so keys under 2**32 take two 16-bit passes (low half, then high half) instead of a timsort."""
    if size <= 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if size > 1 << 32 or keys.size < 4096:
        return np.argsort(keys, kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((keys >> 16).astype(np.uint16)[low], kind="stable")]


class Csr:
    """Neighbours of every node along one relationship type and side: node u's neighbours are
    `indices[indptr[u]:indptr[u + 1]]`, in relationship-id order."""

    __slots__ = ("indptr", "indices", "size")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray):
        self.indptr = indptr
        self.indices = indices
        self.size = len(indptr) - 1

    @classmethod
    def from_pairs(cls, keys: np.ndarray, values: np.ndarray, size: int) -> Csr:
        """From parallel arrays (key node, neighbour node), listed in relationship-id order."""
        keys = np.asarray(keys, dtype=_INT)
        order = stable_order(keys, size)
        indptr = np.zeros(size + 1, dtype=_INT)
        np.cumsum(np.bincount(keys, minlength=size), out=indptr[1:])
        return cls(indptr, np.asarray(values, dtype=_INT)[order])

    def gather(self, front: np.ndarray) -> np.ndarray:
        """Every neighbour of the nodes in `front` (repeats kept), as one array."""
        if front.size and front[-1] >= self.size:  # fronts are sorted: newer nodes have no edges here
            front = front[: np.searchsorted(front, self.size)]
        if front.size == 1:
            u = front[0]
            return self.indices[self.indptr[u] : self.indptr[u + 1]]
        lo = self.indptr[front]
        counts = self.indptr[front + 1] - lo
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=_INT)
        # position k of the output is lo[i] + (k - first output slot of node i)
        shift = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        return self.indices[shift + np.arange(total)]


def build(graph, rel_type: str, side: str) -> Csr:
    """The CSR of `rel_type` relationships from `side` ("out" or "in"), from the store's records
    and the owned rows of its segments (segment.py), in relationship-id order."""
    rids = graph._by_type.get(rel_type, ())
    segments = graph._rels.segments
    if not rids:  # a type that lives whole in one segment (a bulk load, a snapshot) has its CSR
        holders = [seg for seg in segments if rel_type in seg.present_types()]
        ready = holders[0].csr(rel_type, side) if len(holders) == 1 else None
        if ready is not None:
            return ready
    recs = list(map(graph._rels.__getitem__, rids))
    starts = np.fromiter(map(attrgetter("start"), recs), dtype=_INT, count=len(recs))
    ends = np.fromiter(map(attrgetter("end"), recs), dtype=_INT, count=len(recs))
    if segments:
        ids = [np.fromiter(rids, dtype=np.int64, count=len(recs))]
        for seg in segments:
            rows = seg.owned_rows(rel_type)
            ids.append(seg.rids[rows])
            starts = np.concatenate((starts, seg.start[rows]))
            ends = np.concatenate((ends, seg.end[rows]))
        order = np.argsort(np.concatenate(ids), kind="stable")
        starts, ends = starts[order], ends[order]
    keys, values = (starts, ends) if side == "out" else (ends, starts)
    return Csr.from_pairs(keys, values, graph._next_node)


def csrs_for(graph, direction: str, types) -> list[Csr]:
    """The cached CSRs a search along `types` (None: all) in `direction` reads, built on demand."""
    cache = graph._csr
    present = graph._rel_types()
    names = present if types is None else [t for t in types if t in present]
    sides = ("out",) if direction == "out" else ("in",) if direction == "in" else SIDES
    out: list = []
    for name in names:
        for side in sides:
            csr = cache.get((name, side))
            if csr is None:
                csr = cache[(name, side)] = build(graph, name, side)
            out.append(csr)
    return out


def levels(
    graph, sources, direction: str = "out", types=None, max_depth=None, exclude_sources: bool = False
) -> list:
    """Breadth-first levels from `sources` (node ids): level k lists, once each, the nodes first
    reached by a walk of k >= 1 relationships of `types` (None: every type) in `direction`
    ("out" | "in" | "both"), up to `max_depth` (None or inf: no bound).

    A source is reported when a walk of length >= 1 returns to it, unless `exclude_sources`
    (then it counts as reached at depth 0). Each level is a list (Python part) or a sorted
    intp array (array part); the order within a level is otherwise unspecified.
    """
    hi = float("inf") if max_depth is None else max_depth
    front = list(dict.fromkeys(sources))
    seen = set(front) if exclude_sources else set()
    out: list = []
    depth = 0
    nodes = graph._nodes
    names = None if types is None else tuple(types)
    single = names[0] if names is not None and len(names) == 1 and direction != "both" else None
    outward = direction == "out"
    sides = ("out",) if direction == "out" else ("inc",) if direction == "in" else ("out", "inc")
    while front and depth < hi:
        if len(front) >= SWITCH_AT:
            return out + _array_levels(graph, front, seen, direction, names, hi - depth)
        depth += 1
        nxt = []
        if single is not None:  # the common case (one type, one direction): the tightest loop
            for nid in front:
                rec = nodes[nid]
                bucket = (rec.out if outward else rec.inc).get(single)
                if bucket:
                    for other in bucket.values():
                        if other not in seen:
                            seen.add(other)
                            nxt.append(other)
        else:
            for nid in front:
                rec = nodes[nid]
                for side in sides:
                    adj = rec.out if side == "out" else rec.inc
                    buckets = adj.values() if names is None else [adj[t] for t in names if t in adj]
                    for bucket in buckets:
                        for other in bucket.values():
                            if other not in seen:
                                seen.add(other)
                                nxt.append(other)
        if nxt:
            out.append(nxt)
        front = nxt
    return out


def _array_levels(graph, front, seen, direction, types, remaining) -> list:
    """The rest of `levels` on the CSR arrays, from a Python frontier and seen-set."""
    csrs = csrs_for(graph, direction, types)
    if not csrs:  # no relationship of those types: nothing more is reached
        return []
    size = graph._next_node
    mark = np.zeros(size, dtype=bool)
    if seen:
        mark[np.fromiter(seen, dtype=_INT, count=len(seen))] = True
    front = np.unique(np.asarray(front, dtype=_INT))
    out: list = []
    depth = 0
    while front.size and depth < remaining:
        depth += 1
        parts = [c.gather(front) for c in csrs]
        reached = parts[0] if len(parts) == 1 else np.concatenate(parts)
        reached = reached[~mark[reached]]
        if reached.size > size >> 4:  # a big level: dedupe through the mask, no sort
            level = np.zeros(size, dtype=bool)
            level[reached] = True
            reached = np.flatnonzero(level)
        elif reached.size > 1:
            reached = np.unique(reached)
        if not reached.size:
            break
        mark[reached] = True
        out.append(reached)
        front = reached
    return out


def reached(graph, sources, direction="out", types=None, max_depth=None, exclude_sources=False) -> list[int]:
    """Every node of `levels(...)`, as one list of ids (level by level)."""
    out: list = []
    for level in levels(graph, sources, direction, types, max_depth, exclude_sources):
        out.extend(level if isinstance(level, list) else level.tolist())
    return out


def count_reached(
    graph,
    sources,
    direction="out",
    types=None,
    max_depth=None,
    include_sources: bool = False,
    exclude_sources: bool = False,
) -> int:
    """How many distinct nodes `levels(...)` reaches (with `exclude_sources` as there), plus with
    `include_sources` the sources not reached otherwise (the 0-length walks of a `*0..` pattern)."""
    found = levels(graph, sources, direction, types, max_depth, exclude_sources)
    total = sum(len(level) for level in found)
    if include_sources:
        sources = set(sources)
        again = 0
        for level in found:
            if isinstance(level, list):
                again += sum(1 for nid in level if nid in sources)
            else:
                again += int(np.isin(level, np.fromiter(sources, dtype=_INT, count=len(sources))).sum())
        total += len(sources) - again
    return total

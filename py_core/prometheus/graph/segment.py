"""Bulk-loaded relationships kept as numpy columns (a segment) instead of one record each.

Why: a relationship as Python objects (its RelRecord, property dict and two adjacency dict
entries) costs ~1.5 us and ~400 bytes; a million-edge load spent most of its time and memory
there. A segment holds the same rows as arrays, and the store reads through it:

- row i is relationship `rids[i]` (ascending; contiguous for a bulk load), of type
  `types[codes[i]]`, from `start[i]` to `end[i]`, with the properties of row i;
- per side ("out": keyed by start, "in": by end) and type, a `csr.Csr` (neighbours grouped by
  node, rows ascending within a node) and the row of each of its entries;
- `owned[i]` turns False when the row leaves the segment: deleted, or written to, which moves
  it into the store's record dict (copy-on-write). A row that is not owned is deleted or a
  record there.

Invariants the store keeps (store.py, records.PendingNode):
- A node with rows here is a PendingNode of this segment (its adjacency dicts not built; the
  first read builds them from every row of the node) or has dicts that already list the rows.
- A row is deleted only after its endpoints' dicts are built (deleting reads them), so a
  pending node's rows are all relationships of the graph.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from .csr import Csr, stable_order
from .records import RelRecord

_INT = "intp"  # node ids and rows as the platform's index type (numpy wants it on wasm32); named: imported before numpy arrives
SIDES = ("out", "in")


class Segment:
    """The rows of one bulk load (or snapshot); see the module docstring."""

    def __init__(self, rids, start, end, types: list, codes, size: int, prop_columns=None, prop_rows=None):
        """`rids` ascending int64; `start`, `end` node ids; `codes` the type number of each row
        (None: all rows of `types[0]`); `size` the node-id bound of the CSRs. Properties either
        as `prop_columns` {key: list, None = absent} or as `prop_rows` {row: dict}."""
        self.count = len(rids)
        self.rids = np.asarray(rids, dtype=np.int64)
        self.first = int(self.rids[0]) if self.count else 0
        self.contiguous = not self.count or int(self.rids[-1]) - self.first == self.count - 1
        self.start = np.asarray(start, dtype=_INT)
        self.end = np.asarray(end, dtype=_INT)
        self.types = list(types)
        self.codes = None if codes is None or len(types) == 1 else np.asarray(codes, dtype=_INT)
        self.prop_columns = {k: list(c) for k, c in (prop_columns or {}).items()} or None
        self.prop_rows = prop_rows or None
        self.owned = np.ones(self.count, dtype=bool)
        self.owned_count = self.count
        self.type_counts = (  # owned rows per type
            np.bincount(self.codes, minlength=len(types))
            if self.codes is not None
            else np.array([self.count] * len(types), dtype=np.int64)
        )
        self.type_totals = self.type_counts.copy()  # rows per type
        self.adj: dict[str, dict[str, tuple[Csr, np.ndarray]]] = {"out": {}, "in": {}}
        self._build(size)

    def _build(self, size):
        groups: list[tuple[str, np.ndarray | None]]
        if self.codes is None:
            groups = [(self.types[0], None)]
        else:  # rows of each type, ascending: one stable sort by type, split at the type counts
            by_type = np.argsort(self.codes, kind="stable")
            bounds = np.concatenate(([0], np.cumsum(self.type_counts)))
            groups = [(name, by_type[bounds[i] : bounds[i + 1]]) for i, name in enumerate(self.types)]
        for side, keys, others in (("out", self.start, self.end), ("in", self.end, self.start)):
            for name, rows in groups:
                k = keys if rows is None else keys[rows]
                if k.size < 2 or bool((k[1:] >= k[:-1]).all()):  # already grouped (a sorted edge list)
                    order = np.arange(k.size, dtype=_INT) if rows is None else rows
                else:
                    order = stable_order(k, size)
                    if rows is not None:
                        order = rows[order]
                indptr = np.zeros(size + 1, dtype=_INT)
                np.cumsum(np.bincount(k, minlength=size), out=indptr[1:])
                self.adj[side][name] = (Csr(indptr, others[order]), order)

    # ------------------------------------------------------------ rows
    def row_of(self, rid) -> int:
        """The row of relationship `rid`, or -1."""
        if not isinstance(rid, (int, np.integer)) or isinstance(rid, bool):
            return -1
        rid = int(rid)
        if self.contiguous:
            row = rid - self.first
            return row if 0 <= row < self.count else -1
        row = int(np.searchsorted(self.rids, rid))
        return row if row < self.count and self.rids[row] == rid else -1

    def owns(self, rid) -> bool:
        row = self.row_of(rid)
        return row >= 0 and bool(self.owned[row])

    def type_of(self, row) -> str:
        return self.types[0] if self.codes is None else self.types[self.codes[row]]

    def row_props(self, row) -> dict:
        """A fresh dict of row `row`'s properties."""
        if self.prop_columns is not None:
            return {k: v for k, c in self.prop_columns.items() if (v := c[row]) is not None}
        if self.prop_rows is not None:
            props = self.prop_rows.get(row)
            if props:
                return dict(props)
        return {}

    def props_of(self, rows: np.ndarray) -> list[tuple[int, dict]]:
        """(k, properties) for each `rows[k]` that has any."""
        if self.prop_columns is not None:
            has = np.zeros(self.count, dtype=bool)
            for column in self.prop_columns.values():
                has |= np.fromiter((v is not None for v in column), dtype=bool, count=self.count)
            picked = np.flatnonzero(has[rows])
        elif self.prop_rows is not None:
            picked = np.flatnonzero(np.isin(rows, np.fromiter(self.prop_rows, dtype=_INT)))
        else:
            return []
        return [(k, self.row_props(row)) for k, row in zip(picked.tolist(), rows[picked].tolist())]

    def record(self, rid) -> RelRecord | None:
        """A fresh record of owned relationship `rid` (None if not owned here). On the path of
        every read of a loaded relationship (RelTable.__missing__): scalars come out by .item()."""
        if type(rid) is int and self.contiguous:
            row = rid - self.first
            if not 0 <= row < self.count:
                return None
        else:
            row = self.row_of(rid)
            if row < 0:
                return None
        if not self.owned.item(row):
            return None
        codes = self.codes
        return RelRecord(
            self.types[0] if codes is None else self.types[codes.item(row)],
            self.start.item(row),
            self.end.item(row),
            {} if self.prop_columns is None and self.prop_rows is None else self.row_props(row),
        )

    def release(self, rid) -> RelRecord:
        """Takes owned `rid` out of the segment (deleted or moved to a record); its record."""
        rec = self.record(rid)
        if rec is None:
            raise KeyError(f"relationship {rid} is not in this segment")
        row = self.row_of(rid)
        self.owned[row] = False
        self.owned_count -= 1
        self.type_counts[0 if self.codes is None else self.codes[row]] -= 1
        return rec

    def released_rids(self) -> list[int]:
        return self.rids[~self.owned].tolist()

    def owned_rows(self, type: str | None = None) -> np.ndarray:
        """Owned rows (of one type), ascending."""
        if type is None:
            return np.flatnonzero(self.owned) if self.owned_count < self.count else np.arange(self.count)
        if type not in self.types:
            return np.zeros(0, dtype=_INT)
        if self.codes is None:
            return self.owned_rows()
        rows = np.flatnonzero(self.codes == self.types.index(type))
        return rows[self.owned[rows]]

    def present_types(self) -> list[str]:
        """Types with an owned row."""
        return [name for name, n in zip(self.types, self.type_counts.tolist()) if n]

    # ------------------------------------------------------------ nodes
    def touched(self, below: int) -> list[int]:
        """The nodes under id `below` with a row here, ascending (from the CSRs' row counts)."""
        has = np.zeros(below, dtype=bool)
        for side in SIDES:
            for csr, _ in self.adj[side].values():
                bound = min(below, csr.size)
                has[:bound] |= csr.indptr[1 : bound + 1] > csr.indptr[:bound]
        return np.flatnonzero(has).tolist()

    def adjacency(self, nid: int) -> tuple[dict, dict]:
        """Node `nid`'s (out, inc) dicts {type: {rel id: other node}} over every row of it, as
        the store keeps them: rel-id order in a bucket, types in the order of their first row."""
        result = []
        for side in SIDES:
            found = []
            for name, (csr, order) in self.adj[side].items():
                if nid < csr.size:
                    lo, hi = csr.indptr[nid], csr.indptr[nid + 1]
                    if hi > lo:
                        rows = order[lo:hi]
                        found.append((int(rows[0]), name, rows, csr.indices[lo:hi]))
            if len(found) > 1:
                found.sort(key=itemgetter(0))
            buckets = {}
            for _, name, rows, others in found:
                rids = (rows + self.first) if self.contiguous else self.rids[rows]
                buckets[name] = dict(zip(rids.tolist(), others.tolist()))
            result.append(buckets)
        return result[0], result[1]

    def csr(self, type: str, side: str) -> Csr | None:
        """The CSR of `type` from `side` when every row of that type is still owned."""
        entry = self.adj[side].get(type)
        if entry is None:
            return None
        code = self.types.index(type)
        return entry[0] if self.type_counts[code] == self.type_totals[code] else None


class RelTable(dict):
    """Relationship id -> RelRecord. The dict holds records made one by one; ids owned by a
    segment read through it: `__missing__` builds their records, keeping only the last
    RECENT ones (a path or a row read again is a dict lookup; reading a million loaded
    relationships leaves no million records behind). Membership, `get` and `count` see both;
    plain iteration and len() see the dict part only (the store's `relationships()` lists both).
    Segments come and go through `add_segment` / `remove_segment`, rows leave them through
    `take` / `adopt`: each forgets the kept records, so none is ever stale."""

    __slots__ = ("segments", "recent")
    RECENT = 4096

    def __init__(self):
        super().__init__()
        self.segments: list[Segment] = []
        self.recent: dict = {}

    def __missing__(self, rid):
        rec = self.recent.get(rid)
        if rec is not None:
            return rec
        for seg in self.segments:
            rec = seg.record(rid)
            if rec is not None:
                if len(self.recent) >= self.RECENT:
                    self.recent.clear()
                self.recent[rid] = rec
                return rec
        raise KeyError(rid)

    def add_segment(self, seg: Segment) -> None:
        self.recent.clear()
        self.segments.append(seg)

    def remove_segment(self, seg: Segment) -> None:
        self.recent.clear()
        if seg in self.segments:
            self.segments.remove(seg)

    def get(self, rid, default=None):
        try:
            return self[rid]
        except KeyError:
            return default

    def __contains__(self, rid):
        return dict.__contains__(self, rid) or any(seg.owns(rid) for seg in self.segments)

    def owner(self, rid) -> Segment | None:
        if dict.__contains__(self, rid):
            return None
        return next((seg for seg in self.segments if seg.owns(rid)), None)

    def count(self) -> int:
        return dict.__len__(self) + sum(seg.owned_count for seg in self.segments)

    def types(self) -> dict:
        """Names of the types with an owned segment row (dict as an ordered set)."""
        return {name: None for seg in self.segments for name in seg.present_types()}

    def take(self, rid) -> tuple[RelRecord, Segment | None]:
        """Removes `rid`: (its record, the segment it was owned by or None)."""
        seg = self.owner(rid)
        if seg is None:
            return self.pop(rid), None
        self.recent.pop(rid, None)
        return seg.release(rid), seg

    def adopt(self, rid) -> tuple[RelRecord, bool]:
        """The record of `rid` in the dict, moving it out of its segment first if needed
        (copy-on-write before a write); and whether it moved."""
        seg = self.owner(rid)
        if seg is None:
            return dict.__getitem__(self, rid), False
        self.recent.pop(rid, None)
        rec = seg.release(rid)
        self[rid] = rec
        return rec, True

"""The in-memory property graph behind `prometheus.graph`.

Public API of `Graph` (ids are stable ints, never reused; properties are Cypher values:
None-free dicts of bool/int/float/str and homogeneous-ish lists of those):

Reading
    g.has_node(id) / g.has_relationship(id)
    g.node_count() / g.relationship_count()
    g.nodes(label=None)                 -> iterator of node ids (label index when given)
    g.relationships(type=None)          -> iterator of relationship ids, ascending
    g.node_labels(id)                   -> frozenset of labels (nodes with the same labels share one)
    g.node_properties(id)               -> dict (do not mutate; use set_node_property)
    g.node_property(id, key, default=None)
    g.relationship_type(id) / g.relationship_endpoints(id) -> (start, end)
    g.relationship_properties(id) / g.relationship_property(id, key, default=None)
    g.neighbours(id, direction="out", types=None)
                                        -> iterator of (relationship id, other node id);
                                           direction "out" | "in" | "both", types an iterable of
                                           type names or None for all
    g.degree(id, direction="out", types=None)
    g.out_ids(id, type) / g.in_ids(id, type)
                                        -> read-only view of neighbour node ids along one
                                           relationship type (no copying; for hot loops such
                                           as learning-path searches; do not write while iterating)
    g.find_nodes(label, key, value)     -> list of node ids with that label and property value,
                                           through a (label, key) index built on first use
    g.node(id) / g.relationship(id)     -> live Node / Relationship views (entities.py)

Writing (each change is recorded in the undo log while a transaction is open)
    g.add_node(labels=(), properties=None)              -> id
    g.add_relationship(start, type, end, properties=None) -> id
    g.set_node_property(id, key, value)   (value None removes the key)
    g.set_relationship_property(id, key, value)
    g.add_label(id, label) / g.remove_label(id, label)
    g.delete_relationship(id)
    g.delete_node(id, detach=False)       (raises GraphStoreError if it still has relationships)
    g.create_index(label, key) / g.drop_index(label, key) / g.indexes()

Transactions and persistence
    with g.transaction(): ...             -> every change inside is undone if the block raises
    g.begin() / g.rollback() / g.commit() -> the same, for a scope that is not one block
                                           (the store keeps a call's changes open until its
                                           journal record is written)
    g.recording(list) / g.apply_ops(ops)  -> redo ops of every change (for the store's journal),
                                           and their replay; ids are explicit so a replay
                                           rebuilds the same graph. Indexes are not recorded:
                                           they are derived and rebuilt on demand
    g.replace(snapshot bytes | None)      -> the whole graph replaced, as one undoable change
    g.to_bytes() / Graph.from_bytes(data) -> compact snapshot (raw integer columns + JSON, snapshot.py)
    (a failed transaction restores the id counters too, so ids stay dense)

Queries
    g.run(query, parameters=None)         -> Result (see cypher/result.py); the query layer installs
                                           itself (install_query_engine) when imported, as
                                           `prometheus.graph.Graph` does: this module imports none of it
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np

from ..atomic import atomic
from ..heap import collector_paused
from . import columns, csr, graph_image
from .entities import Node, Relationship
from .records import GraphStoreError, NodeRecord, PendingNode, RelRecord, make_pending, make_plain
from .segment import RelTable

_DIRECTIONS = ("out", "in", "both")


_query_engine = None  # run_query(graph, query, parameters) of the query layer, once it is imported


def install_query_engine(run_query) -> None:
    """Called by the query layer (graph/cypher) on import. Dependencies point one way, query ->
    storage: the storage modules load (and recover a saved graph) without the Cypher engine."""
    global _query_engine
    _query_engine = run_query


def index_key(value):
    """A hashable key with Cypher equality: 1 == 1.0 but true != 1, lists by elements. Numbers
    and strings are their own key (no number equals a string, and neither equals the tagged
    tuples of the other kinds): an index of a million numbers or names makes no key objects."""
    kind = type(value)
    if kind is int or kind is float or kind is str:
        return value
    if value is True or value is False:
        return ("b", value)
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return ("l", tuple(index_key(v) for v in value))
    key = getattr(value, "_key", None)
    if key is not None:  # temporal values: same type and same instant
        return ("t", type(value).__name__, key())
    return ("o", repr(value))


def _check_properties(properties, where: str) -> dict:
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise GraphStoreError(f"{where}: properties must be a dict, got {type(properties).__name__}")
    out = {}
    for key, value in properties.items():
        if not isinstance(key, str):
            raise GraphStoreError(f"{where}: property keys must be strings, got {key!r}")
        if value is not None:
            out[key] = value
    return out


class Graph:
    """A directed, typed, labelled property graph with undoable writes."""

    def __init__(self):
        self._nodes: dict[int, NodeRecord] = {}
        self._rels = RelTable()  # records, and the segments of bulk loads (segment.py)
        self._by_label: dict[str, dict[int, None]] = {}
        self._by_type: dict[str, dict[int, None]] = {}  # of the records (not the segments' rows)
        self._indexes: dict[tuple[str, str], dict] = {}
        self._next_node = 0
        self._next_rel = 0
        self._undo: list | None = None
        self._redo: list | None = None
        self._counters = (0, 0)
        self._plan_cache: dict = {}
        self._csr: dict = {}  # (type, side) -> csr.Csr, built on demand, dropped when that type changes

    # ----------------------------------------------------------------- reading
    def has_node(self, id) -> bool:
        return id in self._nodes

    def has_relationship(self, id) -> bool:
        return id in self._rels

    def node_count(self) -> int:
        return len(self._nodes)

    def relationship_count(self) -> int:
        return self._rels.count()

    def nodes(self, label: str | None = None) -> Iterator[int]:
        if label is None:
            return iter(list(self._nodes))
        return iter(list(self._by_label.get(label, ())))

    def relationships(self, type: str | None = None) -> Iterator[int]:
        """Ids in ascending order (the order they were made, whether as records or segment rows)."""
        made = self._rels if type is None else self._by_type.get(type, ())
        if not self._rels.segments:
            return iter(sorted(made))
        parts = [seg.rids[seg.owned_rows(type)] for seg in self._rels.segments]
        parts.append(np.fromiter(made, dtype=np.int64, count=len(made)))
        ids = np.concatenate(parts)
        ids.sort()
        return iter(ids.tolist())

    def _rel_types(self) -> list[str]:
        """The types that have a relationship."""
        return list({**dict.fromkeys(self._by_type), **self._rels.types()})

    def _node(self, id) -> NodeRecord:
        try:
            return self._nodes[id]
        except (KeyError, TypeError):
            raise GraphStoreError(f"no node with id {id!r}") from None

    def _rel(self, id) -> RelRecord:
        try:
            return self._rels[id]
        except (KeyError, TypeError):
            raise GraphStoreError(f"no relationship with id {id!r}") from None

    def node_labels(self, id) -> frozenset:
        return self._node(id).labels

    def node_properties(self, id) -> dict:
        return self._node(id).props

    def node_property(self, id, key, default=None):
        return self._node(id).props.get(key, default)

    def relationship_type(self, id) -> str:
        return self._rel(id).type

    def relationship_endpoints(self, id) -> tuple[int, int]:
        rec = self._rel(id)
        return rec.start, rec.end

    def relationship_properties(self, id) -> dict:
        return self._rel(id).props

    def relationship_property(self, id, key, default=None):
        return self._rel(id).props.get(key, default)

    def neighbours(self, id, direction: str = "out", types: Iterable[str] | None = None):
        """(relationship id, other node id) pairs; "both" lists a self-loop once."""
        rec = self._node(id)
        if direction not in _DIRECTIONS:
            raise GraphStoreError(f"direction must be one of {_DIRECTIONS}, got {direction!r}")
        result = []
        if types is not None and isinstance(types, str):
            types = (types,)
        if direction in ("out", "both"):
            result.extend(_adjacent(rec.out, types))
        if direction in ("in", "both"):
            pairs = _adjacent(rec.inc, types)
            if direction == "both":
                pairs = [(r, o) for r, o in pairs if o != id]  # self-loop already listed
            result.extend(pairs)
        return iter(result)

    def out_ids(self, id, type: str):
        bucket = self._node(id).out.get(type)
        return bucket.values() if bucket is not None else ()

    def in_ids(self, id, type: str):
        bucket = self._node(id).inc.get(type)
        return bucket.values() if bucket is not None else ()

    def reach_levels(
        self, sources, direction: str = "out", types=None, max_depth=None, exclude_sources: bool = False
    ) -> list:
        """Breadth-first levels of the nodes reachable from `sources` (csr.levels): level k holds
        the nodes first reached after k >= 1 relationships of `types` (None: all) in `direction`.
        Large searches run on numpy arrays built per type on first use and dropped on writes."""
        for nid in sources:
            self._node(nid)
        if direction not in _DIRECTIONS:
            raise GraphStoreError(f"direction must be one of {_DIRECTIONS}, got {direction!r}")
        if isinstance(types, str):
            types = (types,)
        return csr.levels(self, sources, direction, types, max_depth, exclude_sources)

    def degree(self, id, direction: str = "out", types=None) -> int:
        return sum(1 for _ in self.neighbours(id, direction, types))

    def node(self, id) -> Node:
        self._node(id)
        return Node(id, self)

    def relationship(self, id) -> Relationship:
        rec = self._rel(id)
        return Relationship(id, rec.type, rec.start, rec.end, self)

    # ----------------------------------------------------------------- indexes
    def create_index(self, label: str, key: str) -> None:
        if (label, key) in self._indexes:
            return
        with collector_paused():  # one bucket per value: many containers, no garbage cycles
            self._create_index(label, key)

    @atomic
    def _create_index(self, label: str, key: str) -> None:
        index: dict = {}
        nodes = self._nodes
        for nid in self._by_label.get(label, ()):
            value = nodes[nid].props.get(key)
            if value is not None:
                kind = type(value)
                k = value if kind is int or kind is str or kind is float else index_key(value)
                bucket = index.get(k)
                if bucket is None:
                    index[k] = {nid: None}
                else:
                    bucket[nid] = None
        self._indexes[(label, key)] = index
        self._log(lambda: self._indexes.pop((label, key), None))

    def drop_index(self, label: str, key: str) -> None:
        self._indexes.pop((label, key), None)

    def indexes(self) -> list[tuple[str, str]]:
        return sorted(self._indexes)

    def find_nodes(self, label: str, key: str, value) -> list[int]:
        if value is None:
            return []
        index = self._indexes.get((label, key))
        if index is None:
            self.create_index(label, key)
            index = self._indexes[(label, key)]
        try:
            return list(index.get(index_key(value), ()))
        except TypeError:  # unhashable odd value: fall back to a scan
            return [n for n in self._by_label.get(label, ()) if self._nodes[n].props.get(key) == value]

    def _index_remove(self, nid, labels, props):
        for (label, key), index in self._indexes.items():
            if label in labels and key in props:
                bucket = index.get(index_key(props[key]))
                if bucket is not None:
                    bucket.pop(nid, None)
                    if not bucket:
                        del index[index_key(props[key])]

    def _index_add(self, nid, labels, props):
        for (label, key), index in self._indexes.items():
            if label in labels and key in props:
                index.setdefault(index_key(props[key]), {})[nid] = None

    # ----------------------------------------------------------------- writing
    def _log(self, undo):
        if self._undo is not None:
            self._undo.append(undo)

    @atomic
    def add_node(self, labels=(), properties=None) -> int:
        if isinstance(labels, str):
            labels = (labels,)
        labels = frozenset(labels)
        for label in labels:
            if not isinstance(label, str) or not label:
                raise GraphStoreError(f"labels must be non-empty strings, got {label!r}")
        props = _check_properties(properties, "add_node")
        nid = self._next_node
        self._next_node += 1
        self._insert_node(nid, labels, props)
        self._log(lambda: self._remove_node_record(nid))
        if self._redo is not None:
            self._redo.append(("n+", nid, sorted(labels), dict(props)))
        return nid

    def _insert_node(self, nid, labels, props):
        self._nodes[nid] = NodeRecord(labels, props)
        for label in labels:
            self._by_label.setdefault(label, {})[nid] = None
        self._index_add(nid, labels, props)

    def _remove_node_record(self, nid):
        rec = self._nodes.pop(nid)
        for label in rec.labels:
            bucket = self._by_label[label]
            bucket.pop(nid, None)
            if not bucket:
                del self._by_label[label]
        self._index_remove(nid, rec.labels, rec.props)
        return rec

    @atomic
    def add_relationship(self, start: int, type: str, end: int, properties=None) -> int:
        if not isinstance(type, str) or not type:
            raise GraphStoreError(f"relationship type must be a non-empty string, got {type!r}")
        self._node(start)
        self._node(end)
        props = _check_properties(properties, "add_relationship")
        rid = self._next_rel
        self._next_rel += 1
        self._insert_rel(rid, RelRecord(type, start, end, props))
        self._log(lambda: self._remove_rel_record(rid))
        if self._redo is not None:
            self._redo.append(("r+", rid, type, start, end, dict(props)))
        return rid

    def _insert_rel(self, rid, rec):
        if self._csr:
            self._drop_csr(rec.type)
        self._rels[rid] = rec
        self._nodes[rec.start].out.setdefault(rec.type, {})[rid] = rec.end
        self._nodes[rec.end].inc.setdefault(rec.type, {})[rid] = rec.start
        self._by_type.setdefault(rec.type, {})[rid] = None

    def _remove_rel_record(self, rid):
        rec, seg = self._rels.take(rid)
        if self._csr:
            self._drop_csr(rec.type)
        for adjacency in (self._nodes[rec.start].out, self._nodes[rec.end].inc):
            _unlist(adjacency, rec.type, rid)
        if seg is None:
            _unlist(self._by_type, rec.type, rid)
        return rec

    @atomic
    def delete_relationship(self, id) -> None:
        self._rel(id)
        rec = self._remove_rel_record(id)
        self._log(lambda: self._insert_rel(id, rec))
        if self._redo is not None:
            self._redo.append(("r-", id))

    @atomic
    def delete_node(self, id, detach: bool = False) -> None:
        rec = self._node(id)
        attached = [r for adj in (rec.out, rec.inc) for bucket in adj.values() for r in bucket]
        if attached and not detach:
            raise GraphStoreError(
                f"node {id} still has {len(set(attached))} relationship(s); delete them first or detach"
            )
        for rid in dict.fromkeys(attached):
            self.delete_relationship(rid)
        removed = self._remove_node_record(id)
        labels, props = removed.labels, removed.props
        self._log(lambda: self._insert_node(id, labels, props))
        if self._redo is not None:
            self._redo.append(("n-", id))

    @atomic
    def set_node_property(self, id, key: str, value) -> None:
        rec = self._node(id)
        if not isinstance(key, str):
            raise GraphStoreError(f"property keys must be strings, got {key!r}")
        old = rec.props.get(key)
        if old is None and value is None:
            return
        self._index_remove(id, rec.labels, {key: old} if old is not None else {})
        if value is None:
            del rec.props[key]
        else:
            rec.props[key] = value
            self._index_add(id, rec.labels, {key: value})
        self._log(lambda: self._restore_node_property(id, key, old))
        if self._redo is not None:
            self._redo.append(("np", id, key, value))

    def _restore_node_property(self, id, key, old):
        rec = self._nodes[id]
        cur = rec.props.get(key)
        if cur is not None:
            self._index_remove(id, rec.labels, {key: cur})
            del rec.props[key]
        if old is not None:
            rec.props[key] = old
            self._index_add(id, rec.labels, {key: old})

    @atomic
    def set_relationship_property(self, id, key: str, value) -> None:
        self._rel(id)
        if not isinstance(key, str):
            raise GraphStoreError(f"property keys must be strings, got {key!r}")
        rec, moved = self._rels.adopt(id)  # a segment's row becomes a record to write to
        if moved:
            self._by_type.setdefault(rec.type, {})[id] = None
        old = rec.props.get(key)
        if value is None:
            rec.props.pop(key, None)
        else:
            rec.props[key] = value

        def undo():
            if old is None:
                rec.props.pop(key, None)
            else:
                rec.props[key] = old

        self._log(undo)
        if self._redo is not None:
            self._redo.append(("rp", id, key, value))

    @atomic
    def add_label(self, id, label: str) -> bool:
        rec = self._node(id)
        if not isinstance(label, str) or not label:
            raise GraphStoreError(f"labels must be non-empty strings, got {label!r}")
        if label in rec.labels:
            return False
        rec.labels = rec.labels | {label}
        self._by_label.setdefault(label, {})[id] = None
        self._index_add(id, {label}, rec.props)
        self._log(lambda: self._drop_label(id, label))
        if self._redo is not None:
            self._redo.append(("l+", id, label))
        return True

    @atomic
    def remove_label(self, id, label: str) -> bool:
        rec = self._node(id)
        if label not in rec.labels:
            return False
        self._drop_label(id, label)
        self._log(lambda: self._readd_label(id, label))
        if self._redo is not None:
            self._redo.append(("l-", id, label))
        return True

    def _readd_label(self, id, label):
        rec = self._nodes[id]
        rec.labels = rec.labels | {label}
        self._by_label.setdefault(label, {})[id] = None
        self._index_add(id, {label}, rec.props)

    def _drop_label(self, id, label):
        rec = self._nodes[id]
        self._index_remove(id, {label}, rec.props)
        rec.labels = rec.labels - {label}
        bucket = self._by_label[label]
        bucket.pop(id, None)
        if not bucket:
            del self._by_label[label]

    # ------------------------------------------------------------ transactions
    @contextmanager
    def transaction(self):
        """Undo every change made inside the block if it raises (nested blocks join the outer)."""
        if self._undo is not None:
            yield self
            return
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            self.commit()

    @atomic
    def begin(self) -> None:
        """Open the outermost transaction: changes from here on are logged for undo."""
        if self._undo is not None:
            raise GraphStoreError("a transaction is already open")
        self._undo = []
        self._counters = (self._next_node, self._next_rel)

    @atomic
    def rollback(self) -> None:
        """Undo every change since `begin`, ids included, and close the transaction."""
        log, self._undo = self._undo or [], None
        for undo in reversed(log):
            undo()
        self._next_node, self._next_rel = self._counters  # ids handed out inside were never visible
        if self._redo is not None:
            self._redo.clear()

    def commit(self) -> None:
        """Keep the changes since `begin` and close the transaction."""
        self._undo = None

    # ------------------------------------------------------------- redo log
    def recording(self, ops: list | None) -> None:
        """Append a redo op for every change to `ops` from now on (None stops recording)."""
        self._redo = ops

    def apply_ops(self, ops) -> None:
        """Replay redo ops recorded by `recording` (with their explicit ids)."""
        for op in ops:
            kind = op[0]
            if kind == "n+":
                _, nid, labels, props = op
                if nid in self._nodes:
                    raise GraphStoreError(f"redo op creates node {nid}, which exists")
                self._insert_node(nid, frozenset(labels), _check_properties(props, "redo"))
                self._next_node = max(self._next_node, nid + 1)
                self._log(lambda nid=nid: self._remove_node_record(nid))
                if self._redo is not None:
                    self._redo.append(("n+", nid, sorted(labels), dict(props)))
            elif kind == "r+":
                _, rid, type, start, end, props = op
                if rid in self._rels:
                    raise GraphStoreError(f"redo op creates relationship {rid}, which exists")
                self._node(start), self._node(end)
                self._insert_rel(rid, RelRecord(type, start, end, _check_properties(props, "redo")))
                self._next_rel = max(self._next_rel, rid + 1)
                self._log(lambda rid=rid: self._remove_rel_record(rid))
                if self._redo is not None:
                    self._redo.append(("r+", rid, type, start, end, dict(props)))
            elif kind == "n-":
                self.delete_node(op[1], detach=False)
            elif kind == "r-":
                self.delete_relationship(op[1])
            elif kind == "np":
                self.set_node_property(op[1], op[2], op[3])
            elif kind == "rp":
                self.set_relationship_property(op[1], op[2], op[3])
            elif kind == "l+":
                self.add_label(op[1], op[2])
            elif kind == "l-":
                self.remove_label(op[1], op[2])
            elif kind == "replace":
                self.replace(op[1])
            elif kind == "cols":
                _, first_node, first_rel, cols = op
                self.install_batch(
                    columns.build_batch(
                        columns.validate(cols["nodes"], cols["relationships"]),
                        first_node,
                        first_rel,
                        self._nodes,
                    )
                )
            else:
                raise GraphStoreError(f"unknown redo op {kind!r}")

    _STATE = ("_nodes", "_rels", "_by_label", "_by_type", "_indexes", "_next_node", "_next_rel", "_csr")

    @atomic
    def replace(self, data: bytes | None) -> None:
        """Replace the whole graph by a snapshot (None: an empty graph), as one undoable change."""
        new = Graph.from_bytes(data) if data is not None else Graph()
        old = self._swap(new)
        self._log(lambda: self._swap(old))
        if self._redo is not None:
            self._redo.append(("replace", None if data is None else bytes(data)))

    def _swap(self, other: Graph) -> Graph:
        """Take `other`'s contents; returns a Graph holding what this one had."""
        previous = Graph()
        for name in self._STATE:
            setattr(previous, name, getattr(self, name))
            setattr(self, name, getattr(other, name))
        return previous

    # ------------------------------------------------------------ bulk loading
    def load_columns(self, nodes=None, relationships=None) -> dict:
        """Adds nodes and relationships given as columns, as one change (columns.py has the shapes).

        All rows or none: invalid input raises `columns.ColumnError` naming the column and row
        and leaves the graph as it was. Node ids are handed out in row order, then relationship
        ids. Returns the counts and the first new ids.
        """

        with collector_paused():
            batch = columns.build_batch(
                columns.validate(nodes, relationships), self._next_node, self._next_rel, self._nodes
            )
        self.install_batch(batch)
        return {
            "nodes": len(batch.nodes),
            "relationships": batch.next_rel - batch.first_rel,
            "first_node": batch.first_node,
            "first_relationship": batch.first_rel,
        }

    @atomic
    def install_batch(self, batch: columns.Batch) -> None:
        """Puts in place the records and segment of a `columns.Batch` built for this graph's next
        ids, all at once: a failure part-way removes what was added, and inside a transaction
        the whole batch is one undo step. The redo log gets one ("cols", ...) op."""
        if (batch.first_node, batch.first_rel) != (self._next_node, self._next_rel):
            raise GraphStoreError(
                f"batch was built for next ids {(batch.first_node, batch.first_rel)}, "
                f"the graph is at {(self._next_node, self._next_rel)}"
            )
        seg = batch.segment
        attached: list[int] = []  # nodes older than the batch that have rows in its segment
        with collector_paused():
            try:
                self._nodes.update(batch.nodes)
                for label, ids in batch.by_label.items():
                    self._by_label.setdefault(label, {}).update(dict.fromkeys(ids))
                for (label, key), index in self._indexes.items():
                    for nid in batch.by_label.get(label, ()):
                        value = batch.nodes[nid].props.get(key)
                        if value is not None:
                            index.setdefault(index_key(value), {})[nid] = None
                if seg is not None:
                    for rel_type in seg.types:  # rebuilt on demand (csr.build takes the segment's
                        self._drop_csr(rel_type)  # own arrays for a type new to the graph)
                    self._rels.add_segment(seg)
                    for nid in seg.touched(batch.first_node):
                        attached.append(nid)
                        self._attach(nid, seg)
                self._next_node, self._next_rel = batch.next_node, batch.next_rel
            except BaseException:
                self._uninstall_batch(batch, attached)
                raise
        self._log(lambda: self._uninstall_batch(batch, attached))
        if self._redo is not None:  # the validated columns: a replay rebuilds the same ids
            self._redo.append(("cols", batch.first_node, batch.first_rel, columns.as_json(batch.columns)))

    def _attach(self, nid, seg) -> None:
        """Gives node `nid` (older than `seg`) its rows of `seg`: a node with no relationship
        yet waits as a PendingNode, one with some gets them merged into its dicts."""
        rec = self._nodes[nid]
        if type(rec) is not PendingNode and not rec.out and not rec.inc:
            make_pending(rec, seg, nid)
            return
        for slot, buckets in zip(("out", "inc"), seg.adjacency(nid)):
            adjacency = getattr(rec, slot)
            for rel_type, bucket in buckets.items():
                adjacency.setdefault(rel_type, {}).update(bucket)

    def _uninstall_batch(self, batch: columns.Batch, attached) -> None:
        """Removes whatever part of `batch` is installed (tolerates a partial install)."""
        seg = batch.segment
        with collector_paused():
            if seg is not None:
                for rel_type in seg.types:
                    self._drop_csr(rel_type)
                for rid in seg.released_rids():  # rows written to or deleted and restored: records now
                    rec = dict.pop(self._rels, rid, None)
                    if rec is not None:
                        _unlist(self._by_type, rec.type, rid)
                for nid in attached:
                    self._detach(nid, seg)
                self._rels.remove_segment(seg)
            for nid, rec in batch.nodes.items():
                if rec is self._nodes.get(nid):
                    self._index_remove(nid, rec.labels, rec.props)
                    del self._nodes[nid]
            for label, ids in batch.by_label.items():
                labelled = self._by_label.get(label)
                if labelled is not None:
                    for nid in ids:
                        labelled.pop(nid, None)
                    if not labelled:
                        del self._by_label[label]
            self._next_node, self._next_rel = batch.first_node, batch.first_rel

    def _detach(self, nid, seg) -> None:
        """Undoes `_attach(nid, seg)`."""
        rec = self._nodes[nid]
        if isinstance(rec, PendingNode):
            if rec.seg is seg:
                make_plain(rec)
            return
        for slot, buckets in zip(("out", "inc"), seg.adjacency(nid)):
            adjacency = getattr(rec, slot)
            for rel_type, added in buckets.items():
                bucket = adjacency.get(rel_type)
                if bucket is not None:
                    for rid in added:
                        bucket.pop(rid, None)
                    if not bucket:
                        del adjacency[rel_type]

    def _drop_csr(self, rel_type) -> None:
        """Forgets the CSR arrays of one relationship type (csr.py): it has just changed."""
        self._csr.pop((rel_type, "out"), None)
        self._csr.pop((rel_type, "in"), None)

    # ------------------------------------------------------------- persistence
    def to_bytes(self) -> bytes:
        """A compact snapshot (see snapshot.py): integer columns raw, properties as JSON."""
        with collector_paused():
            return graph_image.to_bytes(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Graph:
        """The graph of a snapshot; its relationships stay one columnar segment (segment.py)."""
        with collector_paused():
            return graph_image.from_bytes(cls(), data)

    # ----------------------------------------------------------------- queries
    def run(self, query: str, parameters: dict | None = None):
        """Run one openCypher query atomically; returns a driver-style Result."""
        if _query_engine is None:
            raise GraphStoreError(
                "Graph.run needs the query layer: import Graph from prometheus.graph "
                "(or import prometheus.graph.cypher) before running a query"
            )
        return _query_engine(self, query, parameters)

    def __repr__(self):
        return f"<Graph {len(self._nodes)} nodes, {self._rels.count()} relationships>"


def _unlist(buckets: dict, key, member) -> None:
    """Deletes `member` from `buckets[key]` (both must be there), and the bucket once empty."""
    bucket = buckets[key]
    del bucket[member]
    if not bucket:
        del buckets[key]


def _adjacent(adjacency: dict, types) -> list:
    if types is None:
        return [pair for bucket in adjacency.values() for pair in bucket.items()]
    out = []
    for t in types:
        bucket = adjacency.get(t)
        if bucket:
            out.extend(bucket.items())
    return out

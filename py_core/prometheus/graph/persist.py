"""The session graph as a store part (prometheus.store.parts): snapshots, redo ops, digest.

Redo ops are the graph's own (`Graph.recording`): explicit ids, resolved values, so a replay
gives the same graph even for queries that read the clock or call rand(). They are written as
JSON with temporal values tagged (snapshot.dumps_values); a graph replaced whole (graph.load,
graph.clear) journals its snapshot bytes.
"""

from __future__ import annotations

import hashlib

from ..store import parts
from . import snapshot
from .session import current_graph


class GraphPart:
    name = "graph"

    def __init__(self):
        self._ops: list | None = None

    def to_bytes(self):
        graph = current_graph()
        return None if _never_written(graph) else graph.to_bytes()

    def load(self, data):
        graph = current_graph()
        graph.begin()
        try:
            graph.replace(data)
        except BaseException:
            graph.rollback()
            raise
        graph.commit()

    def apply(self, ops):
        graph = current_graph()
        graph.begin()
        try:
            graph.apply_ops(_decode(ops))
        except BaseException:
            graph.rollback()
            raise
        graph.commit()

    def digest(self):
        return state_digest(current_graph())

    def begin(self):
        self._ops = []
        graph = current_graph()
        graph.begin()
        graph.recording(self._ops)

    def collect(self):
        return _encode(self._ops) if self._ops else None

    def rollback(self):
        graph = current_graph()
        graph.recording(None)
        graph.rollback()
        self._ops = None

    def end(self):
        graph = current_graph()
        graph.recording(None)
        graph.commit()
        self._ops = None


def _encode(ops: list) -> bytes:
    blobs = []
    plain = []
    for op in ops:
        if op[0] == "replace" and op[1] is not None:  # snapshot bytes stay raw beside the JSON
            blobs.append(op[1])
            op = ("replace", len(blobs) - 1)
        plain.append(op)
    text = snapshot.dumps_values(plain)
    return b"".join(
        [len(text).to_bytes(8, "little"), text] + [len(b).to_bytes(8, "little") + b for b in blobs]
    )


def _decode(data: bytes) -> list:
    size = int.from_bytes(data[:8], "little")
    ops = snapshot.loads_values(data[8 : 8 + size])
    at, blobs = 8 + size, []
    while at < len(data):
        n = int.from_bytes(data[at : at + 8], "little")
        blobs.append(data[at + 8 : at + 8 + n])
        at += 8 + n
    return [("replace", blobs[op[1]]) if op[0] == "replace" and op[1] is not None else op for op in ops]


def _never_written(graph) -> bool:
    """Empty with fresh id counters: a new session's graph, stored as nothing."""
    return (
        graph.node_count() == 0
        and graph.relationship_count() == 0
        and not graph._next_node
        and not graph._next_rel
    )


def state_digest(graph) -> str | None:
    """sha256 of the graph's logical content: ids, labels, properties (keys sorted), relationships,
    id counters. Indexes and insertion order do not count."""
    if _never_written(graph):
        return None
    h = hashlib.sha256()
    h.update(snapshot.dumps_values(["next", graph._next_node, graph._next_rel]))
    for nid in sorted(graph._nodes):
        rec = graph._nodes[nid]
        h.update(snapshot.dumps_values([nid, sorted(rec.labels), sorted(rec.props.items())]))
    rels = graph._rels  # records and segment rows (a row reads as a fresh record)
    for rid in graph.relationships():  # ascending
        rec = rels[rid]
        h.update(snapshot.dumps_values([rid, rec.type, rec.start, rec.end, sorted(rec.props.items())]))
    return h.hexdigest()


GRAPH = parts.register(GraphPart())

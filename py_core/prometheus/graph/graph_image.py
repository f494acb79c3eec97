"""A Graph as snapshot columns and back (the container itself is snapshot.py).

Relationships are written in ascending id order, from records and segment rows alike, with
their types numbered by first use: a graph built by a bulk load and the same graph built one
call at a time give the same bytes. Reading makes the relationships one columnar segment
(segment.py) and every node a PendingNode of it: no per-relationship object is made until a
node's adjacency or a relationship is written to, so a million-edge snapshot loads at array speed.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from . import snapshot
from .records import GraphStoreError, NodeRecord, PendingNode
from .segment import Segment


def to_bytes(graph) -> bytes:
    label_ids: dict[str, int] = {}
    label_sets: dict[frozenset, int] = {}  # most nodes share a few label sets: one int each
    node_recs = list(graph._nodes.values())
    node_labels = [
        label_sets.setdefault(frozenset(labels), len(label_sets))
        for labels in map(attrgetter("labels"), node_recs)
    ]
    rel_ids, rel_types, rel_start, rel_end, rel_props, type_names = _rel_columns(graph)
    set_labels = [
        sorted(label_ids.setdefault(label, len(label_ids)) for label in sorted(labels))
        for labels in label_sets
    ]
    header = {
        "next": [graph._next_node, graph._next_rel],
        "labels": list(label_ids),
        "types": type_names,
        "label_sets": set_labels,
        "node_props": list(map(attrgetter("props"), node_recs)),
        "rel_props": rel_props,
        "indexes": [list(k) for k in graph._indexes],
    }
    columns = {"node_ids": list(graph._nodes), "node_labels": node_labels, "rel_ids": rel_ids}
    columns.update(rel_types=rel_types, rel_start=rel_start, rel_end=rel_end)
    return snapshot.pack(header, columns)


def _rel_columns(graph):
    """(ids, type numbers, starts, ends, [[position, properties]], type names) in ascending id
    order, from the records and the owned segment rows; most relationships have no properties,
    so only those that do are listed, by position."""
    rels = graph._rels
    recs = list(dict.values(rels))
    names = list(dict.fromkeys([*map(attrgetter("type"), recs), *rels.types()]))
    number = {t: i for i, t in enumerate(names)}
    ids = [np.fromiter(dict.keys(rels), dtype=np.int64, count=len(recs))]
    code_parts = [np.fromiter((number[r.type] for r in recs), dtype=np.intp, count=len(recs))]
    starts = [np.fromiter(map(attrgetter("start"), recs), dtype=np.int64, count=len(recs))]
    ends = [np.fromiter(map(attrgetter("end"), recs), dtype=np.int64, count=len(recs))]
    with_props = [(i, r.props) for i, r in enumerate(recs) if r.props]
    at = len(recs)
    for seg in rels.segments:
        rows = seg.owned_rows()
        ids.append(seg.rids[rows])
        remap = np.array([number.get(t, -1) for t in seg.types], dtype=np.intp)
        code_parts.append(remap[seg.codes[rows]] if seg.codes is not None else np.full(len(rows), remap[0]))
        starts.append(seg.start[rows])
        ends.append(seg.end[rows])
        with_props.extend((at + k, props) for k, props in seg.props_of(rows))
        at += len(rows)
    order = np.argsort(np.concatenate(ids), kind="stable")
    codes = np.concatenate(code_parts)[order]
    used, first = np.unique(codes, return_index=True)  # renumbered by first use in id order
    by_use = used[np.argsort(first)]
    renumber = np.zeros(len(names), dtype=np.intp)
    renumber[by_use] = np.arange(len(by_use))
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    rel_props = sorted([int(position[i]), props] for i, props in with_props)
    return (
        np.concatenate(ids)[order],
        renumber[codes],
        np.concatenate(starts)[order],
        np.concatenate(ends)[order],
        rel_props,
        [names[i] for i in by_use.tolist()],
    )


def from_bytes(graph, data):
    """Fills the empty `graph` from snapshot bytes; GraphStoreError for anything malformed."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise GraphStoreError(f"snapshot must be bytes, got {type(data).__name__}")
    try:
        doc, columns = snapshot.unpack(data, arrays=True)
    except snapshot.SnapshotError as exc:
        raise GraphStoreError(str(exc)) from None
    try:
        _fill(graph, doc, columns)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise GraphStoreError(f"corrupt graph snapshot: {exc!r}") from None
    return graph


def _fill(graph, doc, columns):
    labels, types = doc["labels"], doc["types"]
    next_node, next_rel = doc["next"]
    if type(next_node) is not int or type(next_rel) is not int or next_node < 0 or next_rel < 0:
        raise ValueError(f"bad id counters {doc['next']!r}")
    node_ids = columns["node_ids"]
    if node_ids.size and (node_ids.min() < 0 or node_ids.max() >= next_node):
        raise ValueError("a node id outside 0..next")
    seg = _segment(doc, columns, types, next_node, next_rel, node_ids)
    set_labels = doc["label_sets"]
    label_sets = [frozenset(labels[i] for i in ids) for ids in set_labels]  # shared by their nodes
    per_label: list[list[int]] = [[] for _ in labels]  # node ids, per label
    nodes = graph._nodes
    ids = node_ids.tolist()
    if len(set(ids)) != len(ids):
        raise ValueError("a node id twice")
    for nid, k, props in zip(ids, columns["node_labels"].tolist(), doc["node_props"], strict=True):
        if not isinstance(props, dict):
            raise TypeError(f"node {nid} properties are {type(props).__name__}")
        nodes[nid] = (
            NodeRecord(label_sets[k], props) if seg is None else PendingNode(label_sets[k], props, seg, nid)
        )
        for i in set_labels[k]:
            per_label[i].append(nid)
    graph._by_label = {labels[i]: dict.fromkeys(ids) for i, ids in enumerate(per_label) if ids}
    if seg is not None:  # its CSRs serve traversals as they are (csr.build)
        graph._rels.add_segment(seg)
    graph._next_node, graph._next_rel = next_node, next_rel
    for label, key in doc["indexes"]:
        graph.create_index(label, key)


def _segment(doc, columns, types, next_node, next_rel, node_ids) -> Segment | None:
    """The relationships as one segment, rows in ascending id order (None: there are none)."""
    rids, codes = columns["rel_ids"], columns["rel_types"]
    start, end = columns["rel_start"], columns["rel_end"]
    count = rids.size
    if not count:
        return None
    order = None
    if count > 1 and not bool((rids[1:] > rids[:-1]).all()):  # written before ids were sorted
        order = np.argsort(rids, kind="stable")
        rids, codes, start, end = rids[order], codes[order], start[order], end[order]
        if bool((rids[1:] == rids[:-1]).any()):
            raise ValueError("a relationship id twice")
    if rids[0] < 0 or rids[-1] >= next_rel:
        raise ValueError("a relationship id outside 0..next")
    if codes.min() < 0 or codes.max() >= len(types):
        raise ValueError("a relationship type number out of range")
    is_node = np.zeros(next_node, dtype=bool)
    is_node[node_ids] = True
    for ends in (start, end):
        if ends.min() < 0 or ends.max() >= next_node or not is_node[ends].all():
            raise ValueError("a relationship whose endpoint is not a node")
    rows = {}
    for position, props in doc["rel_props"]:
        if type(position) is not int or not 0 <= position < count or not isinstance(props, dict):
            raise ValueError(f"bad relationship properties entry at {position!r}")
        rows[position] = props
    if order is not None and rows:
        row_of = np.empty(count, dtype=np.intp)
        row_of[order] = np.arange(count)
        rows = {int(row_of[p]): props for p, props in rows.items()}
    return Segment(rids, start, end, types, codes, next_node, prop_rows=rows)

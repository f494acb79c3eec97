"""Bulk loading: a whole graph (or a batch of it) from columns in one logical change.

Three steps, each a function of its inputs only, so that a journal can store the validated
columns once and replay exactly the same change:

1. `validate(nodes, relationships)` -> `Columns`: checks shapes and value types and normalizes
   (numpy arrays become lists, one-value columns stay one value). Every error names the
   column and the row (`ColumnError.column`, `.row`).
2. `build_batch(columns, first_node, first_rel, known_nodes)` -> `Batch`: resolves endpoints and
   makes the new node records and a columnar segment of the relationships, touching no graph. Node
   ids are `first_node ..`, relationship ids `first_rel ..`, in row order, as if each row had
   been added with `add_node` / `add_relationship` in turn.
3. `Graph.install_batch(batch)` puts them in place: all of it or (if anything fails, or the
   transaction it ran in is rolled back) none of it.

Column shapes (a column is a list, a tuple or a 1-D numpy array; "one value" fills every row):

    nodes = {"id": column of int or str (optional; what relationships' endpoints name),
             "labels": one str, or a column of str / list of str / None,
             "properties": {key: column of bool, int, float, str, list of those, or None}}
    relationships = {"start": column, "end": column, "type": one str or a column of str,
                     "properties": {key: column ...}}

Endpoints name the `id` column of the nodes loaded with them; without node ids they are node
ids of the graph itself. A None property value means "no such property" for that row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from .records import GraphStoreError, NodeRecord, PendingNode
from .segment import Segment

_SCALARS = (bool, int, float, str)
_PROPERTY_KINDS = frozenset((type(None), bool, int, float, str, list))
_NODE_KEYS = ("id", "labels", "properties")
_REL_KEYS = ("start", "end", "type", "properties")


class ColumnError(GraphStoreError):
    """A bulk load was refused; `column` and `row` (None for a whole column) say where."""

    fields = ("column", "row")

    def __init__(self, message: str, column: str, row: int | None = None):
        super().__init__(message)
        self.column = column
        self.row = row


@dataclass(frozen=True)
class NodeColumns:
    count: int
    ids: np.ndarray | list | None  # int64 array or list of str; None: no ids
    labels: tuple | list  # tuple: the labels of every row; list: a tuple per row
    properties: dict = field(default_factory=dict)  # key -> list (None = absent)


@dataclass(frozen=True)
class RelColumns:
    count: int
    start: np.ndarray | list  # int64 array or list of str
    end: np.ndarray | list
    type: str | list  # str: the type of every row
    properties: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Columns:
    nodes: NodeColumns | None
    relationships: RelColumns | None


@dataclass
class Batch:
    """New records for one bulk load, built for a graph whose next ids are `first_node`,
    `first_rel`: the node records and the relationships as one segment (None: no rows).
    `columns` are the validated columns it was built from (the redo log records them)."""

    first_node: int
    first_rel: int
    nodes: dict[int, NodeRecord]
    by_label: dict[str, list[int]]  # label -> node ids
    segment: Segment | None
    columns: Columns

    @property
    def next_node(self) -> int:
        return self.first_node + len(self.nodes)

    @property
    def next_rel(self) -> int:
        return self.first_rel + (self.segment.count if self.segment is not None else 0)


def as_json(columns: Columns) -> dict:
    """`columns` in the shape `validate` reads, as JSON values: validating them again gives
    the same columns (the redo op of a load carries this)."""
    out: dict = {"nodes": None, "relationships": None}
    nc, rc = columns.nodes, columns.relationships
    if nc is not None:
        labels = nc.labels
        out["nodes"] = {
            "id": _plain(nc.ids),
            "labels": (labels[0] if labels else None)
            if isinstance(labels, tuple)
            else [list(v) for v in labels],
            "properties": dict(nc.properties),
        }
    if rc is not None:
        out["relationships"] = {
            "start": _plain(rc.start),
            "end": _plain(rc.end),
            "type": rc.type,
            "properties": dict(rc.properties),
        }
    return out


def _plain(column):
    return column.tolist() if isinstance(column, np.ndarray) else column


# ---------------------------------------------------------------- 1. validate


def validate(nodes=None, relationships=None) -> Columns:
    """Checks and normalizes the columns of one bulk load; raises ColumnError naming column and row."""
    node_cols = _node_columns(nodes) if nodes is not None else None
    rel_cols = _rel_columns(relationships) if relationships is not None else None
    return Columns(node_cols, rel_cols)


def _mapping(value, where, allowed):
    if not isinstance(value, dict):
        raise ColumnError(f"{where} must be a mapping of columns, got {type(value).__name__}", where)
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ColumnError(
            f"{where}: unknown column group {unknown[0]!r} (expected {', '.join(allowed)})",
            f"{where}.{unknown[0]}",
        )
    return value


def _raw_column(value, where):
    """A list (or int64 array, for integer arrays) from a list, tuple or 1-D numpy array."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ColumnError(f"{where} must be one-dimensional, got shape {value.shape}", where)
        if value.dtype.kind in "iu":
            return value.astype(np.int64, copy=False)
        if value.dtype.kind in "bfUSO":
            return value.tolist()
        raise ColumnError(f"{where}: numpy dtype {value.dtype} is not a column type", where)
    if isinstance(value, (list, tuple)):
        return value if isinstance(value, list) else list(value)
    raise ColumnError(f"{where} must be a list, tuple or numpy array, got {type(value).__name__}", where)


def _rows(columns: dict) -> int:
    """The common length of `columns` (name -> column, at least one); ColumnError naming the
    ragged one."""
    items = iter(columns.items())
    first, column = next(items)
    count = len(column)
    for name, column in items:
        if len(column) != count:
            row = min(len(column), count)
            raise ColumnError(
                f"ragged columns: {name} has {len(column)} rows, {first} has {count} "
                f"(row {row} is missing from the shorter)",
                name,
                row,
            )
    return count


def _first_row(column, bad) -> int:
    return next(i for i, v in enumerate(column) if bad(v))


def _id_column(column, where):
    """Node ids or endpoints: an int64 array (all ints) or a list of str."""
    if isinstance(column, np.ndarray):
        return column
    kinds = set(map(type, column))
    if kinds <= {int}:
        try:
            return np.array(column, dtype=np.int64)
        except OverflowError:
            row = _first_row(column, lambda v: not -(2**63) <= v < 2**63)
            raise ColumnError(
                f"{where} row {row}: {column[row]} does not fit in 64 bits", where, row
            ) from None
    if kinds <= {str}:
        return column
    if int in kinds and str in kinds:
        row = _first_row(column, lambda v: type(v) is not type(column[0]))
        raise ColumnError(
            f"{where} row {row}: ids must be all integers or all strings, "
            f"got {column[row]!r} after {type(column[0]).__name__}s",
            where,
            row,
        )
    row = _first_row(column, lambda v: type(v) not in (int, str))
    raise ColumnError(
        f"{where} row {row}: an id must be an integer or a string, got {column[row]!r}", where, row
    )


def _property_column(column, where):
    if isinstance(column, np.ndarray):
        column = column.tolist()
    kinds = set(map(type, column))
    if not kinds <= _PROPERTY_KINDS:
        row = _first_row(column, lambda v: type(v) not in _PROPERTY_KINDS)
        raise ColumnError(
            f"{where} row {row}: a {type(column[row]).__name__} is not a property value "
            f"(bool, int, float, str, a list of those, or None)",
            where,
            row,
        )
    if list in kinds:
        for row, v in enumerate(column):
            if type(v) is list and not all(type(x) in _SCALARS for x in v):
                bad = next(x for x in v if type(x) not in _SCALARS)
                raise ColumnError(
                    f"{where} row {row}: a list property may hold only bool, int, float and str, got {bad!r}",
                    where,
                    row,
                )
    return column


def _properties(value, where) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ColumnError(f"{where} must be a mapping key -> column, got {type(value).__name__}", where)
    out = {}
    for key, column in value.items():
        if not isinstance(key, str) or not key:
            raise ColumnError(f"{where}: property keys must be non-empty strings, got {key!r}", where)
        out[key] = _raw_column(column, f"{where}[{key!r}]")
    return out


def _name_column(value, where, what):
    """A label or type column: one str for every row, or a column (checked by _check_names)."""
    if isinstance(value, str):
        if not value:
            raise ColumnError(f"{where}: a {what} must be a non-empty string", where)
        return value
    column = _raw_column(value, where)
    if isinstance(column, np.ndarray):
        raise (
            ColumnError(f"{where} row 0: a {what} must be a non-empty string, got {column[0]!r}", where, 0)
            if len(column)
            else ColumnError(f"{where}: an empty integer array is not a {what} column", where)
        )
    return column


def _check_names(column, where, what, allow_list):
    """Every row a non-empty str; with allow_list also None (no name) or a list/tuple of them."""

    def bad(v):
        if type(v) is str:
            return not v
        if allow_list and v is None:
            return False
        if allow_list and type(v) in (list, tuple):
            return not all(type(x) is str and x for x in v)
        return True

    if set(map(type, column)) == {str} and "" not in column:
        return
    if any(map(bad, column)):
        row = _first_row(column, bad)
        raise ColumnError(
            f"{where} row {row}: a {what} must be a non-empty string, got {column[row]!r}", where, row
        )


def _node_columns(nodes) -> NodeColumns:
    nodes = _mapping(nodes, "nodes", _NODE_KEYS)
    sized = {}
    ids = nodes.get("id")
    if ids is not None:
        sized["nodes.id"] = ids = _raw_column(ids, "nodes.id")
    labels = _name_column(nodes["labels"], "nodes.labels", "label") if nodes.get("labels") is not None else ()
    if isinstance(labels, list):
        sized["nodes.labels"] = labels
    props = _properties(nodes.get("properties"), "nodes.properties")
    sized.update((f"nodes.properties[{k!r}]", c) for k, c in props.items())
    if not sized:
        raise ColumnError(
            "nodes: give at least one column (id, labels or a property) so the rows can be counted", "nodes"
        )
    count = _rows(sized)
    if ids is not None:
        ids = _id_column(ids, "nodes.id")
        _check_unique(ids, "nodes.id")
    if isinstance(labels, list):
        _check_names(labels, "nodes.labels", "label", True)
        labels = [() if v is None else (v,) if type(v) is str else tuple(v) for v in labels]
    elif isinstance(labels, str):
        labels = (labels,)
    props = {k: _property_column(c, f"nodes.properties[{k!r}]") for k, c in props.items()}
    return NodeColumns(count, ids, labels, props)


def _check_unique(ids, where):
    if isinstance(ids, np.ndarray):
        if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()):  # ascending ids are unique: no sort
            return
        order = np.argsort(ids, kind="stable")
        dup = np.flatnonzero(ids[order[1:]] == ids[order[:-1]])
        if dup.size:
            rows = sorted((int(order[dup[0]]), int(order[dup[0] + 1])))
            raise ColumnError(
                f"{where} row {rows[1]}: duplicate id {int(ids[rows[1]])} (first at row {rows[0]})",
                where,
                rows[1],
            )
    elif len(set(ids)) != len(ids):
        first: dict[str, int] = {}  # id -> its first row
        for row, v in enumerate(ids):
            if v in first:
                raise ColumnError(
                    f"{where} row {row}: duplicate id {v!r} (first at row {first[v]})", where, row
                )
            first[v] = row


def _rel_columns(rels) -> RelColumns:
    rels = _mapping(rels, "relationships", _REL_KEYS)
    for key in ("start", "end", "type"):
        if rels.get(key) is None:
            raise ColumnError(f"relationships: the {key!r} column is required", f"relationships.{key}")
    sized = {
        "relationships.start": _raw_column(rels["start"], "relationships.start"),
        "relationships.end": _raw_column(rels["end"], "relationships.end"),
    }
    rtype = _name_column(rels["type"], "relationships.type", "relationship type")
    if isinstance(rtype, list):
        sized["relationships.type"] = rtype
    props = _properties(rels.get("properties"), "relationships.properties")
    sized.update((f"relationships.properties[{k!r}]", c) for k, c in props.items())
    count = _rows(sized)
    start = _id_column(sized["relationships.start"], "relationships.start")
    end = _id_column(sized["relationships.end"], "relationships.end")
    if isinstance(rtype, list):
        _check_names(rtype, "relationships.type", "relationship type", False)
    props = {k: _property_column(c, f"relationships.properties[{k!r}]") for k, c in props.items()}
    return RelColumns(count, start, end, rtype, props)


# ---------------------------------------------------------------- 2. build


def build_batch(columns: Columns, first_node: int, first_rel: int, known_nodes) -> Batch:
    """The records one bulk load adds to a graph whose next ids are (first_node, first_rel) and
    whose existing node ids are `known_nodes` (only read, to check endpoints given as graph ids).
    The relationships become one `segment.Segment` (arrays, no record per row); the new nodes
    are PendingNodes of it."""
    nc, rc = columns.nodes, columns.relationships
    next_node = first_node + (nc.count if nc is not None else 0)
    seg = None
    if rc is not None and rc.count:
        start = _resolve(rc.start, nc, first_node, known_nodes, "relationships.start")
        end = _resolve(rc.end, nc, first_node, known_nodes, "relationships.end")
        if isinstance(rc.type, str):
            types, codes = [rc.type], None
        else:
            types = list(dict.fromkeys(rc.type))
            code = dict(zip(types, range(len(types))))
            codes = np.fromiter(map(code.__getitem__, rc.type), dtype=np.intp, count=rc.count)
        rids = np.arange(first_rel, first_rel + rc.count, dtype=np.int64)
        seg = Segment(rids, start, end, types, codes, next_node, prop_columns=rc.properties)
    if nc is None:
        return Batch(first_node, first_rel, {}, {}, seg, columns)
    ids = np.arange(first_node, next_node).tolist()
    nodes, by_label = _node_records(nc, ids, seg)
    return Batch(first_node, first_rel, nodes, by_label, seg, columns)


def _node_records(nc: NodeColumns, ids: list, seg):
    count = nc.count
    if isinstance(nc.labels, tuple):
        label_sets: Iterable[frozenset] = repeat(
            frozenset(nc.labels), count
        )  # one shared set: labels are never written in place
        by_label = {label: ids for label in nc.labels}
    else:
        shared: dict = {}
        label_sets = [shared.setdefault(labels, frozenset(labels)) for labels in nc.labels]
        by_label = {}
        for nid, labels in zip(ids, nc.labels):
            for label in labels:
                by_label.setdefault(label, []).append(nid)
    props = _property_dicts(nc.properties, count)
    if seg is None:
        records = map(NodeRecord, label_sets, props)
    else:  # adjacency read from the segment when first asked for
        records = map(PendingNode, label_sets, props, repeat(seg), ids)
    return dict(zip(ids, records)), by_label


def _property_dicts(properties: dict, count: int) -> list:
    """One fresh dict per row; a None value leaves its key out of that row."""
    if not properties:
        return [{} for _ in range(count)]
    keys = list(properties)
    columns = list(properties.values())
    if len(keys) == 1:
        key = keys[0]
        dicts = [{key: v} for v in columns[0]]
    else:
        dicts = list(map(dict, map(zip, repeat(keys, count), zip(*columns))))
    for key, column in properties.items():
        if None in column:
            for row in [i for i, v in enumerate(column) if v is None]:
                del dicts[row][key]
    return dicts


def _resolve(refs, nc: NodeColumns | None, first_node: int, known_nodes, where) -> np.ndarray:
    """Graph node ids (int64 array) for the endpoint column `refs`."""
    if nc is None or nc.ids is None:
        if not isinstance(refs, np.ndarray):
            row = _first_row(refs, lambda v: type(v) is not int)
            raise ColumnError(
                f"{where} row {row}: with no node ids in this load, endpoints are graph node ids "
                f"(integers), got {refs[row]!r}",
                where,
                row,
            )
        unique = np.unique(refs).tolist()
        missing = [v for v in unique if v not in known_nodes]
        if missing:
            row = int(np.flatnonzero(refs == missing[0])[0])
            raise ColumnError(f"{where} row {row}: no node with id {missing[0]}", where, row)
        return refs
    ids = nc.ids
    if isinstance(ids, np.ndarray) != isinstance(refs, np.ndarray):
        row = 0  # the first endpoint shows the mismatch (build_batch resolves only non-empty loads)
        kind = "integers" if isinstance(ids, np.ndarray) else "strings"
        raise ColumnError(f"{where} row {row}: node ids are {kind}, got {refs[row]!r}", where, row)
    if isinstance(ids, np.ndarray):
        count = len(ids)
        if count and ids[0] == 0 and ids[-1] == count - 1 and np.array_equal(ids, np.arange(count)):
            found = (refs >= 0) & (refs < count)
            position = refs
        else:
            order = np.argsort(ids, kind="stable")
            sorted_ids = ids[order]
            at = np.minimum(np.searchsorted(sorted_ids, refs), max(count - 1, 0))
            found = sorted_ids[at] == refs if count else np.zeros(len(refs), dtype=bool)
            position = order[at] if count else refs
        if not found.all():
            row = int(np.flatnonzero(~found)[0])
            raise ColumnError(f"{where} row {row}: no node with id {int(refs[row])} in this load", where, row)
        return position + first_node
    row_of = dict(zip(ids, range(first_node, first_node + len(ids))))
    resolved = list(map(row_of.get, refs))
    if None in resolved:
        row = resolved.index(None)
        raise ColumnError(f"{where} row {row}: no node with id {refs[row]!r} in this load", where, row)
    return np.array(resolved, dtype=np.int64)

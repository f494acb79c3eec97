"""The records the store keeps per node and relationship (store.py), also built in bulk by
columns.py; slotted, as a graph holds one per node and per relationship."""

from __future__ import annotations

from typing import cast

from ..errors import ValidationError


class GraphStoreError(ValidationError):
    """A store call named something that does not exist or broke a store rule."""


class NodeRecord:
    """A node: its labels (a frozenset, replaced on change, so nodes may share one), properties,
    and adjacency by relationship type in both directions. (`seg`, `nid`: set only while it is
    a PendingNode.)"""

    __slots__ = ("labels", "props", "out", "inc", "seg", "nid")

    def __init__(self, labels, props):
        self.labels = labels
        self.props = props
        self.out = {}  # type -> {rel id: end node id}
        self.inc = {}  # type -> {rel id: start node id}


class PendingNode(NodeRecord):
    """A node whose relationships all sit in one bulk-loaded segment (segment.py) and whose
    adjacency dicts are not built yet: the first read of `out` or `inc` builds both from the
    segment and turns the record into a plain NodeRecord, so readers never see the difference
    and a million-edge load makes no per-edge objects until they are asked for."""

    __slots__ = ()

    def __init__(self, labels, props, seg, nid):
        self.labels = labels
        self.props = props
        self.seg = seg
        self.nid = nid

    def __getattr__(self, name):  # only called for unset slots: out / inc of a pending node
        if name != "out" and name != "inc":
            raise AttributeError(name)
        self.out, self.inc = self.seg.adjacency(self.nid)
        object.__setattr__(self, "__class__", NodeRecord)
        del self.seg, self.nid
        return getattr(self, name)


def make_pending(rec: NodeRecord, seg, nid: int) -> None:
    """Turns `rec`, a node with no relationship, into a PendingNode of `seg`."""
    object.__setattr__(rec, "__class__", PendingNode)
    del rec.out, rec.inc
    pending = cast(PendingNode, rec)
    pending.seg, pending.nid = seg, nid


def make_plain(rec: PendingNode) -> None:
    """Undoes `make_pending`: a plain node with no relationship."""
    object.__setattr__(rec, "__class__", NodeRecord)
    del rec.seg, rec.nid
    rec.out, rec.inc = {}, {}


class RelRecord:
    """A relationship: its type, endpoints and properties."""

    __slots__ = ("type", "start", "end", "props")

    def __init__(self, type, start, end, props):
        self.type = type
        self.start = start
        self.end = end
        self.props = props

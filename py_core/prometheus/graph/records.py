"""The records the store keeps per node and relationship (store.py), also built in bulk by
columns.py; slotted, as a graph holds one per node and per relationship."""

from __future__ import annotations

from ..errors import ValidationError


class GraphStoreError(ValidationError):
    """A store call named something that does not exist or broke a store rule."""


class NodeRecord:
    """A node: its labels, properties, and adjacency by relationship type in both directions."""

    __slots__ = ("labels", "props", "out", "inc")

    def __init__(self, labels, props):
        self.labels = labels
        self.props = props
        self.out = {}  # type -> {rel id: end node id}
        self.inc = {}  # type -> {rel id: start node id}


class RelRecord:
    """A relationship: its type, endpoints and properties."""

    __slots__ = ("type", "start", "end", "props")

    def __init__(self, type, start, end, props):
        self.type = type
        self.start = start
        self.end = end
        self.props = props

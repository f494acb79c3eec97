"""The graph's records and its store error, below both the store and the bulk loader.

`Graph` (store.py) keeps one record per node and per relationship; `columns.build_batch` makes
the same records for a bulk load without touching a graph. Both import them from here, so
neither has to import the other to build them.
"""

from __future__ import annotations

from ..errors import ValidationError


class GraphStoreError(ValidationError):
    """A store call named something that does not exist or broke a store rule."""


class NodeRecord:
    __slots__ = ("labels", "props", "out", "inc")

    def __init__(self, labels, props):
        self.labels = labels
        self.props = props
        self.out = {}  # type -> {rel id: end node id}
        self.inc = {}  # type -> {rel id: start node id}


class RelRecord:
    __slots__ = ("type", "start", "end", "props")

    def __init__(self, type, start, end, props):
        self.type = type
        self.start = start
        self.end = end
        self.props = props

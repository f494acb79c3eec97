"""The learning collection as a store part (prometheus.store.parts).

The collection already changes only through `apply(op) -> inverse op` with resolved values, so
its redo ops are the ops themselves (JSON), replay is `apply`, and a rollback applies the
inverses in reverse. Its card-concept links live in the graph, which journals itself: every
writing `learn.*` method names both parts, so one record holds both changes.
"""

from __future__ import annotations

import hashlib
import json

from ..graph.session import current_graph
from ..store import parts
from .collection import Collection
from .rpc import current_collection, has_collection, set_collection


class LearnPart:
    name = "learn"

    def __init__(self):
        self._undo_stack = None
        self._empty = None

    def to_bytes(self):
        if not has_collection():
            return None
        data = current_collection().to_bytes()
        if self._empty is None:
            self._empty = Collection(graph_source=None).to_bytes()
        return None if data == self._empty else data

    def load(self, data):
        set_collection(Collection.from_bytes(data, graph_source=current_graph) if data is not None else None)

    def check(self):
        """Notes restored from a checkpoint are checked when first read; an import checks all."""
        if has_collection():
            current_collection().notes.check_all()

    def apply(self, ops):
        collection = current_collection()
        self.begin()
        try:
            for op in json.loads(ops):
                collection.apply(op)
        except BaseException:
            self.rollback()
            raise
        self.end()
        collection.links_changed()

    def digest(self):
        data = self.to_bytes()
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def begin(self):
        collection = current_collection()
        collection.ops_log, collection.inverse_log = [], []
        self._undo_stack = list(collection.undo_stack)

    def collect(self):
        ops = current_collection().ops_log
        return json.dumps(ops, separators=(",", ":")).encode() if ops else None

    def rollback(self):
        collection = current_collection()
        inverses = collection.inverse_log
        collection.ops_log, collection.inverse_log = None, []
        for inverse in reversed(inverses):
            collection.apply(inverse)
        if self._undo_stack is not None:
            collection.undo_stack[:] = self._undo_stack
        collection.links_changed()  # the graph part rolls the links back

    def end(self):
        collection = current_collection()
        collection.ops_log, collection.inverse_log = None, []


LEARN = parts.register(LearnPart())

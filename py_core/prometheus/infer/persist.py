"""The session's semantic index as a store part: ids, texts and unit vectors.

Vectors are stored (raw float32), not recomputed: a restored index answers searches before
the model is loaded, and the same bytes come back on every device and backend.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from ..store import codec, parts
from .rpc import session_index, set_session_index
from .search import SemanticIndex

SNAPSHOT = b"PINDEX1\n"
OPS = b"PIDXOP1\n"


class IndexPart:
    name = "index"

    def __init__(self):
        self._ops: list | None = None
        self._before = None

    def to_bytes(self):
        index = session_index()
        if not len(index):
            return None
        ids = index.ids
        return codec.pack(
            SNAPSHOT,
            {
                "dim": index.dim,
                "ids": ids,
                "texts": [index.text(i) for i in ids],
                "vectors": np.stack([index.vector(i) for i in ids]) if ids else None,
            },
        )

    def load(self, data):
        if data is None:
            set_session_index(SemanticIndex(session_index().embedder, dim=session_index().dim))
            return
        # the checkpoint or record holding these bytes was verified a moment ago
        doc = codec.unpack(SNAPSHOT, data, "index snapshot", sealed=False)
        index = SemanticIndex(session_index().embedder, dim=doc["dim"])
        index.apply_ops(
            [("add", doc["ids"], doc["texts"], doc["vectors"])]
        )  # stored unit vectors, as they are
        set_session_index(index)

    def apply(self, ops):
        index = session_index()
        self.begin()
        try:
            index.apply_ops(codec.unpack(OPS, ops, "index ops", sealed=False))  # its record was verified
        except BaseException:
            self.rollback()
            raise
        self.end()

    def digest(self):
        index = session_index()
        if not len(index):
            return None
        h = hashlib.sha256()
        for item_id in sorted(index.ids, key=lambda i: (type(i).__name__, i)):
            h.update(json.dumps([item_id, index.text(item_id)]).encode())
            h.update(np.ascontiguousarray(index.vector(item_id), dtype="<f4").tobytes())
        return h.hexdigest()

    def begin(self):
        index = session_index()
        self._ops = []
        self._before = (index._vectors, list(index._ids), dict(index._rows), dict(index._texts))
        index.recording(self._ops)

    def collect(self):
        if not self._ops:
            return None
        return codec.pack(OPS, [[op[0], *op[1:]] for op in self._ops])

    def rollback(self):
        index = session_index()
        index.recording(None)
        if self._before is not None:
            index._vectors, index._ids, index._rows, index._texts = self._before
        self._ops = self._before = None

    def end(self):
        session_index().recording(None)
        self._ops = self._before = None


INDEX = parts.register(IndexPart())

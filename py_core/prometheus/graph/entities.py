"""Node, Relationship and Path: the small value objects queries hand back.

Inside a running query a Node/Relationship is a live view (id + store); results detach
them into snapshots so a caller keeps what the query saw even after later writes.
Equality and hashing go by id, like Neo4j driver entities. `to_dict()` is the tagged shape
the page sees ({"kind": "node", ...}); property values stay as they are, for the one JSON
encoder (rpc/encoding.py) to render.
"""

from __future__ import annotations


class Node:
    """A graph node: `.id`, `.labels` (frozenset), `.properties` (dict)."""

    __slots__ = ("id", "_store", "_labels", "_properties")

    def __init__(self, id: int, store=None, labels=frozenset(), properties=None):
        self.id = id
        self._store = store
        self._labels = labels
        self._properties = properties

    @property
    def labels(self) -> frozenset:
        if self._store is not None:
            return frozenset(self._store.node_labels(self.id))
        return frozenset(self._labels)

    @property
    def properties(self) -> dict:
        if self._store is not None:
            return dict(self._store.node_properties(self.id))
        return dict(self._properties or {})

    def get(self, key, default=None):
        return self.properties.get(key, default)

    def detached(self) -> Node:
        if self._store is None:
            return self
        store = self._store
        if not store.has_node(self.id):
            return Node(self.id, None, frozenset(self._labels), dict(self._properties or {}))
        return Node(
            self.id, None, frozenset(store.node_labels(self.id)), dict(store.node_properties(self.id))
        )

    def to_dict(self) -> dict:
        return {"kind": "node", "id": self.id, "labels": sorted(self.labels), "properties": self.properties}

    def __eq__(self, other):
        return isinstance(other, Node) and other.id == self.id

    def __hash__(self):
        return hash(("node", self.id))

    def __repr__(self):
        labels = "".join(":" + label for label in sorted(self.labels))
        return f"Node({self.id}{labels} {self.properties!r})"


class Relationship:
    """A directed typed relationship: `.id`, `.type`, `.start`/`.end` (node ids), `.properties`."""

    __slots__ = ("id", "type", "start", "end", "_store", "_properties")

    def __init__(self, id: int, type: str, start: int, end: int, store=None, properties=None):
        self.id = id
        self.type = type
        self.start = start
        self.end = end
        self._store = store
        self._properties = properties

    @property
    def properties(self) -> dict:
        if self._store is not None:
            return dict(self._store.relationship_properties(self.id))
        return dict(self._properties or {})

    def get(self, key, default=None):
        return self.properties.get(key, default)

    def detached(self) -> Relationship:
        if self._store is None:
            return self
        store = self._store
        props = (
            store.relationship_properties(self.id) if store.has_relationship(self.id) else self._properties
        )
        return Relationship(self.id, self.type, self.start, self.end, None, dict(props or {}))

    def to_dict(self) -> dict:
        return {
            "kind": "relationship",
            "id": self.id,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "properties": self.properties,
        }

    def __eq__(self, other):
        return isinstance(other, Relationship) and other.id == self.id

    def __hash__(self):
        return hash(("rel", self.id))

    def __repr__(self):
        return f"Relationship({self.id} ({self.start})-[:{self.type}]->({self.end}) {self.properties!r})"


class Path:
    """An alternating walk: `.nodes` (n+1 Nodes) and `.relationships` (n Relationships)."""

    __slots__ = ("nodes", "relationships")

    def __init__(self, nodes, relationships):
        self.nodes = tuple(nodes)
        self.relationships = tuple(relationships)

    def __len__(self):
        return len(self.relationships)

    @property
    def start(self) -> Node:
        return self.nodes[0]

    @property
    def end(self) -> Node:
        return self.nodes[-1]

    def detached(self) -> Path:
        return Path([n.detached() for n in self.nodes], [r.detached() for r in self.relationships])

    def to_dict(self) -> dict:
        return {
            "kind": "path",
            "nodes": [n.to_dict() for n in self.nodes],
            "relationships": [r.to_dict() for r in self.relationships],
        }

    def __eq__(self, other):
        return (
            isinstance(other, Path)
            and other.nodes == self.nodes
            and other.relationships == self.relationships
        )

    def __hash__(self):
        return hash(("path", tuple(n.id for n in self.nodes), tuple(r.id for r in self.relationships)))

    def __repr__(self):
        return f"Path({[n.id for n in self.nodes]}, {[r.id for r in self.relationships]})"

"""The session graph: the one graph the page's `graph.*` methods and the store's parts share.

Replaced in place (Graph.replace), never rebound, so every holder sees the same graph. It lives
in the storage layer so that the store can recover it (persist.py) without the query layer.
"""

from __future__ import annotations

from .store import Graph

_GRAPH = Graph()


def current_graph() -> Graph:
    return _GRAPH

"""A property graph with openCypher queries (`Graph.run`) and learning-path procedures.

Two layers and a shared package: storage (store, snapshot, columns, csv_columns, entities,
csr, session, persist), the query layer (cypher/), and temporal/ (values both use). The query
layer imports the storage layer and installs itself behind `Graph.run`; storage imports nothing
of it. `Graph` from this package comes with the query layer installed.
"""

from .entities import Node, Path, Relationship
from .errors import CypherError
from .procedures import register_procedure
from .store import GraphStoreError

__all__ = ["Graph", "CypherError", "GraphStoreError", "Node", "Relationship", "Path", "register_procedure"]


def __getattr__(name):
    # Deferred: `Graph` brings the query layer with it, and every storage module is loaded through
    # this package, so importing it here would make them all import the query layer.
    if name == "Graph":
        from . import cypher  # noqa: F401 - installs the engine behind Graph.run
        from .store import Graph

        globals()["Graph"] = Graph
        return Graph
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

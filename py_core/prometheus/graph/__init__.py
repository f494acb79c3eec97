"""A property graph with openCypher queries (`Graph.run`) and learning-path procedures."""

from .entities import Node, Path, Relationship
from .errors import CypherError
from .procedures import register_procedure
from .store import Graph, GraphStoreError

__all__ = ["Graph", "CypherError", "GraphStoreError", "Node", "Relationship", "Path", "register_procedure"]

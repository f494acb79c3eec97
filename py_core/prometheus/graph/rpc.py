"""The page's door to the knowledge graph: `graph.*` RPC methods over one session graph.

Only JSON <-> engine translation lives here. Nodes, relationships and paths become tagged
dicts ({"kind": "node", ...}, their `to_dict()`) and temporal values their Cypher text, both
through the one JSON encoder (rpc/encoding.py); query errors reach the page as rejected
promises whose type is the CypherError subclass name, whose message carries the position and
a caret line, and whose fields (tckType, phase, line, column ...) are the error's details.
"""

from __future__ import annotations

import time

from prometheus.rpc import method
from prometheus.rpc.encoding import register

from ..errors import ValidationError
from .cypher.temporal import Temporal
from .store import Graph

register(Temporal, str)  # temporal values travel as their Cypher text

_GRAPH = Graph()  # the session graph; replaced in place (Graph.replace), never rebound


def current_graph() -> Graph:
    return _GRAPH


@method("graph.run", packages=("tzdata",), writes=("graph",))
def run(query: str, parameters: dict | None = None) -> dict:
    """Run one openCypher query; rows come back as lists in `keys` order."""
    if not isinstance(query, str):
        raise ValidationError(f"query must be a string, got {type(query).__name__}")
    if parameters is not None and not isinstance(parameters, dict):
        raise ValidationError(f"parameters must be an object, got {type(parameters).__name__}")
    result = current_graph().run(query, parameters)
    return {
        "keys": result.keys,
        "rows": [list(row) for row in result],
        "counters": result.summary.counters.to_dict(),
    }


@method("graph.save")
def save() -> dict:
    """Snapshot of the session graph (`snapshot`: bytes, a Uint8Array in the page)."""
    graph = current_graph()
    start = time.perf_counter()
    data = graph.to_bytes()
    elapsed = time.perf_counter() - start
    return {
        "snapshot": data,
        "bytes": len(data),
        "nodes": graph.node_count(),
        "relationships": graph.relationship_count(),
        "engine_ms": elapsed * 1e3,
    }


@method("graph.load", packages=("tzdata",), writes=("graph",))
def load(snapshot: bytes) -> dict:
    """Replace the session graph with a snapshot made by `graph.save` (a Uint8Array or ArrayBuffer)."""
    if not isinstance(snapshot, bytes):
        raise ValidationError(
            f"snapshot must be the bytes from graph.save (a Uint8Array or ArrayBuffer), got {type(snapshot).__name__}"
        )
    data = snapshot
    start = time.perf_counter()
    current_graph().replace(data)
    elapsed = time.perf_counter() - start
    return {**stats(), "engine_ms": elapsed * 1e3}


@method("graph.clear", writes=("graph",))
def clear() -> dict:
    current_graph().replace(None)
    return stats()


@method("graph.stats")
def stats() -> dict:
    graph = current_graph()
    return {
        "nodes": graph.node_count(),
        "relationships": graph.relationship_count(),
        "indexes": [list(k) for k in graph.indexes()],
    }


@method("graph.import", writes=("graph",))
def import_columns(
    nodes: dict | None = None,
    relationships: dict | None = None,
    nodes_csv: str | None = None,
    relationships_csv: str | None = None,
    id_type: str = "string",
) -> dict:
    """Adds nodes and relationships to the session graph in one change, all or nothing.

    Either columns (`nodes` / `relationships`, shaped as in graph/columns.py) or CSV text with
    a neo4j-admin header (`nodes_csv` / `relationships_csv`, see graph/csv_columns.py; ids read
    as `id_type`). A refusal names the column and row and leaves the graph unchanged.
    Returns `added` (counts and first new ids, see Graph.load_columns) and the graph's totals.
    """
    from .csv_columns import nodes_from_csv, relationships_from_csv

    if nodes is not None and nodes_csv is not None:
        raise ValidationError("give nodes as columns or as nodes_csv, not both")
    if relationships is not None and relationships_csv is not None:
        raise ValidationError("give relationships as columns or as relationships_csv, not both")
    start = time.perf_counter()
    if nodes_csv is not None:
        nodes = nodes_from_csv(nodes_csv, id_type)
    if relationships_csv is not None:
        relationships = relationships_from_csv(relationships_csv, id_type)
    added = current_graph().load_columns(nodes, relationships)
    return {"added": added, **stats(), "engine_ms": (time.perf_counter() - start) * 1e3}

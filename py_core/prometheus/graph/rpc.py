"""The page's door to the knowledge graph: `graph.*` RPC methods over one session graph.

Only JSON <-> engine translation lives here. Nodes, relationships and paths become tagged
dicts ({"kind": "node", ...}, their `to_dict()`) and temporal values their Cypher text, both
through the one JSON encoder (rpc/encoding.py); query errors reach the page as rejected
promises whose type is the CypherError subclass name, whose message carries the position and
a caret line, and whose fields (tckType, phase, line, column ...) are the error's details.
"""

from __future__ import annotations

import time
from typing import Literal, TypedDict

from prometheus.rpc import method
from prometheus.rpc.encoding import register

from ..errors import ValidationError
from ..rpc.types import Json, JsonObject
from . import cypher  # noqa: F401 - installs the engine behind Graph.run
from .session import current_graph
from .temporal import Temporal

register(Temporal, str)  # temporal values travel as their Cypher text


class QueryResult(TypedDict):
    """Rows of one query: each row a list in `keys` order; nodes, relationships and paths are
    objects tagged with `kind`; temporal values travel as their Cypher text."""

    keys: list[str]
    rows: list[list[Json]]
    counters: dict[str, int]  # nodes_created, properties_set, ... (the writes the query made)


class GraphStats(TypedDict):
    nodes: int
    relationships: int
    indexes: list[list[str]]  # [label, property] pairs


class GraphTimed(GraphStats):
    engine_ms: float  # time spent in the engine, without the message passing


class GraphImported(GraphTimed):
    added: JsonObject  # counts and first new ids, see Graph.load_columns


class GraphSnapshot(TypedDict):
    snapshot: bytes  # a Uint8Array in the page
    bytes: int
    nodes: int
    relationships: int
    engine_ms: float


@method("graph.run", packages=("tzdata",), writes=("graph",))
def run(query: str, parameters: dict[str, Json] | None = None) -> QueryResult:
    """Run one openCypher query (with `$name` parameters) on the session graph; a query that
    writes is one store change. A bad query rejects with the CypherError subclass that says why
    (SyntaxError, SemanticError, ...: `tckType`, `phase`, `line`, `column`), changing nothing.

    Example: {"query": "MATCH (c:Concept {name: $name})-[:REQUIRES]->(p) RETURN p.name",
              "parameters": {"name": "qubit"}}
    """
    result = current_graph().run(query, parameters)
    return {
        "keys": result.keys,
        "rows": [list(row) for row in result],
        "counters": result.summary.counters.to_dict(),
    }


@method("graph.save")
def save() -> GraphSnapshot:
    """A snapshot of the whole session graph (`snapshot`: bytes, a Uint8Array in the page) that
    `graph.load` restores."""
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
def load(snapshot: bytes) -> GraphTimed:
    """Replace the session graph with a snapshot made by `graph.save` (a Uint8Array or ArrayBuffer;
    checked before it replaces)."""
    data = snapshot
    start = time.perf_counter()
    current_graph().replace(data)
    elapsed = time.perf_counter() - start
    return {**stats(), "engine_ms": elapsed * 1e3}


@method("graph.clear", writes=("graph",))
def clear() -> GraphStats:
    """Empty the session graph (nodes, relationships and indexes)."""
    current_graph().replace(None)
    return stats()


@method("graph.stats")
def stats() -> GraphStats:
    """How many nodes and relationships the session graph holds, and its indexes."""
    graph = current_graph()
    return {
        "nodes": graph.node_count(),
        "relationships": graph.relationship_count(),
        "indexes": [list(k) for k in graph.indexes()],
    }


@method("graph.import", writes=("graph",))
def import_columns(
    nodes: dict[str, Json] | None = None,
    relationships: dict[str, Json] | None = None,
    nodes_csv: str | None = None,
    relationships_csv: str | None = None,
    id_type: Literal["string", "integer"] = "string",
) -> GraphImported:
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

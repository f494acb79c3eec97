"""The page's door to the knowledge graph: `graph.*` RPC methods over one session graph.

Only JSON <-> engine translation lives here. Nodes, relationships and paths become tagged
dicts ({"kind": "node", ...}); query errors reach the page as rejected promises whose type is
the CypherError subclass name and whose message carries the position and a caret line.
"""

from __future__ import annotations

import base64
import time
from typing import Literal, TypedDict

from prometheus.rpc import method

from ..errors import ValidationError
from ..rpc.types import Json, JsonObject
from . import cypher  # noqa: F401 - installs the engine behind Graph.run
from .entities import Node, Path, Relationship
from .session import current_graph


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
    snapshot: str  # base64 of the snapshot bytes
    bytes: int
    nodes: int
    relationships: int
    engine_ms: float


def json_value(v):
    """A JSON-safe rendering of one Cypher value."""
    if isinstance(v, Node):
        return {
            "kind": "node",
            "id": v.id,
            "labels": sorted(v.labels),
            "properties": {k: json_value(x) for k, x in v.properties.items()},
        }
    if isinstance(v, Relationship):
        return {
            "kind": "relationship",
            "id": v.id,
            "type": v.type,
            "start": v.start,
            "end": v.end,
            "properties": {k: json_value(x) for k, x in v.properties.items()},
        }
    if isinstance(v, Path):
        return {
            "kind": "path",
            "nodes": [json_value(n) for n in v.nodes],
            "relationships": [json_value(r) for r in v.relationships],
        }
    if isinstance(v, list):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)  # temporal values and other scalars travel as their Cypher text


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
        "rows": [[json_value(v) for v in row] for row in result],
        "counters": result.summary.counters.to_dict(),
    }


@method("graph.save")
def save() -> GraphSnapshot:
    """A snapshot of the whole session graph (base64 text) that `graph.load` restores."""
    graph = current_graph()
    start = time.perf_counter()
    data = graph.to_bytes()
    elapsed = time.perf_counter() - start
    return {
        "snapshot": base64.b64encode(data).decode("ascii"),
        "bytes": len(data),
        "nodes": graph.node_count(),
        "relationships": graph.relationship_count(),
        "engine_ms": elapsed * 1e3,
    }


@method("graph.load", packages=("tzdata",), writes=("graph",))
def load(snapshot: str) -> GraphTimed:
    """Replace the session graph with a snapshot made by `graph.save` (checked before it replaces)."""
    try:
        data = base64.b64decode(snapshot.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValidationError(f"snapshot is not valid base64: {exc}") from None
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

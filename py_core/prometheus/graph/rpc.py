"""The page's door to the knowledge graph: `graph.*` RPC methods over one session graph.

Only JSON <-> engine translation lives here. Nodes, relationships and paths become tagged
dicts ({"kind": "node", ...}); query errors reach the page as rejected promises whose type is
the CypherError subclass name and whose message carries the position and a caret line.
"""

from __future__ import annotations

import base64
import time

from prometheus.rpc import method

from ..errors import ValidationError
from .entities import Node, Path, Relationship
from .store import Graph

_session = {"graph": Graph()}


def current_graph() -> Graph:
    return _session["graph"]


def json_value(v):
    """A JSON-safe rendering of one Cypher value."""
    if isinstance(v, Node):
        return {"kind": "node", "id": v.id, "labels": sorted(v.labels),
                "properties": {k: json_value(x) for k, x in v.properties.items()}}
    if isinstance(v, Relationship):
        return {"kind": "relationship", "id": v.id, "type": v.type, "start": v.start, "end": v.end,
                "properties": {k: json_value(x) for k, x in v.properties.items()}}
    if isinstance(v, Path):
        return {"kind": "path", "nodes": [json_value(n) for n in v.nodes],
                "relationships": [json_value(r) for r in v.relationships]}
    if isinstance(v, list):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)  # temporal values and other scalars travel as their Cypher text


@method("graph.run", packages=("tzdata",))
def run(query: str, parameters: dict | None = None) -> dict:
    """Run one openCypher query; rows come back as lists in `keys` order."""
    if not isinstance(query, str):
        raise ValidationError(f"query must be a string, got {type(query).__name__}")
    if parameters is not None and not isinstance(parameters, dict):
        raise ValidationError(f"parameters must be an object, got {type(parameters).__name__}")
    result = current_graph().run(query, parameters)
    return {
        "keys": result.keys,
        "rows": [[json_value(v) for v in row] for row in result],
        "counters": result.summary.counters.to_dict(),
    }


@method("graph.save")
def save() -> dict:
    """Snapshot of the session graph as base64 text."""
    graph = current_graph()
    start = time.perf_counter()
    data = graph.to_bytes()
    elapsed = time.perf_counter() - start
    return {"snapshot": base64.b64encode(data).decode("ascii"), "bytes": len(data),
            "nodes": graph.node_count(), "relationships": graph.relationship_count(),
            "engine_ms": elapsed * 1e3}


@method("graph.load", packages=("tzdata",))
def load(snapshot: str) -> dict:
    """Replace the session graph with a snapshot made by `graph.save`."""
    if not isinstance(snapshot, str):
        raise ValidationError(f"snapshot must be a base64 string, got {type(snapshot).__name__}")
    try:
        data = base64.b64decode(snapshot.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValidationError(f"snapshot is not valid base64: {exc}") from None
    start = time.perf_counter()
    graph = Graph.from_bytes(data)
    elapsed = time.perf_counter() - start
    _session["graph"] = graph
    return {**stats(), "engine_ms": elapsed * 1e3}


@method("graph.clear")
def clear() -> dict:
    _session["graph"] = Graph()
    return stats()


@method("graph.stats")
def stats() -> dict:
    graph = current_graph()
    return {"nodes": graph.node_count(), "relationships": graph.relationship_count(),
            "indexes": [list(k) for k in graph.indexes()]}

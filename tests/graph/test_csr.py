"""The array (CSR) search against the plain Python search and an independent BFS, on random
graphs, before and after writes (the cached arrays must never go stale)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prometheus.graph import Graph, csr
from prometheus.graph import paths as P

TYPES = ("R", "S")


@st.composite
def graphs(draw, max_nodes=24):
    n = draw(st.integers(1, max_nodes))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(TYPES)), max_size=4 * n
        )
    )
    return n, edges


def make(n, edges):
    g = Graph()
    for i in range(n):
        g.add_node(["Concept"], {"key": i})
    for a, b, t in edges:
        g.add_relationship(a, t, b)
    return g


def oracle_levels(g, sources, direction, types, max_depth, exclude_sources=False):
    """Breadth-first levels over the relationship list itself (no adjacency, no arrays)."""
    step = {}
    for rid in g.relationships():
        t = g.relationship_type(rid)
        if types is not None and t not in types:
            continue
        a, b = g.relationship_endpoints(rid)
        if direction in ("out", "both"):
            step.setdefault(a, set()).add(b)
        if direction in ("in", "both"):
            step.setdefault(b, set()).add(a)
    seen = set(sources) if exclude_sources else set()
    front, out, depth = set(sources), [], 0
    while front and (max_depth is None or depth < max_depth):
        depth += 1
        nxt = {o for u in front for o in step.get(u, ()) if o not in seen}
        seen |= nxt
        if nxt:
            out.append(nxt)
        front = nxt
    return out


def as_sets(levels):
    return [set(level if isinstance(level, list) else level.tolist()) for level in levels]


SWITCHES = (0, 1, 2, 10**9)  # arrays from the start, after one or two Python levels, never


@contextmanager
def switch_at(value):
    old = csr.SWITCH_AT
    csr.SWITCH_AT = value
    try:
        yield
    finally:
        csr.SWITCH_AT = old


@settings(max_examples=60, deadline=None)
@given(graphs(), st.data())
def test_levels_match_an_independent_bfs(graph, data):
    n, edges = graph
    g = make(n, edges)
    sources = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    direction = data.draw(st.sampled_from(["out", "in", "both"]))
    types = data.draw(st.sampled_from([None, ("R",), ("S",), ("R", "S"), ("T",)]))
    max_depth = data.draw(st.sampled_from([None, 0, 1, 2, 3]))
    exclude = data.draw(st.booleans())
    want = oracle_levels(g, sources, direction, types, max_depth, exclude)
    for value in SWITCHES:
        with switch_at(value):
            assert as_sets(g.reach_levels(sources, direction, types, max_depth, exclude)) == want, value


COUNT_QUERIES = [
    "MATCH (a:Concept {key: $s})-[:R*]->(b) RETURN count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})-[:R*1..2]->(b) RETURN count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})-[:R*0..3]->(b) RETURN count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})<-[:R|S*]-(b) RETURN count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})-[*]->(b) RETURN count(DISTINCT b)",
    "MATCH (a:Concept)-[:S*1..3]->(b) WHERE a.key >= $s RETURN count(DISTINCT b)",
    "MATCH (a:Concept)-[:R*0..]->(b) WHERE a.key <= $s RETURN count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})-[:R*]->(b) WHERE b <> a RETURN count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})-[:R*]->(b) RETURN a.key, count(DISTINCT b)",
    "MATCH (a:Concept {key: $s})-[:R*1..3]->(b) RETURN b.key AS k ORDER BY k",
]


def general(query):
    """The same question through the general matcher: a path variable turns the reach-only
    plan off, so every relationship-unique walk is enumerated and the ends deduplicated."""
    return query.replace("MATCH (a", "MATCH p = (a")


@settings(max_examples=40, deadline=None)
@given(graphs(max_nodes=10), st.data())
def test_cypher_reach_paths_match_the_general_matcher(graph, data):
    n, edges = graph
    g = make(n, edges[: n + n // 2])  # the general matcher enumerates walks: keep it small
    s = data.draw(st.integers(0, n - 1))
    for query in COUNT_QUERIES:
        want = sorted(map(tuple, g.run(general(query), {"s": s})))
        for value in SWITCHES:
            with switch_at(value):
                assert sorted(map(tuple, g.run(query, {"s": s}))) == want, (query, value)


WRITES = [
    lambda g, n: g.add_relationship(n - 1, "R", 0),
    lambda g, n: g.add_relationship(0, "R", g.add_node(["Concept"], {"key": n})),
    lambda g, n: [g.delete_relationship(r) for r in list(g.relationships("R"))[:3]],
    lambda g, n: g.delete_node(0, detach=True),
    lambda g, n: g.run("MATCH (a:Concept {key: 1}), (b:Concept {key: 2}) CREATE (a)-[:R]->(b)-[:R]->(a)"),
    lambda g, n: g.load_columns(relationships={"start": [n - 1, 1], "end": [1, n - 1], "type": "R"}),
]


@pytest.mark.parametrize("write", range(len(WRITES)))
@pytest.mark.parametrize("rollback", [False, True])
@settings(max_examples=15, deadline=None)
@given(graph=graphs())
def test_cached_arrays_follow_writes_and_rollbacks(write, rollback, graph):
    n, edges = graph
    n = max(n, 3)
    g = make(n, [(a % n, b % n, t) for a, b, t in edges])
    with switch_at(0):
        g.reach_levels(range(n), "both", None)  # builds and caches the arrays of every type
    try:
        with g.transaction():
            WRITES[write](g, n)
            if rollback:
                raise KeyError("roll back")
    except KeyError:
        pass
    sources = [nid for nid in range(n + 1) if g.has_node(nid)]
    with switch_at(0):
        for direction in ("out", "in", "both"):
            for types in (None, ("R",), ("S",)):
                want = oracle_levels(g, sources, direction, types, None)
                assert as_sets(g.reach_levels(sources, direction, types)) == want


@settings(max_examples=40, deadline=None)
@given(graphs(), st.data())
def test_prerequisites_on_arrays_match_the_python_search(graph, data):
    n, edges = graph
    g = make(n, edges)
    c = data.draw(st.integers(0, n - 1))
    depth = data.draw(st.sampled_from([None, 1, 2]))
    layers = oracle_levels(g, [c], "out", ("R",), depth, exclude_sources=True)
    want = [(nid, d) for d, layer in enumerate(layers, start=1) for nid in sorted(layer)]
    for value in SWITCHES:
        with switch_at(value):
            assert P.prerequisites(g, c, "R", max_depth=depth) == want, value


def test_reach_levels_refuses_unknown_nodes_and_directions():
    g = make(3, [(0, 1, "R")])
    with pytest.raises(ValueError, match="no node with id 7"):
        g.reach_levels([7])
    with pytest.raises(ValueError, match="direction must be one of"):
        g.reach_levels([0], "sideways")

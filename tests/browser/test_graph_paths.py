"""Learning-path procedures through the SDK in Chromium (Pyodide), checked against NetworkX
run in this CPython process on the same course."""

from __future__ import annotations

import networkx as nx
import pytest

from tests.browser.harness import BrowserCallError

pytestmark = pytest.mark.browser

# (concept, [what it REQUIRES])
COURSE = {
    "sets": [],
    "logic": [],
    "functions": ["sets"],
    "proofs": ["logic", "sets"],
    "limits": ["functions"],
    "derivatives": ["limits", "functions"],
    "integrals": ["derivatives"],
    "series": ["limits", "proofs"],
}


def _load(sdk):
    sdk.call("graph.clear")
    sdk.call(
        "graph.run",
        {
            "query": "UNWIND $keys AS k CREATE (:Concept {key: k, name: k})",
            "parameters": {"keys": sorted(COURSE)},
        },
    )
    edges = [[a, b] for a, reqs in COURSE.items() for b in reqs]
    sdk.call(
        "graph.run",
        {
            "query": "UNWIND $edges AS e MATCH (a:Concept {key: e[0]}), (b:Concept {key: e[1]}) "
            "CREATE (a)-[:REQUIRES]->(b)",
            "parameters": {"edges": edges},
        },
    )
    return nx.DiGraph(edges)


def test_prerequisites_and_study_order_in_the_browser(sdk):
    G = _load(sdk)
    out = sdk.call(
        "graph.run",
        {
            "query": "MATCH (c:Concept {key: 'series'}) CALL prometheus.prerequisites(c) "
            "YIELD node, depth RETURN node.key AS k, depth"
        },
    )
    got = {k: d for k, d in out["rows"]}
    assert got == {
        k: d for k, d in nx.single_source_shortest_path_length(G, "series").items() if k != "series"
    }
    out = sdk.call(
        "graph.run",
        {
            "query": "MATCH (c:Concept {key: 'integrals'}) CALL prometheus.studyOrder(c) "
            "YIELD node, step RETURN node.key AS k, step ORDER BY step"
        },
    )
    order = [k for k, _ in out["rows"]]
    assert set(order) == nx.descendants(G, "integrals") | {"integrals"}
    for a, b in G.subgraph(order).edges():
        assert order.index(b) < order.index(a)


def test_frontier_and_pagerank_in_the_browser(sdk):
    G = _load(sdk)
    mastery = {"sets": 0.95, "logic": 0.97, "functions": 0.4}
    out = sdk.call(
        "graph.run",
        {
            "query": "CALL prometheus.frontier($m, 0.9) YIELD node RETURN node.key AS k",
            "parameters": {"m": mastery},
        },
    )
    mastered = {k for k, s in mastery.items() if s >= 0.9}
    want = {n for n in COURSE if n not in mastered and set(G.successors(n)) <= mastered}
    assert {k for (k,) in out["rows"]} == want == {"functions", "proofs"}
    out = sdk.call(
        "graph.run", {"query": "CALL prometheus.pagerank() YIELD node, score RETURN node.key, score"}
    )
    G.add_nodes_from(COURSE)
    ranks = nx.pagerank(G, tol=1e-12)
    assert len(out["rows"]) == len(COURSE)
    for k, score in out["rows"]:
        assert score == pytest.approx(ranks[k], rel=1e-7)


def test_study_order_cycle_rejects_with_its_names(sdk):
    _load(sdk)
    sdk.call(
        "graph.run",
        {
            "query": "MATCH (a:Concept {key: 'sets'}), (b:Concept {key: 'functions'}) "
            "CREATE (a)-[:REQUIRES]->(b)"
        },
    )
    with pytest.raises(BrowserCallError) as info:
        sdk.call(
            "graph.run",
            {
                "query": "MATCH (c:Concept {key: 'limits'}) CALL prometheus.studyOrder(c) "
                "YIELD node RETURN node"
            },
        )
    assert (
        "cycle" in info.value.message
        and "'sets'" in info.value.message
        and "'functions'" in info.value.message
    )

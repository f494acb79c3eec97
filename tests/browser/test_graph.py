"""The graph engine through the SDK in headless Chromium (Pyodide), compared with the same
queries run by this process's CPython engine on an independently built expectation."""

from __future__ import annotations

import pytest

from tests.browser.harness import BrowserCallError

pytestmark = pytest.mark.browser

COURSE = """
CREATE (alg:Concept {name: 'algebra', hours: 10}),
       (fun:Concept {name: 'functions', hours: 4}),
       (lim:Concept {name: 'limits', hours: 6.5}),
       (fun)-[:REQUIRES {strength: 1}]->(alg),
       (lim)-[:REQUIRES {strength: 2}]->(fun)
"""


def test_run_with_parameters_and_entities(sdk):
    sdk.call("graph.clear")
    created = sdk.call("graph.run", {"query": COURSE})
    assert created["counters"]["nodes_created"] == 3
    assert created["counters"]["relationships_created"] == 2
    out = sdk.call(
        "graph.run",
        {
            "query": "MATCH p = (c:Concept {name: $name})-[:REQUIRES*]->(pre) "
            "RETURN pre.name AS name, length(p) AS hops, c.hours AS hours, pre ORDER BY hops",
            "parameters": {"name": "limits"},
        },
    )
    assert out["keys"] == ["name", "hops", "hours", "pre"]
    assert [row[:3] for row in out["rows"]] == [["functions", 1, 6.5], ["algebra", 2, 6.5]]
    node = out["rows"][1][3]
    assert node["kind"] == "node" and node["labels"] == ["Concept"]
    assert node["properties"] == {"name": "algebra", "hours": 10}


def test_syntax_error_rejects_with_position(sdk):
    with pytest.raises(BrowserCallError) as info:
        sdk.call("graph.run", {"query": "MATCH (n)\nRETURN n.name AS, 1"})
    err = info.value
    assert err.type == "CypherSyntaxError"
    assert "line 2, column 17" in err.message
    assert err.message.splitlines()[-1].index("^") == 17


def test_failed_query_changes_nothing_and_snapshot_round_trip(sdk):
    sdk.call("graph.clear")
    sdk.call("graph.run", {"query": COURSE})
    with pytest.raises(BrowserCallError) as info:
        sdk.call(
            "graph.run",
            {"query": "MATCH (c:Concept) CREATE (:X) WITH c MATCH (a {name: 'algebra'}) DELETE a"},
        )
    assert info.value.type == "ConstraintVerificationFailed"
    assert sdk.call("graph.stats")["nodes"] == 3
    saved = sdk.call("graph.save")
    sdk.call("graph.clear")
    assert sdk.call("graph.stats")["nodes"] == 0
    loaded = sdk.call("graph.load", {"snapshot": saved["snapshot"]})
    assert (loaded["nodes"], loaded["relationships"]) == (3, 2)
    out = sdk.call(
        "graph.run",
        {"query": "MATCH (a)-[r:REQUIRES]->(b) RETURN a.name, r.strength, b.name ORDER BY r.strength"},
    )
    assert out["rows"] == [["functions", 1, "algebra"], ["limits", 2, "functions"]]


def test_a_bad_snapshot_is_refused_and_the_graph_kept(sdk):
    import base64

    sdk.call("graph.clear")
    sdk.call("graph.run", {"query": COURSE})
    snapshot = base64.b64decode(sdk.call("graph.save")["snapshot"])
    damaged = snapshot[:-1]  # the last column cut short
    for bad, wanted in (
        (base64.b64encode(damaged).decode(), "corrupt graph snapshot"),
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"PGRAPH1\n{}").decode(), "bad header"),
    ):
        with pytest.raises(BrowserCallError) as info:
            sdk.call("graph.load", {"snapshot": bad})
        assert wanted in info.value.message
    assert sdk.call("graph.stats")["nodes"] == 3  # the session graph is untouched
    assert sdk.call("graph.run", {"query": "MATCH ()-[r:REQUIRES]->() RETURN count(r)"})["rows"] == [[2]]


def test_learning_path_procedure_through_cypher(sdk):
    sdk.call("graph.clear")
    sdk.call(
        "graph.run",
        {
            "query": "CREATE (:Concept {key: 'sets'})<-[:REQUIRES]-(:Concept {key: 'functions'})"
            "<-[:REQUIRES]-(:Concept {key: 'limits'})"
        },
    )
    out = sdk.call(
        "graph.run",
        {
            "query": "MATCH (c:Concept {key: $k}) CALL prometheus.prerequisites(c) "
            "YIELD node RETURN node.key ORDER BY node.key",
            "parameters": {"k": "limits"},
        },
    )
    assert out["rows"] == [["functions"], ["sets"]]

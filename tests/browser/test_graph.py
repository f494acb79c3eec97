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
    loaded = sdk.evaluate("""async () => {
        const saved = await Prometheus.call("graph.save");  // snapshot: a Uint8Array
        await Prometheus.call("graph.clear");
        const empty = (await Prometheus.call("graph.stats")).nodes;
        return {empty, ...(await Prometheus.call("graph.load", {snapshot: saved.snapshot}))};
    }""")
    assert (loaded["empty"], loaded["nodes"], loaded["relationships"]) == (0, 3, 2)
    out = sdk.call(
        "graph.run",
        {"query": "MATCH (a)-[r:REQUIRES]->(b) RETURN a.name, r.strength, b.name ORDER BY r.strength"},
    )
    assert out["rows"] == [["functions", 1, "algebra"], ["limits", 2, "functions"]]


LOAD_BYTES_JS = """async ([bytes, text]) => Prometheus.call("graph.load", {snapshot: text === null ? new Uint8Array(bytes) : text})
    .then(() => "loaded", (e) => e.type + ": " + e.message)"""


def test_a_bad_snapshot_is_refused_and_the_graph_kept(sdk):
    sdk.call("graph.clear")
    sdk.call("graph.run", {"query": COURSE})
    snapshot = bytes(sdk.call("graph.save")["snapshot"])  # Playwright hands the Uint8Array over as a list
    damaged = snapshot[:-1]  # the last column cut short
    for bad, text, wanted in (
        (damaged, None, "corrupt graph snapshot"),
        ([], "not bytes", "params.snapshot must be bytes (a Uint8Array or ArrayBuffer)"),
        (b"PGRAPH1\n{}", None, "bad header"),
    ):
        outcome = sdk.evaluate(LOAD_BYTES_JS, [list(bad), text])
        assert outcome != "loaded" and wanted in outcome, outcome
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

"""openCypher through `Graph.run`: hand-derived results, error classification, atomicity,
and graph algorithms checked against NetworkX."""

from __future__ import annotations

import itertools
import math
import random

import networkx as nx
import pytest

from prometheus.graph import CypherError, Graph, Node, Path, Relationship
from prometheus.graph.cypher.aggregation import CountReached
from prometheus.graph.cypher.runner import compile_query

COURSE = """
CREATE (alg:Concept {name: 'algebra', hours: 10}),
       (fun:Concept {name: 'functions', hours: 4}),
       (lim:Concept {name: 'limits', hours: 6}),
       (der:Concept {name: 'derivatives', hours: 8}),
       (int:Concept {name: 'integrals', hours: 12}),
       (card:Card {front: 'd/dx x^2 = ?'}),
       (fun)-[:REQUIRES]->(alg),
       (lim)-[:REQUIRES]->(fun),
       (der)-[:REQUIRES]->(lim),
       (int)-[:REQUIRES]->(der),
       (int)-[:REQUIRES]->(fun),
       (card)-[:PART_OF]->(der)
"""


@pytest.fixture
def course():
    g = Graph()
    g.run(COURSE)
    return g


def rows(g, query, **params):
    return [tuple(r) for r in g.run(query, params)]


def test_result_api_in_driver_style(course):
    res = course.run(
        "MATCH (c:Concept) WHERE c.hours > $h RETURN c.name AS name, c.hours ORDER BY name", {"h": 7}
    )
    assert res.keys == ["name", "c.hours"]
    assert list(res) == [("algebra", 10), ("derivatives", 8), ("integrals", 12)]
    assert res.data()[0] == {"name": "algebra", "c.hours": 10}
    assert type(list(res)[0][1]) is int


def test_entities_are_small_value_objects(course):
    ((n, r, p),) = rows(course, "MATCH p = (c:Card)-[r:PART_OF]->(d) RETURN d, r, p")
    assert (
        isinstance(n, Node) and n.labels == frozenset({"Concept"}) and n.properties["name"] == "derivatives"
    )
    assert isinstance(r, Relationship) and r.type == "PART_OF" and r.end == n.id
    assert isinstance(p, Path) and [x.id for x in p.nodes] == [r.start, n.id] and p.relationships == (r,)


def test_counters_for_writes(course):
    res = course.run(
        "MATCH (c:Concept {name: 'limits'}) SET c.hours = 7, c:Hard CREATE (c)-[:HAS]->(:Card {front: 'x'})"
    )
    c = res.summary.counters
    assert (c.nodes_created, c.relationships_created, c.properties_set, c.labels_added) == (1, 1, 2, 2)
    res = course.run("MATCH (c:Card) DETACH DELETE c")
    assert (res.summary.counters.nodes_deleted, res.summary.counters.relationships_deleted) == (2, 2)
    # a read-only query (run without an undo log) reports no changes
    res = course.run("MATCH (c:Concept) RETURN count(c)")
    assert not res.summary.counters.contains_updates and res.side_effects() == {}
    assert set(res.summary.counters.to_dict().values()) == {0}
    with pytest.raises(AttributeError):
        _ = res.summary.counters.nodes_made  # a misspelt counter name is an error, not 0


def test_var_length_prerequisites(course):
    # integrals needs derivatives, limits, functions, algebra (hand-derived from COURSE)
    got = rows(
        course,
        "MATCH (:Concept {name: 'integrals'})-[:REQUIRES*]->(p) RETURN DISTINCT p.name ORDER BY p.name",
    )
    assert got == [("algebra",), ("derivatives",), ("functions",), ("limits",)]
    got = rows(
        course, "MATCH (:Concept {name: 'integrals'})-[:REQUIRES*2..2]->(p) RETURN p.name ORDER BY p.name"
    )
    # paths of exactly two hops: int->der->lim, int->fun->alg
    assert got == [("algebra",), ("limits",)]


def test_aggregation_and_grouping(course):
    got = rows(
        course,
        "MATCH (c:Concept)-[:REQUIRES]->(p) RETURN p.name AS p, count(*) AS n, "
        "collect(c.name) AS dependents ORDER BY n DESC, p",
    )
    assert got[0] == ("functions", 2, ["limits", "integrals"]) or got[0] == (
        "functions",
        2,
        ["integrals", "limits"],
    )
    assert [g[:2] for g in got[1:]] == [("algebra", 1), ("derivatives", 1), ("limits", 1)]
    ((s, a, sd, pc),) = rows(
        course,
        "MATCH (c:Concept) RETURN sum(c.hours), avg(c.hours), stDev(c.hours), percentileCont(c.hours, 0.5)",
    )
    hours = [10, 4, 6, 8, 12]
    mean = sum(hours) / 5
    assert s == 40 and type(s) is int
    assert a == pytest.approx(mean)
    assert sd == pytest.approx(math.sqrt(sum((h - mean) ** 2 for h in hours) / 4))
    assert pc == 8.0


def test_optional_match_and_null_logic(course):
    got = rows(
        course,
        "MATCH (c:Concept) OPTIONAL MATCH (card:Card)-[:PART_OF]->(c) "
        "RETURN c.name, card.front ORDER BY c.name",
    )
    assert got[1] == ("derivatives", "d/dx x^2 = ?") and got[0] == ("algebra", None)
    assert rows(
        course, "RETURN null = null, null OR true, null AND false, NOT null, 1 IN [null, 1], 2 IN [null, 1]"
    ) == [(None, True, False, None, True, None)]


def test_merge_is_idempotent_and_on_create_on_match(course):
    q = (
        "MERGE (c:Concept {name: 'vectors'}) ON CREATE SET c.new = true ON MATCH SET c.new = false "
        "RETURN c.new"
    )
    assert rows(course, q) == [(True,)]
    assert rows(course, q) == [(False,)]
    assert rows(course, "MATCH (c:Concept {name: 'vectors'}) RETURN count(*)") == [(1,)]


def test_comprehensions_case_quantifiers_exists(course):
    got = rows(
        course,
        """
        MATCH (c:Concept)
        WHERE EXISTS { (c)-[:REQUIRES]->(:Concept {name: 'functions'}) }
        RETURN c.name AS name,
               [(c)-[:REQUIRES]->(p) | p.name] AS direct,
               CASE WHEN c.hours > 10 THEN 'long' ELSE 'short' END AS size,
               all(x IN [1, 2] WHERE x > 0) AS ok,
               [x IN range(1, 5) WHERE x % 2 = 1 | x * x] AS odd
        ORDER BY name""",
    )
    assert len(got) == 2
    assert got[0][0] == "integrals" and sorted(got[0][1]) == ["derivatives", "functions"]
    assert got[0][2:] == ("long", True, [1, 9, 25])
    assert got[1] == ("limits", ["functions"], "short", True, [1, 9, 25])


def test_union_and_unwind_and_with(course):
    got = rows(course, "UNWIND [3, 1, 2, 1] AS x WITH x WHERE x > 1 RETURN x ORDER BY x UNION RETURN 1 AS x")
    assert sorted(got) == [(1,), (2,), (3,)]
    got = rows(course, "UNWIND [1, 1] AS x RETURN x UNION ALL RETURN 1 AS x")
    assert got == [(1,), (1,), (1,)]


def test_string_list_math_functions():
    g = Graph()
    got = rows(
        g,
        "RETURN toUpper('ab'), substring('hello', 1, 3), split('a,b', ','), reverse([1, 2]), "
        "size('abc'), abs(-3), toInteger('42'), toFloat('1.5'), round(2.5), 7 / 2, 7 % 3, 2 ^ 3, "
        "coalesce(null, 'x'), head([1, 2]), last([1, 2]), tail([1, 2, 3]), range(0, 6, 3)",
    )
    assert got == [
        ("AB", "ell", ["a", "b"], [2, 1], 3, 3, 42, 1.5, 3.0, 3, 1, 8.0, "x", 1, 2, [2, 3], [0, 3, 6])
    ]
    assert type(got[0][9]) is int and type(got[0][11]) is float


def test_shortest_paths(course):
    ((p,),) = rows(
        course,
        "MATCH (a {name: 'integrals'}), (b {name: 'algebra'}) "
        "MATCH p = shortestPath((a)-[:REQUIRES*]->(b)) RETURN p",
    )
    assert [n.properties["name"] for n in p.nodes] == ["integrals", "functions", "algebra"]
    got = rows(
        course,
        "MATCH (a {name: 'integrals'}), (b {name: 'limits'}) "
        "MATCH p = allShortestPaths((a)-[*]-(b)) RETURN length(p)",
    )
    # int-der-lim and int-fun-lim are both 2 hops
    assert got == [(2,), (2,)]


def random_graph(n=300, m=900, seed=11):
    rng = random.Random(seed)
    g = Graph()
    ids = [g.add_node(["N"], {"k": i}) for i in range(n)]
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for _ in range(m):
        a, b = rng.randrange(n), rng.randrange(n)
        g.add_relationship(ids[a], "E", ids[b])
        G.add_edge(a, b)
    return g, G


def test_shortest_path_lengths_match_networkx():
    g, G = random_graph()
    rng = random.Random(5)
    for _ in range(40):
        s, t = rng.randrange(300), rng.randrange(300)
        if s == t:
            continue
        got = rows(
            g,
            "MATCH (a:N {k: $s}), (b:N {k: $t}) MATCH p = shortestPath((a)-[:E*]->(b)) RETURN length(p)",
            s=s,
            t=t,
        )
        try:
            expected = [(nx.shortest_path_length(G, s, t),)]
        except nx.NetworkXNoPath:
            expected = []
        assert got == expected, (s, t)


def test_shortest_paths_are_real_walks_of_the_shortest_length_both_ways():
    """The path itself, not only its length: it starts and ends where asked, each relationship
    joins consecutive nodes in the pattern's direction, and a length bound is respected."""
    g, G = random_graph()
    rng = random.Random(8)
    query = (
        "MATCH (a:N {k: $s}), (b:N {k: $t}) MATCH p = shortestPath(PATTERN) "
        "RETURN [n IN nodes(p) | n.k], [r IN relationships(p) | [startNode(r).k, endNode(r).k]]"
    )
    pairs = [(rng.randrange(300), rng.randrange(300)) for _ in range(40)]
    pairs += [(s, t) for s, t, _ in list(G.edges)[::90]]  # neighbours: paths of length 1
    for s, t in pairs:
        if s == t:
            continue
        for arrow, graph in (("->", G), ("<-", G.reverse())):
            for hi in (2, 50):
                pattern = f"(a)-[:E*..{hi}]->(b)" if arrow == "->" else f"(a)<-[:E*..{hi}]-(b)"
                got = rows(g, query.replace("PATTERN", pattern), s=s, t=t)
                try:
                    length = nx.shortest_path_length(graph, s, t)
                except nx.NetworkXNoPath:
                    length = None
                if length is None or length > hi:
                    assert got == [], (s, t, arrow, hi)
                    continue
                ((nodes, rels),) = got
                assert len(rels) == length and nodes[0] == s and nodes[-1] == t, (s, t, arrow)
                for (x, y), (start, end) in zip(zip(nodes, nodes[1:]), rels):
                    assert (start, end) == ((x, y) if arrow == "->" else (y, x)), (s, t, arrow)


def test_k_hop_neighbourhood_matches_networkx():
    g, G = random_graph()
    for s in (0, 17, 123):
        got = {r[0] for r in rows(g, "MATCH (a:N {k: $s})-[:E*1..2]->(b) RETURN DISTINCT b.k", s=s)}
        # nodes reachable by a walk of 1 or 2 edges (with distinct relationships)
        one = set(G.successors(s))
        two = {y for x in one for y in G.successors(x)}
        assert got == one | two


@pytest.mark.parametrize(
    "query, tck_type, phase, detail",
    [
        ("MATCH (n) RETURN m", "SyntaxError", "compile time", "UndefinedVariable"),
        ("RETURN 1 +", "SyntaxError", "compile time", "UnexpectedSyntax"),
        ("CREATE (a)-[:R|S]->(b)", "SyntaxError", "compile time", "NoSingleRelationshipType"),
        ("RETURN foo(1)", "SyntaxError", "compile time", "UnknownFunction"),
        ("MATCH (a) RETURN a.x + count(*)", "SyntaxError", "compile time", "AmbiguousAggregationExpression"),
        ("RETURN 9223372036854775808", "SyntaxError", "compile time", "IntegerOverflow"),
        ("UNWIND [1] AS x RETURN range(1, 2, 0)", "ArgumentError", "runtime", "NumberOutOfRange"),
        ("RETURN toInteger([1])", "SyntaxError", "compile time", "InvalidArgumentType"),
        ("WITH [1] AS l RETURN l[true]", "TypeError", "runtime", "ListElementAccessByNonInteger"),
    ],
)
def test_errors_are_classified_like_the_tck(query, tck_type, phase, detail):
    with pytest.raises(CypherError) as info:
        Graph().run(query)
    err = info.value
    assert (err.tck_type, err.phase, err.detail) == (tck_type, phase, detail)


def test_syntax_error_has_position_and_caret():
    with pytest.raises(CypherError) as info:
        Graph().run("MATCH (n)\nRETURN n.name AS, 1")
    err = info.value
    # the ',' where the alias should be: 17th character of line 2
    assert (err.line, err.column) == (2, 17)
    assert err.position == len("MATCH (n)\n") + 16
    lines = str(err).splitlines()
    assert lines[-2] == '"RETURN n.name AS, 1"'
    assert lines[-1].index("^") == 17  # under the ',' (one column for the opening quote)


def test_failed_query_leaves_graph_exactly_as_it_was(course):
    before = course.to_bytes()
    with pytest.raises(CypherError) as info:
        course.run(
            "MATCH (c:Concept) SET c.hours = c.hours + 1 CREATE (:X) "
            "WITH c MATCH (d:Concept {name: 'limits'}) DELETE d"
        )
    assert info.value.tck_type == "ConstraintVerificationFailed"
    assert course.to_bytes() == before
    with pytest.raises(CypherError):
        course.run("UNWIND [1, 0] AS x CREATE (:Y {v: 10 / x})")
    assert course.to_bytes() == before


@pytest.mark.parametrize("collector_on", [True, False])
def test_a_query_leaves_the_garbage_collector_as_it_found_it(course, collector_on):
    """Queries run with the cyclic collector paused (runner.run_query): it is back on after a
    read, a write and a failed write, and stays off for a caller who had turned it off."""
    import gc

    was = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        assert rows(course, "MATCH (c:Concept) RETURN count(c)") == [(5,)]
        assert gc.isenabled() is collector_on
        course.run("CREATE (:Z)")
        assert gc.isenabled() is collector_on
        with pytest.raises(CypherError):
            course.run("UNWIND [1, 0] AS x CREATE (:Y {v: 10 / x})")
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was else gc.disable)()


def test_results_are_snapshots(course):
    ((n,),) = rows(course, "MATCH (c:Concept {name: 'algebra'}) RETURN c")
    course.run("MATCH (c:Concept {name: 'algebra'}) SET c.hours = 99")
    assert n.properties["hours"] == 10


def test_property_index_is_used_and_correct():
    g = Graph()
    g.run("UNWIND range(1, 2000) AS i CREATE (:C {k: i, even: i % 2 = 0})")
    assert rows(g, "MATCH (c:C) WHERE c.k = 1234 RETURN c.even") == [(True,)]
    assert rows(g, "MATCH (c:C {k: 7.0}) RETURN c.k") == [(7,)]
    assert ("C", "k") in g.indexes()
    g.run("MATCH (c:C {k: 7}) SET c.k = -7")
    assert rows(g, "MATCH (c:C {k: 7}) RETURN c.k") == []
    assert rows(g, "MATCH (c:C {k: -7}) RETURN c.k") == [(-7,)]


def test_call_procedure_registry():
    from prometheus.graph import register_procedure
    from prometheus.graph.procedures import unregister_procedure

    def degrees(graph, label):
        for nid in graph.nodes(label):
            yield {"node": graph.node(nid), "degree": graph.degree(nid, "both")}

    register_procedure(
        "test.degrees",
        degrees,
        inputs=[("label", "STRING")],
        outputs=[("node", "NODE"), ("degree", "INTEGER")],
    )
    try:
        g = Graph()
        g.run(COURSE)
        got = rows(
            g,
            "CALL test.degrees('Concept') YIELD node, degree "
            "RETURN node.name, degree ORDER BY degree DESC, node.name LIMIT 2",
        )
        assert got == [("derivatives", 3), ("functions", 3)]
        with pytest.raises(CypherError) as info:
            g.run("CALL test.degrees(1) YIELD degree RETURN degree")
        assert info.value.tck_type == "ArgumentError"
    finally:
        unregister_procedure("test.degrees")


def test_reachability_shortcut_agrees_with_path_enumeration():
    g, _G = random_graph(n=40, m=70, seed=8)
    for s in range(0, 40, 9):
        for hops, arrow in itertools.product(("*1..3", "*0..2", "*..4", "*2..2"), ("->", "-", "<-")):
            left, right = ("<-", "-") if arrow == "<-" else ("-", arrow)
            # the indexed node on either side, so the search starts from either end
            for pattern in (
                f"(a:N {{k: $s}}){left}[:E{hops}]{right}(b)",
                f"(b){left}[:E{hops}]{right}(a:N {{k: $s}})",
            ):
                fast = rows(g, f"MATCH {pattern} RETURN count(DISTINCT b), collect(DISTINCT b.k)", s=s)
                # `WITH b` in between keeps every path (no shortcut), then the same aggregation
                slow = rows(g, f"MATCH {pattern} WITH b RETURN count(DISTINCT b), collect(DISTINCT b.k)", s=s)
                assert fast[0][0] == slow[0][0] and sorted(fast[0][1]) == sorted(slow[0][1]), (s, pattern)
    # a bound end node and a repeated variable (cycles back to the start)
    for s in range(0, 40, 9):
        fast = rows(g, "MATCH (a:N {k: $s}), (c:N {k: 3}) MATCH (a)-[:E*1..4]->(c) RETURN DISTINCT c.k", s=s)
        slow = rows(
            g, "MATCH (a:N {k: $s}), (c:N {k: 3}) MATCH (a)-[:E*1..4]->(c) WITH c RETURN DISTINCT c.k", s=s
        )
        assert fast == slow
        fast = rows(g, "MATCH (a:N {k: $s})-[:E*1..4]->(a) RETURN DISTINCT a.k", s=s)
        slow = rows(g, "MATCH (a:N {k: $s})-[:E*1..4]->(a) WITH a RETURN DISTINCT a.k", s=s)
        assert fast == slow


def test_identity_tests_run_inside_the_matcher_agree_with_the_general_where():
    """`a <> b` / `a = b` between pattern nodes is checked on ids before a row is built;
    `id(a) <> id(b)` is the same test through the general expression path."""
    g, _ = random_graph(n=30, m=60, seed=3)
    cases = [
        ("(a:N {k: $s})-[:E*1..3]->(b)", "b <> a", "count(DISTINCT b), collect(DISTINCT b.k)"),
        ("(a:N {k: $s})-[:E*0..2]-(b)", "a = b", "count(DISTINCT b), collect(DISTINCT b.k)"),
        ("(a:N {k: $s})<-[:E*1..3]-(b)", "b <> a AND b.k > 10", "count(DISTINCT b), collect(DISTINCT b.k)"),
        ("(a:N {k: $s})-[:E*1..3]->(b)", "a <> a", "count(DISTINCT b), collect(DISTINCT b.k)"),
        ("(a:N {k: $s})-[:E]->(b)-[:E]->(c)", "a <> c", "count(*), collect(c.k)"),
        ("(a:N {k: $s})-[:E]->(b), (c)-[:E]->(b)", "c <> a AND c = c", "count(*), collect(c.k)"),
    ]
    for s in range(0, 30, 7):
        for pattern, test, agg in cases:
            general = test.replace("a <> a", "id(a) <> id(a)")
            for x, y in (("b", "a"), ("a", "b"), ("a", "c"), ("c", "a")):
                general = general.replace(f"{x} <> {y}", f"id({x}) <> id({y})").replace(
                    f"{x} = {y}", f"id({x}) = id({y})"
                )
            general = general.replace("c = c", "id(c) = id(c)")
            assert "id(" in general
            fast = rows(g, f"MATCH {pattern} WHERE {test} RETURN {agg}", s=s)
            slow = rows(g, f"MATCH {pattern} WHERE {general} WITH * RETURN {agg}", s=s)
            assert fast[0][0] == slow[0][0] and sorted(fast[0][1]) == sorted(slow[0][1]), (s, pattern, test)
    # OPTIONAL MATCH: when the identity test removes every match the row survives with nulls
    got = rows(g, "MATCH (a:N {k: 0}) OPTIONAL MATCH (a)-[:E*0..0]->(b) WHERE b <> a RETURN a.k, b")
    assert got == [(0, None)]
    # the pushed-down test still reports errors of the rest of the WHERE clause
    with pytest.raises(CypherError) as info:
        g.run("MATCH (a)-->(b) WHERE a <> b AND c.k = 1 RETURN a")
    assert info.value.detail == "UndefinedVariable"


def _as_bag(result_rows):
    return sorted(tuple(sorted(v) if isinstance(v, list) else v for v in r) for r in result_rows)


def test_counting_reached_ends_at_once_agrees_with_row_by_row_counting():
    """`count(DISTINCT end)` after a reach-only match takes each anchor's ends as one set
    (patterns.EndSet); `WITH a, b` in between forces one row per end as the reference."""
    g, G = random_graph(n=60, m=150, seed=5)
    for k in (1, 2, 3):
        got = dict(rows(g, f"MATCH (a:N)-[:E*1..{k}]->(b) WHERE b <> a RETURN a.k, count(DISTINCT b)"))
        want = {a: len(nx.single_source_shortest_path_length(G, a, cutoff=k)) - 1 for a in G}
        assert got == {a: c for a, c in want.items() if c}, k  # anchors reaching nothing have no row
    queries = [
        "MATCH (a:N)-[:E*1..2]->(b) RETURN a.k % 3 AS m, count(DISTINCT b) AS c ORDER BY m",
        "MATCH (a:N)-[:E*0..2]-(b) WHERE a.k < 20 RETURN count(DISTINCT b), count(DISTINCT b) + 1",
        "MATCH (a:N)-[:E*1..2]->(b) WHERE a.k % 2 = 0 AND b <> a RETURN a.k, count(DISTINCT b)",
        "MATCH (a:N)<-[:E*1..3]-(b:N) WITH count(DISTINCT b) AS c WHERE c > 0 RETURN c",
        "MATCH (a:N)-[:E*1..2]->(b) RETURN a.k, count(DISTINCT b) AS c ORDER BY count(DISTINCT b) DESC, a.k LIMIT 5",
        "MATCH (a:N {k: 7}) OPTIONAL MATCH (a)-[:E*2..2]->(b) WHERE b = a RETURN a.k, count(DISTINCT b)",
        "UNWIND [1, 2, 99] AS s MATCH (a:N {k: s}) OPTIONAL MATCH (a)-[:E*1..2]->(b) RETURN s, count(DISTINCT b)",
        # uses of the end variable beyond count(DISTINCT b): must keep one row per end
        "MATCH (a:N)-[:E*1..2]->(b) RETURN a.k, count(DISTINCT b), collect(DISTINCT b.k)",
        "MATCH (a:N)-[:E*1..2]->(b) RETURN a.k, count(DISTINCT b), [(b)-->(x) | x.k]",
        "MATCH (a:N)-[:E*1..2]->(b) WHERE a.k < 9 AND b.k > 3 RETURN a.k, count(DISTINCT b)",
        "MATCH (a:N)-[:E*1..2]->(b) WHERE exists((b)-->(a)) RETURN a.k, count(DISTINCT b)",
    ]
    # counted whole (aggregation.CountReached): the reached ids of every anchor of every input row
    counted_whole = [
        "MATCH (a:N)-[:E*1..2]->(b) RETURN count(DISTINCT b)",
        "MATCH (a:N {k: 3})-[:E*0..3]->(b) WHERE b <> a RETURN count(DISTINCT b) AS c, count(DISTINCT b) AS d",
        "UNWIND [1, 2, 3, 2, null] AS s MATCH (a:N {k: s})<-[:E*1..2]-(b) RETURN count(DISTINCT b)",
        "MATCH (a:N {k: -1})-[:E*1..2]->(b) RETURN count(DISTINCT b)",
        "MATCH (a:N)-[:E*1..3]->(b) WHERE a = b WITH count(DISTINCT b) AS c RETURN c",
    ]
    # kept on the general plan: undirected, a bound end, a per-row WHERE, OPTIONAL, another
    # aggregate, a DISTINCT projection
    queries += [
        "MATCH (a:N {k: 3})-[:E*0..3]-(b) WHERE b <> a RETURN count(DISTINCT b) AS c, count(DISTINCT b) AS d",
        "MATCH (a:N {k: 5}), (x:N {k: 9}) MATCH (a)-[:E*1..4]->(x) RETURN count(DISTINCT x)",
        "MATCH (a:N)-[:E*1..2]->(b) WHERE a.k > 30 RETURN count(DISTINCT b)",
        "MATCH (a:N {k: 3}) OPTIONAL MATCH (a)-[:E*1..2]->(b) RETURN count(DISTINCT b)",
        "MATCH (a:N)-[:E*1..2]->(b) RETURN count(DISTINCT b), count(DISTINCT a)",
        "MATCH (a:N)-[:E*1..2]->(b) RETURN DISTINCT count(DISTINCT b)",
    ]
    whole = [
        q for q in queries + counted_whole if any(isinstance(op, CountReached) for op in compile_query(q).ops)
    ]
    assert whole == counted_whole
    queries += counted_whole
    for query in queries:
        keyword = " WITH " if " WITH " in query else " RETURN "
        match, _, rest = query.partition(keyword)
        got, want = rows(g, query), rows(g, f"{match} WITH *{keyword}{rest}")
        assert _as_bag(got) == _as_bag(want), query
        if "ORDER BY" in query:
            assert got == want, query


def test_long_chains_do_not_hit_the_recursion_limit():
    g = Graph()
    g.run("UNWIND range(1, 2500) AS i CREATE (:C {k: i})")
    g.run("MATCH (a:C), (b:C) WHERE b.k = a.k + 1 CREATE (a)-[:NEXT]->(b)")
    assert rows(g, "MATCH p = (a:C {k: 1})-[:NEXT*]->(b:C {k: 2500}) RETURN length(p)") == [(2499,)]
    assert rows(
        g, "MATCH (a:C {k: 1}), (b:C {k: 2500}) MATCH p = allShortestPaths((a)-[*]-(b)) RETURN length(p)"
    ) == [(2499,)]


@pytest.mark.cpython_only(reason="starts a fresh interpreter with subprocess")
def test_builtin_procedures_load_on_first_call():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from prometheus.graph import Graph\n"
        "import sys\n"
        "assert 'prometheus.graph.paths' not in sys.modules\n"
        "g = Graph()\n"
        "g.run(\"CREATE (:Concept {key: 'a'})<-[:REQUIRES]-(:Concept {key: 'b'})\")\n"
        "print(list(g.run(\"MATCH (c:Concept {key: 'b'}) CALL prometheus.prerequisites(c) "
        'YIELD node RETURN node.key")))\n'
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root / "py_core"), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[('a',)]"


def test_count_subquery(course):
    # hand-derived from COURSE: integrals requires 2 concepts, functions is required by 2
    got = rows(
        course,
        "MATCH (c:Concept) RETURN c.name, COUNT { (c)-[:REQUIRES]->() } AS needs, "
        "COUNT { MATCH (d)-[:REQUIRES]->(c) RETURN d } AS needed_by ORDER BY c.name",
    )
    assert got == [
        ("algebra", 0, 1),
        ("derivatives", 1, 1),
        ("functions", 1, 2),
        ("integrals", 2, 0),
        ("limits", 1, 1),
    ]

"""Learning paths checked against NetworkX run on the same graphs (the oracle)."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from prometheus.errors import ValidationError
from prometheus.graph import Graph
from prometheus.graph import paths as P
from prometheus.graph.procedures import get_procedure


def course(n_concepts: int, n_edges: int, seed: int, acyclic: bool = True, extra_types: bool = True):
    """A random course graph in our store and the same REQUIRES relation as a NetworkX graph."""
    rng = random.Random(seed)
    g = Graph()
    ids = [g.add_node(["Concept"], {"key": f"c{i}", "name": f"Concept {i}"}) for i in range(n_concepts)]
    G = nx.MultiDiGraph()
    G.add_nodes_from(ids)
    for _ in range(n_edges):
        a, b = rng.sample(range(n_concepts), 2)
        if acyclic and a < b:
            a, b = b, a  # edges only from higher to lower index: a DAG
        g.add_relationship(ids[a], "REQUIRES", ids[b])
        G.add_edge(ids[a], ids[b])
    if extra_types:  # relationships of other types and non-concept nodes must be ignored
        card = g.add_node(["Card"], {"key": "card"})
        g.add_relationship(card, "EXPLAINS", ids[0])
        g.add_relationship(ids[-1], "SIMILAR_TO", ids[0])
    return g, G, ids


@pytest.mark.parametrize("seed", range(5))
def test_prerequisites_match_networkx_descendants_and_distances(seed):
    g, G, ids = course(60, 150, seed, acyclic=seed % 2 == 0)
    for c in random.Random(seed).sample(ids, 10):
        got = P.prerequisites(g, c)
        dist = nx.single_source_shortest_path_length(G, c)
        want = sorted(((n, d) for n, d in dist.items() if n != c), key=lambda t: (t[1], t[0]))
        assert got == want
        assert {n for n, _ in got} == nx.descendants(G, c) - {c}
        capped = P.prerequisites(g, c, max_depth=2)
        assert capped == [(n, d) for n, d in want if d <= 2]


def test_prerequisites_accept_node_objects_and_keys():
    g, _G, ids = course(10, 20, 1)
    by_id = P.prerequisites(g, ids[9])
    assert P.prerequisites(g, g.node(ids[9])) == by_id
    assert P.prerequisites(g, "c9") == by_id


@pytest.mark.parametrize("seed", range(5))
def test_study_order_is_networkx_lexicographic_topological_order(seed):
    g, G, ids = course(80, 200, seed)
    goal = ids[-1 - seed]
    order = P.study_order(g, goal)
    members = nx.descendants(G, goal) | {goal}
    # prerequisites first: reverse the edges; smallest id first among the ready ones
    want = list(nx.lexicographical_topological_sort(nx.DiGraph(G.subgraph(members)).reverse()))
    assert order == want
    position = {n: i for i, n in enumerate(order)}
    for a, b in G.subgraph(members).edges():
        assert position[b] < position[a]


def test_study_order_for_several_goals_covers_their_union():
    g, G, ids = course(50, 120, 7)
    order = P.study_order(g, [ids[40], ids[45]])
    assert set(order) == (nx.descendants(G, ids[40]) | nx.descendants(G, ids[45]) | {ids[40], ids[45]})


def test_study_order_names_the_cycle():
    g = Graph()
    a, b, c, d = (g.add_node(["Concept"], {"key": k, "name": k.upper()}) for k in "abcd")
    for x, y in ((a, b), (b, c), (c, d), (d, b)):
        g.add_relationship(x, "REQUIRES", y)
    with pytest.raises(P.CycleError) as info:
        P.study_order(g, a)
    cycle = info.value.cycle
    G = nx.DiGraph([(a, b), (b, c), (c, d), (d, b)])
    assert any(sorted(c) == sorted(cycle) for c in nx.simple_cycles(G))
    for x, y in zip(cycle, cycle[1:] + cycle[:1]):
        assert G.has_edge(x, y)
    message = str(info.value)
    assert "'B'" in message and "'C'" in message and "'D'" in message and "REQUIRES" in message
    assert isinstance(info.value, ValidationError)


@pytest.mark.parametrize("seed", range(5))
def test_frontier_matches_networkx_successor_check(seed):
    g, G, ids = course(60, 140, seed)
    rng = random.Random(seed)
    mastery = {f"c{i}": rng.random() for i in range(60) if rng.random() < 0.7}
    threshold = 0.5
    mastered = {ids[int(k[1:])] for k, s in mastery.items() if s >= threshold}
    want = sorted(n for n in ids if n not in mastered and set(G.successors(n)) <= mastered)
    assert P.frontier(g, mastery, threshold) == want
    # the same scores keyed by node id give the same frontier
    by_id = {ids[int(k[1:])]: s for k, s in mastery.items()}
    assert P.frontier(g, by_id, threshold) == want


def test_frontier_hand_example():
    # algebra <- calculus <- physics; nothing mastered: only algebra is learnable
    g = Graph()
    alg, calc, phys = (g.add_node(["Concept"], {"key": k}) for k in ("alg", "calc", "phys"))
    g.add_relationship(calc, "REQUIRES", alg)
    g.add_relationship(phys, "REQUIRES", calc)
    assert P.frontier(g, {}) == [alg]
    assert P.frontier(g, {"alg": 0.95}) == [calc]
    assert P.frontier(g, {"alg": 0.95}, threshold=0.99) == [alg]
    assert P.frontier(g, {"alg": 1.0, "calc": 0.9, "phys": 0.9}) == []


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"nope": 0.5}, "no Concept with key = 'nope'"),
        ({"alg": 1.5}, r"in \[0, 1\]"),
        ({"alg": True}, r"in \[0, 1\]"),
        ({"alg": "high"}, r"in \[0, 1\]"),
        ([("alg", 1.0)], "must be a mapping"),
    ],
)
def test_frontier_rejects_bad_mastery(bad, match):
    g = Graph()
    g.add_node(["Concept"], {"key": "alg"})
    with pytest.raises(P.LearningPathError, match=match):
        P.frontier(g, bad)


def test_bad_arguments_are_named():
    g, _, ids = course(5, 5, 0)
    with pytest.raises(P.LearningPathError, match="no node with id 999"):
        P.prerequisites(g, 999)
    with pytest.raises(P.LearningPathError, match="threshold"):
        P.frontier(g, {}, threshold=0)
    with pytest.raises(P.LearningPathError, match="damping"):
        P.pagerank(g, damping=1.0)
    with pytest.raises(P.LearningPathError, match="max_depth"):
        P.prerequisites(g, ids[0], max_depth=-1)
    with pytest.raises(
        P.LearningPathError, match="goal must be a node, a node id or a concept key, got float"
    ):
        P.study_order(g, 1.5)
    with pytest.raises(P.LearningPathError, match="at least one goal"):
        P.study_order(g, [])
    with pytest.raises(P.LearningPathError, match="goal: no node with id 999"):
        P.study_order(g, [ids[0], 999])


@pytest.mark.parametrize("seed", range(4))
def test_pagerank_matches_networkx(seed):
    g, G, ids = course(120, 300, seed, acyclic=seed % 2 == 0)  # dangling nodes in the DAG cases
    ours = P.pagerank(g, label="Concept", tol=1e-13)
    theirs = nx.pagerank(G, alpha=0.85, tol=1e-13, max_iter=1000)
    assert set(ours) == set(theirs)
    for n in ids:
        assert ours[n] == pytest.approx(theirs[n], rel=1e-8, abs=1e-12)
    assert sum(ours.values()) == pytest.approx(1.0, abs=1e-12)


def test_pagerank_personalization_and_damping_match_networkx():
    g, G, ids = course(40, 90, 3)
    pers = {ids[1]: 2.0, ids[5]: 1.0}
    ours = P.pagerank(g, damping=0.7, label="Concept", personalization=pers, tol=1e-13)
    theirs = nx.pagerank(G, alpha=0.7, personalization=pers, tol=1e-13, max_iter=1000)
    for n in ids:
        assert ours[n] == pytest.approx(theirs[n], rel=1e-8, abs=1e-12)


def test_pagerank_convergence_failure_is_reported():
    g, _, _ = course(30, 60, 1)
    with pytest.raises(P.ConvergenceError):
        P.pagerank(g, max_iter=1, tol=1e-15)


def test_procedures_are_registered():
    for name, inputs, outputs in (
        ("prometheus.prerequisites", ["concept"], ["node", "depth"]),
        ("prometheus.studyOrder", ["goal"], ["node", "step"]),
        ("prometheus.frontier", ["mastery", "threshold"], ["node", "mastery"]),
        ("prometheus.pagerank", [], ["node", "score"]),
    ):
        proc = get_procedure(name)
        assert proc is not None, name
        assert [n for n, _ in proc.inputs] == inputs and [n for n, _ in proc.outputs] == outputs


def _course_for_cypher():
    g = Graph()
    alg, calc, phys, chem = (g.add_node(["Concept"], {"key": k}) for k in ("alg", "calc", "phys", "chem"))
    g.add_relationship(calc, "REQUIRES", alg)
    g.add_relationship(phys, "REQUIRES", calc)
    g.add_relationship(phys, "REQUIRES", alg)
    g.add_relationship(chem, "REQUIRES", alg)
    return g


def test_procedures_from_cypher():
    g = _course_for_cypher()
    rows = g.run(
        "MATCH (c:Concept {key: 'phys'}) CALL prometheus.prerequisites(c) YIELD node, depth "
        "RETURN node.key AS k, depth ORDER BY k"
    ).data()
    assert rows == [{"k": "alg", "depth": 1}, {"k": "calc", "depth": 1}]
    rows = g.run(
        "MATCH (c:Concept {key: 'phys'}) CALL prometheus.studyOrder(c) YIELD node, step "
        "RETURN node.key AS k, step"
    ).data()
    assert [r["k"] for r in rows] == ["alg", "calc", "phys"] and [r["step"] for r in rows] == [1, 2, 3]
    rows = g.run(
        "CALL prometheus.frontier($m, 0.8) YIELD node, mastery RETURN node.key AS k, mastery",
        {"m": {"alg": 0.9, "calc": 0.3}},
    ).data()
    assert sorted((r["k"], r["mastery"]) for r in rows) == [("calc", 0.3), ("chem", 0.0)]
    rows = g.run("CALL prometheus.pagerank() YIELD node, score RETURN node.key AS k, score").data()
    G = nx.MultiDiGraph([(1, 0), (2, 1), (2, 0), (3, 0)])
    want = nx.pagerank(G, tol=1e-13)
    keys = ["alg", "calc", "phys", "chem"]
    assert [r["k"] for r in rows][0] == "alg"
    for r in rows:
        assert r["score"] == pytest.approx(want[keys.index(r["k"])], rel=1e-8)


def test_procedure_errors_become_cypher_errors():
    from prometheus.graph import CypherError

    g = _course_for_cypher()
    with pytest.raises(CypherError, match="no Concept with key = 'zzz'"):
        g.run("CALL prometheus.frontier({zzz: 1.0}, 0.5) YIELD node RETURN node")

"""Bulk-loaded relationships kept as a columnar segment (graph/segment.py) against the same
graph built with add_node / add_relationship: every reading API, Cypher, snapshots and their
digest, writes and deletes on loaded rows, undo, redo replay and a second load on top."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prometheus.graph import Graph, persist
from prometheus.graph.records import PendingNode

from .test_store import state as store_state

TYPES = ("R", "S", "T")
LABELS = ("A", "B")
values = st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=2), st.booleans())


@st.composite
def loads(draw, max_nodes=10, max_rels=30):
    """Node and relationship columns of a random graph (ids the graph's own 0..n-1)."""
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, max_rels))
    labels = draw(st.lists(st.one_of(st.none(), st.sampled_from(LABELS)), min_size=n, max_size=n))
    node_x = draw(st.lists(values, min_size=n, max_size=n))
    start = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    end = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    types = draw(st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), min_size=m, max_size=m)))
    props = {k: draw(st.lists(values, min_size=m, max_size=m)) for k in draw(st.sets(st.sampled_from("wv")))}
    nodes = {"id": np.arange(n), "labels": labels, "properties": {"x": node_x}}
    rels = {"start": np.array(start, dtype=np.int64), "end": np.array(end, dtype=np.int64)}
    rels.update(type=types, properties=props)
    return nodes, rels


def by_api(g, nodes, rels):
    first = g._next_node
    for row in range(len(nodes["id"])):
        label = nodes["labels"][row]
        g.add_node(() if label is None else (label,), {"x": nodes["properties"]["x"][row]})
    for row, (a, b) in enumerate(zip(rels["start"].tolist(), rels["end"].tolist())):
        t = rels["type"] if isinstance(rels["type"], str) else rels["type"][row]
        g.add_relationship(a + first, t, b + first, {k: c[row] for k, c in rels["properties"].items()})


def bulk(nodes, rels):
    g = Graph()
    g.load_columns(nodes, rels)
    return g


def api(nodes, rels):
    g = Graph()
    by_api(g, nodes, rels)
    return g


def rel_view(g):
    """What the relationship readers say, read before any node's adjacency is built."""
    return [
        (
            r,
            g.has_relationship(r),
            g.relationship_type(r),
            g.relationship_endpoints(r),
            g.relationship_properties(r),
            g.relationship_property(r, "w", "none"),
            (lambda rel: (rel.type, rel.start, rel.end, dict(rel.properties)))(g.relationship(r)),
        )
        for r in g.relationships()
    ] + [g.relationship_count(), {t: list(g.relationships(t)) for t in TYPES}]


def node_view(g):
    out = [g.node_count(), {label: list(g.nodes(label)) for label in LABELS}]
    for n in g.nodes():
        out.append((n, sorted(g.node_labels(n)), g.node_properties(n)))
        for d in ("out", "in", "both"):
            for types in (None, "R", ["S", "T"]):
                out.append((list(g.neighbours(n, d, types)), g.degree(n, d, types)))
            out.append(sorted(len(level) for level in g.reach_levels([n], d if d != "both" else "in")))
        out.append([(list(g.out_ids(n, t)), list(g.in_ids(n, t))) for t in TYPES])
    return out


QUERIES = [
    "MATCH (a)-[r]->(b) RETURN id(a), type(r), id(r), id(b), properties(r) ORDER BY id(r)",
    "MATCH (a:A)-[r:R|S]-(b) RETURN id(a), id(r), id(b) ORDER BY id(a), id(r), id(b)",
    "MATCH (a)-[:R*1..3]->(b) RETURN id(a), count(DISTINCT b) ORDER BY id(a)",
    "MATCH ()-[r {w: 1}]->() RETURN id(r) ORDER BY id(r)",
    "MATCH (a), (b) WHERE id(a) < id(b) MATCH p = shortestPath((a)-[*]->(b)) "
    "RETURN id(a), id(b), length(p) ORDER BY id(a), id(b)",
    "MATCH (n) RETURN id(n), size([(n)-->() | 1]), size([(n)<--() | 1]) ORDER BY id(n)",
]


def cypher_view(g):
    return [g.run(q).values() for q in QUERIES]


def snapshot_view(g):
    data = g.to_bytes()
    again = Graph.from_bytes(data)
    return data, again.to_bytes() == data, persist.state_digest(g)


@settings(max_examples=60, deadline=None)
@given(loads())
def test_every_reading_api_cypher_and_snapshot_match_the_row_by_row_graph(load):
    a, b = bulk(*load), api(*load)
    assert any(isinstance(rec, PendingNode) for rec in a._nodes.values()) == bool(len(load[1]["start"]))
    assert rel_view(a) == rel_view(b)  # through the segment: no node adjacency built yet
    assert snapshot_view(a) == snapshot_view(b)
    assert not a.has_relationship(len(load[1]["start"])) and not a.has_relationship("0")
    assert cypher_view(a) == cypher_view(b)
    assert node_view(a) == node_view(b)
    assert rel_view(a) == rel_view(b)  # again, now that every node's adjacency is built


@st.composite
def writes(draw):
    """A few writes: (op, arguments as fractions, later mapped onto existing ids)."""
    ops = st.sampled_from(["set_rel", "del_rel", "del_node", "add_rel", "set_node", "label", "rollback"])
    return draw(st.lists(st.tuples(ops, st.floats(0, 0.999), st.floats(0, 0.999), values), max_size=8))


def apply_write(g, op, f1, f2, value):
    nodes, rels = sorted(g.nodes()), sorted(g.relationships())
    if op in ("set_rel", "del_rel") and rels:
        rid = rels[int(f1 * len(rels))]
        if op == "set_rel":
            g.set_relationship_property(rid, "w", value)
        else:
            g.delete_relationship(rid)
    elif op == "del_node" and nodes:
        g.delete_node(nodes[int(f1 * len(nodes))], detach=True)
    elif op == "add_rel" and nodes:
        g.add_relationship(nodes[int(f1 * len(nodes))], "R", nodes[int(f2 * len(nodes))], {"w": value})
    elif op == "set_node" and nodes:
        g.set_node_property(nodes[int(f1 * len(nodes))], "x", value)
    elif op == "label" and nodes:
        g.add_label(nodes[int(f1 * len(nodes))], "B")


def run_writes(g, ops):
    """The writes, each block up to a "rollback" undone in a transaction."""
    g.begin()
    for op in ops:
        if op[0] == "rollback":
            g.rollback()
            g.begin()
        else:
            apply_write(g, *op)
    g.commit()


def state(g):
    return rel_view(g), snapshot_view(g), cypher_view(g), node_view(g)


@settings(max_examples=60, deadline=None)
@given(loads(max_nodes=6, max_rels=12), writes(), st.booleans())
def test_writes_deletes_and_undo_on_loaded_rows_match_the_row_by_row_graph(load, ops, read_first):
    a, b = bulk(*load), api(*load)
    if read_first:  # writes on nodes whose adjacency was already built, and on pending ones
        node_view(a)
    run_writes(a, ops)
    run_writes(b, ops)
    assert state(a) == state(b)


@settings(max_examples=40, deadline=None)
@given(loads(max_nodes=6, max_rels=12), loads(max_nodes=4, max_rels=10), writes(), st.data())
def test_a_second_load_on_loaded_and_written_nodes_and_its_rollback(first, second, ops, data):
    """Loads whose endpoints are graph ids reach nodes that are pending, built or empty."""
    a, b = bulk(*first), api(*first)
    run_writes(a, ops)
    run_writes(b, ops)
    nodes = sorted(a.nodes())
    if not nodes:
        return
    m = len(second[1]["start"])
    pick = st.lists(st.sampled_from(nodes), min_size=m, max_size=m)
    rels = dict(second[1], start=np.array(data.draw(pick), dtype=np.int64))
    rels["end"] = np.array(data.draw(pick), dtype=np.int64)
    before = store_state(a)

    def add_rows(g):
        for row, (s, e) in enumerate(zip(rels["start"].tolist(), rels["end"].tolist())):
            t = rels["type"] if isinstance(rels["type"], str) else rels["type"][row]
            g.add_relationship(s, t, e, {k: c[row] for k, c in rels["properties"].items()})

    for g, add in ((a, lambda g: g.load_columns(relationships=rels)), (b, add_rows)):
        with pytest.raises(KeyError):
            with g.transaction():
                add(g)
                for op in ops:  # writes on the new rows too, undone with the load
                    if op[0] != "rollback":
                        apply_write(g, *op)
                raise KeyError("abort")
    assert state(a) == state(b)  # an undone delete puts its relationship last in its node's lists
    assert store_state(a) == before
    a.load_columns(relationships=rels)
    add_rows(b)
    assert state(a) == state(b)


@settings(max_examples=40, deadline=None)
@given(loads(max_nodes=6, max_rels=12), writes())
def test_redo_ops_of_a_load_and_writes_replay_to_the_same_graph(load, ops):
    """The journal's path: ops recorded, encoded as the store part writes them, replayed."""
    g, recorded = Graph(), []
    g.recording(recorded)
    g.load_columns(*load)
    for op in ops:  # (a rollback drops every op recorded since recording began: no rollbacks here)
        if op[0] != "rollback":
            apply_write(g, *op)
    g.recording(None)
    assert [op[0] for op in recorded].count("cols") == 1
    replayed = Graph()
    replayed.apply_ops(persist._decode(persist._encode(recorded)))
    assert snapshot_view(replayed) == snapshot_view(g)
    assert rel_view(replayed) == rel_view(g)


def test_a_written_loaded_relationship_becomes_a_record_and_reads_the_same():
    g = bulk(
        {"id": np.arange(3), "labels": ["A", None, "B"], "properties": {"x": [1, 2, 3]}},
        {
            "start": np.array([0, 1, 2]),
            "end": np.array([1, 2, 0]),
            "type": "R",
            "properties": {"w": [1, None, 3]},
        },
    )
    seg = g._rels.segments[0]
    assert dict.__len__(g._rels) == 0 and seg.owned_count == 3
    g.set_relationship_property(1, "w", 7)
    assert dict.__len__(g._rels) == 1 and seg.owned_count == 2
    assert g.relationship_properties(1) == {"w": 7} and list(g.relationships()) == [0, 1, 2]
    assert g.run("MATCH ()-[r:R]->() RETURN r.w ORDER BY id(r)").values() == [[1], [7], [3]]
    g.delete_relationship(0)
    assert list(g.relationships()) == [1, 2] and g.relationship_count() == 2
    assert not g.has_relationship(0) and seg.owned_count == 1
    assert [type(g._nodes[n]) is PendingNode for n in range(3)] == [False, False, False]


def test_a_load_of_nodes_then_of_relationships_keeps_the_nodes_pending():
    g = Graph()
    g.load_columns({"id": np.arange(4), "labels": "A"})
    g.load_columns(relationships={"start": np.array([0, 1]), "end": np.array([1, 2]), "type": "R"})
    assert [type(g._nodes[n]) is PendingNode for n in range(4)] == [True, True, True, False]
    assert list(g.neighbours(1, "both")) == [(1, 2), (0, 0)]


@settings(max_examples=40, deadline=None)
@given(loads(max_nodes=6, max_rels=12), writes(), st.randoms(use_true_random=False))
def test_a_graph_read_from_a_snapshot_reads_and_writes_like_the_original(load, ops, rnd):
    """from_bytes keeps the relationships as a segment, also for a snapshot whose relationships
    are not in id order (as versions before the segment wrote after an undone delete)."""
    from prometheus.graph import snapshot

    original = api(*load)
    header, cols = snapshot.unpack(original.to_bytes())
    order = list(range(len(cols["rel_ids"])))
    rnd.shuffle(order)
    where = {old: new for new, old in enumerate(order)}
    for name in ("rel_ids", "rel_types", "rel_start", "rel_end"):
        cols[name] = [cols[name][i] for i in order]
    header["rel_props"] = sorted([where[i], props] for i, props in header["rel_props"])
    for data in (original.to_bytes(), snapshot.pack(header, cols)):
        loaded = Graph.from_bytes(data)
        assert state(loaded) == state(original)
        copy = api(*load)
        run_writes(loaded, ops)
        run_writes(copy, ops)
        assert state(loaded) == state(copy)


def test_records_kept_from_reads_never_go_stale():
    g = Graph()
    g.load_columns({"id": np.arange(2)}, {"start": np.array([0, 1]), "end": np.array([1, 0]), "type": "R"})
    assert g.relationship_properties(0) == {} and g.relationship_type(1) == "R"  # kept after the read
    g.set_relationship_property(0, "w", 1)
    assert g.relationship_properties(0) == {"w": 1}
    g.delete_relationship(1)
    assert not g.has_relationship(1) and g._rels.get(1) is None
    with pytest.raises(KeyError):
        with g.transaction():
            g.load_columns(relationships={"start": np.array([0]), "end": np.array([0]), "type": "S"})
            assert g.relationship_endpoints(2) == (0, 0) and g.relationship_type(2) == "S"
            raise KeyError("abort")
    g.load_columns(relationships={"start": np.array([1]), "end": np.array([0]), "type": "T"})
    assert (g.relationship_type(2), g.relationship_endpoints(2)) == ("T", (1, 0))  # same id, new row

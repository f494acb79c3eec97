"""The property-graph store: adjacency, indexes, undo log and snapshots."""

from __future__ import annotations

import json
import random

import pytest

from prometheus.graph import Graph, GraphStoreError, snapshot


def small_graph():
    g = Graph()
    a = g.add_node(["Concept"], {"name": "algebra", "level": 1})
    b = g.add_node(["Concept"], {"name": "calculus", "level": 2})
    c = g.add_node(["Card"], {"front": "d/dx x^2"})
    r1 = g.add_relationship(b, "REQUIRES", a, {"weight": 0.5})
    r2 = g.add_relationship(c, "PART_OF", b)
    return g, (a, b, c), (r1, r2)


def state(g: Graph):
    """Everything observable about a graph, for before/after comparisons."""
    nodes = {n: (frozenset(g.node_labels(n)), dict(g.node_properties(n))) for n in g.nodes()}
    rels = {
        r: (g.relationship_type(r), g.relationship_endpoints(r), dict(g.relationship_properties(r)))
        for r in g.relationships()
    }
    adjacency = {n: (sorted(g.neighbours(n, "out")), sorted(g.neighbours(n, "in"))) for n in g.nodes()}
    labels = {label: sorted(g.nodes(label)) for label in ("Concept", "Card", "X")}
    return nodes, rels, adjacency, labels


def test_adjacency_both_directions_and_types():
    g, (a, b, c), (r1, r2) = small_graph()
    assert list(g.neighbours(b, "out")) == [(r1, a)]
    assert list(g.neighbours(b, "in")) == [(r2, c)]
    assert sorted(g.neighbours(b, "both")) == sorted([(r1, a), (r2, c)])
    assert list(g.neighbours(b, "both", types=["PART_OF"])) == [(r2, c)]
    assert list(g.neighbours(b, "out", types="PART_OF")) == []
    assert g.degree(b, "both") == 2
    assert list(g.out_ids(b, "REQUIRES")) == [a] and list(g.in_ids(b, "PART_OF")) == [c]
    assert list(g.out_ids(b, "PART_OF")) == [] and list(g.in_ids(a, "REQUIRES")) == [b]
    assert g.relationship_endpoints(r1) == (b, a)


def test_self_loop_listed_once_for_both():
    g = Graph()
    n = g.add_node()
    r = g.add_relationship(n, "SELF", n)
    assert list(g.neighbours(n, "both")) == [(r, n)]
    assert list(g.neighbours(n, "in")) == [(r, n)]


def test_ids_are_stable_and_never_reused():
    g, (a, b, c), _ = small_graph()
    g.delete_node(c, detach=True)
    d = g.add_node()
    assert d not in (a, b, c)
    assert g.has_node(a) and not g.has_node(c)
    assert g.node_labels(a) == {"Concept"} and g.node_property(a, "name") == "algebra"


def test_label_and_property_index_follow_writes():
    g, (a, b, _c), _ = small_graph()
    assert g.find_nodes("Concept", "name", "calculus") == [b]
    g.set_node_property(b, "name", "analysis")
    assert g.find_nodes("Concept", "name", "calculus") == []
    assert g.find_nodes("Concept", "name", "analysis") == [b]
    g.remove_label(b, "Concept")
    assert g.find_nodes("Concept", "name", "analysis") == []
    g.add_label(b, "Concept")
    assert g.find_nodes("Concept", "name", "analysis") == [b]
    # Cypher equality in the index: 1 == 1.0 but true is not 1
    g.set_node_property(a, "level", True)
    assert g.find_nodes("Concept", "level", 1) == []
    assert g.find_nodes("Concept", "level", True) == [a]
    assert g.find_nodes("Concept", "level", 2.0) == [b]


def test_delete_connected_node_needs_detach():
    g, (_a, b, _c), _ = small_graph()
    before = state(g)
    with pytest.raises(GraphStoreError, match="relationship"):
        g.delete_node(b)
    assert state(g) == before


def test_transaction_undoes_every_kind_of_write():
    g, (a, b, c), (r1, _r2) = small_graph()
    g.create_index("Concept", "name")
    before = state(g)
    with pytest.raises(RuntimeError):
        with g.transaction():
            n = g.add_node(["X"], {"v": 1})
            g.add_relationship(n, "T", a)
            g.set_node_property(a, "name", "changed")
            g.set_node_property(b, "level", None)
            g.set_relationship_property(r1, "weight", 9)
            g.add_label(a, "X")
            g.remove_label(b, "Concept")
            g.delete_node(c, detach=True)
            g.delete_relationship(r1)
            raise RuntimeError("boom")
    assert state(g) == before
    assert g.indexes() == [("Concept", "name")]
    assert g.find_nodes("Concept", "name", "algebra") == [a]
    assert g.find_nodes("Concept", "name", "changed") == []


def test_bad_input_is_rejected_without_change():
    g, (a, b, _c), _ = small_graph()
    before = state(g)
    with pytest.raises(GraphStoreError, match="no node"):
        g.add_relationship(a, "T", 999)
    with pytest.raises(GraphStoreError, match="type"):
        g.add_relationship(a, "", b)
    with pytest.raises(GraphStoreError, match="keys"):
        g.add_node([], {1: "x"})
    assert state(g) == before


def test_snapshot_round_trip_keeps_everything():
    rng = random.Random(3)
    g = Graph()
    ids = [
        g.add_node(
            rng.sample(["A", "B", "C"], rng.randint(0, 2)),
            {"i": i, "f": i / 7, "s": f"n{i}", "l": [i, i + 1], "b": i % 2 == 0},
        )
        for i in range(200)
    ]
    for _ in range(600):
        props = {"w": rng.random()} if rng.random() < 0.5 else None  # with and without properties
        g.add_relationship(rng.choice(ids), rng.choice(["R", "S"]), rng.choice(ids), props)
    for n in ids[:20]:
        g.delete_node(n, detach=True)
    g.create_index("A", "i")
    data = g.to_bytes()
    h = Graph.from_bytes(data)
    assert state(h) == state(g)
    assert h.indexes() == [("A", "i")]
    # types survive: ints stay ints, floats stay floats
    some = next(iter(h.nodes()))
    assert type(h.node_property(some, "i")) is int and type(h.node_property(some, "f")) is float
    # new ids continue after the old ones
    assert h.add_node() == g.add_node()
    # relationships read back without properties get their own (writable) property dicts
    bare = [r for r in h.relationships() if not h.relationship_properties(r)]
    assert len(bare) > 100
    h.set_relationship_property(bare[0], "x", 1)
    assert h.relationship_properties(bare[1]) == {}


def test_snapshot_rejects_garbage():
    with pytest.raises(GraphStoreError, match="bad header"):
        Graph.from_bytes(b"not a snapshot")
    with pytest.raises(GraphStoreError, match="corrupt graph snapshot"):
        Graph.from_bytes(b"PGRAPH4\n")  # right magic, nothing after it
    # a well-formed snapshot with one part damaged at a time
    g = Graph()
    a, b = g.add_node(["A"], {"k": 1}), g.add_node(["B"])
    g.add_relationship(a, "R", b, {"w": 2})
    data = g.to_bytes()
    header, columns = snapshot.unpack(data)
    assert columns["rel_start"] == [a] and header["node_props"] == [{"k": 1}, {}]
    for field, bad in (
        ("node_labels", [0, 7]),  # a label set that does not exist
        ("rel_types", [3]),  # a type that does not exist
        ("rel_start", [a + 5]),  # an endpoint that is not a node
        ("rel_ids", []),
    ):  # columns of different lengths
        with pytest.raises(GraphStoreError, match="corrupt graph snapshot"):
            Graph.from_bytes(snapshot.pack(header, dict(columns, **{field: bad})))
    for field, bad in (
        ("label_sets", [[0], [9]]),  # a label that does not exist
        ("rel_props", [[0]]),  # not an [index, properties] pair
        ("node_props", [{}]),
    ):  # fewer property maps than nodes
        with pytest.raises(GraphStoreError, match="corrupt graph snapshot"):
            Graph.from_bytes(snapshot.pack(dict(header, **{field: bad}), columns))
    for damaged in (
        data[:-1],  # the last column cut short
        data + b"\0",  # bytes after the last column
        data[:8] + (10**6).to_bytes(8, "little") + data[16:],  # header longer than the file
        data.replace(b'"codes":{"node_ids":"B"', b'"codes":{"node_ids":"x"'),
    ):  # bad column type
        assert damaged != data
        with pytest.raises(GraphStoreError, match="corrupt graph snapshot"):
            Graph.from_bytes(damaged)
    with pytest.raises(GraphStoreError, match="bad header"):
        Graph.from_bytes(b"PGRAPH2\n" + json.dumps(header).encode())  # format 2 is not read
    with pytest.raises(GraphStoreError, match="bad header"):
        Graph.from_bytes(b"PGRAPH3\n" + data[8:-32])  # nor format 3 (no checksum)


def test_a_flipped_bit_anywhere_is_refused_not_loaded_as_another_graph():
    g = Graph()
    ids = [g.add_node(["Concept"], {"key": f"k{i}", "rank": i}) for i in range(20)]
    for a, b in zip(ids, ids[1:]):
        g.add_relationship(a, "REQUIRES", b)
    data = g.to_bytes()
    for position in range(0, len(data), max(1, len(data) // 97)):
        damaged = bytearray(data)
        damaged[position] ^= 0x10
        with pytest.raises(GraphStoreError):
            Graph.from_bytes(bytes(damaged))


def test_snapshot_columns_take_the_narrowest_type_that_holds_them():
    columns = {
        "node_ids": [0, 2**40],
        "node_labels": [0, 255],
        "rel_ids": [-5],
        "rel_types": [70000],
        "rel_start": [2**63 - 1],
        "rel_end": [-(2**63)],
    }
    data = snapshot.pack({"note": "x"}, columns)
    header, back = snapshot.unpack(data)
    assert back == columns and header["note"] == "x"
    assert header["codes"] == {
        "node_ids": "q",
        "node_labels": "B",
        "rel_ids": "i",
        "rel_types": "i",
        "rel_start": "q",
        "rel_end": "q",
    }

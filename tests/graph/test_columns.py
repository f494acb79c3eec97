"""Bulk loading from columns and CSV: the same graph as row-by-row store calls, all or nothing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prometheus.graph import Graph, columns, csr
from prometheus.graph.columns import ColumnError
from prometheus.graph.csv_columns import nodes_from_csv, relationships_from_csv
from tests.rpc_call import rpc_envelope

from .test_store import state

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(max_size=4),
    st.floats(allow_nan=False),
    st.lists(st.integers(0, 9), max_size=3),
)


@st.composite
def loads(draw):
    """Random node and relationship columns, and the same rows for the store API."""
    n = draw(st.integers(0, 12))
    ids = draw(
        st.one_of(
            st.permutations(range(100, 100 + n)),
            st.lists(st.text(min_size=1, max_size=3), min_size=n, max_size=n, unique=True),
        )
    )
    labels = draw(
        st.one_of(
            st.just("Concept"),
            st.lists(
                st.one_of(
                    st.none(),
                    st.sampled_from(["A", "B"]),
                    st.lists(st.sampled_from(["A", "B", "C"]), max_size=3),
                ),
                min_size=n,
                max_size=n,
            ),
        )
    )
    keys = draw(st.lists(st.sampled_from(["x", "y", "z"]), unique=True, max_size=3))
    node_props = {k: draw(st.lists(values, min_size=n, max_size=n)) for k in keys}
    m = draw(st.integers(0, 30)) if n else 0
    start = draw(st.lists(st.sampled_from(ids), min_size=m, max_size=m)) if n else []
    end = draw(st.lists(st.sampled_from(ids), min_size=m, max_size=m)) if n else []
    types = draw(st.one_of(st.just("R"), st.lists(st.sampled_from(["R", "S"]), min_size=m, max_size=m)))
    rel_props = {
        k: draw(st.lists(values, min_size=m, max_size=m))
        for k in draw(st.lists(st.sampled_from(["w", "v"]), unique=True, max_size=2))
    }
    as_numpy = draw(st.booleans()) and ids and isinstance(ids[0], int)
    col = np.array if as_numpy else list
    nodes = {"id": col(ids), "labels": labels, "properties": node_props}
    rels = {"start": col(start), "end": col(end), "type": types, "properties": rel_props}
    return nodes, rels


def by_api(g, nodes, rels):
    """The same rows through add_node / add_relationship, one by one."""
    ids = list(nodes["id"])
    labels = nodes["labels"]
    made = {}
    for row, ext in enumerate(ids):
        row_labels = (labels,) if isinstance(labels, str) else labels[row] or ()
        if isinstance(row_labels, str):
            row_labels = (row_labels,)
        made[ext] = g.add_node(row_labels, {k: c[row] for k, c in nodes["properties"].items()})
    for row, (a, b) in enumerate(zip(list(rels["start"]), list(rels["end"]))):
        t = rels["type"] if isinstance(rels["type"], str) else rels["type"][row]
        g.add_relationship(made[a], t, made[b], {k: c[row] for k, c in rels["properties"].items()})


def full_state(g):
    nodes, rels, adjacency, _labels = state(g)
    order = {n: [list(g.neighbours(n, d)) for d in ("out", "in")] for n in g.nodes()}  # in rel-id order
    return (
        nodes,
        rels,
        adjacency,
        order,
        {t: sorted(g.relationships(t)) for t in ("R", "S")},
        {x: sorted(g.nodes(x)) for x in ("A", "B", "C", "Concept")},
        (g._next_node, g._next_rel),
    )


def prefilled():
    g = Graph()
    a = g.add_node(["A"], {"x": 1})
    b = g.add_node(["B"], {"x": 2})
    g.add_relationship(a, "R", b)
    g.create_index("A", "x")
    return g


@settings(max_examples=80, deadline=None)
@given(loads())
def test_a_bulk_load_builds_the_graph_row_by_row_calls_build(load):
    nodes, rels = load
    bulk, api = prefilled(), prefilled()
    bulk.load_columns(nodes, rels)
    by_api(api, nodes, rels)
    assert full_state(bulk) == full_state(api)
    assert bulk.to_bytes() == api.to_bytes()
    with csr_forced():  # the arrays a load leaves behind describe the whole type
        for t in ("R", "S"):
            for side in ("out", "in"):
                cached = bulk._csr.get((t, side))
                if cached is not None:
                    fresh = csr.build(bulk, t, side)
                    np.testing.assert_array_equal(cached.indptr[: fresh.size + 1], fresh.indptr)
                    np.testing.assert_array_equal(cached.indices, fresh.indices)
    for x in (1, 2):  # an index made before the load sees the loaded nodes
        assert sorted(bulk.find_nodes("A", "x", x)) == sorted(api.find_nodes("A", "x", x))


class csr_forced:
    def __enter__(self):
        self.old, csr.SWITCH_AT = csr.SWITCH_AT, 0

    def __exit__(self, *exc):
        csr.SWITCH_AT = self.old


def test_cypher_sees_a_load_at_once_and_endpoints_may_be_graph_ids():
    g = Graph()
    g.load_columns(
        {"id": ["a", "b", "c"], "labels": "Concept", "properties": {"key": ["a", "b", "c"]}},
        {"start": ["c", "b"], "end": ["b", "a"], "type": "REQUIRES"},
    )
    q = "MATCH (c:Concept {key: 'c'})-[:REQUIRES*]->(p) RETURN p.key ORDER BY p.key"
    assert [r[0] for r in g.run(q)] == ["a", "b"]
    got = g.load_columns(
        relationships={"start": [0], "end": [2], "type": ["REQUIRES"], "properties": {"w": [0.5]}}
    )
    assert got == {"nodes": 0, "relationships": 1, "first_node": 3, "first_relationship": 2}
    assert [r[0] for r in g.run("MATCH (:Concept {key: 'a'})-[r:REQUIRES]->() RETURN r.w")] == [0.5]


def test_a_rolled_back_transaction_removes_the_whole_load():
    g = prefilled()
    before = full_state(g)
    with pytest.raises(KeyError):
        with g.transaction():
            g.load_columns(
                {"id": [1, 2], "labels": "A", "properties": {"x": [1, 5]}},
                {"start": [1, 2, 1], "end": [2, 2, 1], "type": "R"},
            )
            g.add_relationship(0, "R", 3)
            raise KeyError("abort")
    assert full_state(g) == before
    assert g.find_nodes("A", "x", 1) == [0]


def test_a_failure_while_installing_leaves_the_graph_unchanged(monkeypatch):
    g = prefilled()
    before = full_state(g)
    batch = columns.build_batch(
        columns.validate(
            {"id": [1, 2], "labels": ["A", None], "properties": {"x": [1, 2]}},
            {"start": [1, 2], "end": [2, 1], "type": "S"},
        ),
        g._next_node,
        g._next_rel,
        g._nodes,
    )

    def fail(*args):
        raise KeyError("injected")

    # the last install step fails, after everything else (nodes, labels, index, the segment added)
    monkeypatch.setattr(batch.segment, "touched", fail)
    with pytest.raises(KeyError):
        g.install_batch(batch)
    assert full_state(g) == before
    stale = columns.build_batch(columns.validate({"id": [1], "labels": "A"}), 0, 0, {})
    with pytest.raises(ValueError, match="batch was built for next ids"):
        g.install_batch(stale)


BAD = [
    ({"id": [1, 2], "properties": {"x": [1]}}, None, "nodes.properties['x']", 1, "ragged"),
    (None, {"start": [0, 0], "end": [0], "type": "R"}, "relationships.end", 1, "ragged"),
    (
        {"id": [1, 2]},
        {"start": [1, 3], "end": [2, 1], "type": "R"},
        "relationships.start",
        1,
        "no node with id 3",
    ),
    (
        {"id": ["a", "b"]},
        {"start": ["a"], "end": ["z"], "type": "R"},
        "relationships.end",
        0,
        "no node with id 'z'",
    ),
    (None, {"start": [0], "end": [99], "type": "R"}, "relationships.end", 0, "no node with id 99"),
    ({"id": [1, 1]}, None, "nodes.id", 1, "duplicate id 1"),
    ({"id": ["a", "b", "a"]}, None, "nodes.id", 2, "duplicate id 'a'"),
    ({"id": [1, "b"]}, None, "nodes.id", 1, "all integers or all strings"),
    ({"id": [1, 2.5]}, None, "nodes.id", 1, "an integer or a string"),
    ({"id": [1, 2], "labels": ["A", 7]}, None, "nodes.labels", 1, "non-empty string"),
    ({"id": [1, 2], "labels": ["A", ["B", ""]]}, None, "nodes.labels", 1, "non-empty string"),
    (
        {"id": [1, 2], "properties": {"x": [1, {"a": 1}]}},
        None,
        "nodes.properties['x']",
        1,
        "dict is not a property",
    ),
    ({"id": [1, 2], "properties": {"x": [[1], [None]]}}, None, "nodes.properties['x']", 1, "list property"),
    (
        {"id": [1]},
        {"start": [1], "end": [1], "type": ["R", ""][1:]},
        "relationships.type",
        0,
        "non-empty string",
    ),
    ({"id": [1]}, {"start": [1], "end": [1], "type": [3]}, "relationships.type", 0, "non-empty string"),
    ({"id": [1]}, {"start": [1], "end": ["1"], "type": "R"}, "relationships.end", 0, "ids are integers"),
    ({"id": [1], "colour": [1]}, None, "nodes.colour", None, "unknown column group"),
    (None, {"start": [0], "end": [0]}, "relationships.type", None, "required"),
    ({"id": np.zeros((2, 2), dtype=int)}, None, "nodes.id", None, "one-dimensional"),
]


@pytest.mark.parametrize("nodes, rels, column, row, message", BAD)
def test_invalid_input_is_refused_naming_column_and_row_and_changes_nothing(
    nodes, rels, column, row, message
):
    g = prefilled()
    before = full_state(g)
    with pytest.raises(ColumnError, match=message) as info:
        g.load_columns(nodes, rels)
    assert (info.value.column, info.value.row) == (column, row)
    if row is not None:
        assert f"row {row}" in str(info.value)
    assert full_state(g) == before


NODES_CSV = """key:ID,:LABEL,name,level:int,score:float,done:boolean,tags:string[]
c1,Concept;Core,Algebra,1,0.5,true,a;b
c2,Concept,Calculus,,1.5,false,
c3,,Limits,3,,,x
"""
RELS_CSV = """:START_ID,:END_ID,:TYPE,weight:float
c2,c1,REQUIRES,0.25
c3,c2,REQUIRES,
c3,c1,SEE_ALSO,1
"""


def test_csv_with_a_neo4j_admin_header_loads_typed_values():
    g = Graph()
    g.load_columns(nodes_from_csv(NODES_CSV), relationships_from_csv(RELS_CSV))
    rows = g.run("MATCH (n) RETURN n.key, labels(n), n.name, n.level, n.score, n.done, n.tags ORDER BY n.key")
    assert [list(r) for r in rows] == [
        ["c1", ["Concept", "Core"], "Algebra", 1, 0.5, True, ["a", "b"]],
        ["c2", ["Concept"], "Calculus", None, 1.5, False, None],
        ["c3", [], "Limits", 3, None, None, ["x"]],
    ]
    rels = g.run("MATCH (a)-[r]->(b) RETURN a.key, type(r), b.key, r.weight ORDER BY a.key, b.key")
    assert [list(r) for r in rels] == [
        ["c2", "REQUIRES", "c1", 0.25],
        ["c3", "SEE_ALSO", "c1", 1.0],
        ["c3", "REQUIRES", "c2", None],
    ]
    ints = Graph()
    ints.load_columns(
        nodes_from_csv("id:ID\n10\n20\n", "integer"),
        relationships_from_csv(":START_ID,:END_ID,:TYPE\n10,20,R\n", "integer"),
    )
    assert [list(r) for r in ints.run("MATCH (a)-[:R]->(b) RETURN a.id, b.id")] == [[10, 20]]
    typed = Graph()  # label and type for every row given outside the file, as neo4j-admin allows
    typed.load_columns(
        nodes_from_csv("id:ID\n1\n2\n", "integer", labels="C"),
        relationships_from_csv(":START_ID,:END_ID\n1,2\n2,1\n", "integer", type="R"),
    )
    assert [list(r) for r in typed.run("MATCH (a:C)-[:R]->(b:C) RETURN a.id, b.id ORDER BY a.id")] == [
        [1, 2],
        [2, 1],
    ]


@pytest.mark.parametrize(
    "text, kind, column, row, message",
    [
        ("id:ID,n:int\na,1\nb,x\n", "nodes", "nodes CSV column 'n:int'", 1, "'x' is not int"),
        ("id:ID,n\na,1\nb\n", "nodes", "nodes", 1, "has 1 fields"),
        ("id:ID,n:colour\na,1\n", "nodes", "nodes CSV column 'n:colour'", None, "unknown type"),
        ('id:ID\na\n""\n', "nodes", "nodes CSV column 'id:ID'", 1, "cannot be empty"),
        ("id:ID,b:boolean\na,yes\n", "nodes", "nodes CSV column 'b:boolean'", 0, "not boolean"),
        (":START_ID,:END_ID\na,b\n", "relationships", ":TYPE", None, "no :TYPE column"),
        ("", "nodes", "nodes", None, "empty"),
    ],
)
def test_bad_csv_is_refused_naming_column_and_row(text, kind, column, row, message):
    parse = nodes_from_csv if kind == "nodes" else relationships_from_csv
    with pytest.raises(ColumnError, match=message) as info:
        parse(text)
    assert (info.value.column, info.value.row) == (column, row)


@pytest.mark.parametrize(
    "nodes_csv, relationships_csv, message",
    [
        (
            "id:ID\n1\nx2\n",
            ":START_ID,:END_ID,:TYPE\n1,1,R\n",
            "nodes CSV column 'id:ID' row 1 (line 3): 'x2' is not int",
        ),
        (
            "id:ID\n1\n2\n",
            ":START_ID,:END_ID,:TYPE\n1,2,R\n2,-,R\n",
            "column ':END_ID' row 1 (line 3): '-' is not int",
        ),
        (
            "id:ID,n\n1,2\n,3\n",
            ":START_ID,:END_ID,:TYPE\n1,1,R\n",
            "nodes CSV column 'id:ID' row 1 (line 3): an id cannot be empty",
        ),
        ("id:ID\n1\n2\n", ":START_ID,:END_ID,:TYPE\n1,2,R\n2,3,R\n", "relationships.end row 1"),
    ],
)
def test_bad_integer_id_csv_is_refused_by_graph_import_and_changes_nothing(
    nodes_csv, relationships_csv, message
):
    """The integer-id files that the byte reader declines (a non-digit, a lone sign, an empty id,
    an endpoint no node has) are refused naming the field, and the graph keeps what it had."""
    assert "result" in rpc_envelope("graph.clear")
    rpc_envelope("graph.run", {"query": "CREATE (:Kept {k: 1})"})
    before = rpc_envelope("graph.save")["result"]["snapshot"]
    params = {"nodes_csv": nodes_csv, "relationships_csv": relationships_csv, "id_type": "integer"}
    error = rpc_envelope("graph.import", params)["error"]
    assert error["type"] == "ColumnError" and message in error["message"], error
    assert rpc_envelope("graph.save")["result"]["snapshot"] == before


def test_graph_import_rpc_adds_to_the_session_graph_or_refuses_whole():
    assert "result" in rpc_envelope("graph.clear")
    ok = rpc_envelope("graph.import", {"nodes_csv": NODES_CSV, "relationships_csv": RELS_CSV})["result"]
    assert ok["added"] == {"nodes": 3, "relationships": 3, "first_node": 0, "first_relationship": 0}
    more = rpc_envelope(
        "graph.import",
        {"nodes": {"id": [1, 2], "labels": "X"}, "relationships": {"start": [1], "end": [2], "type": "R"}},
    )["result"]
    assert more["added"] == {"nodes": 2, "relationships": 1, "first_node": 3, "first_relationship": 3}
    assert (more["nodes"], more["relationships"]) == (5, 4)
    bad = rpc_envelope("graph.import", {"relationships": {"start": [0, 1], "end": [1, 77], "type": "R"}})[
        "error"
    ]
    assert bad["type"] == "ColumnError" and "relationships.end row 1" in bad["message"]
    counts = rpc_envelope("graph.run", {"query": "MATCH ()-[r]->() RETURN count(r)"})["result"]["rows"]
    assert counts == [[4]]
    both = rpc_envelope("graph.import", {"nodes": {"id": [1]}, "nodes_csv": "id:ID\n1\n"})["error"]
    assert both["type"] == "ValidationError"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet='ab1 ,"\n\r', max_size=3), min_size=1, max_size=3),
    st.lists(st.lists(st.text(alphabet='ab1 ,"\n\r', max_size=3), min_size=1, max_size=4), max_size=6),
    st.sampled_from(["", "\n", "\n\n"]),
)
def test_the_split_reading_of_plain_csv_equals_the_csv_module(header, rows, tail):
    """csv_columns reads quote-free text by splitting; where it does, the csv module agrees."""
    from prometheus.graph import csv_columns

    text = "\n".join(",".join(r) for r in [header, *rows]) + tail
    fast = csv_columns._SplitTable.of(text)
    if fast is not None:
        header_read, columns_read = csv_columns._rows_to_columns(text, "nodes")
        assert fast.header == header_read
        assert [fast.strings(j) for j in range(len(fast.header))] == [list(c) for c in columns_read]
    plain = not any(c in "".join(header + [f for r in rows for f in r]) for c in '",\n\r')
    if plain and rows and all(len(r) == len(header) for r in rows) and header != [""]:
        if not (len(header) == 1 and any(r == [""] for r in rows)):
            assert fast is not None  # the fast path is taken for plain text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="0123456789-+ _.x", max_size=21), st.integers()), min_size=1, max_size=8
    )
)
def test_integer_ids_read_from_the_bytes_equal_int_of_the_field(rows):
    """csv_columns reads plain integer id columns from the bytes; where it does, int() agrees,
    and where it does not, the field is one int() reads differently or refuses."""
    from prometheus.graph import csv_columns

    text = "a:ID,b:ID\n" + "\n".join(f"{t},{n}" for t, n in rows) + "\n"
    table = csv_columns._SplitTable.of(text)
    assert table is not None
    for j in range(2):
        got = table.integers(j)
        if got is not None:
            assert got.tolist() == [int(v) for v in table.strings(j)]
    if all(t.lstrip("-").isdigit() and t.count("-") <= t.startswith("-") and len(t) <= 19 for t, _ in rows):
        if all(len(t.lstrip("-")) <= 18 for t, _ in rows):
            assert table.integers(0) is not None
    assert table.integers(1) is not None or any(abs(n) >= 10**18 for _, n in rows)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda width: st.lists(
            st.lists(st.text(alphabet="0123456789", min_size=0, max_size=20), min_size=width, max_size=width),
            min_size=1,
            max_size=6,
        )
    )
)
def test_an_all_digit_table_is_read_at_once_and_equals_int_of_each_field(rows):
    """A file of nothing but digits (an edge list) is parsed by numpy in one call; where every
    field is 1 to 18 digits that gives int() of each field, and otherwise the column is read
    field by field (or not as integers at all)."""
    from prometheus.graph import csv_columns

    width = len(rows[0])
    text = ",".join(f"c{j}:ID" for j in range(width)) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    table = csv_columns._SplitTable.of(text)
    if table is None:  # a one-column file with an empty field has a blank line: csv module's job
        assert width == 1 and any(r == [""] for r in rows)
        return
    _, columns = csv_columns._rows_to_columns(text, "nodes")  # the fields as the csv module reads them
    assert table._digits_only() == all(1 <= len(f) <= 18 for c in columns for f in c)
    for j, column in enumerate(columns):
        got = table.integers(j)
        if all(1 <= len(f) <= 18 for f in column):
            assert got is not None and got.tolist() == [int(f) for f in column]
        else:
            assert got is None

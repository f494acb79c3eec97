"""Params checked against annotations: each kind accepts what fits and refuses the rest by path."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

import pytest

from prometheus.rpc import method
from prometheus.rpc.annotations import Mismatch, check, signature_of, type_text
from prometheus.rpc.registry import public_methods
from prometheus.rpc.types import Alias, Float32Array, Json, When
from tests.rpc_call import rpc_envelope as call


class Point(TypedDict):
    x: float
    label: NotRequired[str]


Mode = Annotated[Literal["fast", "exact"], Alias("Mode", "how to compute")]

GOOD_AND_BAD = [
    # (annotation, values that fit, (value, message) pairs that do not)
    (
        bool,
        [True, False],
        [(1, "p must be true or false, got int"), (None, "p must be true or false, got null")],
    ),
    (
        int,
        [0, -3, 2**70],
        [(True, "p must be an integer, got bool"), (1.5, "p must be an integer, got float")],
    ),
    (
        float,
        [1, 2.5, float("nan")],
        [("1", "p must be a number, got str"), (False, "p must be a number, got bool")],
    ),
    (str, ["", "x"], [(b"x", "p must be a string, got bytes"), (["x"], "p must be a string, got list")]),
    (bytes, [b"", b"\x00"], [("AA==", "p must be bytes (a Uint8Array or ArrayBuffer), got str")]),
    (
        list[int],
        [[], [1, 2]],
        [((1, 2), "p must be a list, got tuple"), ([1, "2"], "p[1] must be an integer, got str")],
    ),
    (
        list[float | None],
        [[1.5, None, 2]],
        [([None, True], "p[1] must be a number or null, got bool")],
    ),
    (
        dict[str, list[str]],
        [{}, {"a": ["b"]}],
        [([], "p must be an object, got list"), ({"a b": [1]}, 'p["a b"][0] must be a string, got int')],
    ),
    (
        Literal["a", 1],
        ["a", 1],
        [("b", "p must be one of 'a', 1, got 'b'"), (True, "p must be one of 'a', 1, got True")],
    ),
    (
        Point,
        [{"x": 1}, {"x": 1.5, "label": "o"}],
        [
            ({}, "p.x is required"),
            ({"x": 1, "y": 2}, "p has unknown key(s) y; accepted: label, x"),
            ({"x": 1, "label": 3}, "p.label must be a string, got int"),
            ("x", "p must be an object, got str"),
        ],
    ),
    (
        list[Point] | None,
        [None, [{"x": 0}]],
        [
            ([{"x": 0}, {"x": "0"}], "p[1].x must be a number, got str"),
            (3, "p must be a list or null, got int"),
        ],
    ),
    (Mode, ["fast"], [("slow", "p must be one of 'fast', 'exact', got 'slow'")]),
    (When, ["2024-01-01T00:00:00Z", 1.7e12], [(None, "p must be a string or a number, got null")]),
    (Json, [None, {"a": [1, "b"]}], []),
    (
        Float32Array,
        [b"\x00" * 8],
        [(b"\x00" * 6, "p must be a Float32Array (its bytes) with a multiple of 4 bytes")],
    ),
]


@pytest.mark.parametrize("annotation, good, bad", GOOD_AND_BAD, ids=lambda v: None)
def test_each_kind_of_annotation(annotation, good, bad):
    for value in good:
        check(value, annotation, "p")
    for value, message in bad:
        with pytest.raises(Mismatch) as refused:
            check(value, annotation, "p")
        assert str(refused.value).startswith(message)


def test_typescript_notation():
    assert type_text(list[Point] | None) == "Point[] | null"
    assert type_text(dict[str, float | None]) == "Record<string, number | null>"
    assert type_text(list[int | str]) == "(number | string)[]"
    assert type_text(Literal["a", 2, True]) == '"a" | 2 | true'
    assert type_text(bytes) == "Uint8Array" and type_text(bytes, incoming=True) == "Uint8Array | ArrayBuffer"
    assert (
        type_text(Mode) == "Mode"
        and type_text(Float32Array) == "Float32Array"
        and type_text(Json) == "JsonValue"
    )


def test_a_registered_method_names_itself_the_param_and_the_path():
    @method("test.annotated")
    def annotated(points: list[Point], mode: Mode = "fast") -> int:
        """Counts points."""
        return len(points)

    assert call("test.annotated", {"points": [{"x": 1}]}) == {"result": 1}
    error = call("test.annotated", {"points": [{"x": 1}, {"x": 2, "label": 7}]})["error"]
    assert error["type"] == "InvalidParams"
    assert error["message"] == "test.annotated: params.points[1].label must be a string, got int"
    error = call("test.annotated", {"points": [], "mode": "slow"})["error"]
    assert error["message"] == "test.annotated: params.mode must be one of 'fast', 'exact', got 'slow'"


def test_every_public_method_is_annotated_and_documented():
    lacking = [
        name
        for name, entry in public_methods().items()
        if not signature_of(entry.function).annotated or not signature_of(entry.function).doc
    ]
    assert lacking == []


def test_core_methods_lists_every_method_with_its_params():
    listed = call("core.methods")["result"]
    names = [m["name"] for m in listed["methods"]]
    assert names == sorted(public_methods()) and len(names) > 60
    assert "quantum.stress" not in names and "quantum.time" not in names
    run = next(m for m in listed["methods"] if m["name"] == "graph.run")
    assert run["params"] == [
        {"name": "query", "type": "string", "required": True},
        {
            "name": "parameters",
            "type": "Record<string, JsonValue> | null",
            "required": False,
            "default": None,
        },
    ]
    assert run["returns"] == "QueryResult" and run["writes"] == ["graph"] and "openCypher" in run["doc"]
    types = {t["name"]: t for t in listed["types"]}
    assert {"name": "front", "type": "string", "required": False} in types["CardSpec"]["fields"]
    assert types["When"]["type"] == "string | number"


# A sample of real methods with params that do not fit: each is refused by path, and the
# store's digest of the whole logical state is the same afterwards.
REFUSED = [
    (
        "learn.add_cards",
        {"cards": [{"front": "a", "back": "b"}] * 3 + [{"front": 1, "back": "b"}]},
        "params.cards[3].front must be a string, got int",
    ),
    ("learn.answer", {"card_id": "x", "rating": 5}, "params.rating must be one of 1, 2, 3, 4"),
    (
        "graph.run",
        {"query": "CREATE (n)", "parameters": [1]},
        "params.parameters must be an object or null, got list",
    ),
    (
        "graph.import",
        {"nodes_csv": "id:ID\n1\n", "id_type": "int"},
        "params.id_type must be one of 'string', 'integer'",
    ),
    (
        "infer.index_add",
        {"ids": ["a", None], "texts": ["x", "y"]},
        "params.ids[1] must be a string or an integer, got null",
    ),
    ("settings.set", {"values": "dark"}, "params.values must be an object, got str"),
    ("store.import", {"data": [1, 2]}, "params.data must be bytes"),
    ("srs.review", {"card": {"card_id": 1}, "rating": 3}, "params.card.state is required"),
    (
        "quantum.run",
        {"qasm": "OPENQASM 2.0;", "dtype": "complex32"},
        "params.dtype must be one of 'complex128', 'complex64'",
    ),
]


@pytest.mark.parametrize("name, params, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_real_methods_refuse_bad_params_and_change_nothing(name, params, message):
    before = call("store.info")["result"]
    error = call(name, params)["error"]
    assert error["type"] == "InvalidParams"
    assert error["message"].startswith(f"{name}: {message}")
    after = call("store.info")["result"]
    assert (after["digest"], after["seq"]) == (before["digest"], before["seq"])

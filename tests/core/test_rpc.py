"""The RPC registry on CPython: binding, errors, JSON conversion."""

from __future__ import annotations

import json

import numpy
import pytest

import prometheus
from prometheus.rpc import method, methods, prepare
from prometheus.rpc.encoding import encode
from tests.rpc_call import rpc_dispatch_raw
from tests.rpc_call import rpc_envelope as call


def test_version():
    assert call("version") == {"result": prometheus.__version__}


def test_info_has_no_heap_size_on_cpython():
    assert call("core.info")["result"]["heap_bytes"] is None  # only the browser's wasm heap is reported


def test_stats_matches_numpy():
    values = [1.5, 2.5, -7.0]
    result = call("core.stats", {"values": values})["result"]
    assert result["mean"] == numpy.mean(values)
    assert result["std"] == numpy.std(values)


def test_error_envelope_names_type_and_place():
    error = call("core.stats", {"values": [1, 2, None]})["error"]
    assert error["type"] == "InvalidParams"
    assert "core.stats: params.values[2] must be a number, got null" in error["message"]
    assert "Traceback (most recent call last)" in error["traceback"]


def test_booleans_are_not_numbers():
    assert call("core.stats", {"values": [True]})["error"]["type"] == "InvalidParams"


@pytest.mark.parametrize("payload", ["{", "[1,", "nan"])
def test_invalid_json(payload):
    error = rpc_dispatch_raw("core.stats", payload)["error"]
    assert error["type"] == "ValidationError" and "not valid JSON" in error["message"]


def test_unknown_namespace_and_method():
    assert call("nothere.x")["error"]["type"] == "UnknownMethod"
    assert call("core.nothere")["error"]["type"] == "UnknownMethod"
    assert call("")["error"]["type"] == "UnknownMethod"
    assert prepare("nothere.x") == []


def test_progress_and_async_methods():
    seen = []

    @method("test.progressing")
    async def progressing(n: int, progress):
        for i in range(n):
            progress("step", (i + 1) / n)
        return n

    assert call("test.progressing", {"n": 3}, lambda s, f: seen.append((s, f))) == {"result": 3}
    assert seen == [("step", 1 / 3), ("step", 2 / 3), ("step", 1.0)]
    assert "test.progressing" in methods()
    assert call("test.progressing", {"n": 1})["result"] == 1  # no callback given: a no-op one


def test_packages_are_declared_per_method():
    @method("test.needs_scipy", packages=("scipy",))
    def needs_scipy():
        return 1

    assert prepare("test.needs_scipy") == ["scipy"]
    assert prepare("version") == []


def test_params_can_narrow_the_packages_a_call_loads():
    def by_kind(params):
        if params["kind"] == "boom":
            raise KeyError("boom")
        return {"both": ("b", "a"), "a": ("a",), "none": (), "stray": ("a", "undeclared")}[params["kind"]]

    @method("test.narrowed", packages=("a", "b"), needs=by_kind)
    def narrowed(kind: str):
        return kind

    assert prepare("test.narrowed", json.dumps({"kind": "a"})) == ["a"]
    assert prepare("test.narrowed", json.dumps({"kind": "none"})) == []
    assert prepare("test.narrowed", json.dumps({"kind": "both"})) == ["a", "b"]  # in declared order
    assert prepare("test.narrowed", json.dumps({"kind": "stray"})) == ["a"]  # never one it did not declare
    # Where the params cannot be judged, every declared package (dispatch reports what is wrong).
    assert prepare("test.narrowed") == ["a", "b"]
    assert prepare("test.narrowed", json.dumps({"kind": "boom"})) == ["a", "b"]
    assert prepare("test.narrowed", json.dumps({})) == ["a", "b"]
    assert prepare("test.narrowed", "{not json") == ["a", "b"]
    assert prepare("test.narrowed", "[1, 2]") == ["a", "b"]  # not an object: by_kind finds no "kind"
    assert prepare("nothere.y", json.dumps({"kind": "a"})) == []


def test_duplicate_registration_is_refused():
    @method("test.once")
    def once():
        return 1

    with pytest.raises(RuntimeError):
        method("test.once")(lambda: 2)


def test_json_conversion():
    buffers = []
    assert encode({"a": (1, 2), "b": numpy.float32(0.5), "c": {3}, "d": numpy.int64(7)}, buffers) == {
        "a": [1, 2],
        "b": 0.5,
        "c": [3],
        "d": 7,
    }
    assert encode([float("nan"), float("inf"), -float("inf")], buffers) == [
        {"__number__": "NaN"},
        {"__number__": "Infinity"},
        {"__number__": "-Infinity"},
    ]
    assert encode({"x": [numpy.float64("nan")]}, buffers) == {"x": [{"__number__": "NaN"}]}
    assert encode(numpy.complex128(1 + 2j), buffers) == [1.0, 2.0]
    assert buffers == []
    with pytest.raises(TypeError):
        encode(object(), buffers)


def test_unserializable_result_is_an_error_not_a_crash():
    @method("test.opaque")
    def opaque():
        return object()

    assert call("test.opaque")["error"]["type"] == "TypeError"


def test_numeric_arrays_travel_as_flat_buffers_of_their_dtype():
    import numpy as np

    buffers = []
    matrix = np.array([[1.5, 2.0, np.nan], [4.0, np.inf, 6.0]], dtype=np.float32)
    assert encode({"m": matrix}, buffers) == {"m": {"__array__": 0, "dtype": "float32"}}
    assert buffers[0].dtype == np.float32 and buffers[0].shape == (6,)  # row-major, NaN kept
    np.testing.assert_array_equal(buffers[0], matrix.reshape(-1))
    column = np.arange(12, dtype=np.int64).reshape(3, 4).T  # not contiguous: copied in C order
    assert encode(column, buffers) == {"__array__": 1, "dtype": "int64"}
    assert buffers[1].tolist() == column.reshape(-1).tolist()
    big_endian = np.array([1.0, 2.0], dtype=">f8")
    assert encode(big_endian, buffers) == {"__array__": 2, "dtype": "float64"}
    assert buffers[2].dtype.byteorder in "<=" and buffers[2].tolist() == [1.0, 2.0]
    assert encode(np.array([0.5], dtype=np.float16), buffers) == {"__array__": 3, "dtype": "float32"}
    assert encode(b"\x00\xff", buffers) == {"__bytes__": 4} and buffers[4] == b"\x00\xff"
    assert len(buffers) == 5
    # No typed array for these: they stay JSON, element by element.
    assert encode(np.array([True, False]), buffers) == [True, False]
    assert encode(np.array([1 + 2j]), buffers) == [[1.0, 2.0]]
    assert encode(np.float64(3.0), buffers) == 3.0 and encode(np.array(2.5), buffers) == 2.5
    assert len(buffers) == 5

"""The RPC registry on CPython: binding, errors, JSON conversion."""

from __future__ import annotations

import numpy
import pytest

import prometheus
from prometheus.rpc import method, methods, prepare
from prometheus.rpc.registry import to_json_value
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
    assert error["type"] == "ValidationError"
    assert "values[2]" in error["message"]
    assert "Traceback (most recent call last)" in error["traceback"]


def test_booleans_are_not_numbers():
    assert call("core.stats", {"values": [True]})["error"]["type"] == "ValidationError"


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


def test_duplicate_registration_is_refused():
    @method("test.once")
    def once():
        return 1

    with pytest.raises(RuntimeError):
        method("test.once")(lambda: 2)


def test_json_conversion():
    assert to_json_value({"a": numpy.arange(3), "b": numpy.float32(0.5), "c": (1, 2), "d": {3}}) == {
        "a": [0, 1, 2],
        "b": 0.5,
        "c": [1, 2],
        "d": [3],
    }
    assert to_json_value([float("nan"), float("inf"), -float("inf")]) == ["NaN", "Infinity", "-Infinity"]
    assert to_json_value(numpy.complex128(1 + 2j)) == [1.0, 2.0]
    with pytest.raises(TypeError):
        to_json_value(object())


def test_unserializable_result_is_an_error_not_a_crash():
    @method("test.opaque")
    def opaque():
        return object()

    assert call("test.opaque")["error"]["type"] == "TypeError"


def test_bulk_arrays_convert_like_their_elements():
    import numpy as np

    assert to_json_value(np.array([[1.5, 2.0]], dtype=np.float32)) == [[1.5, 2.0]]
    assert to_json_value(np.array([1, 2], dtype=np.int8)) == [1, 2]
    assert to_json_value(np.array([True, False])) == [True, False]
    assert to_json_value(np.array([1.0, np.nan])) == [1.0, "NaN"]
    assert type(to_json_value(np.arange(3))[0]) is int

"""The WebAssembly SIMD linear kernel (used by the numpy backend inside Pyodide), run on
CPython through wasmtime and compared with numpy."""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest

from prometheus.infer.backends import wasm_kernel

wasmtime = pytest.importorskip(
    "wasmtime", reason="wasmtime (tests/requirements/infer.txt) runs the kernel on CPython"
)


@pytest.fixture(scope="module")
def kernel():
    raw = base64.b64decode(wasm_kernel.WASM_BASE64)
    assert hashlib.sha256(raw).hexdigest() == wasm_kernel.WASM_SHA256
    store = wasmtime.Store()
    instance = wasmtime.Instance(store, wasmtime.Module(store.engine, raw), [])
    exports = instance.exports(store)
    return store, exports["memory"], exports["linear"]


def run(kernel, x, w, b):
    store, memory, linear = kernel
    rows, n_in = x.shape
    n_out = w.shape[0]
    parts = [w, b, x, np.zeros((rows, n_out), np.float32)]
    offsets, end = [], 0
    for p in parts:
        offsets.append(end)
        end += -(-p.nbytes // 16) * 16
    pages = -(-end // 65536) - memory.size(store)
    if pages > 0:
        memory.grow(store, pages)
    for off, p in zip(offsets, parts[:3]):
        memory.write(store, np.ascontiguousarray(p, np.float32).tobytes(), off)
    linear(store, offsets[2], offsets[0], offsets[1], offsets[3], rows, n_in, n_out)
    out = memory.read(store, offsets[3], offsets[3] + rows * n_out * 4)
    return np.frombuffer(out, dtype=np.float32).reshape(rows, n_out)


@pytest.mark.parametrize(
    "rows, n_in, n_out", [(1, 4, 4), (2, 8, 4), (3, 8, 12), (5, 12, 8), (7, 384, 1152), (16, 1536, 384)]
)
def test_kernel_matches_numpy(kernel, rows, n_in, n_out):
    rng = np.random.default_rng(rows * 1000 + n_in)
    x = rng.standard_normal((rows, n_in)).astype(np.float32)
    w = rng.standard_normal((n_out, n_in)).astype(np.float32)
    b = rng.standard_normal(n_out).astype(np.float32)
    expected = x.astype(np.float64) @ w.T.astype(np.float64) + b
    got = run(kernel, x, w, b)
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-4 * np.sqrt(n_in))

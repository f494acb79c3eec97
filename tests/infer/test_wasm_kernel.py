"""The WebAssembly encoder kernel (the CPU path inside Pyodide) compared with the general
numpy path: each export on random inputs, then the whole forward pass on the real model,
against numpy and against the fp32 reference. On CPython wasmtime runs the kernel; inside
Pyodide (the Pyodide lane) the browser's own WebAssembly does."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from prometheus.infer.backends import numpy_backend as nb
from prometheus.infer.backends import wasm_kernel, wasm_source
from prometheus.infer.backends.numpy_backend import NumpyBackend
from prometheus.infer.backends.wasm_backend import WasmBackend, activation_range
from tests.references import IN_PYODIDE

from .samples import SENTENCES

if not IN_PYODIDE:
    pytest.importorskip(
        "wasmtime", reason="wasmtime (tests/requirements/infer.txt) runs the kernel on CPython"
    )


def new_kernel() -> wasm_kernel.WasmKernel:
    if IN_PYODIDE:
        return wasm_kernel.WasmKernel()  # the browser's WebAssembly
    from .wasm_runtime import wasmtime_kernel

    return wasmtime_kernel()


@pytest.fixture
def kernel():
    return new_kernel()


def test_embedded_bytes_are_the_assembled_source():
    raw = wasm_kernel.module_bytes()  # checks WASM_SHA256
    assert raw[:4] == b"\0asm"
    # the generator records the text it assembled: an edit without reassembling fails here
    assert hashlib.sha256(wasm_source.wat().encode()).hexdigest() == wasm_kernel.WAT_SHA256


def quantize_reference(x: np.ndarray, qmax: int):
    mx = np.abs(x).max(axis=1)
    safe = np.where(mx > 0, mx, 1)
    inv = np.where(mx > 0, np.float32(qmax) / safe, 0).astype(np.float32)
    q = np.round(x * inv[:, None]).astype(np.int16)
    return q, np.where(mx > 0, mx / np.float32(qmax), 0).astype(np.float32)


@pytest.mark.parametrize("rows, n", [(1, 8), (3, 384), (5, 1536)])
def test_quantize_matches_numpy(kernel, rows, n):
    rng = np.random.default_rng(rows + n)
    x = (rng.standard_normal((rows, n)) * rng.uniform(0.01, 30, (rows, 1))).astype(np.float32)
    x[0, 3] = 40.0  # an outlier sets its row's scale
    if rows > 2:
        x[1] = 0.0  # a zero row: scale 0, all zeros
    xo, qo, so = kernel.put(x), kernel.alloc(x.size * 2), kernel.alloc(rows * 4)
    kernel.quantize(xo, qo, so, rows, n, 8191.0)
    q_ref, s_ref = quantize_reference(x, 8191)
    assert np.array_equal(kernel.read(qo, (rows, n), np.int16), q_ref)
    assert np.array_equal(kernel.read(so, (rows,), np.float32), s_ref)


def _linear(kernel, x, w, ws, b, res=None):
    rows, n_in = x.shape
    n_out = w.shape[0]
    qmax = activation_range(n_in)
    xo, qo, so = kernel.put(x), kernel.alloc(x.size * 2), kernel.alloc(rows * 4)
    wo, wso, bo = kernel.put(wasm_source.pack_weights(w)), kernel.put(ws), kernel.put(b)
    yo = kernel.put(res if res is not None else np.zeros((rows, n_out), np.float32))
    kernel.quantize(xo, qo, so, rows, n_in, float(qmax))
    kernel.linear(qo, so, wo, wso, bo, yo, yo, rows, n_in, n_out, int(res is not None))
    return kernel.read(yo, (rows, n_out)), quantize_reference(x, qmax)


@pytest.mark.parametrize(
    "rows, n_in, n_out",
    [(1, 4, 12), (2, 16, 24), (3, 8, 12), (4, 24, 36), (5, 384, 12), (7, 384, 1152), (16, 1536, 384)],
)
def test_linear_matches_the_general_path(kernel, rows, n_in, n_out):
    rng = np.random.default_rng(rows * 1000 + n_in)
    x = rng.standard_normal((rows, n_in)).astype(np.float32)
    w = rng.integers(-127, 128, (n_out, n_in)).astype(np.int8)
    ws = rng.uniform(1e-3, 2e-2, n_out).astype(np.float32)
    b = rng.standard_normal(n_out).astype(np.float32)
    got, (q, s) = _linear(kernel, x, w, ws, b)
    # exact integer sums, then the kernel's float steps in its order
    exact = (q.astype(np.int64) @ w.T.astype(np.int64)).astype(np.float32) * s[:, None] * ws + b
    assert np.allclose(got, exact, rtol=1e-6, atol=1e-6)
    # the general path (float32 activations, dequantized weights): quantization error only
    general = nb._linear_blas(x, w.astype(np.float32) * ws[:, None], b)
    tolerance = np.abs(x).max(axis=1, keepdims=True) / activation_range(n_in) * np.abs(w * ws[:, None]).sum(1)
    assert np.all(np.abs(got - general) <= tolerance + 1e-5)


def test_linear_adds_the_residual(kernel):
    rng = np.random.default_rng(5)
    rows, n_in, n_out = 5, 64, 24
    x = rng.standard_normal((rows, n_in)).astype(np.float32)
    w = rng.integers(-127, 128, (n_out, n_in)).astype(np.int8)
    ws = np.full(n_out, 0.02, np.float32)
    b = rng.standard_normal(n_out).astype(np.float32)
    res = rng.standard_normal((rows, n_out)).astype(np.float32)
    plain, _ = _linear(kernel, x, w, ws, b)
    added, _ = _linear(kernel, x, w, ws, b, res)
    assert np.array_equal(added, plain + res)


def test_gelu_matches_erf_and_the_numpy_path(kernel):
    x = np.concatenate([np.linspace(-12, 12, 4001), [-200, -9.5, -0.0, 0.0, 1e-30, 50, 300]]).astype(
        np.float32
    )
    x = np.concatenate([x, np.zeros(-len(x) % 8, np.float32)])
    xo = kernel.put(x)
    kernel.gelu(xo, len(x))
    got = kernel.read(xo, x.shape)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.allclose(got, exact, rtol=1e-5, atol=1e-6)
    assert np.allclose(got, nb.gelu(x.copy()), rtol=1e-5, atol=1e-6)


def test_pack_weights_refuses_shapes_linear_cannot_take():
    with pytest.raises(ValueError, match="n_out divisible by"):
        wasm_source.pack_weights(np.zeros((8, 8), np.int8))


@pytest.mark.parametrize("lengths", [[1], [3, 7], [5, 1, 130, 4, 9]])
def test_attention_on_packed_sequences_matches_padded_numpy(kernel, lengths):
    rng = np.random.default_rng(sum(lengths))
    heads, hs = 12, wasm_source.HEAD_SIZE
    h = heads * hs
    tokens = sum(lengths)
    qkv = (rng.standard_normal((tokens, 3 * h)) * 2).astype(np.float32)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32)
    scale = np.float32(1 / np.sqrt(hs))
    qo, co = kernel.put(qkv), kernel.alloc(tokens * h * 4)
    so = kernel.put(np.stack([starts, lengths], axis=1).astype(np.int32))
    scratch = kernel.alloc((max(lengths) + 4) * 4)
    kernel.attention(qo, co, so, len(lengths), heads, float(scale), scratch)
    got = kernel.read(co, (tokens, h))
    # the general path: one padded batch with an additive key mask
    width = max(lengths)
    padded = np.zeros((len(lengths), width, 3 * h), np.float32)
    mask = np.zeros((len(lengths), width), np.float32)
    for i, (s, n) in enumerate(zip(starts, lengths)):
        padded[i, :n], mask[i, :n] = qkv[s : s + n], 1
    key_bias = ((mask - 1) * np.float32(1e9)).reshape(len(lengths), 1, 1, width)
    ref = nb.attention(padded.reshape(len(lengths), width, 3, heads, hs), key_bias, scale)
    ref = np.concatenate([ref[i, :n].reshape(n, h) for i, n in enumerate(lengths)])
    # float32 sums in another order: errors scale with the largest value summed
    assert np.abs(got - ref).max() <= 2e-6 * np.abs(qkv).max()


def test_layer_norm_matches_numpy(kernel):
    rng = np.random.default_rng(9)
    x = (rng.standard_normal((6, 384)) * 3 + 1).astype(np.float32)
    w, b = rng.standard_normal(384).astype(np.float32), rng.standard_normal(384).astype(np.float32)
    xo, wo, bo = kernel.put(x), kernel.put(w), kernel.put(b)
    kernel.layer_norm(xo, wo, bo, 6, 384, 1e-12)
    assert np.allclose(kernel.read(xo, x.shape), nb.layer_norm(x.copy(), w, b, 1e-12), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("lengths", [[1], [3, 7], [5, 1, 130, 4, 9]])
def test_mean_pool_matches_numpy(kernel, lengths):
    rng = np.random.default_rng(len(lengths))
    h = 384
    x = (rng.standard_normal((sum(lengths), h)) * 3).astype(np.float32)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32)
    xo = kernel.put(x)
    so = kernel.put(np.stack([starts, lengths], axis=1).astype(np.int32))
    out = kernel.alloc(len(lengths) * h * 4)
    kernel.mean_pool(xo, out, so, len(lengths), h)
    padded = np.zeros((len(lengths), max(lengths), h), np.float32)
    mask = np.zeros((len(lengths), max(lengths)), np.int32)
    for i, (start, n) in enumerate(zip(starts, lengths, strict=True)):
        padded[i, :n], mask[i, :n] = x[start : start + n], 1
    got = kernel.read(out, (len(lengths), h))
    assert np.allclose(got, nb.mean_pool_normalize(padded, mask), rtol=1e-5, atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-6)


@pytest.fixture(scope="module")
def wasm_embedder(embedder):
    from dataclasses import asdict

    from prometheus.infer import Embedder
    from prometheus.infer.artifact import Artifact

    art = Artifact(asdict(embedder.config), embedder.weights.tensors, embedder.tokenizer.vocab)
    e = Embedder(art)
    e.use_backend(WasmBackend(e.weights, new_kernel()))
    return e


def test_forward_pass_matches_the_numpy_backend(embedder, wasm_embedder):
    texts = SENTENCES[:24]
    # the general path on one padded batch: BLAS on CPython, einsum in Pyodide
    general = NumpyBackend(embedder.weights).encode(*embedder.tokenizer.encode_batch(texts))
    fast = wasm_embedder.embed(texts)
    assert fast.shape == general.shape and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-5)
    assert np.sum(fast * general, axis=1).min() >= 0.9995


def test_packing_makes_batches_equal_to_single_sentences(wasm_embedder):
    texts = ["a much longer sentence about the structure of proteins and enzymes", "short", "mid length text"]
    together = wasm_embedder.embed(texts)
    alone = np.stack([wasm_embedder.embed([t])[0] for t in texts])
    assert np.array_equal(together, alone)  # no padding reaches the arithmetic


def test_the_encoder_export_is_its_exports_called_one_by_one(wasm_embedder):
    """`encoder` runs the layers inside the module; called op by op from Python, as the
    backend once did, the same kernel must give the same bits."""
    backend, k = wasm_embedder.backend, wasm_embedder.backend._k
    c = backend.config
    texts = ["one sentence", "and a second, longer one about enzymes and proteins", "x"]
    ids, mask = wasm_embedder.tokenizer.encode_batch(texts)
    fused = backend.encode(ids, mask)
    ws = backend._space[1]
    tokens = int(mask.sum())
    h, f, eps = c.hidden_size, c.intermediate_size, float(c.layer_norm_eps)
    x = k.read(ws["x"], (tokens, h))  # the last hidden states the fused pass left
    lengths = mask.sum(axis=1)
    keep = mask != 0
    embedded = backend._w.word_rows(ids[keep])
    embedded += backend.position[np.broadcast_to(np.arange(ids.shape[1]), ids.shape)[keep]]
    embedded += backend.token_type0
    k.write(ws["x"], embedded)

    def linear(handle, src, dst, residual=False):
        w, scale, bias, n_in, n_out = handle
        k.quantize(ws[src], ws["xq"], ws["xs"], tokens, n_in, float(activation_range(n_in)))
        k.linear(ws["xq"], ws["xs"], w, scale, bias, ws[dst], ws[dst], tokens, n_in, n_out, int(residual))

    k.layer_norm(ws["x"], *backend.embed_norm, tokens, h, eps)
    for layer in backend.layers:
        linear(layer["qkv"], "x", "qkv")
        k.attention(
            ws["qkv"],
            ws["ctx"],
            ws["seqs"],
            len(texts),
            c.num_heads,
            float(1 / np.sqrt(c.head_size)),
            ws["scores"],
        )
        linear(layer["attn_out"], "ctx", "x", residual=True)
        k.layer_norm(ws["x"], *layer["attn_norm"], tokens, h, eps)
        linear(layer["ffn_in"], "x", "inner")
        k.gelu(ws["inner"], tokens * f)
        linear(layer["ffn_out"], "inner", "x", residual=True)
        k.layer_norm(ws["x"], *layer["ffn_norm"], tokens, h, eps)
    one_by_one = k.read(ws["x"], (tokens, h))
    k.mean_pool(ws["x"], ws["pooled"], ws["seqs"], len(texts), h)
    assert np.array_equal(x, one_by_one)
    assert np.array_equal(fused, k.read(ws["pooled"], (len(texts), h)))
    assert len(lengths) == len(fused) and np.isfinite(x).all() and np.abs(x).max() > 0


def test_forward_pass_against_the_fp32_reference(wasm_embedder, reference, varied_sample):
    texts = varied_sample
    ours = wasm_embedder.embed(texts)
    ref = reference.encode(texts, batch_size=32, normalize_embeddings=True)
    cos = np.sum(ours * ref, axis=1)
    assert cos.min() >= 0.99, f"cosine {cos.min():.4f} for {texts[int(np.argmin(cos))]!r}"
    assert cos.mean() >= 0.995


def test_mask_must_be_right_padding(wasm_embedder):
    backend = wasm_embedder.backend
    ids = np.array([[101, 7592, 102, 0]], np.int32)
    with pytest.raises(ValueError, match="right padding"):
        backend.encode(ids, np.array([[1, 0, 1, 0]], np.int32))
    with pytest.raises(ValueError, match="at least one token"):
        backend.encode(ids, np.zeros((1, 4), np.int32))

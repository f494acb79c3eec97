"""The encoder forward pass in numpy: the general path, and the reference every faster
path is tested against.

On CPython `@` uses BLAS. Inside Pyodide (numpy 2.0.2, no BLAS, no SIMD) the CPU path is
`wasm_backend` (a WebAssembly kernel); this backend runs there only when WebAssembly SIMD
is missing, with `np.einsum("ij,kj->ik")` on (out, in) weights (3-7 GFLOP/s, 3-4x faster
than `@`, whose fallback loop strides down the right operand's columns). Linear weights
are dequantized once, at load, to float32 (out, in); every token of the padded batch goes
through each linear layer as one 2-D product.
"""

from __future__ import annotations

import sys

import numpy as np

from ..model import LINEARS, EncoderWeights

IN_PYODIDE = sys.platform == "emscripten"


def _linear_einsum(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.einsum("ij,kj->ik", x, w)
    out += b
    return out


def _linear_blas(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = x @ w.T
    out += b
    return out


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[-1]
    x *= 1.0 / np.sqrt(var + eps)
    x *= weight
    x += bias
    return x


# Abramowitz & Stegun 7.1.26: |erf error| < 1.5e-7, below float32 resolution of GELU.
_P = np.float32(0.3275911)
_A = [np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]
_INV_SQRT2 = np.float32(1 / np.sqrt(2))


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, in place on float32 x: x * (1 + erf(x / sqrt 2)) / 2.

    Written with three work buffers and in-place ops: on activations of a few MB each,
    fresh temporaries per step cost more than the arithmetic.
    """
    z = np.abs(x)
    z *= _INV_SQRT2
    t = z * _P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _A[0]
    for a in _A[1:]:
        poly += a
        poly *= t
    np.square(z, out=z)
    np.minimum(z, 80.0, out=z)  # exp(-80) ~ 2e-35: keeps exp clear of slow denormals
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # erfc(|x|/sqrt2) = 1 - erf(|x|/sqrt2)
    # x * (1 + erf(x/sqrt2)) / 2 == max(x, 0) - |x| * erfc(|x|/sqrt2) / 2, for both signs
    np.abs(x, out=z)
    poly *= z
    poly *= 0.5
    np.maximum(x, 0, out=x)
    x -= poly
    return x


class NumpyBackend:
    """Weights dequantized once to float32 (out, in); forward pass in numpy."""

    name = "numpy"

    def __init__(self, weights: EncoderWeights, *, kernel: str = "auto"):
        """kernel: "auto" (einsum in Pyodide, blas natively), "einsum" or "blas"."""
        self.config = c = weights.config
        self._w = weights
        if kernel == "auto":
            kernel = "einsum" if IN_PYODIDE else "blas"
        elif kernel not in ("einsum", "blas"):
            raise ValueError(f"unknown kernel {kernel!r}")
        self.kernel = kernel
        self._linear = _linear_einsum if kernel == "einsum" else _linear_blas
        self.layers = []
        for i in range(c.num_layers):
            layer: dict[str, tuple] = {}
            for name in LINEARS:
                layer[name] = (weights.dequantized(i, name), np.array(weights[f"layers.{i}.{name}.bias"]))
            for name in ("attn_norm", "ffn_norm"):
                layer[name] = (
                    np.array(weights[f"layers.{i}.{name}.weight"]),
                    np.array(weights[f"layers.{i}.{name}.bias"]),
                )
            self.layers.append(layer)
        self.position = np.array(weights["embed.position"], dtype=np.float32)
        self.token_type0 = np.array(weights["embed.token_type"][0], dtype=np.float32)
        self.embed_norm: tuple = (
            np.array(weights["embed.norm.weight"]),
            np.array(weights["embed.norm.bias"]),
        )

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        c = self.config
        n, length = ids.shape
        heads, hs, h = c.num_heads, c.head_size, c.hidden_size
        eps = c.layer_norm_eps
        x = self._w.word_rows(ids)
        x += self.position[:length]
        x += self.token_type0
        x = layer_norm(x.reshape(n * length, h), self.embed_norm[0], self.embed_norm[1], eps)
        # additive mask: 0 for tokens, a large negative for padding (per key position)
        key_bias = ((mask.astype(np.float32) - 1.0) * np.float32(1e9)).reshape(n, 1, 1, length)
        scale = np.float32(1.0 / np.sqrt(hs))
        for layer in self.layers:
            qkv = self._linear(x, *layer["qkv"]).reshape(n, length, 3, heads, hs)
            context = attention(qkv, key_bias, scale).reshape(n * length, h)
            x = layer_norm(
                x + self._linear(context, *layer["attn_out"]),
                layer["attn_norm"][0],
                layer["attn_norm"][1],
                eps,
            )
            inner = gelu(self._linear(x, *layer["ffn_in"]))
            x = layer_norm(
                x + self._linear(inner, *layer["ffn_out"]), layer["ffn_norm"][0], layer["ffn_norm"][1], eps
            )
        return mean_pool_normalize(x.reshape(n, length, h), mask)


def attention(qkv: np.ndarray, key_bias: np.ndarray, scale: np.float32) -> np.ndarray:
    """Softmax attention of every head: qkv (n, L, 3, heads, hs) -> context (n, L, heads, hs)."""
    q = qkv[:, :, 0] * scale
    k, v = qkv[:, :, 1], qkv[:, :, 2]
    # einsum beats batched matmul here on both numpys (strided 4-D operands)
    scores = np.einsum("nlhd,nmhd->nhlm", q, k)
    scores += key_bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return np.einsum("nhlm,nmhd->nlhd", scores, v)


def mean_pool_normalize(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked mean over tokens, then unit length (as sentence-transformers' Pooling+Normalize)."""
    m = mask.astype(np.float32)
    summed = np.einsum("nlh,nl->nh", x, m)
    counts = np.maximum(m.sum(axis=1, keepdims=True), 1e-9)
    pooled = summed / counts
    norms = np.maximum(np.sqrt(np.einsum("nh,nh->n", pooled, pooled))[:, None], 1e-12)
    return (pooled / norms).astype(np.float32)

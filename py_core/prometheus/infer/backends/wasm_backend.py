"""The encoder forward pass on the WebAssembly kernel (`wasm_kernel.py`): the CPU path
inside Pyodide, whose numpy has no BLAS and no SIMD.

What differs from `numpy_backend` (the general path, which stays the reference):
- the linear layers multiply int8 weights (widened to int16, resident in the kernel's
  memory) with activations quantized per row to int16 (`wasm_source` says why 14 bits),
  with integer dot products: 8 products per instruction where float32 gives 4;
- the tokens of a batch are packed without padding: only attention needs to know where a
  sentence ends, so a batch of unequal sentences costs its real token count;
- bias, GELU, the residual add, softmax and layer norm run in the kernel too, so the
  activations stay in its memory: numpy writes the token embeddings in once and reads the
  sentence vectors out once per batch, and the layers and the pooling run in one call
  (`encoder`).
"""

from __future__ import annotations

import numpy as np

from ..model import LINEARS, NORMS, EncoderWeights
from .wasm_kernel import WasmKernel
from .wasm_source import HEAD_SIZE, LAYER_FIELDS, pack_weights

QMAX = 8191  # activations in [-8191, 8191]: 14 bits
INT32_MAX = 2**31 - 1


def activation_range(n_in: int) -> int:
    """Largest |x| whose int32 sums over n_in products with |w| <= 127 cannot overflow."""
    return min(QMAX, INT32_MAX // (127 * n_in))


def _layer_row(layer: dict) -> list[int]:
    """One layer's row of the encoder's table: the offsets in `LAYER_FIELDS` order."""
    parts = {"w": 0, "scale": 1, "bias": 2, "b": 1}
    return [layer[name][parts[part]] for name, part in (f.split(".") for f in LAYER_FIELDS)]


class WasmBackend:
    """Forward pass on the WebAssembly kernel; `kernel` (a WasmKernel) defaults to one
    instantiated by the browser."""

    name = "numpy"  # the CPU path's public name (infer.load's backend "numpy")
    kernel_name = "wasm-int8"

    def __init__(self, weights: EncoderWeights, kernel: WasmKernel | None = None):
        self.config = c = weights.config
        if c.head_size != HEAD_SIZE:
            raise ValueError(f"the kernel is built for heads of {HEAD_SIZE}, the model has {c.head_size}")
        for n in (c.hidden_size, c.intermediate_size):
            if n % 8:
                raise ValueError(f"the kernel needs widths divisible by 8, got {n}")
        self.kernel = self.kernel_name
        self._k = k = kernel if kernel is not None else WasmKernel()
        self._w = weights
        self.layers = []
        for i in range(c.num_layers):
            layer: dict[str, tuple[int, ...]] = {}
            for name in LINEARS:
                q = weights[f"layers.{i}.{name}.weight"]
                if q.dtype != np.int8:
                    raise ValueError(f"layers.{i}.{name}.weight is {q.dtype}, the kernel takes int8")
                layer[name] = (
                    k.put(pack_weights(q)),
                    k.put(np.asarray(weights[f"layers.{i}.{name}.scale"], np.float32)),
                    k.put(np.asarray(weights[f"layers.{i}.{name}.bias"], np.float32)),
                    q.shape[1],
                    q.shape[0],
                )
            for name in NORMS:
                layer[name] = (
                    k.put(np.asarray(weights[f"layers.{i}.{name}.weight"], np.float32)),
                    k.put(np.asarray(weights[f"layers.{i}.{name}.bias"], np.float32)),
                )
            self.layers.append(layer)
        self.embed_norm = (
            k.put(np.asarray(weights["embed.norm.weight"], np.float32)),
            k.put(np.asarray(weights["embed.norm.bias"], np.float32)),
        )
        self.table = k.put(np.array([_layer_row(layer) for layer in self.layers], np.int32))
        self.position = np.array(weights["embed.position"], dtype=np.float32)
        self.token_type0 = np.array(weights["embed.token_type"][0], dtype=np.float32)
        self._weights_end = k.mark()
        # (tokens, longest sequence, sequences) the workspace holds, and its buffers' offsets
        self._space: tuple[tuple[int, int, int], dict[str, int]] | None = None

    def _workspace(self, tokens: int, longest: int, sequences: int) -> dict:
        if self._space is not None:
            (t, m, s), offsets = self._space
            if tokens <= t and longest <= m and sequences <= s:
                return offsets
            tokens, longest, sequences = max(tokens, t), max(longest, m), max(sequences, s)
        c, k = self.config, self._k
        h, f = c.hidden_size, c.intermediate_size
        k.release_to(self._weights_end)
        offsets = {
            "x": k.alloc(tokens * h * 4),
            "qkv": k.alloc(tokens * 3 * h * 4),
            "ctx": k.alloc(tokens * h * 4),
            "inner": k.alloc(tokens * f * 4),
            "xq": k.alloc(tokens * max(h, f) * 2),
            "xs": k.alloc(tokens * 4),
            "seqs": k.alloc(sequences * 8),
            "scores": k.alloc((longest + 4) * 4),
            "pooled": k.alloc(sequences * h * 4),
        }
        self._space = ((tokens, longest, sequences), offsets)
        return offsets

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: int32 (n, L), right-padded -> float32 (n, hidden), L2-normalised."""
        c, k = self.config, self._k
        n, width = ids.shape
        lengths = mask.sum(axis=1).astype(np.int32)
        if not np.array_equal(mask != 0, np.arange(width)[None, :] < lengths[:, None]):
            raise ValueError("the mask must be right padding (ones, then zeros, per row)")
        if n == 0:
            return np.zeros((0, c.hidden_size), np.float32)
        if lengths.min() < 1:
            raise ValueError("every row of the mask needs at least one token")
        keep = mask != 0
        tokens = int(lengths.sum())
        positions = np.broadcast_to(np.arange(width), ids.shape)[keep]
        x = self._w.word_rows(ids[keep])
        x += self.position[positions]
        x += self.token_type0
        starts = np.zeros(n, np.int32)
        np.cumsum(lengths[:-1], out=starts[1:])
        ws = self._workspace(tokens, int(lengths.max()), n)
        k.write(ws["x"], x)
        k.write(ws["seqs"], np.stack([starts, lengths], axis=1).astype(np.int32))
        h, f = c.hidden_size, c.intermediate_size
        k.encoder(
            *(ws[name] for name in ("x", "qkv", "ctx", "inner", "xq", "xs", "seqs", "scores")),
            tokens, n, h, f, c.num_heads, float(1.0 / np.sqrt(c.head_size)), float(c.layer_norm_eps),
            float(activation_range(h)), float(activation_range(f)),
            self.table, len(self.layers), *self.embed_norm, ws["pooled"],
        )  # fmt: skip
        return k.read(ws["pooled"], (n, h))

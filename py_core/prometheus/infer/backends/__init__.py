"""Where the encoder's arithmetic runs. Every backend takes token ids and a padding mask
and returns mean-pooled, L2-normalised sentence vectors; Python drives all of them.

- `numpy_backend.NumpyBackend`: the general path, everywhere (BLAS on CPython); the
  reference the other backends are tested against.
- `wasm_backend.WasmBackend`: the CPU path inside Pyodide (whose numpy has no BLAS): the
  whole forward pass on a WebAssembly SIMD kernel with int8 weights (`wasm_kernel.py`).
- `webgpu.WebGPUBackend`: in a browser worker with a WebGPU adapter (WGSL kernels in
  worker/gpu/, dispatched from Python through Pyodide's JS FFI).
"""

from __future__ import annotations

import contextlib
from typing import Protocol

import numpy as np


class Backend(Protocol):
    name: str

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: int32 (n, L) -> float32 (n, hidden), L2-normalised."""
        ...


def cpu_backend(weights) -> Backend:
    """The fastest CPU backend here: the WebAssembly kernel inside Pyodide (numpy when the
    runtime lacks WebAssembly SIMD), numpy with BLAS elsewhere."""
    from .numpy_backend import IN_PYODIDE, NumpyBackend

    if IN_PYODIDE:
        from .wasm_backend import WasmBackend

        with contextlib.suppress(Exception):  # no WebAssembly SIMD in this runtime: numpy it is
            return WasmBackend(weights)
    return NumpyBackend(weights)

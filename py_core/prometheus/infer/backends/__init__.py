"""Where the encoder's arithmetic runs. Every backend takes token ids and a padding mask
and returns mean-pooled, L2-normalised sentence vectors; Python drives all of them.

- `numpy_backend.NumpyBackend`: everywhere (CPython, Pyodide); inside Pyodide its linear
  layers run on a tiny WebAssembly SIMD kernel (`wasm_kernel.py`) when available.
- `webgpu.WebGPUBackend`: in a browser worker with a WebGPU adapter (WGSL kernels in
  worker/gpu/, dispatched from Python through Pyodide's JS FFI).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Backend(Protocol):
    name: str

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: int32 (n, L) -> float32 (n, hidden), L2-normalised."""
        ...

"""The encoder kernel on CPython: wasmtime stands in for the browser's WebAssembly, behind
the same four methods as `wasm_kernel.JsRuntime`."""

from __future__ import annotations

import numpy as np

from prometheus.infer.backends.wasm_kernel import WasmKernel, module_bytes


class WasmtimeRuntime:
    def __init__(self, raw: bytes):
        import wasmtime

        self.store = wasmtime.Store()
        instance = wasmtime.Instance(self.store, wasmtime.Module(self.store.engine, raw), [])
        self._exports = instance.exports(self.store)
        self._memory = self._exports["memory"]

    def size(self) -> int:
        return self._memory.data_len(self.store)

    def grow(self, pages: int) -> None:
        self._memory.grow(self.store, pages)

    def write(self, offset: int, array: np.ndarray) -> None:
        self._memory.write(self.store, array.tobytes(), offset)

    def read(self, offset: int, out: np.ndarray) -> None:
        data = self._memory.read(self.store, offset, offset + out.nbytes)
        out.reshape(-1).view(np.uint8)[:] = np.frombuffer(bytes(data), np.uint8)

    def function(self, name: str):
        fn = self._exports[name]
        store = self.store
        return lambda *args: fn(store, *args)


def wasmtime_kernel() -> WasmKernel:
    return WasmKernel(WasmtimeRuntime(module_bytes()))

"""A WebAssembly SIMD matmul for the numpy backend inside Pyodide (whose numpy has no BLAS
and no SIMD: einsum tops out near 3-7 GFLOP/s; this kernel runs 10-17 GFLOP/s).

Only the linear layers use it (90% of the forward pass): y = x @ w.T + b with float32 w in
(out, in) layout, three input rows times four outputs per step, f32x4 lanes. The weights are
copied once into the kernel's own memory and stay there; per call x goes in and y comes
out (two memcpy's). Python calls it synchronously through Pyodide's JS FFI.

The module is built from the WAT text that `wat()` returns (tests/infer/gen_wasm_kernel.py
assembles it with the npm package wabt and rewrites WASM_BASE64 below).
"""

from __future__ import annotations

import base64

import numpy as np

WASM_SHA256 = "460c66c2575afe1bfda4fd71497f24996254c533ff0a7ce0d2acbd09c7988982"
WASM_BASE64 = "AGFzbQEAAAABEAJgAXsBfWAHf39/f39/fwADAwIAAQUDAQABBxMCBm1lbW9yeQIABmxpbmVhcgABCu0IAhkAIAD9HwAgAP0fAZIgAP0fAiAA/R8DkpIL0AgCDn8QeyAFQQJ0IQpBACEHAkADQCAHIARPDQEgACAHIApsaiELIAMgByAGbEECdGohDCALIApqIAsgB0EBaiAESRshDSAMIAZBAnRqIQ4gDSAKaiANIAdBAmogBEkbIQ8gDiAGQQJ0aiEQQQAhCAJAA0AgCCAGTw0BIAEgCCAKbGohESARIApqIRIgEiAKaiETIBMgCmohFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRb9DAAAAAAAAAAAAAAAAAAAAAAhF/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRn9DAAAAAAAAAAAAAAAAAAAAAAhGv0MAAAAAAAAAAAAAAAAAAAAACEb/QwAAAAAAAAAAAAAAAAAAAAAIRz9DAAAAAAAAAAAAAAAAAAAAAAhHf0MAAAAAAAAAAAAAAAAAAAAACEe/QwAAAAAAAAAAAAAAAAAAAAAIR/9DAAAAAAAAAAAAAAAAAAAAAAhIEEAIQkCQANAIAkgCk8NASALIAlq/QAEACEhIA0gCWr9AAQAISIgDyAJav0ABAAhIyARIAlq/QAEACEkIBUgISAk/eYB/eQBIRUgGSAiICT95gH95AEhGSAdICMgJP3mAf3kASEdIBIgCWr9AAQAISQgFiAhICT95gH95AEhFiAaICIgJP3mAf3kASEaIB4gIyAk/eYB/eQBIR4gEyAJav0ABAAhJCAXICEgJP3mAf3kASEXIBsgIiAk/eYB/eQBIRsgHyAjICT95gH95AEhHyAUIAlq/QAEACEkIBggISAk/eYB/eQBIRggHCAiICT95gH95AEhHCAgICMgJP3mAf3kASEgIAlBEGohCQwACwsgDCAIQQBqQQJ0aiAVEAAgAiAIQQBqQQJ0aioCAJI4AgAgDCAIQQFqQQJ0aiAWEAAgAiAIQQFqQQJ0aioCAJI4AgAgDCAIQQJqQQJ0aiAXEAAgAiAIQQJqQQJ0aioCAJI4AgAgDCAIQQNqQQJ0aiAYEAAgAiAIQQNqQQJ0aioCAJI4AgAgB0EBaiAESQRAIA4gCEEAakECdGogGRAAIAIgCEEAakECdGoqAgCSOAIAIA4gCEEBakECdGogGhAAIAIgCEEBakECdGoqAgCSOAIAIA4gCEECakECdGogGxAAIAIgCEECakECdGoqAgCSOAIAIA4gCEEDakECdGogHBAAIAIgCEEDakECdGoqAgCSOAIACyAHQQJqIARJBEAgECAIQQBqQQJ0aiAdEAAgAiAIQQBqQQJ0aioCAJI4AgAgECAIQQFqQQJ0aiAeEAAgAiAIQQFqQQJ0aioCAJI4AgAgECAIQQJqQQJ0aiAfEAAgAiAIQQJqQQJ0aioCAJI4AgAgECAIQQNqQQJ0aiAgEAAgAiAIQQNqQQJ0aioCAJI4AgALIAhBBGohCAwACwsgB0EDaiEHDAALCws="

PAGE = 65536
ROWS, OUTPUTS = 3, 4  # per step: 12 f32x4 accumulators fit the 16 SIMD registers


def wat(R: int = ROWS, J: int = OUTPUTS) -> str:
    """The kernel's WebAssembly text (source of WASM_BASE64): R rows x J outputs per step,
    rows beyond the last are read from the last row and not stored."""
    acc = [f"$a{r}{j}" for r in range(R) for j in range(J)]
    zero = "\n".join(f"(local.set {a} (v128.const i32x4 0 0 0 0))" for a in acc)
    body = []
    for j in range(J):
        body.append(f"(local.set $wv (v128.load (i32.add (local.get $w{j}) (local.get $k))))")
        for r in range(R):
            body.append(
                f"(local.set $a{r}{j} (f32x4.add (local.get $a{r}{j}) (f32x4.mul (local.get $xv{r}) (local.get $wv))))"
            )
    stores = []
    for r in range(R):
        st = []
        for j in range(J):
            st.append(f"""(f32.store (i32.add (local.get $yrow{r}) (i32.shl (i32.add (local.get $o) (i32.const {j})) (i32.const 2)))
  (f32.add (call $hsum (local.get $a{r}{j})) (f32.load (i32.add (local.get $b) (i32.shl (i32.add (local.get $o) (i32.const {j})) (i32.const 2))))))""")
        block = "\n".join(st)
        stores.append(
            block
            if r == 0
            else f"(if (i32.lt_u (i32.add (local.get $r) (i32.const {r})) (local.get $rows)) (then {block}))"
        )
    xsets = []
    for r in range(1, R):
        xsets.append(
            f"(local.set $x{r} (select (i32.add (local.get $x{r - 1}) (local.get $rowbytes)) (local.get $x{r - 1}) (i32.lt_u (i32.add (local.get $r) (i32.const {r})) (local.get $rows))))"
        )
        xsets.append(
            f"(local.set $yrow{r} (i32.add (local.get $yrow{r - 1}) (i32.shl (local.get $n_out) (i32.const 2))))"
        )
    wsets = [f"(local.set $w{j} (i32.add (local.get $w{j - 1}) (local.get $rowbytes)))" for j in range(1, J)]
    xloads = [f"(local.set $xv{r} (v128.load (i32.add (local.get $x{r}) (local.get $k))))" for r in range(R)]
    locals_i = (
        " ".join(f"(local $x{r} i32) (local $yrow{r} i32)" for r in range(R))
        + " "
        + " ".join(f"(local $w{j} i32)" for j in range(J))
    )
    locals_v = (
        " ".join(f"(local {a} v128)" for a in acc) + " " + " ".join(f"(local $xv{r} v128)" for r in range(R))
    )
    nl = "\n"
    return f"""(module
 (memory (export "memory") 1)
 (func $hsum (param $v v128) (result f32)
  (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
           (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
 (func (export "linear") (param $x i32) (param $w i32) (param $b i32) (param $y i32)
   (param $rows i32) (param $n_in i32) (param $n_out i32)
   (local $r i32) (local $o i32) (local $k i32) (local $rowbytes i32)
   {locals_i} {locals_v} (local $wv v128)
   (local.set $rowbytes (i32.shl (local.get $n_in) (i32.const 2)))
   (local.set $r (i32.const 0))
   (block $rdone (loop $rloop
     (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
     (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowbytes))))
     (local.set $yrow0 (i32.add (local.get $y) (i32.shl (i32.mul (local.get $r) (local.get $n_out)) (i32.const 2))))
     {nl.join(xsets)}
     (local.set $o (i32.const 0))
     (block $odone (loop $oloop
       (br_if $odone (i32.ge_u (local.get $o) (local.get $n_out)))
       (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $rowbytes))))
       {nl.join(wsets)}
       {zero}
       (local.set $k (i32.const 0))
       (block $kdone (loop $kloop
         (br_if $kdone (i32.ge_u (local.get $k) (local.get $rowbytes)))
         {nl.join(xloads)}
         {nl.join(body)}
         (local.set $k (i32.add (local.get $k) (i32.const 16)))
         (br $kloop)))
       {nl.join(stores)}
       (local.set $o (i32.add (local.get $o) (i32.const {J})))
       (br $oloop)))
     (local.set $r (i32.add (local.get $r) (i32.const {R})))
     (br $rloop)))
 )
)
"""


class WasmLinear:
    """Linear layers computed by the SIMD kernel; weights resident in its memory."""

    def __init__(self):
        import js

        raw = base64.b64decode(WASM_BASE64)
        u8 = js.Uint8Array.new(len(raw))
        u8.assign(raw)
        module = js.WebAssembly.Module.new(u8)  # synchronous: the module is < 1 KB
        self._exports = js.WebAssembly.Instance.new(module).exports
        self._memory = self._exports.memory
        self._js = js
        self._used = 0  # bump allocator over the kernel's memory
        self._scratch = (0, 0)  # (offset, bytes)

    def _alloc(self, nbytes: int) -> int:
        offset = -(-self._used // 16) * 16
        end = offset + nbytes
        pages_needed = -(-end // PAGE) - self._memory.buffer.byteLength // PAGE
        if pages_needed > 0:
            self._memory.grow(pages_needed)
        self._used = end
        return offset

    def _put(self, offset: int, array: np.ndarray) -> None:
        array = np.ascontiguousarray(array, dtype=np.float32)
        view = self._js.Uint8Array.new(self._memory.buffer, offset, array.nbytes)
        view.assign(array.data.cast("B"))

    def upload(self, weight: np.ndarray, bias: np.ndarray) -> tuple[int, int, int, int]:
        """Store one layer; returns the handle (w offset, b offset, n_in, n_out)."""
        n_out, n_in = weight.shape
        if n_in % 4 or n_out % 4:
            raise ValueError(f"the SIMD kernel needs n_in and n_out divisible by 4 (n_out by {OUTPUTS})")
        w_off = self._alloc(weight.size * 4)
        self._put(w_off, weight)
        b_off = self._alloc(n_out * 4)
        self._put(b_off, bias)
        return (w_off, b_off, n_in, n_out)

    def __call__(self, x: np.ndarray, handle: tuple[int, int, int, int]) -> np.ndarray:
        w_off, b_off, n_in, n_out = handle
        rows = x.shape[0]
        need = rows * (n_in + n_out) * 4
        offset, size = self._scratch
        if size < need:  # scratch lives after the weights; grows, never shrinks
            offset = self._alloc(need)
            self._scratch = (offset, need)
        x_off, y_off = offset, offset + rows * n_in * 4
        self._put(x_off, x)
        self._exports.linear(x_off, w_off, b_off, y_off, rows, n_in, n_out)
        y = np.empty((rows, n_out), dtype=np.float32)
        view = self._js.Uint8Array.new(self._memory.buffer, y_off, y.nbytes)
        view.assign_to(y.data.cast("B"))
        return y

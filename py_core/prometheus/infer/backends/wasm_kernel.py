"""The encoder kernel's WebAssembly bytes and a thin handle on one instance of it.

The bytes are assembled from `wasm_source.wat()` by tests/infer/gen_wasm_kernel.py (npm
package wabt), which rewrites WASM_BASE64 and WASM_SHA256 below. `WasmKernel` owns the
instance's memory: a bump allocator for the resident weights, then one workspace for the
activations that grows with the largest batch seen. The instance comes from a runtime:
the browser's own `WebAssembly` (`JsRuntime`, through Pyodide's JS FFI, synchronous), or
any object with the same four methods (the tests use wasmtime on CPython).
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np

WAT_SHA256 = "e19d92c6be7e93ca3b27c9de47c8bcbfe5d710254f93b1a4eed0f0653477770d"  # of the text assembled, so an edit without reassembling is caught
WASM_SHA256 = "c5c4b097f50e7ef137074d557428910fc394b6af009f15758bbb14dfe6426c03"
WASM_BASE64 = "AGFzbQEAAAABJwRgBn9/f39/fQBgC39/f39/f39/f39/AGAHf39/f399fwBgAn9/AAMGBQABAgMABQMBAAEHPgYGbWVtb3J5AgAIcXVhbnRpemUAAAZsaW5lYXIAAQlhdHRlbnRpb24AAgRnZWx1AAMKbGF5ZXJfbm9ybQAECv4qBbICAwV/AX0CeyAEQQJ0IQhBACEGAkADQCAGIANPDQEgACAGIAhsaiEJIAEgBiAIQQF2bGohCv0MAAAAAAAAAAAAAAAAAAAAACEMQQAhBwJAA0AgByAITw0BIAwgCSAHav0ABAD94AH96QEhDCAHQRBqIQcMAAsLIAz9HwAgDP0fAZcgDP0fAiAM/R8Dl5chCyALQwAAAABeBEAgBSALlf0TIQ0gAiAGQQJ0aiALIAWVOAIABf0MAAAAAAAAAAAAAAAAAAAAACENIAIgBkECdGpDAAAAADgCAAtBACEHAkADQCAHIAhPDQEgCiAHQQF2aiAJIAdq/QAEACAN/eYB/Wr9+AEgCSAHav0ABBAgDf3mAf1q/fgB/YUB/QsEACAHQSBqIQcMAAsLIAZBAWohBgwACwsLig0CDH8VeyAIQQF0IQ8gCEEDdCEQIBBBAWwhFSAQQQJsIRZBACELAkADQCALIAlPDQEgAiALQQJ2IBBsaiEUIAMgC0EAakECdGr9AAQAISEgBCALQQBqQQJ0av0ABAAhIiADIAtBBGpBAnRq/QAEACEkIAQgC0EEakECdGr9AAQAISUgAyALQQhqQQJ0av0ABAAhJyAEIAtBCGpBAnRq/QAEACEoQQAhDAJAA0AgDCAHTw0BIAAgDCAPbGohESARIA9qIBEgDEEBaiAHSRshEiASIA9qIBIgDEECaiAHSRshE/0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhGf0MAAAAAAAAAAAAAAAAAAAAACEa/QwAAAAAAAAAAAAAAAAAAAAAIRv9DAAAAAAAAAAAAAAAAAAAAAAhHP0MAAAAAAAAAAAAAAAAAAAAACEd/QwAAAAAAAAAAAAAAAAAAAAAIR79DAAAAAAAAAAAAAAAAAAAAAAhHyAUIQ5BACENAkADQCANIA9PDQEgDv0ABAAhICAOIBVq/QAEACEjIA4gFmr9AAQAISYgESANav0JAgAhKSAXICkgIP26Af2uASEXIBggKSAj/boB/a4BIRggGSApICb9ugH9rgEhGSASIA1q/QkCACEpIBogKSAg/boB/a4BIRogGyApICP9ugH9rgEhGyAcICkgJv26Af2uASEcIBMgDWr9CQIAISkgHSApICD9ugH9rgEhHSAeICkgI/26Af2uASEeIB8gKSAm/boB/a4BIR8gDv0ABBAhICAOIBVq/QAEECEjIA4gFmr9AAQQISYgESANav0JAgQhKSAXICkgIP26Af2uASEXIBggKSAj/boB/a4BIRggGSApICb9ugH9rgEhGSASIA1q/QkCBCEpIBogKSAg/boB/a4BIRogGyApICP9ugH9rgEhGyAcICkgJv26Af2uASEcIBMgDWr9CQIEISkgHSApICD9ugH9rgEhHSAeICkgI/26Af2uASEeIB8gKSAm/boB/a4BIR8gDkEgaiEOIA1BCGohDQwACwsgASAMQQBqQQJ0aioCAP0TISogF/36ASAq/eYBICH95gEgIv3kASErIAoEQCArIAYgDEEAaiAJbCALQQBqakECdGr9AAQA/eQBISsLIAUgDEEAaiAJbCALQQBqakECdGogK/0LBAAgGP36ASAq/eYBICT95gEgJf3kASErIAoEQCArIAYgDEEAaiAJbCALQQRqakECdGr9AAQA/eQBISsLIAUgDEEAaiAJbCALQQRqakECdGogK/0LBAAgGf36ASAq/eYBICf95gEgKP3kASErIAoEQCArIAYgDEEAaiAJbCALQQhqakECdGr9AAQA/eQBISsLIAUgDEEAaiAJbCALQQhqakECdGogK/0LBAAgDEEBaiAHSQRAIAEgDEEBakECdGoqAgD9EyEqIBr9+gEgKv3mASAh/eYBICL95AEhKyAKBEAgKyAGIAxBAWogCWwgC0EAampBAnRq/QAEAP3kASErCyAFIAxBAWogCWwgC0EAampBAnRqICv9CwQAIBv9+gEgKv3mASAk/eYBICX95AEhKyAKBEAgKyAGIAxBAWogCWwgC0EEampBAnRq/QAEAP3kASErCyAFIAxBAWogCWwgC0EEampBAnRqICv9CwQAIBz9+gEgKv3mASAn/eYBICj95AEhKyAKBEAgKyAGIAxBAWogCWwgC0EIampBAnRq/QAEAP3kASErCyAFIAxBAWogCWwgC0EIampBAnRqICv9CwQACyAMQQJqIAdJBEAgASAMQQJqQQJ0aioCAP0TISogHf36ASAq/eYBICH95gEgIv3kASErIAoEQCArIAYgDEECaiAJbCALQQBqakECdGr9AAQA/eQBISsLIAUgDEECaiAJbCALQQBqakECdGogK/0LBAAgHv36ASAq/eYBICT95gEgJf3kASErIAoEQCArIAYgDEECaiAJbCALQQRqakECdGr9AAQA/eQBISsLIAUgDEECaiAJbCALQQRqakECdGogK/0LBAAgH/36ASAq/eYBICf95gEgKP3kASErIAoEQCArIAYgDEECaiAJbCALQQhqakECdGr9AAQA/eQBISsLIAUgDEECaiAJbCALQQhqakECdGogK/0LBAALIAxBA2ohDAwACwsgC0EMaiELDAALCwueDAMMfwJ9GnsgBEEgbEECdCENIA1BA2whDiAF/RMhFUEAIQcCQANAIAcgA08NASACIAdBA3RqKAIAIQggAiAHQQN0aigCBCEJQQAhCgJAA0AgCiAETw0BQQAhCwJAA0AgCyAJTw0BIAAgCCALaiAObGogDUEAbGogCkEgbEECdGohDyAP/QAEACAV/eYBIR8gD/0ABBAgFf3mASEhIA/9AAQgIBX95gEhIyAP/QAEMCAV/eYBISUgD/0ABEAgFf3mASEnIA/9AARQIBX95gEhKSAP/QAEYCAV/eYBISsgD/0ABHAgFf3mASEtQwAAgP8hFEEAIQwCQANAIAwgCU8NASAAIAggDGogDmxqIA1BAWxqIApBIGxBAnRqIRAgHyAQ/QAEAP3mASAhIBD9AAQQ/eYB/eQBICMgEP0ABCD95gH95AEgJSAQ/QAEMP3mAf3kASAnIBD9AARA/eYB/eQBICkgEP0ABFD95gH95AEgKyAQ/QAEYP3mAf3kASAtIBD9AARw/eYB/eQBIRcgF/0fACAX/R8BkiAX/R8CIBf9HwOSkiETIAYgDEECdGogEzgCACAUIBOXIRQgDEEBaiEMDAALCyAGIAlBAnRq/QwAAID/AACA/wAAgP8AAID//QsEAP0MAAAAAAAAAAAAAAAAAAAAACEcQQAhDAJAA0AgDCAJTw0BIAYgDEECdGr9AAQAIBT9E/3lAf0MAACuwgAArsIAAK7CAACuwv1EIRggBiAMQQJ0av0ABAAgFP0T/eUB/QwAALBCAACwQgAAsEIAALBC/eoB/QwAAK7CAACuwgAArsIAAK7C/esBIRkgGf0MO6q4PzuquD87qrg/O6q4P/3mAf0MAABASwAAQEsAAEBLAABAS/3kASEbIBv9DAAAQEsAAEBLAABASwAAQEv95QEhGiAZIBr9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgGv0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASEZIBj9DGdpUDlnaVA5Z2lQOWdpUDkgGf3mAf0MzkO3Os5DtzrOQ7c6zkO3Ov3kASAZ/eYB/QwIiQg8CIkIPAiJCDwIiQg8/eQBIBn95gH9DMGpKj3BqSo9wakqPcGpKj395AEgGf3mAf0MqqoqPqqqKj6qqio+qqoqPv3kASAZ/eYB/QwAAAA/AAAAPwAAAD8AAAA//eQBIBn95gEgGf3mASAZ/eQB/QwAAIA/AACAPwAAgD8AAIA//eQBIBv9DH8AwLR/AMC0fwDAtH8AwLT9rgFBF/2rAf3mAf1OIRYgBiAMQQJ0aiAW/QsEACAcIBb95AEhHCAMQQRqIQwMAAsLQwAAgD8gHP0fACAc/R8BkiAc/R8CIBz9HwOSkpX9EyEd/QwAAAAAAAAAAAAAAAAAAAAAISD9DAAAAAAAAAAAAAAAAAAAAAAhIv0MAAAAAAAAAAAAAAAAAAAAACEk/QwAAAAAAAAAAAAAAAAAAAAAISb9DAAAAAAAAAAAAAAAAAAAAAAhKP0MAAAAAAAAAAAAAAAAAAAAACEq/QwAAAAAAAAAAAAAAAAAAAAAISz9DAAAAAAAAAAAAAAAAAAAAAAhLkEAIQwCQANAIAwgCU8NASAGIAxBAnRq/QkCACEeIAAgCCAMaiAObGogDUECbGogCkEgbEECdGohESAgIB4gEf0ABAD95gH95AEhICAiIB4gEf0ABBD95gH95AEhIiAkIB4gEf0ABCD95gH95AEhJCAmIB4gEf0ABDD95gH95AEhJiAoIB4gEf0ABED95gH95AEhKCAqIB4gEf0ABFD95gH95AEhKiAsIB4gEf0ABGD95gH95AEhLCAuIB4gEf0ABHD95gH95AEhLiAMQQFqIQwMAAsLIAEgCCALaiANbGogCkEgbEECdGohEiASICAgHf3mAf0LBAAgEiAiIB395gH9CwQQIBIgJCAd/eYB/QsEICASICYgHf3mAf0LBDAgEiAoIB395gH9CwRAIBIgKiAd/eYB/QsEUCASICwgHf3mAf0LBGAgEiAuIB395gH9CwRwIAtBAWohCwwACwsgCkEBaiEKDAALCyAHQQFqIQcMAAsLC8MMAgJ/EHsgAUECdCEDQQAhAgJAA0AgAiADTw0BIAAgAmr9AAQAIQsgACACav0ABBAhEyAL/eAB/QzzBDU/8wQ1P/MENT/zBDU//eYBIQj9DAAAgD8AAIA/AACAPwAAgD8gCP0MBbqnPgW6pz4Fuqc+BbqnPv3mAf0MAACAPwAAgD8AAIA/AACAP/3kAf3nASEJIAggCP3mAf0MAACgQgAAoEIAAKBCAACgQv3qAf3hAf0MAACuwgAArsIAAK7CAACuwv1EIQQgCCAI/eYB/QwAAKBCAACgQgAAoEIAAKBC/eoB/eEB/QwAALBCAACwQgAAsEIAALBC/eoB/QwAAK7CAACuwgAArsIAAK7C/esBIQUgBf0MO6q4PzuquD87qrg/O6q4P/3mAf0MAABASwAAQEsAAEBLAABAS/3kASEHIAf9DAAAQEsAAEBLAABASwAAQEv95QEhBiAFIAb9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgBv0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASEFIAT9DGdpUDlnaVA5Z2lQOWdpUDkgBf3mAf0MzkO3Os5DtzrOQ7c6zkO3Ov3kASAF/eYB/QwIiQg8CIkIPAiJCDwIiQg8/eQBIAX95gH9DMGpKj3BqSo9wakqPcGpKj395AEgBf3mAf0MqqoqPqqqKj6qqio+qqoqPv3kASAF/eYB/QwAAAA/AAAAPwAAAD8AAAA//eQBIAX95gEgBf3mASAF/eQB/QwAAIA/AACAPwAAgD8AAIA//eQBIAf9DH8AwLR/AMC0fwDAtH8AwLT9rgFBF/2rAf3mAf1OIQogC/0MAAAAAAAAAAAAAAAAAAAAAP3rASAJ/Qwi3Ic/ItyHPyLchz8i3Ic//eYB/QzjALq/4wC6v+MAur/jALq//eQBIAn95gH9DOPwtT/j8LU/4/C1P+PwtT/95AEgCf3mAf0MjqmRvo6pkb6OqZG+jqmRvv3kASAJ/eYB/QwGeYI+BnmCPgZ5gj4GeYI+/eQBIAn95gEgCv3mASAL/eAB/eYB/QwAAAA/AAAAPwAAAD8AAAA//eYB/eUBIQsgE/3gAf0M8wQ1P/MENT/zBDU/8wQ1P/3mASEQ/QwAAIA/AACAPwAAgD8AAIA/IBD9DAW6pz4Fuqc+BbqnPgW6pz795gH9DAAAgD8AAIA/AACAPwAAgD/95AH95wEhESAQIBD95gH9DAAAoEIAAKBCAACgQgAAoEL96gH94QH9DAAArsIAAK7CAACuwgAArsL9RCEMIBAgEP3mAf0MAACgQgAAoEIAAKBCAACgQv3qAf3hAf0MAACwQgAAsEIAALBCAACwQv3qAf0MAACuwgAArsIAAK7CAACuwv3rASENIA39DDuquD87qrg/O6q4PzuquD/95gH9DAAAQEsAAEBLAABASwAAQEv95AEhDyAP/QwAAEBLAABASwAAQEsAAEBL/eUBIQ4gDSAO/QwAgDE/AIAxPwCAMT8AgDE//eYB/eUBIA79DIOAXrmDgF65g4BeuYOAXrn95gH95QEhDSAM/QxnaVA5Z2lQOWdpUDlnaVA5IA395gH9DM5DtzrOQ7c6zkO3Os5Dtzr95AEgDf3mAf0MCIkIPAiJCDwIiQg8CIkIPP3kASAN/eYB/QzBqSo9wakqPcGpKj3BqSo9/eQBIA395gH9DKqqKj6qqio+qqoqPqqqKj795AEgDf3mAf0MAAAAPwAAAD8AAAA/AAAAP/3kASAN/eYBIA395gEgDf3kAf0MAACAPwAAgD8AAIA/AACAP/3kASAP/Qx/AMC0fwDAtH8AwLR/AMC0/a4BQRf9qwH95gH9TiESIBP9DAAAAAAAAAAAAAAAAAAAAAD96wEgEf0MItyHPyLchz8i3Ic/ItyHP/3mAf0M4wC6v+MAur/jALq/4wC6v/3kASAR/eYB/Qzj8LU/4/C1P+PwtT/j8LU//eQBIBH95gH9DI6pkb6OqZG+jqmRvo6pkb795AEgEf3mAf0MBnmCPgZ5gj4GeYI+BnmCPv3kASAR/eYBIBL95gEgE/3gAf3mAf0MAAAAPwAAAD8AAAA/AAAAP/3mAf3lASETIAAgAmogC/0LBAAgACACaiAT/QsEECACQSBqIQIMAAsLC9YCAwR/AX0EeyAEQQJ0IQggBLMhCkEAIQYCQANAIAYgA08NASAAIAYgCGxqIQn9DAAAAAAAAAAAAAAAAAAAAAAhC0EAIQcCQANAIAcgCE8NASALIAkgB2r9AAQA/eQBIQsgB0EQaiEHDAALCyAL/R8AIAv9HwGSIAv9HwIgC/0fA5KSIAqV/RMhDf0MAAAAAAAAAAAAAAAAAAAAACELQQAhBwJAA0AgByAITw0BIAkgB2r9AAQAIA395QEhDCALIAwgDP3mAf3kASELIAdBEGohBwwACwtDAACAPyAL/R8AIAv9HwGSIAv9HwIgC/0fA5KSIAqVIAWSkZX9EyEOQQAhBwJAA0AgByAITw0BIAkgB2ogCSAHav0ABAAgDf3lASAO/eYBIAEgB2r9AAQA/eYBIAIgB2r9AAQA/eQB/QsEACAHQRBqIQcMAAsLIAZBAWohBgwACwsL"

PAGE = 65536
ALIGN = 16


def module_bytes() -> bytes:
    raw = base64.b64decode(WASM_BASE64)
    if hashlib.sha256(raw).hexdigest() != WASM_SHA256:
        raise RuntimeError("the embedded WebAssembly kernel does not match its sha256")
    return raw


class JsRuntime:
    """The kernel instantiated by the browser's WebAssembly (Pyodide only)."""

    def __init__(self, raw: bytes):
        import js

        u8 = js.Uint8Array.new(len(raw))
        u8.assign(raw)
        # synchronous compile: fine in a worker (and the module is a few KB)
        self._exports = js.WebAssembly.Instance.new(js.WebAssembly.Module.new(u8)).exports
        self._memory = self._exports.memory
        self._js = js

    def size(self) -> int:
        return self._memory.buffer.byteLength

    def grow(self, pages: int) -> None:
        self._memory.grow(pages)

    def write(self, offset: int, array: np.ndarray) -> None:
        view = self._js.Uint8Array.new(self._memory.buffer, offset, array.nbytes)
        view.assign(array.data.cast("B"))

    def read(self, offset: int, out: np.ndarray) -> None:
        view = self._js.Uint8Array.new(self._memory.buffer, offset, out.nbytes)
        view.assign_to(out.data.cast("B"))

    def function(self, name: str):
        return getattr(self._exports, name)


class WasmKernel:
    """One kernel instance: allocation, copies in and out, and its exported functions."""

    def __init__(self, runtime=None):
        self.runtime = runtime if runtime is not None else JsRuntime(module_bytes())
        self._used = 0
        f = self.runtime.function
        self.quantize = f("quantize")
        self.linear = f("linear")
        self.attention = f("attention")
        self.layer_norm = f("layer_norm")
        self.gelu = f("gelu")

    def alloc(self, nbytes: int) -> int:
        """Offset of nbytes of fresh memory (16-byte aligned), growing the memory as needed."""
        offset = -(-self._used // ALIGN) * ALIGN
        end = offset + nbytes
        missing = -(-end // PAGE) - self.runtime.size() // PAGE
        if missing > 0:
            self.runtime.grow(missing)
        self._used = end
        return offset

    def mark(self) -> int:
        return self._used

    def release_to(self, mark: int) -> None:
        """Forget every allocation after `mark` (the memory itself never shrinks)."""
        self._used = mark

    def put(self, array: np.ndarray) -> int:
        """Copies a contiguous array in; returns its offset."""
        array = np.ascontiguousarray(array)
        offset = self.alloc(array.nbytes)
        self.runtime.write(offset, array)
        return offset

    def write(self, offset: int, array: np.ndarray) -> None:
        self.runtime.write(offset, np.ascontiguousarray(array))

    def read(self, offset: int, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
        out = np.empty(shape, dtype=dtype)
        self.runtime.read(offset, out)
        return out

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

WAT_SHA256 = "08a8bbb0527a79330992e57ea5b0cc305ff08a87e3da338610668564c9215fc2"  # of the text assembled, so an edit without reassembling is caught
WASM_SHA256 = "9af4b25e58f29affb98f710eb0cc19b759cc804586c697e017dbbd161ce9ccd8"
WASM_BASE64 = "AGFzbQEAAAABLAVgAXsBfWABewF7YAZ/f39/f30AYAt/f39/f39/f39/fwBgB39/f39/fX8AAwgHAAEBAgMEAgUDAQABBzcFBm1lbW9yeQIACHF1YW50aXplAAMGbGluZWFyAAQJYXR0ZW50aW9uAAUKbGF5ZXJfbm9ybQAGCrEgBxkAIAD9HwAgAP0fAZIgAP0fAiAA/R8DkpIL+wIBA3sgAP0MAACuwgAArsIAAK7CAACuwv1EIQMgAP0MAACwQgAAsEIAALBCAACwQv3oAf0MAACuwgAArsIAAK7CAACuwv3pASEAIAD9DDuquD87qrg/O6q4PzuquD/95gH9aiEBIAAgAf0MAIAxPwCAMT8AgDE/AIAxP/3mAf3lASAB/QyDgF65g4BeuYOAXrmDgF65/eYB/eUBIQIgA/0MZ2lQOWdpUDlnaVA5Z2lQOSAC/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIAL95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEgAv3mAf0MwakqPcGpKj3BqSo9wakqPf3kASAC/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIAL95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEgAv3mASAC/eYBIAL95AH9DAAAgD8AAIA/AACAPwAAgD/95AEgAf34Af0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYB/U4LvQIBAnsgAP3gAf0M8wQ1P/MENT/zBDU/8wQ1P/3mASEB/QwAAIA/AACAPwAAgD8AAIA/IAH9DAW6pz4Fuqc+BbqnPgW6pz795gH9DAAAgD8AAIA/AACAPwAAgD/95AH95wEhAiAA/QwAAAAAAAAAAAAAAAAAAAAA/ekBIAL9DCLchz8i3Ic/ItyHPyLchz/95gH9DOMAur/jALq/4wC6v+MAur/95AEgAv3mAf0M4/C1P+PwtT/j8LU/4/C1P/3kASAC/eYB/QyOqZG+jqmRvo6pkb6OqZG+/eQBIAL95gH9DAZ5gj4GeYI+BnmCPgZ5gj795AEgAv3mASABIAH95gH9DAAAoEIAAKBCAACgQgAAoEL96AH94QEQAf3mASAA/eAB/eYB/QwAAAA/AAAAPwAAAD8AAAA//eYB/eUBC7ICAwV/AX0CeyAEQQJ0IQhBACEGAkADQCAGIANPDQEgACAGIAhsaiEJIAEgBiAIQQF2bGohCv0MAAAAAAAAAAAAAAAAAAAAACEMQQAhBwJAA0AgByAITw0BIAwgCSAHav0ABAD94AH96QEhDCAHQRBqIQcMAAsLIAz9HwAgDP0fAZcgDP0fAiAM/R8Dl5chCyALQwAAAABeBEAgBSALlf0TIQ0gAiAGQQJ0aiALIAWVOAIABf0MAAAAAAAAAAAAAAAAAAAAACENIAIgBkECdGpDAAAAADgCAAtBACEHAkADQCAHIAhPDQEgCiAHQQF2aiAJIAdq/QAEACAN/eYB/Wr9+AEgCSAHav0ABBAgDf3mAf1q/fgB/YUB/QsEACAHQSBqIQcMAAsLIAZBAWohBgwACwsLqQ0CC38TeyAIQQF0IQ5BACELAkADQCALIAlPDQEgAiALIA5saiESIBIgDmohEyATIA5qIRQgFCAOaiEVIAMgC0ECdGr9AAQAISYgBCALQQJ0av0ABAAhJ0EAIQwCQANAIAwgB08NASAAIAwgDmxqIQ8gDyAOaiAPIAxBAWogB0kbIRAgECAOaiAQIAxBAmogB0kbIRH9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhGf0MAAAAAAAAAAAAAAAAAAAAACEa/QwAAAAAAAAAAAAAAAAAAAAAIRv9DAAAAAAAAAAAAAAAAAAAAAAhHP0MAAAAAAAAAAAAAAAAAAAAACEd/QwAAAAAAAAAAAAAAAAAAAAAIR79DAAAAAAAAAAAAAAAAAAAAAAhH/0MAAAAAAAAAAAAAAAAAAAAACEg/QwAAAAAAAAAAAAAAAAAAAAAISFBACENAkADQCANIA5PDQEgDyANav0ABAAhIiAQIA1q/QAEACEjIBEgDWr9AAQAISQgEiANav0ABAAhJSAWICIgJf26Af2uASEWIBogIyAl/boB/a4BIRogHiAkICX9ugH9rgEhHiATIA1q/QAEACElIBcgIiAl/boB/a4BIRcgGyAjICX9ugH9rgEhGyAfICQgJf26Af2uASEfIBQgDWr9AAQAISUgGCAiICX9ugH9rgEhGCAcICMgJf26Af2uASEcICAgJCAl/boB/a4BISAgFSANav0ABAAhJSAZICIgJf26Af2uASEZIB0gIyAl/boB/a4BIR0gISAkICX9ugH9rgEhISANQRBqIQ0MAAsLIBYgF/0NAAECAwQFBgcQERITFBUWFyAWIBf9DQgJCgsMDQ4PGBkaGxwdHh/9rgEgGCAZ/Q0AAQIDBAUGBxAREhMUFRYXIBggGf0NCAkKCwwNDg8YGRobHB0eH/2uAf0NAAECAwgJCgsQERITGBkaGyAWIBf9DQABAgMEBQYHEBESExQVFhcgFiAX/Q0ICQoLDA0ODxgZGhscHR4f/a4BIBggGf0NAAECAwQFBgcQERITFBUWFyAYIBn9DQgJCgsMDQ4PGBkaGxwdHh/9rgH9DQQFBgcMDQ4PFBUWFxwdHh/9rgH9+gEgASAMQQBqQQJ0aioCAP0T/eYBICb95gEgJ/3kASEoIApBAXEEQCAoEAIhKAsgCkECcQRAICggBiAMQQBqIAlsIAtqQQJ0av0ABAD95AEhKAsgBSAMQQBqIAlsIAtqQQJ0aiAo/QsEACAMQQFqIAdJBEAgGiAb/Q0AAQIDBAUGBxAREhMUFRYXIBogG/0NCAkKCwwNDg8YGRobHB0eH/2uASAcIB39DQABAgMEBQYHEBESExQVFhcgHCAd/Q0ICQoLDA0ODxgZGhscHR4f/a4B/Q0AAQIDCAkKCxAREhMYGRobIBogG/0NAAECAwQFBgcQERITFBUWFyAaIBv9DQgJCgsMDQ4PGBkaGxwdHh/9rgEgHCAd/Q0AAQIDBAUGBxAREhMUFRYXIBwgHf0NCAkKCwwNDg8YGRobHB0eH/2uAf0NBAUGBwwNDg8UFRYXHB0eH/2uAf36ASABIAxBAWpBAnRqKgIA/RP95gEgJv3mASAn/eQBISggCkEBcQRAICgQAiEoCyAKQQJxBEAgKCAGIAxBAWogCWwgC2pBAnRq/QAEAP3kASEoCyAFIAxBAWogCWwgC2pBAnRqICj9CwQACyAMQQJqIAdJBEAgHiAf/Q0AAQIDBAUGBxAREhMUFRYXIB4gH/0NCAkKCwwNDg8YGRobHB0eH/2uASAgICH9DQABAgMEBQYHEBESExQVFhcgICAh/Q0ICQoLDA0ODxgZGhscHR4f/a4B/Q0AAQIDCAkKCxAREhMYGRobIB4gH/0NAAECAwQFBgcQERITFBUWFyAeIB/9DQgJCgsMDQ4PGBkaGxwdHh/9rgEgICAh/Q0AAQIDBAUGBxAREhMUFRYXICAgIf0NCAkKCwwNDg8YGRobHB0eH/2uAf0NBAUGBwwNDg8UFRYXHB0eH/2uAf36ASABIAxBAmpBAnRqKgIA/RP95gEgJv3mASAn/eQBISggCkEBcQRAICgQAiEoCyAKQQJxBEAgKCAGIAxBAmogCWwgC2pBAnRq/QAEAP3kASEoCyAFIAxBAmogCWwgC2pBAnRqICj9CwQACyAMQQNqIQwMAAsLIAtBBGohCwwACwsLxwgDDH8CfRV7IARBIGxBAnQhDSANQQNsIQ4gBf0TIRVBACEHAkADQCAHIANPDQEgAiAHQQN0aigCACEIIAIgB0EDdGooAgQhCUEAIQoCQANAIAogBE8NAUEAIQsCQANAIAsgCU8NASAAIAggC2ogDmxqIA1BAGxqIApBIGxBAnRqIQ8gD/0ABAAgFf3mASEaIA/9AAQQIBX95gEhHCAP/QAEICAV/eYBIR4gD/0ABDAgFf3mASEgIA/9AARAIBX95gEhIiAP/QAEUCAV/eYBISQgD/0ABGAgFf3mASEmIA/9AARwIBX95gEhKEMAAID/IRRBACEMAkADQCAMIAlPDQEgACAIIAxqIA5saiANQQFsaiAKQSBsQQJ0aiEQIBogEP0ABAD95gEgHCAQ/QAEEP3mAf3kASAeIBD9AAQg/eYB/eQBICAgEP0ABDD95gH95AEgIiAQ/QAEQP3mAf3kASAkIBD9AARQ/eYB/eQBICYgEP0ABGD95gH95AEgKCAQ/QAEcP3mAf3kARAAIRMgBiAMQQJ0aiATOAIAIBQgE5chFCAMQQFqIQwMAAsLIAYgCUECdGr9DAAAgP8AAID/AACA/wAAgP/9CwQA/QwAAAAAAAAAAAAAAAAAAAAAIRdBACEMAkADQCAMIAlPDQEgBiAMQQJ0av0ABAAgFP0T/eUBEAEhFiAGIAxBAnRqIBb9CwQAIBcgFv3kASEXIAxBBGohDAwACwtDAACAPyAXEACV/RMhGP0MAAAAAAAAAAAAAAAAAAAAACEb/QwAAAAAAAAAAAAAAAAAAAAAIR39DAAAAAAAAAAAAAAAAAAAAAAhH/0MAAAAAAAAAAAAAAAAAAAAACEh/QwAAAAAAAAAAAAAAAAAAAAAISP9DAAAAAAAAAAAAAAAAAAAAAAhJf0MAAAAAAAAAAAAAAAAAAAAACEn/QwAAAAAAAAAAAAAAAAAAAAAISlBACEMAkADQCAMIAlPDQEgBiAMQQJ0av0JAgAhGSAAIAggDGogDmxqIA1BAmxqIApBIGxBAnRqIREgGyAZIBH9AAQA/eYB/eQBIRsgHSAZIBH9AAQQ/eYB/eQBIR0gHyAZIBH9AAQg/eYB/eQBIR8gISAZIBH9AAQw/eYB/eQBISEgIyAZIBH9AARA/eYB/eQBISMgJSAZIBH9AARQ/eYB/eQBISUgJyAZIBH9AARg/eYB/eQBIScgKSAZIBH9AARw/eYB/eQBISkgDEEBaiEMDAALCyABIAggC2ogDWxqIApBIGxBAnRqIRIgEiAbIBj95gH9CwQAIBIgHSAY/eYB/QsEECASIB8gGP3mAf0LBCAgEiAhIBj95gH9CwQwIBIgIyAY/eYB/QsEQCASICUgGP3mAf0LBFAgEiAnIBj95gH9CwRgIBIgKSAY/eYB/QsEcCALQQFqIQsMAAsLIApBAWohCgwACwsgB0EBaiEHDAALCwuwAgMEfwF9BHsgBEECdCEIIASzIQpBACEGAkADQCAGIANPDQEgACAGIAhsaiEJ/QwAAAAAAAAAAAAAAAAAAAAAIQtBACEHAkADQCAHIAhPDQEgCyAJIAdq/QAEAP3kASELIAdBEGohBwwACwsgCxAAIAqV/RMhDf0MAAAAAAAAAAAAAAAAAAAAACELQQAhBwJAA0AgByAITw0BIAkgB2r9AAQAIA395QEhDCALIAwgDP3mAf3kASELIAdBEGohBwwACwtDAACAPyALEAAgCpUgBZKRlf0TIQ5BACEHAkADQCAHIAhPDQEgCSAHaiAJIAdq/QAEACAN/eUBIA795gEgASAHav0ABAD95gEgAiAHav0ABAD95AH9CwQAIAdBEGohBwwACwsgBkEBaiEGDAALCws="

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
        view.assign(memoryview(array).cast("B"))

    def read(self, offset: int, out: np.ndarray) -> None:
        view = self._js.Uint8Array.new(self._memory.buffer, offset, out.nbytes)
        view.assign_to(memoryview(out).cast("B"))

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

"""The encoder on WebGPU, driven from Python through Pyodide's JS FFI.

Python decides everything (which kernel, with which buffers and sizes, in what order);
the browser's WebGPU API only compiles the WGSL in `wgsl.py`, runs it and moves buffers.
Weights are uploaded once (linear layers as int8, four to a u32) and stay resident on
the device between calls. Embedding lookup and its layer norm run in numpy (a gather:
no arithmetic worth a kernel); everything after runs on the GPU, and only the pooled
(n, 384) vectors are read back.

Works only inside a browser worker (`import js`); `create` returns None when there is no
adapter, so callers fall back to numpy.
"""

from __future__ import annotations

import struct

import numpy as np

from ..model import EncoderWeights
from . import wgsl
from .numpy_backend import layer_norm


def _obj(value):
    import js
    from pyodide.ffi import to_js

    return to_js(value, dict_converter=js.Object.fromEntries)


class WebGPUBackend:
    name = "webgpu"
    adapter: dict | None = None  # what the browser reported about the GPU (set by create)

    @classmethod
    async def create(cls, weights: EncoderWeights) -> WebGPUBackend | None:
        import js

        from ..loader import global_scope

        gpu = getattr(global_scope().navigator, "gpu", None)
        if gpu is None or gpu == js.undefined:
            return None
        adapter = await gpu.requestAdapter()
        if adapter is None or adapter == js.undefined:
            return None
        device = await adapter.requestDevice()
        backend = cls(device, weights)
        info = getattr(adapter, "info", None)
        backend.adapter = {
            "vendor": str(getattr(info, "vendor", "")),
            "architecture": str(getattr(info, "architecture", "")),
        }
        return backend

    def __init__(self, device, weights: EncoderWeights):
        import js

        self.js = js
        self.device = device
        self.config = c = weights.config
        self._w = weights
        self.usage = js.GPUBufferUsage
        per = -(-c.hidden_size // 64)
        self.pipelines = {
            "linear": self._pipeline(wgsl.LINEAR_INT8),
            "attention": self._pipeline(wgsl.ATTENTION.replace("{head_size}", str(c.head_size))),
            "add_norm": self._pipeline(wgsl.ADD_LAYER_NORM.replace("{per}", str(per))),
            "pool": self._pipeline(wgsl.POOL.replace("{per}", str(per))),
        }
        storage = self.usage.STORAGE | self.usage.COPY_DST
        self.layers = []
        for i in range(c.num_layers):
            layer: dict[str, tuple] = {}
            for name in ("qkv", "attn_out", "ffn_in", "ffn_out"):
                q = np.ascontiguousarray(weights[f"layers.{i}.{name}.weight"])
                layer[name] = (
                    self._upload(q, storage),
                    self._upload(weights[f"layers.{i}.{name}.scale"], storage),
                    self._upload(weights[f"layers.{i}.{name}.bias"], storage),
                    q.shape[1],
                    q.shape[0],
                )
            for name in ("attn_norm", "ffn_norm"):
                layer[name] = (
                    self._upload(weights[f"layers.{i}.{name}.weight"], storage),
                    self._upload(weights[f"layers.{i}.{name}.bias"], storage),
                )
            self.layers.append(layer)
        self.position = np.array(weights["embed.position"], dtype=np.float32)
        self.token_type0 = np.array(weights["embed.token_type"][0], dtype=np.float32)
        self.embed_norm = (np.array(weights["embed.norm.weight"]), np.array(weights["embed.norm.bias"]))
        self._scratch: dict = {}
        self._rows = 0

    # -- plumbing -------------------------------------------------------------------
    def _pipeline(self, code: str):
        module = self.device.createShaderModule(_obj({"code": code}))
        return self.device.createComputePipeline(
            _obj({"layout": "auto", "compute": {"module": module, "entryPoint": "main"}})
        )

    def _bytes_to_js(self, raw: bytes | memoryview):
        u8 = self.js.Uint8Array.new(len(raw))
        u8.assign(raw)
        return u8

    def _upload(self, array: np.ndarray, usage):
        raw = np.ascontiguousarray(array).data.cast("B")
        size = max(16, -(-len(raw) // 16) * 16)
        buffer = self.device.createBuffer(_obj({"size": size, "usage": usage}))
        self.device.queue.writeBuffer(buffer, 0, self._bytes_to_js(raw))
        return buffer

    def _buffer(self, size: int, usage):
        return self.device.createBuffer(_obj({"size": max(16, -(-size // 16) * 16), "usage": usage}))

    def _ensure_scratch(self, rows: int, n_seq: int) -> dict:
        """Activation buffers, grown when a batch needs more rows (then reused)."""
        if rows > self._rows or n_seq > self._scratch.get("n_seq", 0):
            for buf in self._scratch.values():
                if hasattr(buf, "destroy"):
                    buf.destroy()
            c, u = self.config, self.usage
            rows, n_seq = max(rows, self._rows), max(n_seq, self._scratch.get("n_seq", 0))
            f = 4
            self._scratch = {
                "x": self._buffer(rows * c.hidden_size * f, u.STORAGE | u.COPY_DST),
                "qkv": self._buffer(rows * 3 * c.hidden_size * f, u.STORAGE),
                "ctx": self._buffer(rows * c.hidden_size * f, u.STORAGE),
                "tmp": self._buffer(rows * c.hidden_size * f, u.STORAGE),
                "inner": self._buffer(rows * c.intermediate_size * f, u.STORAGE),
                "lengths": self._buffer(n_seq * 4, u.STORAGE | u.COPY_DST),
                "out": self._buffer(n_seq * c.hidden_size * f, u.STORAGE | u.COPY_SRC),
                "read": self._buffer(n_seq * c.hidden_size * f, u.MAP_READ | u.COPY_DST),
            }
            self._scratch["n_seq"] = n_seq
            self._rows = rows
        return self._scratch

    def _dispatch(self, pass_, kernel: str, params: bytes, buffers: list, groups: tuple):
        pipeline = self.pipelines[kernel]
        uniform = self._buffer(len(params), self.usage.UNIFORM | self.usage.COPY_DST)
        self.device.queue.writeBuffer(uniform, 0, self._bytes_to_js(params))
        entries = [{"binding": 0, "resource": {"buffer": uniform}}]
        entries += [{"binding": i + 1, "resource": {"buffer": b}} for i, b in enumerate(buffers)]
        group = self.device.createBindGroup(
            _obj({"layout": pipeline.getBindGroupLayout(0), "entries": entries})
        )
        pass_.setPipeline(pipeline)
        pass_.setBindGroup(0, group)
        pass_.dispatchWorkgroups(*groups)
        self._uniforms.append(uniform)

    # -- the forward pass -------------------------------------------------------------
    async def encode_async(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        c = self.config
        n, length = ids.shape
        rows, h = n * length, c.hidden_size
        x = self._w.word_rows(ids)
        x += self.position[:length]
        x += self.token_type0
        x = layer_norm(x.reshape(rows, h), *self.embed_norm, c.layer_norm_eps)
        lengths = mask.sum(axis=1).astype(np.uint32)
        s = self._ensure_scratch(rows, n)
        queue = self.device.queue
        queue.writeBuffer(
            s["x"], 0, self._bytes_to_js(np.ascontiguousarray(x, dtype=np.float32).data.cast("B"))
        )
        queue.writeBuffer(s["lengths"], 0, self._bytes_to_js(memoryview(lengths).cast("B")))

        self._uniforms: list = []
        encoder = self.device.createCommandEncoder()
        pass_ = encoder.beginComputePass()

        def linear(src, dst, weights, act=0):
            w, scale, bias, n_in, n_out = weights
            self._dispatch(
                pass_,
                "linear",
                struct.pack("<4I", rows, n_in, n_out, act),
                [src, w, scale, bias, dst],
                (-(-n_out // 8), -(-rows // 8), 1),
            )

        def add_norm(residual, norm):
            self._dispatch(
                pass_,
                "add_norm",
                struct.pack("<IIfI", rows, h, c.layer_norm_eps, 0),
                [s["x"], residual, *norm],
                (rows, 1, 1),
            )

        attn = struct.pack("<4If3I", n, length, c.num_heads, h, 1.0 / float(np.sqrt(c.head_size)), 0, 0, 0)
        for layer in self.layers:
            linear(s["x"], s["qkv"], layer["qkv"])
            self._dispatch(
                pass_,
                "attention",
                attn,
                [s["qkv"], s["lengths"], s["ctx"]],
                (-(-(n * c.num_heads * length) // 64), 1, 1),
            )
            linear(s["ctx"], s["tmp"], layer["attn_out"])
            add_norm(s["tmp"], layer["attn_norm"])
            linear(s["x"], s["inner"], layer["ffn_in"], act=1)
            linear(s["inner"], s["tmp"], layer["ffn_out"])
            add_norm(s["tmp"], layer["ffn_norm"])
        self._dispatch(
            pass_, "pool", struct.pack("<4I", n, length, h, 0), [s["x"], s["lengths"], s["out"]], (n, 1, 1)
        )
        pass_.end()
        nbytes = n * h * 4
        encoder.copyBufferToBuffer(s["out"], 0, s["read"], 0, nbytes)
        queue.submit(self.js.Array.of(encoder.finish()))
        await s["read"].mapAsync(self.js.GPUMapMode.READ, 0, nbytes)
        data = self.js.Uint8Array.new(s["read"].getMappedRange(0, nbytes)).to_bytes()
        s["read"].unmap()
        for u in self._uniforms:
            u.destroy()
        self._uniforms = []
        return np.frombuffer(data, dtype=np.float32).reshape(n, h).copy()

    def encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Synchronous form, through JSPI (`run_sync`) where the runtime allows it."""
        from pyodide.ffi import run_sync

        return run_sync(self.encode_async(ids, mask))

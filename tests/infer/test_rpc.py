"""The infer.* RPC methods through the real dispatcher (CPython side)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.rpc_call import rpc_envelope, run_coroutine


def call(name, **params):
    reply = rpc_envelope(name, params)
    return reply


# infer.load with a file path is the CPython route (it awaits nothing); in the page it fetches
# a URL, which tests/browser/test_infer.py covers through the SDK.
FILE_ROUTE = pytest.mark.cpython_only(
    reason="infer.load from a file path; the page's URL route is tests/browser"
)


@pytest.fixture(scope="module")
def loaded(artifact_path):
    reply = call("infer.load", url=str(artifact_path), backend="auto")
    assert "result" in reply, reply
    return reply["result"]


@FILE_ROUTE
def test_load_reports_numpy_backend(loaded, artifact_path):
    assert loaded["backend"] == "numpy" and loaded["dim"] == 384
    assert loaded["model_bytes"] == artifact_path.stat().st_size


@FILE_ROUTE
def test_embed_and_search_round_trip(loaded, embedder):
    reply = call("infer.embed", texts=["hello world", "graph theory"])
    vectors = reply["result"]  # one flat float32 array, row-major: 2 x 384
    assert vectors.dtype == np.float32 and vectors.shape == (2 * 384,)
    assert np.allclose(vectors.reshape(2, 384), embedder.embed(["hello world", "graph theory"]), atol=1e-6)
    call("infer.index_clear")
    assert call(
        "infer.index_add", ids=["a", "b", "c"], texts=["the cat sleeps", "stock prices fell", "a kitten naps"]
    )["result"] == {"size": 3}
    hits = call("infer.search", query="sleeping cats", k=2)["result"]
    assert {h["id"] for h in hits} == {"a", "c"}
    assert call("infer.index_remove", ids=["c"])["result"] == {"size": 2}
    assert call("infer.info")["result"]["index_size"] == 2


@FILE_ROUTE
def test_errors_come_back_typed(loaded):
    assert call("infer.embed", texts=[""])["error"]["type"] == "ValidationError"
    refused = call("infer.embed", texts="nope")["error"]
    assert refused["type"] == "InvalidParams" and "params.texts must be a list, got str" in refused["message"]
    assert call("infer.index_remove", ids=["zzz"])["error"]["type"] == "ValidationError"
    refused = call("infer.load", backend="cuda")["error"]
    assert refused["type"] == "InvalidParams" and "params.backend must be one of 'auto'" in refused["message"]
    assert call("infer.load", backend="webgpu", url="x")["error"]["type"] in (
        "ValidationError",
        "ArtifactError",
    )


@FILE_ROUTE
def test_corrupted_artifact_is_reported(tmp_path, artifact_path, loaded):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(artifact_path.read_bytes()[:5000])
    error = call("infer.load", url=str(bad))["error"]
    assert error["type"] == "ArtifactError" and "checksum" in error["message"]
    assert call("infer.info")["result"]["loaded"] is True  # the loaded model is kept


@pytest.mark.cpython_only(
    reason="reads a local path; in the page load_async fetches a URL (tests/browser/test_infer.py)"
)
def test_load_async_on_cpython_reads_the_file(artifact_path, embedder):
    from prometheus.infer import Embedder

    loaded = run_coroutine(Embedder.load_async(str(artifact_path)))
    assert np.array_equal(loaded.embed(["hello world"]), embedder.embed(["hello world"]))


def test_index_add_says_what_to_do_with_ids_already_there():
    import numpy as np

    from prometheus.store import MemoryBackend, open_session
    from tests.rpc_call import run_coroutine

    run_coroutine(open_session(MemoryBackend()))
    rng = np.random.default_rng(0)

    def add(ids, existing):
        import json

        from prometheus.rpc import dispatch

        vectors = rng.normal(size=(len(ids), 384)).astype("<f4").tobytes()
        return json.loads(
            run_coroutine(
                dispatch(
                    "infer.index_add",
                    json.dumps({"ids": ids, "texts": ids, "vectors": {"__bytes__": 0}, "existing": existing}),
                    None,
                    [vectors],
                )
            )
        )

    assert add(["a", "b"], "error")["result"] == {"size": 2}
    refused = add(["b", "c"], "error")["error"]
    assert refused["type"] == "ValidationError" and "'b' is already in the index" in refused["message"]
    assert add(["b", "c"], "replace")["result"] == {"size": 3}
    assert add(["a"], "nonsense")["error"]["message"].startswith(
        "infer.index_add: params.existing must be one of 'error', 'skip', 'replace', got 'nonsense'"
    )
    run_coroutine(open_session(MemoryBackend()))

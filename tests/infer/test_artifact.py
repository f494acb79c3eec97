"""The build step and our artifact format: sizes, fidelity to the source weights,
incremental rebuilds, and refusal of damaged files."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
from model_artifact import build_model_artifact

from prometheus.infer import ArtifactError, Embedder
from prometheus.infer import artifact as fmt


@pytest.fixture(scope="module")
def decoded(artifact_path):
    return fmt.read(artifact_path)


@pytest.fixture(scope="module")
def source_weights(model_dir):
    from safetensors.numpy import load_file  # the reference reader

    return load_file(str(model_dir / "model.safetensors"))


@pytest.mark.cpython_only(reason="checks the build step against the fp32 safetensors it reads")
def test_manifest_describes_the_file_and_it_is_smaller_than_fp32(artifact_path, model_dir):
    manifest = json.loads(artifact_path.with_suffix(".json").read_text())
    data = artifact_path.read_bytes()
    assert manifest["bytes"] == len(data)
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    fp32 = (model_dir / "model.safetensors").stat().st_size
    assert manifest["fp32_model_bytes"] == fp32
    assert len(data) < 0.7 * fp32


@pytest.mark.cpython_only(reason="checks the build step against the fp32 safetensors it reads")
def test_int8_weights_are_within_half_a_step_of_the_source(decoded, source_weights):
    for layer, ours, theirs in [(0, "qkv", ["query", "key", "value"]), (5, "ffn_in", None)]:
        if theirs:
            w = np.concatenate(
                [source_weights[f"encoder.layer.{layer}.attention.self.{t}.weight"] for t in theirs]
            )
        else:
            w = source_weights[f"encoder.layer.{layer}.intermediate.dense.weight"]
        q = decoded.tensors[f"layers.{layer}.{ours}.weight"]
        scale = decoded.tensors[f"layers.{layer}.{ours}.scale"]
        assert q.dtype == np.int8 and q.shape == w.shape
        err = np.abs(q.astype(np.float32) * scale[:, None] - w)
        assert np.all(err <= scale[:, None] * 0.5 + 1e-7)
        assert np.all(np.abs(q).max(axis=1) == 127)  # per-channel: every row uses the full range


@pytest.mark.cpython_only(reason="checks the build step against the fp32 safetensors it reads")
def test_embeddings_norms_and_vocab_are_kept(decoded, source_weights, model_dir):
    # Word rows are int8 with one scale per row: each value within half a step of the source.
    source = source_weights["embeddings.word_embeddings.weight"]
    assert decoded.tensors["embed.word"].dtype == np.int8
    scale = decoded.tensors["embed.word.scale"].reshape(-1, 1)
    restored = decoded.tensors["embed.word"].astype(np.float32) * scale
    assert np.all(np.abs(restored - source) <= scale / 2 * (1 + 1e-5))
    for ours, theirs in (
        ("embed.position", "embeddings.position_embeddings.weight"),
        ("embed.token_type", "embeddings.token_type_embeddings.weight"),
    ):
        assert np.array_equal(decoded.tensors[ours], source_weights[theirs])
    assert np.array_equal(
        decoded.tensors["layers.3.ffn_norm.weight"], source_weights["encoder.layer.3.output.LayerNorm.weight"]
    )
    assert decoded.vocab == (model_dir / "vocab.txt").read_text("utf-8").splitlines()


@pytest.mark.cpython_only(reason="checks the build step against the fp32 safetensors it reads")
def test_second_build_is_skipped(artifact_path, tmp_path):
    dist = artifact_path.parents[1]
    before = artifact_path.stat().st_mtime_ns
    messages = []
    cache = os.environ.get("PROMETHEUS_BUILD_CACHE", os.path.expanduser("~/.cache/prometheus-web"))
    build_model_artifact(dist, cache, log=messages.append)
    assert artifact_path.stat().st_mtime_ns == before
    assert any("up to date" in m for m in messages)


def test_truncated_artifact_is_refused(artifact_path, tmp_path):
    bad = tmp_path / "truncated.bin"
    bad.write_bytes(artifact_path.read_bytes()[:-1000])
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        Embedder.load(bad)


def test_corrupted_artifact_is_refused(artifact_path, tmp_path):
    data = bytearray(artifact_path.read_bytes())
    data[len(data) // 2] ^= 0x40
    bad = tmp_path / "corrupted.bin"
    bad.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="truncated or corrupted"):
        Embedder.load(bad)


def test_other_files_are_refused(tmp_path):
    other = tmp_path / "x.bin"
    other.write_bytes(b"GIF89a" + b"\0" * 100)
    with pytest.raises(ArtifactError, match="not a Prometheus model artifact"):
        Embedder.load(other)
    with pytest.raises(ArtifactError, match="no model artifact at"):
        Embedder.load(tmp_path / "missing.bin")


def test_encode_decode_round_trip_of_every_dtype():
    tensors = {
        "a": np.arange(6, dtype=np.int8).reshape(2, 3),
        "b": np.linspace(0, 1, 5, dtype=np.float32),
        "c": np.ones((1, 2), dtype=np.float16),
    }
    art = fmt.decode(fmt.encode({"k": 1}, tensors, ["[PAD]", "héllo"]))
    assert art.config == {"k": 1} and art.vocab == ["[PAD]", "héllo"]
    for name, array in tensors.items():
        assert art.tensors[name].dtype == array.dtype and np.array_equal(art.tensors[name], array)

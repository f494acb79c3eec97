"""The int8 engine against the fp32 sentence-transformers reference."""

from __future__ import annotations

import numpy as np
import pytest

from prometheus.errors import ValidationError
from prometheus.infer import Embedder
from prometheus.infer.backends.numpy_backend import NumpyBackend

from .samples import SENTENCES
from .sts import sts_pairs


def test_hello_world_matches_published_reference_values(embedder):
    v = embedder.embed(["hello world"])[0]
    published = [-0.0344773, 0.0310232, 0.0067350, 0.0261090, -0.0393620]
    assert np.allclose(v[:5], published, atol=1e-2)  # int8 weights: per-dimension error ~1e-2


def test_cosine_with_fp32_reference_on_varied_sample(embedder, reference, varied_sample):
    ours = embedder.embed(varied_sample)
    ref = reference.encode(varied_sample, batch_size=32, normalize_embeddings=True)
    assert ours.shape == (len(varied_sample), 384) and ours.dtype == np.float32
    cos = np.sum(ours * ref, axis=1)
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.99, f"cosine {cos.min():.4f} for {varied_sample[worst]!r}"
    assert cos.mean() >= 0.995


def test_rows_are_unit_length_and_order_is_kept(embedder):
    texts = ["a much longer sentence about the structure of proteins and enzymes", "short", "mid length text"]
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed([t])[0] for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=2e-5)  # padding in a batch changes nothing


def test_sts_spearman_drop_is_within_0_01(embedder, reference):
    from scipy.stats import spearmanr

    pairs = sts_pairs()
    left, right = [a for a, _, _ in pairs], [b for _, b, _ in pairs]
    gold = [g for _, _, g in pairs]
    ours = np.sum(embedder.embed(left) * embedder.embed(right), axis=1)
    rl = reference.encode(left, batch_size=64, normalize_embeddings=True)
    rr = reference.encode(right, batch_size=64, normalize_embeddings=True)
    theirs = np.sum(rl * rr, axis=1)
    rho_ours = spearmanr(ours, gold).statistic
    rho_ref = spearmanr(theirs, gold).statistic
    assert rho_ref > 0.5, "the STS-style set must be meaningful for the reference"
    assert rho_ref - rho_ours <= 0.01, (rho_ours, rho_ref)
    assert spearmanr(ours, theirs).statistic > 0.99


def test_long_text_is_truncated_like_reference(embedder, reference):
    text = "Mitochondria produce ATP through oxidative phosphorylation. " * 60
    ours = embedder.embed([text])[0]
    ref = reference.encode([text], normalize_embeddings=True)[0]
    assert float(ours @ ref) >= 0.99
    with pytest.raises(ValidationError, match=r"texts\[0\] has \d+ tokens"):
        embedder.embed([text], truncate=False)


def test_einsum_and_blas_paths_agree(embedder):
    # numpy's two ways of multiplying (einsum: Pyodide without WebAssembly SIMD) agree
    texts = SENTENCES[:8]
    blas = Embedder(embedder_artifact(embedder), backend=NumpyBackend(embedder.weights, kernel="blas"))
    einsum = Embedder(embedder_artifact(embedder), backend=NumpyBackend(embedder.weights, kernel="einsum"))
    assert np.allclose(einsum.embed(texts), blas.embed(texts), atol=1e-5)


def embedder_artifact(embedder):
    from prometheus.infer.artifact import Artifact

    return Artifact(
        _config_dict(embedder),
        embedder.weights.tensors,
        embedder.tokenizer.vocab,
    )


def _config_dict(embedder):
    from dataclasses import asdict

    return asdict(embedder.config)


@pytest.mark.parametrize(
    "texts, message",
    [
        ("just a string", "texts must be a list of strings"),
        ([""], r"texts\[0\] is empty"),
        (["ok", "   \n"], r"texts\[1\] is empty"),
        (["ok", 5], r"texts\[1\] must be a string, got int"),
        (["ok", None], r"texts\[1\] must be a string, got NoneType"),
        (["x" * 100_001], r"texts\[0\] has 100,001 characters"),
    ],
)
def test_bad_input_is_refused(embedder, texts, message):
    with pytest.raises(ValidationError, match=message):
        embedder.embed(texts)


def test_empty_list_gives_empty_matrix(embedder):
    assert embedder.embed([]).shape == (0, 384)

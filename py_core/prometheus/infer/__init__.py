"""Sentence embeddings with an int8 all-MiniLM-L6-v2, in numpy or on WebGPU.

    from prometheus.infer import Embedder
    vectors = Embedder.load().embed(["a sentence", "another one"])  # (2, 384) float32

Parts: `tokenizer` (WordPiece, matches the reference), `artifact` (our model file
format), `model` (weights and shapes), `backends` (numpy / WebGPU forward passes),
`embedder` (the entry point), `search` (a semantic index over texts).
"""

from .artifact import ArtifactError
from .embedder import Embedder

__all__ = ["ArtifactError", "Embedder"]

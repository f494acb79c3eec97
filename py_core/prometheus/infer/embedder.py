"""`Embedder`: texts in, L2-normalised float32 sentence vectors out.

It validates the texts, tokenizes them, groups them by token count so a batch carries
little padding, and hands (ids, mask) batches to a backend (numpy, or WebGPU in the
browser when an adapter exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ValidationError
from . import artifact as artifact_format
from .backends import cpu_backend
from .loader import default_artifact_path, fetch_artifact
from .model import EncoderWeights
from .tokenizer import WordPieceTokenizer, pad_batch

MAX_TEXT_CHARS = 100_000  # beyond this a text is refused (the model sees 254 tokens anyway)


class Embedder:
    """Sentence embeddings from the int8 all-MiniLM-L6-v2 artifact."""

    def __init__(self, art: artifact_format.Artifact, backend=None):
        self.weights = EncoderWeights(art)
        self.config = self.weights.config
        if len(art.vocab) != self.config.vocab_size:
            raise artifact_format.ArtifactError(
                f"vocabulary has {len(art.vocab)} tokens, config says {self.config.vocab_size}"
            )
        self.tokenizer = WordPieceTokenizer(art.vocab, max_length=self.config.max_seq_length)
        self._backend = backend

    @property
    def backend(self):
        """The backend in use; the CPU one unless another was set (created on first use, so
        choosing WebGPU right after loading never pays for preparing the CPU weights)."""
        if self._backend is None:
            self._backend = cpu_backend(self.weights)
        return self._backend

    @property
    def dim(self) -> int:
        return self.config.hidden_size

    @classmethod
    def load(cls, path: str | Path | None = None, *, backend=None) -> Embedder:
        """Load an artifact file (default: `default_artifact_path()`), checksum first."""
        path = Path(path) if path is not None else default_artifact_path()
        if not path.exists():
            raise artifact_format.ArtifactError(
                f"no model artifact at {path}: build it with `python build/model_artifact.py` "
                "or pass the path of minilm-int8.bin"
            )
        return cls(artifact_format.read(path), backend=backend)

    @classmethod
    async def load_async(cls, url: str | None = None, *, backend=None) -> Embedder:
        """In the browser: the bundled artifact (downloaded once, then from the Cache API);
        on CPython the same as `load`."""
        data, source = await fetch_artifact(url)
        return cls.from_bytes(data, source=source["url"], backend=backend)

    @classmethod
    def from_bytes(cls, data, *, source: str = "model artifact", backend=None) -> Embedder:
        return cls(artifact_format.decode(data, source=source), backend=backend)

    def use_backend(self, backend) -> None:
        """Switch backends; None means the CPU one (`backends.cpu_backend`)."""
        self._backend = backend

    # -- input ------------------------------------------------------------------------
    def encode_texts(self, texts: Sequence[str], *, truncate: bool = True) -> list[list[int]]:
        """Token ids per text, after checking every text (nothing runs on bad input)."""
        if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
            raise ValidationError(f"texts must be a list of strings, got {type(texts).__name__}")
        encoded = []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{i}] must be a string, got {type(text).__name__}")
            if not text.strip():
                raise ValidationError(f"texts[{i}] is empty (or only whitespace)")
            if len(text) > MAX_TEXT_CHARS:
                raise ValidationError(
                    f"texts[{i}] has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}"
                )
            content = self.tokenizer.tokenize_ids(text)
            limit = self.tokenizer.max_length - 2
            if len(content) > limit and not truncate:
                raise ValidationError(
                    f"texts[{i}] has {len(content)} tokens; the model reads at most {limit} "
                    "(pass truncate=True to cut it like the reference does)"
                )
            encoded.append([self.tokenizer.cls_id, *content[:limit], self.tokenizer.sep_id])
        return encoded

    @staticmethod
    def batches(lengths: Sequence[int], *, max_tokens: int = 4096, max_batch: int = 64):
        """Index groups of similar length, each at most max_batch texts / max_tokens padded."""
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        group: list[int] = []
        for i in order:
            width = lengths[i]  # sorted ascending: the newest member is the longest
            if group and (len(group) + 1 > max_batch or (len(group) + 1) * width > max_tokens):
                yield group
                group = []
            group.append(i)
        if group:
            yield group

    # -- output -----------------------------------------------------------------------
    async def embed_async(
        self, texts: Sequence[str], *, truncate: bool = True, max_tokens: int = 4096, max_batch: int = 64
    ) -> np.ndarray:
        """As `embed`, awaiting backends that compute asynchronously (WebGPU)."""
        encoded = self.encode_texts(texts, truncate=truncate)
        out = np.zeros((len(encoded), self.dim), dtype=np.float32)
        run = getattr(self.backend, "encode_async", None)
        for group in self.batches([len(e) for e in encoded], max_tokens=max_tokens, max_batch=max_batch):
            ids, mask = pad_batch([encoded[i] for i in group], self.tokenizer.pad_id)
            out[group] = await run(ids, mask) if run is not None else self.backend.encode(ids, mask)
        return out

    def embed(
        self, texts: Sequence[str], *, truncate: bool = True, max_tokens: int = 4096, max_batch: int = 64
    ) -> np.ndarray:
        """(n, dim) float32, unit-length rows, in the order of `texts`."""
        encoded = self.encode_texts(texts, truncate=truncate)
        out = np.zeros((len(encoded), self.dim), dtype=np.float32)
        for group in self.batches([len(e) for e in encoded], max_tokens=max_tokens, max_batch=max_batch):
            ids, mask = pad_batch([encoded[i] for i in group], self.tokenizer.pad_id)
            out[group] = self.backend.encode(ids, mask)
        return out

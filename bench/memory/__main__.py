"""Peak memory of the engine's worker for three workloads, against kuzu in the same run.

    bash bench/run memory [--small]

Each workload runs in a fresh page of headless Chromium (a fresh SDK worker, an empty store
of its own, persisted to IndexedDB as a learner's would be), through the public calls:
- graph: the 1M-edge random graph of bench/graph (100,000 :Concept nodes), built on CPython
  with `load_columns` and sent as a snapshot (`graph.load`);
- collection: 50,000 cards over 500 concepts (prometheus.learn.synthetic, 60% reviewed),
  sent as its JSON export (`learn.import`);
- index: 10,000 random unit vectors of 384 dimensions (`infer.index_add`, no model needed).
`--small` divides each size by 10.

Worker memory is the size of Pyodide's WebAssembly memory (`core.info` heap_bytes, read from
`HEAP8.length`): where Python's objects and numpy's arrays live, which is what grows with the
data. A wasm memory never shrinks, so its size after the workload is the heap's peak. The
page also asks `performance.measureUserAgentSpecificMemory()` (Chromium, cross-origin isolated
pages) for the worker's whole footprint (JS heap plus wasm memory); it reports the current
size, not the peak, so it is the second column, and "n/a" where the browser does not offer it.

The peer: kuzu (as in bench/graph) loading the same 1M-edge graph in a fresh process: RSS
held after the load and peak RSS during it, above the process's baseline (bench/graph/memory.py);
our engine on CPython the same way, for scale.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "py_core"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

MIB = 2**20
# Same origin as the bundle (its server sends COOP/COEP), so the page is cross-origin isolated.
PAGE = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="/prometheus.js" data-store="memory-bench"></script>"""

WORKER_MEMORY_JS = """async () => {
  const heap = (await Prometheus.call('core.info')).heap_bytes;
  let worker = null;
  if (self.crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
    const measured = await Promise.race([performance.measureUserAgentSpecificMemory(),
      new Promise((resolve) => setTimeout(() => resolve(null), 60000))]);
    if (measured) {
      worker = { bytes: 0, types: [] };
      for (const part of measured.breakdown) {
        if (!part.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) continue;
        worker.bytes += part.bytes;
        worker.types.push(...part.types);
      }
    }
  }
  return { heap, worker };
}"""

# The workload's params (and its binary part: vectors, a snapshot) are fetched first, so the
# timed call is the engine's.
RUN_JS = """async ([method, paramsUrl, blobUrl, blobKey]) => {
  let params = await (await fetch(paramsUrl)).json();
  if (blobUrl) {
    const buffer = await (await fetch(blobUrl)).arrayBuffer();
    params[blobKey] = blobKey === "vectors" ? new Float32Array(buffer) : new Uint8Array(buffer);
  }
  const t0 = performance.now();
  const result = await Prometheus.call(method, params);
  return { ms: performance.now() - t0, result };
}"""


def graph_workload(n: int, m: int):
    from bench.graph.run import edge_arrays, load_columns, random_graph

    nodes, edges = random_graph(n, m)
    start, end = edge_arrays(edges)
    snapshot = load_columns(nodes, start, end).to_bytes()  # graph.load takes bytes
    return ("graph.load", {}, ("snapshot", snapshot)), (nodes, edges)


def collection_workload(cards: int):
    from prometheus.learn import transfer
    from prometheus.learn.synthetic import synthetic_collection

    col = synthetic_collection(cards, max(1, cards // 100), now="2024-03-01T12:00:00+00:00")
    data = json.dumps(transfer.export_json(col), ensure_ascii=False)
    return "learn.import", {"data": data, "format": "json"}, None


def index_workload(count: int, dims: int = 384):
    import numpy as np

    vectors = np.random.default_rng(3).standard_normal((count, dims)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"item-{i}" for i in range(count)]
    return "infer.index_add", {"ids": ids, "texts": ids}, ("vectors", vectors.tobytes())


def browser_rows(workloads: dict) -> dict:
    """{name: {baseline, heap, worker, ms}}: each workload in a fresh page and worker."""
    from playwright.sync_api import sync_playwright

    from serve import serve_in_thread
    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, build_bundle

    dist = build_bundle()
    files = [dist / "bench-memory.html"]
    files[0].write_text(PAGE)
    for i, (_method, params, blob) in enumerate(workloads.values()):
        files.append(dist / f"bench-memory-{i}.json")
        files[-1].write_text(json.dumps(params))
        if blob is not None:
            files.append(dist / f"bench-memory-{i}.bin")
            files[-1].write_bytes(blob[1])
    server, url = serve_in_thread(dist, "127.0.0.1")
    rows = {}
    try:
        with sync_playwright() as playwright:
            # Eager measurement: measureUserAgentSpecificMemory otherwise waits for a GC.
            args = CHROMIUM_ARGS + ["--enable-blink-features=ForceEagerMeasureMemory"]
            for i, (name, (method, _, blob)) in enumerate(workloads.items()):
                with tempfile.TemporaryDirectory() as profile:
                    context = playwright.chromium.launch_persistent_context(
                        profile, executable_path=CHROMIUM, args=args
                    )
                    page = context.new_page()
                    page.set_default_timeout(1_800_000)
                    page.goto(url + "bench-memory.html")
                    page.evaluate("() => Prometheus.ready")
                    baseline = page.evaluate(WORKER_MEMORY_JS)
                    sources = [
                        url + f"bench-memory-{i}.json",
                        url + f"bench-memory-{i}.bin" if blob else None,
                        blob[0] if blob else None,
                    ]
                    run = page.evaluate(RUN_JS, [method, *sources])
                    after = page.evaluate(WORKER_MEMORY_JS)
                    rows[name] = {"baseline": baseline, "after": after, "ms": run["ms"]}
                    context.close()
    finally:
        server.shutdown()
        for file in files:
            file.unlink()
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a tenth of each size")
    args = parser.parse_args(argv)
    scale = 10 if args.small else 1
    n_nodes, n_edges = 100_000 // scale, 1_000_000 // scale
    cards, vectors = 50_000 // scale, 10_000 // scale

    graph, (nodes, edges) = graph_workload(n_nodes, n_edges)
    workloads = {
        f"graph, {n_edges:,} edges": graph,
        f"collection, {cards:,} cards": collection_workload(cards),
        f"index, {vectors:,} vectors": index_workload(vectors),
    }
    rows = browser_rows(workloads)

    from bench.graph.memory import measure

    peers = measure(nodes, edges, engines=("ours", "kuzu"))

    print("\nworker memory, each workload in a fresh worker (MiB; heap = Pyodide's wasm memory, its peak)")
    print(
        f"{'workload':<28}{'heap before':>12}{'heap after':>12}{'growth':>9}{'worker (UA)':>13}{'call s':>9}"
    )
    for name, row in rows.items():
        before, after = row["baseline"], row["after"]
        ua = f"{after['worker']['bytes'] / MIB:13.0f}" if after["worker"] is not None else f"{'n/a':>13}"
        print(
            f"{name:<28}{before['heap'] / MIB:12.0f}{after['heap'] / MIB:12.0f}"
            f"{(after['heap'] - before['heap']) / MIB:9.0f}{ua}{row['ms'] / 1000:9.1f}"
        )
    kinds = sorted(
        {t for row in rows.values() if row["after"]["worker"] for t in row["after"]["worker"]["types"]}
    )
    print(f"worker (UA): measureUserAgentSpecificMemory's bytes attributed to the worker, of types {kinds}")
    print(
        f"\nthe same {n_edges:,}-edge graph, each engine in a fresh CPython process (MiB above its baseline)"
    )
    for engine, row in peers.items():
        if "error" in row:
            print(f"  {engine:<10}error: {row['error']}")
        else:
            print(f"  {engine:<10}RSS held {row['held'] / MIB:7.0f}   RSS peak {row['peak'] / MIB:7.0f}")
    graph_row = rows[f"graph, {n_edges:,} edges"]
    kuzu = peers.get("kuzu", {})
    if "peak" in kuzu and kuzu["peak"] > 0:
        growth = graph_row["after"]["heap"] - graph_row["baseline"]["heap"]
        print(
            f"worker heap growth for the graph / kuzu peak RSS = {growth / kuzu['peak']:.2f}; "
            f"/ kuzu held RSS = {growth / max(kuzu['held'], 1):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

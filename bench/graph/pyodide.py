"""The same graph queries inside Pyodide in headless Chromium, through the real SDK.

    python -m bench.graph.pyodide            # course graph (10k) + 1M-edge random graph
    python -m bench.graph.pyodide --small    # random graph with 100k edges

Graphs are built on CPython with the store API, shipped as a snapshot (`graph.load`), and
queried with `graph.run`; timings are taken in the page with performance.now() around each
`Prometheus.call`, so they include one worker round trip (the `echo` row measures it).
Snapshot save/load rows time `graph.save` / `graph.load`, which add base64 and the transfer
of the snapshot between page and worker: upper bounds of `to_bytes` / `from_bytes`.

A second table runs the hand-written dict traversal and the Cypher queries of `bench/graph/run.py`
in one bare Pyodide interpreter (same code, same timing rule, no SDK round trip), so the
Cypher/dict ratio the issue sets a bar on is measured inside Pyodide as well as on CPython.
Needs the browser test stack (playwright, chromium, the bundle build).
"""

from __future__ import annotations

import base64
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "py_core"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench.graph.run import DictEngine, build_graph, course_graph, path_pairs, random_graph  # noqa: E402

SAMPLES = 20

TIME_JS = """async ([method, paramsList]) => {
  const times = [];
  let last = null;
  await Prometheus.call(method, paramsList[0]);            // warm-up
  for (const params of paramsList) {
    const t0 = performance.now();
    last = await Prometheus.call(method, params);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], last };
}"""

ONCE_JS = """async ([method, params]) => {
  const t0 = performance.now();
  const value = await Prometheus.call(method, params);
  return { ms: performance.now() - t0, value };
}"""


def queries(n, edges, rng):
    base = DictEngine()
    base.load(n, edges)
    starts = [rng.randrange(n) for _ in range(SAMPLES)]
    pairs = path_pairs(base, n, rng, SAMPLES)
    out = []
    for k in (1, 2, 3):
        out.append((f"hop{k}", [{"query": f"MATCH (a:Concept {{key: $s}})-[:REQUIRES*1..{k}]->(b) WHERE b <> a "
                                          "RETURN count(DISTINCT b)", "parameters": {"s": s}} for s in starts],
                    base.hops(starts[-1], k)))
    out.append(("closure", [{"query": "MATCH (a:Concept {key: $s})-[:REQUIRES*]->(b) WHERE b <> a "
                                      "RETURN count(DISTINCT b)", "parameters": {"s": s}} for s in starts[:5]],
                base.closure(starts[4])))
    out.append(("closure(CALL)", [{"query": "MATCH (a:Concept {key: $s}) CALL prometheus.prerequisites(a) "
                                            "YIELD node RETURN count(node)", "parameters": {"s": s}}
                                  for s in starts[:5]], base.closure(starts[4])))
    out.append(("shortest", [{"query": "MATCH (a:Concept {key: $a}), (b:Concept {key: $b}), "
                                       "p = shortestPath((a)-[:REQUIRES*]->(b)) RETURN length(p)",
                              "parameters": {"a": a, "b": b}} for a, b in pairs],
                base.shortest(*pairs[-1])))
    return out


# Runs inside Pyodide: bench/graph/run.py's engines on the same graph, Cypher vs dict.
RATIO_PY = """
import json, random, sys, types
from pyodide.http import pyfetch
from prometheus.graph import Graph
bench = types.ModuleType("graph_bench")
bench.__dict__["__file__"] = "/home/pyodide/bench/graph/run.py"
exec(compile(BENCH_SOURCE, "graph_bench.py", "exec"), bench.__dict__)
import gc, time
n, edges = bench.course_graph() if WHICH == "course" else bench.random_graph(*SIZE)
base = bench.DictEngine()
base.load(n, edges)
out = {}
ours = bench.OursCypher()
if WHICH == "random":  # bulk load: best of 2 runs of Graph.load_columns from arrays
    start, end = bench.edge_arrays(edges)
    del edges
    times = []
    for _ in range(2):
        graph = None
        gc.collect()
        t0 = time.perf_counter()
        graph = bench.load_columns(n, start, end)
        times.append((time.perf_counter() - t0) * 1e3)
    out["load_columns"] = {"ms": min(times)}
    ours.adopt(graph)
else:
    del edges
    ours.adopt(Graph.from_bytes(await (await pyfetch(SNAPSHOT_URL)).bytes()))
rng = random.Random(1)
starts = [(rng.randrange(n),) for _ in range(SAMPLES)]
pairs = bench.path_pairs(base, n, rng, SAMPLES)
for name, fn_dict, fn_ours, args in (
        [(f"hop{k}", lambda s, k=k: base.hops(s, k), lambda s, k=k: ours.hops(s, k), starts) for k in (1, 2, 3)]
        + [("closure", base.closure, ours.closure, starts[:10]),
           ("shortest", base.shortest, ours.shortest, pairs)]):
    d_ms, d_ans = bench.median_ms(fn_dict, args)
    o_ms, o_ans = bench.median_ms(fn_ours, args)
    out[name] = {"dict": d_ms, "cypher": o_ms, "same": d_ans == o_ans}
if WHICH == "course":  # the snapshot bars are set for the 10k-concept graph
    import statistics, time
    def median_of_5(fn):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            value = fn()
            times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times), value
    save_ms, data = median_of_5(ours.g.to_bytes)
    load_ms, _ = median_of_5(lambda: Graph.from_bytes(data))
    out["snapshot"] = {"save": save_ms, "load": load_ms}
json.dumps(out)
"""

RATIO_PAGE = """<!doctype html><meta charset="utf-8"><title>ratio</title>
<script src="{bundle}pyodide/pyodide.js"></script>
<script>
  window.__py = loadPyodide({{ indexURL: "{bundle}pyodide/" }}).then(async (py) => {{
    await py.loadPackage(["prometheus-web"], {{ messageCallback: () => {{}} }});
    return py;
  }});
</script>
"""

RATIO_JS = """async ([code, globals]) => {
  const py = await window.__py;
  const ns = py.toPy(globals);
  try { return JSON.parse(await py.runPythonAsync(code, { globals: ns })); } finally { ns.destroy(); }
}"""


def pyodide_ratios(browser, pages, pages_url, bundle_url, graphs, small):
    """Cypher/dict medians measured in one bare Pyodide interpreter, per graph."""
    (pages / "ratio.html").write_text(RATIO_PAGE.format(bundle=bundle_url))
    page = browser.new_page()
    page.set_default_timeout(1_200_000)
    page.goto(pages_url + "ratio.html")
    source = (ROOT / "bench" / "graph" / "run.py").read_text()
    print("\nInside one bare Pyodide interpreter: bench/graph/run.py's dict traversal vs Cypher "
          "(ms, median over starts of best of 3)")
    print(f"{'graph':<10}{'query':<10}{'dict':>10}{'cypher':>10}{'cypher/dict':>13}")
    for which, snapshot in graphs:
        (pages / f"{which}.snapshot").write_bytes(snapshot)
        size = (10_000, 100_000) if small else (100_000, 1_000_000)
        globals_ = {"BENCH_SOURCE": source, "WHICH": which, "SIZE": list(size), "SAMPLES": 20,
                    "SNAPSHOT_URL": pages_url + f"{which}.snapshot"}
        try:
            res = page.evaluate(RATIO_JS, [RATIO_PY, globals_])
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"{which:<10}error: {str(e).splitlines()[0][:200]}")
            continue
        snap = res.pop("snapshot", None)
        bulk = res.pop("load_columns", None)
        if bulk is not None:
            import time

            from bench.graph.run import edge_arrays, load_columns, random_graph

            n, edges = random_graph(*size)
            arrays = edge_arrays(edges)
            del edges
            cpython = []
            for _ in range(2):
                t0 = time.perf_counter()
                load_columns(n, *arrays)
                cpython.append((time.perf_counter() - t0) * 1e3)
            print(f"{which:<10}load_columns ({size[1]:,} edges): Pyodide {bulk['ms']:.0f} ms, CPython "
                  f"{min(cpython):.0f} ms in this run, Pyodide/CPython {bulk['ms'] / min(cpython):.2f}x (bar 2x; "
                  "best of 2 each)")
        for name, r in res.items():
            flag = "" if r["same"] else "  WRONG: answers differ"
            print(f"{which:<10}{name:<10}{r['dict']:>10.3f}{r['cypher']:>10.3f}"
                  f"{r['cypher'] / r['dict']:>12.1f}x{flag}")
        if snap is not None:
            print(f"{which:<10}snapshot: to_bytes {snap['save']:.1f} ms (bar 50), from_bytes {snap['load']:.1f} ms "
                  "(bar 200), median of 5")
    page.close()


def main(argv):
    from bench.browser import sdk_page

    rng = random.Random(0)
    graphs = [("course graph (10k concepts)", *course_graph())]
    graphs.append(("random graph", *(random_graph(10_000, 100_000) if "--small" in argv else random_graph())))
    with sdk_page() as sdk:
        page = sdk.page
        snapshots = []
        echo = page.evaluate(TIME_JS, ["core.echo", [{"value": 1}] * 50])["median"]
        print(f"Pyodide in headless Chromium; SDK round trip (core.echo) median {echo:.3f} ms")
        for label, n, edges in graphs:
            raw = build_graph(n, edges).to_bytes()
            snapshots.append(("course" if label.startswith("course") else "random", raw))
            snap = base64.b64encode(raw).decode("ascii")
            loaded = page.evaluate(ONCE_JS, ["graph.load", {"snapshot": snap}])
            print(f"\n{label}: {n:,} nodes, {len(edges):,} edges; snapshot {len(snap) / 1e6:.1f} MB base64")
            print(f"{'query':<16}{'pyodide ms':>12}  answer")
            print(f"{'graph.load':<16}{loaded['ms']:>12.1f}  {loaded['value']['relationships']} relationships; "
                  f"from_bytes inside Pyodide {loaded['value']['engine_ms']:.1f} ms (bar 200)")
            for name, params, want in queries(n, edges, rng):
                try:
                    res = page.evaluate(TIME_JS, ["graph.run", params])
                except Exception as e:  # noqa: BLE001 - report and go on
                    print(f"{name:<16}{'error':>12}  {str(e).splitlines()[0][:150]}")
                    continue
                got = res["last"]["rows"][0][0]
                flag = "" if got == want else f"  WRONG (CPython dict says {want})"
                print(f"{name:<16}{res['median']:>12.3f}  {got}{flag}")
            saves = page.evaluate("""async () => { const out = [];
                for (let i = 0; i < 4; i++) {
                  const t0 = performance.now();
                  const v = await Prometheus.call('graph.save', {});
                  out.push({ ms: performance.now() - t0, bytes: v.bytes, engine_ms: v.engine_ms });
                }
                return out; }""")
            first, rest = saves[0], sorted(saves[1:], key=lambda v: v["engine_ms"])
            print(f"{'graph.save':<16}{first['ms']:>12.1f}  {first['bytes'] / 1e6:.2f} MB; to_bytes inside Pyodide "
                  f"{first['engine_ms']:.1f} ms on the first call, median of the next 3 "
                  f"{rest[1]['engine_ms']:.1f} ms (bar 50)")
        page.close()
        pyodide_ratios(sdk.browser, sdk.pages, sdk.pages_url, sdk.bundle_url, snapshots, "--small" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])

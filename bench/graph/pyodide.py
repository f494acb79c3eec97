"""The same graph queries inside Pyodide in headless Chromium, through the real SDK.

    python -m bench.graph.pyodide            # course graph (10k) + 1M-edge random graph
    python -m bench.graph.pyodide --small    # random graph with 100k edges

Graphs are built on CPython with the store API, shipped as a snapshot (`graph.load`), and
queried with `graph.run`; timings are taken in the page with performance.now() around each
`Prometheus.call`, so they include one worker round trip (the `echo` row measures it).
Snapshot save/load rows time `graph.save` / `graph.load`, which add the transfer of the
snapshot bytes between page and worker: upper bounds of `to_bytes` / `from_bytes`.

A second table runs the hand-written dict traversal and the Cypher queries of `bench/graph/run.py`
in one bare Pyodide interpreter (bench/graph/inside.py: same code, same timing rule, no SDK
round trip), so the
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

# graph.load of a snapshot handed over as base64 (Playwright's way in), decoded before timing.
LOAD_JS = """async (b64) => {
  const snapshot = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const t0 = performance.now();
  const value = await Prometheus.call("graph.load", { snapshot });
  return { ms: performance.now() - t0, value };
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
        out.append(
            (
                f"hop{k}",
                [
                    {
                        "query": f"MATCH (a:Concept {{key: $s}})-[:REQUIRES*1..{k}]->(b) WHERE b <> a "
                        "RETURN count(DISTINCT b)",
                        "parameters": {"s": s},
                    }
                    for s in starts
                ],
                base.hops(starts[-1], k),
            )
        )
    out.append(
        (
            "closure",
            [
                {
                    "query": "MATCH (a:Concept {key: $s})-[:REQUIRES*]->(b) WHERE b <> a "
                    "RETURN count(DISTINCT b)",
                    "parameters": {"s": s},
                }
                for s in starts[:5]
            ],
            base.closure(starts[4]),
        )
    )
    out.append(
        (
            "closure(CALL)",
            [
                {
                    "query": "MATCH (a:Concept {key: $s}) CALL prometheus.prerequisites(a) "
                    "YIELD node RETURN count(node)",
                    "parameters": {"s": s},
                }
                for s in starts[:5]
            ],
            base.closure(starts[4]),
        )
    )
    out.append(
        (
            "shortest",
            [
                {
                    "query": "MATCH (a:Concept {key: $a}), (b:Concept {key: $b}), "
                    "p = shortestPath((a)-[:REQUIRES*]->(b)) RETURN length(p)",
                    "parameters": {"a": a, "b": b},
                }
                for a, b in pairs
            ],
            base.shortest(*pairs[-1]),
        )
    )
    return out


def pyodide_ratios(browser, pages, pages_url, bundle_url, graphs, small):
    """Cypher/dict medians measured in one bare Pyodide interpreter, per graph."""
    from bench.browser import bare_pyodide_page, run_in_page_pyodide

    page = bare_pyodide_page(browser, pages, pages_url, bundle_url)
    print(
        "\nInside one bare Pyodide interpreter: bench/graph/run.py's dict traversal vs Cypher "
        "(ms, median over starts of best of 3)"
    )
    print(f"{'graph':<10}{'query':<10}{'dict':>10}{'cypher':>10}{'cypher/dict':>13}")
    for which, snapshot in graphs:
        (pages / f"{which}.snapshot").write_bytes(snapshot)
        size = (10_000, 100_000) if small else (100_000, 1_000_000)
        try:
            res = run_in_page_pyodide(
                page,
                "bench.graph.inside",
                "ratios",
                {
                    "which": which,
                    "size": list(size),
                    "samples": SAMPLES,
                    "snapshot_url": pages_url + f"{which}.snapshot",
                },
            )
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
            print(
                f"{which:<10}load_columns ({size[1]:,} edges): Pyodide {bulk['ms']:.0f} ms, CPython "
                f"{min(cpython):.0f} ms in this run, Pyodide/CPython {bulk['ms'] / min(cpython):.2f}x (bar 2x; "
                "best of 2 each)"
            )
        for name, r in res.items():
            flag = "" if r["same"] else "  WRONG: answers differ"
            print(
                f"{which:<10}{name:<10}{r['dict']:>10.3f}{r['cypher']:>10.3f}"
                f"{r['cypher'] / r['dict']:>12.1f}x{flag}"
            )
        if snap is not None:
            print(
                f"{which:<10}snapshot: to_bytes {snap['save']:.1f} ms (bar 50), from_bytes {snap['load']:.1f} ms "
                "(bar 200), median of 5"
            )
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
            loaded = page.evaluate(LOAD_JS, snap)
            print(f"\n{label}: {n:,} nodes, {len(edges):,} edges; snapshot {len(raw) / 1e6:.1f} MB")
            print(f"{'query':<16}{'pyodide ms':>12}  answer")
            print(
                f"{'graph.load':<16}{loaded['ms']:>12.1f}  {loaded['value']['relationships']} relationships; "
                f"from_bytes inside Pyodide {loaded['value']['engine_ms']:.1f} ms (bar 200)"
            )
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
            print(
                f"{'graph.save':<16}{first['ms']:>12.1f}  {first['bytes'] / 1e6:.2f} MB; to_bytes inside Pyodide "
                f"{first['engine_ms']:.1f} ms on the first call, median of the next 3 "
                f"{rest[1]['engine_ms']:.1f} ms (bar 50)"
            )
        page.close()
        pyodide_ratios(sdk.browser, sdk.pages, sdk.pages_url, sdk.bundle_url, snapshots, "--small" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])

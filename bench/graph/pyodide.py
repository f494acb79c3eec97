"""The same graph queries inside Pyodide in headless Chromium, through the real SDK.

    python -m bench.graph.pyodide            # course graph (10k) + 1M-edge random graph
    python -m bench.graph.pyodide --small    # random graph with 100k edges

Graphs are built on CPython with the store API, shipped as a snapshot (`graph.load`), and
queried with `graph.run`; timings are taken in the page with performance.now() around each
`Prometheus.call`, so they include one worker round trip (the `echo` row measures it).
Snapshot save/load rows time `graph.save` / `graph.load`, which add base64 and the transfer
of the snapshot between page and worker: upper bounds of `to_bytes` / `from_bytes`.
Needs the browser test stack (playwright, chromium, the bundle build).
"""

from __future__ import annotations

import base64
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "py_core"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench.graph.run import DictEngine, course_graph, random_graph  # noqa: E402

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


def snapshot_b64(n, edges) -> str:
    from prometheus.graph import Graph

    g = Graph()
    ids = [g.add_node(("Concept",), {"key": i}) for i in range(n)]
    for a, b in edges:
        g.add_relationship(ids[a], "REQUIRES", ids[b])
    return base64.b64encode(g.to_bytes()).decode("ascii")


def queries(n, edges, rng):
    base = DictEngine()
    base.load(n, edges)
    starts = [rng.randrange(n) for _ in range(SAMPLES)]
    pairs = []
    while len(pairs) < SAMPLES:
        a = rng.randrange(n)
        frontier = [a]
        for _ in range(rng.randint(3, 6)):
            nxt = [v for u in frontier for v in base.out[u]]
            if not nxt:
                break
            frontier = nxt
        b = rng.choice(frontier)
        if b != a:
            pairs.append((a, b))
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


def main(argv):
    from playwright.sync_api import sync_playwright

    from serve import serve_in_thread
    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, build_bundle, host_page

    rng = random.Random(0)
    dist = build_bundle()
    server, bundle_url = serve_in_thread(dist, "127.0.0.1")
    pages = Path(tempfile.mkdtemp())
    (pages / "host.html").write_text(host_page(bundle_url))
    pserver, pages_url = serve_in_thread(pages, "127.0.0.1")
    graphs = [("course graph (10k concepts)", *course_graph())]
    graphs.append(("random graph", *(random_graph(10_000, 100_000) if "--small" in argv else random_graph())))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(pages_url.replace("127.0.0.1", "localhost") + "host.html")
            page.evaluate("() => Prometheus.ready")
            echo = page.evaluate(TIME_JS, ["core.echo", [{"value": 1}] * 50])["median"]
            print(f"Pyodide in headless Chromium; SDK round trip (core.echo) median {echo:.3f} ms")
            for label, n, edges in graphs:
                snap = snapshot_b64(n, edges)
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
                saved = page.evaluate("""async () => { const t0 = performance.now();
                    const v = await Prometheus.call('graph.save', {});
                    return { ms: performance.now() - t0, bytes: v.bytes, engine_ms: v.engine_ms }; }""")
                print(f"{'graph.save':<16}{saved['ms']:>12.1f}  {saved['bytes'] / 1e6:.2f} MB; "
                      f"to_bytes inside Pyodide {saved['engine_ms']:.1f} ms (bar 50)")
            browser.close()
    finally:
        server.shutdown()
        pserver.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])

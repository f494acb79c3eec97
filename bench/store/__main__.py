"""The store in headless Chromium: what persistence costs a call, a checkpoint and a start.

    python -m bench.store [--writes 200] [--runs 3] [--size 10000]

- one write's round trip (`graph.run` CREATE through the SDK), median and p95, persisted with
  `relaxed` durability (the default), with `strict`, and with `data-persist="false"` (the peer:
  the same call with no store), each in a fresh browser context;
- a store holding a `size`-concept graph, `size` cards and `size` embeddings: the time of a
  checkpoint, and time to `ready` on a reload against the same page with an empty store
  (both warm: HTTP cache and start-up snapshot in place), median of `runs` reloads.
Targets (issue 11): the write median at most 25 ms; restoring that store adds at most 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.browser import sdk_page  # noqa: E402
from tests.browser.harness import host_page  # noqa: E402

WRITES_JS = """async (n) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await Prometheus.call("graph.run", { query: "CREATE (:W {i: $i})", parameters: { i } });
    times.push(performance.now() - start);
  }
  return times;
}"""

FILL_JS = """async (size) => {
  const t0 = performance.now();
  await Prometheus.call("graph.run", { query: "UNWIND range(0, $n - 1) AS i CREATE (:Concept {key: 'c' + i, rank: i % 97})", parameters: { n: size } });
  await Prometheus.call("graph.run", { query: "MATCH (a:Concept), (b:Concept) WHERE b.rank = a.rank + 1 AND id(b) % 50 = id(a) % 50 CREATE (a)-[:REQUIRES]->(b)" });
  const t1 = performance.now();
  const cards = [];
  for (let i = 0; i < size; i++) cards.push({ front: "question " + i, back: "answer " + i, concepts: ["c" + (i % size)] });
  await Prometheus.call("learn.add_cards", { cards });
  const t2 = performance.now();
  const vectors = new Float32Array(size * 384);
  for (let i = 0; i < vectors.length; i++) vectors[i] = Math.sin(i * 12.9898) * 43758.5453 % 1;
  const ids = [], texts = [];
  for (let i = 0; i < size; i++) { ids.push("card-" + i); texts.push("question " + i); }
  await Prometheus.call("infer.index_add", { ids, texts, vectors: vectors.buffer });
  const t3 = performance.now();
  return { graph_ms: t1 - t0, cards_ms: t2 - t1, index_ms: t3 - t2 };
}"""

# When ready resolved, and when a first call that reads the collection was answered (the index
# and the collection finish restoring as numpy arrives after ready; calls wait for them).
READY_JS = """async () => {
  await Prometheus.ready;
  const ready = performance.now();
  await Prometheus.call("learn.stats", {});
  return [ready, performance.now()];
}"""


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ready_ms(page, url) -> list[float]:
    """[time to ready, time to the first answer], ms since navigation."""
    page.goto(url)
    return page.evaluate(READY_JS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args(argv)
    with sdk_page() as sdk:
        for name, attributes in (
            ("relaxed", ""),
            ("strict", 'data-durability="strict"'),
            ("memory", 'data-persist="false"'),
        ):
            (sdk.pages / f"host-{name}.html").write_text(host_page(sdk.bundle_url, attributes))
        print(f"store benchmark: Chromium, Pyodide in a worker; {args.writes} sequential writes per mode")
        rows = {}
        for name in ("memory", "relaxed", "strict"):
            context = sdk.browser.new_context()
            page = context.new_page()
            page.set_default_timeout(600_000)
            ready_ms(page, sdk.pages_url + f"host-{name}.html")
            times = page.evaluate(WRITES_JS, args.writes)[10:]  # the first calls compile the query
            rows[name] = (statistics.median(times), percentile(times, 0.95))
            context.close()
        base = rows["memory"][0]
        print(f"{'write round trip':<34}{'median ms':>10}{'p95 ms':>10}{'x memory':>10}")
        for name, label in (
            ("memory", 'data-persist="false" (peer)'),
            ("relaxed", "persisted, relaxed (default)"),
            ("strict", "persisted, strict"),
        ):
            median, p95 = rows[name]
            print(f"{label:<34}{median:>10.2f}{p95:>10.2f}{median / base:>10.2f}")
        print(
            f"durability cost: relaxed adds {rows['relaxed'][0] - base:.2f} ms a write, "
            f"strict {rows['strict'][0] - base:.2f} ms (target: median <= 25 ms)"
        )

        context = sdk.browser.new_context()
        page = context.new_page()
        page.set_default_timeout(600_000)
        url = sdk.pages_url + "host-relaxed.html"
        empty = [ready_ms(page, url) for _ in range(args.runs + 1)][1:]  # the first visit is cold
        fill = page.evaluate(FILL_JS, args.size)
        info = page.evaluate("() => Prometheus.call('store.info')")
        checkpoint = page.evaluate("""async () => { const t = performance.now();
            const r = await Prometheus.call('store.checkpoint'); return [performance.now() - t, r.bytes]; }""")
        full = [ready_ms(page, url) for _ in range(args.runs)]
        restored = page.evaluate("() => Prometheus.capabilities.store.restore")
        assert page.evaluate("() => Prometheus.call('store.info')")["digest"] == info["digest"]
        context.close()
        print(
            f"\nstore of {args.size:,} concepts, {args.size:,} cards, {args.size:,} embeddings "
            f"(filled in {fill['graph_ms']:.0f} + {fill['cards_ms']:.0f} + {fill['index_ms']:.0f} ms)"
        )
        print(
            f"checkpoint: {checkpoint[0]:.0f} ms, {checkpoint[1] / 1e6:.1f} MB; restore from it: {restored}"
        )
        for i, what in enumerate(("ready", "first answer (learn.stats)")):
            e, f = statistics.median(t[i] for t in empty), statistics.median(t[i] for t in full)
            print(
                f"time to {what} (warm), median of {args.runs}: empty store {e:.0f} ms, "
                f"that store {f:.0f} ms: restoring adds {f - e:.0f} ms"
                + (" (target <= 500 ms)" if i == 0 else "")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

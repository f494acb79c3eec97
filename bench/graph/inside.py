"""Runs inside Pyodide: bench/graph/run.py's dict traversal vs Cypher on one graph.

Called by bench/graph/pyodide.py through `bench.browser.run_in_page_pyodide`, which copies the
bench modules into the page's Pyodide and awaits `ratios(...)`: same code, same timing rule as
the CPython table, no SDK round trip.
"""

from __future__ import annotations

import random
import statistics
import time


async def ratios(which: str, size: list, samples: int, snapshot_url: str) -> dict:
    """Medians (ms) of each query for the dict engine and for Cypher, and whether they agree."""
    from pyodide.http import pyfetch

    from bench.graph import run as bench
    from prometheus.graph import Graph

    n, edges = bench.course_graph() if which == "course" else bench.random_graph(*size)
    base = bench.DictEngine()
    base.load(n, edges)
    arrays = bench.edge_arrays(edges) if which == "random" else None
    del edges
    ours = bench.OursCypher()
    ours.adopt(Graph.from_bytes(await (await pyfetch(snapshot_url)).bytes()))
    rng = random.Random(1)
    starts = [(rng.randrange(n),) for _ in range(samples)]
    pairs = bench.path_pairs(base, n, rng, samples)
    out = {}
    for name, fn_dict, fn_ours, args in [
        (f"hop{k}", lambda s, k=k: base.hops(s, k), lambda s, k=k: ours.hops(s, k), starts) for k in (1, 2, 3)
    ] + [
        ("closure", base.closure, ours.closure, starts[:10]),
        ("shortest", base.shortest, ours.shortest, pairs),
    ]:
        d_ms, d_ans = bench.median_ms(fn_dict, args)
        o_ms, o_ans = bench.median_ms(fn_ours, args)
        out[name] = {"dict": d_ms, "cypher": o_ms, "same": d_ans == o_ans}
    if arrays is not None:  # the bulk path, for its Pyodide/CPython bar (best of 2, as on CPython)
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            bench.load_columns(n, *arrays)
            times.append((time.perf_counter() - t0) * 1e3)
        out["load_columns"] = {"ms": min(times)}
    if which == "course":  # the snapshot bars are set for the 10k-concept graph
        save_ms, data = _median_of_5(ours.g.to_bytes)
        load_ms, _ = _median_of_5(lambda: Graph.from_bytes(data))
        out["snapshot"] = {"save": save_ms, "load": load_ms}
    return out


def _median_of_5(fn):
    times, value = [], None
    for _ in range(5):
        t0 = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), value

"""Memory of one loaded graph per engine, each engine in a fresh process on the same data.

    python -m bench.graph.memory            # the 1M-edge random graph of run.py
    python -m bench.graph.memory --small    # 100k edges

Per engine: RSS held after loading (gc collected, minus the RSS just before the load), peak RSS
above that baseline during the load (VmHWM), and for the Python engines tracemalloc's
current/peak (numpy buffers included; kuzu allocates in C++, invisible to tracemalloc). The
data is handed over as .npy arrays and CSV files written beforehand, so generating it does
not count. kuzu is on disk as in run.py: its RSS is the buffer-pool pages it touched.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "py_core"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

ENGINES = ("ours", "ours-csv", "networkx", "kuzu")


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def rss_bytes() -> int:
    """Resident memory now (Linux /proc; elsewhere the peak, the best the platform reports)."""
    try:
        return _status_kib("VmRSS") * 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_bytes() -> int:
    """Peak resident memory of this process image: VmHWM (ru_maxrss would carry the parent's
    peak across fork and exec)."""
    try:
        return _status_kib("VmHWM") * 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load(engine: str, folder: Path):
    import numpy as np

    from bench.graph.run import load_columns, load_csv

    start, end = np.load(folder / "start.npy"), np.load(folder / "end.npy")
    n = int((folder / "n.txt").read_text())
    base = rss_bytes()
    if engine == "ours":
        graph = load_columns(n, start, end)
    elif engine == "ours-csv":
        graph = load_csv(folder / "nodes.csv", folder / "edges.csv")
    elif engine == "networkx":
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(start.tolist(), end.tolist()))
    else:
        import kuzu

        db = kuzu.Database(str(folder / f"kuzu-{os.getpid()}"))
        conn = kuzu.Connection(db)
        conn.execute("CREATE NODE TABLE Concept(key INT64, PRIMARY KEY (key))")
        conn.execute("CREATE REL TABLE REQUIRES(FROM Concept TO Concept)")
        conn.execute(f"COPY Concept FROM '{folder / 'kuzu-nodes.csv'}' (header=false)")
        conn.execute(f"COPY REQUIRES FROM '{folder / 'kuzu-edges.csv'}' (header=false)")
        graph = (db, conn)
    return base, graph


def child(engine: str, folder: Path, trace: bool) -> dict:
    if trace:
        tracemalloc.start()
    base, graph = load(engine, folder)
    gc.collect()
    out = {"held": rss_bytes() - base, "peak": peak_bytes() - base}
    if trace:
        out["traced"], out["traced_peak"] = tracemalloc.get_traced_memory()
    del graph
    return out


def measure(n: int, edges, engines=ENGINES) -> dict:
    """{engine: {held, peak[, traced, traced_peak]}} in bytes, each from fresh processes."""
    import csv

    import numpy as np

    from bench.graph.run import edge_arrays, write_csv

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start, end = edge_arrays(edges)
        np.save(folder / "start.npy", start)
        np.save(folder / "end.npy", end)
        (folder / "n.txt").write_text(str(n))
        write_csv(folder, n, edges)
        (folder / "kuzu-nodes.csv").write_text("".join(f"{i}\n" for i in range(n)))
        with open(folder / "kuzu-edges.csv", "w", newline="") as f:
            csv.writer(f).writerows(edges)
        for engine in engines:
            row = {}
            for trace in (False, True) if engine != "kuzu" else (False,):
                command = [sys.executable, "-m", "bench.graph.memory", "--child", engine, tmp]
                if trace:
                    command.append("--trace")
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
                if done.returncode != 0:
                    row["error"] = done.stderr.strip().splitlines()[-1][:200] if done.stderr else "failed"
                    break
                row.update(
                    json.loads(done.stdout.strip().splitlines()[-1])
                    if not trace
                    else {
                        k: v
                        for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()
                        if k.startswith("traced")
                    }
                )
            results[engine] = row
    return results


def print_memory(results: dict, n: int, m: int) -> None:
    mb = 1 / 2**20
    print(f"\nmemory of a loaded graph ({n:,} nodes, {m:,} edges), each engine in a fresh process (MiB)")
    print(f"{'engine':<12}{'RSS held':>10}{'RSS peak':>10}{'traced':>10}{'traced peak':>13}{'held/kuzu':>11}")
    kuzu = results.get("kuzu", {}).get("held")
    for engine, row in results.items():
        if "error" in row:
            print(f"{engine:<12}error: {row['error']}")
            continue
        traced = (
            f"{row['traced'] * mb:>10.0f}{row['traced_peak'] * mb:>13.0f}"
            if "traced" in row
            else f"{'-':>10}{'-':>13}"
        )
        ratio = f"{row['held'] / kuzu:.1f}x" if kuzu else "-"
        print(f"{engine:<12}{row['held'] * mb:>10.0f}{row['peak'] * mb:>10.0f}{traced}{ratio:>11}")


def main(argv):
    from bench.graph.run import random_graph

    n, edges = random_graph(10_000, 100_000) if "--small" in argv else random_graph()
    print_memory(measure(n, edges), n, len(edges))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), "--trace" in sys.argv)))
    else:
        main(sys.argv[1:])

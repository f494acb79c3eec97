"""Pass rates of the openCypher TCK per directory, split into result and error scenarios.

    python -m tests.graph.tck.report                 # table + top failure causes
    python -m tests.graph.tck.report match           # only scenarios whose id contains 'match'
    python -m tests.graph.tck.report --failures      # also every failing scenario with its reason
    python -m tests.graph.tck.report --raise-floor   # record this run's counts as the new floor

One scenario as a test: `TCK_EACH=1 python -m pytest tests/graph/tck -k 'Match3 and 12'`.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "py_core") not in sys.path:
    sys.path.insert(0, str(ROOT / "py_core"))

from .floor import load_floor, raised_floor, save_floor  # noqa: E402
from .runner import Outcome, all_scenarios, run_scenario, tck_available  # noqa: E402

RESULT_TARGET = 0.95
ERROR_TARGET = 0.80


def _run_chunk(ids: list[str]) -> list[Outcome]:
    wanted = set(ids)
    return [run_scenario(s) for s in all_scenarios() if s.id in wanted]


_FULL_RUN: list[Outcome] = []


def run_all_once(workers: int = 1) -> list[Outcome]:
    """Every scenario's outcome, computed once per process: the floor tests and the Pyodide
    lane's per-directory table (tests/pyodide) read the same run."""
    if not _FULL_RUN:
        _FULL_RUN.extend(run_all("", workers))
    return _FULL_RUN


def run_all(substring: str = "", workers: int = 1) -> list[Outcome]:
    """Outcomes of every scenario whose id contains `substring`, in file order."""
    scenarios = [s for s in all_scenarios() if substring.lower() in s.id.lower()]
    if workers <= 1 or len(scenarios) < 50:
        return [run_scenario(s) for s in scenarios]
    # Deferred: Pyodide (tests/pyodide) has no processes, and importing the pool fails there.
    from concurrent.futures import ProcessPoolExecutor

    ids = [s.id for s in scenarios]
    chunks = [ids[i::workers] for i in range(workers)]
    order = {sid: i for i, sid in enumerate(ids)}
    with ProcessPoolExecutor(workers) as pool:
        out = [o for chunk in pool.map(_run_chunk, chunks) for o in chunk]
    return sorted(out, key=lambda o: order[o.id])


def summarize(outcomes: list[Outcome]) -> dict:
    """Counts per directory and in total: result n/passed, error n/strict/type-only."""
    per_dir: dict[str, Counter] = defaultdict(Counter)
    for o in outcomes:
        for key in (o.directory, "TOTAL"):
            c = per_dir[key]
            c[o.kind] += 1
            c[o.kind + "_passed"] += o.passed
            if o.kind == "error":
                c["error_type_ok"] += o.type_ok
    return per_dir


def _pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "    -"


def rates(outcomes: list[Outcome]) -> tuple[float, float, float]:
    """(result pass rate, error strict pass rate, error right-type rate) over all outcomes."""
    t = summarize(outcomes)["TOTAL"]
    res = t["result_passed"] / t["result"] if t["result"] else 1.0
    err = t["error_passed"] / t["error"] if t["error"] else 1.0
    typ = t["error_type_ok"] / t["error"] if t["error"] else 1.0
    return res, err, typ


def table(outcomes: list[Outcome]) -> str:
    per_dir = summarize(outcomes)
    lines = [f"{'directory':<40} {'result pass':>18} {'error strict':>18} {'error type ok':>15}", "-" * 94]
    for d in sorted(k for k in per_dir if k != "TOTAL") + ["TOTAL"]:
        c = per_dir[d]
        if d == "TOTAL":
            lines.append("-" * 94)
        lines.append(
            f"{d:<40} {c['result_passed']:>5}/{c['result']:<5} {_pct(c['result_passed'], c['result'])}"
            f" {c['error_passed']:>5}/{c['error']:<5} {_pct(c['error_passed'], c['error'])}"
            f" {c['error_type_ok']:>6} {_pct(c['error_type_ok'], c['error'])}"
        )
    return "\n".join(lines)


def top_causes(outcomes: list[Outcome], n: int = 25) -> str:
    failed = [o for o in outcomes if not o.passed]
    by_cause: dict[str, list[Outcome]] = defaultdict(list)
    for o in failed:
        by_cause[o.cause].append(o)
    lines = []
    for cause, group in sorted(by_cause.items(), key=lambda kv: -len(kv[1]))[:n]:
        dirs = Counter(o.directory for o in group).most_common(4)
        ex = group[0]
        lines.append(
            f"- {len(group):4d}  {cause}  [{', '.join(f'{d} {k}' for d, k in dirs)}]\n"
            f"        e.g. {ex.id}: {ex.message[:220]}"
        )
    return "\n".join(lines)


def failures(outcomes: list[Outcome]) -> str:
    return "\n".join(f"FAIL {o.id}\n     {o.cause}: {o.message[:400]}" for o in outcomes if not o.passed)


def main(argv: list[str]) -> int:
    if not tck_available():
        print("openCypher TCK not found (../shared/conformance/cypher-tck is absent); nothing to report.")
        return 0
    flags = {a for a in argv if a.startswith("--")}
    words = [a for a in argv if not a.startswith("--")]
    substring = words[0] if words else ""
    workers = int(os.environ.get("TCK_WORKERS", str(min(2, os.cpu_count() or 1))))
    start = time.perf_counter()
    outcomes = run_all(substring, workers)
    seconds = time.perf_counter() - start
    if "--failures" in flags:
        print(failures(outcomes))
        print()
    print(table(outcomes))
    res, err, typ = rates(outcomes)
    print(
        f"\n{len(outcomes)} scenarios in {seconds:.1f} s; result {100 * res:.1f}% "
        f"(target {100 * RESULT_TARGET:.0f}%), error right type {100 * typ:.1f}% "
        f"(target {100 * ERROR_TARGET:.0f}%), error strict {100 * err:.1f}%"
    )
    print("\nTop failure causes:\n" + top_causes(outcomes))
    if not substring and "--raise-floor" in flags:
        save_floor(
            raised_floor(
                load_floor(),
                summarize(outcomes),
                {"result": res >= RESULT_TARGET, "error": typ >= ERROR_TARGET},
            )
        )
        print("(floor.json raised where this run did better)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

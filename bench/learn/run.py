"""Learning app on a synthetic collection (default 50,000 cards over 500 concepts).

CPython: learn.next + learn.answer (the study loop), the first queue build after loading a
snapshot, the stats, snapshot save/load; the peer is py-fsrs 6.3.2 reviewing one card
(`Scheduler.review_card`), the least work an answer can cost, measured in the same run.

Browser (headless Chromium, see browser.py): the same code in a bare Pyodide, and the SDK's
round trip (learn.next + learn.answer through the worker) with a persisted store and with
data-persist="false", the queue build, learn.stats, a checkpoint and the time to ready of a
store holding the collection; each figure also as a ratio to CPython's, measured in this run.
Target (issue 12): the SDK round trip under 30 ms median in the browser.

    bash bench/run learn [--cards N] [--rounds N] [--cpython-only]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "py_core"), str(ROOT)]


def _row(name: str, values: list, width: int = 12) -> str:
    cells = "".join(f"{'—' if v is None else f'{v:.4g}':>{width}}" for v in values)
    return f"{name:46}{cells}"


def main(argv) -> None:
    parser = argparse.ArgumentParser(prog="bench/run learn")
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--cpython-only", action="store_true", help="skip the browser")
    args = parser.parse_args(argv)

    import fsrs

    from .measure import NOW, measure, percentile, timed_ms

    cpy = measure(args.cards, args.rounds)
    scheduler, card = fsrs.Scheduler(), fsrs.Card()
    peer_ms = statistics.median(timed_ms(lambda i: scheduler.review_card(card, fsrs.Rating.Good, NOW), 200))
    loop = cpy["next_answer_ms"]
    print(
        f"learn benchmark: {args.cards:,} cards, {args.rounds} rounds; synthetic build "
        f"{cpy['build_ms'] / 1000:.1f} s, snapshot {cpy['snapshot_bytes'] / 1e6:.1f} MB"
    )
    print(f"\nCPython {sys.version.split()[0]} (ms)")
    print(f"{'measure':46}{'ms':>12}{'x py-fsrs':>12}")
    for name, ms in (
        ("learn.next + learn.answer, median", statistics.median(loop)),
        ("learn.next + learn.answer, p95", percentile(loop, 0.95)),
        ("py-fsrs review_card (peer; ms)", peer_ms),
        ("first learn.next after loading (queue build)", cpy["queue_ms"]),
        ("learn.stats", cpy["stats_ms"]),
        ("learn.forecast", cpy["forecast_ms"]),
        ("snapshot to_bytes", cpy["to_bytes_ms"]),
        ("snapshot from_bytes (restore of the part)", cpy["from_bytes_ms"]),
    ):
        print(_row(name, [ms, ms / peer_ms]))
    if args.cpython_only:
        return

    from .browser import measure_browser, summary

    web = measure_browser(args.cards, args.rounds)
    bare, mem, per = web["bare"], web["memory"], web["persisted"]
    print(
        f"\nHeadless Chromium, Pyodide 0.27.7 (ms; x = ratio to CPython above). The SDK pages import "
        f"the collection as a {web['export_bytes'] / 1e6:.1f} MB JSON export: "
        f"{mem['import_ms'] / 1000:.1f} s in memory, {per['import_ms'] / 1000:.1f} s persisted"
    )
    print(
        f"{'measure':46}{'CPython':>12}{'bare Pyodide':>14}{'x':>7}{'SDK memory':>12}{'x':>7}{'SDK persist':>12}{'x':>7}"
    )

    def line(name, c, b, m, p):
        cells = [f"{c:12.2f}"]
        for v, w in ((b, 14), (m, 12), (p, 12)):
            cells.append(f"{'—':>{w}}{'':>7}" if v is None else f"{v:{w}.2f}{v / c:7.1f}")
        print(f"{name:46}" + "".join(cells))

    for q, label in ((0, "median"), (1, "p95")):
        line(
            f"learn.next + learn.answer, {label}",
            summary(loop)[q],
            summary(bare["next_answer_ms"])[q],
            summary(mem["next_answer_ms"])[q],
            summary(per["next_answer_ms"])[q],
        )
    line(
        "queue build (first learn.next after a load)",
        cpy["queue_ms"],
        bare["queue_ms"],
        mem["queue_ms"],
        per["queue_ms"],
    )
    line("queue build after a restore (reload)", cpy["queue_ms"], None, None, per["queue_after_restore_ms"])
    line("learn.stats", cpy["stats_ms"], bare["stats_ms"], mem["stats_ms"], per["stats_ms"])
    line("snapshot from_bytes (restore of the part)", cpy["from_bytes_ms"], bare["from_bytes_ms"], None, None)
    line("snapshot to_bytes", cpy["to_bytes_ms"], bare["to_bytes_ms"], None, None)
    median = summary(per["next_answer_ms"])[0]
    print(
        f"target: SDK round trip median under 30 ms: persisted {median:.1f} ms "
        f"({'met' if median < 30 else 'NOT met'}), memory {summary(mem['next_answer_ms'])[0]:.1f} ms"
    )
    print(
        f"persisted store: checkpoint {per['checkpoint_ms']:.0f} ms "
        f"({'%.1f MB' % (per['checkpoint_bytes'] / 1e6) if per['checkpoint_bytes'] else 'already written when idle'}); "
        f"time to ready (warm, median of 3): empty {per['ready_empty_ms']:.0f} ms, with the collection "
        f"{per['ready_full_ms']:.0f} ms: restoring adds {per['ready_full_ms'] - per['ready_empty_ms']:.0f} ms "
        f"(graph part included); restore report {per['restore_report']}; "
        f"state after reload {'identical' if per['restored_same'] else 'DIFFERENT'}"
    )

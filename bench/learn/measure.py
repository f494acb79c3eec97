"""The learning-app measurements, as plain Python so the same code times CPython and (through
bench/learn/inside.py) a bare Pyodide: a synthetic collection, the study loop, the queue build
after a restore, the stats, and the snapshot both ways.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
LIMITS = {"reviews_per_day": 100_000, "new_per_day": 100_000}  # the loop never runs dry


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_ms(fn, rounds: int) -> list[float]:
    """Milliseconds of `fn(i)` for i in range(rounds)."""
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def moment(i: int) -> str:
    """The i-th answer's time: one second apart, so the log stays in order."""
    return (NOW + timedelta(seconds=i)).isoformat()


def build(cards: int):
    """The synthetic collection of `cards` cards over cards/100 concepts, limits lifted."""
    from prometheus.learn import study
    from prometheus.learn.synthetic import synthetic_collection

    col = synthetic_collection(cards, max(1, cards // 100), now=NOW.isoformat())
    study.settings(col, dict(LIMITS))
    col.undo_stack.clear()
    return col


def measure(cards: int, rounds: int) -> dict:
    """{name: milliseconds or [milliseconds]} for one collection of `cards` cards."""
    from prometheus.learn import Collection, stats, study

    started = time.perf_counter()
    col = build(cards)
    out = {"build_ms": (time.perf_counter() - started) * 1000}
    graph = col.graph_source()

    def round_trip(i):
        card = study.next_card(col, now=moment(i))
        study.answer(col, card["id"], 3, now=moment(i))

    round_trip(0)  # builds the link index and the day's mastery once
    out["next_answer_ms"] = timed_ms(lambda i: round_trip(i + 1), rounds)
    data = col.to_bytes()
    out["snapshot_bytes"] = len(data)
    out["to_bytes_ms"] = statistics.median(timed_ms(lambda i: col.to_bytes(), 3))
    out["from_bytes_ms"] = statistics.median(
        timed_ms(lambda i: Collection.from_bytes(data, lambda: graph), 3)
    )
    queue = []
    for _ in range(3):
        loaded = Collection.from_bytes(data, lambda: graph)
        queue.append(timed_ms(lambda i, c=loaded: study.next_card(c, now=moment(rounds + 1)), 1)[0])
    out["queue_ms"] = statistics.median(queue)
    out["stats_ms"] = statistics.median(timed_ms(lambda i: stats.summary(col, now=moment(rounds + 1)), 10))
    out["forecast_ms"] = statistics.median(
        timed_ms(lambda i: stats.forecast(col, now=moment(rounds + 1)), 10)
    )
    return out

"""Learning app on a synthetic collection (default 50,000 cards over 500 concepts), CPython.

Times learn.next + learn.answer (the study loop), the first queue build after loading a
snapshot, the stats, and snapshot save/load; the peer is py-fsrs 6.3.2 reviewing one card
(`Scheduler.review_card`), the least work an answer can cost, measured in the same run.
Pyodide runs about 3-10x slower than these CPython figures.

    bash bench/run learn [--cards N] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta


def _median_ms(fn, rounds: int) -> float:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv) -> None:
    parser = argparse.ArgumentParser(prog="bench/run learn")
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)

    import fsrs

    from prometheus.learn import Collection, stats, study
    from prometheus.learn.synthetic import synthetic_collection

    now = datetime(2024, 3, 1, 12, tzinfo=UTC)
    started = time.perf_counter()
    col = synthetic_collection(args.cards, max(1, args.cards // 100), now=now.isoformat())
    build_s = time.perf_counter() - started
    study.settings(col, {"reviews_per_day": 100_000, "new_per_day": 100_000})
    graph = col.graph_source()

    def round_trip(i):
        moment = (now + timedelta(seconds=i)).isoformat()
        card = study.next_card(col, now=moment)
        study.answer(col, card["id"], 3, now=moment)

    round_trip(0)  # builds the link index and the day's mastery once
    learn_ms = _median_ms(lambda i: round_trip(i + 1), args.rounds)

    scheduler = fsrs.Scheduler()
    card = fsrs.Card()
    peer_ms = _median_ms(lambda i: scheduler.review_card(card, fsrs.Rating.Good, now), args.rounds)

    data = col.to_bytes()
    save_ms = _median_ms(lambda i: col.to_bytes(), 5)
    load_ms = _median_ms(lambda i: Collection.from_bytes(data, lambda: graph), 3)

    def first_next(i):
        loaded = Collection.from_bytes(data, lambda: graph)
        start = time.perf_counter()
        study.next_card(loaded, now=now.isoformat())
        first_next.took.append(time.perf_counter() - start)

    first_next.took = []
    for i in range(3):
        first_next(i)
    queue_ms = statistics.median(first_next.took) * 1000
    stats_ms = _median_ms(lambda i: stats.summary(col, now=now.isoformat()), 10)
    forecast_ms = _median_ms(lambda i: stats.forecast(col, now=now.isoformat()), 10)

    print(
        f"learn benchmark: {args.cards} cards, synthetic build {build_s:.1f} s, snapshot {len(data) / 1e6:.1f} MB"
    )
    print(f"{'measure':44} {'ms':>10} {'x py-fsrs review':>18}")
    rows = [
        ("learn.next + learn.answer (median)", learn_ms),
        ("py-fsrs review_card (peer)", peer_ms),
        ("first learn.next after loading (queue build)", queue_ms),
        ("learn.stats", stats_ms),
        ("learn.forecast", forecast_ms),
        ("snapshot to_bytes (notes cached)", save_ms),
        ("snapshot from_bytes", load_ms),
    ]
    for name, ms in rows:
        print(f"{name:44} {ms:10.3f} {ms / peer_ms:18.1f}")

"""SRS benchmark: prometheus.srs against py-fsrs (CPython) and ts-fsrs (Node), in one run.

    python -m bench.srs                 # CPython + Node sections
    python -m bench.srs --browser       # also time the engine inside Pyodide in headless Chromium
    python -m bench.srs --no-oracle     # skip the py-fsrs Optimizer (needs torch; ~30 s)

Sections (all on the same machine, same run):
  schedule     reviews/s: Scheduler.review_card vs py-fsrs vs ts-fsrs (fuzz off, same workload)
  collection   100k cards: vectorized retrievability and 365-day forecast vs a py-fsrs loop;
               memory states of every josh card replayed from logs vs py-fsrs reschedule_card
  optimize     josh dataset: wall time and scores (log loss, RMSE(bins), AUC) of our optimizer
               and of the py-fsrs Optimizer, both scored by the same evaluator; held-out
               time-series split scores of ours
  pyodide      (--browser) optimizer on josh and 100k-card columns inside the browser worker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "py_core"))
sys.path.insert(0, str(ROOT))

JOSH = ROOT.parent / "shared" / "datasets" / "fsrs_review_logs_josh.csv"
PATTERN = [3, 3, 1, 3, 2, 4, 3, 3, 1, 3]
START = datetime(2024, 1, 1, 8, tzinfo=UTC)
ROWS: list[tuple[str, str, str, str]] = []


def row(section, what, ours, peer, ratio=""):
    ROWS.append((section, what, ours, peer, ratio))
    print(f"  {section:<10} {what:<46} {ours:>16} {peer:>22} {ratio:>10}", flush=True)


def best_of(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def schedule_loop(scheduler_cls, card_cls, rating_cls, cards, reviews):
    scheduler = scheduler_cls(enable_fuzzing=False)

    def work():
        for c in range(cards):
            card = card_cls(card_id=c + 1, due=START)
            now = START
            for r in range(reviews):
                card, _ = scheduler.review_card(card, rating_cls(PATTERN[(c + r) % len(PATTERN)]), now)
                now = card.due

    return work


def bench_schedule(cards=1000, reviews=10):
    import fsrs

    from prometheus.srs import Card, Rating, Scheduler

    n = cards * reviews
    ours = best_of(schedule_loop(Scheduler, Card, Rating, cards, reviews))
    peer = best_of(schedule_loop(fsrs.Scheduler, fsrs.Card, fsrs.Rating, cards, reviews))
    row(
        "schedule",
        f"review_card, {n} reviews (CPython)",
        f"{n / ours:,.0f}/s",
        f"py-fsrs {n / peer:,.0f}/s",
        f"{peer / ours:.2f}x",
    )
    node_dir = Path(__file__).parent
    if (node_dir / "node_modules" / "ts-fsrs").exists():
        out = subprocess.run(
            ["node", str(node_dir / "ts_fsrs_bench.mjs"), str(cards), str(reviews), "3"],
            capture_output=True,
            text=True,
            check=True,
        )
        ts = json.loads(out.stdout)
        row(
            "schedule",
            "same workload, ts-fsrs in Node",
            f"{n / ours:,.0f}/s",
            f"ts-fsrs {ts['reviews'] / ts['seconds']:,.0f}/s",
            f"{(n / ours) / (ts['reviews'] / ts['seconds']):.2f}x",
        )
    else:
        row("schedule", "ts-fsrs: skipped (run `npm ci` in bench/srs)", "-", "-")


def synthetic_cards(n, seed=0):
    import fsrs
    import numpy as np

    from prometheus.srs import Card, State

    rng = np.random.default_rng(seed)
    stability = rng.lognormal(2.0, 1.5, n)
    difficulty = rng.uniform(1, 10, n)
    last = rng.integers(0, 200 * 86400, n)
    due = last + rng.integers(86400, 100 * 86400, n)
    ours, peers = [], []
    for i in range(n):
        lr = START + timedelta(seconds=int(last[i]))
        du = START + timedelta(seconds=int(due[i]))
        ours.append(
            Card(
                card_id=i,
                state=State.Review,
                stability=float(stability[i]),
                difficulty=float(difficulty[i]),
                due=du,
                last_review=lr,
            )
        )
        peers.append(
            fsrs.Card(
                card_id=i,
                state=fsrs.State.Review,
                stability=float(stability[i]),
                difficulty=float(difficulty[i]),
                due=du,
                last_review=lr,
            )
        )
    return ours, peers


def bench_collection(n=100_000):
    import fsrs
    import numpy as np

    from prometheus.srs.collection import CardArrays, forecast, memory_states, retrievability
    from prometheus.srs.importers import read_review_csv

    ours, peers = synthetic_cards(n)
    arrays = CardArrays.from_cards(ours)
    now = START + timedelta(days=250)
    ref = fsrs.Scheduler()
    t_ours = best_of(lambda: retrievability(arrays.stability, arrays.last_review_us, now))
    t_peer = best_of(lambda: [ref.get_card_retrievability(c, now) for c in peers], repeats=1)
    got = retrievability(arrays.stability, arrays.last_review_us, now)
    want = np.array([ref.get_card_retrievability(c, now) for c in peers[:1000]])
    assert np.allclose(got[:1000], want, rtol=1e-12), "retrievability mismatch"
    row(
        "collection",
        f"retrievability of {n:,} cards",
        f"{t_ours * 1e3:.2f} ms",
        f"py-fsrs loop {t_peer * 1e3:.0f} ms",
        f"{t_peer / t_ours:.0f}x",
    )

    def loop_forecast():
        counts = [0] * 365
        today = now.date()
        for c in peers:
            offset = max((c.due.date() - today).days, 0)
            if offset < 365:
                counts[offset] += 1
        return counts

    t_ours = best_of(lambda: forecast(arrays.due_us, 365, now))
    t_peer = best_of(loop_forecast, repeats=1)
    assert forecast(arrays.due_us, 365, now).tolist() == loop_forecast(), "forecast mismatch"
    row(
        "collection",
        f"365-day due forecast of {n:,} cards",
        f"{t_ours * 1e3:.2f} ms",
        f"py-fsrs loop {t_peer * 1e3:.0f} ms",
        f"{t_peer / t_ours:.0f}x",
    )
    t_build = best_of(lambda: CardArrays.from_cards(ours), repeats=1)
    row("collection", f"  (one-off: Card objects -> arrays, {n:,})", f"{t_build * 1e3:.0f} ms", "")

    if JOSH.exists():
        table = read_review_csv(JOSH)
        history = table.history()
        logs = table.to_logs()
        by_card = {}
        for log in logs:
            by_card.setdefault(log.card_id, []).append(
                fsrs.ReviewLog(log.card_id, fsrs.Rating(int(log.rating)), log.review_datetime, None)
            )
        plain = fsrs.Scheduler(enable_fuzzing=False)
        t_ours = best_of(lambda: memory_states(history))
        t_peer = best_of(
            lambda: [
                plain.reschedule_card(fsrs.Card(card_id=cid, due=START), ls) for cid, ls in by_card.items()
            ],
            repeats=1,
        )
        row(
            "collection",
            f"replay memory of {history.card_ids.size} cards / {len(logs)} reviews",
            f"{t_ours * 1e3:.1f} ms",
            f"py-fsrs reschedule {t_peer * 1e3:.0f} ms",
            f"{t_peer / t_ours:.0f}x",
        )


def bench_optimize(oracle=True):
    from prometheus.srs.evaluation import evaluate, time_series_split
    from prometheus.srs.importers import read_review_csv
    from prometheus.srs.optimizer import Optimizer
    from prometheus.srs.parameters import DEFAULT_PARAMETERS

    if not JOSH.exists():
        row("optimize", "josh dataset absent: skipped", "-", "-")
        return
    t0 = time.perf_counter()
    table = read_review_csv(JOSH)
    history = table.history()
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = Optimizer(history).fit()
    t_fit = time.perf_counter() - t0
    ours = evaluate(history, result.parameters)
    defaults = evaluate(history, DEFAULT_PARAMETERS)
    row("optimize", "josh: load CSV + build history", f"{t_load:.2f} s", "")
    peer_scores, t_peer = None, None
    if oracle:
        try:
            import fsrs
            from fsrs import Optimizer as PyOptimizer  # needs torch

            logs = [
                fsrs.ReviewLog(
                    log.card_id, fsrs.Rating(int(log.rating)), log.review_datetime, log.review_duration
                )
                for log in table.to_logs()
            ]
            t0 = time.perf_counter()
            peer_params = PyOptimizer(logs).compute_optimal_parameters()
            t_peer = time.perf_counter() - t0
            peer_scores = evaluate(history, peer_params)
        except ImportError as exc:
            row("optimize", f"py-fsrs Optimizer unavailable ({exc})", "-", "-")
    peer_time = f"py-fsrs {t_peer:.1f} s" if t_peer else "-"
    row(
        "optimize",
        f"josh: fit 21 parameters ({result.targets} targets)",
        f"{t_fit:.2f} s",
        peer_time,
        f"{t_peer / t_fit:.0f}x" if t_peer else "",
    )
    for key in ("log_loss", "rmse_bins", "auc"):
        peer = f"py-fsrs {peer_scores[key]:.4f}" if peer_scores else "-"
        row("optimize", f"josh in-sample {key} (defaults {defaults[key]:.4f})", f"{ours[key]:.4f}", peer)
    t0 = time.perf_counter()
    held = time_series_split(history, n_splits=5)
    t_split = time.perf_counter() - t0
    base = time_series_split(history, n_splits=5, fit=lambda h: DEFAULT_PARAMETERS)
    for key in ("log_loss", "rmse_bins", "auc"):
        row(
            "optimize",
            f"josh held-out (5-fold time split) {key}",
            f"{held[key]:.4f}",
            f"defaults {base[key]:.4f}",
        )
    row("optimize", "  time-series split, 5 fits", f"{t_split:.2f} s", "")


def bench_pyodide():
    from bench.browser import sdk_page
    from tests.browser.harness import SDK

    with sdk_page(timeout_ms=300_000) as browser_sdk:
        page = browser_sdk.page
        sdk = SDK(page, browser_sdk.bundle_url)
        sdk.call("srs.defaults")  # import the engine before timing
        if JOSH.exists():
            text = JOSH.read_text()
            times = []
            for _ in range(3):
                out = page.evaluate(
                    """async (csv) => { const t0 = performance.now();
                    const r = await Prometheus.call("srs.optimize", { csv, evaluate: false });
                    return { ms: performance.now() - t0, py: r.seconds }; }""",
                    text,
                )
                times.append(out)
            best = min(times, key=lambda o: o["ms"])
            row(
                "pyodide",
                "josh: srs.optimize call (CSV parse + fit)",
                f"{best['ms'] / 1000:.2f} s",
                "fsrs-browser 3.5 s/24k",
                "",
            )
            row("pyodide", "  of which the fit itself (Python clock)", f"{best['py']:.2f} s", "")
        n = 100_000
        out = page.evaluate(
            """async (n) => {
            const s = [], last = [], due = [];
            let x = 12345;
            const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
            const t = Date.UTC(2024, 0, 1);
            for (let i = 0; i < n; i++) { s.push(0.5 + 100 * rnd()); const l = t + Math.floor(2e10 * rnd());
              last.push(l); due.push(l + Math.floor(5e9 * rnd())); }
            const now = new Date(t + 2.2e10).toISOString();
            await Prometheus.call("srs.retrievability_columns", { stability: s.slice(0, 10), last_review_ms: last.slice(0, 10), now });
            let t0 = performance.now();
            await Prometheus.call("srs.retrievability_columns", { stability: s, last_review_ms: last, now });
            const r = performance.now() - t0;
            t0 = performance.now();
            await Prometheus.call("srs.forecast_columns", { due_ms: due, days: 365, now });
            return { r, f: performance.now() - t0 };
        }""",
            n,
        )
        row(
            "pyodide",
            f"retrievability_columns, {n:,} cards (round trip)",
            f"{out['r']:.0f} ms",
            "see CPython loop",
        )
        row(
            "pyodide",
            f"forecast_columns 365 d, {n:,} cards (round trip)",
            f"{out['f']:.0f} ms",
            "see CPython loop",
        )


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.srs")
    parser.add_argument("--browser", action="store_true", help="also time inside Pyodide (Chromium)")
    parser.add_argument("--no-oracle", action="store_true", help="skip the py-fsrs Optimizer (torch)")
    parser.add_argument("--cards", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"  {'section':<10} {'what':<46} {'ours':>16} {'peer':>22} {'peer/ours':>10}")
    bench_schedule()
    bench_collection(args.cards)
    bench_optimize(oracle=not args.no_oracle)
    if args.browser:
        bench_pyodide()

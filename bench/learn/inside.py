"""Runs inside a bare Pyodide (no SDK, no worker round trip): bench/learn/measure.py there.

Called by bench/learn/browser.py through `bench.browser.run_in_page_pyodide`.
"""

from __future__ import annotations


async def measure(cards: int, rounds: int) -> dict:
    from bench.learn.measure import measure as run

    return run(cards, rounds)

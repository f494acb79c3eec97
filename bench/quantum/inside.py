"""Runs inside Pyodide: the statevector timing of bench/quantum/pyodide.py.

Called through `bench.browser.run_in_page_pyodide`, which awaits `time_statevector(...)` in a
bare Pyodide page: the same code and timing rule as the CPython column, no SDK round trip.
"""

from __future__ import annotations


async def time_statevector(qasm: str, dtype: str) -> dict:
    """Seconds to compute the final statevector (parsing excluded), and its norm."""
    from prometheus.quantum.bench import time_statevector as timed

    return timed(qasm, dtype)

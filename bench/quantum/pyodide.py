"""The same statevector benchmark inside Pyodide in headless Chromium, vs CPython here.

    python -m bench.quantum.pyodide [--sizes 10,16,20] [--dtype complex128]

Each circuit is timed inside a bare Pyodide in the page (bench/quantum/inside.py:
`prometheus.quantum.bench.time_statevector`, perf_counter around the simulation only) and on
CPython in this process with the same code. Needs the browser test stack (playwright,
chromium, the bundle build).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "py_core"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench.quantum.run import circuits, time_ours  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,16,20")
    parser.add_argument("--dtype", default="complex128")
    args = parser.parse_args(argv)
    from bench.browser import bare_pyodide_page, run_in_page_pyodide, sdk_page

    with sdk_page(timeout_ms=1_200_000) as sdk:
        page = bare_pyodide_page(sdk.browser, sdk.pages, sdk.pages_url, sdk.bundle_url)
        print(f"{'circuit':<16}{'n':>4}{'cpython s':>11}{'pyodide s':>11}{'ratio':>8}")
        for n in [int(s) for s in args.sizes.split(",")]:
            for name, text in circuits(n):
                cpy, _ = time_ours(text, args.dtype, 1)
                res = run_in_page_pyodide(
                    page, "bench.quantum.inside", "time_statevector", {"qasm": text, "dtype": args.dtype}
                )
                print(
                    f"{name:<16}{n:>4}{cpy:11.3f}{res['seconds']:11.3f}{res['seconds'] / cpy:8.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Loading packages in the bundle's Pyodide: prometheus.wheel_unpack against Pyodide's own
unpack_buffer, and prometheus.import_caches against Python's own importlib.invalidate_caches
(which Pyodide's loadPackage calls after every load), each peer measured in the same run.

    python -m bench.packages [--runs 7]

Under node, the bundle's runtime. Each run starts a new Pyodide (so every run's first unpack
meets code that has not run before, as a learner's first call does) and unpacks each wheel
with both functions, in alternating order, into fresh folders, called as Pyodide's loader calls
them. Reported per wheel: the first unpack of a run (median over runs) and the later ones. Then,
with the core started as the worker starts it, both invalidate_caches functions in turn: the
first call of a run (the one a learner's first answer waits for; runs alternate which function
makes it) and the later ones.
Chromium's numbers differ (the first answer after `ready` in bench/startup is the learner's
view); the ratio is what this shows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.core.bundle_node import bundle_pyodide, run_with_core  # noqa: E402

WHEELS = ("numpy", "tzdata", "sqlite3")
REPEATS = 4  # unpacks of each wheel per function within one Pyodide

# Run under node once the bundle's Pyodide has started with the core's wheel (run_with_core).
SCRIPT = """
py.runPython('import sys; sys.path.insert(0, "/lib/core.whl"); import prometheus.wheel_unpack as ours; assert ours.install()');
const loader = py.pyimport("pyodide._package_loader");
const functions = {{ ours: loader.unpack_buffer, pyodide: py.pyimport("prometheus.wheel_unpack")._pyodide_unpack_buffer }};
const order = {order};
const times = {{}};
let folder = 0;
for (const [name, file] of Object.entries({wheels})) {{
  const bytes = new Uint8Array(fs.readFileSync(dist + file));
  for (let i = 0; i < {repeats}; i++) {{
    for (const who of (i % 2 === 0 ? order : [...order].reverse())) {{
      const started = performance.now();
      functions[who].callKwargs({{ buffer: bytes, filename: file, extract_dir: "/tmp/u" + folder++, installer: "pyodide.loadPackage", source: "pyodide", calculate_dynlibs: true }});
      (times[name + " " + who] ||= []).push(performance.now() - started);
    }}
  }}
}}
py.runPython(`
import importlib, sys, zipimport
import prometheus.deferred; prometheus.deferred.defer("numpy")
import prometheus.rpc, prometheus.store.browser, prometheus.import_caches as caches
assert caches.install()`);
const invalidate = {{ ours: py.pyimport("importlib").invalidate_caches, pyodide: py.pyimport("prometheus.import_caches")._importlib_invalidate }};
for (let i = 0; i < 2 * {repeats}; i++) {{
  for (const who of (i % 2 === 0 ? order : [...order].reverse())) {{
    const started = performance.now();
    invalidate[who]();
    const label = (i === 0 && who === order[0] ? "first " : "") + "invalidate_caches " + who;
    (times[label] ||= []).push(performance.now() - started);
  }}
}}
times.zipimporters = [py.runPython("sum(isinstance(f, zipimport.zipimporter) for f in sys.path_importer_cache.values())")];
console.log(JSON.stringify(times));
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    node = shutil.which("node")
    if node is None:
        print("node is missing: the build needs it (README's set-up installs it)")
        return 1
    dist, lock = bundle_pyodide()
    first: dict[str, list[float]] = {}
    later: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            order = ["ours", "pyodide"] if run % 2 == 0 else ["pyodide", "ours"]
            body = SCRIPT.format(
                wheels=json.dumps({name: lock[name]["file_name"] for name in WHEELS}),
                order=json.dumps(order),
                repeats=REPEATS,
            )
            for key, values in run_with_core(Path(folder), body).items():
                first.setdefault(key, []).append(values[0])
                later.setdefault(key, []).extend(values[1:])
                if key.startswith("invalidate_caches"):
                    later[key].append(values[0])  # the first call of the run is keyed apart
    print(
        f"unpack in the bundle's Pyodide under node, ms: first of a run (median of {args.runs}), later ones"
    )
    print(
        f"{'wheel':10} {'files':>6} {'ours first':>11} {'Pyodide first':>14} {'ratio':>6} {'ours later':>11} {'Pyodide later':>14} {'ratio':>6}"
    )
    for name in WHEELS:
        files = len(zipfile.ZipFile(dist / lock[name]["file_name"]).infolist())
        row = [
            statistics.median(table[f"{name} {who}"])
            for table in (first, later)
            for who in ("ours", "pyodide")
        ]
        print(
            f"{name:10} {files:6d} {row[0]:11.0f} {row[1]:14.0f} {row[0] / row[1]:6.2f} "
            f"{row[2]:11.0f} {row[3]:14.0f} {row[2] / row[3]:6.2f}"
        )
    print(
        f"importlib.invalidate_caches() after each loadPackage, the core started "
        f"({statistics.median(first['zipimporters']):.0f} zipimporters over 2 archives), ms:"
    )
    for label, table, prefix in (("first call of a run", first, "first "), ("later calls", later, "")):
        ours, python = (table.get(f"{prefix}invalidate_caches {who}", []) for who in ("ours", "pyodide"))
        if ours and python:
            print(
                f"  {label:20} ours {statistics.median(ours):6.1f} ({len(ours)})   Python's own "
                f"{statistics.median(python):6.1f} ({len(python)})   ratio {statistics.median(ours) / statistics.median(python):.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

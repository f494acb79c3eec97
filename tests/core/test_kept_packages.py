"""worker/package_cache.js with the bundle's Pyodide under node: a package written back from its
kept files (restorePackage) is the package `loadPackage` installed. For each shipped wheel, one
Pyodide loads it with loadPackage (the oracle) and keeps what prometheus.wheel_unpack recorded
(packPackage); a second, fresh one restores it from the packed bytes (parsePackage,
restorePackage). The two site-packages trees must be equal file for file, and the package must
then work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy

from tests.core.bundle_node import bundle_pyodide, run_with_core

WORKER = Path(__file__).resolve().parents[2] / "worker"

# Runs after run_with_core's start: `py` has the core's wheel at /lib/core.whl.
SCRIPT = """
const vm = await import("vm");
for (const name of ["snapshot_file.js", "package_cache.js"]) {
  vm.runInThisContext(fs.readFileSync(%(worker)s + name, "utf8"), { filename: name });
}
py.runPython('import sys; sys.path.insert(0, "/lib/core.whl"); import prometheus.wheel_unpack as w; assert w.install()');
const lock = JSON.parse(fs.readFileSync(dist + "pyodide-lock.json", "utf8")).packages;
const tree = (pyodide, folder) => JSON.parse(pyodide.runPython(`
import hashlib, json, os
folder = ${JSON.stringify(folder)}
json.dumps({os.path.relpath(os.path.join(r, f), folder): hashlib.sha256(open(os.path.join(r, f), "rb").read()).hexdigest()
            for r, _, files in os.walk(folder) for f in files})`));
// The files `install` adds or changes under `folder`, sorted, as JSON: [[path, sha256], ...].
const added = async (pyodide, folder, install) => {
  const before = tree(pyodide, folder);
  await install();
  return JSON.stringify(Object.entries(tree(pyodide, folder)).filter(([path, digest]) => before[path] !== digest).sort());
};
const result = {};
for (const [name, check] of Object.entries(%(checks)s)) {
  const entry = lock[name];
  const installDir = py._api.package_loader.get_install_dir(entry.install_dir);
  const loaded = await added(py, installDir, () => py.loadPackage([name], { messageCallback: () => {} }));
  const unpacked = py.pyimport("prometheus.wheel_unpack").unpacked;
  const record = unpacked(entry.file_name).toJs({ dict_converter: Object.fromEntries });
  const handedOnce = unpacked(entry.file_name) === undefined;
  const packed = packPackage(record.files.map((path) => [path, py.FS.readFile(path)]), record.dynlibs);
  const fresh = await loadPyodide({ indexURL: dist });
  const restored = await added(fresh, installDir, () => restorePackage(fresh, entry, parsePackage(packed, installDir)));
  result[name] = {
    same: restored === loaded,
    count: JSON.parse(loaded).length,
    files: record.files.length,
    dynlibs: record.dynlibs.length,
    handedOnce,
    loaded: fresh.loadedPackages[name],
    answer: fresh.runPython(check),
  };
}
console.log(JSON.stringify(result));
"""

CHECKS = {
    "numpy": "import numpy; float(numpy.linalg.solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).sum())",
    "tzdata": (
        "import zoneinfo, datetime; "
        "str(datetime.datetime(2024, 7, 1, tzinfo=zoneinfo.ZoneInfo('Europe/Stockholm')).utcoffset())"
    ),
    "sqlite3": "import sqlite3; sqlite3.connect(':memory:').execute('select 6 * 7').fetchone()[0]",
}


def test_a_restored_package_is_the_package_loadpackage_installed(tmp_path):
    _, lock = bundle_pyodide()
    result = run_with_core(
        tmp_path, SCRIPT % {"worker": json.dumps(str(WORKER) + "/"), "checks": json.dumps(CHECKS)}
    )
    for name, outcome in result.items():
        assert outcome["same"], name  # restored: every file loadPackage wrote, and nothing else
        assert outcome["count"] == outcome["files"] > 0, name
        assert outcome["handedOnce"] and outcome["loaded"] == "default channel", name
    assert (
        result["numpy"]["dynlibs"] == 19
        and result["sqlite3"]["dynlibs"] == 1
        and result["tzdata"]["dynlibs"] == 0
    )
    assert result["numpy"]["answer"] == float(numpy.linalg.solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).sum())
    assert result["tzdata"]["answer"] == "2:00:00"  # CEST
    assert result["sqlite3"]["answer"] == 42
    assert set(result) == {"numpy", "tzdata", "sqlite3"} <= set(lock)

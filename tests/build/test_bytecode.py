"""The bundle's bytecode: the standard library, the core and the packages ship compiled by Pyodide
itself, and Pyodide uses that bytecode (checked by running the bundle's runtime under node)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from base64 import urlsafe_b64encode
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STOCK = ROOT / "build" / "node_modules" / "pyodide" / "python_stdlib.zip"
sys.path.insert(0, str(ROOT / "build"))

from bytecode import SITE_PACKAGES, STDLIB_PATH  # noqa: E402
from pyodide_runtime import PYODIDE_VERSION, official_lock  # noqa: E402
from pypi_wheels import read_pins  # noqa: E402

from build import DEFAULT_CACHE  # noqa: E402
from tests.browser.harness import build_bundle  # noqa: E402

# CPython 3.12's bytecode magic (Lib/importlib/_bootstrap_external.py: 3531) and the flags word
# of an unchecked-hash .pyc (PEP 552): what Pyodide 0.27's Python 3.12 reads without a source.
MAGIC_312 = (3531).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = (0b01).to_bytes(4, "little")


@pytest.fixture(scope="module")
def bundle():
    return build_bundle() / "pyodide"


def test_the_stdlib_zip_holds_the_stock_zip_with_each_module_compiled(bundle):
    with zipfile.ZipFile(STOCK) as stock, zipfile.ZipFile(bundle / "python_stdlib.zip") as ours:
        stock_names = stock.namelist()
        ours_names = ours.namelist()
        kept_sources = [n for n in ours_names if n.endswith(".py")]
        # every module is there once: as bytecode in place of its source (or, if Pyodide could
        # not compile it, as the source), in the stock order; every other entry is unchanged
        expected = [n + "c" if n.endswith(".py") and n not in kept_sources else n for n in stock_names]
        assert ours_names == expected
        assert len(kept_sources) <= 3, kept_sources
        for name in stock_names:
            if not name.endswith(".py") or name in kept_sources:
                assert ours.read(name) == stock.read(name), name
        for name in (n for n in ours_names if n.endswith(".pyc")):
            header = ours.read(name)[:8]
            assert header == MAGIC_312 + UNCHECKED_HASH, name


def test_pyodide_imports_the_stdlib_and_the_core_from_bytecode(bundle, tmp_path):
    node = shutil.which("node")
    assert node, "the build needs node, so the test environment has it"
    wheel = json.loads((bundle / "pyodide-lock.json").read_text())["packages"]["prometheus-web"]["file_name"]
    script = tmp_path / "check.mjs"
    script.write_text(
        f"""
const {{ loadPyodide }} = await import({json.dumps(str(bundle / "pyodide.mjs"))});
const fs = await import("fs");
const py = await loadPyodide({{ indexURL: {json.dumps(str(bundle) + "/")} }});
py.FS.writeFile("/lib/core.whl", fs.readFileSync({json.dumps(str(bundle / wheel))}));
console.log(py.runPython(`
import json, sys, traceback
sys.path.insert(0, "/lib/core.whl")
import prometheus.errors
try:
    json.loads("[1,")
    raise AssertionError("json accepted a broken text")
except json.JSONDecodeError as error:
    frames = [f.filename for f in traceback.extract_tb(error.__traceback__)]
json.dumps({{"json": json.__file__, "decoder": json.decoder.__file__, "errors": prometheus.errors.__file__,
            "scanner_code": json.decoder.JSONDecoder.raw_decode.__code__.co_filename, "frames": frames}})
`));
"""
    )
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["json"] == "/lib/python312.zip/json/__init__.pyc"
    assert seen["decoder"] == "/lib/python312.zip/json/decoder.pyc"
    assert seen["errors"] == "/lib/core.whl/prometheus/errors.pyc"
    # code objects carry the file name a source import would give, so tracebacks read as usual
    assert seen["scanner_code"] == STDLIB_PATH + "json/decoder.py"
    assert STDLIB_PATH + "json/decoder.py" in seen["frames"]


def test_every_package_is_its_verified_wheel_with_its_modules_compiled(bundle):
    """Each shipped package is the wheel the official lock (or build/wheels.txt) pins, entry for
    entry, but for each module's source replaced by its bytecode and the RECORD that lists it."""
    official = official_lock(ROOT / "build" / "node_modules" / "pyodide")
    pins = read_pins(ROOT / "build" / "wheels.txt")
    trimmed = json.loads((bundle / "pyodide-lock.json").read_text())
    assert {"numpy", "sqlite3", "tzdata"} <= set(trimmed["packages"])
    for name, entry in trimmed["packages"].items():
        if name == "prometheus-web":
            continue  # built here, its bytecode beside its sources (tests/build/test_build.py)
        shipped = bundle / entry["file_name"]
        if name in pins:  # from PyPI
            source = DEFAULT_CACHE / "pypi" / entry["file_name"]
            assert hashlib.sha256(source.read_bytes()).hexdigest() == pins[name][1], name
        else:
            source = DEFAULT_CACHE / f"pyodide-{PYODIDE_VERSION}" / entry["file_name"]
            assert hashlib.sha256(source.read_bytes()).hexdigest() == official["packages"][name]["sha256"], (
                name
            )
        with zipfile.ZipFile(source) as stock, zipfile.ZipFile(shipped) as ours:
            assert ours.namelist() == [n + "c" if n.endswith(".py") else n for n in stock.namelist()], name
            for stock_name in stock.namelist():
                if stock_name.endswith(".py"):
                    assert ours.read(stock_name + "c")[:8] == MAGIC_312 + UNCHECKED_HASH, stock_name
                elif not stock_name.endswith(".dist-info/RECORD"):
                    assert ours.read(stock_name) == stock.read(stock_name), stock_name
            record = ours.read(next(n for n in ours.namelist() if n.endswith(".dist-info/RECORD"))).decode()
            for line in record.splitlines():
                path, digest, length = line.rsplit(",", 2)
                if digest:  # RECORD lists itself without a digest
                    data = ours.read(path)
                    assert (
                        digest
                        == "sha256=" + urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    )
                    assert int(length) == len(data), path
            assert len(record.splitlines()) == len(ours.namelist()), name


def test_pyodide_installs_the_packages_and_imports_them_from_bytecode(bundle, tmp_path):
    """numpy, tzdata and sqlite3 installed by Pyodide's loadPackage from the bundle import from
    their bytecode and give what CPython gives with the same wheels' sources."""
    node = shutil.which("node")
    assert node, "the build needs node, so the test environment has it"
    script = tmp_path / "packages.mjs"
    script.write_text(
        f"""
const {{ loadPyodide }} = await import({json.dumps(str(bundle / "pyodide.mjs"))});
const py = await loadPyodide({{ indexURL: {json.dumps(str(bundle) + "/")} }});
await py.loadPackage(["numpy", "tzdata", "sqlite3"], {{ messageCallback: () => {{}} }});
console.log(py.runPython(`{PACKAGES_CHECK}\nresult`));
"""
    )
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["numpy"] == SITE_PACKAGES + "numpy/__init__.pyc"
    assert seen["linalg"] == SITE_PACKAGES + "numpy/linalg/_linalg.pyc"
    assert seen["tzdata"] == SITE_PACKAGES + "tzdata/__init__.pyc"
    assert seen["sqlite3"] == SITE_PACKAGES + "sqlite3/__init__.pyc"
    assert seen["linalg_code"] == SITE_PACKAGES + "numpy/linalg/_linalg.py"  # tracebacks name the source
    scope: dict = {}
    exec(PACKAGES_CHECK, scope)  # the oracle: this CPython, the same versions' sources
    here = json.loads(scope["result"])
    for key in ("solved", "stockholm_1870", "stockholm_2024", "sqlite_rows"):
        assert seen[key] == here[key], key


# Run in Pyodide and here: module files, and results that need each package's code and data.
PACKAGES_CHECK = """
import json, sqlite3, zoneinfo
from datetime import datetime
from importlib.resources import files
import numpy, numpy.linalg, tzdata
a = numpy.array([[4.0, 1.0, 2.0], [1.0, 5.0, 3.0], [2.0, 3.0, 6.0]])
zone = lambda: zoneinfo.ZoneInfo.from_file(files("tzdata.zoneinfo").joinpath("Europe", "Stockholm").open("rb"))
offset = lambda when: zone().utcoffset(when).total_seconds()
con = sqlite3.connect(":memory:")
con.execute("CREATE TABLE t (x)")
con.executemany("INSERT INTO t VALUES (?)", [(3,), (1,), (2,)])
result = json.dumps({"numpy": numpy.__file__, "linalg": numpy.linalg._linalg.__file__, "tzdata": tzdata.__file__,
            "sqlite3": sqlite3.__file__, "linalg_code": numpy.linalg._linalg._makearray.__code__.co_filename,
            "solved": [round(v, 12) for v in numpy.linalg.solve(a, [1.0, 2.0, 3.0]).tolist()],
            "stockholm_1870": offset(datetime(1870, 1, 1)), "stockholm_2024": offset(datetime(2024, 7, 1)),
            "sqlite_rows": con.execute("SELECT x FROM t ORDER BY x").fetchall()})
"""

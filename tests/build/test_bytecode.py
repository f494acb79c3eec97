"""The bundle's bytecode: the standard library and the core ship compiled by Pyodide itself, and
Pyodide uses that bytecode (checked by running the bundle's runtime under node)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "pyodide"
STOCK = ROOT / "build" / "node_modules" / "pyodide" / "python_stdlib.zip"
sys.path.insert(0, str(ROOT / "build"))

from bytecode import STDLIB_PATH  # noqa: E402

# CPython 3.12's bytecode magic (Lib/importlib/_bootstrap_external.py: 3531) and the flags word
# of an unchecked-hash .pyc (PEP 552): what Pyodide 0.27's Python 3.12 reads without a source.
MAGIC_312 = (3531).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = (0b01).to_bytes(4, "little")


@pytest.fixture(scope="module")
def bundle():
    subprocess.run([sys.executable, str(ROOT / "build" / "build.py"), "--quiet"], check=True)
    return DIST


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

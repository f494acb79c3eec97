"""The bundle's Pyodide under node, started with the core's wheel where the worker puts it: for
tests of the core's Pyodide-only paths (tests/core/test_wheel_unpack.py, test_import_caches.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.browser.harness import build_bundle

WORKER = Path(__file__).resolve().parents[2] / "worker"


def runtime_factory_parts() -> list[Path]:
    """The worker's scripts that start the runtime as the worker does (definingRuntimeFactory and
    what it calls), in the bundle's order: build/worker_bundle.py's RUNTIME_PARTS."""
    sys.path.insert(0, str(WORKER.parent / "build"))
    try:
        from worker_bundle import RUNTIME_PARTS
    finally:
        sys.path.remove(str(WORKER.parent / "build"))
    return [WORKER / name for name in RUNTIME_PARTS]


def bundle_pyodide() -> tuple[Path, dict]:
    """The bundle's pyodide folder (built if needed) and the packages its lock file names."""
    dist = build_bundle() / "pyodide"
    return dist, json.loads((dist / "pyodide-lock.json").read_text())["packages"]


def run_module(folder: Path, source: str) -> dict:
    """Runs `source` (a JavaScript module) under node from `folder`; the JSON its last line prints."""
    node = shutil.which("node")
    assert node, "the build needs node, so the test environment has it"
    script = folder / "script.mjs"
    script.write_text(source)
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_with_core(folder: Path, body: str) -> dict:
    """Runs `body` (a JavaScript module's code) under node once the bundle's Pyodide has started
    and the core's wheel is at /lib/core.whl (not yet on sys.path); `py` (the Pyodide), `fs`
    and `dist` (the pyodide folder, with a trailing slash) are in scope. The JSON the script's
    last line prints."""
    dist, lock = bundle_pyodide()
    return run_module(
        folder,
        f"""
const {{ loadPyodide }} = await import({json.dumps(str(dist / "pyodide.mjs"))});
const fs = await import("fs");
const dist = {json.dumps(str(dist) + "/")};
const py = await loadPyodide({{ indexURL: dist }});
py.FS.writeFile("/lib/core.whl", fs.readFileSync(dist + {json.dumps(lock["prometheus-web"]["file_name"])}));
"""
        + body,
    )

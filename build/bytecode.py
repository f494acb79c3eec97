"""Bytecode for the core wheel, compiled by the bundle's own Pyodide interpreter.

Pyodide compiles every module it imports from source, at WebAssembly speed, on every start
(its file system lives in memory, so nothing compiled survives a reload). Shipping the
`.pyc` files in the wheel cuts the import time of the engines a start restores (measured in
Pyodide under node, the core imported from its wheel as the worker does: the graph, index and
learn parts' imports 285-403 ms from source, 74-76 ms from bytecode). They are compiled by the same interpreter that runs them (Python 3.12 of
pyodide@0.27.7, run by node), in unchecked-hash mode: no timestamps, so the same sources give
the same bytes, and zipimport uses them without checking them against the source; the sources
stay in the wheel for tracebacks. The worker imports the core from the wheel itself (a zip on
sys.path), so each `mod.pyc` sits beside its `mod.py`, where zipimport looks first.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

CACHE_FORMAT = "2"

# Runs in node: mounts the sources, compiles them with Pyodide's py_compile, writes the .pyc files.
COMPILE_JS = r"""
const [runtime, folder] = process.argv.slice(2);
const { loadPyodide } = await import(runtime + "/pyodide.mjs");
const py = await loadPyodide({ indexURL: runtime + "/" });
py.FS.mkdir("/src");
py.FS.mount(py.FS.filesystems.NODEFS, { root: folder }, "/src");
py.runPython(`
import json, pathlib, py_compile, sys
names = json.loads(pathlib.Path("/src/names.json").read_text())
for name in names:
    py_compile.compile("/src/" + name, cfile="/src/" + name + "c", dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
pathlib.Path("/src/tag.txt").write_text(sys.implementation.cache_tag)
`);
"""


def pyc_name(source_name: str, cache_tag: str) -> str:
    """Beside its source, pkg/mod.pyc: where zipimport looks (the worker imports the core
    straight from its wheel on sys.path); an unpacked install compiles from source instead."""
    return source_name[:-3] + ".pyc"


def compile_for_pyodide(runtime_dir: Path, sources: dict[str, bytes], cache_dir: Path, log=print) -> dict:
    """{pyc entry name: bytes} for the `.py` entries of `sources` (entry name -> source bytes)."""
    python = {name: data for name, data in sources.items() if name.endswith(".py")}
    key = hashlib.sha256(CACHE_FORMAT.encode())
    key.update(hashlib.sha256((runtime_dir / "package.json").read_bytes()).digest())
    for name in sorted(python):
        key.update(name.encode() + b"\0" + hashlib.sha256(python[name]).digest())
    cached = cache_dir / f"{key.hexdigest()}.json"
    if cached.exists():
        return {name: bytes.fromhex(data) for name, data in json.loads(cached.read_text()).items()}
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to compile the core's bytecode with Pyodide (Node 20)")
    log(f"compiling {len(python)} core modules to bytecode with Pyodide")
    with tempfile.TemporaryDirectory(prefix="prometheus-pyc-") as tmp:
        folder = Path(tmp)
        for name, data in python.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        (folder / "names.json").write_text(json.dumps(sorted(python)))
        script = folder / "compile.mjs"
        script.write_text(COMPILE_JS)
        subprocess.run([node, str(script), str(runtime_dir.resolve()), str(folder)], check=True)
        tag = (folder / "tag.txt").read_text()
        compiled = {pyc_name(name, tag): (folder / (name + "c")).read_bytes() for name in python}
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({name: data.hex() for name, data in compiled.items()}))
    return compiled

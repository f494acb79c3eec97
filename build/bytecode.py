"""Bytecode for the core wheel and the standard library, compiled by the bundle's own Pyodide.

Pyodide compiles every module it imports from source, at WebAssembly speed, on every start
(its file system lives in memory, so nothing compiled survives a reload). Two things are
compiled ahead, by the same interpreter that runs them (Python 3.12 of pyodide@0.27.7, run by
node), in unchecked-hash mode: no timestamps, so the same sources give the same bytes, and
zipimport uses them without checking them against the source.

- The core wheel: each `mod.pyc` beside its `mod.py` (the worker imports the core from the
  wheel itself, a zip on sys.path, and zipimport looks for the .pyc first); the sources stay
  for tracebacks. Measured in Pyodide under node: the graph, index and learn parts' imports
  285-403 ms from source, 74-76 ms from bytecode.
- The packages' wheels (numpy, sqlite3, tzdata), which ship sources only: each `.py` is replaced
  by its `.pyc` and the wheel's RECORD lists those. numpy's 174 modules were compiled on every
  visit once ready, before any call could run: measured in Chromium (unwatched, 6 fresh profiles
  a side), a warm visit's first answer 1,565 -> 1,239 ms, a first visit's 2,312 -> 2,264 ms (the
  wheel grows from 3.06 to 3.60 MB).
- python_stdlib.zip, which Pyodide's npm package ships as sources only: about 190 modules,
  asyncio and Pyodide's own `_pyodide` among them, are compiled on every cold start before
  `loadPyodide` resolves. The bundle's zip holds `.pyc` in place of each `.py` (as
  pyodide-build's `pyodide py-compile` does; it is not used because it compiles with the host
  Python, which must then be 3.12, while this needs only the node that runs the build's
  Pyodide). Measured under node: loadPyodide 1,605-1,632 ms with the stock zip, 616-673 ms with
  this one; the zip grows from 2.4 to 4.0 MB (keeping the sources too would make it 6.4 MB).
  Tracebacks through the standard library then name file and line without the line's text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

CACHE_FORMAT = "3"

# Runs in node: mounts the sources, compiles them with Pyodide's py_compile, writes the .pyc files.
COMPILE_JS = r"""
const [runtime, folder] = process.argv.slice(2);
const { loadPyodide } = await import(runtime + "/pyodide.mjs");
const py = await loadPyodide({ indexURL: runtime + "/" });
py.FS.mkdir("/src");
py.FS.mount(py.FS.filesystems.NODEFS, { root: folder }, "/src");
py.runPython(`
import json, pathlib, py_compile
job = json.loads(pathlib.Path("/src/names.json").read_text())
failed = []
for name in job["names"]:
    try:
        py_compile.compile("/src/" + name, cfile="/src/" + name + "c", dfile=job["prefix"] + name,
                           doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:
        if job["strict"]:
            raise
        failed.append(name)
pathlib.Path("/src/failed.json").write_text(json.dumps(failed))
`);
"""


def pyc_name(source_name: str) -> str:
    """Beside its source, pkg/mod.pyc: where zipimport looks (the worker imports the core
    straight from its wheel on sys.path); an unpacked install compiles from source instead."""
    return source_name[:-3] + ".pyc"


def compile_for_pyodide(runtime_dir: Path, sources: dict[str, bytes], cache_dir: Path, log=print) -> dict:
    """{pyc entry name: bytes} for the `.py` entries of `sources` (entry name -> source bytes)."""
    python = {name: data for name, data in sources.items() if name.endswith(".py")}
    key = _cache_key(runtime_dir)
    for name in sorted(python):
        key.update(name.encode() + b"\0" + hashlib.sha256(python[name]).digest())
    cached = cache_dir / f"{key.hexdigest()}.json"
    if cached.exists():
        return {name: bytes.fromhex(data) for name, data in json.loads(cached.read_text()).items()}
    log(f"compiling {len(python)} core modules to bytecode with Pyodide")
    compiled = _compile(runtime_dir, python, prefix="", strict=True)
    compiled = {pyc_name(name): data for name, data in compiled.items()}
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps({name: data.hex() for name, data in compiled.items()}))
    return compiled


# Where Pyodide mounts python_stdlib.zip: the file names its source import gives tracebacks.
STDLIB_PATH = "/lib/python312.zip/"


def compiled_stdlib(runtime_dir: Path, cache_dir: Path, log=print) -> Path:
    """The runtime's python_stdlib.zip with each `.py` replaced by its `.pyc` (a module Pyodide
    cannot compile keeps its source); entries keep their order and dates, so the same stock zip
    gives the same bytes."""
    return _compiled_zip(runtime_dir, runtime_dir / "python_stdlib.zip", STDLIB_PATH, cache_dir, log)


# Where Pyodide installs a package's files: the file names tracebacks through them give.
SITE_PACKAGES = "/lib/python3.12/site-packages/"


def compiled_wheel(runtime_dir: Path, wheel: Path, cache_dir: Path, log=print) -> Path:
    """`wheel` with each `.py` replaced by its `.pyc` (a module Pyodide cannot compile keeps its
    source) and its RECORD saying so; the same file name, entries in the same order with the same
    dates, so the same wheel gives the same bytes. A wheel without sources is returned as it is."""
    return _compiled_zip(runtime_dir, wheel, SITE_PACKAGES, cache_dir, log)


def _compiled_zip(runtime_dir: Path, source_zip: Path, prefix: str, cache_dir: Path, log) -> Path:
    """`source_zip` compiled by the runtime (its modules' code objects name `prefix` + their
    path), kept in `cache_dir` under the digests of both; `source_zip` itself if it has no `.py`."""
    key = _cache_key(runtime_dir)
    key.update(hashlib.sha256(source_zip.read_bytes()).digest())
    out = cache_dir / key.hexdigest()[:16] / source_zip.name
    if out.exists():
        return out
    with zipfile.ZipFile(source_zip) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    python = {info.filename: data for info, data in entries if info.filename.endswith(".py")}
    if not python:
        return source_zip
    log(f"compiling the {len(python)} modules of {source_zip.name} to bytecode with Pyodide")
    _write_compiled(out, entries, _compile(runtime_dir, python, prefix=prefix, strict=False))
    return out


def _write_compiled(
    out: Path, entries: list[tuple[zipfile.ZipInfo, bytes]], compiled: dict[str, bytes]
) -> None:
    """Writes the zip `entries` to `out` (whole, or not at all), each source in `compiled` as its
    .pyc in its place, and a wheel's RECORD to match."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename in compiled:
                pyc = zipfile.ZipInfo(info.filename + "c", info.date_time)
                pyc.compress_type, pyc.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
                target.writestr(pyc, compiled[info.filename])
            elif info.filename.endswith(".dist-info/RECORD"):
                target.writestr(info, _record_with(data, compiled))
            else:
                target.writestr(info, data)
    partial.replace(out)


def _record_with(record: bytes, compiled: dict[str, bytes]) -> bytes:
    """A wheel's RECORD (path,sha256=<urlsafe base64>,size lines) with each compiled source's line
    naming its .pyc instead."""
    lines = []
    for line in record.decode().splitlines():
        path = line.split(",", 1)[0]
        if path in compiled:
            digest = base64.urlsafe_b64encode(hashlib.sha256(compiled[path]).digest()).rstrip(b"=").decode()
            line = f"{path}c,sha256={digest},{len(compiled[path])}"
        lines.append(line)
    return ("\n".join(lines) + "\n").encode()


def _cache_key(runtime_dir: Path):
    """A sha256 to extend with what is compiled: bytecode depends on the cache format and on the
    Pyodide that compiles it."""
    key = hashlib.sha256(CACHE_FORMAT.encode())
    key.update(hashlib.sha256((runtime_dir / "package.json").read_bytes()).digest())
    return key


def _compile(runtime_dir: Path, python: dict[str, bytes], prefix: str, strict: bool) -> dict[str, bytes]:
    """{source entry name: pyc bytes}, compiled by Pyodide under node; `prefix` + name is the
    file name the code objects carry; not `strict`: a source that does not compile is left out."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to compile bytecode with Pyodide (Node 20)")
    with tempfile.TemporaryDirectory(prefix="prometheus-pyc-") as tmp:
        folder = Path(tmp)
        for name, data in python.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        job = {"names": sorted(python), "prefix": prefix, "strict": strict}
        (folder / "names.json").write_text(json.dumps(job))
        script = folder / "compile.mjs"
        script.write_text(COMPILE_JS)
        subprocess.run([node, str(script), str(runtime_dir.resolve()), str(folder)], check=True)
        failed = set(json.loads((folder / "failed.json").read_text()))
        return {name: (folder / (name + "c")).read_bytes() for name in python if name not in failed}

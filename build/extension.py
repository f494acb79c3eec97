"""Build step: the Chrome (MV3) extension, unpacked in <dist>/extension/ and zipped.

    python build/extension.py [--dist DIR]      (after build/build.py filled DIR)

The extension carries everything it runs (no remote code): its own pages and scripts from
web/extension/, the SDK (prometheus.js), the worker, the Pyodide runtime with every package
and the core wheel of <dist>/pyodide/, and the model of <dist>/models/. The zip
(<dist>/prometheus-extension.zip) is what a store upload takes; the build prints its size and
what takes the room. Incremental: files are rewritten only when their bytes change, and the
zip only when the folder's content changed (its comment holds the content's digest).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "web" / "extension"
FOLDER = "extension"
sys.path.insert(0, str(ROOT / "build"))

from pyodide_runtime import BuildError  # noqa: E402

ZIP_NAME = "prometheus-extension.zip"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)  # fixed: the same content gives the same zip
# From the bundle: (path in dist, path in the extension); folders are taken whole.
FROM_BUNDLE = (
    ("prometheus.js", "prometheus.js"),
    ("worker", "worker"),
    ("pyodide", "pyodide"),
    ("models", "models"),
)


class ExtensionBuildError(BuildError):
    pass


def plan(dist: Path) -> dict[str, Path]:
    """Every file of the unpacked extension: relative path -> the file it is copied from."""
    files: dict[str, Path] = {}

    def take(source: Path, target: str) -> None:
        if source.is_file():
            files[target] = source
        else:
            for path in sorted(source.rglob("*")):
                if path.is_file() and not path.name.startswith(".") and "__pycache__" not in path.parts:
                    files[f"{target}/{path.relative_to(source).as_posix()}"] = path

    for name, target in FROM_BUNDLE:
        if not (dist / name).exists():
            raise ExtensionBuildError(f"{dist / name} is missing: build the bundle first (build/build.py)")
        take(dist / name, target)
    take(SOURCE, ".")
    return {name.removeprefix("./"): path for name, path in files.items()}


def _same(a: Path, b: Path) -> bool:
    return b.exists() and a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def place(files: dict[str, Path], folder: Path) -> list[str]:
    """Copies the planned files into folder (only changed ones) and removes any other file."""
    changed = []
    for name, source in files.items():
        target = folder / name
        if not _same(source, target):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            changed.append(name)
    for path in sorted(folder.rglob("*"), reverse=True):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in files:
            path.unlink()
            changed.append(name)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return changed


def digest(folder: Path, names) -> str:
    h = hashlib.sha256()
    for name in sorted(names):
        h.update(name.encode() + b"\0" + hashlib.sha256((folder / name).read_bytes()).digest())
    return h.hexdigest()


def write_zip(folder: Path, names, target: Path) -> bool:
    """Zips folder (deterministically) unless target already holds this content. True if written."""
    content = digest(folder, names).encode()
    if target.exists():
        try:
            with zipfile.ZipFile(target) as existing:
                if existing.comment == content:
                    return False
        except zipfile.BadZipFile:
            pass
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.comment = content
        for name in sorted(names):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (folder / name).read_bytes())
    partial.replace(target)
    return True


def _group(name: str, lock: dict) -> str:
    """What a file of the extension is, for the size report."""
    if name.startswith("models/"):
        return "model (int8 all-MiniLM-L6-v2)"
    if name.startswith("pyodide/"):
        file = name.removeprefix("pyodide/")
        for package, entry in lock.get("packages", {}).items():
            if entry.get("file_name") == file:
                return "core wheel (prometheus-web)" if package == "prometheus-web" else f"package {package}"
        return "Pyodide runtime (wasm, stdlib, loader)"
    return "extension pages, SDK and worker"


def room(zip_path: Path, lock: dict) -> list[tuple[str, int, int]]:
    """[(what, bytes unpacked, bytes in the zip)], largest first."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            group = totals[_group(info.filename, lock)]
            group[0] += info.file_size
            group[1] += info.compress_size
    return sorted(((what, size, packed) for what, (size, packed) in totals.items()), key=lambda row: -row[2])


def build_extension(dist: Path, log=print) -> dict:
    """Fills <dist>/extension/ and <dist>/prometheus-extension.zip; returns the sizes."""
    files = plan(dist)
    folder = dist / FOLDER
    changed = place(files, folder)
    zip_path = dist / ZIP_NAME
    written = write_zip(folder, files, zip_path)
    lock = json.loads((folder / "pyodide" / "pyodide-lock.json").read_text())
    rows = room(zip_path, lock)
    zip_bytes = zip_path.stat().st_size
    log(
        f"extension: {len(files)} files in {folder} ({len(changed)} changed), "
        f"zip {zip_bytes:,} bytes{'' if written else ' (unchanged)'}: {zip_path}"
    )
    for what, size, packed in rows:
        log(f"  {packed:>12,} bytes zipped ({size:>12,} unpacked, {100 * packed / zip_bytes:5.1f}%)  {what}")
    return {"zip_bytes": zip_bytes, "files": len(files), "room": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    try:
        build_extension(args.dist.resolve(), log=lambda message: print(f"[build] {message}", flush=True))
    except ExtensionBuildError as exc:
        print(f"[build] FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

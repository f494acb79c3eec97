"""Pyodide's `loadPackage` unpacks wheels 1.5-3.7x sooner: every numpy, tzdata and sqlite3 load.

Pyodide 0.27 unpacks each package it loads with `shutil.unpack_archive`, in Python at
WebAssembly speed: the wheel is copied into a temporary file, then every member goes through
`ZipFile.open`'s stream machinery. That was the largest part of a learner's first answer
after `ready` (numpy: 180-330 ms of unpacking in Chromium, of ~700 ms). `extract_zip` writes
the same files from one pass over the wheel's bytes: each member is sliced out of the archive,
inflated in one `zlib.decompress` call, checked against its CRC-32 and written with `os.write`.
`bash bench/run packages` (the bundle's Pyodide under node, first unpack of a run): numpy
220 -> 149 ms, tzdata (633 files) 146 -> 40 ms. In Chromium, the first answer of a first visit
came 2.14 -> 1.88 s after navigation, of a second visit 1.17 -> 1.03 s (8 profiles each).

`install()` puts `unpack_buffer` in place of Pyodide's own (`pyodide._package_loader`, which
Pyodide's JS loader looks up on each install). Only wheels and zips named by file take the
fast path; everything else (tar archives, an explicit format) goes to Pyodide's function. The
files, the INSTALLER and PYODIDE_SOURCE records, the data files and the list of dynamic
libraries to load are what Pyodide's own function gives (tests/core/test_wheel_unpack.py runs
both on the bundle's wheels). Upstream Pyodide unpacks in JavaScript since October 2025;
`install` refuses any `_package_loader` whose function does not take the parameters this one
mirrors.
"""

from __future__ import annotations

import inspect
import io
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["extract_zip", "install", "unpack_buffer", "unpacked"]

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"
# Pyodide 0.27's unpack_buffer, whose contract this module keeps.
_PARAMETERS = ("buffer", "filename", "format", "extract_dir", "calculate_dynlibs", "installer", "source")
IN_PYODIDE = sys.platform == "emscripten"  # a run-time value: the checker reads both branches
_pyodide_unpack_buffer: Callable[..., Any] | None = None  # Pyodide's own, once `install` replaced it
# What unpack_buffer wrote for each wheel (by file name), until `unpacked` hands it over.
_unpacked: dict[str, dict[str, list[str]]] = {}


def extract_zip(archive: zipfile.ZipFile, raw: bytes, extract_dir: str | os.PathLike) -> list[str]:
    """Writes the members of `archive` (whose bytes are `raw`) under `extract_dir`, as
    `shutil.unpack_archive` does: members named by an absolute path or containing ".." are
    skipped, directories are made as needed, files are written whole. The paths of the files
    written, in archive order.

    Raises:
        zipfile.BadZipFile: a member's local header is missing or its content does not match
            its CRC-32 and size. The member is checked before its file is opened, so no file is
            left half-written; the members before it stay written, as with shutil.
    """
    made: set[str] = set()
    files: list[str] = []
    view = memoryview(raw)
    for info in archive.infolist():
        name = info.filename
        if name.startswith("/") or ".." in name:
            continue
        target = os.path.join(extract_dir, *name.split("/"))
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        if name.endswith("/"):
            continue
        data = _member_bytes(archive, info, view)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
        finally:
            os.close(descriptor)
        files.append(target)
    return files


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, view: memoryview) -> bytes:
    """One member's content, CRC-checked. Stored and deflated members (every wheel's) are read
    straight from the archive's bytes; any other method goes through ZipFile."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        return archive.read(info)  # another method or an encrypted member: ZipFile decides
    at = info.header_offset
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(view, at)
    if signature != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile(f"{info.filename!r}: no local file header at offset {at}")
    start = at + _LOCAL_HEADER.size + name_length + extra_length
    stored = view[start : start + info.compress_size]
    data = (
        zlib.decompress(stored, -zlib.MAX_WBITS)
        if info.compress_type == zipfile.ZIP_DEFLATED
        else bytes(stored)
    )
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"{info.filename!r}: bad CRC-32 or size in the archive")
    return data


def unpack_buffer(
    buffer: Any,
    *,
    filename: str = "",
    format: str | None = None,
    extract_dir: str | None = None,
    calculate_dynlibs: bool = False,
    installer: str | None = None,
    source: str | None = None,
) -> Any:
    """`pyodide._package_loader.unpack_buffer`, with wheels and zips extracted by `extract_zip`.

    Args:
        buffer: the archive's bytes (a JavaScript Uint8Array).
        filename: its file name; ".whl" and ".zip" take the fast path.
        format, extract_dir, calculate_dynlibs, installer, source: as Pyodide's.

    Returns:
        With `calculate_dynlibs`, the JavaScript array of the dynamic libraries to load, in
        archive order; otherwise None.
    """
    from pyodide import _package_loader as loader
    from pyodide.ffi import to_js

    suffix = Path(filename).suffix
    if format or suffix not in (".whl", ".zip"):
        if _pyodide_unpack_buffer is None:
            raise RuntimeError("prometheus.wheel_unpack.install() has not replaced Pyodide's unpack_buffer")
        return _pyodide_unpack_buffer(
            buffer,
            filename=filename,
            format=format,
            extract_dir=extract_dir,
            calculate_dynlibs=calculate_dynlibs,
            installer=installer,
            source=source,
        )
    filename = filename.rpartition("/")[-1]
    extract_path = Path(extract_dir or ".")
    extract_path.mkdir(parents=True, exist_ok=True)
    raw = buffer.to_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        files = extract_zip(archive, raw, extract_path)
        if suffix == ".whl":
            loader.set_wheel_installer(filename, archive, extract_path, installer, source)
            loader.install_datafiles(filename, archive, extract_path)
        names = archive.namelist()
    dynlibs = [str((extract_path / name).resolve()) for name in names if loader.should_load_dynlib(name)]
    if suffix == ".whl" and not any(".data/" in name for name in names):  # data files go elsewhere
        paths = [os.path.abspath(path) for path in files]  # no resolve(): a stat per folder of each path
        members = set(paths)
        for folder in _dist_info_folders(names, extract_path):
            paths += [
                str(path) for path in sorted(folder.iterdir()) if path.is_file() and str(path) not in members
            ]
        _unpacked[filename] = {"files": paths, "dynlibs": dynlibs}
    return to_js(dynlibs) if calculate_dynlibs else None


def _dist_info_folders(names: list[str], extract_path: Path) -> list[Path]:
    """The wheel's .dist-info folders, where Pyodide adds its INSTALLER and PYODIDE_SOURCE records."""
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    return [Path(os.path.abspath(extract_path / top)) for top in sorted(tops) if top.endswith(".dist-info")]


def unpacked(filename: str) -> dict[str, list[str]] | None:
    """What `unpack_buffer` wrote for the wheel `filename` (once: it is then forgotten): every file
    it installed (absolute paths, the wheel's members in archive order, then the records Pyodide
    added) and the dynamic libraries loaded from them, in the order Pyodide loads them. The worker
    keeps those files, so that a later start writes them back without the wheel
    (worker/package_cache.js). None for a wheel it did not unpack, or one with data files (they
    are moved out of the install folder)."""
    return _unpacked.pop(filename.rpartition("/")[-1], None)


def install() -> bool:
    """Makes Pyodide's package loader unpack with `unpack_buffer`. False (nothing changed)
    outside Pyodide, or where its loader is not the 0.27 one this module mirrors."""
    global _pyodide_unpack_buffer
    if not IN_PYODIDE:
        return False
    from pyodide import _package_loader as loader

    current = loader.unpack_buffer
    if current is unpack_buffer:
        return True
    needed = ("set_wheel_installer", "install_datafiles", "should_load_dynlib")
    parameters = tuple(inspect.signature(current).parameters)
    if parameters != _PARAMETERS or not all(hasattr(loader, name) for name in needed):
        return False
    _pyodide_unpack_buffer = current
    loader.unpack_buffer = unpack_buffer
    return True

"""A byte-reproducible pure-Python wheel of py_core/, built with the standard library.

Same sources give the same bytes (sorted entries, fixed timestamps), so the sha256 in the
bundle's lock changes only when the code does, and browsers keep their cached copy.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
import zipfile
from pathlib import Path

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
INCLUDED_SUFFIXES = {".py", ".json", ".inc", ".txt", ".wgsl"}


def core_metadata(root: Path) -> dict:
    """Name, version, summary, Python and dependencies, read from root/pyproject.toml.

    The version is dynamic there (`[tool.setuptools.dynamic] version = {attr = ...}`): it is
    read from that attribute's assignment in the source, as setuptools does, without importing.
    """
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    project = pyproject["project"]
    version = project.get("version")
    if version is None:
        attr = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
        module, _, name = attr.rpartition(".")
        where = pyproject["tool"]["setuptools"]["packages"]["find"]["where"][0]
        source = root / where / module.replace(".", "/") / "__init__.py"
        match = re.search(rf'^{name} = "([^"]+)"', source.read_text(), re.M)
        if not match:
            raise RuntimeError(
                f"pyproject.toml takes the version from {attr}, but {source} assigns no {name}"
            )
        version = match.group(1)
    return {
        "name": project["name"],
        "version": version,
        "summary": project.get("description", ""),
        "requires_python": project.get("requires-python", ""),
        "dependencies": list(project.get("dependencies", [])),
        "license": project.get("license", {}).get("text", ""),
    }


def metadata_text(meta: dict) -> str:
    """The METADATA file (core metadata 2.1) of the wheel."""
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {meta['name']}",
        f"Version: {meta['version']}",
        f"Summary: {meta['summary']}",
    ]
    if meta["license"]:
        lines.append(f"License: {meta['license']}")
    if meta["requires_python"]:
        lines.append(f"Requires-Python: {meta['requires_python']}")
    lines += [f"Requires-Dist: {d}" for d in meta["dependencies"]]
    return "\n".join(lines) + "\n"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def source_files(source_root: Path) -> list[Path]:
    package = source_root / "prometheus"
    return sorted(
        path
        for path in package.rglob("*")
        if path.is_file() and path.suffix in INCLUDED_SUFFIXES and "__pycache__" not in path.parts
    )


def build_wheel(source_root: Path, out_dir: Path, compile_bytecode=None) -> Path:
    """Writes the wheel into out_dir (unchanged file left alone) and returns its path.

    Name, version and dependencies come from pyproject.toml beside `source_root`.
    `compile_bytecode({entry: source bytes}) -> {pyc entry: bytes}` adds compiled modules
    (bytecode.py: the bundle's wheel carries Pyodide's).
    """
    meta = core_metadata(source_root.parent)
    distribution = re.sub(r"[-_.]+", "_", meta["name"]).lower()
    version = meta["version"]
    dist_info = f"{distribution}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [
        (path.relative_to(source_root).as_posix(), path.read_bytes()) for path in source_files(source_root)
    ]
    if compile_bytecode is not None:
        entries += sorted(compile_bytecode(dict(entries)).items())
    metadata = metadata_text(meta)
    wheel_info = "Wheel-Version: 1.0\nGenerator: prometheus-build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries += [
        (f"{dist_info}/METADATA", metadata.encode()),
        (f"{dist_info}/WHEEL", wheel_info.encode()),
        (f"{dist_info}/top_level.txt", b"prometheus\n"),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{distribution}-{version}-py3-none-any.whl"
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    if target.exists() and target.read_bytes() == partial.read_bytes():
        partial.unlink()
    else:
        partial.replace(target)
    return target

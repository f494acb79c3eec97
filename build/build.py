"""Assembles dist/: the Pyodide runtime, verified packages, the core wheel, worker and web assets.

    python build/build.py [--dist DIR] [--cache DIR] [--offline]

Incremental: a file is copied only when its bytes changed, so a second run does (almost)
nothing. Prints what it did and the bytes a page downloads.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

BUILD_DIR = Path(__file__).resolve().parent
ROOT = BUILD_DIR.parent
sys.path.insert(0, str(BUILD_DIR))

from api_docs import write as write_api_docs  # noqa: E402
from bytecode import compile_for_pyodide, compiled_stdlib, compiled_wheel  # noqa: E402
from core_wheel import build_wheel, core_metadata  # noqa: E402
from declared_packages import STARTUP_PACKAGES, declared_packages  # noqa: E402
from pwa_manifest import write_sw_manifest  # noqa: E402
from pyodide_runtime import (  # noqa: E402
    PYODIDE_VERSION,
    RUNTIME_FILES,
    BuildError,
    PackageFetcher,
    npm_runtime_dir,
    official_lock,
    sha256_of,
    with_dependencies,
)
from pypi_wheels import WheelError, canonical, fetch_wheels, lock_entries, read_pins  # noqa: E402
from vendor_js import vendor_js  # noqa: E402
from worker_bundle import write_worker_bundle  # noqa: E402

DEFAULT_CACHE = Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web"))
PYPI_WHEELS = BUILD_DIR / "wheels.txt"  # pure-Python wheels from PyPI, sha256-pinned


def split_declared(lock: dict, declared, pinned) -> tuple[list[str], list[str]]:
    """Declared names -> (Pyodide packages, PyPI wheels); a name neither provides, or a pinned
    wheel that no method declares, fails the build: the bundle ships exactly what is declared."""
    by_name = set(pinned)
    undeclared = sorted(set(by_name) - set(declared))
    if undeclared:
        raise BuildError(
            f"{PYPI_WHEELS.name} pins {', '.join(undeclared)}, which no RPC method declares "
            "(add it to a method's packages=, or drop the pin)"
        )
    unknown = [n for n in declared if n not in lock["packages"] and n not in by_name]
    if unknown:
        raise BuildError(
            f"RPC methods declare {', '.join(unknown)}, which neither the official "
            f"pyodide-lock.json nor {PYPI_WHEELS.name} provides"
        )
    # A pin in wheels.txt wins over the official lock's entry of the same name (the lock's tzdata
    # file, for one, is not in any source reachable here; PyPI's is, at a pinned digest).
    return [n for n in declared if n not in by_name], [n for n in declared if n in by_name]


class Report:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.changed: list[str] = []

    def log(self, message: str) -> None:
        if not self.quiet:
            print(f"[build] {message}", flush=True)


def install_file(source: Path, target: Path, report: Report, dist: Path) -> None:
    """Copies source to target unless target already holds the same bytes."""
    if (
        target.exists()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    report.changed.append(target.relative_to(dist).as_posix())


def install_tree(source_dir: Path, target_dir: Path, report: Report, dist: Path) -> list[Path]:
    installed = []
    for source in sorted(source_dir.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts and not source.name.startswith("."):
            target = target_dir / source.relative_to(source_dir)
            install_file(source, target, report, dist)
            installed.append(target)
    return installed


def build_pyodide(dist: Path, cache: Path, offline: bool, report: Report) -> dict:
    runtime = npm_runtime_dir(BUILD_DIR, report.log)
    lock = official_lock(runtime)
    out = dist / "pyodide"
    for name in RUNTIME_FILES:
        source = (
            compiled_stdlib(runtime, cache / "stdlib-bytecode", report.log)
            if name == "python_stdlib.zip"
            else runtime / name
        )
        install_file(source, out / name, report, dist)

    fetcher = PackageFetcher(cache / f"pyodide-{PYODIDE_VERSION}", report.log, use_network=not offline)
    try:
        from_pyodide, pypi_names = split_declared(lock, declared_packages(), read_pins(PYPI_WHEELS))
    except WheelError as exc:
        raise BuildError(str(exc)) from None

    # Every package ships its modules as bytecode (bytecode.compiled_wheel), checked by its
    # sha256 as fetched (official lock, build/wheels.txt), then locked with the compiled one's.
    def compiled(wheel: Path) -> Path:
        return compiled_wheel(runtime, wheel, cache / "wheel-bytecode", report.log)

    packages = {}
    for name in with_dependencies(lock, from_pyodide):
        entry = lock["packages"][name]
        shipped = compiled(fetcher.fetch(entry["file_name"], entry["sha256"]))
        install_file(shipped, out / entry["file_name"], report, dist)
        packages[name] = dict(entry, sha256=sha256_of(shipped))
    try:
        from_pypi = [
            w for w in fetch_wheels(PYPI_WHEELS, cache / "pypi", report.log, offline) if w.name in pypi_names
        ]
        entries = lock_entries(from_pypi, set(packages))
    except WheelError as exc:
        raise BuildError(str(exc)) from None
    for wheel in from_pypi:
        shipped = compiled(wheel.path)
        install_file(shipped, out / wheel.path.name, report, dist)
        entries[wheel.name]["sha256"] = sha256_of(shipped)
    packages.update(entries)

    wheel = build_wheel(
        ROOT / "py_core",
        cache / "core-wheel",
        lambda sources: compile_for_pyodide(runtime, sources, cache / "core-bytecode", report.log),
    )
    install_file(wheel, out / wheel.name, report, dist)
    meta = core_metadata(ROOT)
    depends = [canonical(re.match(r"[A-Za-z0-9_.-]+", d).group(0)) for d in meta["dependencies"]]
    missing = [d for d in depends if d not in packages]
    if missing:
        raise BuildError(
            f"pyproject.toml makes the core depend on {', '.join(missing)}, which the bundle "
            "does not ship (declare it on a method or in STARTUP_PACKAGES)"
        )
    version = meta["version"]
    packages["prometheus-web"] = {
        "name": "prometheus-web",
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256_of(wheel),
        "package_type": "package",
        "imports": ["prometheus"],
        "depends": depends,
        "unvendored_tests": False,
    }
    # Identifies the interpreter a start-up snapshot was taken from (worker/snapshot.js).
    runtime_digest = hashlib.sha256("".join(sha256_of(out / name) for name in RUNTIME_FILES).encode())
    info = dict(lock["info"], prometheus_runtime_sha256=runtime_digest.hexdigest())
    trimmed = {"info": info, "packages": packages}
    lock_path = cache / "pyodide-lock.json"
    lock_path.write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n")
    install_file(lock_path, out / "pyodide-lock.json", report, dist)
    prune(
        out, set(RUNTIME_FILES) | {"pyodide-lock.json"} | {e["file_name"] for e in packages.values()}, report
    )
    return trimmed


def prune(folder: Path, keep: set[str], report: Report) -> None:
    """Deletes files an earlier build left that this one no longer ships (the lock is the truth)."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in keep:
            path.unlink()
            report.changed.append(f"removed {path.name}")


def build_model(dist: Path, cache: Path, report: Report) -> list[Path]:
    """The int8 embedding model, when its build step is present (build/model_artifact.py)."""
    step = BUILD_DIR / "model_artifact.py"
    if not step.exists():
        return []
    spec = importlib.util.spec_from_file_location("model_artifact", step)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.build_model_artifact(dist, cache, log=report.log))


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def summarize(dist: Path, lock: dict, model_files: list[Path], report: Report) -> dict:
    pyodide = dist / "pyodide"
    startup = [
        dist / "prometheus.js",
        dist / "worker" / "worker.js",
        pyodide / "pyodide.mjs",  # the worker imports Pyodide's loader as a module
        pyodide / "pyodide.asm.js",
        pyodide / "pyodide.asm.wasm",
        pyodide / "python_stdlib.zip",
        pyodide / "pyodide-lock.json",
    ]
    startup += [
        pyodide / lock["packages"][name]["file_name"] for name in with_dependencies(lock, STARTUP_PACKAGES)
    ]
    startup.append(pyodide / lock["packages"]["prometheus-web"]["file_name"])
    on_demand = [
        pyodide / entry["file_name"]
        for name, entry in lock["packages"].items()
        if pyodide / entry["file_name"] not in startup
    ]
    totals = {
        "startup_bytes": sum(size(p) for p in startup),
        "on_demand_bytes": sum(size(p) for p in on_demand),
        "model_bytes": sum(size(p) for p in model_files),
        "dist_bytes": sum(size(p) for p in dist.rglob("*") if p.is_file()),
    }
    report.log(
        f"changed {len(report.changed)} file(s)"
        + (": " + ", ".join(report.changed[:12]) if report.changed else "")
    )
    report.log(
        f"a page downloads {totals['startup_bytes']:,} bytes to reach ready "
        f"({len(startup)} files: runtime, numpy, core, worker, SDK)"
    )
    names = ", ".join(
        sorted(name for name, entry in lock["packages"].items() if pyodide / entry["file_name"] in on_demand)
    )
    report.log(
        f"on demand: {totals['on_demand_bytes']:,} bytes of packages ({names or 'none'}), "
        f"{totals['model_bytes']:,} bytes of model"
    )
    (dist / "build-info.json").write_text(json.dumps(totals, indent=1) + "\n")
    return totals


def build(dist: Path, cache: Path, offline: bool = False, quiet: bool = False) -> dict:
    report = Report(quiet)
    dist.mkdir(parents=True, exist_ok=True)
    lock = build_pyodide(dist, cache, offline, report)
    bundle = write_worker_bundle(ROOT / "worker", cache / "worker-bundle.js")
    install_file(bundle, dist / "worker" / "worker.js", report, dist)
    prune(dist / "worker", {"worker.js"}, report)  # the parts, shipped separately by older builds
    write_api_docs(report.log)  # docs/rpc.md and web/prometheus.d.ts from the registry, before web/ is copied
    install_tree(ROOT / "web", dist, report, dist)
    vendor_js(BUILD_DIR, dist, lambda source, target: install_file(source, target, report, dist), report.log)
    model_files = build_model(dist, cache, report)
    __import__("extension").build_extension(dist, report.log)  # web/extension + bundle -> dist/extension, zip
    pwa = write_sw_manifest(dist)  # last: it lists the digests of everything above
    report.log(f"service worker version {pwa['version']} ({len(pwa['files'])} files)")
    return summarize(dist, lock, model_files, report)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--offline", action="store_true", help="use the cache only")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        build(args.dist.resolve(), args.cache.resolve(), args.offline, args.quiet)
    except BuildError as exc:
        print(f"[build] FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

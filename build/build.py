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
import shutil
import sys
from pathlib import Path

BUILD_DIR = Path(__file__).resolve().parent
ROOT = BUILD_DIR.parent
sys.path.insert(0, str(BUILD_DIR))

from core_wheel import build_wheel  # noqa: E402
from pwa_manifest import write_sw_manifest  # noqa: E402
from vendor_js import vendor_js  # noqa: E402
from pyodide_runtime import (  # noqa: E402
    PACKAGES, PYODIDE_VERSION, RUNTIME_FILES, BuildError, PackageFetcher, npm_runtime_dir,
    official_lock, sha256_of, with_dependencies,
)

DEFAULT_CACHE = Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web"))
STARTUP_PACKAGES = ("numpy",)  # everything else in PACKAGES loads on first use


class Report:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.changed: list[str] = []

    def log(self, message: str) -> None:
        if not self.quiet:
            print(f"[build] {message}", flush=True)


def install_file(source: Path, target: Path, report: Report, dist: Path) -> None:
    """Copies source to target unless target already holds the same bytes."""
    if target.exists() and target.stat().st_size == source.stat().st_size \
            and target.read_bytes() == source.read_bytes():
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
        install_file(runtime / name, out / name, report, dist)

    fetcher = PackageFetcher(cache / f"pyodide-{PYODIDE_VERSION}", report.log, use_network=not offline)
    packages = {}
    for name in with_dependencies(lock, PACKAGES):
        entry = lock["packages"][name]
        cached = fetcher.fetch(entry["file_name"], entry["sha256"])
        install_file(cached, out / entry["file_name"], report, dist)
        packages[name] = entry

    wheel = build_wheel(ROOT / "py_core", cache / "core-wheel")
    install_file(wheel, out / wheel.name, report, dist)
    version = wheel.name.split("-")[1]
    packages["prometheus-web"] = {
        "name": "prometheus-web", "version": version, "file_name": wheel.name,
        "install_dir": "site", "sha256": sha256_of(wheel), "package_type": "package",
        "imports": ["prometheus"], "depends": list(STARTUP_PACKAGES), "unvendored_tests": False,
    }
    # Identifies the interpreter a start-up snapshot was taken from (worker/snapshot.js).
    runtime_digest = hashlib.sha256("".join(sha256_of(runtime / name) for name in RUNTIME_FILES).encode())
    info = dict(lock["info"], prometheus_runtime_sha256=runtime_digest.hexdigest())
    trimmed = {"info": info, "packages": packages}
    lock_path = cache / "pyodide-lock.json"
    lock_path.write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n")
    install_file(lock_path, out / "pyodide-lock.json", report, dist)
    return trimmed


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
    startup = [dist / "prometheus.js", dist / "worker" / "worker.js", pyodide / "pyodide.js",
               pyodide / "pyodide.asm.js", pyodide / "pyodide.asm.wasm", pyodide / "python_stdlib.zip",
               pyodide / "pyodide-lock.json"]
    startup += [pyodide / lock["packages"][name]["file_name"] for name in with_dependencies(lock, STARTUP_PACKAGES)]
    startup.append(pyodide / lock["packages"]["prometheus-web"]["file_name"])
    on_demand = [pyodide / entry["file_name"] for name, entry in lock["packages"].items()
                 if pyodide / entry["file_name"] not in startup]
    totals = {
        "startup_bytes": sum(size(p) for p in startup),
        "on_demand_bytes": sum(size(p) for p in on_demand),
        "model_bytes": sum(size(p) for p in model_files),
        "dist_bytes": sum(size(p) for p in dist.rglob("*") if p.is_file()),
    }
    report.log(f"changed {len(report.changed)} file(s)" + (": " + ", ".join(report.changed[:12]) if report.changed else ""))
    report.log(f"a page downloads {totals['startup_bytes']:,} bytes to reach ready "
               f"({len(startup)} files: runtime, numpy, core, worker, SDK)")
    report.log(f"on demand: {totals['on_demand_bytes']:,} bytes of packages (scipy, ...), "
               f"{totals['model_bytes']:,} bytes of model")
    (dist / "build-info.json").write_text(json.dumps(totals, indent=1) + "\n")
    return totals


def build(dist: Path, cache: Path, offline: bool = False, quiet: bool = False) -> dict:
    report = Report(quiet)
    dist.mkdir(parents=True, exist_ok=True)
    lock = build_pyodide(dist, cache, offline, report)
    install_tree(ROOT / "worker", dist / "worker", report, dist)
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

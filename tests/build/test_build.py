"""The bundle build: verified artifacts, a reproducible core wheel, clear failures."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "build.py"
sys.path.insert(0, str(ROOT / "build"))

from core_wheel import build_wheel  # noqa: E402
from pyodide_runtime import PYODIDE_VERSION  # noqa: E402


def run_build(*args):
    return subprocess.run(
        [sys.executable, str(BUILD), "--quiet", *map(str, args)], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A complete build into a private dist and cache, seeded from the shared cache."""
    cache = tmp_path_factory.mktemp("cache")
    default = run_build()  # fills the user's cache (fetching if needed)
    assert default.returncode == 0, default.stderr
    from build import DEFAULT_CACHE

    shutil.copytree(
        DEFAULT_CACHE / f"pyodide-{PYODIDE_VERSION}",
        cache / f"pyodide-{PYODIDE_VERSION}",
        ignore=shutil.ignore_patterns("carrier"),
    )
    shutil.copytree(DEFAULT_CACHE / "pypi", cache / "pypi")
    dist = tmp_path_factory.mktemp("dist")
    result = run_build("--dist", dist, "--cache", cache, "--offline")
    assert result.returncode == 0, result.stderr
    return dist, cache


def test_every_package_is_locked_with_the_bytes_it_ships(built):
    dist, _ = built
    trimmed = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    assert {"numpy", "tzdata", "prometheus-web"} <= set(trimmed["packages"])
    for name, entry in trimmed["packages"].items():
        data = (dist / "pyodide" / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name


def test_core_wheel_is_reproducible_and_complete(tmp_path):
    first = build_wheel(ROOT / "py_core", tmp_path / "a").read_bytes()
    second = build_wheel(ROOT / "py_core", tmp_path / "b").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a" / next((tmp_path / "a").iterdir()).name) as wheel:
        names = wheel.namelist()
        assert "prometheus/__init__.py" in names and "prometheus/rpc/registry.py" in names
        record = wheel.read(next(n for n in names if n.endswith("RECORD"))).decode()
    assert all(line.split(",")[0] in names for line in record.splitlines())


def test_the_sdk_types_are_in_the_bundle(built):
    dist, _ = built
    assert (dist / "prometheus.d.ts").read_bytes() == (ROOT / "web" / "prometheus.d.ts").read_bytes()


def test_second_build_changes_nothing(built):
    dist, cache = built
    before = {p: p.stat().st_mtime_ns for p in dist.rglob("*") if p.is_file() and p.name != "build-info.json"}
    result = subprocess.run(
        [sys.executable, str(BUILD), "--dist", str(dist), "--cache", str(cache), "--offline"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "changed 0 file(s)" in result.stdout
    assert "a page downloads" in result.stdout
    after = {p: p.stat().st_mtime_ns for p in before}
    assert before == after


def test_corrupted_cached_wheel_fails_the_build_naming_it(built, tmp_path):
    _, cache = built
    corrupt_cache = tmp_path / "cache"
    shutil.copytree(cache, corrupt_cache)
    wheel = corrupt_cache / f"pyodide-{PYODIDE_VERSION}" / "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))
    result = run_build("--dist", tmp_path / "dist", "--cache", corrupt_cache)
    assert result.returncode == 1
    assert "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl" in result.stderr
    assert "sha256" in result.stderr and "refusing" in result.stderr
    assert not (tmp_path / "dist" / "pyodide" / wheel.name).exists()


def test_missing_file_lists_the_sources_tried(tmp_path):
    result = run_build("--dist", tmp_path / "dist", "--cache", tmp_path / "empty", "--offline")
    assert result.returncode == 1
    assert "cannot get a verified copy of" in result.stderr
    assert (
        "not present" in result.stderr and "Pyodide CDN" in result.stderr and "PyPI carrier" in result.stderr
    )

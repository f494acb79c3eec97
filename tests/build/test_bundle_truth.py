"""The bundle tells the truth: it ships exactly the packages that RPC methods declare, and
every package an engine's code imports is declared by a method of that engine and shipped.

Declared in one place: `@method(name, packages=(...))` (build/declared_packages.py). The Pyodide
lane (tests/pyodide) then runs the engines' suites against that bundle, so an import the
bundle cannot satisfy fails there too.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))

from declared_packages import (  # noqa: E402
    STARTUP_PACKAGES,
    imported_modules,
    method_packages,
    namespace_of,
    package_needs,
)
from pyodide_runtime import RUNTIME_FILES, official_lock, with_dependencies  # noqa: E402
from pypi_wheels import read_pins  # noqa: E402

CORE = ROOT / "py_core" / "prometheus"


@pytest.fixture(scope="module")
def shipped() -> dict:
    from tests.browser.harness import build_bundle

    return json.loads((build_bundle() / "pyodide" / "pyodide-lock.json").read_text())


@pytest.fixture(scope="module")
def providers(shipped) -> dict[str, str]:
    """Import name -> package, from the official lock and the bundle's (PyPI wheels included)."""
    official = official_lock(ROOT / "build" / "node_modules" / "pyodide")
    out = {}
    for lock in (official, shipped):
        for name, entry in lock["packages"].items():
            out.update({module: name for module in entry.get("imports", [])})
    out.pop("prometheus", None)
    return out


def _declared_by_namespace() -> dict[str, set[str]]:
    by_namespace: dict[str, set[str]] = {}
    for name, packages in method_packages().items():
        namespace = name.split(".", 1)[0] if "." in name else "core"
        by_namespace.setdefault(namespace, set()).update(packages)
    return by_namespace


def test_bundle_ships_exactly_the_declared_packages_and_their_dependencies(shipped):
    declared = set(STARTUP_PACKAGES) | {p for ps in method_packages().values() for p in ps}
    expected = set(with_dependencies(shipped, sorted(declared))) | {"prometheus-web"}
    assert set(shipped["packages"]) == expected, (
        f"undeclared in the bundle: {sorted(set(shipped['packages']) - expected)}; "
        f"declared but not shipped: {sorted(expected - set(shipped['packages']))}"
    )
    files = {p.name for p in (ROOT / "dist" / "pyodide").iterdir() if p.is_file()}
    listed = (
        {e["file_name"] for e in shipped["packages"].values()} | set(RUNTIME_FILES) | {"pyodide-lock.json"}
    )
    assert files == listed, f"files in dist/pyodide that the lock does not list: {sorted(files - listed)}"


def test_every_package_an_engine_imports_is_declared_by_that_engine_and_shipped(shipped, providers):
    declared = _declared_by_namespace()
    problems = []
    for module in sorted(CORE.rglob("*.py")):
        needed, unknown = package_needs(imported_modules(module.read_text()), providers)
        where = module.relative_to(ROOT)
        problems += [
            f"{where} imports {name}, which no package of Pyodide 0.27.7 or build/wheels.txt provides"
            for name in sorted(unknown)
        ]
        namespace = namespace_of(module)
        for package in sorted(needed - set(STARTUP_PACKAGES)):
            if package not in declared.get(namespace, set()):
                problems.append(
                    f"{where} needs {package}, which no {namespace}.* method declares in packages="
                )
            if package not in shipped["packages"]:
                problems.append(f"{where} needs {package}, which the bundle does not ship")
    assert not problems, "\n".join(problems)


def test_the_check_catches_an_undeclared_import(providers):
    """The scan above is not vacuous: an import of scipy (not shipped) or an unknown module is seen."""
    needed, unknown = package_needs(
        imported_modules(
            "import scipy.sparse\nfrom zoneinfo import ZoneInfo\n"
            "def f():\n    import not_a_package_anywhere\n"
        ),
        providers,
    )
    assert needed == {"scipy", "tzdata"} and unknown == {"not_a_package_anywhere"}


def test_core_dependencies_in_pyproject_are_what_the_core_imports(providers):
    """pyproject.toml (the wheel's Requires-Dist) names exactly the packages every engine imports."""
    from core_wheel import core_metadata

    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower() for d in core_metadata(ROOT)["dependencies"]}
    imported = set()
    for module in CORE.rglob("*.py"):
        needed, _ = package_needs(imported_modules(module.read_text()), providers)
        imported |= needed
    assert names == set(STARTUP_PACKAGES) and names <= imported


def test_time_zone_database_is_the_same_on_cpython_and_in_the_bundle():
    """The CPython tests pin the tzdata the bundle ships, so both read one database."""
    bundle = read_pins(ROOT / "build" / "wheels.txt")["tzdata"][0]
    pins = dict(
        line.split("==")
        for line in (ROOT / "tests" / "requirements" / "graph.txt").read_text().split()
        if "==" in line
    )
    assert pins.get("tzdata") == bundle

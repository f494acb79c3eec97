"""Which packages the bundle ships: the ones RPC methods declare, and nothing else.

The one place a package need is written is `@method(name, packages=(...))` in the core
(py_core/prometheus/rpc/registry.py). The build imports every engine's rpc module, takes the
union of those declarations, adds what the page needs at start (numpy, which the core wheel
depends on), and ships exactly that with its dependencies. tests/build/test_bundle_truth.py
checks the other direction: every package a module of an engine imports is declared by a
method of that engine.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_PACKAGES = ("numpy",)  # loaded with the core wheel before `ready`; everything else on demand


def method_packages() -> dict[str, tuple[str, ...]]:
    """RPC method name -> the packages it declares (every engine imported)."""
    core = str(ROOT / "py_core")
    if core not in sys.path:
        sys.path.insert(0, core)
    from prometheus.rpc.registry import ENGINE_MODULES, methods

    for module in ENGINE_MODULES.values():
        importlib.import_module(module)
    namespaces = set(ENGINE_MODULES)  # a test may register others ("test.*"); they are not shipped
    return {
        name: entry.packages
        for name, entry in sorted(methods().items())
        if (name.split(".", 1)[0] if "." in name else "core") in namespaces
    }


def declared_packages() -> tuple[str, ...]:
    """Startup packages first, then every declared package, sorted, without repeats."""
    declared = {p for packages in method_packages().values() for p in packages}
    return STARTUP_PACKAGES + tuple(sorted(declared - set(STARTUP_PACKAGES)))


# Standard-library modules that need a package's data in Pyodide although nothing imports
# the package: zoneinfo reads the IANA database from `tzdata` (the browser has no system one).
IMPLICIT_PACKAGES = {"zoneinfo": "tzdata"}
NOT_PACKAGES = {"prometheus", "js", "pyodide", "pyodide_js", "__future__"}


def namespace_of(module: Path) -> str:
    """The RPC namespace whose methods run a module's code: its engine folder, else `core`."""
    from prometheus.rpc.registry import ENGINE_MODULES

    parts = module.relative_to(ROOT / "py_core" / "prometheus").parts
    return parts[0] if len(parts) > 1 and parts[0] in ENGINE_MODULES else "core"


def imported_modules(source: str) -> set[str]:
    """Top-level names of the absolute imports in `source` (deferred ones included)."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def package_needs(import_names: set[str], providers: dict[str, str]) -> tuple[set[str], set[str]]:
    """(packages the imports need, imports no package provides). `providers` maps an import
    name to the package that provides it (from the locks' `imports`); plain stdlib modules
    that Pyodide keeps in its standard library need nothing."""
    needed, unknown = set(), set()
    for name in import_names - NOT_PACKAGES:
        if name in providers:
            needed.add(providers[name])
        elif name in IMPLICIT_PACKAGES:
            needed.add(IMPLICIT_PACKAGES[name])
        elif name not in sys.stdlib_module_names:
            unknown.add(name)
    return needed, unknown

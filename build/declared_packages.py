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
    return {name: entry.packages for name, entry in sorted(methods().items())
            if (name.split(".", 1)[0] if "." in name else "core") in namespaces}


def declared_packages() -> tuple[str, ...]:
    """Startup packages first, then every declared package, sorted, without repeats."""
    declared = {p for packages in method_packages().values() for p in packages}
    return STARTUP_PACKAGES + tuple(sorted(declared - set(STARTUP_PACKAGES)))

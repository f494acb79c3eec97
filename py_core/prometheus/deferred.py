"""Packages that finish loading after start-up: a stand-in module until they arrive.

The browser worker answers `ready` before numpy has loaded when nothing at start-up uses it
(an empty store imports no engine), because loading numpy's extension modules costs more
than the rest of the start beyond bare Pyodide. Modules that say `import numpy as np` at
their top still import: they bind the stand-in. Reading an attribute of it before `arrive`
raises `PackageNotLoaded` (an ImportError), never a wrong answer; `arrive` imports the real
package and fills the stand-in with its namespace, so modules holding it need no reload and
pay nothing extra per attribute afterwards.

    defer("numpy")      # before importing the core
    ...                 # load the package's files (Pyodide: loadPackage)
    arrive("numpy")     # the stand-in now is numpy
"""

from __future__ import annotations

import importlib
import sys
import types

__all__ = ["PackageNotLoaded", "arrive", "defer", "waiting"]


class PackageNotLoaded(ImportError):
    """A deferred package was used before it finished loading."""


# name -> the real module, once arrived (looked up by stand-ins for names their copy lacks,
# such as submodules a package's own module __getattr__ imports on first use).
_ARRIVED: dict[str, types.ModuleType] = {}
_WAITING: dict[str, _StandIn] = {}


class _StandIn(types.ModuleType):
    def __getattr__(self, attribute: str):
        real = _ARRIVED.get(self.__name__)
        if real is None:
            raise PackageNotLoaded(
                f"{self.__name__} is still loading (deferred at start-up): "
                f"{self.__name__}.{attribute} was used before it arrived",
                name=self.__name__,
            )
        return getattr(real, attribute)


def defer(name: str) -> bool:
    """Put a stand-in for the top-level package `name` in sys.modules, unless it is imported
    already. Returns whether a stand-in was installed."""
    if "." in name or not name.isidentifier():
        raise ValueError(f"defer() takes a top-level package name, got {name!r}")
    if name in sys.modules:
        return False
    stand_in = _StandIn(name, f"stand-in for {name}, which loads after start-up")
    _WAITING[name] = stand_in
    sys.modules[name] = stand_in
    return True


def arrive(name: str) -> types.ModuleType:
    """Import the real `name` (its files must be in place now) and turn its stand-in, if any,
    into it. Raises the import's own error if the package is still missing, leaving the
    stand-in in place."""
    stand_in = _WAITING.get(name)
    if stand_in is None:
        return importlib.import_module(name)
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    try:
        real = importlib.import_module(name)
    except BaseException:
        sys.modules[name] = stand_in
        raise
    del _WAITING[name]
    _ARRIVED[name] = real
    vars(stand_in).update(vars(real))
    return real


def waiting() -> list[str]:
    """The packages deferred and not yet arrived."""
    return sorted(_WAITING)

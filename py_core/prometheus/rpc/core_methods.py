"""Methods every bundle answers, independent of the engines."""

from __future__ import annotations

import sys

from .. import __version__
from ..errors import ValidationError
from .registry import method, methods


@method("version")
def version() -> str:
    return __version__


@method("core.info")
def info() -> dict:
    import numpy

    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "numpy": numpy.__version__,
        "packages": _loaded_packages(),
        "user_agent": _user_agent(),
        "heap_bytes": _heap_bytes(),
    }


def _heap_bytes() -> int | None:
    """Size of the WebAssembly memory this interpreter runs in (Python's objects and numpy's
    arrays), None on CPython. It never shrinks, so it is also the heap's peak since start-up."""
    if sys.platform != "emscripten":
        return None
    import pyodide_js

    return int(pyodide_js._module.HEAP8.length)


def _user_agent() -> str | None:
    """The browser hosting the worker (read through Python's `js` module), None on CPython."""
    if sys.platform != "emscripten":
        return None
    import js

    return str(js.navigator.userAgent)


def _loaded_packages() -> list[str]:
    """Pyodide packages loaded so far (inside the browser); installed ones don't count on CPython."""
    if sys.platform != "emscripten":
        return []
    import pyodide_js

    return sorted(pyodide_js.loadedPackages.object_keys())


@method("core.methods")
def list_methods() -> list[str]:
    return sorted(methods())


@method("core.echo")
def echo(value=None):
    """Returns its argument: checks that JSON values survive the round trip."""
    return value


@method("core.stats")
def stats(values: list) -> dict:
    """Summary statistics of a list of numbers, computed with numpy."""
    import numpy

    if not isinstance(values, list):
        raise ValidationError(f"values must be a list of numbers, got {type(values).__name__}")
    if not values:
        raise ValidationError("values must not be empty")
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"values[{index}] must be a number, got {value!r}")
    array = numpy.asarray(values, dtype=numpy.float64)
    return {
        "n": int(array.size),
        "mean": float(array.mean()),
        "std": float(array.std()),
        "min": float(array.min()),
        "max": float(array.max()),
    }

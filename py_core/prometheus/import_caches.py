"""`importlib.invalidate_caches()` reads each zip archive on the import path once, not once
per package imported from it.

Pyodide's `loadPackage` ends every load with `importlib.invalidate_caches()`. Before Python
3.13, a `zipimporter` answers that call by reading its archive's whole central directory
again, in Python. There is one `zipimporter` per package imported from a zip
(`sys.path_importer_cache`), so the standard library's zip is read once for each of its
packages, and the core's wheel once for each of the core's. In the bundle's Pyodide,
with the core started, 21 zipimporters read 2 archives and the call took 90-140 ms; in
Chromium, 230 ms of a learner's first answer on a second visit went there (one instrumented
visit), and so does every later package load (sqlite3 for an Anki export, tzdata for the
first graph query). Python 3.13's zipimporter re-reads lazily, on next use: there `install`
changes nothing.

`install()` puts `invalidate_caches` in place of `importlib.invalidate_caches`: during one
call, the first zipimporter of an archive reads it and the others of that archive take what
it read. Every archive is still read afresh by every call, so a wheel rewritten meanwhile is
seen by all of its zipimporters, as before. A zipimporter asked outside such a call reads
its archive itself, as before.

The first such call also imports `importlib.metadata` (27 modules, 40 ms under node), only
to clear the caches of its finder: Python 3.12's PathFinder imports it to do so. Until
something imports it, it has no caches, so `invalidate_caches` lets PathFinder find a
stand-in whose finder has none to clear; nothing on the way to a learner's first answer
imports it. `bash bench/run packages`: the first call of a session 124 -> 7 ms, later ones
86 -> 11 ms.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
import zipimport
from collections.abc import Callable
from typing import Any

__all__ = ["install", "invalidate_caches"]

IN_PYODIDE = sys.platform == "emscripten"  # a run-time value: the checker reads both branches

# archive -> the directory its first zipimporter read, during a call of `invalidate_caches`
_read_in_this_call: dict[str, Any] | None = None
_importlib_invalidate: Callable[[], None] | None = None  # importlib's own, once replaced
_zipimporter_invalidate: Callable[[zipimport.zipimporter], None] | None = None


class _NoMetadataCaches:
    """What PathFinder.invalidate_caches() clears while `importlib.metadata` is not imported."""

    @staticmethod
    def invalidate_caches() -> None:
        pass


_METADATA_STAND_IN = types.ModuleType("importlib.metadata", "not imported: no caches to clear")
_METADATA_STAND_IN.MetadataPathFinder = _NoMetadataCaches  # type: ignore[attr-defined]


def invalidate_caches() -> None:
    """`importlib.invalidate_caches()`: each meta path finder's `invalidate_caches()`, as
    importlib's own calls them, reading each zip archive once (see the module)."""
    global _read_in_this_call
    if _importlib_invalidate is None:
        raise RuntimeError("prometheus.import_caches is not installed")
    outermost = _read_in_this_call is None
    if outermost:
        _read_in_this_call = {}
    try:
        for finder in sys.meta_path:
            if finder is importlib.machinery.PathFinder and "importlib.metadata" not in sys.modules:
                _path_finder_invalidate_without_metadata()
            elif hasattr(finder, "invalidate_caches"):
                finder.invalidate_caches()
    finally:
        if outermost:
            _read_in_this_call = None


def _path_finder_invalidate_without_metadata() -> None:
    sys.modules["importlib.metadata"] = _METADATA_STAND_IN
    try:
        importlib.machinery.PathFinder.invalidate_caches()
    finally:
        if sys.modules.get("importlib.metadata") is _METADATA_STAND_IN:
            del sys.modules["importlib.metadata"]


def _zipimporter_invalidate_once(self: zipimport.zipimporter) -> None:
    assert _zipimporter_invalidate is not None
    read = _read_in_this_call
    if read is None:
        _zipimporter_invalidate(self)
        return
    archive = self.archive
    if archive in read:
        self._files = read[archive]  # type: ignore[attr-defined]  # the 3.12 zipimporter's table
        return
    _zipimporter_invalidate(self)
    read[archive] = self._files  # type: ignore[attr-defined]


def _patch() -> bool:
    """Puts both functions in place (any Python whose zipimporter re-reads eagerly)."""
    global _importlib_invalidate, _zipimporter_invalidate
    if importlib.invalidate_caches is invalidate_caches:
        return True
    if sys.version_info >= (3, 13) or not hasattr(zipimport, "_zip_directory_cache"):
        return False  # nothing to gain: the re-read is lazy there
    _importlib_invalidate = importlib.invalidate_caches
    _zipimporter_invalidate = zipimport.zipimporter.invalidate_caches
    zipimport.zipimporter.invalidate_caches = _zipimporter_invalidate_once  # type: ignore[method-assign]
    importlib.invalidate_caches = invalidate_caches
    return True


def _unpatch() -> None:
    """Puts Python's own functions back (tests)."""
    global _importlib_invalidate, _zipimporter_invalidate
    if _importlib_invalidate is None or _zipimporter_invalidate is None:
        return
    importlib.invalidate_caches = _importlib_invalidate
    zipimport.zipimporter.invalidate_caches = _zipimporter_invalidate  # type: ignore[method-assign, assignment]
    _importlib_invalidate = _zipimporter_invalidate = None


def install() -> bool:
    """Makes `importlib.invalidate_caches()` read each zip archive once per call. False
    (nothing changed) outside Pyodide, where the core does not change the host's import
    system, and on Python 3.13 and later."""
    return IN_PYODIDE and _patch()

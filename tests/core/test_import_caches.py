"""prometheus.import_caches: `importlib.invalidate_caches()` reads each zip archive once per call,
and every zipimporter of an archive still sees it as it is now."""

from __future__ import annotations

import collections
import importlib
import json
import subprocess
import sys
import zipfile
import zipimport
from pathlib import Path

import pytest

from prometheus import import_caches
from tests.core.bundle_node import run_with_core

SUBPACKAGES = ("one", "two", "three")


def write_archive(path: Path, package: str, extra: dict[str, str] | None = None) -> None:
    """A zip holding `package` and its SUBPACKAGES, each with a module naming the archive."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{package}/__init__.py", "")
        for sub in SUBPACKAGES:
            archive.writestr(f"{package}/{sub}/__init__.py", "")
            archive.writestr(f"{package}/{sub}/where.py", f"NAME = {path.name!r}\n")
        for name, text in (extra or {}).items():
            archive.writestr(name, text)


@pytest.fixture
def zipped_packages(tmp_path, monkeypatch):
    """Two archives on sys.path, every subpackage imported (a zipimporter each); the number of
    directory reads per archive, counted; everything put back afterwards."""
    archives = {name: tmp_path / f"{name}.zip" for name in ("cache_probe_a", "cache_probe_b")}
    for package, path in archives.items():
        write_archive(path, package)
        monkeypatch.syspath_prepend(str(path))
    reads: collections.Counter[str] = collections.Counter()
    read_directory = zipimport._read_directory  # type: ignore[attr-defined]

    def counting(archive):
        reads[archive] += 1
        return read_directory(archive)

    monkeypatch.setattr(zipimport, "_read_directory", counting)
    for package in archives:
        for sub in SUBPACKAGES:
            importlib.import_module(f"{package}.{sub}.where")
    yield archives, reads
    import_caches._unpatch()
    for name in [m for m in sys.modules if m.startswith(tuple(archives))]:
        del sys.modules[name]
    for key in [k for k in sys.path_importer_cache if k.startswith(str(tmp_path))]:
        del sys.path_importer_cache[key]
    for path in archives.values():
        zipimport._zip_directory_cache.pop(str(path), None)  # type: ignore[attr-defined]


def zipimporters(archive: Path) -> list[zipimport.zipimporter]:
    return [
        finder
        for finder in sys.path_importer_cache.values()
        if isinstance(finder, zipimport.zipimporter) and finder.archive == str(archive)
    ]


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="zipimporters re-read lazily from 3.13 on")
def test_each_archive_is_read_once_per_call_where_python_reads_it_once_per_zipimporter(zipped_packages):
    archives, reads = zipped_packages
    per_archive = {path: len(zipimporters(path)) for path in archives.values()}
    assert all(count == 1 + 1 + len(SUBPACKAGES) for count in per_archive.values())  # root, package, subs

    reads.clear()
    importlib.invalidate_caches()  # Python's own: the oracle
    assert {Path(a): n for a, n in reads.items()} == per_archive

    assert import_caches._patch() is True
    assert import_caches._patch() is True  # a second install changes nothing
    reads.clear()
    importlib.invalidate_caches()
    assert {Path(a): n for a, n in reads.items()} == dict.fromkeys(archives.values(), 1)
    reads.clear()
    importlib.invalidate_caches()
    assert {Path(a): n for a, n in reads.items()} == dict.fromkeys(archives.values(), 1)  # each call reads

    # Outside a call, a zipimporter still reads its archive itself.
    reads.clear()
    zipimporters(archives["cache_probe_a"])[0].invalidate_caches()
    assert reads == {str(archives["cache_probe_a"]): 1}


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="zipimporters re-read lazily from 3.13 on")
def test_an_archive_rewritten_between_calls_is_seen_by_every_zipimporter_of_it(zipped_packages):
    archives, _ = zipped_packages
    assert import_caches._patch() is True
    path = archives["cache_probe_a"]
    added = {f"cache_probe_a/{sub}/added.py": f"VALUE = {sub!r}\n" for sub in SUBPACKAGES}
    write_archive(path, "cache_probe_a", added)
    importlib.invalidate_caches()
    for finder in zipimporters(path):
        assert set(added) <= set(finder._files)  # type: ignore[attr-defined]  # keys use os.sep: "/" here
    for sub in SUBPACKAGES:
        assert importlib.import_module(f"cache_probe_a.{sub}.added").VALUE == sub
    # The other archive was read afresh too, and its modules are unchanged.
    assert importlib.import_module("cache_probe_b.two.where").NAME == "cache_probe_b.zip"


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="zipimporters re-read lazily from 3.13 on")
def test_a_vanished_archive_leaves_its_zipimporters_empty_as_python_does(zipped_packages):
    archives, _ = zipped_packages
    assert import_caches._patch() is True
    path = archives["cache_probe_b"]
    path.unlink()
    importlib.invalidate_caches()
    assert [finder._files for finder in zipimporters(path)] == [{}] * len(zipimporters(path))  # type: ignore[attr-defined]
    assert str(path) not in zipimport._zip_directory_cache  # type: ignore[attr-defined]


METADATA_PROBE = """
import importlib, json, sys
sys.path.insert(0, {core!r})
from prometheus import import_caches
seen = {{"imported_at_start": "importlib.metadata" in sys.modules}}
if {patched}:
    assert import_caches._patch()
importlib.invalidate_caches()
seen["imported_by_the_call"] = "importlib.metadata" in sys.modules
import importlib.metadata as metadata
seen["real_module"] = hasattr(metadata, "distributions") and metadata is sys.modules["importlib.metadata"]
seen["distributions"] = len(list(metadata.distributions())) > 0
seen["cached_paths"] = metadata.FastPath.__new__.cache_info().currsize
importlib.invalidate_caches()
seen["cached_paths_after_a_call"] = metadata.FastPath.__new__.cache_info().currsize
print(json.dumps(seen))
"""


def metadata_probe(patched: bool) -> dict:
    core = str(Path(import_caches.__file__).resolve().parents[1])
    probe = METADATA_PROBE.format(core=core, patched=patched)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="zipimporters re-read lazily from 3.13 on")
def test_importlib_metadata_is_left_to_whoever_needs_it_and_its_caches_cleared_as_python_does():
    """In a fresh interpreter: ours never imports importlib.metadata (Python 3.12's own call
    does; 3.11's does not); once it is imported, a call clears its finder's caches exactly when
    Python's own does (3.12; the bundle's Pyodide is checked below)."""
    python, ours = metadata_probe(patched=False), metadata_probe(patched=True)
    assert python["imported_at_start"] is ours["imported_at_start"] is False
    assert python["imported_by_the_call"] is (sys.version_info >= (3, 12))
    assert ours["imported_by_the_call"] is False
    for seen in (python, ours):
        assert seen["real_module"] is True and seen["distributions"] is True and seen["cached_paths"] > 0
    assert ours["cached_paths_after_a_call"] == python["cached_paths_after_a_call"]


def test_install_changes_nothing_outside_pyodide():
    before = importlib.invalidate_caches
    assert import_caches.install() is False
    assert importlib.invalidate_caches is before
    with pytest.raises(RuntimeError, match="not installed"):
        import_caches.invalidate_caches()


@pytest.mark.cpython_only
def test_in_pyodide_loadpackage_reads_each_archive_once(tmp_path):
    """The bundle's Pyodide under node, started as the worker starts it (the core imported from
    its wheel): Python's own call reads the standard library's zip and the core's wheel once per
    zipimporter of each; once installed, once each, and numpy still loads and runs."""
    seen = run_with_core(
        tmp_path,
        """
py.runPython(`
import collections, importlib, json, sys, zipimport
sys.path.insert(0, "/lib/core.whl")
import prometheus.deferred; prometheus.deferred.defer("numpy")
import prometheus.rpc, prometheus.store.browser, prometheus.import_caches
reads = collections.Counter()
read_directory = zipimport._read_directory
def counting(archive):
    reads[archive] += 1
    return read_directory(archive)
zipimport._read_directory = counting
def zipimporters():
    return dict(collections.Counter(f.archive for f in sys.path_importer_cache.values() if isinstance(f, zipimport.zipimporter)))
seen = {}
def take(label):
    seen[label] = dict(reads)
    reads.clear()
`);
py.runPython(`
seen["installed"] = prometheus.import_caches.install()
importlib.invalidate_caches()
take("ours")
seen["metadata_after_ours"] = "importlib.metadata" in sys.modules
seen["zipimporters"] = zipimporters()
prometheus.import_caches._importlib_invalidate()  # Python's own (zipimporters read as they always did)
take("python")
seen["metadata_after_python"] = "importlib.metadata" in sys.modules
import importlib.metadata
seen["distributions"] = len(list(importlib.metadata.distributions()))
seen["cached_paths"] = importlib.metadata.FastPath.__new__.cache_info().currsize
importlib.invalidate_caches()
seen["cached_paths_after_ours"] = importlib.metadata.FastPath.__new__.cache_info().currsize
take("ours_again")
`);
await py.loadPackage(["numpy"], { messageCallback: () => {} });
console.log(py.runPython(`
take("loadPackage")
prometheus.deferred.arrive("numpy")  # as the worker does once numpy has loaded
import numpy
seen["solved"] = numpy.linalg.solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).tolist()
json.dumps(seen)`));
""",
    )
    archives = {"/lib/core.whl", next(a for a in seen["zipimporters"] if a.endswith(".zip"))}
    assert set(seen["zipimporters"]) == archives
    assert all(count > 1 for count in seen["zipimporters"].values())  # a zipimporter per package
    assert seen["python"] == seen["zipimporters"]  # the oracle: once per zipimporter
    assert seen["installed"] is True
    assert seen["ours"] == seen["ours_again"] == dict.fromkeys(archives, 1)
    # Python 3.12's own call imports importlib.metadata to clear its finder's caches; ours
    # leaves the import to whoever needs it, and clears the caches once it is imported.
    assert seen["metadata_after_ours"] is False and seen["metadata_after_python"] is True
    assert seen["distributions"] > 0 and seen["cached_paths"] > 0 and seen["cached_paths_after_ours"] == 0
    assert seen["loadPackage"] == dict.fromkeys(archives, 1)  # Pyodide's loadPackage calls it
    assert seen["solved"] == pytest.approx([0.8, 1.4])  # 2x+y=3, x+3y=5

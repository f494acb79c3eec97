"""prometheus.deferred: a package loaded after start-up, behind a stand-in module.

Each case runs in a fresh interpreter (a subprocess), since the point is what gets imported
when; the packages deferred are real ones written to a temporary folder, plus numpy itself
with the core's start-up imports (the worker's path for an empty store)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, *paths: Path) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON line, returned decoded."""
    path = [str(ROOT / "py_core"), *map(str, paths)]
    prelude = f"import sys, json; sys.path[:0] = {path!r}\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_package(root: Path, name: str, init: str) -> Path:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text(textwrap.dedent(init))
    return root


def test_stand_in_refuses_use_before_arrival_then_is_the_package(tmp_path):
    files = tmp_path / "later"  # on sys.path only once "loaded", like a Pyodide package
    write_package(
        files,
        "slowpkg",
        """
        VALUE = 42
        class Thing: pass
        def __getattr__(name):  # a lazily provided attribute (numpy does this for submodules)
            if name == "lazy":
                return "made on demand"
            raise AttributeError(name)
        """,
    )
    result = run(
        f"""
        from prometheus.deferred import PackageNotLoaded, arrive, defer, waiting
        assert defer("slowpkg") is True
        import slowpkg as early            # a module importing it at its top still imports
        try:
            early.VALUE
            before = "no error"
        except PackageNotLoaded as exc:
            before = str(exc)
        try:
            arrive("slowpkg")              # files not there yet: the import's own error
            missing = "no error"
        except ModuleNotFoundError:
            missing = "ModuleNotFoundError"
        still = waiting()
        sys.path.append({str(files)!r})   # the files arrive
        real = arrive("slowpkg")
        print(json.dumps({{
            "before": before, "missing": missing, "still_waiting": still, "after": waiting(),
            "value": early.VALUE, "same_class": early.Thing is real.Thing,
            "lazy": early.lazy, "sys_modules_real": sys.modules["slowpkg"] is real,
            "again": arrive("slowpkg") is real, "real_value": real.VALUE,
        }}))
        """
    )
    assert "slowpkg is still loading" in result["before"] and "slowpkg.VALUE" in result["before"]
    assert result["missing"] == "ModuleNotFoundError"
    assert result["still_waiting"] == ["slowpkg"]
    assert result["after"] == []
    assert result["value"] == result["real_value"] == 42
    assert result["same_class"] and result["sys_modules_real"] and result["again"]
    assert result["lazy"] == "made on demand"


def test_an_imported_package_is_not_deferred():
    result = run(
        """
        import json as already
        from prometheus.deferred import defer, waiting
        print(json.dumps({"deferred": defer("json"), "waiting": waiting(), "same": sys.modules["json"] is already}))
        """
    )
    assert result == {"deferred": False, "waiting": [], "same": True}


def test_defer_takes_only_top_level_names():
    result = run(
        """
        from prometheus.deferred import defer
        errors = []
        for name in ("numpy.linalg", "", "not a name"):
            try:
                defer(name)
            except ValueError as exc:
                errors.append(str(exc))
        print(json.dumps(errors))
        """
    )
    assert len(result) == 3 and all("top-level package name" in e for e in result)


def test_core_starts_and_opens_an_empty_store_without_numpy_then_uses_it():
    """The worker's start for an empty store: the core's start-up imports and the store's
    restore run on the stand-in; after arrival the store's codec encodes arrays with numpy."""
    result = run(
        """
        import asyncio
        from prometheus.deferred import arrive, defer, waiting
        defer("numpy")
        import prometheus.rpc, prometheus.store.browser
        from prometheus.store import MemoryBackend, open_session
        store = asyncio.run(open_session(MemoryBackend(), "empty"))
        loaded_early = sorted(m for m in sys.modules if m.startswith("numpy."))
        still = waiting()
        numpy = arrive("numpy")
        from prometheus.store import codec
        array = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
        back = codec.unpack(b"TESTTEST", codec.pack(b"TESTTEST", {"a": array}))["a"]
        print(json.dumps({"early": loaded_early, "waiting": still, "roundtrip": back.tolist(),
                          "dtype": str(back.dtype), "codec_np_is_numpy": codec.np.ndarray is numpy.ndarray,
                          "stats": asyncio.run(prometheus.rpc.dispatch("core.stats", '{"values": [1, 2, 3, 10]}'))}))
        """
    )
    assert result["early"] == []  # not one numpy module ran before arrival
    assert result["waiting"] == ["numpy"]
    assert result["roundtrip"] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and result["dtype"] == "float32"
    assert result["codec_np_is_numpy"]
    import numpy

    assert json.loads(result["stats"])["result"]["std"] == numpy.std([1, 2, 3, 10])


def test_a_store_with_data_is_read_and_verified_before_numpy_and_restored_once_it_arrives(tmp_path):
    """The worker's start for a store with data: the store is read, verified and its settings
    restored before numpy loads; the graph, the index and the collection (numpy engines) wait,
    with their journal records, and settle once numpy arrives, to the digest the same store has
    when restored with numpy there from the start (in this process)."""
    from prometheus.rpc import dispatch
    from prometheus.store import DirectoryBackend, open_session, session
    from tests.rpc_call import run_coroutine
    from tests.store.test_learn_store import session_calls
    from tests.store.test_store import call

    path = tmp_path / "learner"
    run_coroutine(open_session(DirectoryBackend(path), "full"))
    call("graph.run", {"query": "UNWIND range(1, 50) AS i CREATE (:Concept {key: 'k' + i})"})
    session_calls()
    vectors = {"__bytes__": 0}
    import numpy as np

    data = np.random.default_rng(3).standard_normal((20, 384)).astype(np.float32)
    run_coroutine(
        dispatch(
            "infer.index_add",
            json.dumps({"ids": [f"v{i}" for i in range(20)], "texts": ["t"] * 20, "vectors": vectors}),
            None,
            [data.tobytes()],
        )
    )
    call("store.checkpoint")  # a checkpoint, then a journal after it touching every part
    call("graph.run", {"query": "CREATE (:Concept {key: 'after'})"})
    call("learn.add_cards", {"cards": [{"front": "late", "back": "card"}], "now": "2026-03-03T09:00:00Z"})
    run_coroutine(dispatch("infer.index_remove", json.dumps({"ids": ["v3"]})))
    expected = run_coroutine(open_session(DirectoryBackend(path), "full")).digest()
    seq = session().seq

    result = run(
        f"""
        import asyncio
        from prometheus.deferred import arrive, defer
        defer("numpy")
        import prometheus.rpc, prometheus.store.browser
        from prometheus.store import DirectoryBackend, open_session
        from prometheus.graph.session import current_graph
        store = asyncio.run(open_session(DirectoryBackend({str(path)!r}), "full"))
        early = sorted(m for m in sys.modules if m.startswith("numpy."))
        report = store.restore_report
        arrive("numpy")
        settled = store.settle()
        concepts = sum(1 for _ in current_graph().nodes("Concept"))
        print(json.dumps({{"early": early, "concepts": concepts, "waiting": report["waiting"],
                          "problems": report["problems"], "settled": settled, "seq": store.seq,
                          "digest": store.digest()}}))
        """
    )
    assert result["early"] == []  # the checkpoint and the journal were read without numpy
    assert result["waiting"] == ["graph", "index", "learn"] == result["settled"]
    assert result["problems"] == [] and result["concepts"] == 54  # 50 + 3 cards' concepts + 'after'

    assert result["seq"] == seq and result["digest"] == expected

"""Every engine's test suite, run inside Pyodide in headless Chromium against the built bundle.

One pytest-pyodide `run_in_pyodide` call per suite runs `pytest.main` on that suite inside the
page's Pyodide, in-process, and returns every test's outcome. Why this way: pytest-pyodide's
`--run-in-pyodide` mode starts a new `pytest.main` (collection included) for each test, and
the TCK module alone computes ~2,000 scenarios in one fixture; one in-process run per suite
collects once and shares fixtures exactly as the CPython run does. The core comes from the
bundle's own wheel (`loadPackage("prometheus-web")`), never from py_core/.

Tests marked `cpython_only` test CPython-side tools (the build, subprocesses, wasmtime) and are
deselected inside Pyodide; oracles that cannot run there answer from recorded references.
"""

from __future__ import annotations

import json

import pytest
from pytest_pyodide import run_in_pyodide

from tests.pyodide.lane import SUMMARY

SUITES = ("graph", "srs", "quantum", "infer")
# Loaded once into the page: the bundle's packages the suites use, and the test-only ones.
PACKAGES = [
    "prometheus-web",
    "sqlite3",
    "tzdata",
    "scipy",
    "pytest",
    "tblib",
    "networkx",
    "fsrs",
    "hypothesis",
]
_RESULTS: dict[str, dict] = {}


@run_in_pyodide(packages=PACKAGES, pytest_assert_rewrites=False)
async def _run_suite(selenium, suite):
    """Inside Pyodide: unpack the payload once, run pytest on tests/<suite>, report outcomes."""
    import io
    import json
    import os
    import sys
    import time
    import zipfile

    if not os.path.isdir("/lane/repo"):
        from pyodide.http import pyfetch

        payload = await (await pyfetch("lane-payload.zip")).bytes()
        zipfile.ZipFile(io.BytesIO(payload)).extractall("/lane")
    os.environ.update(
        PROMETHEUS_SHARED="/lane/shared",
        PROMETHEUS_REFERENCES="/lane/references",
        PROMETHEUS_LANE_MODEL_DIR="/lane/model",
        HYPOTHESIS_STORAGE_DIRECTORY="/tmp/hypothesis",
    )
    os.chdir("/lane/repo")
    if "/lane/repo" not in sys.path:
        sys.path.insert(0, "/lane/repo")
    import pytest

    class Outcomes:
        def __init__(self):
            self.passed, self.failed, self.skipped, self.deselected = [], {}, {}, 0

        def pytest_deselected(self, items):
            self.deselected += len(items)

        def pytest_runtest_logreport(self, report):
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                self.skipped[report.nodeid] = reason
            elif report.failed:
                self.failed[f"{report.nodeid} ({report.when})"] = str(report.longrepr)[-3000:]
            elif report.when == "call":
                self.passed.append(report.nodeid)

        def pytest_collectreport(self, report):
            if report.skipped:  # a whole module skipped (e.g. importorskip of a CPython-only tool)
                self.skipped[report.nodeid] = (
                    report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                )
            if report.failed:
                self.failed[f"{report.nodeid} (collection)"] = str(report.longrepr)[-3000:]

    outcomes = Outcomes()
    started = time.perf_counter()
    # pyproject's addopts carry pytest-pyodide's options, which the pytest in here does not know.
    code = pytest.main(
        [
            f"tests/{suite}",
            "-o",
            "addopts=--import-mode=importlib",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:faulthandler",
            "--capture=sys",
            "-m",
            "not cpython_only and not browser",
        ],
        plugins=[outcomes],
    )
    result = {
        "exit": int(code),
        "seconds": time.perf_counter() - started,
        "passed": outcomes.passed,
        "failed": outcomes.failed,
        "skipped": outcomes.skipped,
        "deselected": outcomes.deselected,
    }
    if suite == "graph":
        from tests.graph.tck.report import run_all_once, summarize

        result["tck"] = (
            summarize(run_all_once()) if os.path.isdir("/lane/shared/conformance/cypher-tck") else None
        )
    return json.dumps(result)


def suite_results(selenium, suite: str) -> dict:
    if suite not in _RESULTS:
        _RESULTS[suite] = json.loads(_run_suite(selenium, suite))
        r = _RESULTS[suite]
        SUMMARY.append(
            f"tests/{suite:<8} {len(r['passed']):>4} passed {len(r['skipped']):>4} skipped "
            f"{len(r['failed']):>4} failed {r['deselected']:>4} deselected (cpython_only)  "
            f"in {r['seconds']:.0f} s"
        )
        reasons: dict[str, int] = {}
        for reason in r["skipped"].values():
            reasons[reason[:150]] = reasons.get(reason[:150], 0) + 1
        SUMMARY.extend(f"    skipped {n:>3}: {reason}" for reason, n in sorted(reasons.items()))
    return _RESULTS[suite]


@pytest.mark.driver_timeout(3600)
@pytest.mark.skip_refcount_check
@pytest.mark.skip_pyproxy_check
@pytest.mark.parametrize("suite", SUITES)
def test_engine_suite_passes_inside_pyodide(selenium, lane, suite):
    result = suite_results(selenium, suite)
    failures = "\n\n".join(f"{name}\n{text}" for name, text in result["failed"].items())
    assert not result["failed"], f"{len(result['failed'])} failing inside Pyodide:\n{failures}"
    assert result["exit"] == 0 and result["passed"], result


@pytest.mark.driver_timeout(3600)
@pytest.mark.skip_refcount_check
@pytest.mark.skip_pyproxy_check
def test_tck_table_inside_pyodide_equals_cpython(selenium, lane):
    """The per-directory TCK counts inside Pyodide equal CPython's (so the same floor holds)."""
    from tests.graph.tck.report import run_all_once, summarize
    from tests.graph.tck.runner import tck_available

    if not tck_available():
        pytest.skip("openCypher TCK not found: ../shared/conformance/cypher-tck is absent")
    inside = suite_results(selenium, "graph")["tck"]
    cpython = json.loads(json.dumps(summarize(run_all_once())))
    differing = {
        d: {"cpython": cpython.get(d), "pyodide": inside.get(d)}
        for d in sorted(set(cpython) | set(inside))
        if cpython.get(d) != inside.get(d)
    }
    assert not differing, "TCK table differs between CPython and Pyodide:\n" + json.dumps(differing, indent=1)

"""Named time zones in the browser: the bundle's tzdata, loaded because graph.run declares it.

A fresh Pyodide (its own page) loads only what the worker would: the core wheel, then
`prepare("graph.run")`'s packages. CPython's answer for the same query is the oracle (it
reads the same tzdata version: tests/requirements/graph.txt).
"""

from __future__ import annotations

import json

import pytest
from pytest_pyodide import run_in_pyodide

QUERIES = [
    "RETURN toString(datetime({year: 1984, month: 10, day: 11, hour: 12, timezone: 'Europe/Stockholm'})) AS d",
    "RETURN toString(datetime('2015-07-21T21:40:32.142[America/New_York]')) AS d",
    "RETURN toString(datetime({year: 1818, month: 7, day: 21, hour: 21, minute: 40, timezone: 'Europe/Stockholm'})) AS d",
    "RETURN toString(datetime({year: 2020, month: 3, day: 29, hour: 2, minute: 30, timezone: 'Europe/Berlin'})) AS d",
]


@run_in_pyodide(packages=["prometheus-web"], pytest_assert_rewrites=False)
async def _graph_run_in_fresh_pyodide(selenium, queries):
    import json

    import pyodide_js

    from prometheus.rpc import dispatch, prepare

    packages = prepare("graph.run")
    await pyodide_js.loadPackage(packages)
    answers = [json.loads(await dispatch("graph.run", json.dumps({"query": q}))) for q in queries]
    return json.dumps({"packages": list(packages), "answers": answers})


@pytest.mark.driver_timeout(600)
@pytest.mark.skip_refcount_check
@pytest.mark.skip_pyproxy_check
def test_named_time_zones_work_in_the_browser_as_on_cpython(selenium_standalone, lane):
    from tests.rpc_call import rpc_envelope

    inside = json.loads(_graph_run_in_fresh_pyodide(selenium_standalone, QUERIES))
    assert "tzdata" in inside["packages"]
    cpython = [rpc_envelope("graph.run", {"query": q}) for q in QUERIES]
    assert all("result" in answer for answer in cpython), cpython
    assert inside["answers"] == cpython
    assert cpython[0]["result"]["rows"][0][0] == "1984-10-11T12:00+01:00[Europe/Stockholm]"

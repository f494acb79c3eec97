"""Calls `prometheus.rpc.dispatch` from CPython tests, the way the worker does.

Runs the coroutine in its own thread: Playwright's sync API keeps an event loop running
in the main thread once a browser test has started, and asyncio.run refuses to nest.
Inside Pyodide (the tests/pyodide lane) there are no threads and the browser owns the event
loop: the coroutine is stepped directly, which works because dispatch only awaits a method
that is itself a coroutine, and those complete without waiting on the loop in these tests.
"""

from __future__ import annotations

import asyncio
import json
import sys
from concurrent.futures import ThreadPoolExecutor

from prometheus.rpc import dispatch

_EXECUTOR = ThreadPoolExecutor(max_workers=1) if sys.platform != "emscripten" else None


def run_coroutine(coroutine):
    """Runs any coroutine to completion, safe to call while Playwright's loop is running."""
    if sys.platform == "emscripten":
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value
        coroutine.close()
        raise RuntimeError("the coroutine waited on the event loop; Pyodide tests cannot block on it")
    return _EXECUTOR.submit(asyncio.run, coroutine).result()


def rpc_dispatch_raw(method: str, payload: str, progress=None) -> dict:
    """The envelope for a raw params payload (which may be malformed JSON on purpose)."""
    return json.loads(run_coroutine(dispatch(method, payload, progress)))


def rpc_envelope(method: str, params=None, progress=None) -> dict:
    """The JSON envelope the page would get: {"result": ...} or {"error": {...}}."""
    return rpc_dispatch_raw(method, "" if params is None else json.dumps(params), progress)

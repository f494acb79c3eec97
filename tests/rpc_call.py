"""Calls `prometheus.rpc.dispatch` from CPython tests, the way the worker does.

Runs the coroutine in its own thread: Playwright's sync API keeps an event loop running
in the main thread once a browser test has started, and asyncio.run refuses to nest.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from prometheus.rpc import dispatch

_EXECUTOR = ThreadPoolExecutor(max_workers=1)


def run_coroutine(coroutine):
    """Runs any coroutine to completion, safe to call while Playwright's loop is running."""
    return _EXECUTOR.submit(asyncio.run, coroutine).result()


def rpc_dispatch_raw(method: str, payload: str, progress=None) -> dict:
    """The envelope for a raw params payload (which may be malformed JSON on purpose)."""
    return json.loads(run_coroutine(dispatch(method, payload, progress)))


def rpc_envelope(method: str, params=None, progress=None) -> dict:
    """The JSON envelope the page would get: {"result": ...} or {"error": {...}}."""
    return rpc_dispatch_raw(method, "" if params is None else json.dumps(params), progress)

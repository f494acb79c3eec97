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
import math
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy

from prometheus.rpc import dispatch, take_buffers
from prometheus.rpc.encoding import ARRAY, BYTES, NUMBER

_EXECUTOR = ThreadPoolExecutor(max_workers=1) if sys.platform != "emscripten" else None


def run_coroutine(coroutine):
    """Runs any coroutine to completion, safe to call while Playwright's loop is running."""
    if sys.platform == "emscripten":
        return run_stepped(coroutine)
    return _EXECUTOR.submit(asyncio.run, coroutine).result()


def run_stepped(coroutine):
    """Runs a coroutine that never waits on the event loop, in this thread, without a loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine waited on the event loop; a stepped run cannot block on it")


def rpc_dispatch_raw(method: str, payload: str, progress=None, buffers=None, call_id=None) -> dict:
    """The envelope for a raw params payload (which may be malformed JSON on purpose), with its
    markers resolved as the worker resolves them (see `resolve`)."""
    reply = json.loads(run_coroutine(dispatch(method, payload, progress, buffers, call_id)))
    return resolve(reply, take_buffers() if BYTES in json.dumps(reply) or ARRAY in json.dumps(reply) else [])


def rpc_envelope(method: str, params=None, progress=None, call_id=None) -> dict:
    """The envelope the page would get: {"result": ...} or {"error": {...}}. Bytes and numpy
    arrays in `params` travel as buffers and non-finite floats as markers, as from the page."""
    buffers: list = []
    payload = "" if params is None else json.dumps(split(params, buffers))
    return rpc_dispatch_raw(method, payload, progress, buffers or None, call_id)


def split(value, buffers: list):
    """What the worker sends for page params: buffers set aside, non-finite numbers marked."""
    if isinstance(value, (bytes, bytearray, numpy.ndarray)):
        buffers.append(bytes(value) if not isinstance(value, numpy.ndarray) else value.tobytes())
        return {BYTES: len(buffers) - 1}
    if isinstance(value, float) and not math.isfinite(value):
        return {NUMBER: "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {k: split(v, buffers) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [split(v, buffers) for v in value]
    return value


def resolve(value, buffers: list):
    """What the page receives: bytes for byte markers, flat numpy arrays of the marked dtype
    for array markers (the page's typed arrays), floats for number markers."""
    if isinstance(value, dict):
        if len(value) == 1 and BYTES in value:
            return bytes(buffers[value[BYTES]])
        if set(value) == {ARRAY, "dtype"}:
            array = numpy.asarray(buffers[value[ARRAY]])
            assert array.dtype == numpy.dtype(value["dtype"]) and array.ndim == 1, (array.dtype, array.shape)
            return array
        if len(value) == 1 and NUMBER in value:
            return float(value[NUMBER].replace("Infinity", "inf"))
        return {k: resolve(v, buffers) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, buffers) for v in value]
    return value

"""Aborting one running call from the page, and only that call.

The page and the worker share an Int32Array over a SharedArrayBuffer: slot 0 is Pyodide's
interrupt buffer, slot 1 the id of the call the page wants stopped. To abort, the page writes
the id into slot 1, then SIGINT (2) into slot 0. Pyodide polls slot 0 every ~50 bytecodes and
calls the SIGINT handler installed by `watch`, which raises KeyboardInterrupt only when

- a call's computation is running in this task (`window`): never during the store's commit,
  never in code the worker runs between calls or while a call waits on JavaScript, and
- that call is the one named in slot 1: ids only grow, so an abort that arrives after its
  call finished is ignored instead of hitting the next call, and
- no `@atomic` write step is on the stack (atomic.py): the step finishes first, so the
  rollback finds every change it made logged.

A signal for the running call that Pyodide notices in other code (a JavaScript callback run
while the call awaits a promise) is re-armed, so the call still stops when it resumes. A call
whose id is already in slot 1 when its computation begins stops before it starts.
`dispatch` turns the KeyboardInterrupt into an AbortError reply; the store rolls the call back.
Where there is no shared memory (a page that is not cross-origin isolated) `watch` is never
called and nothing here has any effect.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from ..atomic import splits_a_step

_control: dict[str, Callable[[], Any]] = {
    "target": lambda: None,  # the id of the call the page wants stopped
    "rearm": lambda: None,  # raises the signal again (see _on_signal)
}
_running: dict = {"call": None, "task": None}  # the call whose computation runs now


def watch(control) -> None:
    """Start honouring aborts; `control` is the shared Int32Array (called once by the worker)."""
    from js import Atomics  # Pyodide only: the worker calls this

    _control["target"] = lambda: Atomics.load(control, 1)
    _control["rearm"] = lambda: Atomics.store(control, 0, signal.SIGINT)
    signal.signal(signal.SIGINT, _on_signal)


def _task():
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: plain code called from JavaScript
        return None


def _on_signal(signum, frame) -> None:
    call = _running["call"]
    if call is None or _control["target"]() != call:
        return  # between calls, or an abort that came too late for its call: ignored
    if _running["task"] is _task() and not splits_a_step(frame):
        raise KeyboardInterrupt(f"call {call} was aborted")
    _control["rearm"]()  # outside the call's own code, or inside a write step: land once it is back


def continue_in_this_task(call_id) -> None:
    """A call started outside any task (registry.start) goes on in the current one: its
    window, if open, now belongs to this task."""
    if call_id is not None and _running["call"] == call_id:
        _running["task"] = _task()


@contextmanager
def window(call_id):
    """Marks the computation of call `call_id` as interruptible (a no-op for call_id None)."""
    if call_id is None:
        yield
        return
    if _control["target"]() == call_id:
        raise KeyboardInterrupt(f"call {call_id} was aborted before it started")
    _running["call"], _running["task"] = call_id, _task()
    try:
        yield
    finally:
        _running["call"] = _running["task"] = None

"""One registry from method names to plain core functions.

A method name is `<namespace>.<name>`; the namespace picks the module that registers it
(`ENGINE_MODULES`), so an engine is imported only when a page first calls into it.
Params arrive as one JSON object, are checked against the function's annotations (the
vocabulary of rpc/types.py; a misfit is InvalidParams naming method, param and path) and bound
to its keyword arguments; results go back as JSON. The same annotations and docstrings give
`core.methods`, docs/rpc.md and web/prometheus.d.ts (build/api_docs.py). A function that takes a `progress` keyword receives a callable
`progress(stage, fraction)` that the worker turns into progress events.

Bytes and numeric arrays travel beside the JSON, not inside it: a `{"__bytes__": i}` in the
params stands for the i-th buffer the worker passed, and `bytes` and numpy arrays in a result
go out the same way (`take_buffers`), so the worker can transfer them; NaN and the infinities
travel as markers (encoding.py). An error's `details()` travel in its envelope.

Calls run one at a time, in the order they reach `dispatch` (the store's lock), so no call
sees another's half-done change. The page may abort the running call (interrupts.py). A method registered with `writes=(part, ...)` runs as one
store change of those parts: its changes are journalled and kept only once the journal
record is durable (prometheus.store).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import json
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import InvalidParams, PrometheusError, UnknownMethod, ValidationError
from ..store.store import session
from . import interrupts
from .annotations import Mismatch, check, signature_of
from .encoding import decode, encode

# Namespace -> module whose import registers that namespace's methods.
ENGINE_MODULES = {
    "core": "prometheus.rpc.core_methods",
    "srs": "prometheus.srs.rpc",
    "graph": "prometheus.graph.rpc",
    "quantum": "prometheus.quantum.rpc",
    "infer": "prometheus.infer.rpc",
    "learn": "prometheus.learn.rpc",
    "store": "prometheus.store.rpc",
    "settings": "prometheus.store.rpc",
}

# Methods without a namespace are served by the `core` module.
DEFAULT_NAMESPACE = "core"


@dataclass(frozen=True)
class Method:
    """A registered RPC method: the function and what serving it takes."""

    name: str
    function: Callable[..., Any]
    packages: tuple[str, ...]  # Pyodide packages the call may need beyond numpy (the build ships them)
    takes_progress: bool
    writes: tuple[str, ...] = ()  # store parts the call may change
    needs: Callable[[dict[str, Any]], Any] | None = None  # params -> the packages this call needs


_METHODS: dict[str, Method] = {}


_F = TypeVar("_F", bound=Callable[..., Any])  # a registered function, typed as written


def method(
    name: str,
    *,
    packages: tuple[str, ...] = (),
    writes: tuple[str, ...] = (),
    needs: Callable[[dict[str, Any]], Any] | None = None,
) -> Callable[[_F], _F]:
    """Register `function` as RPC method `name`; `writes` names the store parts it may change.
    `packages` are all the Pyodide packages it may need; where a call's params decide which
    (an export format), `needs(params)` names them, so that a call loads only those (a package
    takes a download and an install the first time). The function is returned as it is (its
    own type, for the engine code that calls it)."""

    def register(function: _F) -> _F:
        if name in _METHODS and _METHODS[name].function is not function:
            raise RuntimeError(f"RPC method {name!r} registered twice")
        takes_progress = "progress" in inspect.signature(function).parameters
        _METHODS[name] = Method(name, function, tuple(packages), takes_progress, tuple(writes), needs)
        return function

    return register


def methods() -> dict[str, Method]:
    """Every method registered so far (engines register on first use)."""
    return dict(_METHODS)


def public_methods() -> dict[str, Method]:
    """Every method of the public API, by name: all engines imported (none of them loads a
    Pyodide package or the model at import), methods that tests register left out."""
    for module in dict.fromkeys(ENGINE_MODULES.values()):
        importlib.import_module(module)
    return {name: entry for name, entry in sorted(_METHODS.items()) if _namespace(name) in ENGINE_MODULES}


def _namespace(name: str) -> str:
    return name.split(".", 1)[0] if "." in name else DEFAULT_NAMESPACE


def _lookup(name: Any) -> Method:
    if not isinstance(name, str) or not name:
        raise UnknownMethod(f"method must be a non-empty string, got {name!r}")
    if not _METHODS:
        importlib.import_module(ENGINE_MODULES[DEFAULT_NAMESPACE])
    if name not in _METHODS:
        module = ENGINE_MODULES.get(_namespace(name))
        if module is not None:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if not (exc.name and module.startswith(exc.name)):
                    raise  # a missing dependency inside the engine: report it as is
    if name not in _METHODS:
        known = ", ".join(sorted(_METHODS)) or "none loaded"
        raise UnknownMethod(f"unknown method {name!r} (registered: {known})")
    return _METHODS[name]


def prepare(name: str, params_json: str | None = None) -> list[str]:
    """The Pyodide packages to load before `dispatch(name, params_json)` (may import the engine):
    those its `needs` names for these params, else every package it declares.

    Never raises: for a method it cannot resolve it answers [] and `dispatch` reports why; where
    `needs` cannot judge the params (malformed: dispatch will say how), every declared package.
    """
    try:
        entry = _lookup(name)
    except Exception:  # noqa: BLE001 - dispatch will report the same failure with details
        return []
    if entry.needs is None or params_json is None:
        return list(entry.packages)
    try:
        params = json.loads(params_json)
        needed = set(entry.needs(params if isinstance(params, dict) else {}))
    except Exception:  # noqa: BLE001 - as above: dispatch reports bad params
        return list(entry.packages)
    return [package for package in entry.packages if package in needed]  # never one it did not declare


@functools.cache
def _signature(function) -> inspect.Signature:
    return inspect.signature(function)  # ~50 us a call inside Pyodide: once per method


def _bind(entry: Method, params: Any, progress) -> inspect.BoundArguments:
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParams(f"params of {entry.name!r} must be a JSON object, got {type(params).__name__}")
    if "progress" in params:
        raise InvalidParams(f"params of {entry.name!r}: 'progress' is reserved")
    kwargs = dict(params)
    if entry.takes_progress:
        kwargs["progress"] = progress or (lambda stage, fraction: None)
    signature = _signature(entry.function)
    try:
        bound = signature.bind(**kwargs)
    except TypeError as exc:
        accepted = [p for p in signature.parameters if p != "progress"]
        raise InvalidParams(
            f"params of {entry.name!r}: {exc}; accepted: {', '.join(accepted) or 'none'}"
        ) from None
    for param in signature_of(entry.function).params:
        if param.name in params:
            try:
                check(params[param.name], param.type, f"params.{param.name}")
            except Mismatch as exc:
                raise InvalidParams(f"{entry.name}: {exc}") from None
    return bound


_outgoing: list = []  # buffers of the last result (bytes, numpy arrays), until the worker takes them


def take_buffers() -> list:
    """The buffers of the last result, in marker order (the worker transfers them)."""
    buffers = list(_outgoing)
    _outgoing.clear()
    return buffers


def take_buffers_for_js():
    """Pyodide: `take_buffers` as one JavaScript Array of Uint8Array copies, which the worker
    transfers: one crossing of the FFI a result, where reading each buffer from JavaScript took
    five (~0.18 ms of a single-sentence `infer.embed`)."""
    from pyodide.ffi import to_js

    return to_js([memoryview(buffer).cast("B") for buffer in take_buffers()])


def to_json_value(value: Any) -> Any:
    """The result as JSON values, its bytes and numeric arrays set aside for the worker (encoding.py)."""
    return encode(value, _outgoing)


def _error(exc: BaseException) -> dict:
    error = {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc)),
    }
    if isinstance(exc, PrometheusError):
        try:
            details = to_json_value(exc.details())
            json.dumps(details, allow_nan=False)
        except Exception:  # noqa: BLE001 - an error that cannot describe itself still reports its message
            _outgoing.clear()
        else:
            error["details"] = details
    return error


def _aborted(exc: KeyboardInterrupt) -> dict:
    return {
        "type": "AbortError",
        "message": "it stopped before finishing, and nothing it changed was kept",
        "traceback": "".join(traceback.format_exception(exc)),
    }


async def dispatch(name: str, params_json: str, progress=None, buffers=None, call_id=None) -> str:
    """Run one request; always answers a JSON envelope `{"result": ...}` or `{"error": ...}`.

    `buffers`: the binary params (bytes-like or JS buffers), referred to by index.
    `call_id`: the page's id of the call, which an abort names (interrupts.py).
    Never raises: a failure of any kind becomes an error envelope, so the worker stays up; a
    KeyboardInterrupt (the page's abort, Ctrl-C on CPython) rolls the call back and answers
    an AbortError.
    """
    store = session()
    async with store.lock:
        _outgoing.clear()
        try:
            try:
                params = json.loads(params_json) if params_json else None
            except (TypeError, ValueError) as exc:
                raise ValidationError(f"params are not valid JSON: {exc}") from None
            params = decode(params, [_as_bytes(b) for b in buffers or ()])
            entry = _lookup(name)
            bound = _bind(entry, params, progress)

            async def compute():
                with interrupts.window(call_id):
                    result = entry.function(*bound.args, **bound.kwargs)
                    if inspect.isawaitable(result):
                        result = await result
                    return result

            result = await (store.change(entry.writes, compute) if entry.writes else compute())
            return json.dumps({"result": to_json_value(result)}, allow_nan=False)
        except KeyboardInterrupt as exc:
            _outgoing.clear()
            return json.dumps({"error": _aborted(exc)})
        except Exception as exc:  # noqa: BLE001 - the boundary reports every failure
            _outgoing.clear()
            return json.dumps({"error": _error(exc)}, allow_nan=False)


def start(name: str, params_json: str, progress=None, buffers=None, call_id=None):
    """`dispatch`, run at once as far as it gets without waiting: its reply when it finished,
    else an awaitable of the reply (the worker's entry point).

    Why: a coroutine awaited from JavaScript starts on a later turn of Pyodide's event loop,
    which cost 0.5-0.7 ms a call in Chromium (a `version` round trip was ~0.6 ms, nearly all
    of it that), while most calls never wait on anything. A call that does wait (a store write
    awaiting IndexedDB, a model download), or that finds another call holding the store, goes
    on in a task from where it stopped, in order behind the store's lock as before.
    """
    coroutine = dispatch(name, params_json, progress, buffers, call_id)
    if session().lock.locked():  # queue behind the running call, as `dispatch` always did
        return asyncio.ensure_future(coroutine)
    try:
        waiting_on = coroutine.send(None)
    except StopIteration as done:
        return done.value
    return asyncio.ensure_future(_resumed(coroutine, waiting_on, call_id))


async def _resumed(coroutine, waiting_on, call_id):
    interrupts.continue_in_this_task(call_id)
    return await _drive(coroutine, waiting_on)


@types.coroutine
def _drive(coroutine, waiting_on):
    """Go on with a started coroutine that yielded `waiting_on`, as its task would have."""
    while True:
        try:
            try:
                sent = yield waiting_on
            except BaseException as exc:  # noqa: BLE001 - cancellation and the like reach the call
                waiting_on = coroutine.throw(exc)
            else:
                waiting_on = coroutine.send(sent)
        except StopIteration as done:
            return done.value


def _as_bytes(buffer) -> bytes:
    if isinstance(buffer, (bytes, bytearray, memoryview)):
        return bytes(buffer)
    to_bytes = getattr(buffer, "to_bytes", None)  # a JS ArrayBuffer / typed array proxy in Pyodide
    if callable(to_bytes):
        return to_bytes()
    raise InvalidParams(f"a binary param must be bytes, got {type(buffer).__name__}")

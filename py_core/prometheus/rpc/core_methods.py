"""Methods every bundle answers, independent of the engines."""

from __future__ import annotations

import inspect
import sys
from typing import NotRequired, TypedDict

from .. import __version__
from ..errors import ValidationError
from .annotations import named_types, signature_of, type_text, typed_dict_fields, unwrap
from .registry import method, public_methods
from .types import Alias, Json


class CoreInfo(TypedDict):
    version: str
    python: str
    platform: str
    numpy: str
    packages: list[str]
    user_agent: str | None
    heap_bytes: int | None  # the worker's WebAssembly memory (its peak); None on CPython


class ParamInfo(TypedDict):
    name: str
    type: str  # TypeScript notation, as in docs/rpc.md
    required: bool
    default: NotRequired[Json]  # only when not required


class MethodInfo(TypedDict):
    name: str
    doc: str
    params: list[ParamInfo]
    returns: str
    writes: list[str]  # store parts a call may change (it is then one journal record)
    packages: list[str]  # Pyodide packages loaded before the first call
    packages_when: str  # when a call's params decide which of them load: how ("" when all do)


class FieldInfo(TypedDict):
    name: str
    type: str
    required: bool


class TypeInfo(TypedDict):
    name: str
    type: NotRequired[str]  # an alias: what it stands for
    doc: NotRequired[str]
    fields: NotRequired[list[FieldInfo]]  # an object type: its keys


class MethodList(TypedDict):
    methods: list[MethodInfo]
    types: list[TypeInfo]


class Stats(TypedDict):
    n: int
    mean: float
    std: float
    min: float
    max: float


IN_BROWSER = sys.platform == "emscripten"  # a run-time value: the checker reads both branches


@method("version")
def version() -> str:
    """The core's version (the Python package prometheus-web)."""
    return __version__


@method("core.info")
def info() -> CoreInfo:
    """What the engine runs on: core, Python and numpy versions, loaded Pyodide packages, browser."""
    import numpy

    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "numpy": numpy.__version__,
        "packages": _loaded_packages(),
        "user_agent": _user_agent(),
        "heap_bytes": _heap_bytes(),
    }


def _heap_bytes() -> int | None:
    """Size of the WebAssembly memory this interpreter runs in (Python's objects and numpy's
    arrays), None on CPython. It never shrinks, so it is also the heap's peak since start-up."""
    if not IN_BROWSER:
        return None
    import pyodide_js

    return int(pyodide_js._module.HEAP8.length)


def _user_agent() -> str | None:
    """The browser hosting the worker (read through Python's `js` module), None on CPython."""
    if not IN_BROWSER:
        return None
    import js

    return str(js.navigator.userAgent)


def _loaded_packages() -> list[str]:
    """Pyodide packages loaded so far (inside the browser); installed ones don't count on CPython."""
    if not IN_BROWSER:
        return []
    import pyodide_js

    return sorted(pyodide_js.loadedPackages.object_keys())


@method("core.methods")
def list_methods() -> MethodList:
    """Every method of the API with its params, result type and doc, and the named types they
    use (types in TypeScript notation): the same source as docs/rpc.md and prometheus.d.ts."""
    described = []
    named: dict = {}
    for name, entry in public_methods().items():
        sig = signature_of(entry.function)
        params: list[ParamInfo] = []
        for p in sig.params:
            info = ParamInfo(name=p.name, type=type_text(p.type, incoming=True), required=p.required)
            if not p.required:
                info["default"] = p.default
            params.append(info)
            named_types(p.type, named)
        named_types(sig.returns, named)
        described.append(
            MethodInfo(
                name=name,
                doc=sig.doc,
                params=params,
                returns=type_text(sig.returns),
                writes=list(entry.writes),
                packages=list(entry.packages),
                packages_when=(inspect.getdoc(entry.needs) or "").split("\n\n")[0] if entry.needs else "",
            )
        )
    return {"methods": described, "types": [_type_info(n, t) for n, t in sorted(named.items())]}


def _type_info(name: str, tp) -> TypeInfo:
    inner, meta = unwrap(tp)
    alias = next((m for m in meta if isinstance(m, Alias)), None)
    if alias is not None:
        return {"name": name, "type": type_text(inner), "doc": alias.doc}
    fields = [FieldInfo(name=k, type=type_text(h), required=r) for k, h, r in typed_dict_fields(tp)]
    info: TypeInfo = {"name": name, "fields": fields}
    if tp.__doc__:
        info["doc"] = tp.__doc__
    return info


@method("core.echo")
def echo(value: Json = None) -> Json:
    """Returns its argument: checks that JSON values survive the round trip."""
    return value


@method("core.stats")
def stats(values: list[float]) -> Stats:
    """Summary statistics of a list of numbers, computed with numpy.

    Example: {"values": [1, 2, 3.5]}
    """
    import numpy

    if not values:
        raise ValidationError("values must not be empty")
    array = numpy.asarray(values, dtype=numpy.float64)
    return {
        "n": int(array.size),
        "mean": float(array.mean()),
        "std": float(array.std()),
        "min": float(array.min()),
        "max": float(array.max()),
    }

"""A method's annotations read once, as the registry, `core.methods` and the docs need them.

`signature_of(function)` gives the params (name, type, default, required), the result type
and the docstring; `check(value, type, path)` refuses a value that does not fit its
annotation with a message naming the path (`params.cards[3].front must be a string, got
int`); `type_text(type)` writes a type in TypeScript notation, the notation of the page's
developers (docs/rpc.md, web/prometheus.d.ts, `core.methods`). The vocabulary is in
rpc/types.py.
"""

from __future__ import annotations

import functools
import inspect
import json
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, Required, Union, get_args, get_origin

from .types import Alias, AnyJson, TypedArray

_MISSING = inspect.Parameter.empty
_NONE = type(None)


class Mismatch(Exception):
    """A value does not fit its annotation; the message names the path."""


@dataclass(frozen=True)
class Param:
    """One parameter of an RPC function, as its annotation types it."""

    name: str
    type: Any
    default: Any  # inspect.Parameter.empty when required
    required: bool


@dataclass(frozen=True)
class Signature:
    """What a page may send an RPC function and gets back (validation, docs, .d.ts)."""

    params: tuple[Param, ...]
    returns: Any
    doc: str
    annotated: bool  # every param and the result carry an annotation


@functools.cache
def signature_of(function) -> Signature:
    """Params (without the `progress` callback), result type and docstring of `function`."""
    hints = typing.get_type_hints(function, include_extras=True)
    params = []
    annotated = "return" in hints
    for p in inspect.signature(function).parameters.values():
        if p.name == "progress":
            continue
        annotated = annotated and p.name in hints
        params.append(Param(p.name, hints.get(p.name, Any), p.default, p.default is _MISSING))
    doc = inspect.cleandoc(function.__doc__ or "")
    return Signature(tuple(params), hints.get("return", Any), doc, annotated)


# ------------------------------------------------------------------ checking values
_SIMPLE: dict[type, set[type]] = {
    bool: {bool},
    int: {int},
    float: {int, float},
    str: {str},
    _NONE: {_NONE},
    bytes: {bytes},
}
_WORDS = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    _NONE: "null",
    bytes: "bytes (a Uint8Array or ArrayBuffer)",
    list: "a list",
    dict: "an object",
}


def _got(value) -> str:
    return "null" if value is None else type(value).__name__


def unwrap(tp):
    """`tp` without Annotated/Required/NotRequired, and its Annotated metadata."""
    meta: list = []
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            meta.extend(tp.__metadata__)
            tp = tp.__origin__
        elif origin in (Required, NotRequired):
            tp = get_args(tp)[0]
        else:
            return tp, meta


def _members(tp) -> tuple:
    return get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)


def _simple_classes(tp) -> set | None:
    """The Python classes a value of a union of plain scalar types may have, else None."""
    classes: set = set()
    for member in _members(unwrap(tp)[0]):
        member = unwrap(member)[0]
        if member not in _SIMPLE:
            return None
        classes |= _SIMPLE[member]
    return classes


def describe(tp) -> str:
    """`tp` in words, for error messages."""
    tp, meta = unwrap(tp)
    for m in meta:
        if isinstance(m, AnyJson):
            return "a JSON value"
        if isinstance(m, TypedArray):
            return f"a {m.name} (its bytes)"
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(describe(m) for m in get_args(tp))
    if typing.is_typeddict(tp):
        return "an object"
    return _WORDS.get(origin or tp, getattr(tp, "__name__", str(tp)))


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"


@functools.cache
def typed_dict_fields(tp) -> list[tuple[str, Any, bool]]:
    """(key, type, required) of a TypedDict, in declaration order."""
    hints = typing.get_type_hints(tp, include_extras=True)
    fields = []
    for key, hint in hints.items():
        origin = get_origin(hint)
        required = tp.__total__ if origin not in (Required, NotRequired) else origin is Required
        fields.append((key, hint, required))
    return fields


class _Misfit(Exception):
    """What is wrong (`what`) and where below the checked value (`where`, innermost first)."""

    def __init__(self, what: str, where: str | None = None):
        super().__init__(what)
        self.what = what
        self.where = [] if where is None else [where]


def check(value, tp, path: str) -> None:
    """Raise Mismatch naming `path` unless `value` fits annotation `tp`."""
    try:
        _checker(tp)(value)
    except _Misfit as exc:
        raise Mismatch(f"{path}{''.join(reversed(exc.where))} {exc.what}") from None


def _accept(value) -> None:
    return None


@functools.cache
def _checker(tp):
    """A function that raises _Misfit unless its argument fits `tp`, built once per type: a
    call checks 10,000 cards or a million numbers, and paths are spelled only on failure."""
    tp, meta = unwrap(tp)
    for m in meta:
        if isinstance(m, AnyJson):
            return _accept
        if isinstance(m, TypedArray):
            return _typed_array_checker(m)
    if tp is Any or tp is object:
        return _accept
    classes = _simple_classes(tp)
    if classes is not None:
        words = describe(tp)

        def simple(value):
            if type(value) not in classes:
                raise _Misfit(f"must be {words}, got {_got(value)}")

        return simple
    origin = get_origin(tp)
    if tp is list or origin is list:
        return _list_checker(get_args(tp)[0] if get_args(tp) else Any)
    if tp is dict or origin is dict:
        return _dict_checker(get_args(tp)[1] if get_args(tp) else Any)
    if origin is Literal:
        allowed, words = get_args(tp), describe(tp)

        def literal(value):
            if not any(type(value) is type(v) and value == v for v in allowed):
                raise _Misfit(f"must be {words}, got {value!r:.60}")

        return literal
    if origin in (Union, types.UnionType):
        return _union_checker(get_args(tp))
    if typing.is_typeddict(tp):
        return _typed_dict_checker(tp)
    raise TypeError(f"annotation {tp!r} is not in the RPC vocabulary (rpc/types.py)")


def _typed_array_checker(marker: TypedArray):
    size = {"float32": 4, "float64": 8, "int32": 4, "uint8": 1}[marker.dtype]

    def typed_array(value):
        if not isinstance(value, bytes) or len(value) % size:
            got = _got(value) + (f" of {len(value)} bytes" if isinstance(value, bytes) else "")
            raise _Misfit(f"must be a {marker.name} (its bytes) with a multiple of {size} bytes, got {got}")

    return typed_array


def _list_checker(item):
    classes, check_item = _simple_classes(item), _checker(item)

    def a_list(value):
        if not isinstance(value, list):
            raise _Misfit(f"must be a list, got {_got(value)}")
        if classes is not None and set(map(type, value)) <= classes:
            return  # the common bulk case (a column of numbers): one pass at C speed
        for i, v in enumerate(value):
            try:
                check_item(v)
            except _Misfit as exc:
                exc.where.append(f"[{i}]")
                raise

    return a_list


def _dict_checker(item):
    check_item = _checker(item)

    def an_object(value):
        if not isinstance(value, dict):
            raise _Misfit(f"must be an object, got {_got(value)}")
        for k, v in value.items():
            if not isinstance(k, str):
                raise _Misfit(f"keys must be strings, got {_got(k)}")
            try:
                check_item(v)
            except _Misfit as exc:
                exc.where.append(_key_path("", k))
                raise

    return an_object


def _outer_kind(tp):
    tp = unwrap(tp)[0]
    origin = get_origin(tp) or tp
    if typing.is_typeddict(tp):
        return dict
    if origin is Literal:
        return type(get_args(tp)[0])
    return origin


def _union_checker(members):
    checks = [(_checker(m), _outer_kind(m)) for m in members]
    words = " or ".join(describe(m) for m in members)

    def union(value):
        failures = []
        for check_member, kind in checks:
            try:
                check_member(value)
                return
            except _Misfit as exc:
                failures.append((kind, exc))
        for kind, failure in failures:  # the member of the value's own kind says what is wrong inside it
            if isinstance(kind, type) and kind is not _NONE and type(value) is kind:
                raise failure
        raise _Misfit(f"must be {words}, got {_got(value)}")

    return union


def _typed_dict_checker(tp):
    fields = [
        (key, _checker(hint), required, _key_path("", key)) for key, hint, required in typed_dict_fields(tp)
    ]
    known = frozenset(key for key, _, _, _ in fields)
    accepted = ", ".join(sorted(known))

    def typed_dict(value):
        if not isinstance(value, dict):
            raise _Misfit(f"must be an object, got {_got(value)}")
        if not value.keys() <= known:
            unknown = ", ".join(sorted(str(k) for k in value if k not in known))
            raise _Misfit(f"has unknown key(s) {unknown}; accepted: {accepted}")
        for key, check_field, required, where in fields:
            if key in value:
                try:
                    check_field(value[key])
                except _Misfit as exc:
                    exc.where.append(where)
                    raise
            elif required:
                raise _Misfit("is required", where)

    return typed_dict


# ------------------------------------------------------------------ TypeScript notation
def type_text(tp, incoming: bool = False) -> str:
    """`tp` in TypeScript notation; `incoming`: as the page may send it (bytes from any buffer)."""
    tp, meta = unwrap(tp)
    for m in meta:
        if isinstance(m, AnyJson):
            return "JsonValue"
        if isinstance(m, (TypedArray, Alias)):
            return m.name
    origin = get_origin(tp)
    if tp is Any or tp is object:
        return "JsonValue"
    if tp is bytes:
        return "Uint8Array | ArrayBuffer" if incoming else "Uint8Array"
    if tp in (int, float):
        return "number"
    simple = {bool: "boolean", str: "string", _NONE: "null", None: "null"}
    if tp in simple:
        return simple[tp]
    if tp is list or origin is list:
        (item,) = get_args(tp) or (Any,)
        inner = type_text(item, incoming)
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if tp is dict or origin is dict:
        _, item = get_args(tp) or (str, Any)
        return f"Record<string, {type_text(item, incoming)}>"
    if origin is Literal:
        return " | ".join(json.dumps(v) for v in get_args(tp))
    if origin in (Union, types.UnionType):
        return " | ".join(dict.fromkeys(type_text(m, incoming) for m in get_args(tp)))
    if typing.is_typeddict(tp):
        return tp.__name__
    raise TypeError(f"annotation {tp!r} is not in the RPC vocabulary (rpc/types.py)")


def named_types(tp, found: dict | None = None) -> dict[str, Any]:
    """Every TypedDict and Alias `tp` refers to, by name (the docs and .d.ts define each once)."""
    found = {} if found is None else found
    inner, meta = unwrap(tp)
    for m in meta:
        if isinstance(m, Alias) and found.setdefault(m.name, tp) != tp:
            raise TypeError(f"two different types are named {m.name}")
    if any(isinstance(m, (AnyJson, TypedArray)) for m in meta):
        return found
    if typing.is_typeddict(inner):
        if inner.__name__ in found:
            if found[inner.__name__] is not inner:
                raise TypeError(f"two different TypedDicts are named {inner.__name__}")
            return found
        found[inner.__name__] = inner
        for _, hint, _ in typed_dict_fields(inner):
            named_types(hint, found)
        return found
    for arg in get_args(inner):
        if not isinstance(arg, (str, int, float, bool)) and arg is not None:
            named_types(arg, found)
    return found

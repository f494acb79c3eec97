"""Cypher's scalar, list, string and math functions (not aggregates).

Each entry is `name -> (fn(ctx, *args), min_args, max_args)`; a function returns None for a
null argument unless Cypher says otherwise, and raises CypherTypeError on a wrong type.
"""

from __future__ import annotations

import math
import random

from .. import temporal as T
from ..entities import Node, Path, Relationship
from ..errors import RUNTIME, CypherArgumentError, CypherTypeError, EntityNotFound
from ..temporal import Temporal, statement_ns
from .values import is_number, type_name


def type_error(fn, value, expected, detail="InvalidArgumentType"):
    return CypherTypeError(
        f"{fn}() expected {expected} but got {type_name(value)} ({value!r})", detail, RUNTIME
    )


def _check_live(ctx, v):
    store = ctx.store
    if isinstance(v, Node) and not store.has_node(v.id):
        raise EntityNotFound(f"node {v.id} has been deleted", "DeletedEntityAccess", RUNTIME)
    if isinstance(v, Relationship) and not store.has_relationship(v.id):
        raise EntityNotFound(f"relationship {v.id} has been deleted", "DeletedEntityAccess", RUNTIME)


def f_id(ctx, v):
    if v is None:
        return None
    if isinstance(v, (Node, Relationship)):
        return v.id
    raise type_error("id", v, "a node or relationship")


def f_labels(ctx, v):
    if v is None:
        return None
    if isinstance(v, Node):
        _check_live(ctx, v)
        return sorted(ctx.store.node_labels(v.id))
    raise type_error("labels", v, "a node", "InvalidArgumentValue")


def f_type(ctx, v):
    if v is None:
        return None
    if isinstance(v, Relationship):
        return v.type
    raise type_error("type", v, "a relationship", "InvalidArgumentValue")


def f_properties(ctx, v):
    if v is None:
        return None
    if isinstance(v, Node):
        _check_live(ctx, v)
        return dict(ctx.store.node_properties(v.id))
    if isinstance(v, Relationship):
        _check_live(ctx, v)
        return dict(ctx.store.relationship_properties(v.id))
    if isinstance(v, dict):
        return dict(v)
    raise type_error("properties", v, "a node, relationship or map")


def f_keys(ctx, v):
    if v is None:
        return None
    if isinstance(v, Node):
        _check_live(ctx, v)
        return list(ctx.store.node_properties(v.id))
    if isinstance(v, Relationship):
        _check_live(ctx, v)
        return list(ctx.store.relationship_properties(v.id))
    if isinstance(v, dict):
        return list(v)
    raise type_error("keys", v, "a node, relationship or map")


def f_start_node(ctx, v):
    if v is None:
        return None
    if isinstance(v, Relationship):
        return Node(v.start, ctx.store)
    raise type_error("startNode", v, "a relationship")


def f_end_node(ctx, v):
    if v is None:
        return None
    if isinstance(v, Relationship):
        return Node(v.end, ctx.store)
    raise type_error("endNode", v, "a relationship")


def f_length(ctx, v):
    if v is None:
        return None
    if isinstance(v, Path):
        return len(v.relationships)
    raise type_error("length", v, "a path")


def f_size(ctx, v):
    if v is None:
        return None
    if isinstance(v, (list, str)):
        return len(v)
    raise type_error("size", v, "a list or string")


def f_nodes(ctx, v):
    if v is None:
        return None
    if isinstance(v, Path):
        return list(v.nodes)
    raise type_error("nodes", v, "a path")


def f_relationships(ctx, v):
    if v is None:
        return None
    if isinstance(v, Path):
        return list(v.relationships)
    raise type_error("relationships", v, "a path")


def _list_arg(fn, v):
    if not isinstance(v, list):
        raise type_error(fn, v, "a list")
    return v


def f_head(ctx, v):
    if v is None:
        return None
    v = _list_arg("head", v)
    return v[0] if v else None


def f_last(ctx, v):
    if v is None:
        return None
    v = _list_arg("last", v)
    return v[-1] if v else None


def f_tail(ctx, v):
    if v is None:
        return None
    return _list_arg("tail", v)[1:]


def _int_arg(fn, v):
    if isinstance(v, bool) or not isinstance(v, int):
        raise CypherArgumentError(
            f"{fn}() expected an integer but got {type_name(v)} ({v!r})", "InvalidArgumentType", RUNTIME
        )
    return v


def f_range(ctx, start, end, step=1):
    if start is None or end is None or step is None:
        return None
    start, end, step = _int_arg("range", start), _int_arg("range", end), _int_arg("range", step)
    if step == 0:
        raise CypherArgumentError("range() step must not be zero", "NumberOutOfRange", RUNTIME)
    return list(range(start, end + (1 if step > 0 else -1), step))


def f_reverse(ctx, v):
    if v is None:
        return None
    if isinstance(v, str):
        return v[::-1]
    if isinstance(v, list):
        return v[::-1]
    raise type_error("reverse", v, "a list or string")


def f_coalesce(ctx, *args):
    for a in args:
        if a is not None:
            return a
    return None


def _format_float(v: float) -> str:
    if v != v:
        return "NaN"
    if v in (math.inf, -math.inf):
        return "Infinity" if v > 0 else "-Infinity"
    text = repr(v)
    if "e" in text or "E" in text:
        mantissa, exp = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exp)}"
    return text


def to_string(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _format_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, Temporal):
        return str(v)
    return None


def f_to_string(ctx, v):
    if v is None:
        return None
    out = to_string(v)
    if out is None:
        raise type_error("toString", v, "a string, number or boolean", "InvalidArgumentValue")
    return out


def f_to_string_or_null(ctx, v):
    return None if v is None else to_string(v)


def _parse_number(s: str):
    s = s.strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return None


def f_to_integer(ctx, v, strict=True):
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v != v or v in (math.inf, -math.inf):
            return None
        return int(v)
    if isinstance(v, str):
        n = _parse_number(v)
        if n is None or (isinstance(n, float) and (n != n or n in (math.inf, -math.inf))):
            return None
        return int(n)
    if strict:
        raise type_error("toInteger", v, "a string, number or boolean", "InvalidArgumentValue")
    return None


def f_to_float(ctx, v, strict=True):
    if v is None:
        return None
    if isinstance(v, bool):
        if strict:
            raise type_error("toFloat", v, "a string or number", "InvalidArgumentValue")
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        n = _parse_number(v)
        return None if n is None else float(n)
    if strict:
        raise type_error("toFloat", v, "a string or number", "InvalidArgumentValue")
    return None


def f_to_boolean(ctx, v, strict=True):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v.strip().lower()
        return True if s == "true" else False if s == "false" else None
    if isinstance(v, int):
        return v != 0
    if strict:
        raise type_error("toBoolean", v, "a string, integer or boolean", "InvalidArgumentValue")
    return None


def _num(fn, v):
    if not is_number(v):
        raise type_error(fn, v, "a number")
    return v


def _math1(name, op, domain=None):
    def fn(ctx, v):
        if v is None:
            return None
        v = _num(name, v)
        if domain is not None and not domain(v):
            return math.nan
        return float(op(v))

    return fn


def f_abs(ctx, v):
    if v is None:
        return None
    return abs(_num("abs", v))


def f_ceil(ctx, v):
    if v is None:
        return None
    return float(math.ceil(_num("ceil", v)))


def f_floor(ctx, v):
    if v is None:
        return None
    return float(math.floor(_num("floor", v)))


def f_round(ctx, v, precision=None, mode=None):
    if v is None:
        return None
    v = _num("round", v)
    if isinstance(v, float) and (v != v or v in (math.inf, -math.inf)):
        return v
    if precision is None:
        return float(math.floor(v + 0.5))
    factor = 10 ** _int_arg("round", precision)
    return float(math.floor(v * factor + 0.5) / factor)


def f_sign(ctx, v):
    if v is None:
        return None
    v = _num("sign", v)
    return (v > 0) - (v < 0)


def f_sqrt(ctx, v):
    if v is None:
        return None
    v = _num("sqrt", v)
    return math.sqrt(v) if v >= 0 else math.nan


def f_log(ctx, v):
    if v is None:
        return None
    v = _num("log", v)
    return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def f_log10(ctx, v):
    if v is None:
        return None
    v = _num("log10", v)
    return math.log10(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def f_atan2(ctx, y, x):
    if y is None or x is None:
        return None
    return math.atan2(_num("atan2", y), _num("atan2", x))


def f_rand(ctx):
    return random.random()


def _str_arg(fn, v):
    if not isinstance(v, str):
        raise type_error(fn, v, "a string")
    return v


def f_left(ctx, s, n):
    if s is None:
        return None
    if n is None:
        raise CypherArgumentError("left() length must not be null", "InvalidArgumentValue", RUNTIME)
    n = _int_arg("left", n)
    if n < 0:
        raise CypherArgumentError("left() length must not be negative", "NegativeIntegerArgument", RUNTIME)
    return _str_arg("left", s)[:n]


def f_right(ctx, s, n):
    if s is None:
        return None
    if n is None:
        raise CypherArgumentError("right() length must not be null", "InvalidArgumentValue", RUNTIME)
    n = _int_arg("right", n)
    if n < 0:
        raise CypherArgumentError("right() length must not be negative", "NegativeIntegerArgument", RUNTIME)
    s = _str_arg("right", s)
    return s[len(s) - n :] if n else ""


def f_substring(ctx, s, start, length=None):
    if s is None:
        return None
    s = _str_arg("substring", s)
    start = _int_arg("substring", start)
    if start < 0:
        raise CypherArgumentError(
            "substring() start must not be negative", "NegativeIntegerArgument", RUNTIME
        )
    if length is None:
        return s[start:]
    length = _int_arg("substring", length)
    if length < 0:
        raise CypherArgumentError(
            "substring() length must not be negative", "NegativeIntegerArgument", RUNTIME
        )
    return s[start : start + length]


def _str1(name, op):
    def fn(ctx, v):
        if v is None:
            return None
        return op(_str_arg(name, v))

    return fn


def f_replace(ctx, s, search, repl):
    if s is None or search is None or repl is None:
        return None
    return _str_arg("replace", s).replace(_str_arg("replace", search), _str_arg("replace", repl))


def f_split(ctx, s, sep):
    if s is None or sep is None:
        return None
    s, sep = _str_arg("split", s), _str_arg("split", sep)
    if sep == "":
        return list(s)
    return s.split(sep)


def f_timestamp(ctx):
    return statement_ns() // 1_000_000


def f_is_empty(ctx, v):
    if v is None:
        return None
    if isinstance(v, (list, str, dict)):
        return len(v) == 0
    raise type_error("isEmpty", v, "a list, string or map")


def _haversin(v):
    return (1 - math.cos(v)) / 2


FUNCTIONS = {
    "id": (f_id, 1, 1),
    "labels": (f_labels, 1, 1),
    "type": (f_type, 1, 1),
    "properties": (f_properties, 1, 1),
    "keys": (f_keys, 1, 1),
    "startnode": (f_start_node, 1, 1),
    "endnode": (f_end_node, 1, 1),
    "length": (f_length, 1, 1),
    "size": (f_size, 1, 1),
    "nodes": (f_nodes, 1, 1),
    "relationships": (f_relationships, 1, 1),
    "head": (f_head, 1, 1),
    "last": (f_last, 1, 1),
    "tail": (f_tail, 1, 1),
    "range": (f_range, 2, 3),
    "reverse": (f_reverse, 1, 1),
    "coalesce": (f_coalesce, 1, 10**6),
    "tostring": (f_to_string, 1, 1),
    "tostringornull": (f_to_string_or_null, 1, 1),
    "tointeger": (f_to_integer, 1, 1),
    "tointegerornull": (lambda ctx, v: f_to_integer(ctx, v, False), 1, 1),
    "tofloat": (f_to_float, 1, 1),
    "tofloatornull": (lambda ctx, v: f_to_float(ctx, v, False), 1, 1),
    "toboolean": (f_to_boolean, 1, 1),
    "tobooleanornull": (lambda ctx, v: f_to_boolean(ctx, v, False), 1, 1),
    "abs": (f_abs, 1, 1),
    "ceil": (f_ceil, 1, 1),
    "floor": (f_floor, 1, 1),
    "round": (f_round, 1, 3),
    "sign": (f_sign, 1, 1),
    "sqrt": (f_sqrt, 1, 1),
    "exp": (_math1("exp", math.exp), 1, 1),
    "log": (f_log, 1, 1),
    "log10": (f_log10, 1, 1),
    "e": (lambda ctx: math.e, 0, 0),
    "pi": (lambda ctx: math.pi, 0, 0),
    "rand": (f_rand, 0, 0),
    "sin": (_math1("sin", math.sin), 1, 1),
    "cos": (_math1("cos", math.cos), 1, 1),
    "tan": (_math1("tan", math.tan), 1, 1),
    "cot": (_math1("cot", lambda v: 1 / math.tan(v) if v else math.inf), 1, 1),
    "asin": (_math1("asin", math.asin, lambda v: -1 <= v <= 1), 1, 1),
    "acos": (_math1("acos", math.acos, lambda v: -1 <= v <= 1), 1, 1),
    "atan": (_math1("atan", math.atan), 1, 1),
    "atan2": (f_atan2, 2, 2),
    "degrees": (_math1("degrees", math.degrees), 1, 1),
    "radians": (_math1("radians", math.radians), 1, 1),
    "haversin": (_math1("haversin", _haversin), 1, 1),
    "left": (f_left, 2, 2),
    "right": (f_right, 2, 2),
    "substring": (f_substring, 2, 3),
    "trim": (_str1("trim", str.strip), 1, 1),
    "ltrim": (_str1("ltrim", str.lstrip), 1, 1),
    "rtrim": (_str1("rtrim", str.rstrip), 1, 1),
    "toupper": (_str1("toUpper", str.upper), 1, 1),
    "tolower": (_str1("toLower", str.lower), 1, 1),
    "replace": (f_replace, 3, 3),
    "split": (f_split, 2, 2),
    "timestamp": (f_timestamp, 0, 0),
    "isempty": (f_is_empty, 1, 1),
}


def _temporal_functions():
    def maker(build):
        def fn(ctx, arg=_MISSING):
            if arg is _MISSING:
                return build(None)
            if arg is None:
                return None
            return build(arg)

        return fn

    def truncator(kind):
        def fn(ctx, unit, value, fields=None):
            if value is None:
                return None
            return T.truncate(kind, unit, value, fields)

        return fn

    def between(mode):
        def fn(ctx, a, b):
            return T.between(a, b, mode)

        return fn

    def from_epoch(ctx, seconds, nanos=0):
        if seconds is None:
            return None
        return T.make_datetime({"epochSeconds": seconds, "nanosecond": nanos or 0})

    def from_epoch_millis(ctx, millis):
        if millis is None:
            return None
        return T.make_datetime({"epochMillis": millis})

    table = {
        "date": (maker(T.make_date), 0, 1),
        "localtime": (maker(T.make_localtime), 0, 1),
        "time": (maker(T.make_time), 0, 1),
        "localdatetime": (maker(T.make_localdatetime), 0, 1),
        "datetime": (maker(T.make_datetime), 0, 1),
        "duration": (maker(T.make_duration), 1, 1),
        "duration.between": (between("all"), 2, 2),
        "duration.inmonths": (between("months"), 2, 2),
        "duration.indays": (between("days"), 2, 2),
        "duration.inseconds": (between("seconds"), 2, 2),
        "datetime.fromepoch": (from_epoch, 1, 2),
        "datetime.fromepochmillis": (from_epoch_millis, 1, 1),
    }
    for kind, build in (
        ("date", T.make_date),
        ("localtime", T.make_localtime),
        ("time", T.make_time),
        ("localdatetime", T.make_localdatetime),
        ("datetime", T.make_datetime),
    ):
        table[kind + ".truncate"] = (truncator(kind), 2, 3)
        for clock in ("transaction", "statement", "realtime"):
            table[f"{kind}.{clock}"] = (maker(build), 0, 1)
    return table


_MISSING = object()
FUNCTIONS.update(_temporal_functions())

AGGREGATES = {
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "collect",
    "stdev",
    "stdevp",
    "percentilecont",
    "percentiledisc",
}

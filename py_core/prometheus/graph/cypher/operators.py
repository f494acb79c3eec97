"""Cypher's arithmetic and comparison operators on runtime values: null in, null out; 64-bit
integer overflow is an error; durations add to and scale with temporal values."""

from __future__ import annotations

import math

from .. import temporal as T
from ..errors import RUNTIME, CypherArgumentError, CypherTypeError
from .functions import to_string
from .values import compare, equals, is_number, type_name

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _check_int(v):
    if INT_MIN <= v <= INT_MAX:
        return v
    raise CypherArgumentError("integer arithmetic overflow", "IntegerOverflow", RUNTIME)


def _add(a, b):
    if a is None or b is None:
        return None
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _check_int(a + b)
    if ta in (int, float) and tb in (int, float):
        return a + b
    if ta is str and tb is str:
        return a + b
    if ta is list:
        return a + b if tb is list else a + [b]
    if tb is list:
        return [a] + b
    if isinstance(b, T.Duration) and isinstance(a, T.Temporal):
        return T.add_duration(a, b)
    if isinstance(a, T.Duration) and isinstance(b, T.Temporal):
        return T.add_duration(b, a)
    if ta is str and tb in (int, float):
        return a + to_string(b)
    if tb is str and ta in (int, float):
        return to_string(a) + b
    raise CypherTypeError(f"cannot add {type_name(a)} and {type_name(b)}", "InvalidArgumentType", RUNTIME)


def _numbers(op, a, b):
    if not is_number(a) or not is_number(b):
        raise CypherTypeError(
            f"cannot apply {op} to {type_name(a)} and {type_name(b)}", "InvalidArgumentType", RUNTIME
        )


def _sub(a, b):
    if a is None or b is None:
        return None
    if isinstance(b, T.Duration) and isinstance(a, T.Temporal):
        return T.add_duration(a, b, -1)
    _numbers("-", a, b)
    if type(a) is int and type(b) is int:
        return _check_int(a - b)
    return a - b


def _mul(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, T.Duration) and is_number(b):
        return T.scale_duration(a, b)
    if isinstance(b, T.Duration) and is_number(a):
        return T.scale_duration(b, a)
    _numbers("*", a, b)
    if type(a) is int and type(b) is int:
        return _check_int(a * b)
    return a * b


def _div(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, T.Duration) and is_number(b):
        return T.scale_duration(a, b, divide=True)
    _numbers("/", a, b)
    if type(a) is int and type(b) is int:
        if b == 0:
            raise CypherArgumentError("division by zero", "DivisionByZero", RUNTIME)
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1, b)


def _mod(a, b):
    if a is None or b is None:
        return None
    _numbers("%", a, b)
    if type(a) is int and type(b) is int:
        if b == 0:
            raise CypherArgumentError("division by zero", "DivisionByZero", RUNTIME)
        rem = abs(a) % abs(b)
        return rem if a >= 0 else -rem
    if b == 0:
        return math.nan
    return math.fmod(a, b)


def _pow(a, b):
    if a is None or b is None:
        return None
    _numbers("^", a, b)
    try:
        return float(a) ** float(b)
    except (OverflowError, ZeroDivisionError):
        return math.inf
    except ValueError:
        return math.nan


ARITHMETIC = {"+": _add, "-": _sub, "*": _mul, "/": _div, "%": _mod, "^": _pow}


def _lt(a, b):
    c = compare(a, b)
    return None if c is None else (c < 0)


def _le(a, b):
    c = compare(a, b)
    return None if c is None else (c <= 0)


def _gt(a, b):
    c = compare(a, b)
    return None if c is None else (c == 1)


def _ge(a, b):
    c = compare(a, b)
    return None if c is None else (c in (0, 1))


def equal(a, b):
    return equals(a, b)


def not_equal(a, b):
    v = equals(a, b)
    return None if v is None else not v


COMPARISONS = {"=": equal, "<>": not_equal, "<": _lt, "<=": _le, ">": _gt, ">=": _ge}

"""Cypher value semantics: equality (three-valued), comparability, global sort order,
grouping keys, and type names for error messages."""

from __future__ import annotations

import math

from ..entities import Node, Path, Relationship
from ..temporal import Date, DateTime, Duration, LocalDateTime, LocalTime, Temporal, Time

_TEMPORAL_RANK = {DateTime: 0, LocalDateTime: 1, Date: 2, Time: 3, LocalTime: 4, Duration: 5}


def type_name(v) -> str:
    if v is None:
        return "Null"
    if v is True or v is False:
        return "Boolean"
    if isinstance(v, int):
        return "Integer"
    if isinstance(v, float):
        return "Float"
    if isinstance(v, str):
        return "String"
    if isinstance(v, list):
        return "List"
    if isinstance(v, dict):
        return "Map"
    if isinstance(v, Node):
        return "Node"
    if isinstance(v, Relationship):
        return "Relationship"
    if isinstance(v, Path):
        return "Path"
    if isinstance(v, Temporal):
        return v.kind
    return type(v).__name__


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and v is not True and v is not False


_SIMPLE_TYPES = frozenset((int, float, str, bool))


def equals(a, b):
    """Cypher `=`: True, False or None (unknown)."""
    ta = type(a)
    if ta is type(b):
        if ta in _SIMPLE_TYPES:
            return a == b
        if ta is Node or ta is Relationship:
            return a.id == b.id
    if a is None or b is None:
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return a == b
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        result: bool | None = True  # Cypher's three-valued logic
        for x, y in zip(a, b):
            r = equals(x, y)
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return False
        result = True
        for k in a:
            r = equals(a[k], b[k])
            if r is False:
                return False
            if r is None:
                result = None
        return result
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return a == b  # temporal values: same type and same instant/fields


UNORDERED = 2  # compare() result for NaN: every ordering comparison is false


def compare(a, b):
    """Cypher `<`-style comparison: -1/0/1, or None when incomparable or unknown."""
    if a is None or b is None:
        return None
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return (a > b) - (a < b)
        return None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a != a or b != b:
            return UNORDERED
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    if isinstance(a, Temporal) and type(a) is type(b) and not isinstance(a, Duration):
        ka, kb = a._key(), b._key()
        return (ka > kb) - (ka < kb)
    if isinstance(a, list) and isinstance(b, list):
        for x, y in zip(a, b):
            e = equals(x, y)
            if e is True:
                continue
            c = compare(x, y)
            if c is None or c == UNORDERED:
                return None
            if c != 0:
                return c
            if e is None:
                return None
        return (len(a) > len(b)) - (len(a) < len(b))
    return None


# -------------------------------------------------------------- global ordering
_ORDER_RANK = {
    "Map": 0,
    "Node": 1,
    "Relationship": 2,
    "List": 3,
    "Path": 4,
    "String": 5,
    "Boolean": 6,
    "Number": 7,
    "Null": 9,
}


def sort_key(v):
    """A key realising Cypher's ORDER BY total order (ascending)."""
    if v is None:
        return (9,)
    if v is True or v is False:
        return (6, v)
    if isinstance(v, (int, float)):
        if v != v:
            return (8,)  # NaN sorts after every number
        return (7, v)
    if isinstance(v, str):
        return (5, v)
    if isinstance(v, list):
        return (3, tuple(sort_key(x) for x in v))
    if isinstance(v, dict):
        return (0, tuple(sorted((k, sort_key(x)) for k, x in v.items())))
    if isinstance(v, Node):
        return (1, v.id)
    if isinstance(v, Relationship):
        return (2, v.id)
    if isinstance(v, Path):
        return (4, tuple(n.id for n in v.nodes), tuple(r.id for r in v.relationships))
    if isinstance(v, Temporal):
        return (4.5, _TEMPORAL_RANK[type(v)], v._key())
    return (10, repr(v))


class Desc:
    """Wraps a sort key to invert its order."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return other.key < self.key

    def __gt__(self, other):
        return other.key > self.key

    def __eq__(self, other):
        return self.key == other.key

    def __hash__(self):
        return hash(self.key)


def group_key(v):
    """Hashable key under which DISTINCT / grouping treats values as the same
    (null equals null here, 1 equals 1.0)."""
    t = type(v)
    if t is Node:
        return ("N", v.id)
    if t is str:
        return ("s", v)
    if t is int:
        return ("n", v)
    if v is None:
        return None
    if v is True or v is False:
        return ("b", v)
    if isinstance(v, (int, float)):
        if v != v:
            return ("nan",)
        return ("n", v)
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, list):
        return ("l", tuple(group_key(x) for x in v))
    if isinstance(v, dict):
        return ("m", frozenset((k, group_key(x)) for k, x in v.items()))
    if isinstance(v, Node):
        return ("N", v.id)
    if isinstance(v, Relationship):
        return ("R", v.id)
    if isinstance(v, Path):
        return ("P", tuple(n.id for n in v.nodes), tuple(r.id for r in v.relationships))
    if isinstance(v, Temporal):
        return ("T", type(v).__name__, v._key())
    return ("o", id(v))


def is_nan(v):
    return isinstance(v, float) and math.isnan(v)

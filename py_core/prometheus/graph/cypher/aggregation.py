"""Aggregation: groups rows by a projection's non-aggregate items and folds each group's
aggregates (count, collect, sum, avg, min, max, stdev, percentiles), plus the fused
count-of-reached-ends operator."""

from __future__ import annotations

import math
from typing import Any

from ..errors import COMPILE_TIME, RUNTIME, CypherArgumentError, CypherSyntaxError, CypherTypeError
from . import ast as A
from .expressions import AGG
from .patterns import EndSet
from .values import group_key, is_number, sort_key, type_name

# One group: (its key values, its first row, its buckets). A bucket is a list of values, or for a
# DISTINCT aggregate a dict (group key -> value); which one is fixed per slot (Aggregation.fresh).
_Group = tuple[list, dict, list[Any]]


class Aggregation:
    """Groups rows by the projection's non-aggregate items and folds each group's aggregates.
    Which aggregate goes down which path is settled once, at compile time."""

    counts_distinct_of = None  # v when every item is count(DISTINCT v): see CountReached

    def __init__(self, compiled, specs):
        self.compiled = compiled
        self.specs = specs
        self.key_fns = [fn for _, fn, slot in compiled if slot is None]
        self.plain = [
            (i, arg)
            for i, (kind, arg, distinct, extra) in enumerate(specs)
            if kind != "count*" and extra is None and not distinct
        ]
        # DISTINCT aggregates dedupe while collecting: {group key: first value}, nulls skipped
        self.uniq = [
            (i, arg)
            for i, (kind, arg, distinct, extra) in enumerate(specs)
            if kind != "count*" and extra is None and distinct
        ]
        self.paired = [
            (i, arg, extra) for i, (kind, arg, distinct, extra) in enumerate(specs) if extra is not None
        ]
        self.stars = [i for i, spec in enumerate(specs) if spec[0] == "count*"]
        deduped = {i for i, _ in self.uniq}
        self.fresh = [dict if i in deduped else list for i in range(len(specs))]  # a group's empty buckets
        self.finishers = [_finisher(spec, i in deduped) for i, spec in enumerate(specs)]
        # items that need the group's first row to evaluate (an expression over aggregates)
        self.needs_row = any(slot == -1 for _, _, slot in compiled)
        self.names = [name for name, _, _ in compiled]

    def __call__(self, rows, ctx):
        key_fns, plain, uniq, paired, stars = self.key_fns, self.plain, self.uniq, self.paired, self.stars
        fresh = self.fresh
        groups: dict[tuple, _Group] = {}
        g: _Group | None = None
        for row in rows:
            if key_fns:
                key_values = [fn(row, ctx) for fn in key_fns]
                key = tuple(group_key(v) for v in key_values)
                g = groups.get(key)
                if g is None:
                    g = groups[key] = (key_values, row, [make() for make in fresh])
            elif g is None:  # no grouping keys: one group, kept in g
                g = ([], row, [make() for make in fresh])
            buckets = g[2]
            for i in stars:
                buckets[i].append(1)
            for i, arg in plain:
                buckets[i].append(arg(row, ctx))
            for i, arg in uniq:
                v = arg(row, ctx)
                if v is not None:
                    if type(v) is EndSet:  # count(DISTINCT end): every value of it is an EndSet
                        buckets[i].update(dict.fromkeys(v))
                    else:
                        buckets[i].setdefault(group_key(v), v)
            for i, arg, extra in paired:
                buckets[i].append((arg(row, ctx), extra(row, ctx)))
        if not key_fns:  # one result row, even from no input rows
            if g is None:
                g = ([], {}, [make() for make in fresh])
            return [self._result(g[0], g[1], g[2], ctx)]
        return [
            self._result(key_values, first, buckets, ctx) for key_values, first, buckets in groups.values()
        ]

    def _result(self, key_values, first, buckets, ctx):
        agg_values = []  # plain loops: groups are often single, and small comprehensions cost more
        for finish, bucket in zip(self.finishers, buckets):
            agg_values.append(finish(bucket))
        if self.needs_row:
            base = dict(first)
            base[AGG] = agg_values
        result = {}
        k = 0
        for name, fn, slot in self.compiled:
            if slot is None:
                result[name] = key_values[k]
                k += 1
            else:
                result[name] = agg_values[slot] if slot >= 0 else fn(base, ctx)
        return result


class CountReached:
    """A reach-only MATCH followed by `RETURN count(DISTINCT end)` (one or more such items and
    nothing else): the answer is the size of one set of reached ids, so no row per anchor is
    made and the aggregation pipeline is skipped. The page's commonest graph question ("how many
    prerequisites / concepts within k steps") in one operator; any other projection or a WHERE
    or OPTIONAL on the match keeps the general plan."""

    def __init__(self, reach, names):
        self.reach = reach
        self.names = names

    def __call__(self, rows, ctx):
        return [dict.fromkeys(self.names, self.reach.count_ends(rows, ctx))]


def is_count_distinct_var(e):
    return (
        isinstance(e, A.Call)
        and e.name == "count"
        and e.distinct
        and len(e.args) == 1
        and isinstance(e.args[0], A.Var)
    )


def _finisher(spec, deduped):
    """The function that turns one group's bucket for `spec` into the aggregate's value."""
    kind = spec[0]
    if kind == "count*" or (deduped and kind == "count"):
        return len
    return lambda bucket: _finish(spec, bucket, deduped)


def _finish(spec, values, deduped=False):
    """One aggregate's value from what its group collected (with `deduped`, a dict
    {group key: value} of the DISTINCT values, nulls already dropped)."""
    kind, _, distinct, extra = spec
    if deduped:
        if kind == "count":
            return len(values)
        values = list(values.values())
        distinct = False
    if kind == "count*":
        return len(values)
    param = None
    if extra is not None:
        param = values[0][1] if values else None
        values = [v for v, _ in values]
    values = [v for v in values if v is not None]
    if distinct:
        seen = set()
        uniq = []
        for v in values:
            k = group_key(v)
            if k not in seen:
                seen.add(k)
                uniq.append(v)
        values = uniq
    if kind == "count":
        return len(values)
    if kind == "collect":
        return values
    if kind in ("min", "max"):
        if not values:
            return None
        pick = min if kind == "min" else max
        return pick(values, key=_minmax_key)
    for v in values:
        if not is_number(v):
            raise CypherTypeError(
                f"{kind}() needs numbers, got {type_name(v)}", "InvalidArgumentType", RUNTIME
            )
    if kind == "sum":
        if all(type(v) is int for v in values):
            return sum(values)
        return math.fsum(values) if values else 0
    if kind == "avg":
        if not values:
            return None
        return math.fsum(values) / len(values)
    if kind in ("stdev", "stdevp"):
        n = len(values)
        if n < 2:
            return 0.0
        mean = math.fsum(values) / n
        ss = math.fsum((v - mean) ** 2 for v in values)
        return math.sqrt(ss / (n - 1 if kind == "stdev" else n))
    if kind in ("percentilecont", "percentiledisc"):
        if param is None:
            return None
        if not is_number(param) or not 0 <= param <= 1:
            raise CypherArgumentError(
                f"{kind}() percentile must be between 0 and 1, got {param!r}", "NumberOutOfRange", RUNTIME
            )
        if not values:
            return None
        xs = sorted(values)
        n = len(xs)
        if kind == "percentiledisc":
            idx = max(0, math.ceil(param * n) - 1) if param > 0 else 0
            return xs[min(idx, n - 1)]
        pos = param * (n - 1)
        lo = math.floor(pos)
        hi = math.ceil(pos)
        if lo == hi:
            return float(xs[lo])
        return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))
    raise CypherSyntaxError(f"unknown aggregation {kind}", "UnknownFunction", COMPILE_TIME)


def _minmax_key(v):
    # Cypher min/max: numbers compare numerically; across types use the ORDER BY order
    return sort_key(v)

"""Compiles WITH and RETURN: projection, grouping and aggregation, DISTINCT, ORDER BY, SKIP,
LIMIT and WHERE after WITH (a mixin of compiler.QueryCompiler)."""

from __future__ import annotations

from itertools import islice

from ...errors import RUNTIME, CypherSyntaxError
from .. import ast as A
from ..aggregation import Aggregation, is_count_distinct_var
from ..ast import children, walk
from ..expressions import Scope, static_kind
from ..functions import AGGREGATES
from ..values import Desc, group_key, sort_key


class ProjectionClauses:
    """WITH and RETURN, compiled for QueryCompiler."""

    # ------------------------------------------------------- WITH / RETURN
    def k_Projection(self, clause, scope, clauses, i):
        ex = self.ex
        is_return = clause.kind == "RETURN"
        items = []  # (name, expr)
        if clause.star:
            visible = sorted(v for v in scope.vars if not v.startswith(" "))
            if not visible and not clause.items:
                raise self.error(
                    CypherSyntaxError,
                    f"{clause.kind} * is not allowed when there are no variables in scope",
                    "NoVariablesInScope",
                    clause,
                )
            items.extend((v, A.Var(v, pos=clause.pos, text=v)) for v in visible)
        missing_alias = None
        for item in clause.items:
            if isinstance(item.expr, A.PatternPred):
                raise self.error(
                    CypherSyntaxError,
                    "a pattern cannot be projected; use EXISTS or COUNT",
                    "UnexpectedSyntax",
                    item.expr,
                )
            if item.alias is not None:
                name = item.alias
            elif isinstance(item.expr, A.Var):
                name = item.expr.name
            else:
                if not is_return and missing_alias is None:
                    missing_alias = item
                name = item.text
            items.append((name, item.expr))
        names = [n for n, _ in items]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise self.error(
                CypherSyntaxError,
                f"multiple result columns with the same name `{dup}`",
                "ColumnNameConflict",
                clause,
            )
        aggregating = any(ex.contains_aggregate(e) for _, e in items)
        group_texts = {e.text for _, e in items if not ex.contains_aggregate(e)}
        compiled = []  # (name, fn, aggregate slot when the item is one aggregate call, else -1 / None)
        slots = []
        for name, e in items:
            if aggregating and ex.contains_aggregate(e):
                self._check_ambiguous(e, group_texts, scope)
                ex.agg_slots = slots
                before = len(slots)
                try:
                    fn = ex.compile(e, scope)
                finally:
                    ex.agg_slots = None
                whole = isinstance(e, A.CountStar) or (isinstance(e, A.Call) and e.name in AGGREGATES)
                compiled.append((name, fn, before if whole and len(slots) == before + 1 else -1))
            else:
                compiled.append((name, ex.compile(e, scope), None))
        new_scope = Scope()
        for name, e in items:
            new_scope.add(name, static_kind(e, scope))

        # ORDER BY
        order = None
        merged = False
        if clause.order:
            if aggregating or clause.distinct:
                order_scope = new_scope.copy()
                subst = {e.text: n for n, e in items}
                for n, _ in items:
                    subst.setdefault(n, n)
            else:
                order_scope = scope.copy()
                for n in names:
                    order_scope.add(n)
                merged = True
                subst = {e.text: n for n, e in items if not isinstance(e, A.Var) or e.name != n}
            order = []
            allowed = group_texts | set(names)
            for sort in clause.order:
                if aggregating or clause.distinct:
                    for x in _walk_unsubst(sort.expr, subst):
                        if isinstance(x, A.Var) and x.name not in order_scope:
                            raise self.error(
                                CypherSyntaxError, f"variable `{x.name}` not defined", "UndefinedVariable", x
                            )
                if aggregating and ex.contains_aggregate(sort.expr):
                    self._check_ambiguous(sort.expr, allowed, scope)
                    for x in _walk_unsubst(sort.expr, subst):
                        if isinstance(x, A.CountStar) or (isinstance(x, A.Call) and x.name in AGGREGATES):
                            raise self.error(
                                CypherSyntaxError,
                                "aggregation in ORDER BY must also be projected",
                                "InvalidAggregation",
                                x,
                            )
                ex.subst = subst
                try:
                    order.append((ex.compile(sort.expr, order_scope), sort.descending))
                finally:
                    ex.subst = None
        if missing_alias is not None:
            raise self.error(
                CypherSyntaxError,
                "expression in WITH must be aliased (use AS)",
                "NoExpressionAlias",
                missing_alias,
            )
        skip = self._skip_limit(clause.skip, "SKIP")
        limit = self._skip_limit(clause.limit, "LIMIT")
        where = None
        if clause.where is not None:
            self._no_aggregate(clause.where, "WHERE")
            where_scope = new_scope
            if not aggregating and not clause.distinct:
                where_scope = scope.copy()
                for n in names:
                    where_scope.add(n, new_scope.vars[n])
                merged = True
            ex.check_boolean(clause.where, where_scope)
            where = ex.compile(clause.where, where_scope)
        distinct = clause.distinct
        aggregate = Aggregation(compiled, slots) if aggregating else None

        streaming = not (aggregating or distinct or order)

        def pairs_of(rows, ctx):
            for row in rows:
                out_row = {name: fn(row, ctx) for name, fn, _ in compiled}
                if merged:
                    m = dict(row)
                    m.update(out_row)
                    yield out_row, m
                else:
                    yield out_row, out_row

        if aggregating and not (distinct or order or skip or limit or where):
            counted = {e.args[0].name if is_count_distinct_var(e) else None for _, e in items}
            if len(counted) == 1:  # every item is count(DISTINCT v) of one variable v
                aggregate.counts_distinct_of = counted.pop()
            return aggregate, new_scope, (names if is_return else None)

        def project(rows, ctx):
            if streaming:
                pairs = pairs_of(rows, ctx)
                if skip is not None or limit is not None:
                    start = skip(ctx) if skip is not None else 0
                    stop = start + limit(ctx) if limit is not None else None
                    pairs = islice(pairs, start, stop)
                if where is not None:
                    return (p[0] for p in pairs if where(p[1], ctx) is True)
                return (p[0] for p in pairs)
            if aggregating:
                pairs = [(r, r) for r in aggregate(rows, ctx)]
            else:
                pairs = list(pairs_of(rows, ctx))
            if distinct:
                seen = set()
                uniq = []
                for pair in pairs:
                    key = tuple(group_key(pair[0][n]) for n in names)
                    if key not in seen:
                        seen.add(key)
                        uniq.append(pair)
                pairs = uniq
            if order:
                keyed = []
                for pair in pairs:
                    key = []
                    for fn, desc in order:
                        k = sort_key(fn(pair[1], ctx))
                        key.append(Desc(k) if desc else k)
                    keyed.append((key, pair))
                keyed.sort(key=lambda kp: kp[0])
                pairs = [p for _, p in keyed]
            if skip is not None:
                pairs = pairs[skip(ctx) :]
            if limit is not None:
                pairs = pairs[: limit(ctx)]
            if where is not None:
                pairs = [p for p in pairs if where(p[1], ctx) is True]
            return [p[0] for p in pairs]

        return project, new_scope, (names if is_return else None)

    def _check_ambiguous(self, e, group_texts, scope):
        """Outside aggregates, only grouping keys (variables or property reads), constants
        and parameters may appear; bigger expressions do not count even if projected."""

        def ok(x):
            if isinstance(x, A.CountStar) or (isinstance(x, A.Call) and x.name in AGGREGATES):
                return True
            if isinstance(x, (A.Var, A.Prop)) and x.text in group_texts:
                return True
            if isinstance(x, A.Var):
                return False
            if isinstance(x, (A.ListComp, A.Quantifier, A.Reduce)):
                return all(
                    ok(c) for c in (getattr(x, "source", None), getattr(x, "init", None)) if c is not None
                )
            return all(ok(c) for c in children(x))

        if not ok(e):
            raise self.error(
                CypherSyntaxError,
                "expression mixes aggregation with variables that are not grouping keys",
                "AmbiguousAggregationExpression",
                e,
            )

    def _skip_limit(self, expr, what):
        if expr is None:
            return None
        for x in walk(expr):
            if isinstance(x, (A.Var, A.PatternPred)):
                raise self.error(
                    CypherSyntaxError, f"{what} must be a constant expression", "NonConstantExpression", x
                )
        if isinstance(expr, A.Literal) or (isinstance(expr, A.Unary) and isinstance(expr.expr, A.Literal)):
            v = expr.value if isinstance(expr, A.Literal) else None
            if isinstance(expr, A.Literal):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise self.error(
                        CypherSyntaxError, f"{what} needs an integer, got {v!r}", "InvalidArgumentType", expr
                    )
                if v < 0:
                    raise self.error(
                        CypherSyntaxError,
                        f"{what} must not be negative, got {v}",
                        "NegativeIntegerArgument",
                        expr,
                    )
        fn = self.ex.compile(expr, Scope())

        def value(ctx):
            v = fn({}, ctx)
            if isinstance(v, bool) or not isinstance(v, int):
                raise CypherSyntaxError(f"{what} needs an integer, got {v!r}", "InvalidArgumentType", RUNTIME)
            if v < 0:
                raise CypherSyntaxError(
                    f"{what} must not be negative, got {v}", "NegativeIntegerArgument", RUNTIME
                )
            return v

        return value


def _walk_unsubst(e, subst):
    """Sub-expressions of `e`, not descending into those ORDER BY replaces by a column."""
    if e.text in subst and not isinstance(e, A.Literal):
        return
    yield e
    for child in children(e):
        yield from _walk_unsubst(child, subst)

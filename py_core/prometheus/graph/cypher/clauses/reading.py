"""Compiles the reading clauses MATCH and UNWIND (a mixin of compiler.QueryCompiler)."""

from __future__ import annotations

from ...errors import CypherSyntaxError
from .. import ast as A
from ..ast import walk
from ..functions import AGGREGATES
from ..patterns import Matcher, split_identity_tests
from .base import ClauseCompilerBase


class ReadingClauses(ClauseCompilerBase):
    """MATCH and UNWIND, compiled for QueryCompiler."""

    # ----------------------------------------------------------------- MATCH
    def k_Match(self, clause, scope, clauses, i):
        new_scope = scope.copy()
        before = set(new_scope.vars)
        nxt = clauses[i + 1] if i + 1 < len(clauses) else None
        matcher = Matcher(
            self.ex, clause.patterns, new_scope, clause.where, distinct_ends=self._multiplicity_blind(nxt)
        )
        where = rest = None
        tests = ()
        new_vars = [v for v in new_scope.vars if v not in before]
        if clause.where is not None:
            self._no_aggregate(clause.where, "WHERE")
            self.ex.check_boolean(clause.where, new_scope)
            where = self.ex.compile(clause.where, new_scope)  # compiled whole: every check runs
            node_vars = {v for v in new_vars if new_scope.vars[v] == "node"}
            tests, rest = split_identity_tests(clause.where, node_vars)
            if rest is not clause.where:  # the matcher runs the identity tests; compile the rest
                where = None if rest is None else self.ex.compile(rest, new_scope)
        matcher.configure(tests)
        reach = matcher.reach
        if (
            reach is not None
            and self._counts_ends_only(nxt, reach.target_var)
            and _var_uses([rest], reach.target_var) == (0, 0)
        ):
            reach.fan_out = True
        optional = clause.optional
        matches = matcher.reach.rows if matcher.reach is not None else matcher  # one call less per row

        def match(rows, ctx):
            if where is None and not optional:  # nothing to check per row: pass matches straight on
                if type(rows) is list and len(rows) == 1:
                    return matches(rows[0], ctx)
                return (r2 for row in rows for r2 in matches(row, ctx))
            return checked(rows, ctx)

        def checked(rows, ctx):
            for row in rows:
                found = False
                for r2 in matcher(row, ctx):
                    if where is None or where(r2, ctx) is True:
                        yield r2
                        found = True
                if optional and not found:
                    r2 = dict(row)
                    for v in new_vars:
                        r2[v] = None
                    yield r2

        # a fanned-out reach with nothing to check per row: the next clause may count it whole
        fused = matcher.reach is not None and matcher.reach.fan_out and where is None and not optional
        # read back by QueryCompiler.compile_single (getattr); mypy has no type for function attributes
        match.reach = matcher.reach if fused else None  # type: ignore[attr-defined]
        return match, new_scope, None

    def _multiplicity_blind(self, clause):
        """True when `clause` gives the same result whatever the multiplicity of its input rows:
        a DISTINCT projection, or an aggregation whose aggregates all ignore duplicates."""
        if not isinstance(clause, A.Projection) or clause.star:
            return False
        if clause.distinct:
            return True
        aggregates = [
            x
            for item in clause.items
            for x in walk(item.expr)
            if isinstance(x, A.CountStar) or (isinstance(x, A.Call) and x.name in AGGREGATES)
        ]
        if not aggregates:
            return False
        return all(isinstance(x, A.Call) and (x.distinct or x.name in ("min", "max")) for x in aggregates)

    @staticmethod
    def _counts_ends_only(clause, var):
        """True when `clause` uses `var` only as `count(DISTINCT var)`, so the match before it
        may hand over each anchor's end nodes at once (patterns.EndSet)."""
        if not isinstance(clause, A.Projection) or clause.star:
            return False
        exprs = [item.expr for item in clause.items] + [s.expr for s in clause.order or ()]
        uses = _var_uses(exprs + [clause.where, clause.skip, clause.limit], var)
        return uses is not None and uses[1] > 0 and uses[0] == uses[1]

    # ---------------------------------------------------------------- UNWIND
    def k_Unwind(self, clause, scope, clauses, i):
        self._no_aggregate(clause.expr, "UNWIND")
        fn = self.ex.compile(clause.expr, scope)
        if clause.var in scope:
            raise self.error(
                CypherSyntaxError, f"variable `{clause.var}` already declared", "VariableAlreadyBound", clause
            )
        new_scope = scope.copy()
        new_scope.add(clause.var)
        var = clause.var

        def unwind(rows, ctx):
            for row in rows:
                v = fn(row, ctx)
                if v is None:
                    continue
                if not isinstance(v, list):
                    v = [v]
                for x in v:
                    r2 = dict(row)
                    r2[var] = x
                    yield r2

        return unwind, new_scope, None


# expressions that can name a variable outside Var nodes (in pattern elements or as a field)
_NAMES_VARS_INSIDE = (
    A.PatternComp,
    A.PatternPred,
    A.ExistsSub,
    A.CountSub,
    A.MapProjection,
    A.ShortestPathExpr,
)


def _var_uses(exprs, var):
    """(uses of `var`, how many of them are `count(DISTINCT var)`) in `exprs` (None entries
    skipped), or None when an expression may name `var` where walk() does not look."""
    uses = counted = 0
    for e in exprs:
        if e is None:
            continue
        for x in walk(e):
            if isinstance(x, _NAMES_VARS_INSIDE):
                return None
            if isinstance(x, A.Var) and x.name == var:
                uses += 1
            elif (
                isinstance(x, A.Call)
                and x.name == "count"
                and x.distinct
                and len(x.args) == 1
                and isinstance(x.args[0], A.Var)
                and x.args[0].name == var
            ):
                counted += 1
    return uses, counted

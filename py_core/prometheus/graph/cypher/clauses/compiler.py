"""The query compiler: a query (or a UNION of queries) to a Plan, one clause after another.

The clause families compile in their own modules, each a mixin of QueryCompiler: reading.py
(MATCH, UNWIND), projection.py (WITH, RETURN), updating.py (CREATE, MERGE, SET, REMOVE, DELETE)
and call.py (CALL). They share `self.ex` (the expression compiler), `self.error` and
`self._no_aggregate`.
"""

from __future__ import annotations

from ...errors import COMPILE_TIME, CypherSyntaxError
from .. import ast as A
from ..aggregation import Aggregation, CountReached
from ..ast import walk
from ..expressions import ExprCompiler, Scope
from ..functions import AGGREGATES
from ..patterns import Matcher
from ..values import group_key
from .call import CallClauses
from .projection import ProjectionClauses
from .reading import ReadingClauses
from .updating import UpdatingClauses


class Plan:
    read_only = False  # set by QueryCompiler.compile: no clause can write (no undo log needed)

    def __init__(self, ops, columns):
        self.ops = ops
        self.columns = columns

    def execute(self, ctx, rows=None):
        """An iterable of result rows; read clauses stream, updating clauses materialise."""
        rows = [{}] if rows is None else rows
        for op in self.ops:
            rows = op(rows, ctx)
        return rows


class QueryCompiler(ReadingClauses, ProjectionClauses, UpdatingClauses, CallClauses):
    def __init__(self, query: str):
        self.query = query
        self.ex = ExprCompiler(query, self._matcher, self._subquery)

    def error(self, cls, message, detail, node=None):
        return cls(message, detail, COMPILE_TIME, query=self.query, position=getattr(node, "pos", None))

    def _matcher(self, parts, scope, where, path_only=False):
        return Matcher(self.ex, parts, scope, where, path_only)

    def _subquery(self, query, scope, count=False):
        plan, _ = self.compile_single(query, scope.copy(), subquery=True)
        if count:
            return lambda r, c: sum(1 for _ in plan.execute(c, [dict(r)]))
        missing = object()

        def exists(r, c):
            return next(iter(plan.execute(c, [dict(r)])), missing) is not missing

        return exists

    # ---------------------------------------------------------------- queries
    def compile(self, tree):
        plan = self._compile(tree)
        queries = tree.queries if isinstance(tree, A.UnionQuery) else [tree]
        # CALL counts as writing: a registered procedure may change the graph
        plan.read_only = not any(isinstance(c, _WRITING_CLAUSES) for q in queries for c in q.clauses)
        return plan

    def _compile(self, tree):
        if isinstance(tree, A.UnionQuery):
            if len(set(tree.all_flags)) > 1:
                raise self.error(
                    CypherSyntaxError,
                    "cannot mix UNION and UNION ALL",
                    "InvalidClauseComposition",
                    tree.queries[1].clauses[0],
                )
            plans = [self.compile_single(q, Scope()) for q in tree.queries]
            columns = plans[0][1]
            for (_, cols), q in zip(plans[1:], tree.queries[1:]):
                if cols != columns:
                    raise self.error(
                        CypherSyntaxError,
                        "all sub-queries in a UNION must have the same column names",
                        "DifferentColumnsInUnion",
                        q.clauses[0],
                    )
            distinct = not tree.all_flags[0]

            def union(rows, ctx):
                out = []
                for plan, _ in plans:
                    out.extend(plan.execute(ctx))
                if distinct:
                    seen = set()
                    uniq = []
                    for row in out:
                        key = tuple(group_key(row[c]) for c in columns)
                        if key not in seen:
                            seen.add(key)
                            uniq.append(row)
                    out = uniq
                return out

            return Plan([union], columns)
        plan, columns = self.compile_single(tree, Scope())
        return plan

    def compile_single(self, query, scope, subquery=False):
        ops = []
        columns = []
        clauses = query.clauses
        for i, clause in enumerate(clauses):
            last = i == len(clauses) - 1
            if subquery and isinstance(clause, (A.Create, A.Merge, A.SetClause, A.Remove, A.Delete)):
                raise self.error(
                    CypherSyntaxError,
                    "an EXISTS subquery cannot update the graph",
                    "InvalidClauseComposition",
                    clause,
                )
            if isinstance(clause, A.Projection) and clause.kind == "RETURN" and not last:
                raise self.error(
                    CypherSyntaxError,
                    "RETURN can only be used at the end of the query",
                    "InvalidClauseComposition",
                    clauses[i + 1],
                )
            method = getattr(self, "k_" + type(clause).__name__)
            op, scope, cols = method(clause, scope, clauses, i)
            if (
                ops
                and getattr(ops[-1], "reach", None) is not None
                and isinstance(op, Aggregation)
                and op.counts_distinct_of == ops[-1].reach.target_var
            ):
                ops[-1] = CountReached(ops[-1].reach, op.names)
            else:
                ops.append(op)
            if cols is not None:
                columns = cols
        end = clauses[-1]
        if not subquery:
            if isinstance(end, (A.Match, A.Unwind)) or (isinstance(end, A.Projection) and end.kind == "WITH"):
                raise self.error(
                    CypherSyntaxError,
                    f"query cannot conclude with {type(end).__name__.upper()}",
                    "InvalidClauseComposition",
                    end,
                )
            if isinstance(end, A.CallClause) and len(clauses) > 1 and end.yields is not None:
                raise self.error(
                    CypherSyntaxError,
                    "query cannot conclude with CALL ... YIELD",
                    "InvalidClauseComposition",
                    end,
                )
        if not (isinstance(end, A.Projection) and end.kind == "RETURN") and not (
            isinstance(end, A.CallClause) and len(clauses) == 1
        ):
            if not subquery:
                columns = []
                ops.append(lambda rows, ctx: [])
        return Plan(ops, columns), columns

    def _no_aggregate(self, expr, where):
        if self.ex.contains_aggregate(expr):
            bad = next(
                x
                for x in walk(expr)
                if isinstance(x, A.CountStar) or (isinstance(x, A.Call) and x.name in AGGREGATES)
            )
            raise self.error(
                CypherSyntaxError, f"aggregation is not allowed in {where}", "InvalidAggregation", bad
            )


_WRITING_CLAUSES = (A.Create, A.Merge, A.SetClause, A.Remove, A.Delete, A.CallClause)

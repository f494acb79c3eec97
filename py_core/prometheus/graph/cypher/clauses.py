"""Compiles a parsed query into a pipeline of clause operators over lists of row dicts.

Each operator is `op(rows, ctx) -> rows`; clauses run eagerly one after the other, which
gives writes Cypher's clause-at-a-time visibility and lets the whole query run inside one
store transaction.
"""

from __future__ import annotations

import math
from itertools import islice

from ..entities import Node, Path, Relationship
from ..errors import (
    COMPILE_TIME,
    RUNTIME,
    ConstraintVerificationFailed,
    CypherArgumentError,
    CypherError,
    CypherSemanticError,
    CypherSyntaxError,
    CypherTypeError,
    ProcedureError,
)
from ..procedures import get_procedure
from . import ast as A
from .expressions import AGG, ExprCompiler, Scope, _children, static_kind, walk
from .functions import AGGREGATES
from .patterns import EndSet, Matcher, split_identity_tests
from .temporal import Temporal
from .values import Desc, group_key, is_number, sort_key, type_name


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


class QueryCompiler:
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
        end_var = matcher.reach.target_var if matcher.reach is not None else None
        if (
            end_var is not None
            and self._counts_ends_only(nxt, end_var)
            and _var_uses([rest], end_var) == (0, 0)
        ):
            matcher.reach.fan_out = True
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
        match.reach = matcher.reach if fused else None
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
            counted = {e.args[0].name if _is_count_distinct_var(e) else None for _, e in items}
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
            return all(ok(c) for c in _children(x))

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

    # ------------------------------------------------------------------ CREATE
    def _creation_plan(self, parts, scope, clause_name, merge=False):
        """Compiles node/relationship creation for CREATE and MERGE."""
        plans = []
        declared = set()
        scope = scope.copy()
        for part in parts:
            elements = part.elements
            node_specs, rel_specs = [], []
            for el in elements:
                if isinstance(el, A.NodePattern):
                    props = self._create_props(el.props, scope)
                    if el.var is not None and (el.var in scope or el.var in declared):
                        kind = scope.vars.get(el.var, "node")
                        if kind not in ("node", "any"):
                            raise self.error(
                                CypherSyntaxError,
                                f"variable `{el.var}` is a {kind}, not a node",
                                "VariableTypeConflict",
                                el,
                            )
                        if el.labels or el.props is not None or len(elements) == 1:
                            raise self.error(
                                CypherSyntaxError,
                                f"variable `{el.var}` already declared",
                                "VariableAlreadyBound",
                                el,
                            )
                        node_specs.append((el.var, None, None, True))
                    else:
                        if el.var is not None:
                            declared.add(el.var)
                            scope.add(el.var, "node")
                        node_specs.append((el.var, tuple(el.labels), props, False))
                else:
                    if el.var is not None and (el.var in scope or el.var in declared):
                        raise self.error(
                            CypherSyntaxError,
                            f"variable `{el.var}` already declared",
                            "VariableAlreadyBound",
                            el,
                        )
                    if isinstance(el.props, A.Param) and merge:
                        raise self.error(
                            CypherSyntaxError,
                            "parameters cannot be used as property maps in MERGE",
                            "InvalidParameterUse",
                            el.props,
                        )
                    if len(el.types) != 1:
                        raise self.error(
                            CypherSyntaxError,
                            f"a relationship in {clause_name} needs exactly one type",
                            "NoSingleRelationshipType",
                            el,
                        )
                    if el.length is not None:
                        raise self.error(
                            CypherSyntaxError,
                            f"variable length relationships cannot be used in {clause_name}",
                            "CreatingVarLength",
                            el,
                        )
                    if el.direction == "both" and not merge:
                        raise self.error(
                            CypherSyntaxError,
                            f"relationships in {clause_name} must be directed",
                            "RequiresDirectedRelationship",
                            el,
                        )
                    if el.var is not None and (el.var in scope or el.var in declared):
                        raise self.error(
                            CypherSyntaxError,
                            f"variable `{el.var}` already declared",
                            "VariableAlreadyBound",
                            el,
                        )
                    if el.var is not None:
                        declared.add(el.var)
                    rel_specs.append((el.var, el.types[0], self._create_props(el.props, scope), el.direction))
            if part.var is not None:
                if part.var in scope or part.var in declared:
                    raise self.error(
                        CypherSyntaxError,
                        f"variable `{part.var}` already declared",
                        "VariableAlreadyBound",
                        part,
                    )
                declared.add(part.var)
            plans.append((part.var, node_specs, rel_specs))
        new_scope = scope.copy()
        for path_var, node_specs, rel_specs in plans:
            for var, *_ in node_specs:
                if var is not None and var not in new_scope:
                    new_scope.add(var, "node")
            for var, *_ in rel_specs:
                if var is not None:
                    new_scope.add(var, "rel")
            if path_var is not None:
                new_scope.add(path_var, "path")
        return plans, new_scope

    def _create_props(self, props, scope):
        if props is None:
            return None
        if isinstance(props, A.Param):
            fn = self.ex.compile(props, scope)
            return lambda r, c: dict(fn(r, c) or {})
        for _, v in props.items:
            self._no_aggregate(v, "CREATE")
        items = [(k, self.ex.compile(v, scope)) for k, v in props.items]
        return lambda r, c: {k: f(r, c) for k, f in items}

    def k_Create(self, clause, scope, clauses, i):
        plans, new_scope = self._creation_plan(clause.patterns, scope, "CREATE")

        def create(rows, ctx):
            rows = list(rows)
            out = []
            for row in rows:
                r2 = dict(row)
                for plan in plans:
                    _create_part(plan, r2, ctx)
                out.append(r2)
            return out

        return create, new_scope, None

    # ------------------------------------------------------------------- MERGE
    def k_Merge(self, clause, scope, clauses, i):
        part = clause.pattern
        plans, new_scope = self._creation_plan([part], scope, "MERGE", merge=True)
        match_scope = scope.copy()
        matcher = Matcher(self.ex, [part], match_scope)
        on_create = [self._set_item(it, new_scope) for it in clause.on_create]
        on_match = [self._set_item(it, new_scope) for it in clause.on_match]

        def merge(rows, ctx):
            rows = list(rows)
            out = []
            for row in rows:
                found = list(matcher(row, ctx))
                if found:
                    for r2 in found:
                        for fn in on_match:
                            fn(r2, ctx)
                        out.append(r2)
                else:
                    r2 = dict(row)
                    _create_part(plans[0], r2, ctx, merge=True)
                    for fn in on_create:
                        fn(r2, ctx)
                    out.append(r2)
            return out

        return merge, new_scope, None

    # --------------------------------------------------------------------- SET
    def _set_item(self, item, scope):
        ex = self.ex
        target = item.target
        if isinstance(item.value, A.PatternPred):
            raise self.error(
                CypherSyntaxError,
                "a pattern cannot be assigned; use EXISTS or COUNT",
                "UnexpectedSyntax",
                item.value,
            )
        if item.kind == "prop":
            obj = ex.compile(target.expr, scope)
            key = target.key
            self._no_aggregate(item.value, "SET")
            value = ex.compile(item.value, scope)

            def set_prop(r, c):
                entity = obj(r, c)
                v = value(r, c)
                if entity is None:
                    return
                _set_property(c, entity, key, v)

            return set_prop
        if item.kind in ("replace", "merge"):
            obj = ex.compile(target, scope)
            value = ex.compile(item.value, scope)
            replace = item.kind == "replace"

            def set_map(r, c):
                entity = obj(r, c)
                v = value(r, c)
                if entity is None:
                    return
                if isinstance(v, (Node, Relationship)):
                    v = dict(_props_of(c, v))
                if v is None:
                    v = {}
                if not isinstance(v, dict):
                    raise CypherTypeError(
                        f"SET needs a map, got {type_name(v)}", "InvalidArgumentType", RUNTIME
                    )
                if not isinstance(entity, (Node, Relationship)):
                    raise CypherTypeError(
                        f"cannot SET properties on {type_name(entity)}", "InvalidArgumentType", RUNTIME
                    )
                if replace:
                    for k in list(_props_of(c, entity)):
                        if k not in v or v[k] is None:
                            _set_property(c, entity, k, None)
                for k, x in v.items():
                    _set_property(c, entity, k, x)

            return set_map
        # labels
        obj = ex.compile(target, scope)
        labels = list(item.value)

        def set_labels(r, c):
            entity = obj(r, c)
            if entity is None:
                return
            if not isinstance(entity, Node):
                raise CypherTypeError(
                    f"cannot set labels on {type_name(entity)}", "InvalidArgumentType", RUNTIME
                )
            for label in labels:
                if c.store.add_label(entity.id, label):
                    c.counters["labels_added"] += 1

        return set_labels

    def k_SetClause(self, clause, scope, clauses, i):
        return _apply_each([self._set_item(it, scope) for it in clause.items]), scope, None

    def k_Remove(self, clause, scope, clauses, i):
        fns = []
        for item in clause.items:
            if item.kind == "prop":
                obj = self.ex.compile(item.target.expr, scope)
                key = item.target.key

                def rm(r, c, obj=obj, key=key):
                    entity = obj(r, c)
                    if entity is None:
                        return
                    _set_property(c, entity, key, None)
            else:
                obj = self.ex.compile(item.target, scope)
                labels = list(item.value)

                def rm(r, c, obj=obj, labels=labels):
                    entity = obj(r, c)
                    if entity is None:
                        return
                    for label in labels:
                        if c.store.remove_label(entity.id, label):
                            c.counters["labels_removed"] += 1

            fns.append(rm)
        return _apply_each(fns), scope, None

    # ------------------------------------------------------------------ DELETE
    def k_Delete(self, clause, scope, clauses, i):
        fns = []
        for e in clause.exprs:
            if isinstance(e, (A.Literal, A.Binary, A.MapLit, A.HasLabels)) and not isinstance(e, A.Index):
                raise self.error(
                    CypherSyntaxError, "DELETE needs a node, relationship or path", "InvalidDelete", e
                )
            self._no_aggregate(e, "DELETE")
            fns.append(self.ex.compile(e, scope))
        detach = clause.detach

        def delete(rows, ctx):
            rows = list(rows)
            pending = []
            store = ctx.store
            for row in rows:
                for fn in fns:
                    v = fn(row, ctx)
                    _delete_value(ctx, v, detach, pending)
            for nid in pending:
                if not store.has_node(nid):
                    continue
                rec = store._nodes[nid]
                if rec.out or rec.inc:
                    raise ConstraintVerificationFailed(
                        f"cannot delete node {nid} because it still has relationships; use DETACH DELETE",
                        "DeleteConnectedNode",
                        RUNTIME,
                    )
                _delete_node(ctx, nid)
            return rows

        return delete, scope, None

    # -------------------------------------------------------------------- CALL
    def k_CallClause(self, clause, scope, clauses, i):
        proc = get_procedure(clause.name)
        if proc is None:
            raise self.error(
                ProcedureError, f"there is no procedure called `{clause.name}`", "ProcedureNotFound", clause
            )
        standalone = len(clauses) == 1
        if clause.args is None:
            if not standalone:
                raise self.error(
                    CypherSyntaxError,
                    "in-query CALL needs explicit arguments",
                    "InvalidArgumentPassingMode",
                    clause,
                )
            arg_fns = [lambda r, c, name=name: c.params.get(name) for name, _ in proc.inputs]
        else:
            if len(clause.args) != len(proc.inputs):
                raise self.error(
                    CypherSyntaxError,
                    f"procedure {proc.name} takes {len(proc.inputs)} argument(s), got {len(clause.args)}",
                    "InvalidNumberOfArguments",
                    clause,
                )
            for a in clause.args:
                self._no_aggregate(a, "CALL")
            arg_fns = [self.ex.compile(a, scope) for a in clause.args]
        out_names = [n for n, _ in proc.outputs]
        if clause.star and not standalone:
            raise self.error(
                CypherSyntaxError, "YIELD * is only allowed in a standalone CALL", "UnexpectedSyntax", clause
            )
        if clause.yields is None:
            if not standalone and proc.outputs:
                raise self.error(
                    CypherSyntaxError, "in-query CALL must YIELD its columns", "UndefinedVariable", clause
                )
            yields = [(n, n) for n in out_names]
        else:
            yields = []
            for field, alias, pos in clause.yields:
                if field not in out_names:
                    raise CypherSyntaxError(
                        f"procedure {proc.name} has no output `{field}`",
                        "UndefinedVariable",
                        COMPILE_TIME,
                        query=self.query,
                        position=pos,
                    )
                if alias in scope or any(alias == a for _, a in yields):
                    raise CypherSyntaxError(
                        f"variable `{alias}` already declared",
                        "VariableAlreadyBound",
                        COMPILE_TIME,
                        query=self.query,
                        position=pos,
                    )
                yields.append((field, alias))
        new_scope = scope.copy()
        for _, alias in yields:
            new_scope.add(alias)
        where = self.ex.compile(clause.where, new_scope) if clause.where is not None else None
        inputs = proc.inputs

        def call(rows, ctx):
            rows = list(rows)
            out = []
            for row in rows:
                args = [
                    _check_arg(proc.name, name, type_, fn(row, ctx))
                    for (name, type_), fn in zip(inputs, arg_fns)
                ]
                try:
                    produced = list(proc.fn(ctx.store, *args))
                except CypherError:
                    raise
                except (ValueError, TypeError, LookupError) as exc:
                    raise ProcedureError(f"{proc.name}: {exc}", "ProcedureCallFailed", RUNTIME) from exc
                for rec in produced:
                    r2 = dict(row)
                    for field, alias in yields:
                        r2[alias] = _from_python(rec.get(field), ctx)
                    if where is None or where(r2, ctx) is True:
                        out.append(r2)
            return out

        columns = [alias for _, alias in yields] if standalone else None
        return call, new_scope, columns


def _walk_unsubst(e, subst):
    """Sub-expressions of `e`, not descending into those ORDER BY replaces by a column."""
    if e.text in subst and not isinstance(e, A.Literal):
        return
    yield e
    for child in _children(e):
        yield from _walk_unsubst(child, subst)


_WRITING_CLAUSES = (A.Create, A.Merge, A.SetClause, A.Remove, A.Delete, A.CallClause)

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


_TYPE_CHECKS = {
    "INTEGER": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "FLOAT": lambda v: isinstance(v, float),
    "NUMBER": is_number,
    "STRING": lambda v: isinstance(v, str),
    "BOOLEAN": lambda v: isinstance(v, bool),
    "LIST": lambda v: isinstance(v, list),
    "MAP": lambda v: isinstance(v, dict),
    "NODE": lambda v: isinstance(v, Node),
    "RELATIONSHIP": lambda v: isinstance(v, Relationship),
    "PATH": lambda v: isinstance(v, Path),
    "ANY": lambda v: True,
}


def _check_arg(proc, name, type_, value):
    base = type_.rstrip("?")
    if base.startswith("LIST"):
        base = "LIST"
    if value is None:
        return None
    if base == "FLOAT" and is_number(value):
        return float(value)
    if not _TYPE_CHECKS[base](value):
        raise CypherArgumentError(
            f"{proc}: argument `{name}` must be {type_}, got {type_name(value)}",
            "InvalidArgumentType",
            RUNTIME,
        )
    return value


def _from_python(v, ctx):
    if isinstance(v, tuple):
        return [_from_python(x, ctx) for x in v]
    if isinstance(v, list):
        return [_from_python(x, ctx) for x in v]
    if isinstance(v, Node) and v._store is None and ctx.store.has_node(v.id):
        return Node(v.id, ctx.store)
    return v


# ----------------------------------------------------------------- writes
def _props_of(ctx, entity):
    if isinstance(entity, Node):
        return ctx.store.node_properties(entity.id)
    return ctx.store.relationship_properties(entity.id)


def check_property_value(v):
    if v is None or isinstance(v, (bool, int, float, str, Temporal)):
        return v
    if isinstance(v, list):
        for x in v:
            if x is None or isinstance(x, (list, dict, Node, Relationship, Path)):
                raise CypherTypeError(
                    f"property lists can only hold simple values, got {type_name(x)}",
                    "InvalidPropertyType",
                    RUNTIME,
                )
        return list(v)
    raise CypherTypeError(f"{type_name(v)} cannot be stored as a property", "InvalidPropertyType", RUNTIME)


def _set_property(ctx, entity, key, value):
    store = ctx.store
    value = check_property_value(value)
    if isinstance(entity, Node):
        if not store.has_node(entity.id):
            from ..errors import EntityNotFound

            raise EntityNotFound(f"node {entity.id} has been deleted", "DeletedEntityAccess", RUNTIME)
        old = store.node_properties(entity.id).get(key)
        store.set_node_property(entity.id, key, value)
    elif isinstance(entity, Relationship):
        old = store.relationship_properties(entity.id).get(key)
        store.set_relationship_property(entity.id, key, value)
    else:
        raise CypherTypeError(f"cannot set a property on {type_name(entity)}", "InvalidArgumentType", RUNTIME)
    counters = ctx.counters
    if value is not None:
        counters["properties_set"] += 1
    elif old is not None:
        counters["properties_set"] += 1
    if old is None and value is not None:
        counters["+properties"] += 1
    elif old is not None and value is None:
        counters["-properties"] += 1
    elif old is not None and not (type(old) is type(value) and old == value):
        counters["+properties"] += 1
        counters["-properties"] += 1


def _create_part(plan, row, ctx, merge=False):
    path_var, node_specs, rel_specs = plan
    store = ctx.store
    counters = ctx.counters
    ids = []
    for var, labels, props, bound in node_specs:
        if bound or (var is not None and var in row and isinstance(row[var], Node)):
            v = row[var]
            if v is None:
                raise CypherSemanticError(
                    f"cannot create a relationship to null node `{var}`",
                    "CreateOnNull" if not merge else "MergeReadOwnWrites",
                    RUNTIME,
                )
            if not isinstance(v, Node):
                raise CypherTypeError(f"`{var}` is not a node", "InvalidArgumentType", RUNTIME)
            ids.append(v.id)
            continue
        values = {}
        if props is not None:
            for k, x in props(row, ctx).items():
                x = check_property_value(x)
                if x is not None:
                    values[k] = x
                elif merge:
                    raise CypherSemanticError(
                        f"cannot MERGE a node with null property `{k}`", "MergeReadOwnWrites", RUNTIME
                    )
        nid = store.add_node(labels, values)
        counters["nodes_created"] += 1
        counters["labels_added"] += len(labels)
        counters["properties_set"] += len(values)
        counters["+properties"] += len(values)
        if var is not None:
            row[var] = Node(nid, store)
        ids.append(nid)
    rels = []
    for i, (var, type_, props, direction) in enumerate(rel_specs):
        values = {}
        if props is not None:
            for k, x in props(row, ctx).items():
                x = check_property_value(x)
                if x is not None:
                    values[k] = x
                elif merge:
                    raise CypherSemanticError(
                        f"cannot MERGE a relationship with null property `{k}`", "MergeReadOwnWrites", RUNTIME
                    )
        a, b = ids[i], ids[i + 1]
        if direction == "in":
            a, b = b, a
        rid = store.add_relationship(a, type_, b, values)
        counters["relationships_created"] += 1
        counters["properties_set"] += len(values)
        counters["+properties"] += len(values)
        rel = Relationship(rid, type_, a, b, store)
        rels.append(rel)
        if var is not None:
            row[var] = rel
    if path_var is not None:
        row[path_var] = Path([Node(n, store) for n in ids], rels)


def _delete_node(ctx, nid, detach=False):
    store = ctx.store
    rec = store._nodes[nid]
    if detach:
        for adj in (rec.out, rec.inc):
            for bucket in list(adj.values()):
                for rid in list(bucket):
                    if store.has_relationship(rid):
                        _delete_rel(ctx, rid)
    ctx.counters["-properties"] += len(rec.props)
    store.delete_node(nid)
    ctx.counters["nodes_deleted"] += 1


def _delete_rel(ctx, rid):
    store = ctx.store
    ctx.counters["-properties"] += len(store._rels[rid].props)
    store.delete_relationship(rid)
    ctx.counters["relationships_deleted"] += 1


def _delete_value(ctx, v, detach, pending):
    store = ctx.store
    if v is None:
        return
    if isinstance(v, Node):
        if not store.has_node(v.id):
            return
        rec = store._nodes[v.id]
        if detach:
            _delete_node(ctx, v.id, detach=True)
        elif rec.out or rec.inc:
            pending.append(v.id)
        else:
            _delete_node(ctx, v.id)
    elif isinstance(v, Relationship):
        if store.has_relationship(v.id):
            _delete_rel(ctx, v.id)
    elif isinstance(v, Path):
        for r in v.relationships:
            _delete_value(ctx, r, detach, pending)
        for n in v.nodes:
            _delete_value(ctx, n, detach, pending)
    elif isinstance(v, list):
        for x in v:
            _delete_value(ctx, x, detach, pending)
    else:
        raise CypherTypeError(
            f"DELETE needs a node, relationship or path, got {type_name(v)}", "InvalidArgumentType", RUNTIME
        )


def _apply_each(fns):
    """A clause op that runs every update in `fns` on each row (all rows read first: updates
    must not change what the clauses before them still match) and passes the rows on."""

    def apply(rows, ctx):
        rows = list(rows)
        for row in rows:
            for fn in fns:
                fn(row, ctx)
        return rows

    return apply


# --------------------------------------------------------------- aggregation
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
        groups = {}
        g = None
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


def _is_count_distinct_var(e):
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

"""Compiles expression trees into Python closures `fn(row, ctx) -> value`.

Compiling once (and caching plans by query text) keeps per-row overhead to a few calls.
Scope checks that the TCK expects at compile time (undefined variables, misuse of
aggregates, unknown functions) happen here.
"""

from __future__ import annotations

import re

from .. import temporal as T
from ..entities import Node, Relationship
from ..errors import (
    COMPILE_TIME,
    RUNTIME,
    CypherArgumentError,
    CypherSyntaxError,
    CypherTypeError,
    EntityNotFound,
    ParameterMissing,
)
from . import ast as A
from .ast import children, walk
from .functions import AGGREGATES, FUNCTIONS
from .operators import ARITHMETIC, COMPARISONS, equal, not_equal
from .values import equals, is_number, type_name

AGG = "\x00agg"  # row key holding a group's aggregate values


class Scope:
    """Variables visible to an expression, with what kind of value each holds."""

    def __init__(self, vars=None):
        self.vars = dict(vars or {})

    def copy(self):
        return Scope(self.vars)

    def __contains__(self, name):
        return name in self.vars

    def add(self, name, kind="any"):
        self.vars[name] = kind


class ExprCompiler:
    """Holds per-query compile state (query text for carets, aggregate slots)."""

    def __init__(self, query: str, matcher_factory=None, subquery_factory=None):
        self.query = query
        self.matcher_factory = matcher_factory  # (pattern part, scope) -> fn(row, ctx) -> iter rows
        self.subquery_factory = subquery_factory  # (SingleQuery, scope) -> fn(row, ctx) -> bool
        self.agg_slots: list | None = None  # list when compiling an aggregating item
        self.subst: dict[str, str] | None = None  # expression text -> column name (ORDER BY)
        self.in_agg = False

    def error(self, cls, message, detail, node=None):
        return cls(message, detail, COMPILE_TIME, query=self.query, position=getattr(node, "pos", None))

    # ------------------------------------------------------------ analysis
    def contains_aggregate(self, e) -> bool:
        if isinstance(e, A.CountStar):
            return True
        if isinstance(e, A.Call) and e.name in AGGREGATES:
            return True
        if isinstance(e, (A.ExistsSub, A.CountSub)):
            return False
        return any(self.contains_aggregate(x) for x in children(e))

    # --------------------------------------------------------------- compile
    def compile(self, e, scope: Scope):
        if self.subst and e.text and e.text in self.subst and not isinstance(e, A.Literal):
            name = self.subst[e.text]
            return lambda r, c: r[name]
        method = getattr(self, "c_" + type(e).__name__)
        return method(e, scope)

    def c_Literal(self, e, scope):
        v = e.value
        if isinstance(v, list):
            return lambda r, c: list(v)
        return lambda r, c: v

    def c_Param(self, e, scope):
        name = e.name

        def param(r, c):
            try:
                return c.params[name]
            except KeyError:
                raise ParameterMissing(f"expected parameter ${name}", "MissingParameter", RUNTIME) from None

        return param

    def c_Var(self, e, scope):
        name = e.name
        if name not in scope:
            raise self.error(CypherSyntaxError, f"variable `{name}` not defined", "UndefinedVariable", e)
        return lambda r, c: r[name]

    def c_Prop(self, e, scope):
        kind = static_kind(e.expr, scope)
        if kind == "path":
            raise self.error(
                CypherSyntaxError, f"cannot read property {e.key!r} of a path", "InvalidArgumentType", e
            )
        if kind in ("bool", "int", "float", "string", "list"):
            raise self.error(
                CypherTypeError, f"cannot read property {e.key!r} of a {kind}", "InvalidArgumentType", e
            )
        obj = self.compile(e.expr, scope)
        key = e.key

        def prop(r, c):
            v = obj(r, c)
            if v is None:
                return None
            cls = type(v)
            if cls is Node:
                rec = c.store._nodes.get(v.id)
                if rec is None:
                    raise EntityNotFound(f"node {v.id} has been deleted", "DeletedEntityAccess", RUNTIME)
                return rec.props.get(key)
            if cls is Relationship:
                rec = c.store._rels.get(v.id)
                if rec is None:
                    raise EntityNotFound(
                        f"relationship {v.id} has been deleted", "DeletedEntityAccess", RUNTIME
                    )
                return rec.props.get(key)
            if cls is dict:
                return v.get(key)
            if isinstance(v, T.Temporal):
                return T.accessor(v, key)
            raise CypherTypeError(
                f"cannot read property {key!r} of {type_name(v)}", "InvalidArgumentType", RUNTIME
            )

        return prop

    def c_Index(self, e, scope):
        obj = self.compile(e.expr, scope)
        idx = self.compile(e.index, scope)
        if (
            isinstance(e.expr, A.Literal)
            and isinstance(e.expr.value, list)
            and isinstance(e.index, A.Literal)
        ):
            iv = e.index.value
            if iv is not None and (isinstance(iv, bool) or not isinstance(iv, int)):
                raise self.error(
                    CypherSyntaxError, "list index must be an integer", "InvalidArgumentType", e.index
                )

        def index(r, c):
            v = obj(r, c)
            i = idx(r, c)
            if v is None or i is None:
                return None
            if isinstance(v, list):
                if isinstance(i, bool) or not isinstance(i, int):
                    raise CypherTypeError(
                        f"list index must be an integer, got {type_name(i)}",
                        "ListElementAccessByNonInteger",
                        RUNTIME,
                    )
                if -len(v) <= i < len(v):
                    return v[i]
                return None
            if isinstance(v, dict):
                if not isinstance(i, str):
                    raise CypherTypeError(
                        f"map key must be a string, got {type_name(i)}",
                        "MapElementAccessByNonString",
                        RUNTIME,
                    )
                return v.get(i)
            if isinstance(v, Node):
                if not isinstance(i, str):
                    raise CypherTypeError(
                        "property key must be a string", "MapElementAccessByNonString", RUNTIME
                    )
                return c.store.node_properties(v.id).get(i)
            if isinstance(v, Relationship):
                if not isinstance(i, str):
                    raise CypherTypeError(
                        "property key must be a string", "MapElementAccessByNonString", RUNTIME
                    )
                return c.store.relationship_properties(v.id).get(i)
            raise CypherTypeError(f"cannot index into {type_name(v)}", "InvalidArgumentType", RUNTIME)

        return index

    def c_Slice(self, e, scope):
        obj = self.compile(e.expr, scope)
        lo = self.compile(e.start, scope) if e.start is not None else None
        hi = self.compile(e.stop, scope) if e.stop is not None else None

        def sl(r, c):
            v = obj(r, c)
            if v is None:
                return None
            a = lo(r, c) if lo else 0
            b = hi(r, c) if hi else len(v) if isinstance(v, list) else None
            if a is None or b is None:
                return None
            if not isinstance(v, list):
                raise CypherTypeError(f"cannot slice {type_name(v)}", "InvalidArgumentType", RUNTIME)
            return v[a:b]

        return sl

    def c_CountStar(self, e, scope):
        if self.agg_slots is None:
            raise self.error(CypherSyntaxError, "count(*) is not allowed here", "InvalidAggregation", e)
        slot = len(self.agg_slots)
        self.agg_slots.append(("count*", None, False, None))
        return lambda r, c: r[AGG][slot]

    def c_Call(self, e, scope):
        name = e.name
        if name in AGGREGATES:
            if self.agg_slots is None:
                raise self.error(
                    CypherSyntaxError, f"aggregation {name}() is not allowed here", "InvalidAggregation", e
                )
            if self.in_agg:
                raise self.error(CypherSyntaxError, "aggregations cannot be nested", "NestedAggregation", e)
            expected = 2 if name.startswith("percentile") else 1
            if len(e.args) != expected:
                raise self.error(
                    CypherSyntaxError, f"{name}() takes {expected} argument(s)", "InvalidNumberOfArguments", e
                )
            self.in_agg = True
            saved, self.agg_slots = self.agg_slots, None
            try:
                for arg in e.args:
                    if any(isinstance(x, A.Call) and x.name == "rand" for x in walk(arg)):
                        raise self.error(
                            CypherSyntaxError, "rand() cannot be aggregated", "NonConstantExpression", arg
                        )
                    if self.contains_aggregate(arg):
                        raise self.error(
                            CypherSyntaxError, "aggregations cannot be nested", "NestedAggregation", arg
                        )
                args = [self.compile(a, scope) for a in e.args]
            finally:
                self.agg_slots = saved
                self.in_agg = False
            slot = len(self.agg_slots)
            self.agg_slots.append((name, args[0], e.distinct, args[1] if len(args) > 1 else None))
            return lambda r, c: r[AGG][slot]
        if name == "exists":
            if len(e.args) != 1:
                raise self.error(
                    CypherSyntaxError, "exists() takes one argument", "InvalidNumberOfArguments", e
                )
            arg = e.args[0]
            if not isinstance(arg, (A.Prop, A.PatternPred, A.Index)):
                raise self.error(
                    CypherSyntaxError,
                    "exists() needs a property or a pattern",
                    "InvalidArgumentExpression",
                    arg,
                )
            fn = self.compile(arg, scope)
            if isinstance(arg, A.PatternPred):
                return fn
            return lambda r, c: fn(r, c) is not None
        entry = FUNCTIONS.get(name)
        if entry is None:
            raise self.error(CypherSyntaxError, f"unknown function '{e.name}'", "UnknownFunction", e)
        fn, lo, hi = entry
        if not lo <= len(e.args) <= hi:
            raise self.error(
                CypherSyntaxError,
                f"{name}() takes {lo}..{hi} arguments, got {len(e.args)}",
                "InvalidNumberOfArguments",
                e,
            )
        if e.distinct:
            raise self.error(
                CypherSyntaxError, f"DISTINCT is only for aggregations, not {name}()", "InvalidAggregation", e
            )
        self._static_arg_check(name, e, scope)
        for arg in e.args:
            if isinstance(arg, A.PatternPred):
                raise self.error(
                    CypherSyntaxError,
                    f"a pattern cannot be passed to {e.name}(); use COUNT {{ }} or a pattern comprehension",
                    "UnexpectedSyntax",
                    arg,
                )
        args = [self.compile(a, scope) for a in e.args]
        if len(args) == 1:
            a0 = args[0]
            return lambda r, c: fn(c, a0(r, c))
        if len(args) == 0:
            return lambda r, c: fn(c)
        return lambda r, c: fn(c, *[a(r, c) for a in args])

    def _static_arg_check(self, name, e, scope):
        checks = {
            "tointeger": (list, dict),
            "tofloat": (list, dict),
            "toboolean": (list, dict),
            "tostring": (list, dict),
        }
        if name in checks and e.args and isinstance(e.args[0], (A.ListLit, A.MapLit)):
            raise self.error(
                CypherSyntaxError,
                f"{name}() cannot take a {type(e.args[0]).__name__}",
                "InvalidArgumentType",
                e.args[0],
            )
        allowed = _ARG_KINDS.get(name)
        if allowed is not None and e.args:
            arg = e.args[0]
            if name == "size" and isinstance(arg, A.PatternPred):
                raise self.error(
                    CypherSyntaxError,
                    "size() of a pattern is not allowed; use COUNT { }",
                    "UnexpectedSyntax",
                    arg,
                )
            kind = static_kind(arg, scope)
            if kind != "any" and kind not in allowed:
                raise self.error(
                    CypherSyntaxError, f"{name}() cannot take a {kind}", "InvalidArgumentType", arg
                )

    def c_Binary(self, e, scope):
        if e.op in ("-", "*", "/", "%", "^"):
            for side in (e.left, e.right):
                kind = static_kind(side, scope)
                if kind in ("string", "bool", "list", "map", "node", "rel", "path"):
                    raise self.error(
                        CypherSyntaxError, f"cannot apply {e.op} to a {kind}", "InvalidArgumentType", side
                    )
        left = self.compile(e.left, scope)
        right = self.compile(e.right, scope)
        op = ARITHMETIC[e.op]
        return lambda r, c: op(left(r, c), right(r, c))

    def c_Unary(self, e, scope):
        inner = self.compile(e.expr, scope)
        if e.op == "+":

            def plus(r, c):
                v = inner(r, c)
                if v is not None and not is_number(v):
                    raise CypherTypeError(
                        f"cannot apply unary + to {type_name(v)}", "InvalidArgumentType", RUNTIME
                    )
                return v

            return plus

        def neg(r, c):
            v = inner(r, c)
            if v is None:
                return None
            if not is_number(v):
                raise CypherTypeError(f"cannot negate {type_name(v)}", "InvalidArgumentType", RUNTIME)
            return -v

        return neg

    def c_Compare(self, e, scope):
        fns = [self.compile(x, scope) for x in e.operands]
        ops = [COMPARISONS[o] for o in e.ops]
        if len(ops) == 1:
            a, b, op = fns[0], fns[1], ops[0]
            if op is not_equal or op is equal:
                negate = op is not_equal

                def eq(r, c):
                    x, y = a(r, c), b(r, c)
                    t = type(x)
                    if t is type(y) and (t is Node or t is Relationship):
                        return (x.id == y.id) is not negate
                    v = equals(x, y)
                    return v if v is None or not negate else not v

                return eq
            return lambda r, c: op(a(r, c), b(r, c))

        def chain(r, c):
            values = [f(r, c) for f in fns]
            result: bool | None = True  # Cypher's three-valued logic
            for i, op in enumerate(ops):
                v = op(values[i], values[i + 1])
                if v is False:
                    return False
                if v is None:
                    result = None
            return result

        return chain

    def check_boolean(self, e, scope):
        kind = static_kind(e, scope)
        if kind not in ("any", "bool"):
            raise self.error(CypherSyntaxError, f"expected a boolean, got a {kind}", "InvalidArgumentType", e)

    def _bool_operand(self, e, scope):
        if isinstance(e, A.Literal) and e.value is not None and not isinstance(e.value, bool):
            raise self.error(
                CypherSyntaxError, f"expected a boolean, got {type_name(e.value)}", "InvalidArgumentType", e
            )
        if isinstance(e, (A.ListLit, A.MapLit)):
            raise self.error(CypherSyntaxError, "expected a boolean", "InvalidArgumentType", e)
        fn = self.compile(e, scope)

        def check(r, c):
            v = fn(r, c)
            if v is None or v is True or v is False:
                return v
            raise CypherTypeError(f"expected a boolean, got {type_name(v)}", "InvalidArgumentType", RUNTIME)

        return check

    def c_And(self, e, scope):
        a, b = self._bool_operand(e.left, scope), self._bool_operand(e.right, scope)

        def and_(r, c):
            x = a(r, c)
            if x is False:
                y = b(r, c)
                return False
            y = b(r, c)
            if y is False:
                return False
            if x is None or y is None:
                return None
            return True

        return and_

    def c_Or(self, e, scope):
        a, b = self._bool_operand(e.left, scope), self._bool_operand(e.right, scope)

        def or_(r, c):
            x = a(r, c)
            y = b(r, c)
            if x is True or y is True:
                return True
            if x is None or y is None:
                return None
            return False

        return or_

    def c_Xor(self, e, scope):
        a, b = self._bool_operand(e.left, scope), self._bool_operand(e.right, scope)

        def xor(r, c):
            x, y = a(r, c), b(r, c)
            if x is None or y is None:
                return None
            return x != y

        return xor

    def c_Not(self, e, scope):
        a = self._bool_operand(e.expr, scope)

        def not_(r, c):
            x = a(r, c)
            return None if x is None else not x

        return not_

    def c_IsNull(self, e, scope):
        a = self.compile(e.expr, scope)
        if e.negated:
            return lambda r, c: a(r, c) is not None
        return lambda r, c: a(r, c) is None

    def c_In(self, e, scope):
        left = self.compile(e.left, scope)
        right = self.compile(e.right, scope)
        if (
            isinstance(e.right, A.Literal)
            and e.right.value is not None
            and not isinstance(e.right.value, list)
        ):
            raise self.error(
                CypherSyntaxError, "IN needs a list on the right", "InvalidArgumentType", e.right
            )

        def in_(r, c):
            x, xs = left(r, c), right(r, c)
            if xs is None:
                return None
            if not isinstance(xs, list):
                raise CypherTypeError(
                    f"IN expected a list, got {type_name(xs)}", "InvalidArgumentType", RUNTIME
                )
            if x is None:
                return None if xs else False
            result: bool | None = False
            for y in xs:
                v = equals(x, y)
                if v is True:
                    return True
                if v is None:
                    result = None
            return result

        return in_

    def c_StrOp(self, e, scope):
        left = self.compile(e.left, scope)
        right = self.compile(e.right, scope)
        op = e.op
        if op == "=~":
            cache: dict = {}

            def regex(r, c):
                s, p = left(r, c), right(r, c)
                if not isinstance(s, str) or not isinstance(p, str):
                    return None
                pattern = cache.get(p)
                if pattern is None:
                    try:
                        pattern = cache[p] = re.compile(p, re.DOTALL)
                    except re.error as exc:
                        raise CypherArgumentError(
                            f"invalid regular expression {p!r}: {exc}", "InvalidArgumentValue", RUNTIME
                        ) from None
                return pattern.fullmatch(s) is not None

            return regex
        method = {"STARTS WITH": str.startswith, "ENDS WITH": str.endswith, "CONTAINS": str.__contains__}[op]

        def strop(r, c):
            s, t = left(r, c), right(r, c)
            if not isinstance(s, str) or not isinstance(t, str):
                return None
            return method(s, t)

        return strop

    def c_ListLit(self, e, scope):
        items = [self.compile(x, scope) for x in e.items]
        return lambda r, c: [f(r, c) for f in items]

    def c_MapLit(self, e, scope):
        items = [(k, self.compile(x, scope)) for k, x in e.items]
        return lambda r, c: {k: f(r, c) for k, f in items}

    def c_Case(self, e, scope):
        whens = [(self.compile(w, scope), self.compile(t, scope)) for w, t in e.whens]
        default = self.compile(e.default, scope) if e.default is not None else (lambda r, c: None)
        if e.test is not None:
            test = self.compile(e.test, scope)

            def simple(r, c):
                v = test(r, c)
                for w, t in whens:
                    if equals(v, w(r, c)) is True:
                        return t(r, c)
                return default(r, c)

            return simple

        def generic(r, c):
            for w, t in whens:
                if w(r, c) is True:
                    return t(r, c)
            return default(r, c)

        return generic

    def _inner_scope(self, scope, var, source=None):
        inner = scope.copy()
        inner.add(var, _element_kind(source, scope) if source is not None else "any")
        return inner

    def c_ListComp(self, e, scope):
        source = self.compile(e.source, scope)
        inner = self._inner_scope(scope, e.var, e.source)
        where = self.compile(e.where, inner) if e.where is not None else None
        proj = self.compile(e.proj, inner) if e.proj is not None else None
        var = e.var

        def comp(r, c):
            xs = source(r, c)
            if xs is None:
                return None
            if not isinstance(xs, list):
                raise CypherTypeError(f"expected a list, got {type_name(xs)}", "InvalidArgumentType", RUNTIME)
            out = []
            r2 = dict(r)
            for x in xs:
                r2[var] = x
                if where is not None and where(r2, c) is not True:
                    continue
                out.append(proj(r2, c) if proj is not None else x)
            return out

        return comp

    def c_Quantifier(self, e, scope):
        source = self.compile(e.source, scope)
        inner = self._inner_scope(scope, e.var, e.source)
        where = self.compile(e.where, inner) if e.where is not None else (lambda r, c: True)
        var, kind = e.var, e.kind

        def quant(r, c):
            xs = source(r, c)
            if xs is None:
                return None
            if not isinstance(xs, list):
                raise CypherTypeError(f"expected a list, got {type_name(xs)}", "InvalidArgumentType", RUNTIME)
            r2 = dict(r)
            trues = nulls = 0
            for x in xs:
                r2[var] = x
                v = where(r2, c)
                if v is True:
                    trues += 1
                    if kind == "any":
                        return True
                    if kind == "none":
                        return False
                    if kind == "single" and trues > 1:
                        return False
                elif v is None:
                    nulls += 1
                elif kind == "all":
                    return False
            if kind == "all":
                return None if nulls else True
            if kind == "any":
                return None if nulls else False
            if kind == "none":
                return None if nulls else True
            # single
            if nulls:
                return None
            return trues == 1

        return quant

    def c_Reduce(self, e, scope):
        init = self.compile(e.init, scope)
        source = self.compile(e.source, scope)
        inner = scope.copy()
        inner.add(e.acc)
        inner.add(e.var)
        body = self.compile(e.expr, inner)
        acc, var = e.acc, e.var

        def reduce_(r, c):
            xs = source(r, c)
            if xs is None:
                return None
            r2 = dict(r)
            r2[acc] = init(r, c)
            for x in xs:
                r2[var] = x
                r2[acc] = body(r2, c)
            return r2[acc]

        return reduce_

    def c_PatternPred(self, e, scope):
        self._check_pattern_vars(e.pattern, scope)
        matcher = self.matcher_factory([e.pattern], scope, None)

        def exists(r, c):
            for _ in matcher(r, c):
                return True
            return False

        return exists

    def _check_pattern_vars(self, part, scope):
        for el in part.elements:
            if el.var is not None and el.var not in scope:
                raise self.error(
                    CypherSyntaxError,
                    f"variable `{el.var}` not defined (patterns in expressions cannot introduce variables)",
                    "UndefinedVariable",
                    el,
                )

    def c_PatternComp(self, e, scope):
        inner = scope.copy()
        matcher = self.matcher_factory([e.pattern], inner, None)
        where = self.compile(e.where, inner) if e.where is not None else None
        proj = self.compile(e.proj, inner)

        def comp(r, c):
            out = []
            for row in matcher(r, c):
                if where is not None and where(row, c) is not True:
                    continue
                out.append(proj(row, c))
            return out

        return comp

    def c_ExistsSub(self, e, scope):
        if e.query is not None:
            return self.subquery_factory(e.query, scope)
        inner = scope.copy()
        matcher = self.matcher_factory(e.patterns, inner, e.where)
        where = self.compile(e.where, inner) if e.where is not None else None

        def exists(r, c):
            for row in matcher(r, c):
                if where is None or where(row, c) is True:
                    return True
            return False

        return exists

    def c_CountSub(self, e, scope):
        if e.query is not None:
            counter = self.subquery_factory(e.query, scope, count=True)
            return counter
        inner = scope.copy()
        matcher = self.matcher_factory(e.patterns, inner, e.where)
        where = self.compile(e.where, inner) if e.where is not None else None

        def count(r, c):
            n = 0
            for row in matcher(r, c):
                if where is None or where(row, c) is True:
                    n += 1
            return n

        return count

    def c_HasLabels(self, e, scope):
        obj = self.compile(e.expr, scope)
        labels = list(e.labels)

        def has(r, c):
            v = obj(r, c)
            if v is None:
                return None
            if not isinstance(v, Node):
                raise CypherTypeError(
                    f"label check needs a node, got {type_name(v)}", "InvalidArgumentType", RUNTIME
                )
            have = c.store._nodes[v.id].labels
            return all(label in have for label in labels)

        return has

    def c_MapProjection(self, e, scope):
        if e.var not in scope:
            raise self.error(CypherSyntaxError, f"variable `{e.var}` not defined", "UndefinedVariable", e)
        name = e.var
        parts = []
        for item in e.items:
            if item[0] == "expr":
                parts.append(("expr", item[1], self.compile(item[2], scope)))
            elif item[0] == "var":
                if item[1] not in scope:
                    raise self.error(
                        CypherSyntaxError, f"variable `{item[1]}` not defined", "UndefinedVariable", e
                    )
                parts.append(item)
            else:
                parts.append(item)

        def project(r, c):
            v = r[name]
            if v is None:
                return None
            if isinstance(v, Node):
                props = c.store.node_properties(v.id)
            elif isinstance(v, Relationship):
                props = c.store.relationship_properties(v.id)
            elif isinstance(v, dict):
                props = v
            else:
                raise CypherTypeError(
                    f"map projection needs a node, relationship or map, got {type_name(v)}",
                    "InvalidArgumentType",
                    RUNTIME,
                )
            out = {}
            for part in parts:
                kind = part[0]
                if kind == "all":
                    out.update(props)
                elif kind == "prop":
                    out[part[1]] = props.get(part[1])
                elif kind == "var":
                    out[part[1]] = r[part[1]]
                else:
                    out[part[1]] = part[2](r, c)
            return out

        return project

    def c_ShortestPathExpr(self, e, scope):
        matcher = self.matcher_factory([e.part], scope.copy(), None, path_only=True)
        kind = e.part.shortest

        def sp(r, c):
            paths = list(matcher(r, c))
            if kind == "shortest":
                return paths[0] if paths else None
            return paths

        return sp


_LITERAL_KINDS = {bool: "bool", int: "int", float: "float", str: "string", list: "list"}
_ENTITY_KINDS = ("node", "rel", "path")
_VALUE_KINDS = ("bool", "int", "float", "string", "list", "map", "value")


def static_kind(e, scope) -> str:
    """What an expression certainly evaluates to ('any' when unknown), for compile-time checks."""
    if isinstance(e, A.Var):
        return scope.vars.get(e.name, "any")
    if isinstance(e, A.Literal):
        return "any" if e.value is None else _LITERAL_KINDS.get(type(e.value), "value")
    if isinstance(e, (A.ListLit, A.ListComp, A.PatternComp)):
        return "list"
    if isinstance(e, (A.MapLit, A.MapProjection)):
        return "map"
    if isinstance(
        e,
        (
            A.Compare,
            A.And,
            A.Or,
            A.Xor,
            A.Not,
            A.IsNull,
            A.In,
            A.StrOp,
            A.Quantifier,
            A.PatternPred,
            A.ExistsSub,
            A.HasLabels,
        ),
    ):
        return "bool"
    return "any"


def _element_kind(source, scope):
    """The common static kind of a list literal's elements, else 'any'."""
    if isinstance(source, A.ListLit) and source.items:
        kinds = {static_kind(x, scope) for x in source.items}
        if len(kinds) == 1:
            return kinds.pop()
    return "any"


_ARG_KINDS = {
    "labels": ("node",),
    "type": ("rel",),
    "length": ("path",),
    "nodes": ("path",),
    "relationships": ("path",),
    "properties": ("node", "rel", "map"),
    "keys": ("node", "rel", "map"),
    "size": ("list", "string"),
    "startnode": ("rel",),
    "endnode": ("rel",),
}

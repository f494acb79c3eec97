"""Compiles the updating clauses CREATE, MERGE, SET, REMOVE and DELETE (a mixin of
compiler.QueryCompiler); the changes they make to the graph are in ../writes.py."""

from __future__ import annotations

from typing import Any

from ...entities import Node, Relationship
from ...errors import RUNTIME, ConstraintVerificationFailed, CypherSyntaxError, CypherTypeError
from .. import ast as A
from ..patterns import Matcher
from ..values import type_name
from ..writes import apply_each, create_part, delete_node, delete_value, props_of, set_property
from .base import ClauseCompilerBase


class UpdatingClauses(ClauseCompilerBase):
    """CREATE, MERGE, SET, REMOVE and DELETE, compiled for QueryCompiler."""

    # ------------------------------------------------------------------ CREATE
    def _creation_plan(self, parts, scope, clause_name, merge=False):
        """Compiles node/relationship creation for CREATE and MERGE."""
        plans = []
        declared = set()
        scope = scope.copy()
        for part in parts:
            elements = part.elements
            # (var, labels or None when already bound, compiled props, bound?)
            node_specs: list[tuple[str | None, tuple[str, ...] | None, Any, bool]] = []
            rel_specs = []
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
                    create_part(plan, r2, ctx)
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
                    create_part(plans[0], r2, ctx, merge=True)
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
                set_property(c, entity, key, v)

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
                    v = dict(props_of(c, v))
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
                    for k in list(props_of(c, entity)):
                        if k not in v or v[k] is None:
                            set_property(c, entity, k, None)
                for k, x in v.items():
                    set_property(c, entity, k, x)

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
        return apply_each([self._set_item(it, scope) for it in clause.items]), scope, None

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
                    set_property(c, entity, key, None)
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
        return apply_each(fns), scope, None

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
            pending: list[int] = []  # nodes that still had relationships: checked once all rows ran
            store = ctx.store
            for row in rows:
                for fn in fns:
                    v = fn(row, ctx)
                    delete_value(ctx, v, detach, pending)
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
                delete_node(ctx, nid)
            return rows

        return delete, scope, None

"""Compiles CALL of a registered procedure (procedures.py): arguments checked against the
procedure's declared types, YIELD columns, and values converted back from Python (a mixin of
compiler.QueryCompiler)."""

from __future__ import annotations

from ...entities import Node, Path, Relationship
from ...errors import (
    COMPILE_TIME,
    RUNTIME,
    CypherArgumentError,
    CypherError,
    CypherSyntaxError,
    ProcedureError,
)
from ...procedures import get_procedure
from ..values import is_number, type_name


class CallClauses:
    """CALL of a registered procedure, compiled for QueryCompiler."""

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

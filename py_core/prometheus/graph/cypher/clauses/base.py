"""What every clause family shares: the query text, the expression compiler and the compile-time
error helpers. The families (reading, projection, updating, call) are mixins of
compiler.QueryCompiler; deriving them from this base gives each the attributes it uses."""

from __future__ import annotations

from ...errors import COMPILE_TIME, CypherError, CypherSyntaxError
from .. import ast as A
from ..ast import walk
from ..expressions import ExprCompiler
from ..functions import AGGREGATES


class ClauseCompilerBase:
    query: str  # the query text, for error positions
    ex: ExprCompiler  # compiles the expressions inside a clause

    def error(self, cls: type[CypherError], message: str, detail: str, node=None) -> CypherError:
        """A compile-time error of class `cls` at `node`'s position in the query."""
        return cls(message, detail, COMPILE_TIME, query=self.query, position=getattr(node, "pos", None))

    def _no_aggregate(self, expr, where: str) -> None:
        """Raises InvalidAggregation when `expr` (in clause part `where`) holds an aggregate."""
        if self.ex.contains_aggregate(expr):
            bad = next(
                x
                for x in walk(expr)
                if isinstance(x, A.CountStar) or (isinstance(x, A.Call) and x.name in AGGREGATES)
            )
            raise self.error(
                CypherSyntaxError, f"aggregation is not allowed in {where}", "InvalidAggregation", bad
            )

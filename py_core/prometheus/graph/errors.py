"""Query errors, classified the way the openCypher TCK names them.

Every error carries `.tck_type` (e.g. 'SyntaxError'), `.phase` ('compile time' or
'runtime') and `.detail` (the TCK detail code, e.g. 'UndefinedVariable'); syntax errors
also carry `.position` (0-based offset), `.line`, `.column` and a caret line in the message.
"""

from __future__ import annotations

from ..errors import ValidationError

COMPILE_TIME = "compile time"
RUNTIME = "runtime"


class CypherError(ValidationError):
    tck_type = "Error"
    fields = ("tck_type", "phase", "detail", "position", "line", "column")

    def __init__(
        self,
        message: str,
        detail: str | None = None,
        phase: str = COMPILE_TIME,
        query: str | None = None,
        position: int | None = None,
    ):
        self.detail = detail
        self.phase = phase
        self.position = position
        self.line = self.column = None
        if query is not None and position is not None:
            position = max(0, min(position, len(query)))
            self.line = query.count("\n", 0, position) + 1
            line_start = query.rfind("\n", 0, position) + 1
            line_end = query.find("\n", position)
            line_end = len(query) if line_end < 0 else line_end
            self.column = position - line_start + 1
            message = (
                f"{message} (line {self.line}, column {self.column} (offset: {position}))\n"
                f'"{query[line_start:line_end]}"\n {" " * (self.column - 1)}^'
            )
        super().__init__(message)

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, **self.details(), "message": str(self)}


class CypherSyntaxError(CypherError):
    tck_type = "SyntaxError"


class CypherSemanticError(CypherError):
    tck_type = "SemanticError"


class CypherTypeError(CypherError):
    tck_type = "TypeError"


class CypherArgumentError(CypherError):
    tck_type = "ArgumentError"


class EntityNotFound(CypherError):
    tck_type = "EntityNotFound"


class ConstraintVerificationFailed(CypherError):
    tck_type = "ConstraintVerificationFailed"


class ProcedureError(CypherError):
    tck_type = "ProcedureError"


class ParameterMissing(CypherError):
    tck_type = "ParameterMissing"

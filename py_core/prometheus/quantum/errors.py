"""Errors of the qubit simulator; each names what is wrong and where."""

from __future__ import annotations

from ..errors import ValidationError


class QasmError(ValidationError):
    """OpenQASM 2 text that cannot be read; carries the 1-based line and column."""

    fields = ("line", "column", "detail")

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, source: str = "<qasm>"
    ):
        self.line = line
        self.column = column
        self.detail = message
        where = f"{source}:{line}:{column}: " if line is not None else f"{source}: "
        super().__init__(where + message)


class UnsupportedFeature(ValidationError):
    """A valid construct this simulator does not handle; raised instead of a wrong answer."""


class CircuitTooLarge(ValidationError):
    """The state would not fit in the memory this runtime allows."""

    fields = ("max_qubits",)

    def __init__(self, message: str, max_qubits: int):
        self.max_qubits = max_qubits
        super().__init__(message)

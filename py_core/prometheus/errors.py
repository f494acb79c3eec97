"""Exception types shared by every engine.

Each error says what was wrong and where; the RPC layer forwards the class name as the
error `type`, and `details()` (the attributes a class names in `fields`) as the error's own
properties, so names here are part of the public contract with the page.
"""

from __future__ import annotations

from typing import Any


class PrometheusError(Exception):
    """Base of every error the core raises on purpose.

    A subclass that carries facts (a line, a column, an id) stores them as attributes and
    names them in `fields`; `details()` hands exactly those to the page, which sees them as
    properties of the rejected `PrometheusError` (`line` -> `error.line`, `tck_type` ->
    `error.tckType`).
    """

    fields: tuple[str, ...] = ()

    def details(self) -> dict[str, Any]:
        """The error's public facts by name (JSON values: numbers stay numbers)."""
        return {name: getattr(self, name, None) for name in self.fields}


class ValidationError(PrometheusError, ValueError):
    """Input from outside (API call, file, message) failed a check; nothing was changed."""


class UnknownMethod(PrometheusError, LookupError):
    """An RPC request named a method that is not registered."""


class InvalidParams(ValidationError, TypeError):
    """An RPC request's params do not fit the method's signature."""

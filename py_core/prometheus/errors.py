"""Exception types shared by every engine.

Each error says what was wrong and where; the RPC layer forwards the class name as the
error `type`, so names here are part of the public contract with the page.
"""


class PrometheusError(Exception):
    """Base of every error the core raises on purpose."""


class ValidationError(PrometheusError, ValueError):
    """Input from outside (API call, file, message) failed a check; nothing was changed."""


class UnknownMethod(PrometheusError, LookupError):
    """An RPC request named a method that is not registered."""


class InvalidParams(ValidationError, TypeError):
    """An RPC request's params do not fit the method's signature."""

"""Named circuit parameters and the small expressions built from them.

A circuit keeps angles symbolic until it runs, so one circuit serves a whole sweep or an
optimisation loop; gradients need d(angle)/d(parameter), which `derivative` gives exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .errors import ValidationError

_FUNCTIONS = {
    "sin": (math.sin, math.cos),
    "cos": (math.cos, lambda x: -math.sin(x)),
    "tan": (math.tan, lambda x: 1.0 / math.cos(x) ** 2),
    "exp": (math.exp, math.exp),
    "ln": (math.log, lambda x: 1.0 / x),
    "sqrt": (math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    "asin": (math.asin, lambda x: 1.0 / math.sqrt(1 - x * x)),
    "acos": (math.acos, lambda x: -1.0 / math.sqrt(1 - x * x)),
    "atan": (math.atan, lambda x: 1.0 / (1 + x * x)),
}


def _wrap(value) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Constant(float(value))
    raise ValidationError(f"an angle must be a number or a Parameter expression, got {value!r}")


class Expression:
    """An angle that depends on named parameters."""

    def evaluate(self, bindings: Mapping[str, float]) -> float:
        raise NotImplementedError

    def derivative(self, name: str, bindings: Mapping[str, float]) -> float:
        raise NotImplementedError

    @property
    def parameters(self) -> frozenset[str]:
        raise NotImplementedError

    def __add__(self, other):
        return Binary("+", self, _wrap(other))

    def __radd__(self, other):
        return Binary("+", _wrap(other), self)

    def __sub__(self, other):
        return Binary("-", self, _wrap(other))

    def __rsub__(self, other):
        return Binary("-", _wrap(other), self)

    def __mul__(self, other):
        return Binary("*", self, _wrap(other))

    def __rmul__(self, other):
        return Binary("*", _wrap(other), self)

    def __truediv__(self, other):
        return Binary("/", self, _wrap(other))

    def __rtruediv__(self, other):
        return Binary("/", _wrap(other), self)

    def __pow__(self, other):
        return Binary("^", self, _wrap(other))

    def __neg__(self):
        return Binary("*", Constant(-1.0), self)


class Constant(Expression):
    def __init__(self, value: float):
        self.value = float(value)

    def evaluate(self, bindings):
        return self.value

    def derivative(self, name, bindings):
        return 0.0

    parameters = frozenset()

    def __repr__(self):
        return repr(self.value)


class Parameter(Expression):
    """A named angle, bound to a number when the circuit runs."""

    def __init__(self, name: str):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(f"parameter name must be an identifier, got {name!r}")
        self.name = name

    def evaluate(self, bindings):
        try:
            return float(bindings[self.name])
        except KeyError:
            raise ValidationError(f"parameter {self.name!r} is not bound") from None
        except (TypeError, ValueError):
            raise ValidationError(f"parameter {self.name!r} must be bound to a number") from None

    def derivative(self, name, bindings):
        return 1.0 if name == self.name else 0.0

    @property
    def parameters(self):
        return frozenset([self.name])

    def __repr__(self):
        return self.name


class Binary(Expression):
    def __init__(self, op: str, left: Expression, right: Expression):
        self.op, self.left, self.right = op, left, right

    def evaluate(self, b):
        x, y = self.left.evaluate(b), self.right.evaluate(b)
        if self.op == "+":
            return x + y
        if self.op == "-":
            return x - y
        if self.op == "*":
            return x * y
        if self.op == "/":
            if y == 0:
                raise ValidationError(f"division by zero in angle {self!r}")
            return x / y
        return x**y

    def derivative(self, name, b):
        if name not in self.parameters:
            return 0.0
        x, y = self.left.evaluate(b), self.right.evaluate(b)
        dx, dy = self.left.derivative(name, b), self.right.derivative(name, b)
        if self.op == "+":
            return dx + dy
        if self.op == "-":
            return dx - dy
        if self.op == "*":
            return dx * y + x * dy
        if self.op == "/":
            return (dx * y - x * dy) / (y * y)
        result = 0.0
        if dx:
            result += y * x ** (y - 1) * dx
        if dy:
            result += x**y * math.log(x) * dy
        return result

    @property
    def parameters(self):
        return self.left.parameters | self.right.parameters

    def __repr__(self):
        return f"({self.left!r} {self.op} {self.right!r})"


class Function(Expression):
    def __init__(self, name: str, argument: Expression):
        if name not in _FUNCTIONS:
            raise ValidationError(f"unknown function {name!r}")
        self.name, self.argument = name, argument

    def evaluate(self, b):
        x = self.argument.evaluate(b)
        try:
            return _FUNCTIONS[self.name][0](x)
        except (ValueError, OverflowError):
            raise ValidationError(f"{self.name}({x}) is undefined") from None

    def derivative(self, name, b):
        if name not in self.parameters:
            return 0.0
        x = self.argument.evaluate(b)
        return _FUNCTIONS[self.name][1](x) * self.argument.derivative(name, b)

    @property
    def parameters(self):
        return self.argument.parameters

    def __repr__(self):
        return f"{self.name}({self.argument!r})"


def function(name: str, argument) -> Expression:
    """`sin(theta)` etc. for circuits built in Python."""
    return Function(name, _wrap(argument))


def evaluate_angle(value, bindings: Mapping[str, float]) -> float:
    """A gate angle as a float, whatever it was built from."""
    if isinstance(value, Expression):
        result = value.evaluate(bindings)
    else:
        result = float(value)
    if not math.isfinite(result):
        raise ValidationError(f"angle {value!r} evaluates to {result}")
    return result


def angle_parameters(value) -> frozenset[str]:
    return value.parameters if isinstance(value, Expression) else frozenset()

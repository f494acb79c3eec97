"""A quantum circuit as a list of instructions on numbered qubits and classical bits.

Registers are kept only as names over ranges of those numbers, for OpenQASM and for the
bitstrings of `sample`. Gate angles may be numbers or `Parameter` expressions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import ValidationError
from .gates import GATES
from .parameters import Expression, Parameter, _wrap, angle_parameters, evaluate_angle

NON_GATES = ("measure", "reset", "barrier")


@dataclass(frozen=True)
class Condition:
    """Run an instruction only when classical register `register` equals `value`."""

    register: str
    clbits: tuple[int, ...]
    value: int


@dataclass(frozen=True)
class Instruction:
    name: str  # a gate of gates.GATES, or measure / reset / barrier
    qubits: tuple[int, ...]
    params: tuple = ()
    clbits: tuple[int, ...] = ()
    condition: Condition | None = None

    @property
    def is_gate(self) -> bool:
        return self.name not in NON_GATES


@dataclass
class Register:
    name: str
    start: int
    size: int

    def indices(self) -> range:
        return range(self.start, self.start + self.size)


class Circuit:
    """Qubits, classical bits and the instructions acting on them, in order.

    Build one in Python (`c = Circuit(2, 2); c.h(0); c.cx(0, 1); c.measure([0, 1], [0, 1])`)
    or read OpenQASM 2 with `from_qasm`.
    """

    def __init__(self, num_qubits: int = 0, num_clbits: int = 0):
        self.qregs: list[Register] = []
        self.cregs: list[Register] = []
        self.instructions: list[Instruction] = []
        self.num_qubits = 0
        self.num_clbits = 0
        if num_qubits:
            self.add_qreg("q", num_qubits)
        if num_clbits:
            self.add_creg("c", num_clbits)

    # --- registers -------------------------------------------------------------------
    def add_qreg(self, name: str, size: int) -> Register:
        self._check_register(name, size)
        reg = Register(name, self.num_qubits, size)
        self.qregs.append(reg)
        self.num_qubits += size
        return reg

    def add_creg(self, name: str, size: int) -> Register:
        self._check_register(name, size)
        reg = Register(name, self.num_clbits, size)
        self.cregs.append(reg)
        self.num_clbits += size
        return reg

    def _check_register(self, name, size):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(f"register name must be an identifier, got {name!r}")
        if any(r.name == name for r in self.qregs + self.cregs):
            raise ValidationError(f"register {name!r} is already declared")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValidationError(f"register {name!r} needs a positive integer size, got {size!r}")

    def creg(self, name: str) -> Register:
        for reg in self.cregs:
            if reg.name == name:
                return reg
        raise ValidationError(f"no classical register named {name!r}")

    # --- adding instructions ---------------------------------------------------------
    def _qubit(self, q) -> int:
        if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q < self.num_qubits:
            raise ValidationError(f"qubit {q!r} is out of range 0..{self.num_qubits - 1}")
        return q

    def _clbit(self, c) -> int:
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < self.num_clbits:
            raise ValidationError(f"classical bit {c!r} is out of range 0..{self.num_clbits - 1}")
        return c

    def append(
        self,
        name: str,
        qubits: Sequence[int],
        params: Sequence = (),
        condition: tuple[str, int] | Condition | None = None,
    ) -> Circuit:
        """Add gate `name` (any gate of the standard library) on `qubits`."""
        spec = GATES.get(name)
        if spec is None:
            raise ValidationError(f"unknown gate {name!r}")
        qubits = tuple(self._qubit(q) for q in qubits)
        if len(qubits) != spec.num_qubits:
            raise ValidationError(f"gate {name!r} acts on {spec.num_qubits} qubit(s), got {len(qubits)}")
        if len(set(qubits)) != len(qubits):
            raise ValidationError(f"gate {name!r} got the same qubit twice: {qubits}")
        params = tuple(_wrap(p) if isinstance(p, Expression) else _number(p, name) for p in params)
        if len(params) != spec.num_params:
            raise ValidationError(f"gate {name!r} takes {spec.num_params} parameter(s), got {len(params)}")
        self.instructions.append(Instruction(name, qubits, params, (), self._condition(condition)))
        return self

    def _condition(self, condition):
        if condition is None or isinstance(condition, Condition):
            return condition
        register, value = condition
        reg = self.creg(register)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << reg.size):
            raise ValidationError(f"condition value {value!r} does not fit register {register!r}")
        return Condition(register, tuple(reg.indices()), value)

    def measure(self, qubits, clbits, condition=None) -> Circuit:
        qubits, clbits = _as_list(qubits), _as_list(clbits)
        if len(qubits) != len(clbits):
            raise ValidationError("measure needs as many classical bits as qubits")
        cond = self._condition(condition)
        for q, c in zip(qubits, clbits):
            self.instructions.append(Instruction("measure", (self._qubit(q),), (), (self._clbit(c),), cond))
        return self

    def measure_all(self) -> Circuit:
        """Measure every qubit into a new register `meas` (as Qiskit's measure_all)."""
        reg = self.add_creg("meas", self.num_qubits)
        return self.measure(list(range(self.num_qubits)), list(reg.indices()))

    def reset(self, qubits, condition=None) -> Circuit:
        cond = self._condition(condition)
        for q in _as_list(qubits):
            self.instructions.append(Instruction("reset", (self._qubit(q),), (), (), cond))
        return self

    def barrier(self, *qubits) -> Circuit:
        qs = tuple(self._qubit(q) for q in (qubits or range(self.num_qubits)))
        self.instructions.append(Instruction("barrier", qs))
        return self

    def __getattr__(self, name):
        # c.h(0), c.cx(0, 1), c.rz(theta, 0), c.cu3(t, p, l, 0, 1), optional condition=(reg, value)
        spec = GATES.get(name)
        if spec is None or name.startswith("_"):
            raise AttributeError(name)

        def add(*args, condition=None):
            params, qubits = args[: spec.num_params], args[spec.num_params :]
            return self.append(name, qubits, params, condition)

        return add

    # --- queries ---------------------------------------------------------------------
    @property
    def parameters(self) -> frozenset[str]:
        names: set[str] = set()
        for inst in self.instructions:
            for p in inst.params:
                names |= angle_parameters(p)
        return frozenset(names)

    def bind(self, values: dict) -> Circuit:
        """A copy with every named parameter replaced by its number."""
        missing = self.parameters - set(values)
        if missing:
            raise ValidationError(f"parameters not bound: {', '.join(sorted(missing))}")
        out = self.copy_empty()
        for inst in self.instructions:
            params = tuple(evaluate_angle(p, values) for p in inst.params)
            out.instructions.append(Instruction(inst.name, inst.qubits, params, inst.clbits, inst.condition))
        return out

    def copy_empty(self) -> Circuit:
        out = Circuit()
        for r in self.qregs:
            out.add_qreg(r.name, r.size)
        for r in self.cregs:
            out.add_creg(r.name, r.size)
        return out

    def copy(self) -> Circuit:
        out = self.copy_empty()
        out.instructions = list(self.instructions)
        return out

    def count_ops(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for inst in self.instructions:
            counts[inst.name] = counts.get(inst.name, 0) + 1
        return counts

    def to_qasm(self) -> str:
        from .qasm_writer import to_qasm

        return to_qasm(self)

    def draw(self) -> str:
        from .drawing import draw_text

        return draw_text(self)

    def __repr__(self):
        return f"Circuit({self.num_qubits} qubits, {self.num_clbits} clbits, {len(self.instructions)} instructions)"


def _number(value, gate):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            import numpy as np

            if isinstance(value, np.number) and not isinstance(value, np.complexfloating):
                return float(value)
        except ImportError:  # pragma: no cover
            pass
        raise ValidationError(f"gate {gate!r}: angle must be a number or Parameter, got {value!r}")
    return float(value)


def _as_list(x) -> list:
    if isinstance(x, Iterable) and not isinstance(x, (str, bytes)):
        return list(x)
    return [x]


__all__ = ["Circuit", "Instruction", "Condition", "Register", "Parameter"]

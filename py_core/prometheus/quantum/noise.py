"""Noise channels (as Kraus operators) and a noise model that attaches them to gates."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .errors import ValidationError

_PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _probability(p, what):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValidationError(f"{what} must be a probability in [0, 1], got {p!r}")
    return float(p)


class KrausChannel:
    """rho -> sum_k K_k rho K_k^dagger, checked to be trace preserving."""

    def __init__(self, operators, name: str = "kraus"):
        ops = [np.asarray(k, dtype=complex) for k in operators]
        if not ops:
            raise ValidationError("a Kraus channel needs at least one operator")
        dim = ops[0].shape[0]
        if dim < 2 or dim & (dim - 1) or any(k.shape != (dim, dim) for k in ops):
            raise ValidationError("Kraus operators must all be 2^k x 2^k matrices of one size")
        total = sum(k.conj().T @ k for k in ops)
        if not np.allclose(total, np.eye(dim), atol=1e-10):
            raise ValidationError("Kraus operators do not preserve the trace (sum K^dagger K != I)")
        self.operators = ops
        self.num_qubits = dim.bit_length() - 1
        self.name = name

    def __repr__(self):
        return f"KrausChannel({self.name}, {self.num_qubits} qubit(s), {len(self.operators)} ops)"


def bit_flip(p: float) -> KrausChannel:
    p = _probability(p, "bit flip probability")
    return KrausChannel([math.sqrt(1 - p) * _PAULI["I"], math.sqrt(p) * _PAULI["X"]], "bit_flip")


def phase_flip(p: float) -> KrausChannel:
    p = _probability(p, "phase flip probability")
    return KrausChannel([math.sqrt(1 - p) * _PAULI["I"], math.sqrt(p) * _PAULI["Z"]], "phase_flip")


def depolarizing(p: float, num_qubits: int = 1) -> KrausChannel:
    """rho -> (1 - p) rho + p I / 2^n (Qiskit's depolarizing_error(p, n)); p <= 4^n/(4^n-1)."""
    if num_qubits not in (1, 2, 3):
        raise ValidationError("depolarizing noise is supported on 1 to 3 qubits")
    d2 = 4**num_qubits
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= d2 / (d2 - 1):
        raise ValidationError(f"depolarizing parameter must be in [0, {d2}/{d2 - 1}], got {p!r}")
    ops = []
    for labels in itertools.product("IXYZ", repeat=num_qubits):
        m = np.eye(1, dtype=complex)
        for label in labels:  # first letter = highest qubit
            m = np.kron(m, _PAULI[label])
        weight = 1 - p * (d2 - 1) / d2 if set(labels) == {"I"} else p / d2
        if weight > 0:
            ops.append(math.sqrt(weight) * m)
    return KrausChannel(ops, "depolarizing")


def amplitude_damping(gamma: float) -> KrausChannel:
    g = _probability(gamma, "amplitude damping gamma")
    return KrausChannel(
        [
            np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=complex),
            np.array([[0, math.sqrt(g)], [0, 0]], dtype=complex),
        ],
        "amplitude_damping",
    )


def kraus(operators) -> KrausChannel:
    return KrausChannel(operators)


class NoiseModel:
    """Which channel follows which gate, and readout errors per qubit."""

    def __init__(self):
        self.gate_errors: list[tuple[KrausChannel, frozenset | None, frozenset | None]] = []
        self.readout: dict[int | None, np.ndarray] = {}

    def add_gate_error(self, channel: KrausChannel, gates=None, qubits=None) -> NoiseModel:
        """After each gate named in `gates` (default: every gate) acting on `qubits` (default:
        any), apply `channel`: a 1-qubit channel to each qubit of the gate, a k-qubit
        channel to a k-qubit gate's qubits."""
        if not isinstance(channel, KrausChannel):
            raise ValidationError("add_gate_error needs a KrausChannel")
        self.gate_errors.append(
            (channel, frozenset(gates) if gates else None, frozenset(qubits) if qubits is not None else None)
        )
        return self

    def add_readout_error(self, p1_given_0: float, p0_given_1: float, qubits=None) -> NoiseModel:
        """A measured 0 reads 1 with p1_given_0; a measured 1 reads 0 with p0_given_1."""
        a = _probability(p1_given_0, "p1_given_0")
        b = _probability(p0_given_1, "p0_given_1")
        matrix = np.array([[1 - a, b], [a, 1 - b]])  # [read, true]
        for q in qubits if qubits is not None else [None]:
            self.readout[q] = matrix
        return self

    def channels_after(self, name: str, qubits):
        for channel, gates, only in self.gate_errors:
            if gates is not None and name not in gates:
                continue
            if only is not None and not set(qubits) <= only:
                continue
            if channel.num_qubits == 1:
                for q in qubits:
                    yield channel, [q]
            elif channel.num_qubits == len(qubits):
                yield channel, list(qubits)

    def readout_matrix(self, qubit: int):
        return self.readout.get(qubit, self.readout.get(None))

"""Density-matrix simulation with noise, for small circuits (<= 12 qubits).

rho is stored as a vector over 2n bits: the column index in bits 0..n-1 and the row
index in bits n..2n-1, so a gate U on qubit q is U on bit q+n and conj(U) on bit q, and
the statevector kernels do the work. Measurements in the middle act as a non-selective
(dephasing) channel; circuits whose later gates depend on measured bits are refused.
"""

from __future__ import annotations

import numpy as np

from .circuit import Circuit
from .engine import StateEngine
from .errors import UnsupportedFeature, ValidationError
from .noise import NoiseModel
from .parameters import evaluate_angle
from .simulate import bindings_for, check_shots, marginal, outcome_layout, record_outcome

MAX_DENSITY_QUBITS = 12
_P0 = np.array([[1, 0], [0, 0]], dtype=complex)
_P1 = np.array([[0, 0], [0, 1]], dtype=complex)
_RESET = [np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex)]


class DensityEngine:
    def __init__(self, n: int, dtype=np.complex128, memory_limit=None):
        if n > MAX_DENSITY_QUBITS:
            raise ValidationError(
                f"density-matrix simulation is limited to {MAX_DENSITY_QUBITS} qubits; this circuit has {n}"
            )
        self.n = n
        self.engine = StateEngine(2 * n, dtype, memory_limit)

    def gate(self, name, qubits, params):
        n = self.n
        self.engine.apply(name, [q + n for q in qubits], params)
        self.engine.apply(name, list(qubits), params, conjugate=True)

    def kraus(self, operators, qubits):
        """rho -> sum_k K rho K^dagger on `qubits` (one copy of rho per extra operator)."""
        e = self.engine
        rows = [q + self.n for q in qubits]
        e.flush()
        many = len(operators) > 1
        start = e.psi.copy() if many else e.psi  # copied before each operator but the last
        total: np.ndarray | None = None
        for i, k in enumerate(operators):
            if i > 0:
                e.psi = start.copy() if i < len(operators) - 1 else start
            e.apply_matrix(rows, k)
            e.apply_matrix(list(qubits), np.conj(k))
            e.flush()
            if many:
                if total is None:
                    total = e.psi.copy()
                else:
                    total += e.psi
        if total is not None:
            e.psi = total

    def matrix(self) -> np.ndarray:
        d = 1 << self.n
        return self.engine.state().reshape(d, d)

    def diagonal_probabilities(self) -> np.ndarray:
        return np.clip(np.real(np.diagonal(self.matrix())).astype(np.float64), 0, None)


def _run(circuit: Circuit, noise: NoiseModel | None, params, dtype, memory_limit):
    if not isinstance(circuit, Circuit):
        raise ValidationError(f"expected a Circuit, got {type(circuit).__name__}")
    if noise is not None and not isinstance(noise, NoiseModel):
        raise ValidationError("noise must be a NoiseModel")
    bindings = bindings_for(circuit, params)
    body, final, keyfn, width = outcome_layout(circuit)
    if any(inst.condition is not None for inst in body):
        raise UnsupportedFeature(
            "density-matrix simulation does not support classically conditioned gates; use sample()"
        )
    dm = DensityEngine(circuit.num_qubits, dtype, memory_limit)
    for inst in body:
        if inst.name == "barrier":
            continue
        if inst.name == "measure":
            dm.kraus([_P0, _P1], list(inst.qubits))
            continue
        if inst.name == "reset":
            dm.kraus(_RESET, list(inst.qubits))
            continue
        values = [evaluate_angle(p, bindings) for p in inst.params]
        dm.gate(inst.name, inst.qubits, values)
        if noise is not None:
            for channel, qubits in noise.channels_after(inst.name, inst.qubits):
                dm.kraus(channel.operators, qubits)
    return dm, body, final, keyfn, width


def density_matrix(
    circuit: Circuit, noise: NoiseModel | None = None, params=None, dtype=np.complex128, memory_limit=None
) -> np.ndarray:
    """Final density matrix (final measurements ignored), Qiskit's qubit order."""
    dm, *_ = _run(circuit, noise, params, dtype, memory_limit)
    return dm.matrix().copy()


def noisy_distribution(
    circuit: Circuit, noise: NoiseModel | None = None, params=None, dtype=np.complex128, memory_limit=None
) -> dict[str, float]:
    """Probabilities of measurement results, with readout errors (keys as in `sample`)."""
    dm, body, final, keyfn, width = _run(circuit, noise, params, dtype, memory_limit)
    if any(inst.name == "measure" for inst in body):
        raise UnsupportedFeature("noisy_distribution needs all measurements at the end")
    probs = dm.diagonal_probabilities()
    n = circuit.num_qubits
    measured = list(dict.fromkeys(q for q, _ in final))
    dist = marginal(probs, n, measured) if measured else np.ones(1)
    tensor = dist.reshape((2,) * len(measured)) if measured else dist
    if noise is not None:
        for j, q in enumerate(measured):
            m = noise.readout_matrix(q)
            if m is not None:
                axis = len(measured) - 1 - j
                tensor = np.moveaxis(np.tensordot(m, tensor, axes=([1], [axis])), 0, axis)
    dist = tensor.reshape(-1) / tensor.sum()
    result: dict[str, float] = {}
    for outcome in np.nonzero(dist > 1e-15)[0]:
        record_outcome(final, measured, int(outcome), [0] * width, result, float(dist[outcome]), keyfn)
    return dict(sorted(result.items()))


def noisy_sample(
    circuit: Circuit, shots: int, seed=None, noise: NoiseModel | None = None, params=None
) -> dict[str, int]:
    check_shots(shots)
    dist = noisy_distribution(circuit, noise, params)
    keys = list(dist)
    drawn = np.random.default_rng(seed).multinomial(
        shots, np.array([dist[k] for k in keys]) / sum(dist.values())
    )
    return {k: int(c) for k, c in zip(keys, drawn) if c}

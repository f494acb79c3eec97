"""Density-matrix simulation and noise against qiskit-aer's density-matrix method."""

from __future__ import annotations

import numpy as np
import pytest

from prometheus.quantum import Circuit, statevector
from prometheus.quantum.density import density_matrix, noisy_distribution, noisy_sample
from prometheus.quantum.errors import ValidationError
from prometheus.quantum.noise import (
    NoiseModel,
    amplitude_damping,
    bit_flip,
    depolarizing,
    kraus,
    phase_flip,
)
from tests.references import recorded

from .conftest import qiskit_circuit, qiskit_probabilities


def _circuit(n=3, seed=0):
    rng = np.random.default_rng(seed)
    c = Circuit(n)
    for q in range(n):
        c.u(*rng.uniform(0, 6, 3), q)
    c.cx(0, 1)
    c.swap(1, 2)
    c.crz(0.4, 2, 0)
    c.h(1)
    c.rxx(0.3, 0, 2)
    c.t(2)
    c.cx(2, 1)
    return c


def test_noiseless_density_matrix_is_the_pure_state():
    c = _circuit()
    psi = statevector(c)
    np.testing.assert_allclose(density_matrix(c), np.outer(psi, psi.conj()), atol=1e-12)


def _reference_density_matrix(text: str, errors: dict):
    """qiskit.quantum_info evolution, with each gate followed by its qiskit-aer error."""
    from qiskit.quantum_info import DensityMatrix

    qc = qiskit_circuit(text)
    rho = DensityMatrix.from_label("0" * qc.num_qubits)
    for inst in qc.data:
        qargs = [qc.find_bit(q).index for q in inst.qubits]
        rho = rho.evolve(inst.operation, qargs)
        error = errors.get(inst.operation.name)
        if error is not None:
            channel = error.to_quantumchannel()
            if error.num_qubits == len(qargs):
                rho = rho.evolve(channel, qargs)
            else:
                for q in qargs:
                    rho = rho.evolve(channel, [q])
    return rho.data


@recorded("quantum")
def _aer_noisy_density_matrix(text: str):
    """The test's noise model written with qiskit-aer's error objects."""
    from qiskit_aer.noise import amplitude_damping_error, depolarizing_error, pauli_error

    two = depolarizing_error(0.08, 2)
    errors = {
        "u": depolarizing_error(0.05, 1).compose(pauli_error([("X", 0.03), ("I", 0.97)])),
        "h": depolarizing_error(0.05, 1).compose(pauli_error([("Z", 0.02), ("I", 0.98)])),
        "t": depolarizing_error(0.05, 1).compose(amplitude_damping_error(0.1)),
        "cx": two,
        "crz": two,
        "rxx": two,
        "swap": two,
    }
    return _reference_density_matrix(text, errors)


def test_noise_channels_match_qiskit_aer_definitions():
    """Our channels against qiskit-aer's error objects (evolved by qiskit.quantum_info)."""
    c = _circuit()
    ours = NoiseModel()
    ours.add_gate_error(depolarizing(0.05), gates=["u", "h", "t"])
    ours.add_gate_error(bit_flip(0.03), gates=["u"])
    ours.add_gate_error(phase_flip(0.02), gates=["h"])
    ours.add_gate_error(amplitude_damping(0.1), gates=["t"])
    ours.add_gate_error(depolarizing(0.08, 2), gates=["cx", "crz", "rxx", "swap"])
    np.testing.assert_allclose(density_matrix(c, ours), _aer_noisy_density_matrix(c.to_qasm()), atol=1e-10)


def _random_channels(seed: int):
    """A random 1-qubit channel (4 Kraus ops) and a random 2-qubit one (3 ops)."""
    rng = np.random.default_rng(seed)
    # a random channel: columns of a random isometry
    m = np.linalg.qr(rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8)))[0][:, :4]
    ops = [m[2 * i : 2 * i + 2, :2] for i in range(4)]  # 4 ops of 2x2 with sum K^dag K = I
    # 2-qubit channel too
    big = np.linalg.qr(rng.normal(size=(12, 12)) + 1j * rng.normal(size=(12, 12)))[0][:, :4]
    ops2 = [big[4 * i : 4 * i + 4, :] for i in range(3)]
    return ops, ops2


@recorded("quantum")
def _qiskit_kraus_density_matrix(text: str, seed: int):
    from qiskit.quantum_info import DensityMatrix, Kraus

    ops, ops2 = _random_channels(seed)
    ref = DensityMatrix(np.outer(np.eye(8)[0], np.eye(8)[0]))
    qc = qiskit_circuit(text)
    for inst in qc.data:
        qargs = [qc.find_bit(q).index for q in inst.qubits]
        ref = ref.evolve(inst.operation, qargs)
        if inst.operation.name == "h":
            ref = ref.evolve(Kraus(ops), qargs)
        if inst.operation.name == "rxx":
            ref = ref.evolve(Kraus(ops2), qargs)
    return ref.data


def test_general_kraus_matches_qiskit_kraus_evolution():
    ops, ops2 = _random_channels(5)
    c = _circuit()
    model = NoiseModel().add_gate_error(kraus(ops), gates=["h"]).add_gate_error(kraus(ops2), gates=["rxx"])
    np.testing.assert_allclose(
        density_matrix(c, model), _qiskit_kraus_density_matrix(c.to_qasm(), 5), atol=1e-10
    )


def test_readout_error_and_measurement_distribution():
    c = Circuit(2, 2)
    c.h(0)
    c.cx(0, 1)
    c.rx(0.7, 1)
    c.measure([0, 1], [0, 1])
    model = NoiseModel().add_readout_error(0.1, 0.2)
    ours = noisy_distribution(c, model)
    c2 = Circuit(2)
    c2.h(0)
    c2.cx(0, 1)
    c2.rx(0.7, 1)
    p = qiskit_probabilities(c2.to_qasm())  # index bit 0 = qubit 0
    confusion = np.array([[0.9, 0.2], [0.1, 0.8]])
    expected = np.einsum("ai,bj,ji->ba", confusion, confusion, p.reshape(2, 2)).reshape(-1)
    for index, value in enumerate(expected):
        assert ours[format(index, "02b")] == pytest.approx(value, abs=1e-12)
    counts = noisy_sample(c, 1000, seed=3, noise=model)
    assert sum(counts.values()) == 1000


@recorded("quantum")
def _qiskit_reset_reference(tail_text: str):
    """The mixture of |00> and |01> (measured, then reset) evolved by the tail circuit."""
    from qiskit.quantum_info import DensityMatrix

    mix = 0.5 * (DensityMatrix.from_label("00").data + DensityMatrix.from_label("01").data)
    return DensityMatrix(mix).evolve(qiskit_circuit(tail_text)).data


def test_reset_and_mid_circuit_measurement_as_channels():
    c = Circuit(2, 1)
    c.h(0)
    c.cx(0, 1)
    c.measure(0, 0)
    c.reset(1)
    c.h(1)
    c.cx(1, 0)
    rho = density_matrix(c)
    # by hand: after measure -> mixture of |00>,|11>; reset q1 -> mixture |00>,|01>
    tail = Circuit(2)
    tail.h(1)
    tail.cx(1, 0)
    np.testing.assert_allclose(rho, _qiskit_reset_reference(tail.to_qasm()), atol=1e-12)


def test_invalid_channels_and_sizes_are_rejected():
    with pytest.raises(ValidationError):
        kraus([np.eye(2) * 0.5])
    with pytest.raises(ValidationError):
        bit_flip(1.5)
    with pytest.raises(ValidationError, match="limited to 12"):
        density_matrix(Circuit(13))

"""Shared helpers for the qubit simulator tests: the conformance circuits and Qiskit.

Qiskit is asked only through the `@recorded` functions below (and a few in the test files),
whose arguments are QASM text and numbers: the Pyodide lane replays their recorded answers
(tests/references.py), since Qiskit cannot run there.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.references import LANE_SUBSET, recorded
from tests.shared_data import SHARED

QASM_DIR = SHARED / "conformance" / "qasm"
# Every conformance circuit on CPython (the largest are 24 qubits). Inside Pyodide the
# statevectors stop at 2^16 amplitudes: a recorded 24-qubit reference is 256 MB, and
# simulating it in WebAssembly takes minutes; the CPython lane covers the rest (the recorder,
# tests/pyodide/record.py, runs with the same bound).
MAX_TEST_QUBITS = 16 if LANE_SUBSET else 24


def conformance_files(*folders):
    if not QASM_DIR.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{QASM_DIR} is absent"))]
    files = []
    for folder in folders:
        files += sorted((QASM_DIR / folder).glob("*.qasm"))
    return [pytest.param(f, id=f"{f.parent.name}/{f.name}") for f in files]


def qiskit_circuit(text: str):
    """Qiskit's reading of `text`; programs that define a gate Qiskit's library also has
    (e.g. a 0-parameter `cu`, valid under the original qelib1) are renamed for Qiskit only."""
    from qiskit import QuantumCircuit
    from qiskit.qasm2 import QASM2ParseError

    try:
        return QuantumCircuit.from_qasm_str(text)
    except QASM2ParseError as exc:
        match = re.search(r"custom instruction '(\w+)' is mismatched", str(exc))
        if not match:
            raise
        name = match.group(1)
        renamed = re.sub(rf"\b{name}\b(?=\s*[\w(])", f"{name}_user", text)
        renamed = renamed.replace(f"{name}_user(", f"{name}_user (")
        return QuantumCircuit.from_qasm_str(renamed)


@recorded("quantum")
def qiskit_statevector(text: str, remove_final_measurements: bool = False):
    """Qiskit's statevector of the QASM program."""
    from qiskit.quantum_info import Statevector

    qc = qiskit_circuit(text)
    if remove_final_measurements:
        qc.remove_final_measurements()
    return Statevector(qc).data


@recorded("quantum")
def qiskit_operator(text: str):
    """Qiskit's unitary of the QASM program."""
    from qiskit.quantum_info import Operator

    return Operator(qiskit_circuit(text)).data


@recorded("quantum")
def qiskit_probabilities(text: str):
    """Outcome probabilities of the program's state (index bit 0 = qubit 0)."""
    from qiskit.quantum_info import DensityMatrix

    return DensityMatrix(qiskit_circuit(text)).probabilities()


@recorded("quantum")
def qiskit_expectation(text: str, labels: list, coeffs: list) -> float:
    """<psi|H|psi> for H = sum coeffs[i] * Pauli(labels[i])."""
    from qiskit.quantum_info import SparsePauliOp, Statevector

    psi = Statevector(qiskit_circuit(text))
    return float(psi.expectation_value(SparsePauliOp(labels, coeffs)).real)


@recorded("quantum")
def aer_counts(text: str, shots: int, seed: int) -> dict:
    """qiskit-aer's sampled counts of the program (all qubits measured if it measures none)."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    qc = qiskit_circuit(text)
    if not any(inst.operation.name == "measure" for inst in qc.data):
        qc.measure_all()
    backend = AerSimulator(seed_simulator=seed)
    result = backend.run(transpile(qc, backend), shots=shots).result()
    return dict(result.get_counts())


def fidelity(a, b) -> float:
    return abs(np.vdot(a, b)) ** 2 / (np.vdot(a, a).real * np.vdot(b, b).real)

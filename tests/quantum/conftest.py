"""Shared helpers for the qubit simulator tests: the conformance circuits and Qiskit."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.shared_data import SHARED

QASM_DIR = SHARED / "conformance" / "qasm"
MAX_TEST_QUBITS = 24  # every conformance circuit (the largest are 24 qubits)


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


def fidelity(a, b) -> float:
    return abs(np.vdot(a, b)) ** 2 / (np.vdot(a, a).real * np.vdot(b, b).real)

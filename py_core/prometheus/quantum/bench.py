"""Measurements for benchmarks and memory tests; not RPC methods, so not part of the page's API.

bench/quantum times `time_statevector` inside a bare Pyodide, and the tests find the largest
state a runtime holds with `stress`; both call these functions directly.
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import ValidationError
from .circuit import Circuit
from .qasm_reader import from_qasm
from .simulate import statevector

DTYPES = ("complex128", "complex64")


def _dtype(dtype: str):
    if dtype not in DTYPES:
        raise ValidationError(f"dtype must be 'complex128' or 'complex64', got {dtype!r}")
    return np.dtype(dtype)


def stress(num_qubits: int, dtype: str = "complex64") -> dict:
    """Allocate an n-qubit state and run H then a CX across it (both buffers touched): finds the
    largest state this runtime holds. Refuses with CircuitTooLarge before allocating."""
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, int) or not 1 <= num_qubits <= 40:
        raise ValidationError("num_qubits must be an integer in 1..40")
    c = Circuit(num_qubits)
    c.h(0)
    if num_qubits > 1:
        c.cx(0, num_qubits - 1)
    started = time.perf_counter()
    state = statevector(c, dtype=_dtype(dtype))
    seconds = time.perf_counter() - started
    other = 1 | (1 << (num_qubits - 1))  # |1...1> on qubits 0 and n-1
    edge = float(abs(state[0]) ** 2 + abs(state[other]) ** 2) if num_qubits > 1 else 1.0
    return {"num_qubits": num_qubits, "dtype": dtype, "seconds": seconds, "ghz_weight": edge}


def time_statevector(qasm: str, dtype: str = "complex128") -> dict:
    """Seconds to compute the final statevector of a QASM program (parsing excluded)."""
    circuit = from_qasm(qasm)
    started = time.perf_counter()
    state = statevector(circuit, dtype=_dtype(dtype))
    seconds = time.perf_counter() - started
    return {"num_qubits": circuit.num_qubits, "seconds": seconds, "norm": float(np.vdot(state, state).real)}

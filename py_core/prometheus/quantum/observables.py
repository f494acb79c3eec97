"""Pauli-sum observables: expectation values without copying the state per term.

A Pauli string acts as P|i> = i^(#Y) (-1)^popcount(i & z) |i ^ x>, so
<psi|P|psi> = i^(#Y) * sum_i conj(psi[i ^ x]) psi[i] (-1)^popcount(i & z).
psi[i ^ x] is a view of the state with the X/Y axes reversed (no copy); terms that share
the same X part share one product array, and each Z part is folded out axis by axis.
Labels follow Qiskit: "XZI" means X on qubit 2, Z on qubit 1 (qubit 0 is rightmost);
the sparse form "X2 Z1" says the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np

from .errors import ValidationError

_SPARSE = re.compile(r"^([IXYZ])(\d+)$")


class PauliSum:
    """sum_k coeff_k * P_k on `num_qubits` qubits; terms stored as (x mask, z mask, coeff)."""

    def __init__(self, terms, num_qubits: int):
        if isinstance(terms, Mapping):
            terms = list(terms.items())
        elif isinstance(terms, str):
            terms = [(terms, 1.0)]
        self.num_qubits = num_qubits
        self.terms: list[tuple[int, int, int, complex]] = []  # x, z, number of Y, coeff
        for item in terms:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                label, coeff = item
                if isinstance(label, (int, float, complex)) and isinstance(coeff, str):
                    label, coeff = coeff, label
            else:
                raise ValidationError(f"each term must be (label, coefficient), got {item!r}")
            if isinstance(coeff, (list, tuple)) and len(coeff) == 2:
                coeff = complex(coeff[0], coeff[1])
            if isinstance(coeff, bool) or not isinstance(coeff, (int, float, complex, np.number)):
                raise ValidationError(f"coefficient of {label!r} must be a number, got {coeff!r}")
            x, z, ny = self._parse(label)
            self.terms.append((x, z, ny, complex(coeff)))

    def _parse(self, label):
        if not isinstance(label, str):
            raise ValidationError(f"Pauli label must be a string, got {label!r}")
        n = self.num_qubits
        ops: dict[int, str] = {}
        stripped = label.strip()
        if stripped and (any(ch.isdigit() for ch in stripped)):
            for part in stripped.split():
                m = _SPARSE.match(part)
                if not m:
                    raise ValidationError(f"bad Pauli term {part!r} in {label!r} (use e.g. 'X0 Z3')")
                q = int(m.group(2))
                if q >= n or q in ops:
                    raise ValidationError(f"qubit {q} in {label!r} is out of range or repeated")
                ops[q] = m.group(1)
        else:
            if len(stripped) != n or any(ch not in "IXYZ" for ch in stripped):
                raise ValidationError(
                    f"Pauli label {label!r} must be {n} letters from IXYZ "
                    "(qubit 0 rightmost) or sparse like 'X0 Z3'"
                )
            ops = {n - 1 - i: ch for i, ch in enumerate(stripped)}
        x = z = ny = 0
        for q, op in ops.items():
            if op in "XY":
                x |= 1 << q
            if op in "ZY":
                z |= 1 << q
            if op == "Y":
                ny += 1
        return x, z, ny

    def grouped(self):
        groups: dict[int, list] = {}
        for x, z, ny, c in self.terms:
            groups.setdefault(x, []).append((z, ny, c))
        return groups

    def apply(self, psi: np.ndarray) -> np.ndarray:
        """O|psi> as a new vector (used by the adjoint gradient)."""
        out = np.zeros_like(psi)
        idx = np.arange(psi.size)
        for x, z, ny, c in self.terms:
            src = psi[idx ^ x] if x else psi  # (P psi)[j] = phase(j^x) psi[j^x]
            factor = c * (1j**ny)
            if z:
                signs = 1 - 2 * _parity((idx ^ x) & z)
                out += factor * signs * src
            else:
                out += factor * src
        return out


def _parity(values: np.ndarray) -> np.ndarray:
    v = values.copy()
    shift = 32
    while shift:
        v ^= v >> shift
        shift //= 2
    return v & 1


def _flip_view(psi: np.ndarray, n: int, x: int) -> np.ndarray:
    tensor = psi.reshape((2,) * n)
    index = tuple(slice(None, None, -1) if (x >> (n - 1 - a)) & 1 else slice(None) for a in range(n))
    return tensor[index]


def _signed_sum(product: np.ndarray, n: int, z: int) -> complex:
    """sum_i product[i] * (-1)^popcount(i & z), folding one Z axis at a time."""
    arr = product
    for q in range(n - 1, -1, -1):  # tensor axis n-1-q
        if (z >> q) & 1:
            axis = n - 1 - q
            first = np.take(arr, 0, axis=axis)
            second = np.take(arr, 1, axis=axis)
            arr = first - second
            arr = np.expand_dims(arr, axis)
    return complex(arr.sum())


def expectation_from_state(psi: np.ndarray, observable: PauliSum) -> float | complex:
    n = observable.num_qubits
    if psi.size != 1 << n:
        raise ValidationError(f"observable is on {n} qubits, the state on {int(np.log2(psi.size))}")
    total = 0j
    tensor = psi.reshape((2,) * n)
    for x, terms in observable.grouped().items():
        product = np.conj(_flip_view(psi, n, x)) * tensor  # one array per distinct X part
        for z, ny, c in terms:
            total += c * (1j**ny) * _signed_sum(product, n, z)
    return float(total.real) if abs(total.imag) < 1e-9 * max(1.0, abs(total)) else total


def as_observable(observable, num_qubits: int) -> PauliSum:
    if isinstance(observable, PauliSum):
        if observable.num_qubits != num_qubits:
            raise ValidationError("observable and circuit have different numbers of qubits")
        return observable
    return PauliSum(observable, num_qubits)


def expectation(circuit, observable, params=None, dtype=np.complex128) -> float | complex:
    """<psi|O|psi> for the circuit's final state (final measurements ignored).

    `observable`: a PauliSum, {"ZZI": 0.5, "X0": 1.0}, or [(label, coeff), ...].
    """
    from .simulate import statevector

    obs = as_observable(observable, circuit.num_qubits)
    return expectation_from_state(statevector(circuit, params, dtype), obs)


def expectations(circuit, observables: Iterable, params=None, dtype=np.complex128) -> list:
    """Several observables on one simulation of the circuit."""
    from .simulate import statevector

    psi = statevector(circuit, params, dtype)
    return [expectation_from_state(psi, as_observable(o, circuit.num_qubits)) for o in observables]

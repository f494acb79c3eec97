"""The standard gate library (qelib1.inc as Qiskit reads it), as matrices and kernels.

Matrices follow Qiskit's definitions exactly, global phases included (rz is
exp(-i theta Z/2), not u1), so that a circuit read here and in Qiskit gives the same
statevector. Each gate is described by how it is cheapest to apply: a 2x2 matrix, a
controlled 2x2, a diagonal, a swap, or a general small matrix. Argument order is the
order in the gate call; in every vector or matrix here argument k is bit k (little-endian).
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SQ2 = 1.0 / math.sqrt(2.0)


def u_matrix(theta, phi, lam):
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array(
        [[c, -cmath.exp(1j * lam) * s], [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c]],
        dtype=complex,
    )


def _rx(t):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def _ry(t):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _phase(lam):
    return np.array([[1, 0], [0, cmath.exp(1j * lam)]])


_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]])
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_H = np.array([[SQ2, SQ2], [SQ2, -SQ2]], dtype=complex)
_I = np.eye(2, dtype=complex)
_SX = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])


@dataclass(frozen=True)
class GateSpec:
    """How one standard gate acts.

    kind: "single" (2x2 on one qubit), "controlled" (2x2 on the last argument when all
    earlier ones are 1), "diagonal" (vector over all arguments), "swap", "matrix"
    (full 2^k x 2^k), or "composite" (a sequence of other gates).
    """

    name: str
    num_params: int
    num_qubits: int
    kind: str
    build: Callable | None = None  # params -> matrix / vector
    parameter_shift: bool = False  # every parameter is a rotation with eigenvalues +-1/2

    def make(self, params):
        """The gate's matrix (or diagonal, or base gate) for `params`."""
        if self.build is None:
            raise ValueError(f"gate {self.name!r} ({self.kind}) has no builder")
        return self.build(params)


def _diag(*values):
    return np.array(values, dtype=complex)


GATES: dict[str, GateSpec] = {}


def _add(name, nparams, nqubits, kind, build=None, shift=False):
    GATES[name] = GateSpec(name, nparams, nqubits, kind, build, shift)


# one-qubit gates
_add("U", 3, 1, "single", lambda p: u_matrix(*p), True)
_add("u", 3, 1, "single", lambda p: u_matrix(*p), True)
_add("u3", 3, 1, "single", lambda p: u_matrix(*p), True)
_add("u2", 2, 1, "single", lambda p: u_matrix(math.pi / 2, p[0], p[1]), True)
_add("u1", 1, 1, "diagonal", lambda p: _diag(1, cmath.exp(1j * p[0])), True)
_add("p", 1, 1, "diagonal", lambda p: _diag(1, cmath.exp(1j * p[0])), True)
_add("u0", 1, 1, "diagonal", lambda p: _diag(1, 1))
_add("id", 0, 1, "diagonal", lambda p: _diag(1, 1))
_add("x", 0, 1, "single", lambda p: _X)
_add("y", 0, 1, "single", lambda p: _Y)
_add("z", 0, 1, "diagonal", lambda p: _diag(1, -1))
_add("h", 0, 1, "single", lambda p: _H)
_add("s", 0, 1, "diagonal", lambda p: _diag(1, 1j))
_add("sdg", 0, 1, "diagonal", lambda p: _diag(1, -1j))
_add("t", 0, 1, "diagonal", lambda p: _diag(1, cmath.exp(1j * math.pi / 4)))
_add("tdg", 0, 1, "diagonal", lambda p: _diag(1, cmath.exp(-1j * math.pi / 4)))
_add("sx", 0, 1, "single", lambda p: _SX)
_add("sxdg", 0, 1, "single", lambda p: _SX.conj().T)
_add("rx", 1, 1, "single", lambda p: _rx(p[0]), True)
_add("ry", 1, 1, "single", lambda p: _ry(p[0]), True)
_add("rz", 1, 1, "diagonal", lambda p: _diag(cmath.exp(-0.5j * p[0]), cmath.exp(0.5j * p[0])), True)
# two-qubit gates: argument 0 is the control
_add("CX", 0, 2, "controlled", lambda p: _X)
_add("cx", 0, 2, "controlled", lambda p: _X)
_add("cy", 0, 2, "controlled", lambda p: _Y)
_add("cz", 0, 2, "diagonal", lambda p: _diag(1, 1, 1, -1))
_add("ch", 0, 2, "controlled", lambda p: _H)
_add("csx", 0, 2, "controlled", lambda p: _SX)
_add("crx", 1, 2, "controlled", lambda p: _rx(p[0]))
_add("cry", 1, 2, "controlled", lambda p: _ry(p[0]))
_add("crz", 1, 2, "diagonal", lambda p: _diag(1, cmath.exp(-0.5j * p[0]), 1, cmath.exp(0.5j * p[0])))
_add("cu1", 1, 2, "diagonal", lambda p: _diag(1, 1, 1, cmath.exp(1j * p[0])))
_add("cp", 1, 2, "diagonal", lambda p: _diag(1, 1, 1, cmath.exp(1j * p[0])))
_add("cu3", 3, 2, "controlled", lambda p: u_matrix(*p))
_add("cu", 4, 2, "controlled", lambda p: cmath.exp(1j * p[3]) * u_matrix(p[0], p[1], p[2]))
_add("swap", 0, 2, "swap")
_add(
    "rzz",
    1,
    2,
    "diagonal",
    lambda p: _diag(
        cmath.exp(-0.5j * p[0]), cmath.exp(0.5j * p[0]), cmath.exp(0.5j * p[0]), cmath.exp(-0.5j * p[0])
    ),
    True,
)


def _rxx(p):
    c, s = math.cos(p[0] / 2), math.sin(p[0] / 2)
    return c * np.eye(4) - 1j * s * np.kron(_X, _X)


_add("rxx", 1, 2, "matrix", _rxx, True)
# three and more qubits
_add("ccx", 0, 3, "controlled", lambda p: _X)
_add("c3x", 0, 4, "controlled", lambda p: _X)
_add("c4x", 0, 5, "controlled", lambda p: _X)
_add("c3sqrtx", 0, 4, "controlled", lambda p: _SX)
_add("cswap", 0, 3, "composite")
_add("rccx", 0, 3, "composite")
_add("rc3x", 0, 4, "composite")

_P4 = math.pi / 4
# composite gates: (gate, argument positions, angles)
DECOMPOSITIONS = {
    "cswap": [("cx", (2, 1), ()), ("ccx", (0, 1, 2), ()), ("cx", (2, 1), ())],
    "rccx": [
        ("h", (2,), ()),
        ("t", (2,), ()),
        ("cx", (1, 2), ()),
        ("tdg", (2,), ()),
        ("cx", (0, 2), ()),
        ("t", (2,), ()),
        ("cx", (1, 2), ()),
        ("tdg", (2,), ()),
        ("h", (2,), ()),
    ],
    "rc3x": [
        ("h", (3,), ()),
        ("t", (3,), ()),
        ("cx", (2, 3), ()),
        ("tdg", (3,), ()),
        ("h", (3,), ()),
        ("cx", (0, 3), ()),
        ("t", (3,), ()),
        ("cx", (1, 3), ()),
        ("tdg", (3,), ()),
        ("cx", (0, 3), ()),
        ("t", (3,), ()),
        ("cx", (1, 3), ()),
        ("tdg", (3,), ()),
        ("h", (3,), ()),
        ("t", (3,), ()),
        ("cx", (2, 3), ()),
        ("tdg", (3,), ()),
        ("h", (3,), ()),
    ],
}

# gates every OpenQASM 2 program has, without any include
BUILTIN = ("U", "CX")


def gate_spec(name: str) -> GateSpec | None:
    return GATES.get(name)


def gate_matrix(name: str, params=()) -> np.ndarray:
    """The full 2^k x 2^k unitary of a standard gate (argument k = bit k)."""
    spec = GATES[name]
    k = spec.num_qubits
    dim = 1 << k
    if spec.kind == "single" or spec.kind == "matrix":
        return np.asarray(spec.make(params), dtype=complex)
    if spec.kind == "diagonal":
        return np.diag(spec.make(params))
    if spec.kind == "swap":
        m = np.zeros((4, 4), dtype=complex)
        for i in range(4):
            m[((i & 1) << 1) | (i >> 1), i] = 1
        return m
    if spec.kind == "controlled":
        base = spec.make(params)
        m = np.eye(dim, dtype=complex)
        ctrl = dim // 2 - 1  # all control bits (bits 0..k-2) set
        rows = [ctrl, ctrl | (dim // 2)]
        m[np.ix_(rows, rows)] = base
        return m
    # composite: multiply the parts
    m = np.eye(dim, dtype=complex)
    for part, args, angles in DECOMPOSITIONS[name]:
        m = embed(gate_matrix(part, angles), args, k) @ m
    return m


def embed(matrix: np.ndarray, args, num_qubits: int) -> np.ndarray:
    """`matrix` on arguments `args` as a full matrix on `num_qubits` (little-endian)."""
    k = len(args)
    dim = 1 << num_qubits
    out = np.zeros((dim, dim), dtype=complex)
    for col in range(dim):
        sub_in = sum(((col >> a) & 1) << j for j, a in enumerate(args))
        rest = col
        for a in args:
            rest &= ~(1 << a)
        for sub_out in range(1 << k):
            value = matrix[sub_out, sub_in]
            if value != 0:
                row = rest | sum(((sub_out >> j) & 1) << a for j, a in enumerate(args))
                out[row, col] += value
    return out

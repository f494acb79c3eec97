"""The statevector engine: applies gates with fusion, tracks swaps as relabelings.

Fusion rules (all exact): runs of 1-qubit gates on one qubit become one 2x2, and gates on
adjacent qubits (with the 1-qubit gates around them) one matrix on a run of up to
`BLOCK_QUBITS` adjacent qubits; consecutive
diagonal gates (rz, p, cp, cz, crz, rzz, ...) become one diagonal over up to
`DIAG_FUSE_QUBITS` qubits, applied in one pass; gates on disjoint qubits commute, so a
pending fusion waits while other qubits are worked on. `swap` only relabels qubits.
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .errors import ValidationError
from .gates import DECOMPOSITIONS, GATES, gate_matrix
from .memory import allocate, check_fits

DIAG_FUSE_QUBITS = 10
_I2 = np.eye(2, dtype=complex)
_SWAP = np.eye(4, dtype=complex)[[0, 2, 1, 3]]


class _Block:
    """Gates waiting on one qubit or a run of adjacent qubits (bit 0 = the lowest)."""

    __slots__ = ("qubits", "matrix")

    def __init__(self, qubits, matrix):
        self.qubits = qubits
        self.matrix = matrix


BLOCK_QUBITS = 3


def _embed_range(m, sub_start, sub_size, start, size):
    """`m` on qubits sub_start.. (sub_size of them) as a matrix on start..start+size-1."""
    below = sub_start - start
    above = size - below - sub_size
    if below:
        m = np.kron(m, np.eye(1 << below, dtype=complex))
    if above:
        m = np.kron(np.eye(1 << above, dtype=complex), m)
    return m


def _embed_single(u, qubits, p):
    return _embed_range(u, p, 1, qubits[0], len(qubits))


def _is_diagonal(u: np.ndarray) -> bool:
    return u[0, 1] == 0 and u[1, 0] == 0


class StateEngine:
    """A statevector of `num_qubits` plus the gates waiting to be fused into it."""

    def __init__(
        self,
        num_qubits: int,
        dtype=np.complex128,
        memory_limit: int | None = None,
        fuse: bool = True,
        _empty: bool = False,
    ):
        dtype = np.dtype(dtype)
        if dtype not in (np.complex64, np.complex128):
            raise ValidationError(f"dtype must be complex64 or complex128, got {dtype}")
        self.n = num_qubits
        self.dtype = dtype
        self.fuse = fuse
        if not _empty:
            check_fits(num_qubits, dtype, memory_limit)
            self.psi = allocate(1 << num_qubits, dtype, num_qubits)
            self.psi[:] = 0
            self.psi[0] = 1
            self.buf: np.ndarray | None = None
        self.perm = list(range(num_qubits))  # logical qubit -> physical bit
        self.pending: dict[int, _Block] = {}  # physical qubit -> its fused block
        self.diag_qubits: list[int] = []
        self.diag_values: np.ndarray | None = None

    def copy(self) -> StateEngine:
        self.flush()
        other = StateEngine(self.n, self.dtype, fuse=self.fuse, _empty=True)
        other.psi = allocate(self.psi.shape, self.dtype, self.n, "copy of the state for a branch")
        np.copyto(other.psi, self.psi)
        other.buf = None
        other.perm = list(self.perm)
        return other

    # --- gates -----------------------------------------------------------------------
    def apply(self, name: str, qubits, params=(), conjugate: bool = False) -> None:
        """Apply standard gate `name` on logical `qubits` with numeric `params`.

        conjugate=True applies the complex conjugate of the gate (the column side of a
        density matrix).
        """
        spec = GATES[name]
        phys = [self.perm[q] for q in qubits]
        kind = spec.kind

        def build():
            m = spec.make(params)
            return np.conj(m) if conjugate else m

        if kind == "single":
            self._single(phys[0], build())
        elif kind == "diagonal":
            self._diagonal(phys, build())
        elif (
            kind in ("controlled", "matrix") and len(phys) == 2 and self.fuse and abs(phys[0] - phys[1]) == 1
        ):
            self._pair(phys, gate_matrix(name, params), conjugate)
        elif kind == "controlled":
            self._flush_qubits(phys)
            kernels.apply_controlled(self.psi, self.n, phys[:-1], phys[-1], build())
        elif kind == "swap":
            a, b = qubits
            self.perm[a], self.perm[b] = self.perm[b], self.perm[a]
        elif kind == "matrix":
            self.apply_matrix(qubits, build())
        else:
            for part, args, angles in DECOMPOSITIONS[name]:
                self.apply(part, [qubits[a] for a in args], angles, conjugate)

    def apply_matrix(self, qubits, matrix: np.ndarray) -> None:
        """Any (even non-unitary) 2^k x 2^k matrix on logical `qubits`."""
        phys = [self.perm[q] for q in qubits]
        self._flush_qubits(phys)
        if len(phys) == 1:
            self._apply_single_now(phys[0], matrix)
            return
        buf = self._ensure_buf()
        out = kernels.apply_matrix(self.psi, buf, self.n, phys, matrix)
        self.psi, self.buf = out, self.psi

    def _single(self, p: int, u: np.ndarray) -> None:
        if not self.fuse:
            self._apply_single_now(p, u)
            return
        block = self.pending.get(p)
        if block is not None:
            block.matrix = _embed_single(u, block.qubits, p) @ block.matrix
            return
        if _is_diagonal(u):
            self._diagonal([p], np.array([u[0, 0], u[1, 1]]))
            return
        if p in self.diag_qubits:
            self._flush_diag()
        self.pending[p] = _Block((p,), np.asarray(u, dtype=complex))

    def _pair(self, phys, m: np.ndarray, conjugate: bool) -> None:
        """A two-qubit gate on adjacent qubits joins the blocks it touches, up to a run of
        BLOCK_QUBITS adjacent qubits; blocks that would grow past that are applied first."""
        if conjugate:
            m = np.conj(m)
        lo, hi = sorted(phys)
        if phys[0] != lo:
            m = _SWAP @ m @ _SWAP
        if self.diag_values is not None and (lo in self.diag_qubits or hi in self.diag_qubits):
            self._flush_diag()
        touching: list = []
        for p in (lo, hi):
            block = self.pending.get(p)
            if block is not None and not any(block is b for b in touching):
                touching.append(block)
        start = min([lo] + [b.qubits[0] for b in touching])
        stop = max([hi] + [b.qubits[-1] for b in touching])
        if stop - start + 1 > BLOCK_QUBITS:
            for block in touching:
                if block.qubits[0] < lo or block.qubits[-1] > hi:
                    self._flush_block(block)
            touching = [b for b in touching if b.qubits[0] >= lo and b.qubits[-1] <= hi]
            start, stop = lo, hi
        size = stop - start + 1
        merged = np.eye(1 << size, dtype=complex)
        for block in touching:
            merged = _embed_range(block.matrix, block.qubits[0], len(block.qubits), start, size) @ merged
        merged = _embed_range(m, lo, 2, start, size) @ merged
        block = _Block(tuple(range(start, stop + 1)), merged)
        for q in block.qubits:
            self.pending[q] = block

    def _flush_block(self, block: _Block) -> None:
        for q in block.qubits:
            self.pending.pop(q, None)
        if len(block.qubits) == 1:
            self._apply_single_now(block.qubits[0], block.matrix)
            return
        buf = self._ensure_buf()
        out = kernels.apply_block(self.psi, buf, self.n, block.qubits[0], block.matrix)
        self.psi, self.buf = out, self.psi

    def _apply_single_now(self, p: int, u: np.ndarray) -> None:
        if _is_diagonal(u):
            kernels.apply_diagonal(self.psi, self.n, [p], np.array([u[0, 0], u[1, 1]]))
            return
        buf = self._ensure_buf()
        out = kernels.apply_single(self.psi, buf, self.n, p, u)
        self.psi, self.buf = out, self.psi

    def _diagonal(self, phys, values) -> None:
        values = np.asarray(values, dtype=complex)
        for p in phys:
            block = self.pending.get(p)
            if block is not None:
                self._flush_block(block)
        if not self.fuse:
            kernels.apply_diagonal(self.psi, self.n, phys, values)
            return
        union = list(self.diag_qubits)
        for p in phys:
            if p not in union:
                union.append(p)
        if len(union) > DIAG_FUSE_QUBITS:
            self._flush_diag()
            union = list(phys)
        if self.diag_values is None:
            self.diag_qubits = list(union)
            self.diag_values = np.ones(1 << len(union), dtype=complex)
        elif len(union) > len(self.diag_qubits):
            extra = len(union) - len(self.diag_qubits)
            # new qubits are the high bits: repeat the old values over them
            self.diag_values = np.tile(self.diag_values, 1 << extra)
            self.diag_qubits = union
        # expand `values` over the union and multiply in
        k = len(union)
        idx = np.arange(1 << k)
        sub = np.zeros(1 << k, dtype=np.int64)
        for j, p in enumerate(phys):
            sub |= ((idx >> union.index(p)) & 1) << j
        self.diag_values *= values[sub]

    def _flush_diag(self) -> None:
        if self.diag_values is not None:
            values, qubits = self.diag_values, self.diag_qubits
            self.diag_values, self.diag_qubits = None, []
            if not np.all(values == 1):
                kernels.apply_diagonal(self.psi, self.n, qubits, values)

    def _flush_qubits(self, phys) -> None:
        for p in phys:
            block = self.pending.get(p)
            if block is not None:
                self._flush_block(block)
        if self.diag_values is not None and any(p in self.diag_qubits for p in phys):
            self._flush_diag()

    def flush(self) -> None:
        """Apply everything pending."""
        while self.pending:
            self._flush_block(next(iter(self.pending.values())))
        self._flush_diag()

    def _ensure_buf(self) -> np.ndarray:
        if self.buf is None:
            self.buf = allocate(1 << self.n, self.dtype, self.n)
        return self.buf

    def release_buffer(self) -> None:
        self.buf = None

    # --- measurement -----------------------------------------------------------------
    def probability_of_one(self, qubit: int) -> float:
        self.flush()
        return kernels.probability_of_one(self.psi, self.n, self.perm[qubit])

    def collapse(self, qubit: int, bit: int, probability: float) -> None:
        self.flush()
        kernels.project(self.psi, self.n, self.perm[qubit], bit, probability)

    def flip(self, qubit: int) -> None:
        self.flush()
        kernels.flip(self.psi, self.n, self.perm[qubit])

    def state(self) -> np.ndarray:
        """The state in logical (Qiskit) qubit order; may share memory with the engine."""
        self.flush()
        n = self.n
        if self.perm == list(range(n)):
            return self.psi
        self.buf = None  # free the spare buffer first: the transposition needs a new array
        tensor = self.psi.reshape((2,) * n)
        axes = [n - 1 - self.perm[n - 1 - a] for a in range(n)]
        return np.ascontiguousarray(tensor.transpose(axes)).reshape(-1)

    def normalize_layout(self) -> None:
        """Make physical order equal logical order (one transposition)."""
        if self.perm != list(range(self.n)):
            self.psi = self.state()
            self.perm = list(range(self.n))

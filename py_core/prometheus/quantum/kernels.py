"""In-place gate kernels on a statevector: reshaped views, never a full 2^n x 2^n matrix.

Qubit q is bit q of the state index (Qiskit's little-endian order), so in the C-ordered
array it is the axis of stride 2^q. Each kernel views the flat state as a few axes: the
qubits it touches get their own axis of size 2, and runs of untouched qubits are merged
into one axis, so numpy loops over long contiguous rows.
"""

from __future__ import annotations

import numpy as np


def split_view(n: int, roles: dict[int, str]):
    """Shape that gives each qubit in `roles` its own axis (runs of role "merge" and of
    untouched qubits are merged), and the axis of every qubit in `roles`.

    roles: qubit -> "axis" (own axis) or "merge" (merged with neighbours of the same role).
    """
    shape: list[int] = []
    axis_of: dict[int, int] = {}
    merged_runs: list[list[int]] = []
    current = None  # role of the axis being extended: "free" or "merge"
    for q in range(n - 1, -1, -1):
        role = roles.get(q, "free")
        if role == "axis":
            axis_of[q] = len(shape)
            shape.append(2)
            current = None
        elif current == role:
            shape[-1] *= 2
            if role == "merge":
                merged_runs[-1].append(q)
        else:
            if role == "merge":
                merged_runs.append([q])
                axis_of[q] = len(shape)
            shape.append(2)
            current = role
    return shape, axis_of, merged_runs


def apply_diagonal(psi: np.ndarray, n: int, qubits, values: np.ndarray) -> None:
    """Multiply by diag(values) on `qubits` (bit j of the value index = qubits[j])."""
    k = len(qubits)
    v = np.asarray(values).reshape((2,) * k)  # axis a <-> bit k-1-a <-> qubits[k-1-a]
    # qubits whose 0 half is untouched (controls of a phase) only need the 1 half
    fixed = []
    free = []
    for j, q in enumerate(qubits):
        axis = k - 1 - j
        zero = np.take(v, 0, axis=axis)
        if np.all(zero == 1) and k > 1:
            fixed.append(q)
        else:
            free.append(q)
    if not free:  # e.g. cz: only the all-ones corner has a phase
        free.append(fixed.pop())
    # reorder v's axes to descending qubit order, then pick the fixed ones at 1
    order = sorted(range(k), key=lambda j: -qubits[j])
    v = v.transpose([k - 1 - j for j in order])
    desc = [qubits[j] for j in order]
    index_v = tuple(1 if q in fixed else slice(None) for q in desc)
    v = v[index_v]
    roles = {q: "axis" for q in fixed}
    roles.update({q: "merge" for q in free})
    shape, axis_of, runs = split_view(n, roles)
    view = psi.reshape(shape)
    index: list[slice | int] = [slice(None)] * len(shape)
    for q in fixed:
        index[axis_of[q]] = 1
    # v's remaining axes are the free qubits in descending order; merge them per run
    v = v.reshape([1 << len(r) for r in runs])
    bshape = [1] * len(shape)
    for r, size in zip(runs, v.shape):
        bshape[axis_of[r[0]]] = size
    v = v.reshape(bshape)
    keep = [i for i in range(len(shape)) if index[i] != 1]
    v = v.reshape([bshape[i] for i in keep])
    target = view[tuple(index)]
    if v.size == 1:
        target *= v.reshape(()).item()
    else:
        target *= v.astype(psi.dtype, copy=False)


def apply_single(psi: np.ndarray, out: np.ndarray, n: int, q: int, u: np.ndarray) -> np.ndarray:
    """2x2 `u` on qubit q; writes into `out` and returns it (the caller swaps buffers)."""
    u = u.astype(psi.dtype, copy=False)
    if q == 0:
        np.matmul(psi.reshape(-1, 2), u.T, out=out.reshape(-1, 2))
    elif q <= 2:
        block = 1 << q
        big = np.kron(u, np.eye(block, dtype=psi.dtype))
        np.matmul(psi.reshape(-1, 2 * block), big.T, out=out.reshape(-1, 2 * block))
    else:
        shape = (1 << (n - q - 1), 2, 1 << q)
        np.matmul(u, psi.reshape(shape), out=out.reshape(shape))
    return out


def apply_controlled(psi: np.ndarray, n: int, controls, target: int, u: np.ndarray) -> None:
    """2x2 `u` on `target` where every control qubit is 1, in place."""
    roles = {c: "axis" for c in controls}
    roles[target] = "axis"
    shape, axis_of, _ = split_view(n, roles)
    view = psi.reshape(shape)
    index = [slice(None)] * len(shape)
    for c in controls:
        index[axis_of[c]] = slice(1, 2)  # keep the axis, so axis numbers stay put
    sub = view[tuple(index)]
    t_axis = axis_of[target]
    if u[0, 0] == 0 and u[1, 1] == 0 and u[0, 1] == 1 and u[1, 0] == 1:  # X: swap halves
        a = _half(sub, t_axis, 0)
        b = _half(sub, t_axis, 1)
        tmp = a.copy()
        a[...] = b
        b[...] = tmp
        return
    u = u.astype(psi.dtype, copy=False)
    # contract u with the target axis; any other axis serves as the matrix column axis
    other = len(shape) - 1 if t_axis != len(shape) - 1 else t_axis - 1
    result = np.matmul(u, sub, axes=[(0, 1), (t_axis, other), (t_axis, other)])
    sub[...] = result


def _half(arr: np.ndarray, axis: int, bit: int) -> np.ndarray:
    index = [slice(None)] * arr.ndim
    index[axis] = slice(bit, bit + 1)
    return arr[tuple(index)]


def apply_matrix(psi: np.ndarray, out: np.ndarray, n: int, qubits, m: np.ndarray) -> np.ndarray:
    """Any 2^k x 2^k matrix on `qubits` (bit j = qubits[j]); writes into `out`, returns it."""
    k = len(qubits)
    tensor = psi.reshape((2,) * n)
    mt = np.asarray(m, dtype=psi.dtype).reshape((2,) * (2 * k))
    # mt axes: rows bits k-1..0, then columns bits k-1..0
    in_axes = [n - 1 - qubits[k - 1 - a] for a in range(k)]
    result = np.tensordot(mt, tensor, axes=(list(range(k, 2 * k)), in_axes))
    result = np.moveaxis(result, list(range(k)), in_axes)
    np.copyto(out.reshape((2,) * n), result)
    return out


def probability_of_one(psi: np.ndarray, n: int, q: int) -> float:
    view = psi.reshape(1 << (n - q - 1), 2, 1 << q)
    half = view[:, 1, :]
    return float(np.sum(half.real**2) + np.sum(half.imag**2))


def project(psi: np.ndarray, n: int, q: int, bit: int, probability: float) -> None:
    """Collapse qubit q onto `bit` (which had `probability`) and renormalise, in place."""
    view = psi.reshape(1 << (n - q - 1), 2, 1 << q)
    view[:, 1 - bit, :] = 0
    view[:, bit, :] *= 1.0 / np.sqrt(probability)


def flip(psi: np.ndarray, n: int, q: int) -> None:
    view = psi.reshape(1 << (n - q - 1), 2, 1 << q)
    tmp = view[:, 0, :].copy()
    view[:, 0, :] = view[:, 1, :]
    view[:, 1, :] = tmp


def apply_block(psi: np.ndarray, out: np.ndarray, n: int, lo: int, m: np.ndarray) -> np.ndarray:
    """2^k x 2^k `m` on adjacent qubits lo..lo+k-1 (bit 0 of m's index = lo); writes `out`."""
    m = m.astype(psi.dtype, copy=False)
    dim = m.shape[0]
    if lo == 0:
        np.matmul(psi.reshape(-1, dim), m.T, out=out.reshape(-1, dim))
    elif lo == 1:
        big = np.kron(m, np.eye(2, dtype=psi.dtype))
        np.matmul(psi.reshape(-1, 2 * dim), big.T, out=out.reshape(-1, 2 * dim))
    else:
        shape = (1 << (n - lo - dim.bit_length() + 1), dim, 1 << lo)
        np.matmul(m, psi.reshape(shape), out=out.reshape(shape))
    return out

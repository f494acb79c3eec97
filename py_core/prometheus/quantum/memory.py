"""How many qubits fit: checked before any state is allocated.

Inside Pyodide the WebAssembly heap is capped (wasm32 addresses at most 4 GiB, and the
heap already holds the interpreter and numpy), so a too-large state would kill the worker;
on CPython the limit is the memory the OS reports available.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .errors import CircuitTooLarge

# Working copies of the state a simulation holds at once: the state, a ping-pong buffer
# and temporaries of up to half a state for controlled gates and measurement.
WORKING_COPIES = 2.5
WASM_HEAP_LIMIT = 4 * 1024**3
WASM_RESERVED = 512 * 1024**2  # interpreter, numpy, the circuit and everything else
GIB = 1024**3


def in_browser() -> bool:
    return sys.platform == "emscripten"


def available_bytes() -> int:
    """Bytes this process can still use for states."""
    env = os.environ.get("PROMETHEUS_QUANTUM_MEMORY_LIMIT")
    if env:
        return int(env)
    if in_browser():
        # the heap can grow to the wasm32 limit; what is in use already is mostly free
        # space inside numpy's allocations, so count only a fixed reserve
        return WASM_HEAP_LIMIT - WASM_RESERVED
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def bytes_needed(num_qubits: int, dtype, copies: float = WORKING_COPIES) -> int:
    return int(copies * (1 << num_qubits) * np.dtype(dtype).itemsize)


def max_qubits(dtype, limit: int | None = None, copies: float = WORKING_COPIES) -> int:
    limit = available_bytes() if limit is None else limit
    n = 0
    while n < 62 and bytes_needed(n + 1, dtype, copies) <= limit:
        n += 1
    return n


def check_fits(
    num_qubits: int,
    dtype,
    limit: int | None = None,
    copies: float = WORKING_COPIES,
    what: str = "statevector",
) -> None:
    """Raise CircuitTooLarge, naming how many qubits fit, if the state would not."""
    limit = available_bytes() if limit is None else limit
    need = bytes_needed(num_qubits, dtype, copies)
    if need > limit:
        fit = max_qubits(dtype, limit, copies)
        where = "in this browser tab (WebAssembly memory)" if in_browser() else "on this machine"
        name = np.dtype(dtype).name
        hint = " (complex64 halves the memory)" if np.dtype(dtype) == np.complex128 else ""
        raise CircuitTooLarge(
            f"a {num_qubits}-qubit {what} needs about {need / GIB:.2f} GiB of {name} working "
            f"memory but only {limit / GIB:.2f} GiB is available {where}; at most {fit} qubits "
            f"fit{hint}",
            fit,
        )


def allocate(shape, dtype, num_qubits: int, what: str = "statevector") -> np.ndarray:
    """np.empty that turns a MemoryError into CircuitTooLarge."""
    try:
        return np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError):
        fit = max(0, num_qubits - 1)
        raise CircuitTooLarge(
            f"could not allocate the {num_qubits}-qubit {what}; try at most {fit} qubits", fit
        ) from None

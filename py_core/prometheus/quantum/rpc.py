"""quantum.* methods for the page: JSON in, JSON out; the work is in the engine modules."""

from __future__ import annotations

import sys
import time

import numpy as np

from ..errors import ValidationError
from ..rpc import method
from . import memory
from .circuit import Circuit
from .drawing import draw_svg, draw_text, histogram_svg
from .observables import as_observable, expectation_from_state
from .qasm_reader import from_qasm
from .simulate import (
    counts_from_state,
    is_deterministic,
    sample,
    split_final_measurements,
    statevector,
)

MAX_PROBABILITIES = 256  # largest outcomes returned by `quantum.run`
MAX_STATEVECTOR_QUBITS = 16


def _dtype(dtype: str):
    if dtype not in ("complex128", "complex64"):
        raise ValidationError(f"dtype must be 'complex128' or 'complex64', got {dtype!r}")
    return np.dtype(dtype)


def _circuit(qasm) -> Circuit:
    if not isinstance(qasm, str):
        raise ValidationError("qasm must be OpenQASM 2.0 text")
    return from_qasm(qasm)


def _top_probabilities(state: np.ndarray, n: int) -> dict[str, float]:
    probs = state.real.astype(np.float64) ** 2 + state.imag.astype(np.float64) ** 2
    k = min(MAX_PROBABILITIES, probs.size)
    top = np.argpartition(probs, -k)[-k:]
    top = top[probs[top] > 1e-12]
    return {format(int(i), f"0{n}b"): float(probs[i]) for i in sorted(top)}


@method("quantum.run")
def run(
    qasm: str,
    shots: int = 1024,
    seed: int | None = None,
    dtype: str = "complex128",
    observables: list | dict | None = None,
    params: dict | None = None,
    draw: bool = False,
    statevector_out: bool = False,
) -> dict:
    """Simulate a QASM program: counts, the largest outcome probabilities of the final state
    (qubit 0 rightmost), Pauli expectations, and optionally pictures and the statevector."""
    circuit = _circuit(qasm)
    dt = _dtype(dtype)
    started = time.perf_counter()
    result: dict = {"num_qubits": circuit.num_qubits, "num_clbits": circuit.num_clbits}
    body, _ = split_final_measurements(circuit)
    deterministic = is_deterministic(body)
    if shots and not deterministic:
        result["counts"] = sample(circuit, shots, seed, params, dt)
    if deterministic:
        state = statevector(circuit, params, dt)
        if shots:
            result["counts"] = counts_from_state(circuit, state, shots, seed)
        result["probabilities"] = _top_probabilities(state, circuit.num_qubits)
        if observables is not None:
            items = observables if isinstance(observables, list) else [observables]
            result["expectations"] = [
                expectation_from_state(state, as_observable(o, circuit.num_qubits)) for o in items
            ]
        if statevector_out:
            if circuit.num_qubits > MAX_STATEVECTOR_QUBITS:
                raise ValidationError(f"statevector_out is limited to {MAX_STATEVECTOR_QUBITS} qubits")
            result["statevector"] = [[float(z.real), float(z.imag)] for z in state]
        del state
    elif observables is not None or statevector_out:
        raise ValidationError(
            "this circuit measures mid-way: it has no single final state for expectations or a statevector"
        )
    result["seconds"] = time.perf_counter() - started
    if draw:
        result["text"] = draw_text(circuit)
        result["svg"] = draw_svg(circuit)
        if "counts" in result:
            result["histogram_svg"] = histogram_svg(result["counts"])
    return result


@method("quantum.draw")
def draw(qasm: str) -> dict:
    circuit = _circuit(qasm)
    return {"text": draw_text(circuit), "svg": draw_svg(circuit)}


@method("quantum.histogram")
def histogram(counts: dict) -> str:
    if not isinstance(counts, dict) or not all(isinstance(v, (int, float)) for v in counts.values()):
        raise ValidationError("counts must map outcomes to numbers")
    return histogram_svg(counts)


@method("quantum.gradient")
def gradient(qasm: str, observable, params: dict, method: str = "adjoint") -> dict:
    """Gradient of <observable> with respect to named angles.

    OpenQASM 2 has no free parameters, so angles to differentiate are written as
    placeholders `{name}` that fill a whole gate argument, e.g. `rx({theta}) q[0];`.
    """
    from .gradients import gradient as grad

    if not isinstance(params, dict) or not params:
        raise ValidationError("params must map parameter names to numbers")
    return grad(_parametric(qasm, list(params)), observable, params, method)


def _parametric(qasm: str, names: list[str]) -> Circuit:
    """Read QASM whose angles may be `{name}` placeholders: each becomes a Parameter."""
    import re

    from .circuit import Instruction
    from .parameters import Parameter

    if not isinstance(qasm, str):
        raise ValidationError("qasm must be OpenQASM 2.0 text")
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(f"parameter name {name!r} is not an identifier")
    unknown = set(re.findall(r"\{(\w+)\}", qasm)) - set(names)
    if unknown:
        raise ValidationError(f"placeholders without a value: {', '.join(sorted(unknown))}")
    if re.search(r"(?<![(,\s])\s*\{\w+\}|\{\w+\}\s*(?![\s,)])", qasm):
        raise ValidationError("a {name} placeholder must be a whole gate argument, e.g. rx({t})")
    # each placeholder becomes a marker number while reading, then a Parameter
    markers = {name: 1000.0 + 0.123456789 * (i + 1) for i, name in enumerate(names)}
    placeholders = len(re.findall(r"\{\w+\}", qasm))
    circuit = from_qasm(re.sub(r"\{(\w+)\}", lambda m: repr(markers[m.group(1)]), qasm))
    by_value = {v: Parameter(k) for k, v in markers.items()}
    out = circuit.copy_empty()
    found = 0
    for inst in circuit.instructions:
        params = []
        for p in inst.params:
            if p in by_value:
                found += 1
                params.append(by_value[p])
            elif 999.0 < p < 1002.0:
                raise ValidationError(
                    "a {name} placeholder was used inside arithmetic or a "
                    "gate definition; use it as a whole gate argument"
                )
            else:
                params.append(p)
        out.instructions.append(
            Instruction(inst.name, inst.qubits, tuple(params), inst.clbits, inst.condition)
        )
    if found < placeholders:
        raise ValidationError("a {name} placeholder did not reach a gate angle unchanged")
    return out


@method("quantum.limits")
def limits() -> dict:
    """How many qubits fit in this runtime, per dtype."""
    return {
        "platform": sys.platform,
        "available_bytes": memory.available_bytes(),
        "max_qubits": {name: memory.max_qubits(np.dtype(name)) for name in ("complex128", "complex64")},
    }


@method("quantum.stress")
def stress(num_qubits: int, dtype: str = "complex64") -> dict:
    """Allocate an n-qubit state and run H then a CX across it (both buffers touched): used
    to find the largest state this runtime holds. Refuses with CircuitTooLarge up front."""
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


@method("quantum.time")
def time_statevector(qasm: str, dtype: str = "complex128") -> dict:
    """Seconds to compute the final statevector of a QASM program (for benchmarks)."""
    circuit = _circuit(qasm)
    started = time.perf_counter()
    state = statevector(circuit, dtype=_dtype(dtype))
    seconds = time.perf_counter() - started
    return {"num_qubits": circuit.num_qubits, "seconds": seconds, "norm": float(np.vdot(state, state).real)}

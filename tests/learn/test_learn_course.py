"""The bundled course: size, structure, and every circuit exercise's target checked in Qiskit."""

from __future__ import annotations

import pytest
from qiskit import qasm2
from qiskit.quantum_info import Statevector

from prometheus.graph import Graph
from prometheus.graph.paths import study_order
from prometheus.learn import Collection, LearnError, study
from prometheus.learn.course import course_data, list_courses, load_course
from prometheus.learn.grading import grade_circuit

COURSE = course_data("quantum-foundations")
CIRCUITS = [c for c in COURSE["cards"] if c["kind"] == "circuit"]


def test_course_size_and_listing():
    assert len(COURSE["concepts"]) >= 40
    assert len(CIRCUITS) >= 15
    assert list_courses()[0]["name"] == "quantum-foundations"


def _amplitude(value):
    return complex(value[0], value[1])


@pytest.mark.parametrize("card", CIRCUITS, ids=[c["front"][:40] for c in CIRCUITS])
def test_every_exercise_target_matches_its_stated_outcome_in_qiskit(card):
    circuit = qasm2.loads(card["qasm"])
    check = card["check"]
    if "state" in check:
        state = Statevector(circuit).data
        n = circuit.num_qubits
        expected = [0j] * (2**n)
        for bits, value in check["state"].items():
            assert len(bits) == n
            expected[int(bits, 2)] = _amplitude(value)
        overlap = sum(a.conjugate() * b for a, b in zip(expected, state))
        assert abs(overlap) == pytest.approx(1.0, abs=1e-9)  # equal up to a global phase
        phase = overlap / abs(overlap)
        assert all(abs(e * phase - s) < 1e-9 for e, s in zip(expected, state))
    else:
        body = circuit.remove_final_measurements(inplace=False)
        probabilities = Statevector(body).probabilities_dict()
        measured = [
            circuit.find_bit(i.qubits[0]).index for i in circuit.data if i.operation.name == "measure"
        ]
        clbits = [circuit.find_bit(i.clbits[0]).index for i in circuit.data if i.operation.name == "measure"]
        width = circuit.num_clbits
        got: dict[str, float] = {}
        for bits, p in probabilities.items():
            out = ["0"] * width
            for q, c in zip(measured, clbits):
                out[width - 1 - c] = bits[len(bits) - 1 - q]
            key = "".join(out)
            got[key] = got.get(key, 0.0) + p
        got = {k: v for k, v in got.items() if v > 1e-12}
        assert set(got) == set(check["distribution"])
        for key, p in check["distribution"].items():
            assert got[key] == pytest.approx(p, abs=1e-9)
    # our grader accepts the target as its own answer, and rejects the empty starter
    assert grade_circuit(card["qasm"], card["qasm"], "state" if "state" in check else "distribution")[
        "correct"
    ]
    assert not grade_circuit(
        card["starter"] + "id q[0];\n", card["qasm"], "state" if "state" in check else "distribution"
    )["correct"]


def test_loading_builds_the_graph_and_cards_in_prerequisite_order():
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    result = load_course(col, "quantum-foundations", now="2024-03-01T12:00:00Z")
    assert result["cards"] >= 120 and len(col) == result["cards"]
    keys = [row[0] for row in graph.run("MATCH (c:Concept) RETURN c.key")]
    assert len(keys) == len(COURSE["concepts"])
    # every concept is reachable in a study order (no cycle), and all cards are linked
    order = study_order(graph, [graph.find_nodes("Concept", "key", k)[0] for k in keys])
    assert len(order) == len(keys)
    linked = (
        graph.run("MATCH (c:Card)-[:TESTS]->(:Concept) RETURN count(DISTINCT c)").single()[0]
        if hasattr(graph.run("RETURN 1"), "single")
        else list(graph.run("MATCH (c:Card)-[:TESTS]->(:Concept) RETURN count(DISTINCT c)"))[0][0]
    )
    assert linked == result["cards"]
    # the first new card tests a concept without prerequisites; locked ones wait
    first = study.next_card(col, now="2024-03-01T12:00:00Z")
    requires = {c["key"]: c["requires"] for c in COURSE["concepts"]}
    assert all(not requires[k] for k in first["concepts"])
    assert first["counts"]["new_locked"] > 0
    with pytest.raises(LearnError, match="already loaded"):
        load_course(col, "quantum-foundations")
    with pytest.raises(LearnError, match="no bundled course"):
        load_course(col, "cooking")
    study.undo(col)
    assert len(col) == 0 and graph.node_count() == 0 and col.settings["courses"] == {}


def test_cloze_cards_of_the_course_render():
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    load_course(col, "quantum-foundations", now="2024-03-01T12:00:00Z")
    fronts = [study.card(col, c)["front"] for c in [study.next_card(col, now="2024-03-01T12:00:00Z")["id"]]]
    assert all("{{" not in f for f in fronts)


def test_listing_counts_the_cards_loading_adds():
    listed = list_courses()[0]
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    loaded = load_course(col, listed["name"])
    assert listed["cards"] == len(col) == loaded["cards"]
    assert listed["notes"] == len(col.notes) < listed["cards"]  # cloze notes give several cards

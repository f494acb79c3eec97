"""Gate matrices against Qiskit, the shipped qelib1 bodies, QASM errors, round trips, fuzzing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prometheus.quantum import Circuit, QasmError, from_qasm, statevector
from prometheus.quantum.gates import GATES, gate_matrix
from prometheus.quantum.qasm_reader import _stdlib_text

from .conftest import conformance_files, fidelity, qiskit_operator, qiskit_statevector

ANGLES = (0.3, -1.1, 2.2, 0.7)


def _angles(name):
    # Qiskit reads u0(n) as n identity delays and needs an integer n
    return (2.0,) if name == "u0" else ANGLES[: GATES[name].num_params]


def _qiskit_gate_matrix(name, params):
    """Qiskit's own matrix of the gate as its qelib1 reader builds it."""
    k = GATES[name].num_qubits
    args = ",".join(f"q[{i}]" for i in range(k))
    angle = f"({','.join(repr(p) for p in params)})" if params else ""
    text = f'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[{k}];\n{name}{angle} {args};\n'
    return qiskit_operator(text)


@pytest.mark.parametrize("name", sorted(n for n in GATES if n not in ("U", "CX")))
def test_gate_matrix_equals_qiskit(name):
    params = _angles(name)
    np.testing.assert_allclose(gate_matrix(name, params), _qiskit_gate_matrix(name, params), atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in GATES if n not in ("U", "CX")))
def test_simulated_gate_equals_matrix_in_every_position(name):
    """The kernels (views, fusion, relabelled swaps) give the matrix on any qubit choice."""
    spec = GATES[name]
    params = _angles(name)
    rng = np.random.default_rng(len(name))
    n = spec.num_qubits + 2
    for _ in range(3):
        qubits = [int(q) for q in rng.permutation(n)[: spec.num_qubits]]
        c = Circuit(n)
        for q in range(n):
            c.u(*rng.uniform(0, 2 * math.pi, 3), q)
        c.append(name, qubits, params)
        c.h(qubits[0])
        text = c.to_qasm()
        expected = qiskit_statevector(text)
        np.testing.assert_allclose(statevector(c), expected, atol=1e-10)
        np.testing.assert_allclose(statevector(from_qasm(text)), expected, atol=1e-10)


def test_shipped_qelib1_bodies_define_the_same_gates_up_to_phase():
    """Each body in our qelib1.inc, expanded as a user gate, equals the native matrix up to
    global phase (the natives carry Qiskit's phases)."""
    body = _stdlib_text().replace("gate ", "gate my_")
    import re

    body = re.sub(
        r"(^|[;{])(\s*)(u3|u2|u1|cx|id|u0|u|p|x|y|z|h|s|sdg|t|tdg|rx|ry|rz|sx|sxdg|cz|cy|swap|ch|ccx|cswap|crx|cry|crz|cu1|cp|cu3|csx|cu|rxx|rzz|rccx|rc3x|c3x|c3sqrtx|c4x)(?=[\s(])",
        r"\1\2my_\3",
        body,
        flags=re.M,
    )
    body = body.replace("gate my_my_", "gate my_")
    for name, spec in GATES.items():
        if name in ("U", "CX"):
            continue
        k = spec.num_qubits
        params = _angles(name)
        angle = f"({','.join(repr(p) for p in params)})" if params else ""
        columns = []
        for basis in range(1 << k):
            prep = "".join(f"U(pi,0,pi) q[{j}];\n" for j in range(k) if basis >> j & 1)
            text = (
                f"OPENQASM 2.0;\n{body}\nqreg q[{k}];\n{prep}"
                f"my_{name}{angle} {','.join(f'q[{j}]' for j in range(k))};\n"
            )
            columns.append(statevector(from_qasm(text)))
        ours = np.array(columns).T
        native = gate_matrix(name, params)
        overlap = abs(np.trace(native.conj().T @ ours)) / (1 << k)
        assert overlap == pytest.approx(1, abs=1e-10), name


@pytest.mark.parametrize("path", conformance_files("qasmbench", "openqasm2_examples", "generated"))
def test_round_trip_gives_same_statevector(path):
    if path.name.startswith("invalid"):
        pytest.skip("invalid on purpose")
    circuit = from_qasm(path.read_text())
    if circuit.num_qubits > 16:
        pytest.skip("kept small")
    text = circuit.to_qasm()
    again = from_qasm(text)
    assert again.to_qasm() == text
    from prometheus.quantum.simulate import is_deterministic, split_final_measurements

    if is_deterministic(split_final_measurements(circuit)[0]):
        assert fidelity(statevector(circuit), statevector(again)) >= 1 - 1e-12
        np.testing.assert_allclose(statevector(again), statevector(circuit), atol=1e-12)


ERRORS = [
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfoo q[0];\n', 4, 1, "unknown gate 'foo'"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0];\n', 4, 1, "acts on 2 qubit(s), got 1"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nrz q[0];\n', 4, 1, "takes 1 parameter(s), got 0"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh  r[0];\n', 4, 4, "undeclared quantum register 'r'"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[2];\n', 4, 5, "index 2 is out of range"),
    ("OPENQASM 2.0;\nqreg q[2]\nh q[0];\n", 3, 1, "expected ';'"),
    ("OPENQASM 2.0;\nqreg q[1];\nopaque magic q;\n", 3, 1, "opaque gate 'magic' is not supported"),
    ("OPENQASM 2.0;\nqreg q[1];\nh q[0];\n", 3, 1, 'add include "qelib1.inc"'),
    ("OPENQASM 2.0;\nqreg q[1];\ncreg c[1];\nmeasure q -> d;\n", 4, 14, "undeclared classical register 'd'"),
    ("OPENQASM 2.0;\nqreg q[2];\nCX q[0],q[0];\n", 3, 1, "same qubit twice"),
    ("OPENQASM 2.0;\nqreg q[1];\nU(0,0,theta) q[0];\n", 3, 7, "unknown parameter 'theta'"),
    ("OPENQASM 3.0;\n", 1, 10, "only OpenQASM 2.0"),
    ("OPENQASM 2.0;\nqreg q[1];\nU(1/0,0,0) q[0];\n", 3, 1, "division by zero"),
    ("OPENQASM 2.0;\nqreg q[1];\ncreg c[1];\nif (c==2) U(0,0,0) q[0];\n", 4, 8, "does not fit"),
    ("OPENQASM 2.0;\nqreg q[1];\nqreg q[2];\n", 3, 6, "already declared"),
    ('OPENQASM 2.0;\ninclude "other.inc";\n', 2, 9, "cannot include 'other.inc'"),
    ("OPENQASM 2.0;\nqreg q[1];\nU(0,0,0) q[0]; $\n", 3, 16, "unexpected character"),
]


@pytest.mark.parametrize("text,line,column,message", ERRORS)
def test_malformed_qasm_reports_line_and_column(text, line, column, message):
    with pytest.raises(QasmError) as info:
        from_qasm(text)
    assert (info.value.line, info.value.column) == (line, column), str(info.value)
    assert message in str(info.value)
    assert f":{line}:{column}:" in str(info.value)


def test_expressions_and_user_gates_match_qiskit():
    text = """OPENQASM 2.0;
include "qelib1.inc";
gate g(a, b) x, y { rz(a^2 - b/3) x; cry(sin(a) * cos(b) + exp(-a) - ln(2) + sqrt(a) + tan(0.3)) x, y; }
qreg q[2]; qreg r[1]; creg c[2];
h q; g(pi/3, -(2*pi)/5 + 1.5e-1) q[0], r[0];
g(0.2, 1) q, r[0];
cx q, r[0];
barrier q, r;
"""
    ours = statevector(from_qasm(text))
    reference = qiskit_statevector(text)
    np.testing.assert_allclose(ours, reference, atol=1e-12)


def test_conditioned_gate_without_measurement_is_deterministic():
    c = from_qasm(
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[1];\nif (c==0) x q[0];\nif (c==1) x q[1];\n'
    )
    np.testing.assert_allclose(np.abs(statevector(c)), [0, 1, 0, 0])


QASM_PIECES = st.sampled_from(
    [
        "OPENQASM 2.0;",
        'include "qelib1.inc";',
        "qreg q[3];",
        "creg c[3];",
        "h q[0];",
        "cx q[0],q[1];",
        "rz(pi/2) q[2];",
        "measure q -> c;",
        "if (c==1) x q[0];",
        "gate g(a) x { rx(a) x; }",
        "g(0.5) q[1];",
        "u(1,2,3) q;",
        "barrier q;",
        "reset q[0];",
        ";",
        "q[",
        "(",
        "pi",
        "->",
        "}",
        "{",
        "1e",
        "cx q[0], q[0];",
        "foo",
        "opaque o q;",
        "//c\n",
        "\n",
        " ",
        "U(0,0,0) q[0];",
    ]
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(QASM_PIECES, max_size=12))
def test_fuzz_structured_programs_parse_or_raise_qasm_error(pieces):
    text = " ".join(pieces)
    try:
        circuit = from_qasm(text)
    except QasmError as exc:
        assert exc.line is not None and exc.line >= 1
        return
    # anything accepted must simulate (or refuse mid-circuit measurement clearly)
    if 0 < circuit.num_qubits <= 6:
        from prometheus.quantum import UnsupportedFeature

        try:
            psi = statevector(circuit)
            assert abs(np.vdot(psi, psi) - 1) < 1e-9
        except UnsupportedFeature:
            pass


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=80))
def test_fuzz_arbitrary_text_only_raises_qasm_error(text):
    try:
        from_qasm("OPENQASM 2.0;\n" + text)
    except QasmError:
        pass


@pytest.mark.parametrize("seed", range(6))
def test_random_circuits_with_every_gate_match_qiskit(seed):
    """Long random mixes (adjacent pairs, far pairs, diagonals, swaps) stress the fusion."""
    rng = np.random.default_rng(seed)
    n = 7
    names = sorted(n_ for n_ in GATES if n_ not in ("U", "CX", "u0"))
    c = Circuit(n)
    for _ in range(150):
        name = names[rng.integers(len(names))]
        spec = GATES[name]
        if rng.random() < 0.6 and spec.num_qubits == 2:
            lo = int(rng.integers(n - 1))
            qubits = [lo, lo + 1] if rng.random() < 0.5 else [lo + 1, lo]
        else:
            qubits = [int(q) for q in rng.permutation(n)[: spec.num_qubits]]
        c.append(name, qubits, list(rng.uniform(-3, 3, spec.num_params)))
    expected = qiskit_statevector(c.to_qasm())
    np.testing.assert_allclose(statevector(c), expected, atol=1e-10)
    np.testing.assert_allclose(statevector(c, dtype=np.complex64), expected, atol=1e-4)

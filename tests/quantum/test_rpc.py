"""The quantum.* RPC methods through the real dispatcher (CPython side)."""

from __future__ import annotations

import numpy as np
import pytest

from prometheus.quantum import from_qasm, statevector
from tests.rpc_call import rpc_envelope

BELL = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
)


def call(name, **params):
    envelope = rpc_envelope(name, params)
    if "error" in envelope:
        raise RuntimeError(f"{envelope['error']['type']}: {envelope['error']['message']}")
    return envelope["result"]


def test_run_returns_counts_probabilities_expectations_and_pictures():
    result = call(
        "quantum.run",
        qasm=BELL,
        shots=2000,
        seed=5,
        observables=[{"ZZ": 1.0}, {"XX": 0.5, "Z0": 1}],
        draw=True,
    )
    assert set(result["counts"]) == {"00", "11"} and sum(result["counts"].values()) == 2000
    assert result["probabilities"] == pytest.approx({"00": 0.5, "11": 0.5})
    assert result["expectations"] == pytest.approx([1.0, 0.5], abs=1e-12)
    assert result["svg"].startswith("<svg") and result["histogram_svg"].startswith("<svg")
    assert "H" in result["text"]


def test_statevector_out_matches_library():
    result = call("quantum.run", qasm=BELL, shots=0, statevector_out=True)
    psi = np.array([complex(*z) for z in result["statevector"]])
    np.testing.assert_allclose(psi, statevector(from_qasm(BELL)))


def test_errors_are_typed():
    with pytest.raises(RuntimeError, match="QasmError: <qasm>:1:1"):
        call("quantum.run", qasm="bogus;")
    with pytest.raises(RuntimeError, match="CircuitTooLarge"):
        call("quantum.run", qasm='OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[40];\nh q[0];\n', shots=0)


def test_gradient_placeholders():
    qasm = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nry({t}) q[0];\n'
    grad = call("quantum.gradient", qasm=qasm, observable={"Z": 1.0}, params={"t": 0.3})
    assert grad["t"] == pytest.approx(-np.sin(0.3), abs=1e-10)  # d/dt cos(t)
    with pytest.raises(RuntimeError, match="whole gate argument"):
        call("quantum.gradient", qasm=qasm.replace("{t}", "2*{t}"), observable={"Z": 1.0}, params={"t": 0.3})


def test_limits_and_stress():
    from prometheus.quantum.bench import stress

    limits = call("quantum.limits")
    assert limits["max_qubits"]["complex64"] == limits["max_qubits"]["complex128"] + 1
    assert stress(10, dtype="complex64")["ghz_weight"] == pytest.approx(1, abs=1e-5)


def test_benchmark_probes_are_not_methods():
    """quantum.stress / quantum.time were benchmark tools: plain functions now, not the page's API."""
    for name in ("quantum.stress", "quantum.time"):
        assert rpc_envelope(name, {})["error"]["type"] == "UnknownMethod"


def test_run_counts_equal_sample_for_the_same_seed():
    from prometheus.quantum import sample

    qasm = BELL.replace("cx q[0],q[1];", "cx q[0],q[1];\nry(0.4) q[0];")
    assert call("quantum.run", qasm=qasm, shots=777, seed=9)["counts"] == sample(from_qasm(qasm), 777, seed=9)
    no_measure = qasm.replace("measure q -> c;\n", "")
    assert call("quantum.run", qasm=no_measure, shots=500, seed=2)["counts"] == sample(
        from_qasm(no_measure), 500, seed=2
    )

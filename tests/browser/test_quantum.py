"""prometheus.quantum through the SDK in headless Chromium (Pyodide in a worker)."""

from __future__ import annotations

import pytest

from tests.browser.harness import BrowserCallError

pytestmark = pytest.mark.browser

BELL = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
)


def test_run_bell_circuit(sdk):
    result = sdk.call(
        "quantum.run", {"qasm": BELL, "shots": 1000, "seed": 3, "observables": [{"ZZ": 1.0}], "draw": True}
    )
    assert set(result["counts"]) == {"00", "11"} and sum(result["counts"].values()) == 1000
    assert abs(result["probabilities"]["00"] - 0.5) < 1e-12
    assert abs(result["expectations"][0] - 1.0) < 1e-12
    assert result["svg"].startswith("<svg") and result["histogram_svg"].startswith("<svg")


def test_counts_equal_cpython_for_the_same_seed(sdk):
    from prometheus.quantum import from_qasm, sample

    qasm = BELL.replace("cx q[0],q[1];", "cx q[0],q[1];\nry(0.7) q[1];")
    ours = sdk.call("quantum.run", {"qasm": qasm, "shots": 500, "seed": 11})["counts"]
    assert ours == sample(from_qasm(qasm), 500, seed=11)


def test_malformed_qasm_error_has_position(sdk):
    with pytest.raises(BrowserCallError) as caught:
        sdk.call("quantum.run", {"qasm": "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n"})
    assert caught.value.type == "QasmError"
    assert "<qasm>:3:1" in caught.value.message


def test_too_large_circuit_is_refused_without_killing_the_worker(sdk):
    limits = sdk.call("quantum.limits")
    assert limits["platform"] == "emscripten"
    too_many = limits["max_qubits"]["complex64"] + 1
    qasm = f'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[{too_many}];\nh q[0];\n'
    with pytest.raises(BrowserCallError) as caught:
        sdk.call("quantum.run", {"qasm": qasm, "shots": 0, "dtype": "complex64"})
    assert caught.value.type == "CircuitTooLarge"
    assert f"at most {too_many - 1} qubits fit" in caught.value.message
    alive = sdk.call("quantum.run", {"qasm": qasm.replace(f"q[{too_many}]", "q[4]"), "shots": 0})
    assert alive["probabilities"] == {"0000": pytest.approx(0.5), "0001": pytest.approx(0.5)}


@pytest.mark.slow
def test_qft_24_complex64_matches_cpython(sdk):
    """A real 24-qubit circuit (QFT with its final swaps) inside the worker."""
    import numpy as np

    from prometheus.quantum import from_qasm, probabilities
    from tests.shared_data import shared_path

    text = shared_path("conformance", "qasm", "generated", "qft_n24.qasm").read_text()
    small = text.replace("qreg q[24];", "qreg q[24];\nx q[3];\nh q[20];")
    result = sdk.call("quantum.run", {"qasm": small, "shots": 0, "dtype": "complex64"})
    ours = probabilities(from_qasm(small))
    for key, p in result["probabilities"].items():
        assert abs(p - ours[int(key, 2)]) < 1e-6
    assert len(result["probabilities"]) == 256 and np.isclose(sum(ours), 1)

"""The memory check before allocation, and the text/SVG pictures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from prometheus.quantum import Circuit, CircuitTooLarge, from_qasm, memory, sample, statevector
from prometheus.quantum.drawing import draw_svg, draw_text, histogram_svg


def test_too_large_circuit_is_refused_before_allocation_with_the_qubits_that_fit():
    c = Circuit(30)
    c.h(0)
    limit = 256 * 1024**2  # 256 MiB
    with pytest.raises(CircuitTooLarge) as info:
        statevector(c, memory_limit=limit)
    # 2.5 working copies of 2^n * 16 bytes must fit in 256 MiB: n = 22 (160 MiB), not 23
    assert info.value.max_qubits == 22
    assert "at most 22 qubits fit" in str(info.value)
    with pytest.raises(CircuitTooLarge) as info64:
        sample(c, 10, memory_limit=limit, dtype=np.complex64)
    assert info64.value.max_qubits == 23


def test_limit_comes_from_the_environment_when_set(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_QUANTUM_MEMORY_LIMIT", str(1 << 20))
    assert memory.max_qubits(np.complex128) == 14
    with pytest.raises(CircuitTooLarge):
        statevector(Circuit(15))


def test_browser_limit_is_the_wasm_heap(monkeypatch):
    monkeypatch.setattr(memory.sys, "platform", "emscripten")
    monkeypatch.delenv("PROMETHEUS_QUANTUM_MEMORY_LIMIT", raising=False)
    limit = memory.available_bytes()
    assert limit == memory.WASM_HEAP_LIMIT - memory.WASM_RESERVED
    # 3.5 GiB / (2.5 copies * 8 bytes) = 187.9 M amplitudes -> 27 qubits (2^27 = 134 M)
    assert memory.max_qubits(np.complex64) == 27
    assert memory.max_qubits(np.complex128) == 26
    with pytest.raises(CircuitTooLarge, match="WebAssembly"):
        memory.check_fits(30, np.complex128)


BELL = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q[0];\ncx q[0],q[2];\n'
    "rz(pi/4) q[1];\nswap q[1],q[2];\nbarrier q;\nmeasure q -> c;\nif (c==1) x q[0];\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_largest_state_the_check_admits_really_runs(monkeypatch, dtype):
    """The memory check's largest state runs and the next one is refused. Inside Pyodide (the
    Pyodide lane) against the real WebAssembly heap; on CPython a 256 MiB limit stands in."""
    from prometheus.quantum.bench import stress

    if not memory.in_browser():
        monkeypatch.setenv("PROMETHEUS_QUANTUM_MEMORY_LIMIT", str(256 * 1024**2))
    n = memory.max_qubits(np.dtype(dtype))
    assert abs(stress(n, dtype)["ghz_weight"] - 1) < 1e-4
    with pytest.raises(CircuitTooLarge):
        stress(n + 1, dtype)


def test_text_drawing_shows_each_gate_on_its_wire():
    text = draw_text(from_qasm(BELL))
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("q0: ") and "H" in lines[0] and "*" in lines[0]
    assert "X" in lines[2] and "RZ(pi/4)" in lines[1]
    assert lines[1].count("x") >= 1 and "M->c1" in lines[1]
    assert "if c==1" in lines[0]


def test_svgs_are_well_formed_xml():
    svg = draw_svg(from_qasm(BELL))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert svg.count("<circle") == 1  # the cx control
    hist = histogram_svg({"00": 10, "11": 30, "01<&": 1})
    root = ET.fromstring(hist)
    assert len([e for e in root.iter() if e.tag.endswith("rect")]) == 4  # background + 3 bars

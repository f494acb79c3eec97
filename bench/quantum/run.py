"""Statevector benchmark: prometheus.quantum vs qiskit-aer on the same circuits, same run.

    python -m bench.quantum [--sizes 10,16,20,22,24] [--repeat 1] [--dtype complex128]

Circuits: QFT and random depth-20 brickwork from ../shared/conformance/qasm/generated,
plus a GHZ chain built here. Times are the full simulation of the final statevector
(parse excluded for both). Aer runs with method="statevector" and its default threads
(OpenMP over both cores); ours is single-threaded numpy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Our kernels issue many small BLAS calls; OpenBLAS threads only add synchronisation
# (and fight Aer's OpenMP threads on 2 cores), so numpy's BLAS is kept single-threaded.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "py_core"))

from prometheus.quantum import from_qasm, statevector  # noqa: E402

GENERATED = ROOT.parent / "shared" / "conformance" / "qasm" / "generated"


def ghz_qasm(n: int) -> str:
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", "h q[0];"]
    lines += [f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def circuits(n: int):
    yield "ghz", ghz_qasm(n)
    for name in ("qft", "brickwork_d20"):
        path = GENERATED / f"{name}_n{n}.qasm"
        if path.exists():
            yield name, path.read_text()


def time_ours(text, dtype, repeat):
    circuit = from_qasm(text)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        psi = statevector(circuit, dtype=dtype)
        best = min(best, time.perf_counter() - t0)
    return best, psi


def time_aer(text, repeat, precision):
    try:
        from qiskit import QuantumCircuit, transpile
        from qiskit_aer import AerSimulator
    except ImportError:
        return None, None
    qc = QuantumCircuit.from_qasm_str(text)
    qc.save_statevector()
    backend = AerSimulator(method="statevector", precision=precision)
    tqc = transpile(qc, backend, optimization_level=0)
    best = float("inf")
    psi = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = backend.run(tqc).result()
        best = min(best, time.perf_counter() - t0)
        psi = np.asarray(result.get_statevector())
    return best, psi


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,16,20,22,24")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dtype", default="complex128", choices=["complex128", "complex64"])
    args = parser.parse_args(argv)
    dtype = np.dtype(args.dtype)
    precision = "single" if dtype == np.complex64 else "double"
    print(f"{'circuit':<16}{'n':>4}{'ours s':>10}{'aer s':>10}{'ours/aer':>10}{'fidelity':>12}")
    for n in [int(s) for s in args.sizes.split(",")]:
        for name, text in circuits(n):
            ours, psi = time_ours(text, dtype, args.repeat)
            aer, ref = time_aer(text, args.repeat, precision)
            fid = abs(np.vdot(ref, psi)) ** 2 if ref is not None else float("nan")
            ratio = ours / aer if aer else float("nan")
            aer_text = f"{aer:10.3f}" if aer else f"{'n/a':>10}"
            print(f"{name:<16}{n:>4}{ours:10.3f}{aer_text}{ratio:10.2f}{fid:12.8f}", flush=True)
            del psi, ref


if __name__ == "__main__":
    main()

"""prometheus.quantum: a qubit simulator on numpy, from OpenQASM 2 to counts.

    from prometheus.quantum import from_qasm, statevector, sample
    circuit = from_qasm(text)
    psi = statevector(circuit)            # Qiskit's little-endian qubit order
    counts = sample(circuit, 1000, seed=1)

See `simulate` for the bit order of counts, `observables` for Pauli sums and gradients,
`density` for noisy simulation, `drawing` for text/SVG output.
"""

from .circuit import Circuit, Instruction
from .errors import CircuitTooLarge, QasmError, UnsupportedFeature
from .parameters import Parameter, function
from .qasm_reader import from_qasm
from .qasm_writer import to_qasm
from .simulate import distribution, marginal, probabilities, sample, statevector

__all__ = [
    "Circuit",
    "Instruction",
    "Parameter",
    "function",
    "from_qasm",
    "to_qasm",
    "statevector",
    "sample",
    "probabilities",
    "marginal",
    "distribution",
    "QasmError",
    "UnsupportedFeature",
    "CircuitTooLarge",
]

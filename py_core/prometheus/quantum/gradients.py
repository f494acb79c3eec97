"""Gradients of <O> with respect to named circuit parameters.

- parameter shift: exact for gates whose angle is a rotation with generator eigenvalues
  +-1/2 (rx, ry, rz, p/u1, u/u2/u3 angles, rxx, rzz): dE/da = (E(a+pi/2) - E(a-pi/2)) / 2;
  two circuit runs per occurrence of a parameter.
- adjoint: one forward run and one backward sweep; works for every gate (the gate
  matrix derivative comes from a 5-point stencil, accurate to ~1e-13).
An angle that is an expression of parameters contributes through the chain rule.
"""

from __future__ import annotations

import math

import numpy as np

from .circuit import Circuit, Instruction
from .errors import UnsupportedFeature, ValidationError
from .gates import GATES, gate_matrix
from .kernels import apply_matrix
from .observables import as_observable, expectation_from_state
from .parameters import angle_parameters, evaluate_angle
from .simulate import bindings_for, split_final_measurements, statevector


def _prepared(circuit: Circuit, params):
    bindings = bindings_for(circuit, params)
    body, _ = split_final_measurements(circuit)
    for inst in body:
        if inst.name in ("measure", "reset") or inst.condition is not None:
            raise UnsupportedFeature(
                "gradients need a circuit without mid-circuit measurement, reset or classical conditions"
            )
    return bindings, [inst for inst in body if inst.name != "barrier"]


def _numeric(circuit, body, bindings, shift=None) -> Circuit:
    out = circuit.copy_empty()
    for i, inst in enumerate(body):
        values = [evaluate_angle(p, bindings) for p in inst.params]
        if shift is not None and shift[0] == i:
            values[shift[1]] += shift[2]
        out.instructions.append(Instruction(inst.name, inst.qubits, tuple(values)))
    return out


def parameter_shift_gradient(circuit: Circuit, observable, params: dict) -> dict[str, float]:
    bindings, body = _prepared(circuit, params)
    obs = as_observable(observable, circuit.num_qubits)
    names = sorted(circuit.parameters)
    grad = {name: 0.0 for name in names}
    for i, inst in enumerate(body):
        for j, angle in enumerate(inst.params):
            depends = angle_parameters(angle)
            if not depends:
                continue
            if not GATES[inst.name].parameter_shift:
                raise UnsupportedFeature(
                    f"the two-term parameter-shift rule does not hold for {inst.name!r}; use method='adjoint'"
                )
            plus = expectation_from_state(
                statevector(_numeric(circuit, body, bindings, (i, j, math.pi / 2))), obs
            )
            minus = expectation_from_state(
                statevector(_numeric(circuit, body, bindings, (i, j, -math.pi / 2))), obs
            )
            slope = (plus - minus) / 2
            for name in depends:
                grad[name] += angle.derivative(name, bindings) * slope
    return grad


def _matrix_derivative(name: str, values: list[float], j: int) -> np.ndarray:
    def at(delta):
        shifted = list(values)
        shifted[j] += delta
        return gate_matrix(name, shifted)

    # matrix entries mix frequencies 1/2 and 1, so no single shift is exact here; the
    # 5-point stencil's error is ~h^4/30 ~ 1e-14
    h = 1e-3
    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)


def adjoint_gradient(circuit: Circuit, observable, params: dict) -> dict[str, float]:
    bindings, body = _prepared(circuit, params)
    obs = as_observable(observable, circuit.num_qubits)
    n = circuit.num_qubits
    phi = statevector(_numeric(circuit, body, bindings)).copy()
    lam = obs.apply(phi)
    buf = np.empty_like(phi)
    grad = {name: 0.0 for name in sorted(circuit.parameters)}
    for inst in reversed(body):
        values = [evaluate_angle(p, bindings) for p in inst.params]
        dagger = gate_matrix(inst.name, values).conj().T
        qubits = list(inst.qubits)
        phi, buf = apply_matrix(phi, buf, n, qubits, dagger), phi
        for j, angle in enumerate(inst.params):
            depends = angle_parameters(angle)
            if not depends:
                continue
            mu = apply_matrix(phi, np.empty_like(phi), n, qubits, _matrix_derivative(inst.name, values, j))
            slope = 2 * float(np.real(np.vdot(lam, mu)))
            for name in depends:
                grad[name] += angle.derivative(name, bindings) * slope
        lam, buf = apply_matrix(lam, buf, n, qubits, dagger), lam
    return grad


def gradient(circuit: Circuit, observable, params: dict, method: str = "adjoint") -> dict[str, float]:
    """d<O>/d(parameter) for every named parameter of the circuit."""
    if method == "adjoint":
        return adjoint_gradient(circuit, observable, params)
    if method in ("parameter_shift", "parameter-shift"):
        return parameter_shift_gradient(circuit, observable, params)
    raise ValidationError(f"method must be 'adjoint' or 'parameter_shift', got {method!r}")

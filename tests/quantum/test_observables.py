"""Pauli-sum expectations against Qiskit; gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from prometheus.quantum import Circuit, Parameter, UnsupportedFeature, function
from prometheus.quantum.errors import ValidationError
from prometheus.quantum.gradients import gradient
from prometheus.quantum.observables import PauliSum, expectation

from .conftest import qiskit_expectation


def _random_circuit(n, depth, seed):
    rng = np.random.default_rng(seed)
    c = Circuit(n)
    for _ in range(depth):
        for q in range(n):
            c.u(*rng.uniform(0, 6.3, 3), q)
        for q in range(0, n - 1, 2):
            c.cx(q, q + 1)
        c.rzz(float(rng.uniform()), 0, n - 1)
    return c


def test_expectation_matches_qiskit_sparse_pauli_op():
    n = 5
    c = _random_circuit(n, 3, 1)
    rng = np.random.default_rng(2)
    labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(12)]
    coeffs = rng.normal(size=12)
    ours = expectation(c, list(zip(labels, coeffs)))
    reference = qiskit_expectation(c.to_qasm(), labels, [float(x) for x in coeffs])
    assert ours == pytest.approx(reference, abs=1e-12)


def test_sparse_labels_equal_dense_labels():
    c = _random_circuit(4, 2, 3)
    assert expectation(c, {"X3 Y1": 0.5, "Z0": -1}) == pytest.approx(
        expectation(c, {"XIYI": 0.5, "IIIZ": -1}), abs=1e-13
    )


@pytest.mark.parametrize("bad", [{"XQ": 1}, {"X9": 1}, {"XX": "a"}, {"X0 X0": 1}])
def test_bad_observables_are_rejected(bad):
    with pytest.raises(ValidationError):
        PauliSum(bad, 2)


def _param_circuit():
    a, b, g = Parameter("a"), Parameter("b"), Parameter("g")
    c = Circuit(3)
    c.h(0)
    c.ry(a, 1)
    c.rx(2 * b + 0.1, 2)
    c.cx(0, 1)
    c.rz(a * b, 1)
    c.rzz(g, 1, 2)
    c.u(a, b, g - 0.3, 0)
    c.rxx(function("sin", g), 0, 2)
    c.p(b / 2, 2)
    c.cx(2, 0)
    return c


OBS = {"ZZI": 0.7, "X0 Y2": -0.4, "IXZ": 1.1}
VALUES = {"a": 0.37, "b": -1.2, "g": 0.8}


def _finite_difference(circuit, values, h=1e-6):
    out = {}
    for name in values:
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        out[name] = (expectation(circuit, OBS, up) - expectation(circuit, OBS, down)) / (2 * h)
    return out


@pytest.mark.parametrize("method", ["adjoint", "parameter_shift"])
def test_gradient_matches_finite_differences(method):
    c = _param_circuit()
    fd = _finite_difference(c, VALUES)
    grad = gradient(c, OBS, VALUES, method=method)
    for name in VALUES:
        assert grad[name] == pytest.approx(fd[name], abs=1e-7)


def test_adjoint_handles_controlled_rotations():
    t = Parameter("t")
    c = Circuit(2)
    c.h(0)
    c.crx(t, 0, 1)
    c.cu3(t, 0.2, t / 3, 1, 0)
    c.cry(2 * t, 0, 1)
    values = {"t": 0.9}
    with pytest.raises(UnsupportedFeature):
        gradient(c, {"ZX": 1.0}, values, method="parameter_shift")
    h = 1e-6
    fd = (expectation(c, {"ZX": 1.0}, {"t": 0.9 + h}) - expectation(c, {"ZX": 1.0}, {"t": 0.9 - h})) / (2 * h)
    assert gradient(c, {"ZX": 1.0}, values)["t"] == pytest.approx(fd, abs=1e-7)


def test_unbound_parameter_is_reported():
    c = _param_circuit()
    with pytest.raises(ValidationError, match="not bound"):
        expectation(c, OBS, {"a": 1.0})
    with pytest.raises(ValidationError, match="unbound"):
        c.to_qasm()
    bound = c.bind(VALUES)
    assert expectation(bound, OBS) == pytest.approx(expectation(c, OBS, VALUES), abs=1e-14)

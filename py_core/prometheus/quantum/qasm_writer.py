"""OpenQASM 2.0 text from a `Circuit`; reading it back gives the same circuit."""

from __future__ import annotations

from .errors import ValidationError
from .parameters import Expression


def _angle(value) -> str:
    if isinstance(value, Expression):
        raise ValidationError(f"angle {value!r} has unbound parameters; bind them before writing QASM")
    return repr(float(value))


def to_qasm(circuit) -> str:
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";']
    for reg in circuit.qregs:
        lines.append(f"qreg {reg.name}[{reg.size}];")
    for reg in circuit.cregs:
        lines.append(f"creg {reg.name}[{reg.size}];")
    qname = {}
    for reg in circuit.qregs:
        for i, q in enumerate(reg.indices()):
            qname[q] = f"{reg.name}[{i}]"
    cname = {}
    for reg in circuit.cregs:
        for i, c in enumerate(reg.indices()):
            cname[c] = f"{reg.name}[{i}]"
    for inst in circuit.instructions:
        prefix = ""
        if inst.condition is not None:
            prefix = f"if({inst.condition.register}=={inst.condition.value}) "
        args = ",".join(qname[q] for q in inst.qubits)
        if inst.name == "measure":
            text = f"measure {args} -> {cname[inst.clbits[0]]};"
        elif inst.name in ("reset", "barrier"):
            text = f"{inst.name} {args};"
        elif inst.params:
            text = f"{inst.name}({','.join(_angle(p) for p in inst.params)}) {args};"
        else:
            text = f"{inst.name} {args};"
        lines.append(prefix + text)
    return "\n".join(lines) + "\n"

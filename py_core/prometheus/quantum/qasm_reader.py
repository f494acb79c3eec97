"""OpenQASM 2.0 reader: recursive descent over `qasm_lexer` tokens into a `Circuit`.

`include "qelib1.inc"` reads the standard library shipped beside this module; gates it
defines are simulated with the exact matrices of `gates.py`. User `gate` definitions are
expanded in place. Every error carries the line and column where it was found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .circuit import Circuit, Condition, Instruction
from .errors import QasmError
from .gates import BUILTIN, GATES
from .parameters import Binary, Constant, Expression, Function, Parameter
from .qasm_lexer import Token, tokenize

FUNCTIONS = ("sin", "cos", "tan", "exp", "ln", "sqrt", "asin", "acos", "atan")
STDLIB = "qelib1.inc"


@dataclass
class GateDef:
    name: str
    params: tuple[str, ...]
    qargs: tuple[str, ...]
    body: list | None  # [(name, [Expression], [qarg names], token)]; None = native
    token: Token | None = None


def _native(name: str) -> GateDef:
    spec = GATES[name]
    return GateDef(
        name,
        tuple(f"p{i}" for i in range(spec.num_params)),
        tuple(f"q{i}" for i in range(spec.num_qubits)),
        None,
    )


@lru_cache(maxsize=1)
def _stdlib_text() -> str:
    return resources.files(__package__).joinpath(STDLIB).read_text(encoding="utf-8")


class _Parser:
    def __init__(self, text: str, source: str, includes: dict[str, str]):
        self.includes = includes
        self.circuit = Circuit()
        self.gates: dict[str, GateDef] = {name: _native(name) for name in BUILTIN}
        self.qregs: dict[str, tuple[int, int]] = {}
        self.cregs: dict[str, tuple[int, int]] = {}
        self.stdlib_names: set[str] = set()
        self.stack: list[tuple[list[Token], int, str]] = []
        self._push(text, source)
        self.in_stdlib = False

    # --- token stream -----------------------------------------------------------------
    def _push(self, text, source):
        self.tokens = tokenize(text, source)
        self.pos = 0
        self.source = source

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def error(self, message: str, token: Token | None = None) -> QasmError:
        token = token or self.tok
        return QasmError(message, token.line, token.column, self.source)

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "eof":
            self.pos += 1
        return token

    def expect(self, kind: str, what: str | None = None) -> Token:
        if self.tok.kind != kind:
            found = "end of input" if self.tok.kind == "eof" else repr(self.tok.text)
            raise self.error(f"expected {what or repr(kind)}, found {found}")
        return self.advance()

    def accept(self, kind: str) -> Token | None:
        return self.advance() if self.tok.kind == kind else None

    # --- program ----------------------------------------------------------------------
    def parse(self) -> Circuit:
        if self.tok.kind == "OPENQASM":
            self.advance()
            version = self.tok
            if version.kind not in ("real", "int"):
                raise self.error("expected a version number after OPENQASM")
            self.advance()
            if float(version.text) != 2.0:
                raise self.error(f"only OpenQASM 2.0 is supported, this is version {version.text}", version)
            self.expect(";", "';' after the version")
        while self.tok.kind != "eof":
            self.statement()
        return self.circuit

    def statement(self):
        kind = self.tok.kind
        if kind == "OPENQASM":
            raise self.error("the OPENQASM version must be the first statement")
        if kind == "include":
            return self.include()
        if kind in ("qreg", "creg"):
            return self.register()
        if kind == "gate":
            return self.gate_definition()
        if kind == "opaque":
            token = self.advance()
            name = self.tok.text if self.tok.kind == "id" else "?"
            raise self.error(
                f"opaque gate {name!r} is not supported: an opaque gate has no "
                "definition, so it cannot be simulated",
                token,
            )
        if kind == "if":
            return self.conditional()
        self.quantum_operation(None)

    def include(self):
        self.advance()
        name_tok = self.expect("string", "a file name in double quotes")
        self.expect(";", "';' after include")
        name = name_tok.text
        if name in self.includes:
            text = self.includes[name]
        elif name == STDLIB:
            if "u3" in self.gates and self.gates["u3"].body is None and "cx" in self.gates:
                return  # included twice: harmless
            text = _stdlib_text()
        else:
            raise self.error(
                f"cannot include {name!r}: only {STDLIB!r} is built in "
                "(pass includes={name: text} for other files)",
                name_tok,
            )
        if len(self.stack) > 16:
            raise self.error("includes nested too deeply", name_tok)
        self.stack.append((self.tokens, self.pos, self.source))
        was_stdlib = self.in_stdlib
        self.in_stdlib = name == STDLIB and name not in self.includes
        self._push(text, name)
        while self.tok.kind != "eof":
            if self.tok.kind in ("qreg", "creg", "if", "measure", "reset") and self.in_stdlib:
                raise self.error("the standard library may only define gates")
            self.statement()
        self.tokens, self.pos, self.source = self.stack.pop()
        self.in_stdlib = was_stdlib

    def register(self):
        kind = self.advance().kind
        name = self.expect("id", "a register name")
        self.expect("[")
        size_tok = self.expect("int", "a register size")
        self.expect("]")
        self.expect(";", "';' after the register declaration")
        size = int(size_tok.text)
        if size < 1:
            raise self.error(f"register {name.text!r} must have at least one bit", size_tok)
        if name.text in self.qregs or name.text in self.cregs:
            raise self.error(f"register {name.text!r} is already declared", name)
        if kind == "qreg":
            if self.circuit.num_qubits + size > 64:
                raise self.error(
                    f"{self.circuit.num_qubits + size} qubits are more than this simulator can address (64)",
                    size_tok,
                )
            reg = self.circuit.add_qreg(name.text, size)
            self.qregs[name.text] = (reg.start, size)
        else:
            if self.circuit.num_clbits + size > 1024:
                raise self.error("more than 1024 classical bits", size_tok)
            reg = self.circuit.add_creg(name.text, size)
            self.cregs[name.text] = (reg.start, size)

    # --- gate definitions -------------------------------------------------------------
    def gate_definition(self):
        self.advance()
        name_tok = self.expect("id", "a gate name")
        name = name_tok.text
        if name in self.gates and not (self.in_stdlib and name in GATES):
            if name not in self.stdlib_names or self.in_stdlib:
                raise self.error(f"gate {name!r} is already defined", name_tok)
            # qelib1 grew over time (cu, p, ...): as in Qiskit, a program's own definition
            # of a library name replaces the library gate for the rest of the program
            self.stdlib_names.discard(name)
        params: list[str] = []
        if self.accept("("):
            if self.tok.kind != ")":
                params.append(self.expect("id", "a parameter name").text)
                while self.accept(","):
                    params.append(self.expect("id", "a parameter name").text)
            self.expect(")")
        qargs = [self.expect("id", "a qubit argument name").text]
        while self.accept(","):
            qargs.append(self.expect("id", "a qubit argument name").text)
        for names, what in ((params, "parameter"), (qargs, "qubit argument")):
            if len(set(names)) != len(names):
                raise self.error(f"gate {name!r} repeats a {what} name", name_tok)
        self.expect("{", "'{' to open the gate body")
        body = []
        while not self.accept("}"):
            if self.tok.kind == "eof":
                raise self.error(f"gate {name!r}: body is not closed with '}}'")
            body.append(self.gate_body_statement(name, params, qargs))
        if self.in_stdlib and name in GATES:
            spec = GATES[name]
            if (spec.num_params, spec.num_qubits) != (len(params), len(qargs)):
                raise self.error(f"standard gate {name!r} has the wrong signature", name_tok)
            self.gates[name] = _native(name)
            self.stdlib_names.add(name)
        else:
            self.gates[name] = GateDef(name, tuple(params), tuple(qargs), body, name_tok)

    def gate_body_statement(self, gate_name, params, qargs):
        token = self.tok
        if token.kind == "barrier":
            self.advance()
            self.body_qarg(qargs)
            while self.accept(","):
                self.body_qarg(qargs)
            self.expect(";", "';' after barrier")
            return None
        if token.kind in ("measure", "reset", "if", "qreg", "creg", "gate", "opaque"):
            raise self.error(f"{token.text!r} is not allowed inside gate {gate_name!r}")
        name_tok = self.expect("id", "a gate call")
        exprs = self.call_parameters(params)
        args = [self.body_qarg(qargs)]
        while self.accept(","):
            args.append(self.body_qarg(qargs))
        self.expect(";", "';' after the gate call")
        definition = self.lookup_gate(name_tok)
        self.check_arity(definition, name_tok, len(exprs), len(args))
        if len(set(args)) != len(args):
            raise self.error(f"gate {name_tok.text!r} gets the same qubit twice", name_tok)
        return (definition, exprs, args, name_tok)

    def body_qarg(self, qargs) -> str:
        token = self.expect("id", "a qubit argument")
        if token.text not in qargs:
            raise self.error(f"{token.text!r} is not an argument of this gate", token)
        if self.tok.kind == "[":
            raise self.error("qubit arguments inside a gate body cannot be indexed")
        return token.text

    def lookup_gate(self, token: Token) -> GateDef:
        definition = self.gates.get(token.text)
        if definition is None:
            hint = ""
            if token.text in GATES and STDLIB not in self.includes:
                hint = f' (it is in the standard library: add include "{STDLIB}";)'
            raise self.error(f"unknown gate {token.text!r}{hint}", token)
        return definition

    def check_arity(self, definition: GateDef, token: Token, nparams: int, nqubits: int):
        if nparams != len(definition.params):
            raise self.error(
                f"gate {definition.name!r} takes {len(definition.params)} parameter(s), got {nparams}", token
            )
        if nqubits != len(definition.qargs):
            raise self.error(
                f"gate {definition.name!r} acts on {len(definition.qargs)} qubit(s), got {nqubits}", token
            )

    # --- expressions ------------------------------------------------------------------
    def call_parameters(self, names) -> list[Expression]:
        exprs = []
        if self.accept("("):
            if self.tok.kind != ")":
                exprs.append(self.expression(names))
                while self.accept(","):
                    exprs.append(self.expression(names))
            self.expect(")", "')' after the parameters")
        return exprs

    def expression(self, names, depth=0) -> Expression:
        if depth > 200:
            raise self.error("expression nested too deeply")
        left = self.term(names, depth)
        while self.tok.kind in ("+", "-"):
            op = self.advance().kind
            left = Binary(op, left, self.term(names, depth))
        return left

    def term(self, names, depth):
        left = self.unary(names, depth)
        while self.tok.kind in ("*", "/"):
            op = self.advance().kind
            left = Binary(op, left, self.unary(names, depth))
        return left

    def unary(self, names, depth):
        if self.accept("-"):
            return Binary("*", Constant(-1.0), self.unary(names, depth + 1))
        if self.accept("+"):
            return self.unary(names, depth + 1)
        base = self.primary(names, depth)
        if self.accept("^"):
            return Binary("^", base, self.unary(names, depth + 1))
        return base

    def primary(self, names, depth):
        token = self.tok
        if token.kind in ("int", "real"):
            self.advance()
            return Constant(float(token.text))
        if token.kind == "pi":
            self.advance()
            return Constant(math.pi)
        if token.kind == "(":
            self.advance()
            inner = self.expression(names, depth + 1)
            self.expect(")", "')'")
            return inner
        if token.kind == "id":
            self.advance()
            if token.text in FUNCTIONS:
                self.expect("(", f"'(' after {token.text}")
                inner = self.expression(names, depth + 1)
                self.expect(")", "')'")
                return Function(token.text, inner)
            if token.text not in names:
                raise self.error(f"unknown parameter {token.text!r}", token)
            return Parameter(token.text)
        found = "end of input" if token.kind == "eof" else repr(token.text)
        raise self.error(f"expected an expression, found {found}")

    def constant(self, expr: Expression, token: Token) -> float:
        from ..errors import ValidationError

        try:
            value = expr.evaluate({})
        except ValidationError as exc:
            raise self.error(str(exc), token) from None
        except (OverflowError, ValueError, ZeroDivisionError) as exc:
            raise self.error(f"cannot evaluate parameter: {exc}", token) from None
        if isinstance(value, complex) or not math.isfinite(value):
            raise self.error(f"parameter evaluates to {value}, not a finite real number", token)
        return float(value)

    # --- operations -------------------------------------------------------------------
    def argument(self, regs: dict, what: str) -> tuple[list[int], Token | None]:
        token = self.expect("id", f"a {what} register")
        if token.text not in regs:
            other = self.cregs if regs is self.qregs else self.qregs
            kind = "classical" if regs is self.qregs else "quantum"
            if token.text in other:
                raise self.error(f"{token.text!r} is a {kind} register, expected a {what} register", token)
            raise self.error(f"undeclared {what} register {token.text!r}", token)
        start, size = regs[token.text]
        if self.accept("["):
            index_tok = self.expect("int", "an integer index")
            self.expect("]")
            index = int(index_tok.text)
            if index >= size:
                raise self.error(
                    f"index {index} is out of range for register {token.text!r} of size {size}", index_tok
                )
            return [start + index], None
        return list(range(start, start + size)), token

    def conditional(self):
        self.advance()
        self.expect("(", "'(' after if")
        reg_tok = self.expect("id", "a classical register name")
        if reg_tok.text not in self.cregs:
            raise self.error(f"undeclared classical register {reg_tok.text!r}", reg_tok)
        if self.tok.kind == "[":
            raise self.error("OpenQASM 2 conditions compare a whole classical register, not one bit")
        self.expect("==", "'=='")
        value_tok = self.expect("int", "an integer value")
        self.expect(")", "')'")
        start, size = self.cregs[reg_tok.text]
        value = int(value_tok.text)
        if value >= (1 << size):
            raise self.error(
                f"value {value} does not fit register {reg_tok.text!r} of {size} bits", value_tok
            )
        if self.tok.kind in ("if", "gate", "qreg", "creg", "include", "opaque", "barrier"):
            raise self.error(f"{self.tok.text!r} cannot be conditioned", self.tok)
        self.quantum_operation(Condition(reg_tok.text, tuple(range(start, start + size)), value))

    def quantum_operation(self, condition):
        token = self.tok
        if self.in_stdlib:
            raise self.error("the standard library may only define gates")
        if token.kind == "measure":
            self.advance()
            qubits, _ = self.argument(self.qregs, "quantum")
            self.expect("->", "'->'")
            clbits, _ = self.argument(self.cregs, "classical")
            self.expect(";", "';' after measure")
            if len(qubits) != len(clbits):
                raise self.error(f"measure maps {len(qubits)} qubit(s) to {len(clbits)} bit(s)", token)
            for q, c in zip(qubits, clbits):
                self.circuit.instructions.append(Instruction("measure", (q,), (), (c,), condition))
            return
        if token.kind == "reset":
            self.advance()
            qubits, _ = self.argument(self.qregs, "quantum")
            self.expect(";", "';' after reset")
            for q in qubits:
                self.circuit.instructions.append(Instruction("reset", (q,), (), (), condition))
            return
        if token.kind == "barrier":
            self.advance()
            qubits, _ = self.argument(self.qregs, "quantum")
            qubits = list(qubits)
            while self.accept(","):
                qubits += self.argument(self.qregs, "quantum")[0]
            self.expect(";", "';' after barrier")
            self.circuit.instructions.append(Instruction("barrier", tuple(dict.fromkeys(qubits))))
            return
        if token.kind != "id":
            found = "end of input" if token.kind == "eof" else repr(token.text)
            raise self.error(f"expected a statement, found {found}")
        self.advance()
        definition = self.lookup_gate(token)
        exprs = self.call_parameters(())
        values = [self.constant(e, token) for e in exprs]
        args = [self.argument(self.qregs, "quantum")]
        while self.accept(","):
            args.append(self.argument(self.qregs, "quantum"))
        self.expect(";", "';' after the gate call")
        self.check_arity(definition, token, len(values), len(args))
        sizes = {len(a[0]) for a in args if a[1] is not None}
        if len(sizes) > 1:
            raise self.error(f"gate {token.text!r} is applied to registers of different sizes", token)
        width = sizes.pop() if sizes else 1
        for j in range(width):
            qubits = [a[0][j] if a[1] is not None else a[0][0] for a in args]
            if len(set(qubits)) != len(qubits):
                raise self.error(f"gate {token.text!r} gets the same qubit twice", token)
            self.expand(definition, values, qubits, condition, 0)

    def expand(self, definition: GateDef, values, qubits, condition, depth):
        if definition.body is None:
            self.circuit.instructions.append(
                Instruction(definition.name, tuple(qubits), tuple(values), (), condition)
            )
            return
        bindings = dict(zip(definition.params, values))
        where = dict(zip(definition.qargs, qubits))
        for item in definition.body:
            if item is None:
                continue
            inner, exprs, args, tok = item
            inner_values = []
            for e in exprs:
                try:
                    v = e.evaluate(bindings)
                except (ValueError, OverflowError, ZeroDivisionError) as exc:
                    raise QasmError(
                        f"in gate {definition.name!r}: {exc}", tok.line, tok.column, self.source
                    ) from None
                if isinstance(v, complex) or not math.isfinite(v):
                    raise QasmError(
                        f"in gate {definition.name!r}: parameter evaluates to {v}",
                        tok.line,
                        tok.column,
                        self.source,
                    )
                inner_values.append(float(v))
            self.expand(inner, inner_values, [where[a] for a in args], condition, depth + 1)


def from_qasm(text: str, includes: dict[str, str] | None = None, source: str = "<qasm>") -> Circuit:
    """Read an OpenQASM 2.0 program into a `Circuit`.

    `includes` maps file names to their text, for include files other than the built-in
    standard library `qelib1.inc`. Raises `QasmError` (with line and column) for anything
    malformed and for `opaque` gates.
    """
    if includes is not None and not (
        isinstance(includes, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in includes.items())
    ):
        raise QasmError("includes must map file names to text", source=source)
    try:
        return _Parser(text, source, dict(includes or {})).parse()
    except RecursionError:
        raise QasmError("program nested too deeply", source=source) from None

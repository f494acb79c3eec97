"""Runs TCK scenarios against `prometheus.graph` and says, for each, whether it passed and why not.

A scenario is a *result* scenario when it expects rows (or an empty result), and an *error*
scenario when it expects `a <Type> should be raised at <phase>: <Detail>`. Error scenarios
record both the strict verdict (type, phase and detail all match) and the type-only verdict
the issue's 80% bar is about. Side effects are measured independently of the engine's
counters: by diffing the graph's nodes, relationships, label names and (entity, key, value)
property triples before and after the query, which is how the TCK defines them.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from tests.shared_data import SHARED

from . import values as V
from .gherkin import Scenario, Step, load_features

TCK_DIR = SHARED / "conformance" / "cypher-tck"
FEATURES_DIR = TCK_DIR / "features"
GRAPHS_DIR = TCK_DIR / "graphs"

QUERY_TIMEOUT = float(os.environ.get("TCK_QUERY_TIMEOUT", "5"))

_ERROR_STEP = re.compile(r"^an? (\w+) should be raised at (compile time|runtime|any time): ?(\w*)$")
_PROCEDURE_STEP = re.compile(r"^there exists a procedure ([\w.]+)\((.*?)\)\s*::\s*\((.*?)\)\s*:$")
_SIDE_EFFECT_KEYS = (
    "+nodes",
    "-nodes",
    "+relationships",
    "-relationships",
    "+labels",
    "-labels",
    "+properties",
    "-properties",
)


class ScenarioTimeout(Exception):
    """A query ran longer than TCK_QUERY_TIMEOUT seconds."""


class StepFailure(Exception):
    """The scenario failed; `cause` groups similar failures, the message says exactly what."""

    def __init__(self, cause: str, message: str):
        super().__init__(message)
        self.cause = cause


@dataclass
class Outcome:
    id: str
    directory: str
    kind: str  # "result" | "error"
    passed: bool  # strict verdict
    type_ok: bool  # error scenarios: right tck_type raised (the bar); result: == passed
    cause: str = ""  # short failure category for grouping
    message: str = ""  # what exactly went wrong
    seconds: float = 0.0


def scenario_kind(scenario: Scenario) -> str:
    return (
        "error" if any(_ERROR_STEP.match(s.text) for s in scenario.steps if s.keyword == "Then") else "result"
    )


@contextmanager
def time_limit(seconds: float):
    """Interrupt pure-Python work after `seconds` (SIGALRM; only in the main thread on Unix)."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise ScenarioTimeout(f"query exceeded {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- graph state and side effects


def graph_state(graph):
    """Everything side effects are measured on, read through the store API (not Cypher)."""
    nodes = set(graph.nodes())
    rels = set(graph.relationships())
    labels = set()
    props = set()
    for n in nodes:
        labels.update(graph.node_labels(n))
        for k, v in graph.node_properties(n).items():
            props.add((("n", n), k, V.canonical(v)))
    for r in rels:
        for k, v in graph.relationship_properties(r).items():
            props.add((("r", r), k, V.canonical(v)))
    return nodes, rels, labels, props


def side_effects(before, after) -> dict[str, int]:
    out = {}
    for name, b, a in zip(("nodes", "relationships", "labels", "properties"), before, after):
        out["+" + name] = len(a - b)
        out["-" + name] = len(b - a)
    return out


# ---------------------------------------------------------------- the scenario machine


class _Context:
    def __init__(self, graph_cls):
        self.graph_cls = graph_cls
        self.graph = None
        self.params: dict = {}
        self.result = None  # (keys, rows) of the last query
        self.error = None  # exception of the last query
        self.effects = None  # side effects of the last (non-control) query
        self.procedures: list[str] = []
        self.error_left_changes = False
        self.type_ok = False  # an error scenario saw the right tck_type

    def new_graph(self):
        self.graph = self.graph_cls()


def _run_query(ctx: _Context, query: str):
    with time_limit(QUERY_TIMEOUT):
        res = ctx.graph.run(query, dict(ctx.params) if ctx.params else None)
        keys = list(res.keys)
        rows = [tuple(row) for row in res]
    return keys, rows


def _given(ctx: _Context, step: Step):
    text = step.text
    if text in ("an empty graph", "any graph"):
        ctx.new_graph()
        return
    m = re.match(r"^the ([\w-]+) graph$", text)
    if m:
        ctx.new_graph()
        script = GRAPHS_DIR / m.group(1) / f"{m.group(1)}.cypher"
        if not script.exists():
            raise StepFailure("runner: unknown named graph", f"no script {script}")
        for stmt in script.read_text(encoding="utf-8").split(";"):
            if stmt.strip():
                _setup_query(ctx, stmt.strip())
        return
    if ctx.graph is None:
        ctx.new_graph()
    if text == "having executed:":
        _setup_query(ctx, step.doc or "")
        return
    if text == "parameters are:":
        for row in step.table or []:
            if len(row) != 2:
                raise StepFailure("runner: bad parameter table", f"row {row}")
            ctx.params[row[0]] = V.to_python(V.parse_value(row[1]))
        return
    m = _PROCEDURE_STEP.match(text)
    if m:
        _register_fixture_procedure(ctx, m.group(1), m.group(2), m.group(3), step.table or [])
        return
    raise StepFailure("runner: unknown Given step", text)


def _setup_query(ctx: _Context, query: str):
    try:
        _run_query(ctx, query)
    except ScenarioTimeout:
        raise StepFailure("setup query timed out", query[:200]) from None
    except Exception as e:  # noqa: BLE001 - every engine failure is a scenario failure
        raise StepFailure(
            f"setup query failed: {_error_label(e)}",
            f"{_error_label(e)}: {str(e)[:300]} in setup query {query[:200]!r}",
        ) from None


def _signature(spec: str) -> list[tuple[str, str]]:
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, type_name = part.partition("::")
        out.append((name.strip(), type_name.strip() or "ANY"))
    return out


def _register_fixture_procedure(ctx: _Context, name: str, ins: str, outs: str, table):
    """`there exists a procedure ...`: a procedure answering with the table's matching rows."""
    from prometheus.graph.procedures import register_procedure

    inputs, outputs = _signature(ins), _signature(outs)
    if not table:
        raise StepFailure("runner: procedure without a table", name)
    header, body = table[0], [[V.parse_value(c) for c in row] for row in table[1:]]
    n_in = len(inputs)
    if header != [n for n, _ in inputs] + [n for n, _ in outputs]:
        raise StepFailure(
            "runner: procedure table header does not match its signature", f"{header} vs {inputs} {outputs}"
        )
    in_types = [t.rstrip("?").upper() for _, t in inputs]

    def fixture(graph, *args):
        want = []
        for arg, t in zip(args, in_types):
            if t == "FLOAT" and isinstance(arg, int) and not isinstance(arg, bool):
                arg = float(arg)
            want.append(V.canonical(arg))
        for row in body:
            if all(V.close(a, b) for a, b in zip(want, row[:n_in])):
                yield {out_name: V.to_python(v) for (out_name, _), v in zip(outputs, row[n_in:])}

    register_procedure(name, fixture, inputs=inputs, outputs=outputs)
    ctx.procedures.append(name)


def _error_label(e: BaseException) -> str:
    tck = getattr(e, "tck_type", None)
    if tck is not None:
        return f"{tck}/{getattr(e, 'detail', None)} ({getattr(e, 'phase', None)})"
    return f"crash {type(e).__name__}"


def _when(ctx: _Context, step: Step):
    query = step.doc or ""
    control = step.text == "executing control query:"
    if step.text not in ("executing query:", "executing control query:"):
        raise StepFailure("runner: unknown When step", step.text)
    if ctx.graph is None:
        ctx.new_graph()
    before = None if control else graph_state(ctx.graph)
    ctx.result = ctx.error = None
    try:
        ctx.result = _run_query(ctx, query)
    except ScenarioTimeout as e:
        raise StepFailure("timeout", f"{e}: {query[:200]!r}") from None
    except Exception as e:  # noqa: BLE001
        ctx.error = e
    if not control:
        after = graph_state(ctx.graph)
        ctx.effects = side_effects(before, after)
        if ctx.error is not None and any(ctx.effects.values()):
            ctx.error_left_changes = True


def _then(ctx: _Context, step: Step):
    text = step.text
    m = _ERROR_STEP.match(text)
    if m:
        _check_error(ctx, m.group(1), m.group(2), m.group(3))
        return
    if text in ("no side effects", "the side effects should be:"):
        _check_side_effects(ctx, step)
        return
    if ctx.error is not None:
        e = ctx.error
        raise StepFailure(f"raised {_error_label(e)}", f"{_error_label(e)}: {str(e)[:400]}")
    if ctx.result is None:
        raise StepFailure("runner: no query result", text)
    keys, rows = ctx.result
    if text == "the result should be empty":
        if rows:
            raise StepFailure(
                "wrong rows",
                f"expected no rows, got {len(rows)}: "
                f"{_show_rows([tuple(V.canonical(v) for v in r) for r in rows[:3]])}",
            )
        return
    m = re.match(
        r"^the result should be(?:, in (any order|order))?\s*"
        r"(\(ignoring element order for lists\))?:$",
        text,
    )
    if not m:
        raise StepFailure("runner: unknown Then step", text)
    ordered = m.group(1) == "order"
    ignore_list_order = m.group(2) is not None
    table = step.table or []
    if not table:
        raise StepFailure("runner: result step without a table", text)
    header = table[0]
    if sorted(keys) != sorted(header) or len(set(keys)) != len(keys):
        raise StepFailure("wrong columns", f"expected columns {header}, got {keys}")
    try:
        expected = [tuple(V.parse_value(c) for c in row) for row in table[1:]]
    except V.ValueSyntaxError as e:
        raise StepFailure("runner: unreadable expected value", str(e)) from None
    position = {k: i for i, k in enumerate(keys)}
    actual = [tuple(V.canonical(r[position[h]]) for h in header) for r in rows]
    if ignore_list_order:
        actual = [tuple(V.sort_lists(v) for v in r) for r in actual]
        expected = [tuple(V.sort_lists(v) for v in r) for r in expected]
    if ordered:
        i = V.compare_sequences(actual, expected)
        if i is not None:
            got = _show_rows(actual[i : i + 1]) if i < len(actual) else "no row"
            want = _show_rows(expected[i : i + 1]) if i < len(expected) else "no row"
            raise StepFailure(
                "wrong rows",
                f"row {i}: expected {want}, got {got} ({len(expected)} rows expected, {len(actual)} got)",
            )
    else:
        unexpected, missing = V.compare_bags(actual, expected)
        if unexpected or missing:
            raise StepFailure(
                "wrong rows",
                f"{len(expected)} rows expected, {len(actual)} got; "
                f"missing {_show_rows(missing[:3])}; unexpected {_show_rows(unexpected[:3])}",
            )


def _show_rows(rows) -> str:
    return "[" + "; ".join("| " + " | ".join(V.show(v) for v in r) + " |" for r in rows) + "]"


def _check_error(ctx: _Context, tck_type: str, phase: str, detail: str):
    e = ctx.error
    if e is None:
        n = len(ctx.result[1]) if ctx.result else 0
        raise StepFailure(
            "expected error not raised",
            f"expected {tck_type}/{detail} at {phase}; the query returned {n} rows",
        )
    got_type = getattr(e, "tck_type", None)
    if got_type is None:
        raise StepFailure(
            f"crash {type(e).__name__} instead of {tck_type}", f"{type(e).__name__}: {str(e)[:300]}"
        )
    if got_type != tck_type:
        raise StepFailure(
            f"wrong error type {got_type} instead of {tck_type}",
            f"expected {tck_type}/{detail}, got {_error_label(e)}: {str(e)[:200]}",
        )
    ctx.type_ok = True
    problems = []
    if phase != "any time" and getattr(e, "phase", None) != phase:
        problems.append(f"phase {getattr(e, 'phase', None)!r} instead of {phase!r}")
    if detail and getattr(e, "detail", None) != detail:
        problems.append(f"detail {getattr(e, 'detail', None)!r} instead of {detail!r}")
    if problems:
        raise StepFailure(
            "right type, wrong " + " and ".join(p.split()[0] for p in problems),
            f"{tck_type}: " + "; ".join(problems) + f" ({str(e)[:150]})",
        )


def _check_side_effects(ctx: _Context, step: Step):
    if ctx.effects is None:
        raise StepFailure("runner: side effects checked before any query", step.text)
    expected = dict.fromkeys(_SIDE_EFFECT_KEYS, 0)
    for row in step.table or []:
        if len(row) != 2 or row[0] not in expected:
            raise StepFailure("runner: bad side effects table", str(row))
        expected[row[0]] = int(row[1])
    if ctx.effects != expected:
        diff = {k: (expected[k], ctx.effects[k]) for k in expected if expected[k] != ctx.effects[k]}
        if ctx.error is not None:
            raise StepFailure(
                f"raised {_error_label(ctx.error)}", f"{_error_label(ctx.error)}: {str(ctx.error)[:300]}"
            )
        raise StepFailure(
            "wrong side effects", ", ".join(f"{k} expected {a} got {b}" for k, (a, b) in diff.items())
        )


def run_scenario(scenario: Scenario, graph_cls=None) -> Outcome:
    """Run one scenario in a fresh graph; never raises for engine failures."""
    if graph_cls is None:
        from prometheus.graph import Graph as graph_cls
    from prometheus.graph.procedures import unregister_procedure

    kind = scenario_kind(scenario)
    ctx = _Context(graph_cls)
    start = time.perf_counter()
    outcome = Outcome(scenario.id, scenario.directory, kind, passed=False, type_ok=False)
    try:
        for step in scenario.steps:
            if step.keyword == "Given":
                _given(ctx, step)
            elif step.keyword == "When":
                _when(ctx, step)
            elif step.keyword == "Then":
                _then(ctx, step)
            else:
                raise StepFailure("runner: unknown step keyword", step.keyword)
        if ctx.error_left_changes:
            raise StepFailure(
                "failed query left changes in the graph",
                f"side effects after the error: { {k: v for k, v in ctx.effects.items() if v} }",
            )
        outcome.passed = True
    except StepFailure as f:
        outcome.cause, outcome.message = f.cause, str(f)
        if f.cause == "failed query left changes in the graph":
            ctx.type_ok = False  # atomicity is part of raising an error correctly
    except ScenarioTimeout as e:
        outcome.cause, outcome.message = "timeout", str(e)
    except Exception as e:  # noqa: BLE001 - an engine crash outside a query (e.g. graph_state)
        outcome.cause, outcome.message = f"crash {type(e).__name__} in runner step", str(e)[:300]
    finally:
        for name in ctx.procedures:
            unregister_procedure(name)
    outcome.type_ok = outcome.passed or (kind == "error" and ctx.type_ok)
    outcome.seconds = time.perf_counter() - start
    return outcome


def all_scenarios() -> list[Scenario]:
    return load_features(FEATURES_DIR)


def tck_available() -> bool:
    return FEATURES_DIR.is_dir()

"""The TCK runner's own parts: Gherkin reading, value literals, strict comparison, verdicts.

These run without ../shared and without the Cypher engine: scenarios are written inline and
executed against a tiny scripted graph, so a runner bug cannot hide behind engine failures.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar

import pytest

from tests.graph.tck import values as V
from tests.graph.tck.gherkin import GherkinError, parse_feature, split_table_row
from tests.graph.tck.runner import run_scenario, scenario_kind, side_effects

# ---------------------------------------------------------------- Gherkin

FEATURE = '''
#encoding: utf-8
Feature: Demo - things

  Background:
    Given an empty graph

  @skipStyleCheck
  Scenario: [1] Plain
    When executing query:
      """
      MATCH (n)
        RETURN n
      """
    Then the result should be, in any order:
      | n   | s       |
      | 1   | 'a\\|b' |
    And no side effects

  Scenario Outline: [2] Outline <x>
    And having executed:
      """
      CREATE ({v: <x>})
      """
    When executing query:
      """
      RETURN <x> AS v
      """
    Then a SyntaxError should be raised at compile time: <detail>

    Examples:
      | x   | detail |
      | 1   | A      |
      | 2.0 | B      |
'''


def test_feature_outline_expansion_background_and_docstrings():
    scenarios = parse_feature(FEATURE, "dir/Demo.feature")
    assert [s.name for s in scenarios] == ["[1] Plain", "[2] Outline 1", "[2] Outline 2.0"]
    plain, first, second = scenarios
    assert plain.tags == ("@skipStyleCheck",)
    assert plain.directory == "dir"
    assert [st.keyword for st in plain.steps] == ["Given", "When", "Then", "Then"]
    # the doc string keeps relative indentation, minus the fence's own indentation
    assert plain.steps[1].doc == "MATCH (n)\n  RETURN n"
    assert plain.steps[2].table == [["n", "s"], ["1", "'a|b'"]]
    # outline: background first, 'And' after Given stays a Given, placeholders substituted
    assert [st.keyword for st in first.steps] == ["Given", "Given", "When", "Then"]
    assert first.steps[1].doc == "CREATE ({v: 1})"
    assert second.steps[2].doc == "RETURN 2.0 AS v"
    assert second.steps[3].text == "a SyntaxError should be raised at compile time: B"
    assert second.id == "dir/Demo.feature::[2] Outline 2.0::example2"
    assert scenario_kind(plain) == "result" and scenario_kind(first) == "error"


def test_table_escapes_follow_gherkin():
    # Gherkin: \\ is a backslash, \| a pipe, \n a newline; other escapes stay as written.
    assert split_table_row(r"| 'a\\\\b' | x\|y | \n | \' |", "t") == ["'a\\\\b'", "x|y", "\n", "\\'"]


def test_bad_feature_is_reported_with_its_line():
    with pytest.raises(GherkinError, match=re.escape("Demo.feature:2: Scenario Outline without Examples")):
        parse_feature("Feature: x\n  Scenario Outline: y\n    Examples:\n", "Demo.feature")


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    "text, value",
    [
        ("1", ("int", 1)),
        ("-9223372036854775808", ("int", -9223372036854775808)),
        ("1.0", ("float", 1.0)),
        ("-1e-305", ("float", -1e-305)),
        (".5", ("float", 0.5)),
        ("NaN", ("float", "NaN")),
        ("-Inf", ("float", -math.inf)),
        ("null", ("null",)),
        ("true", ("bool", True)),
        ("'it\\'s'", ("str", "it's")),
        ("'a\\\\b'", ("str", "a\\b")),
        ("[1, 'x', [null]]", ("list", (("int", 1), ("str", "x"), ("list", (("null",),))))),
        ("{b: 1, a: []}", ("map", (("a", ("list", ())), ("b", ("int", 1))))),
        ("(:B:A {k: 1})", ("node", ("A", "B"), ("map", (("k", ("int", 1)),)))),
        ("()", ("node", (), ("map", ()))),
        ("[:T {w: 2.5}]", ("rel", "T", ("map", (("w", ("float", 2.5)),)))),
        (
            "<(:A)-[:T]->(:B)<-[:U]-()>",
            (
                "path",
                ("node", ("A",), ("map", ())),
                (
                    (("rel", "T", ("map", ())), ">", ("node", ("B",), ("map", ()))),
                    (("rel", "U", ("map", ())), "<", ("node", (), ("map", ()))),
                ),
            ),
        ),
    ],
)
def test_parse_value(text, value):
    assert V.parse_value(text) == value


@pytest.mark.parametrize("bad", ["[1, 2", "'open", "(:A", "<(:A)-[:T]-(:B)>", "1 2", "abc"])
def test_parse_value_rejects_malformed_literals(bad):
    with pytest.raises(V.ValueSyntaxError):
        V.parse_value(bad)


def test_typing_is_strict():
    assert V.canonical(1) != V.canonical(1.0)
    assert V.canonical(True) != V.canonical(1)
    assert V.canonical([1]) != V.parse_value("[1.0]")
    assert V.canonical(float("nan")) == V.parse_value("NaN")
    assert not V.close(("int", 1), ("float", 1.0))
    assert V.close(("float", 0.1 + 0.2), ("float", 0.3))  # last-bit rounding only
    assert not V.close(("float", 0.3001), ("float", 0.3))


class _N:
    def __init__(self, id, labels, props):
        self.id, self.labels, self.properties = id, frozenset(labels), props


class _R:
    def __init__(self, id, type, start, end, props=None):
        self.id, self.type, self.start, self.end, self.properties = id, type, start, end, props or {}


class _P:
    def __init__(self, nodes, rels):
        self.nodes, self.relationships = nodes, rels


def test_engine_entities_canonicalise_like_literals():
    a, b = _N(1, ["A"], {"k": 1}), _N(2, [], {})
    r = _R(7, "T", 2, 1, {"w": 2.5})
    assert V.canonical(a) == V.parse_value("(:A {k: 1})")
    assert V.canonical(r) == V.parse_value("[:T {w: 2.5}]")
    # the relationship points from b to a, so walking a -> b traverses it backwards
    assert V.canonical(_P([a, b], [r])) == V.parse_value("<(:A {k: 1})<-[:T {w: 2.5}]-()>")
    assert V.canonical(_P([a], [])) == V.parse_value("<(:A {k: 1})>")


def test_bag_and_sequence_comparison():
    one, two = (("int", 1),), (("int", 2),)
    assert V.compare_bags([one, two, one], [one, one, two]) == ([], [])
    assert V.compare_bags([one, one], [one, two]) == ([one], [two])
    assert V.compare_sequences([one, two], [one, two]) is None
    assert V.compare_sequences([two, one], [one, two]) == 0
    assert V.compare_sequences([one], [one, two]) == 1
    lists = V.sort_lists(V.parse_value("[[2, 1], 3]"))
    assert lists == V.sort_lists(V.parse_value("[3, [1, 2]]"))


# ---------------------------------------------------------------- verdicts on a scripted graph


class _Result:
    def __init__(self, keys, rows):
        self.keys, self._rows = keys, rows

    def __iter__(self):
        return iter(self._rows)


class _ScriptedError(Exception):
    def __init__(self, tck_type, phase, detail):
        super().__init__(f"{tck_type} {detail}")
        self.tck_type, self.phase, self.detail = tck_type, phase, detail


class ScriptedGraph:
    """A store with the reading API the runner needs; `run` follows SCRIPT[query]."""

    SCRIPT: ClassVar[dict] = {}

    def __init__(self):
        self._nodes = {}
        self._next = 0

    def nodes(self):
        return iter(self._nodes)

    def relationships(self):
        return iter(())

    def node_labels(self, n):
        return self._nodes[n][0]

    def node_properties(self, n):
        return self._nodes[n][1]

    def relationship_properties(self, r):
        return {}

    def run(self, query, params=None):
        action = self.SCRIPT[query.strip()]
        return action(self, params)

    def add(self, labels, props):
        self._next += 1
        self._nodes[self._next] = (set(labels), dict(props))


def _scenario(body: str):
    return parse_feature("Feature: F\n  Scenario: s\n" + body, "x/F.feature")[0]


def _when(query):
    return f'    When executing query:\n      """\n      {query}\n      """\n'


def test_verdict_result_rows_and_side_effects():
    def create(g, params):
        g.add(["L"], {"a": 1, "b": 2.0})
        g.add(["L"], {})
        return _Result(["x", "y"], [(1, "s"), (2.0, None)])

    ScriptedGraph.SCRIPT = {"Q": create}
    ok = _scenario(
        "    Given an empty graph\n" + _when("Q") + "    Then the result should be, in any order:\n"
        "      | y    | x   |\n      | null | 2.0 |\n      | 's'  | 1   |\n"
        "    And the side effects should be:\n"
        "      | +nodes | 2 |\n      | +labels | 1 |\n      | +properties | 2 |\n"
    )
    assert run_scenario(ok, ScriptedGraph).passed
    wrong_type = _scenario(
        "    Given an empty graph\n" + _when("Q") + "    Then the result should be, in order:\n"
        "      | x   | y    |\n      | 1   | 's'  |\n      | 2   | null |\n"
    )
    out = run_scenario(wrong_type, ScriptedGraph)
    assert not out.passed and out.cause == "wrong rows" and "row 1" in out.message
    wrong_effects = _scenario(
        "    Given any graph\n" + _when("Q") + "    Then the result should be, in any order:\n"
        "      | x | y |\n      | 1 | 's' |\n      | 2.0 | null |\n"
        "    And no side effects\n"
    )
    out = run_scenario(wrong_effects, ScriptedGraph)
    assert not out.passed and out.cause == "wrong side effects" and "+nodes expected 0 got 2" in out.message


def test_verdict_errors_strict_and_type_only():
    def fail(g, params):
        raise _ScriptedError("SyntaxError", "compile time", "UndefinedVariable")

    def fail_after_write(g, params):
        g.add([], {})
        raise _ScriptedError("SyntaxError", "runtime", "X")

    def crash(g, params):
        raise KeyError("oops")

    ScriptedGraph.SCRIPT = {
        "E": fail,
        "W": fail_after_write,
        "C": crash,
        "R": lambda g, p: _Result(["r"], [(1,)]),
    }

    def verdict(query, then):
        out = run_scenario(
            _scenario("    Given any graph\n" + _when(query) + f"    Then {then}\n"), ScriptedGraph
        )
        return out.passed, out.type_ok, out.cause

    assert verdict("E", "a SyntaxError should be raised at compile time: UndefinedVariable") == (
        True,
        True,
        "",
    )
    assert verdict("E", "a SyntaxError should be raised at runtime: UndefinedVariable")[:2] == (False, True)
    assert verdict("E", "a SyntaxError should be raised at compile time: Other")[:2] == (False, True)
    assert verdict("E", "a TypeError should be raised at compile time: UndefinedVariable")[:2] == (
        False,
        False,
    )
    assert verdict("C", "a TypeError should be raised at compile time: X")[:2] == (False, False)
    # an error that leaves changes behind breaks atomicity: failed even though the type is right
    passed, type_ok, cause = verdict("W", "a SyntaxError should be raised at runtime: X")
    assert (passed, type_ok, cause) == (False, False, "failed query left changes in the graph")
    passed, _, cause = verdict("R", "a SyntaxError should be raised at runtime: X")
    assert not passed and cause == "expected error not raised"


def test_parameters_reach_the_query_with_python_types():
    ScriptedGraph.SCRIPT = {"P": lambda g, p: _Result(["p"], [(p["p"],)])}
    scenario = _scenario(
        "    Given any graph\n    And parameters are:\n      | p | [1, 2.5, 'x', {k: null}] |\n"
        + _when("P")
        + "    Then the result should be, in any order:\n"
        "      | p |\n      | [1, 2.5, 'x', {k: null}] |\n"
    )
    assert run_scenario(scenario, ScriptedGraph).passed


def test_side_effect_diff_counts_label_names_and_property_triples():
    before = ({1, 2}, {10}, {"A"}, {(("n", 1), "k", ("int", 1))})
    after = ({2, 3}, {10, 11}, {"A", "B"}, {(("n", 1), "k", ("int", 2)), (("n", 3), "k", ("int", 1))})
    assert side_effects(before, after) == {
        "+nodes": 1,
        "-nodes": 1,
        "+relationships": 1,
        "-relationships": 0,
        "+labels": 1,
        "-labels": 0,
        "+properties": 2,
        "-properties": 1,
    }


def test_temporal_values_compare_through_their_cypher_string():
    class Date:  # the TCK writes dates as strings; an engine's Date compares by str()
        def __str__(self):
            return "1910-05-06"

    assert V.canonical(Date()) == V.parse_value("'1910-05-06'")
    assert V.canonical(object())[0] == "unknown"


def test_report_without_shared_data_says_so(monkeypatch, capsys):
    from tests.graph.tck import report, runner

    monkeypatch.setattr(runner, "FEATURES_DIR", runner.FEATURES_DIR / "does-not-exist")
    assert not runner.tck_available()
    assert report.main(["--no-status"]) == 0
    assert "cypher-tck is absent" in capsys.readouterr().out

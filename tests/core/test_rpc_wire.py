"""What crosses the page/core boundary besides plain JSON: an error's own fields, non-finite
numbers both ways, graph values through the one encoder, and aborting a call (rolled back,
and only the call that was meant). The browser half is tests/browser/test_sdk_wire.py."""

from __future__ import annotations

import math

import pytest

from prometheus.rpc import interrupts, method
from prometheus.store import MemoryBackend, open_session, session
from tests.rpc_call import rpc_envelope as call
from tests.rpc_call import run_coroutine


@pytest.fixture(autouse=True)
def fresh_store():
    run_coroutine(open_session(MemoryBackend()))
    yield
    interrupts._control["target"] = lambda: None
    run_coroutine(open_session(MemoryBackend()))


def test_a_cypher_syntax_error_carries_its_position_as_numbers():
    query = "MATCH (n)\nRETURN n +"
    error = call("graph.run", {"query": query})["error"]
    assert error["type"] == "CypherSyntaxError"
    details = error["details"]
    # By hand: the expression is cut off, so the error is at the end of the input: offset
    # len(query) = 20, on line 2 ("RETURN n +" starts at offset 10), column 11 (just past "+").
    assert (details["position"], details["line"], details["column"]) == (20, 2, 11)
    assert details["tck_type"] == "SyntaxError" and details["phase"] == "compile time"
    assert set(details) == {"tck_type", "phase", "detail", "position", "line", "column"}


def test_a_qasm_error_carries_line_and_column():
    qasm = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[5];\n'
    error = call("quantum.run", {"qasm": qasm})["error"]
    assert error["type"] == "QasmError"
    # By hand: `h q[5];` is line 4 and the out-of-range index 5 is its 5th character.
    assert (error["details"]["line"], error["details"]["column"]) == (4, 5)
    assert error["details"]["detail"] == "index 5 is out of range for register 'q' of size 2"


def test_errors_without_fields_have_empty_details_and_foreign_errors_none():
    assert call("core.stats", {"values": []})["error"]["details"] == {}

    @method("test.foreign_error")
    def foreign():
        raise KeyError("not ours")

    assert "details" not in call("test.foreign_error")["error"]


def test_non_finite_numbers_travel_both_ways():
    value = {"nan": math.nan, "inf": math.inf, "list": [1.0, -math.inf, {"deep": math.nan}]}
    echoed = call("core.echo", {"value": value})["result"]
    assert math.isnan(echoed["nan"]) and echoed["inf"] == math.inf
    assert echoed["list"][:2] == [1.0, -math.inf] and math.isnan(echoed["list"][2]["deep"])


def test_an_unknown_number_marker_is_refused():
    from tests.rpc_call import rpc_dispatch_raw

    error = rpc_dispatch_raw("core.echo", '{"value": {"__number__": "Eleven"}}')["error"]
    assert error["type"] == "InvalidParams" and "'Eleven'" in error["message"]


def test_graph_values_are_tagged_and_temporal_values_are_text():
    call("graph.run", {"query": "CREATE (:A {d: date('2024-02-29'), x: 1.5})-[:R {w: 2}]->(:B)"})
    rows = call("graph.run", {"query": "MATCH p = (a:A)-[r:R]->(b) RETURN a, r, p, a.d"})["result"]["rows"]
    a, r, p, d = rows[0]
    assert a["kind"] == "node" and a["labels"] == ["A"] and a["properties"] == {"d": "2024-02-29", "x": 1.5}
    assert (
        r["kind"] == "relationship"
        and r["type"] == "R"
        and (r["start"], r["end"]) == (a["id"], p["nodes"][1]["id"])
    )
    assert p["kind"] == "path" and p["nodes"][0] == a and p["relationships"] == [r]
    assert d == "2024-02-29"


def test_graph_save_is_bytes_and_load_takes_them_back():
    call("graph.run", {"query": "CREATE (:A {n: 1}), (:A {n: 2})"})
    saved = call("graph.save")["result"]
    assert isinstance(saved["snapshot"], bytes) and len(saved["snapshot"]) == saved["bytes"]
    call("graph.clear")
    assert call("graph.load", {"snapshot": saved["snapshot"]})["result"]["nodes"] == 2
    error = call("graph.load", {"snapshot": "aGVsbG8="})["error"]  # base64 text is no longer accepted
    assert error["type"] == "InvalidParams" and "Uint8Array" in error["message"]


# ------------------------------------------------------------------------------ aborting


@method("test.write_then_interrupt", writes=("graph",))
def write_then_interrupt(call_id: int):
    from prometheus.graph.rpc import current_graph

    current_graph().run("CREATE (:Half {done: false})")
    interrupts._on_signal(2, None)  # what Pyodide does when the page writes SIGINT
    current_graph().run("CREATE (:Half {done: true})")
    return "finished"


def test_an_abort_mid_write_rolls_the_call_back_and_answers_abort_error():
    call("graph.run", {"query": "CREATE (:Kept)"})
    before = session().digest()
    interrupts._control["target"] = lambda: 7  # the page asked to stop call 7
    error = call("test.write_then_interrupt", {"call_id": 7}, call_id=7)["error"]
    assert error["type"] == "AbortError" and "nothing it changed was kept" in error["message"]
    assert session().digest() == before
    assert call("graph.run", {"query": "MATCH (n) RETURN count(n)"})["result"]["rows"] == [[1]]


def test_an_abort_meant_for_another_call_is_ignored():
    interrupts._control["target"] = lambda: 6  # a late abort of the previous call
    assert call("test.write_then_interrupt", {"call_id": 7}, call_id=7)["result"] == "finished"
    rows = call("graph.run", {"query": "MATCH (h:Half) RETURN count(h)"})["result"]["rows"]
    assert rows == [[2]]


def test_a_call_aborted_before_it_started_does_not_run():
    ran = []

    @method("test.record_run")
    def record_run():
        ran.append(True)

    interrupts._control["target"] = lambda: 9
    assert call("test.record_run", call_id=9)["error"]["type"] == "AbortError"
    assert ran == []
    assert call("test.record_run", call_id=10) == {"result": None} and ran == [True]


def test_the_signal_outside_a_call_window_is_ignored():
    interrupts._control["target"] = lambda: 3
    interrupts._on_signal(2, None)  # between calls (e.g. the worker delivering another tab's record)
    with interrupts.window(4):
        interrupts._on_signal(2, None)  # inside another call's window
    with pytest.raises(KeyboardInterrupt), interrupts.window(3):
        interrupts._on_signal(2, None)


def test_a_signal_noticed_outside_the_calls_task_is_rearmed_not_lost():
    import asyncio

    rearmed = []
    interrupts._control["rearm"] = lambda: rearmed.append(2)

    async def call_awaiting_javascript(waiting):
        try:
            with interrupts.window(5):
                waiting.set()
                await asyncio.sleep(0.01)  # meanwhile other code (here: the main task) notices the signal
                interrupts._on_signal(2, None)  # the re-armed signal, noticed in the call's own task
                return "not interrupted"
        except KeyboardInterrupt:  # caught here: the event loop treats an escaping one as Ctrl-C
            return "interrupted in its own task"

    async def main():
        waiting = asyncio.Event()
        task = asyncio.ensure_future(call_awaiting_javascript(waiting))
        await waiting.wait()
        interrupts._control["target"] = lambda: 5  # the page aborts call 5 while it awaits
        interrupts._on_signal(2, None)  # noticed in the main task, not the call's: re-armed
        return await task

    try:
        assert run_coroutine(main()) == "interrupted in its own task" and rearmed == [2]
    finally:
        interrupts._control["rearm"] = lambda: None

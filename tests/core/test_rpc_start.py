"""`rpc.start`, the worker's entry point: a call that never waits answers at once, one that
waits goes on in a task, calls keep their order behind the store's lock, and an abort still
lands in the part of a call that runs after it waited. Each case runs in one event loop, as
in the worker (there Pyodide's loop is always running)."""

from __future__ import annotations

import asyncio
import json

import pytest

from prometheus.rpc import dispatch, interrupts, method, start
from prometheus.store import MemoryBackend, open_session
from tests.rpc_call import run_coroutine

events: list[str] = []


@method("test.start_waits")
async def waits(label: str) -> str:
    events.append(f"{label} begins")
    await asyncio.sleep(0.01)
    events.append(f"{label} ends")
    return label


@method("test.start_at_once")
def at_once(label: str) -> str:
    events.append(label)
    return label


@method("test.start_waits_then_spins")
async def waits_then_spins() -> str:
    await asyncio.sleep(0)
    interrupts._on_signal(2, None)  # what Pyodide does when the page's abort arrives now
    return "finished"


@pytest.fixture(autouse=True)
def fresh():
    run_coroutine(open_session(MemoryBackend()))
    events.clear()
    yield
    interrupts._control["target"] = lambda: None


def result(reply: str):
    return json.loads(reply)["result"]


def test_a_call_that_never_waits_answers_at_once():
    async def main():
        reply = start("test.start_at_once", json.dumps({"label": "a"}))
        assert isinstance(reply, str)  # no task, no turn of the loop
        assert reply == await dispatch("test.start_at_once", json.dumps({"label": "a"}))
        return result(reply)

    assert run_coroutine(main()) == "a"


def test_a_call_that_waits_goes_on_in_a_task_and_the_next_queues_behind_it():
    async def main():
        first = start("test.start_waits", json.dumps({"label": "first"}))
        assert asyncio.isfuture(first) and events == ["first begins"]  # ran until it waited
        second = start("test.start_at_once", json.dumps({"label": "second"}))
        assert asyncio.isfuture(second) and events == ["first begins"]  # the store is busy: queued
        return [result(await first), result(await second)]

    assert run_coroutine(main()) == ["first", "second"]
    assert events == ["first begins", "first ends", "second"]


def test_an_abort_lands_after_the_call_waited():
    async def main():
        interrupts._control["target"] = lambda: 7
        pending = start("test.start_waits_then_spins", "{}", call_id=8)  # another call's abort
        assert result(await pending) == "finished"
        interrupts._control["target"] = lambda: 9
        pending = start("test.start_waits_then_spins", "{}", call_id=None)
        assert result(await pending) == "finished"  # no id, no window: never aborted
        pending = start("test.start_waits_then_spins", "{}", call_id=10)
        interrupts._control["target"] = lambda: 10  # the page aborts call 10 while it waits
        return json.loads(await pending)

    reply = run_coroutine(main())
    assert reply["error"]["type"] == "AbortError"


def test_bad_input_answers_an_error_at_once_and_changes_nothing():
    from prometheus.store import session

    async def main():
        before = session().digest()
        replies = [
            start("graph.run", '{"query": '),  # cut-off JSON
            start("no.such_method", "{}"),
            start("graph.run", json.dumps({"query": "CREATE (:Half"})),  # a write that does not parse
            start("graph.run", json.dumps({"query": 5})),
        ]
        assert all(isinstance(r, str) for r in replies)  # refused before anything waited
        return before, [json.loads(r)["error"] for r in replies], session().digest()

    before, errors, after = run_coroutine(main())
    assert [e["type"] for e in errors] == [
        "ValidationError",
        "UnknownMethod",
        "CypherSyntaxError",
        "InvalidParams",
    ]
    assert "params are not valid JSON" in errors[0]["message"] and "no.such_method" in errors[1]["message"]
    assert "params.query" in errors[3]["message"]
    assert after == before

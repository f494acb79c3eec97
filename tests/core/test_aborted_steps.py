"""An abort lands between any two bytecodes of a write, and the call still rolls back whole.

Each case runs a real write call through `dispatch` with SIGINT raised at the k-th bytecode
of one write step (a graph record change, a collection op), for every k from the step's
first bytecode to past its last: the call must answer AbortError and leave the store's
digest as it was, and the graph's label table must agree with its records. Before `@atomic`
(prometheus/atomic.py) a cut between a record change and its undo entry left a node the
rollback could not see.

The coroutine is stepped in this thread (sys.settrace is per thread), the way tests/rpc_call.py
steps it inside Pyodide.
"""

from __future__ import annotations

import json
import signal
import sys

import pytest

from prometheus.graph.rpc import current_graph
from prometheus.graph.store import Graph
from prometheus.learn.collection import Collection
from prometheus.rpc import dispatch, interrupts
from prometheus.store import MemoryBackend, open_session, session
from tests.rpc_call import rpc_envelope as call
from tests.rpc_call import run_coroutine, run_stepped

CALL = 7  # the id of the call the page aborts


@pytest.fixture(autouse=True)
def fresh_store():
    run_coroutine(open_session(MemoryBackend()))
    yield
    interrupts._control["target"] = interrupts._control["rearm"] = lambda: None
    run_coroutine(open_session(MemoryBackend()))


def interrupted(step, k: int, method: str, params: dict) -> tuple[dict, bool]:
    """Runs the call with the page's abort arriving at the k-th bytecode executed inside `step`
    (its first run in the call, callees included); returns the reply and whether it arrived.

    A trace function plays Pyodide's part: it polls the interrupt "buffer" before every bytecode
    and calls the worker's SIGINT handler, whose KeyboardInterrupt then rises in the traced
    frame; the handler's re-arm sets the buffer again."""
    state = {"inside": None, "count": 0, "armed": False, "sent": False}
    interrupts._control["rearm"] = lambda: state.__setitem__("armed", True)

    def opcodes(frame, event, arg):
        if event == "opcode":
            if state["inside"] is not None and not state["sent"]:
                state["count"] += 1
                if state["count"] == k:  # the page names the call, then writes SIGINT
                    state["sent"] = state["armed"] = True
                    interrupts._control["target"] = lambda: CALL
                    caller = frame.f_back
                    while caller is not None:  # the signal may land after the step returns
                        caller.f_trace, caller.f_trace_opcodes = opcodes, True
                        caller = caller.f_back
            if state["armed"]:
                state["armed"] = False
                interrupts._on_signal(signal.SIGINT, frame)
        elif event == "return" and frame is state["inside"]:
            state["inside"] = None
        return opcodes

    def calls(frame, event, arg):
        if not state["sent"] and state["inside"] is None:
            if frame.f_code is not step.__code__ or state["count"]:
                return None
            state["inside"] = frame
        frame.f_trace_opcodes = True
        return opcodes

    sys.settrace(calls)
    try:
        reply = json.loads(run_stepped(dispatch(method, json.dumps(params), call_id=CALL)))
    finally:
        sys.settrace(None)
        interrupts._control["target"] = lambda: None
    return reply, state["sent"]


def labels_agree_with_records(graph) -> bool:
    table = {label: set(ids) for label, ids in graph._by_label.items()}
    records: dict[str, set] = {}
    for nid, rec in graph._nodes.items():
        for label in rec.labels:
            records.setdefault(label, set()).add(nid)
    return table == records


SETUP = "CREATE (:Kept {k: 1})-[:R {w: 1}]->(:Kept {k: 2})"
CASES = [  # (the step, the call whose run of it is cut)
    (Graph.add_node, "graph.run", {"query": "CREATE (:AbortProbe {i: 1})-[:R {w: 2}]->(:Other)"}),
    (Graph.add_relationship, "graph.run", {"query": "CREATE (:AbortProbe {i: 1})-[:R {w: 2}]->(:Other)"}),
    (Graph.set_node_property, "graph.run", {"query": "MATCH (n:Kept {k: 1}) SET n.k = 3"}),
    (Graph.set_relationship_property, "graph.run", {"query": "MATCH ()-[r:R]->() SET r.w = 5"}),
    (Graph.add_label, "graph.run", {"query": "MATCH (n:Kept) SET n:Extra"}),
    (Graph.remove_label, "graph.run", {"query": "MATCH (n:Kept) REMOVE n:Kept"}),
    (Graph.delete_node, "graph.run", {"query": "MATCH (n:Kept {k: 2}) DETACH DELETE n"}),
    (Collection.apply, "learn.add_cards", {"cards": [{"front": "q", "back": "a"}]}),
]


@pytest.mark.parametrize(("step", "method", "params"), CASES, ids=[c[0].__qualname__ for c in CASES])
def test_an_abort_at_every_bytecode_of_a_write_step_rolls_back_whole(step, method, params):
    assert call("graph.run", {"query": SETUP})["result"]
    assert call("graph.run", {"query": "MATCH (n:Kept {k: 1}) RETURN n.k"})["result"]  # indexes (Kept, k)
    before = session().digest()
    cuts = 0
    for k in range(1, 10_000):
        reply, raised = interrupted(step, k, method, params)
        if not raised:  # k is past the step's last bytecode: the call ran through
            assert "result" in reply, reply
            break
        cuts += 1
        assert reply["error"]["type"] == "AbortError", (k, reply)
        assert session().digest() == before, f"cut at bytecode {k} of {step.__qualname__} was kept"
        assert labels_agree_with_records(current_graph()), k
    assert cuts > 20  # the step was reached and cut at each of its bytecodes

"""The srs.* methods through the RPC dispatcher on CPython (JSON in, JSON out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import numpy as np
import pytest

from tests.rpc_call import rpc_envelope

START = datetime(2024, 7, 1, 9, tzinfo=UTC)


def call(method, params, progress=None):
    return rpc_envelope(method, params, progress)


def test_review_and_error_envelopes():
    card = call("srs.new_card", {"card_id": 5, "due": START.isoformat()})["result"]
    out = call("srs.review", {"card": card, "rating": "good", "review_datetime": START.isoformat()})["result"]
    ref, _ = fsrs.Scheduler().review_card(fsrs.Card(card_id=5, due=START), fsrs.Rating.Good, START)
    assert out["card"] == ref.to_dict()
    error = call(
        "srs.review",
        {"card": out["card"], "rating": 3, "review_datetime": (START - timedelta(days=1)).isoformat()},
    )["error"]
    assert error["type"] == "ValidationError" and "before the card's last_review" in error["message"]
    error = call("srs.review", {"card": {**card, "stability": "x"}, "rating": 3})["error"]
    assert error["type"] == "InvalidParams" and "params.card.stability" in error["message"]
    error = call("srs.review", {"card": card, "rating": 3, "scheduler": {"parameters": [0.1] * 21}})["error"]
    assert error["type"] == "ValidationError" and "parameters[4] = 0.1" in error["message"]


def test_undo_and_reschedule_round_trip():
    card = call("srs.new_card", {"card_id": 8, "due": START.isoformat()})["result"]
    cards, logs = [card], []
    now = START
    for rating in (3, 3, 1, 3, 4):
        out = call("srs.review", {"card": cards[-1], "rating": rating, "review_datetime": now.isoformat()})[
            "result"
        ]
        cards.append(out["card"])
        logs.append(out["review_log"])
        now = datetime.fromisoformat(out["card"]["due"])
    undone = call("srs.undo", {"card": cards[-1], "review_logs": logs})["result"]
    assert undone["card"] == cards[-2] and undone["review_logs"] == logs[:-1]
    resched = call("srs.reschedule", {"card": cards[-1], "review_logs": logs})["result"]
    assert resched == cards[-1]


def test_columns_validation_and_values():
    now = START + timedelta(days=3)
    last = int(START.timestamp() * 1000)
    out = call(
        "srs.retrievability_columns",
        {"stability": [2.0, None], "last_review_ms": [last, None], "now": now.isoformat()},
    )["result"]
    ref = fsrs.Scheduler().get_card_retrievability(
        fsrs.Card(card_id=1, state=fsrs.State.Review, stability=2.0, difficulty=5.0, last_review=START), now
    )
    assert out.dtype == "float64" and out.tolist() == [pytest.approx(ref, abs=1e-15), 0.0]
    error = call("srs.retrievability_columns", {"stability": [2.0], "last_review_ms": [None]})["error"]
    assert "last_review_ms[0] is null" in error["message"]
    error = call("srs.forecast_columns", {"due_ms": [1, "x"]})["error"]
    assert (
        error["type"] == "InvalidParams" and "params.due_ms[1] must be a number, got str" in error["message"]
    )


def test_optimize_reports_progress_and_small_data_rule():
    logs = []
    for card in range(3):
        for k in range(2):
            logs.append(
                {
                    "card_id": card,
                    "rating": 3,
                    "review_datetime": (START + timedelta(days=3 * k)).isoformat(),
                    "review_duration": 1000,
                }
            )
    events = []
    out = call(
        "srs.optimize", {"review_logs": logs}, lambda stage, fraction: events.append((stage, fraction))
    )
    assert out["result"]["rule"] == "defaults"
    assert events[0] == ("prepare", 0.0) and events[-1] == ("done", 1.0)
    bad = call(
        "srs.optimize", {"review_logs": [{"card_id": 1, "rating": 7, "review_datetime": START.isoformat()}]}
    )
    assert (
        bad["error"]["type"] == "InvalidParams" and "params.review_logs[0].rating" in bad["error"]["message"]
    )


def test_memory_states_name_each_card_in_order():
    """The RPC layer's conversion: card ids as a JSON list beside the engine's per-card states."""
    from prometheus.srs.card import ReviewLog
    from prometheus.srs.collection import memory_states
    from prometheus.srs.importers import ReviewTable
    from prometheus.srs.parameters import DEFAULT_PARAMETERS

    logs = [
        {"card_id": 9, "rating": 4, "review_datetime": "2024-01-02T10:00:00+00:00"},
        {"card_id": 7, "rating": 3, "review_datetime": "2024-01-01T10:00:00+00:00"},
        {"card_id": 7, "rating": 1, "review_datetime": "2024-01-05T10:00:00+00:00"},
    ]
    out = call("srs.memory_states", {"review_logs": logs})["result"]
    s, d = memory_states(
        ReviewTable.from_logs([ReviewLog.from_dict(x) for x in logs]).history(), DEFAULT_PARAMETERS
    )
    assert out["card_ids"] == [7, 9]
    # float64 arrays travel as typed arrays (rpc_call decodes them to numpy, as the page gets Float64Array)
    assert np.array_equal(out["stability"], s) and np.array_equal(out["difficulty"], d)

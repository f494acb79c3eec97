"""The learner's own model: optimizing on the collection's log, applying, optimal retention."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from prometheus.graph.store import Graph
from prometheus.learn import Collection, LearnError, model, study
from prometheus.srs.evaluation import evaluate
from prometheus.srs.history import build_history

T0 = datetime(2023, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def studied():
    """A learner who forgets faster than the default model expects (stability x 0.3)."""
    rng = random.Random(7)
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    study.settings(
        col, {"learning_steps": [], "relearning_steps": [], "reviews_per_day": 10_000, "new_per_day": 10_000}
    )
    ids = study.add_cards(col, [{"front": f"q{i}", "back": "a"} for i in range(150)], now=T0.isoformat())[
        "ids"
    ]
    for card_id in ids:
        moment = T0 + timedelta(minutes=rng.randrange(600))
        rating = 3
        for _ in range(7):
            state = study.answer(
                col, card_id, rating, now=moment.isoformat(), duration_ms=rng.randrange(2000, 9000)
            )
            gap = max(1, round(state["interval_days"] * rng.uniform(0.8, 1.6)))
            moment = moment + timedelta(days=gap)
            decay, factor = -0.1542, 0.9 ** (1 / -0.1542) - 1
            recall = (1 + factor * gap / (0.3 * state["stability"])) ** decay
            rating = 3 if rng.random() < recall else 1
    return col


def test_optimizing_lowers_the_log_loss_and_applying_is_undoable(studied):
    col = studied
    progress = []
    result = model.optimize(col, progress=lambda stage, fraction: progress.append(fraction))
    assert result["rule"] == "trained" and result["reviews"] == col.log.n == 150 * 7
    assert result["log_loss_after"] < result["log_loss_before"]
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)
    # the 'before' figure is the srs engine's own evaluation of the same log (calendar days)
    log = col.log
    history = build_history(
        log.col("card"),
        log.col("rating").astype(int),
        log.col("time"),
        day_start=(0, col.settings["day_start_hour"]),
    )
    assert result["log_loss_before"] == pytest.approx(
        evaluate(history, col.settings["parameters"])["log_loss"]
    )
    before = col.to_bytes()
    model.apply_parameters(col, result["parameters"])
    assert col.settings["parameters"] == result["parameters"]
    assert study.undo(col)["undone"] == "settings"
    assert col.to_bytes() == before


def test_optimal_retention_is_one_of_the_candidates(studied):
    result = model.optimal_retention(studied)
    assert result["optimal_retention"] in result["candidates"]
    assert len(result["costs"]) == len(result["candidates"])


def test_optimizing_an_empty_log_is_refused():
    with pytest.raises(LearnError, match="no reviews"):
        model.optimize(Collection())
    with pytest.raises(LearnError, match="parameters"):
        model.apply_parameters(Collection(), [1.0, 2.0])

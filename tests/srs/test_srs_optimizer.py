"""The optimizer on the josh dataset (published py-fsrs scores as the bar) and its rules."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pytest

from prometheus.srs.evaluation import evaluate, time_series_split
from prometheus.srs.history import build_history
from prometheus.srs.importers import read_review_csv
from prometheus.srs.optimizer import Optimizer, OptimizerConfig
from prometheus.srs.parameters import DEFAULT_PARAMETERS, LOWER_BOUNDS, UPPER_BOUNDS, validate_parameters
from prometheus.srs.retention import optimal_retention

# From ../shared/datasets/README.md (measured with py-fsrs): default parameters score
# log loss 0.4587 and AUC 0.7139; the py-fsrs Optimizer's parameters log loss 0.4387, AUC 0.7236.
PUBLISHED_DEFAULT_LOG_LOSS = 0.4587
PUBLISHED_DEFAULT_AUC = 0.7139
PYFSRS_OPTIMIZED_LOG_LOSS = 0.4387
TARGET_RMSE_BINS = 0.041


@pytest.fixture(scope="module")
def josh(josh_path):
    return read_review_csv(josh_path).history()


@pytest.fixture(scope="module")
def fitted(josh):
    return Optimizer(josh).fit()


def test_evaluator_reproduces_published_default_scores(josh):
    scores = evaluate(josh, DEFAULT_PARAMETERS)
    assert scores["log_loss"] == pytest.approx(PUBLISHED_DEFAULT_LOG_LOSS, abs=5e-5)
    assert scores["auc"] == pytest.approx(PUBLISHED_DEFAULT_AUC, abs=5e-5)


def test_fit_beats_the_pyfsrs_optimizer_on_josh(josh, fitted):
    assert fitted.rule == "trained"
    validate_parameters(fitted.parameters)
    scores = evaluate(josh, fitted.parameters)
    assert scores["log_loss"] <= PYFSRS_OPTIMIZED_LOG_LOSS
    assert scores["rmse_bins"] <= TARGET_RMSE_BINS
    assert scores["auc"] > PUBLISHED_DEFAULT_AUC


def test_fit_is_deterministic_and_seeded(josh, fitted):
    assert Optimizer(josh).fit().parameters == fitted.parameters
    other = Optimizer(josh, OptimizerConfig(seed=7)).fit().parameters
    assert other != fitted.parameters
    assert evaluate(josh, other)["log_loss"] < PUBLISHED_DEFAULT_LOG_LOSS


def test_parameters_stay_in_bounds_with_a_huge_learning_rate(josh):
    params = Optimizer(josh, OptimizerConfig(learning_rate=5.0, epochs=2, min_steps=0)).fit().parameters
    assert all(lo <= p <= hi for p, lo, hi in zip(params, LOWER_BOUNDS, UPPER_BOUNDS))


def test_held_out_time_series_split_beats_defaults(josh):
    fitted = time_series_split(josh, n_splits=3)
    baseline = time_series_split(josh, n_splits=3, fit=lambda h: DEFAULT_PARAMETERS)
    assert fitted["reviews"] == baseline["reviews"] > 1000
    assert fitted["log_loss"] < baseline["log_loss"]
    for fold in fitted["folds"]:
        assert fold["train_reviews"] < josh.num_reviews


def _tiny_history(reviews_per_card, cards, gap_days=3):
    rng = np.random.default_rng(0)
    ids, ratings, times = [], [], []
    for card in range(cards):
        t = 1_700_000_000_000_000 + card * 1_000_000
        for _ in range(reviews_per_card):
            ids.append(card)
            ratings.append(int(rng.choice([1, 3, 3, 3])))
            times.append(t)
            t += gap_days * 86_400_000_000
    return build_history(ids, ratings, times)


def test_small_data_rules():
    assert Optimizer(_tiny_history(2, 5)).fit().rule == "defaults"  # 5 targets
    few = Optimizer(_tiny_history(2, 40)).fit()  # 40 targets: only the initial stabilities
    assert few.rule == "pretrain_only"
    assert few.parameters[4:] == list(DEFAULT_PARAMETERS[4:])
    assert few.parameters[:4] != list(DEFAULT_PARAMETERS[:4])
    assert Optimizer(_tiny_history(5, 40)).fit().rule == "trained"


def test_optimal_retention_is_a_candidate_and_deterministic(josh, fitted):
    a = optimal_retention(fitted.parameters, josh, cards=300, days=180)
    b = optimal_retention(fitted.parameters, josh, cards=300, days=180)
    assert a == b
    assert a["optimal_retention"] in a["candidates"]
    assert a["costs"][-1] > min(a["costs"])  # 95% retention is never the cheapest here


def test_recovers_the_fit_of_parameters_that_generated_the_data():
    """Reviews simulated from known parameters: the fit must score as well as the truth."""
    from datetime import datetime, timedelta

    from prometheus.srs import Card, Rating, ReviewLog, Scheduler
    from prometheus.srs.history import history_from_logs

    truth = list(DEFAULT_PARAMETERS)
    truth[0:4] = [0.5, 2.0, 5.0, 15.0]
    truth[8], truth[9], truth[10], truth[20] = 1.4, 0.4, 1.1, 0.6
    scheduler = Scheduler(parameters=truth, enable_fuzzing=False, learning_steps=(), relearning_steps=())
    rng = np.random.default_rng(3)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    logs = []
    for card_id in range(500):
        card = Card(card_id=card_id, due=start)
        now = start + timedelta(hours=int(rng.integers(0, 2000)))
        rating = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.1, 0.6, 0.1]))
        for _ in range(int(rng.integers(3, 14))):
            card, log = scheduler.review_card(card, Rating(rating), now)
            logs.append(log)
            interval = card.due - card.last_review  # review anywhere from early to very late
            now = (
                card.last_review
                + interval * float(rng.uniform(0.3, 4.0))
                + timedelta(hours=int(rng.integers(0, 12)))
            )
            recalled = rng.random() < scheduler.get_card_retrievability(card, now)
            rating = int(rng.choice([2, 3, 4], p=[0.15, 0.75, 0.1])) if recalled else 1
    history = history_from_logs(logs)
    fitted = Optimizer(history).fit().parameters
    truth_loss = evaluate(history, truth)["log_loss"]
    assert evaluate(history, fitted)["log_loss"] <= truth_loss + 0.003
    assert evaluate(history, DEFAULT_PARAMETERS)["log_loss"] > truth_loss + 0.01
    assert isinstance(logs[0], ReviewLog)

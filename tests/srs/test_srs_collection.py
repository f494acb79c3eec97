"""Vectorized collection operations against py-fsrs card by card, and exact gradients."""

from __future__ import annotations

import random
from datetime import timedelta

import fsrs
import numpy as np
import pytest

from prometheus.errors import ValidationError
from prometheus.srs import Card, Rating, ReviewLog, Scheduler
from prometheus.srs.collection import CardArrays, forecast, memory_states, predicted_recall, retrievability
from prometheus.srs.history import history_from_logs
from prometheus.srs.parameters import DEFAULT_PARAMETERS
from prometheus.srs.recurrence import run

from .conftest import random_gap, random_parameters, utc

START = utc(2024, 2, 1, 6)


def _collection(seed: int, cards: int, params=DEFAULT_PARAMETERS):
    rng = random.Random(seed)
    ref = fsrs.Scheduler(parameters=params, enable_fuzzing=False)
    ref_cards, logs = [], []
    for card_id in range(cards):
        card = fsrs.Card(card_id=card_id, due=START)
        now = START + timedelta(minutes=rng.randint(0, 5000))
        for _ in range(rng.randint(1, 25)):
            card, log = ref.review_card(card, fsrs.Rating(rng.choice([1, 2, 3, 3, 4])), now)
            logs.append(log)
            now = random_gap(rng, card.due, now)
        ref_cards.append(card)
    ours = [Card.from_dict(c.to_dict()) for c in ref_cards]
    our_logs = [ReviewLog.from_dict(log.to_dict()) for log in logs]
    return ref, ref_cards, ours, our_logs


@pytest.mark.parametrize("seed", range(3))
def test_memory_states_replayed_from_logs_match_pyfsrs(seed):
    rng = random.Random(seed)
    params = random_parameters(rng) if seed else list(DEFAULT_PARAMETERS)
    _ref, ref_cards, _, logs = _collection(seed, 150, params)
    history = history_from_logs(logs)
    stability, difficulty = memory_states(history, params)
    by_id = {c.card_id: c for c in ref_cards}
    for i, card_id in enumerate(history.card_ids):
        assert stability[i] == pytest.approx(by_id[card_id].stability, rel=1e-9, abs=1e-6)
        assert difficulty[i] == pytest.approx(by_id[card_id].difficulty, rel=1e-9, abs=1e-6)


def test_vectorized_retrievability_matches_pyfsrs_loop():
    ref, ref_cards, ours, _ = _collection(5, 300)
    ours.append(Card(card_id=10_000, due=START))  # never reviewed: R = 0
    ref_cards.append(fsrs.Card(card_id=10_000, due=START))
    arrays = CardArrays.from_cards(ours)
    for days in (0, 1, 7, 100, 1000):
        now = START + timedelta(days=days, hours=5)
        got = retrievability(arrays.stability, arrays.last_review_us, now, DEFAULT_PARAMETERS)
        expected = [ref.get_card_retrievability(c, now) for c in ref_cards]
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_predicted_recall_matches_retrievability_before_each_review():
    rng = random.Random(8)
    scheduler = Scheduler(enable_fuzzing=False)
    card, logs, expected = Card(card_id=1, due=START), [], []
    now = START
    for _ in range(20):
        expected.append(scheduler.get_card_retrievability(card, now) if logs else np.nan)
        card, log = scheduler.review_card(card, rng.choice(list(Rating)), now)
        logs.append(log)
        now = random_gap(rng, card.due, now)
    got = predicted_recall(history_from_logs(logs))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_forecast_counts_by_day():
    now = utc(2024, 6, 10, 15)
    dues = [
        now - timedelta(days=3),
        now,
        now + timedelta(hours=8),
        now + timedelta(hours=9),
        now + timedelta(days=1),
        now + timedelta(days=6, hours=20),
        now + timedelta(days=40),
    ]
    cards = [Card(card_id=i, due=d) for i, d in enumerate(dues)]
    due_us = CardArrays.from_cards(cards).due_us
    # UTC days: day 0 = June 10 holds the overdue card, now, +8h (23:00); +9h is June 11.
    assert forecast(due_us, 8, now).tolist() == [3, 2, 0, 0, 0, 0, 0, 1]
    # Days starting at 04:00 in UTC+2: now is 17:00 local on June 10 (day 0), +8h = 01:00 local
    # on June 11 is still day 0 (before 04:00), +9h = 02:00 local too; +1 day is day 1.
    assert forecast(due_us, 8, now, day_start=(120, 4)).tolist() == [4, 1, 0, 0, 0, 0, 0, 1]
    with pytest.raises(ValidationError, match="days must be >= 1"):
        forecast(due_us, 0, now)


def test_forecast_equals_a_card_by_card_count():
    _, _, ours, _ = _collection(9, 200)
    now = START + timedelta(days=10)
    counts = forecast(CardArrays.from_cards(ours).due_us, 60, now)
    expected = np.zeros(60, int)
    for card in ours:
        offset = max((card.due.date() - now.date()).days, 0)
        if offset < 60:
            expected[offset] += 1
    assert counts.tolist() == expected.tolist()


def test_gradient_equals_finite_differences():
    rng = np.random.default_rng(0)
    n, steps = 200, 15
    ratings = rng.integers(1, 5, (n, steps))
    lengths = rng.integers(1, steps + 1, n)
    ratings[np.arange(steps)[None, :] >= lengths[:, None]] = 0
    elapsed = rng.choice([0, 0, 1, 2, 4, 9, 30, 200], (n, steps)).astype(float)
    weights = ((elapsed >= 1) & (ratings > 0)).astype(float) * rng.uniform(0.25, 1, (n, steps))
    weights[:, 0] = 0
    w = np.array(random_parameters(random.Random(4)))
    w = np.clip(w, np.array(DEFAULT_PARAMETERS) * 0 + 0.01, None)  # keep away from 0 bounds
    grad = run(w, ratings, elapsed, loss_weights=weights, want_gradient=True)["gradient"]
    for j in range(21):
        h = 1e-6 * max(1.0, abs(w[j]))
        up, down = w.copy(), w.copy()
        up[j] += h
        down[j] -= h
        fd = (
            run(up, ratings, elapsed, loss_weights=weights)["loss"]
            - run(down, ratings, elapsed, loss_weights=weights)["loss"]
        ) / (2 * h)
        assert grad[j] == pytest.approx(fd, rel=1e-4, abs=1e-4), j

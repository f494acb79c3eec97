"""Preview of the four outcomes, undo of the last review, retrievability of unseen cards."""

from __future__ import annotations

import random
from datetime import timedelta

import fsrs

from prometheus.srs import Card, Rating, Scheduler

from .conftest import random_gap, utc

START = utc(2024, 5, 5, 9)


def test_preview_equals_each_review_and_pyfsrs():
    scheduler = Scheduler(enable_fuzzing=False)
    ref = fsrs.Scheduler(enable_fuzzing=False)
    card = Card(card_id=2, due=START)
    ref_card = fsrs.Card(card_id=2, due=START)
    now = START
    rng = random.Random(3)
    for _ in range(12):
        preview = scheduler.preview_card(card, now)
        assert set(preview) == set(Rating)
        for rating in Rating:
            expected, _ = ref.review_card(ref_card, fsrs.Rating(int(rating)), now)
            assert preview[rating].due == expected.due
            assert preview[rating].stability == expected.stability
        rating = rng.choice(list(Rating))
        card, _ = scheduler.review_card(card, rating, now)
        ref_card, _ = ref.review_card(ref_card, fsrs.Rating(int(rating)), now)
        now = random_gap(rng, card.due, now)


def test_undo_restores_the_previous_card():
    rng = random.Random(11)
    for enable_fuzzing in (False, True):
        scheduler = Scheduler(enable_fuzzing=enable_fuzzing)
        card = Card(card_id=77, due=START)
        history, logs = [], []
        now = START
        for _ in range(15):
            history.append(card)
            card, log = scheduler.review_card(card, rng.choice(list(Rating)), now)
            logs.append(log)
            now = random_gap(rng, card.due, now)
        for expected in reversed(history[1:]):
            card, logs = scheduler.undo_review(card, logs)
            assert card == expected
        card, logs = scheduler.undo_review(card, logs)
        assert logs == [] and card.stability is None and card.last_review is None


def test_unreviewed_card_has_zero_retrievability():
    assert Scheduler().get_card_retrievability(Card(card_id=1, due=START), START) == 0
    assert fsrs.Scheduler().get_card_retrievability(fsrs.Card(card_id=1, due=START), START) == 0


def test_retrievability_counts_whole_days_like_pyfsrs():
    scheduler, ref = Scheduler(), fsrs.Scheduler()
    card, _ = scheduler.review_card(Card(card_id=1, due=START), Rating.Easy, START)
    ref_card, _ = ref.review_card(fsrs.Card(card_id=1, due=START), fsrs.Rating.Easy, START)
    for hours in (0, 23, 24, 47, 48, 24 * 30 + 5):
        at = START + timedelta(hours=hours)
        assert scheduler.get_card_retrievability(card, at) == ref.get_card_retrievability(ref_card, at)

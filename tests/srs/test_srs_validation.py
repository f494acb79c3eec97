"""Bad input raises a ValidationError naming the field and value, and changes nothing."""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime, timedelta, timezone

import fsrs
import pytest

from prometheus.errors import ValidationError
from prometheus.srs import Card, Rating, ReviewLog, Scheduler, State
from prometheus.srs.parameters import DEFAULT_PARAMETERS

from .conftest import utc

START = utc(2024, 3, 1, 12)


def _reviewed_card():
    card, _ = Scheduler(enable_fuzzing=False).review_card(Card(card_id=9, due=START), Rating.Good, START)
    return card


@pytest.mark.parametrize("rating", [0, 5, -1, "great", None, 2.5, True])
def test_unknown_rating(rating):
    card = _reviewed_card()
    before = copy.deepcopy(card)
    with pytest.raises(ValidationError, match=r"rating .*" + ("" if rating is None else "")):
        Scheduler().review_card(card, rating, START + timedelta(days=1))
    assert card == before


def test_rating_names_and_ints_are_accepted():
    scheduler = Scheduler(enable_fuzzing=False)
    card = Card(card_id=1, due=START)
    by_name, _ = scheduler.review_card(card, "easy", START)
    by_int, _ = scheduler.review_card(card, 4, START)
    by_enum, _ = scheduler.review_card(card, Rating.Easy, START)
    assert by_name == by_int == by_enum


def test_naive_datetime_is_rejected_everywhere():
    naive = datetime(2024, 3, 2, 12)
    card = _reviewed_card()
    with pytest.raises(ValidationError, match=r"review_datetime must be timezone-aware.*2024-03-02T12:00:00"):
        Scheduler().review_card(card, Rating.Good, naive)
    with pytest.raises(ValidationError, match="current_datetime must be timezone-aware"):
        Scheduler().get_card_retrievability(card, naive)
    with pytest.raises(ValidationError, match=re.escape("card.due must be timezone-aware")):
        Card(card_id=1, due=naive)
    with pytest.raises(ValidationError, match=re.escape("review_log.review_datetime")):
        ReviewLog(1, Rating.Good, naive)


def test_other_timezones_are_accepted_and_stored_in_utc():
    plus_two = timezone(timedelta(hours=2))
    scheduler = Scheduler(enable_fuzzing=False)
    a, _ = scheduler.review_card(
        Card(card_id=1, due=START), Rating.Good, datetime(2024, 3, 1, 14, tzinfo=plus_two)
    )
    b, _ = scheduler.review_card(Card(card_id=1, due=START), Rating.Good, START)
    assert a == b and a.last_review.tzinfo == UTC


def test_review_before_last_review_is_rejected():
    card = _reviewed_card()
    before = copy.deepcopy(card)
    with pytest.raises(
        ValidationError,
        match=r"review_datetime 2024-03-01T11:59:00\+00:00 is before .*last_review 2024-03-01T12:00:00",
    ):
        Scheduler().review_card(card, Rating.Good, START - timedelta(minutes=1))
    assert card == before


@pytest.mark.parametrize(
    "index, value, message",
    [
        (3, math.nan, r"parameters\[3\] = nan is not finite"),
        (20, math.inf, r"parameters\[20\] = inf is not finite"),
        (4, 0.5, r"parameters\[4\] = 0.5 is outside its bounds \[1.0, 10.0\]"),
        (13, 0.95, r"parameters\[13\] = 0.95 is outside its bounds \[0.001, 0.9\]"),
        (0, "x", r"parameters\[0\] = 'x' is not a number"),
    ],
)
def test_bad_parameters(index, value, message):
    params = list(DEFAULT_PARAMETERS)
    params[index] = value
    with pytest.raises(ValidationError, match=message):
        Scheduler(parameters=params)


def test_wrong_parameter_count_and_other_settings():
    with pytest.raises(ValidationError, match="parameters must have 21 values, got 19"):
        Scheduler(parameters=DEFAULT_PARAMETERS[:19])
    with pytest.raises(ValidationError, match=re.escape("desired_retention must be < 1.0, got 1.0")):
        Scheduler(desired_retention=1.0)
    with pytest.raises(ValidationError, match="desired_retention must be finite, got nan"):
        Scheduler(desired_retention=math.nan)
    with pytest.raises(ValidationError, match="maximum_interval must be >= 1, got 0"):
        Scheduler(maximum_interval=0)
    with pytest.raises(ValidationError, match=r"learning_steps\[1\] must be positive"):
        Scheduler(learning_steps=[timedelta(minutes=1), timedelta(0)])
    with pytest.raises(ValidationError, match="enable_fuzzing must be true or false"):
        Scheduler(enable_fuzzing="yes")
    with pytest.raises(ValidationError, match="unknown field"):
        Scheduler.from_dict({**Scheduler().to_dict(), "surprise": 1})


def test_bad_card_dicts():
    good = _reviewed_card().to_dict()
    with pytest.raises(ValidationError, match=re.escape("card.stability must be a finite number")):
        Card.from_dict({**good, "stability": math.nan})
    with pytest.raises(ValidationError, match=re.escape("card.state must be one of")):
        Card.from_dict({**good, "state": 7})
    with pytest.raises(ValidationError, match="card is missing field"):
        Card.from_dict({k: v for k, v in good.items() if k != "due"})
    with pytest.raises(ValidationError, match=re.escape("card.due is not an ISO-8601 datetime")):
        Card.from_dict({**good, "due": "tomorrow"})
    with pytest.raises(ValidationError, match="needs stability and difficulty"):
        Card(card_id=1, state=State.Review, due=START)


def test_reschedule_rejects_foreign_logs_and_changes_nothing():
    scheduler = Scheduler(enable_fuzzing=False)
    card = _reviewed_card()
    log = ReviewLog(card_id=10, rating=Rating.Good, review_datetime=START)
    with pytest.raises(ValidationError, match=r"review_logs\[0\].card_id 10 does not match card_id 9"):
        scheduler.reschedule_card(card, [log])


def test_pyfsrs_agrees_these_inputs_are_bad():
    """The reference also refuses naive datetimes and out-of-bounds parameters (ValueError)."""
    with pytest.raises(ValueError):
        fsrs.Scheduler().review_card(fsrs.Card(), fsrs.Rating.Good, datetime(2024, 1, 1))
    params = list(DEFAULT_PARAMETERS)
    params[4] = 0.5
    with pytest.raises(ValueError):
        fsrs.Scheduler(parameters=params)
    assert issubclass(ValidationError, ValueError)

"""Shared helpers for the srs tests: random review histories and the josh dataset."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.shared_data import shared_path


@pytest.fixture(scope="session")
def josh_path() -> Path:
    return shared_path("datasets", "fsrs_review_logs_josh.csv")


def random_parameters(rng: random.Random):
    """Random FSRS-6 parameters inside the published bounds (some at the bounds)."""
    from prometheus.srs.parameters import LOWER_BOUNDS, UPPER_BOUNDS

    params = []
    for low, high in zip(LOWER_BOUNDS, UPPER_BOUNDS):
        if rng.random() < 0.05:
            params.append(low if rng.random() < 0.5 else high)
        else:
            high = min(high, low + 20) if high > 50 else high
            params.append(rng.uniform(low, high))
    return params


def random_gap(rng: random.Random, card_due: datetime, now: datetime) -> datetime:
    """Next review time: on time, early, late, same day, or exactly whole days later."""
    choice = rng.random()
    if choice < 0.35:
        return max(card_due, now)
    if choice < 0.55:
        return now + timedelta(minutes=rng.randint(0, 600))
    if choice < 0.75:
        return now + timedelta(days=rng.randint(1, 60), seconds=rng.randint(0, 86399))
    if choice < 0.9:
        return now + timedelta(days=rng.randint(1, 5))  # exact whole days
    return max(card_due, now) + timedelta(days=rng.randint(1, 400), hours=rng.randint(0, 23))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)

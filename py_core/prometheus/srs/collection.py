"""Whole-collection operations as numpy arrays: retrievability, due forecast, memory replay.

One call handles N cards without a Python loop per card; the same numbers as calling the
Scheduler card by card (tests check this against py-fsrs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from ..errors import ValidationError
from .checks import as_aware_datetime, as_int
from .history import MICROS_PER_DAY, ReviewHistory, day_numbers, to_micros
from .parameters import DEFAULT_PARAMETERS, validate_parameters
from .recurrence import run


@dataclass(frozen=True)
class CardArrays:
    """Columns of a collection of cards (NaN stability = never reviewed)."""

    card_ids: np.ndarray
    stability: np.ndarray
    difficulty: np.ndarray
    due_us: np.ndarray
    last_review_us: np.ndarray  # int64; meaningless where stability is NaN
    state: np.ndarray

    @classmethod
    def from_cards(cls, cards) -> CardArrays:
        cards = list(cards)
        n = len(cards)
        nan = float("nan")
        return cls(
            np.fromiter((c.card_id for c in cards), np.int64, n),
            np.fromiter(
                (nan if c.stability is None or c.last_review is None else c.stability for c in cards),
                float,
                n,
            ),
            np.fromiter((nan if c.difficulty is None else c.difficulty for c in cards), float, n),
            np.fromiter((to_micros(c.due) for c in cards), np.int64, n),
            np.fromiter(
                (0 if c.last_review is None else to_micros(c.last_review) for c in cards), np.int64, n
            ),
            np.fromiter((int(c.state) for c in cards), np.int8, n),
        )


def _now_us(now) -> int:
    if now is None:
        now = datetime.now(UTC)
    return to_micros(as_aware_datetime(now, "now"))


def retrievability(stability, last_review_us, now=None, parameters=DEFAULT_PARAMETERS) -> np.ndarray:
    """Recall probability of each card at `now` (0 where stability is NaN), as py-fsrs computes it."""
    w = validate_parameters(parameters)
    stability = np.asarray(stability, dtype=float)
    last = np.asarray(last_review_us, dtype=np.int64)
    if stability.shape != last.shape:
        raise ValidationError(
            f"stability {stability.shape} and last_review {last.shape} must have the same shape"
        )
    reviewed = ~np.isnan(stability)
    if np.any(stability[reviewed] <= 0):
        raise ValidationError("stability must be positive where given")
    elapsed = np.maximum(np.floor_divide(_now_us(now) - last, MICROS_PER_DAY), 0)
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    with np.errstate(invalid="ignore"):
        r = (1 + factor * elapsed / stability) ** decay
    return np.where(reviewed, r, 0.0)


def forecast(due_us, days: int, now=None, *, day_start: tuple[int, int] = (0, 0)) -> np.ndarray:
    """How many cards fall due on each of the next `days` days (overdue ones count today).

    day_start = (utc_offset_minutes, hour at which a new day starts).
    """
    days = as_int(days, "days", low=1)
    due = np.asarray(due_us, dtype=np.int64)
    today = int(day_numbers(np.array([_now_us(now)]), *day_start)[0])
    offset = np.maximum(day_numbers(due, *day_start) - today, 0)
    # intp: on wasm32 (Pyodide) bincount refuses int64 input
    return np.bincount(offset[offset < days].astype(np.intp), minlength=days)[:days]


def memory_states(history: ReviewHistory, parameters=DEFAULT_PARAMETERS):
    """(stability, difficulty) of every card after replaying its whole history."""
    w = validate_parameters(parameters)
    out = run(w, history.ratings, np.maximum(history.elapsed, 0))
    return out["stability"], out["difficulty"]


def predicted_recall(history: ReviewHistory, parameters=DEFAULT_PARAMETERS) -> np.ndarray:
    """(N, T) retrievability predicted before each review (NaN at first reviews and padding)."""
    w = validate_parameters(parameters)
    return run(w, history.ratings, np.maximum(history.elapsed, 0), want_predictions=True)["predictions"]

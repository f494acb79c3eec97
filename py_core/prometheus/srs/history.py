"""Review logs as padded arrays (one row per card, one column per review), built with numpy.

This is the shape every collection-wide operation and the optimizer works on. Elapsed time
between reviews is counted in whole days: by default as py-fsrs does (completed 24-hour
periods), or by calendar days in a given UTC offset with a day-start hour, as Anki does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import numpy as np

from ..errors import ValidationError

MICROS_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class ReviewHistory:
    card_ids: np.ndarray  # (N,) int64, ascending
    ratings: np.ndarray  # (N, T) int8, 1-4, 0 = padding
    times: np.ndarray  # (N, T) int64 microseconds since the epoch (UTC)
    elapsed: np.ndarray  # (N, T) int64 whole days since the previous review, -1 at step 0
    lengths: np.ndarray  # (N,) reviews per card
    durations: np.ndarray  # (N, T) float ms, NaN when unknown

    @property
    def num_reviews(self) -> int:
        return int(self.lengths.sum())

    def truncated(self, max_steps: int) -> ReviewHistory:
        """Only each card's first `max_steps` reviews."""
        m = min(max_steps, self.ratings.shape[1])
        return ReviewHistory(
            self.card_ids,
            self.ratings[:, :m],
            self.times[:, :m],
            self.elapsed[:, :m],
            np.minimum(self.lengths, m),
            self.durations[:, :m],
        )

    def select(self, rows) -> ReviewHistory:
        rows = np.asarray(rows)
        lengths = self.lengths[rows]
        m = int(lengths.max()) if lengths.size else 0
        return ReviewHistory(
            self.card_ids[rows],
            self.ratings[rows, :m],
            self.times[rows, :m],
            self.elapsed[rows, :m],
            lengths,
            self.durations[rows, :m],
        )


def day_numbers(times_us: np.ndarray, utc_offset_minutes: int, day_start_hour: int) -> np.ndarray:
    """Calendar day index of each time, where a day starts at `day_start_hour` local time."""
    shift = (utc_offset_minutes * 60 - day_start_hour * 3600) * 1_000_000
    return np.floor_divide(times_us + shift, MICROS_PER_DAY)


def build_history(
    card_ids, ratings, times_us, durations=None, *, day_start: tuple[int, int] | None = None
) -> ReviewHistory:
    """Group flat review arrays by card, sorted by time.

    card_ids, ratings (1-4), times_us (int64 microseconds UTC) are equal-length 1-D arrays.
    day_start=(utc_offset_minutes, hour) counts elapsed days by calendar days (Anki);
    None counts completed 24-hour periods (py-fsrs).
    """
    card_ids = np.asarray(card_ids, dtype=np.int64)
    ratings = np.asarray(ratings)
    times_us = np.asarray(times_us, dtype=np.int64)
    n = card_ids.size
    if ratings.shape != (n,) or times_us.shape != (n,):
        raise ValidationError("card_ids, ratings and times must be 1-D arrays of equal length")
    bad = np.flatnonzero((ratings < 1) | (ratings > 4))
    if bad.size:
        raise ValidationError(f"rating at index {bad[0]} is {ratings[bad[0]]!r}; must be 1-4")
    durations = np.full(n, np.nan) if durations is None else np.asarray(durations, dtype=float)
    if n == 0:
        empty = np.zeros((0, 0))
        return ReviewHistory(
            np.zeros(0, np.int64),
            empty.astype(np.int8),
            empty.astype(np.int64),
            empty.astype(np.int64),
            np.zeros(0, np.int64),
            empty,
        )
    order = np.lexsort((times_us, card_ids))
    cid, rat, tim, dur = card_ids[order], ratings[order], times_us[order], durations[order]
    starts = np.flatnonzero(np.r_[True, cid[1:] != cid[:-1]])
    lengths = np.diff(np.r_[starts, n])
    row = np.repeat(np.arange(starts.size), lengths)
    col: np.ndarray = np.arange(n) - np.repeat(starts, lengths)
    width = int(lengths.max())
    shape = (starts.size, width)
    ratings_2d = np.zeros(shape, np.int8)
    ratings_2d[row, col] = rat
    times_2d = np.zeros(shape, np.int64)
    times_2d[row, col] = tim
    durations_2d = np.full(shape, np.nan)
    durations_2d[row, col] = dur
    if day_start is None:
        gaps = np.diff(tim, prepend=tim[0])
        elapsed = np.floor_divide(gaps, MICROS_PER_DAY)
    else:
        days = day_numbers(tim, *day_start)
        elapsed = np.diff(days, prepend=days[0])
    elapsed[starts] = -1
    elapsed_2d = np.zeros(shape, np.int64)
    elapsed_2d[row, col] = elapsed
    return ReviewHistory(cid[starts], ratings_2d, times_2d, elapsed_2d, lengths, durations_2d)


def history_from_logs(review_logs, *, day_start=None) -> ReviewHistory:
    """A ReviewHistory from ReviewLog objects (any order)."""
    logs = list(review_logs)
    card_ids = np.fromiter((log.card_id for log in logs), np.int64, len(logs))
    ratings = np.fromiter((int(log.rating) for log in logs), np.int64, len(logs))
    times = np.fromiter((to_micros(log.review_datetime) for log in logs), np.int64, len(logs))
    durations = np.fromiter(
        (np.nan if log.review_duration is None else log.review_duration for log in logs),
        float,
        len(logs),
    )
    return build_history(card_ids, ratings, times, durations, day_start=day_start)


def to_micros(moment) -> int:
    """Exact integer microseconds since the epoch of an aware datetime."""
    from datetime import datetime

    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def target_mask(history: ReviewHistory) -> np.ndarray:
    """(N, T) True at the reviews that are scored: later steps, >= 1 day after the previous."""
    steps = np.arange(history.ratings.shape[1])
    mask = (history.ratings > 0) & (history.elapsed >= 1)
    return mask & (steps[None, :] >= 1)

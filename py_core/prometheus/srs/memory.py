"""The FSRS-6 memory model for one card: stability, difficulty and retrievability.

Written with the same floating-point operations, in the same order, as py-fsrs 6.3.2,
so that intervals rounded from these values match it exactly (not just approximately).
"""

from __future__ import annotations

import math

from .enums import Rating
from .parameters import MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN


def decay_and_factor(w) -> tuple[float, float]:
    """The forgetting curve R(t) = (1 + factor * t / S) ** decay passes through R(S) = 0.9."""
    decay = -w[20]
    return decay, 0.9 ** (1 / decay) - 1


def retrievability(w, elapsed_days: float, stability: float) -> float:
    decay, factor = decay_and_factor(w)
    return (1 + factor * elapsed_days / stability) ** decay


def clamp_stability(stability: float) -> float:
    return max(stability, STABILITY_MIN)


def clamp_difficulty(difficulty: float) -> float:
    return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)


def initial_stability(w, rating: Rating) -> float:
    return clamp_stability(w[rating - 1])


def initial_difficulty(w, rating: Rating, clamp: bool = True) -> float:
    difficulty = w[4] - (math.e ** (w[5] * (rating - 1))) + 1
    return clamp_difficulty(difficulty) if clamp else difficulty


def next_difficulty(w, difficulty: float, rating: Rating) -> float:
    """Linear damping towards 10, then mean reversion towards the initial Easy difficulty."""
    target = initial_difficulty(w, Rating.Easy, clamp=False)
    delta = -(w[6] * (rating - 3))
    damped = difficulty + (10.0 - difficulty) * delta / 9.0
    return clamp_difficulty(w[7] * target + (1 - w[7]) * damped)


def short_term_stability(w, stability: float, rating: Rating) -> float:
    """Same-day review: a pass never lowers stability."""
    increase = (math.e ** (w[17] * (rating - 3 + w[18]))) * (stability ** -w[19])
    if rating in (Rating.Hard, Rating.Good, Rating.Easy):
        increase = max(increase, 1.0)
    return clamp_stability(stability * increase)


def recall_stability(w, difficulty: float, stability: float, r: float, rating: Rating) -> float:
    hard_penalty = w[15] if rating == Rating.Hard else 1
    easy_bonus = w[16] if rating == Rating.Easy else 1
    return stability * (
        1
        + (math.e ** (w[8]))
        * (11 - difficulty)
        * (stability ** -w[9])
        * ((math.e ** ((1 - r) * w[10])) - 1)
        * hard_penalty
        * easy_bonus
    )


def forget_stability(w, difficulty: float, stability: float, r: float) -> float:
    long_term = (
        w[11] * (difficulty ** -w[12]) * (((stability + 1) ** (w[13])) - 1) * (math.e ** ((1 - r) * w[14]))
    )
    short_term = stability / (math.e ** (w[17] * w[18]))
    return min(long_term, short_term)


def next_stability(w, difficulty: float, stability: float, r: float, rating: Rating) -> float:
    if rating == Rating.Again:
        value = forget_stability(w, difficulty, stability, r)
    else:
        value = recall_stability(w, difficulty, stability, r, rating)
    return clamp_stability(value)


def next_memory_state(
    w, stability: float | None, difficulty: float | None, elapsed_days: int | None, rating: Rating
) -> tuple[float, float]:
    """(stability, difficulty) after a review; elapsed_days is whole days since the last one."""
    if stability is None or difficulty is None:
        return initial_stability(w, rating), initial_difficulty(w, rating, clamp=True)
    if elapsed_days is not None and elapsed_days < 1:
        new_stability = short_term_stability(w, stability, rating)
    else:
        # A card with a memory state but no last review has R = 0, as in py-fsrs.
        r = 0 if elapsed_days is None else retrievability(w, max(0, elapsed_days), stability)
        new_stability = next_stability(w, difficulty, stability, r, rating)
    return new_stability, next_difficulty(w, difficulty, rating)

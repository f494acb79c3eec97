"""Optimal desired retention: the target that buys the most remembered cards per review minute.

A vectorized simulation (numpy, all cards at once): new cards get a first rating drawn from
the learner's own first-rating frequencies, then are reviewed whenever due; each review is
recalled with the model's retrievability at that moment, and rated Hard/Good/Easy in the
learner's proportions when recalled. Cost is the learner's average time per rating; the
score of a desired retention is total time / expected number of cards remembered at the end.
"""

from __future__ import annotations

import numpy as np

from ..errors import ValidationError
from .parameters import DEFAULT_PARAMETERS, validate_parameters

DEFAULT_COSTS_SECONDS = {"first": (30.0, 20.0, 12.0, 8.0), "review": (25.0, 14.0, 8.0, 6.0)}


def review_statistics(history) -> dict:
    """First-rating probabilities, recall-rating probabilities and mean seconds per rating."""
    first = history.ratings[:, 0].astype(int)
    later = history.ratings[:, 1:]
    later = later[later > 0].astype(int)
    p_first = np.bincount(first, minlength=5)[1:].astype(float)
    p_recall = np.bincount(later[later > 1], minlength=5)[2:].astype(float)
    if p_first.sum() == 0:
        raise ValidationError("no reviews to derive rating frequencies from")
    p_first /= p_first.sum()
    p_recall = p_recall / p_recall.sum() if p_recall.sum() else np.array([0.1, 0.8, 0.1])
    costs = {}
    for name, ratings, durations, default in (
        ("first", history.ratings[:, 0], history.durations[:, 0], DEFAULT_COSTS_SECONDS["first"]),
        ("review", history.ratings[:, 1:], history.durations[:, 1:], DEFAULT_COSTS_SECONDS["review"]),
    ):
        values = []
        for rating in range(1, 5):
            d = durations[(ratings == rating) & np.isfinite(durations)]
            values.append(float(np.median(d)) / 1000.0 if d.size else default[rating - 1])
        costs[name] = tuple(values)
    return {"p_first": p_first, "p_recall": p_recall, "costs": costs}


def simulate_cost(
    desired_retention: float,
    parameters=DEFAULT_PARAMETERS,
    *,
    stats=None,
    cards: int = 2000,
    days: int = 365,
    max_interval: int = 36500,
    seed: int = 42,
) -> float:
    """Seconds of review per card remembered at the end of `days`, learning all cards on day 0."""
    from . import recurrence

    w = np.asarray(validate_parameters(parameters))
    if not 0 < desired_retention < 1:
        raise ValidationError(f"desired_retention must be in (0, 1), got {desired_retention}")
    stats = stats or {
        "p_first": np.array([0.2, 0.1, 0.6, 0.1]),
        "p_recall": np.array([0.1, 0.8, 0.1]),
        "costs": DEFAULT_COSTS_SECONDS,
    }
    rng = np.random.default_rng(seed)
    cost_first = np.array(stats["costs"]["first"])
    cost_review = np.array(stats["costs"]["review"])
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    first = rng.choice(4, size=cards, p=stats["p_first"]) + 1
    total = cost_first[first - 1].sum()
    ratings = first[:, None].astype(np.int8)
    state = recurrence.run(w, ratings, np.zeros((cards, 1)))
    s, d = state["stability"], state["difficulty"]

    def interval(stab):
        ivl = np.round(stab / factor * (desired_retention ** (1 / decay) - 1))
        return np.clip(ivl, 1, max_interval)

    last = np.zeros(cards)
    due = interval(s)
    for _ in range(10 * days):
        live = due < days
        if not live.any():
            break
        idx = np.flatnonzero(live)
        t = due[idx] - last[idx]
        r = (1 + factor * t / s[idx]) ** decay
        recalled = rng.random(idx.size) < r
        grade = np.where(recalled, rng.choice(3, size=idx.size, p=stats["p_recall"]) + 2, 1)
        total += cost_review[grade - 1].sum()
        s_new, d_new = _step(w, s[idx], d[idx], t, grade)
        s[idx], d[idx] = s_new, d_new
        last[idx] = due[idx]
        due[idx] = due[idx] + interval(s_new)
    remembered = np.sum((1 + factor * (days - last) / s) ** decay)
    return float(total / remembered)


def _step(w, s, d, t, g):
    """One long-term review for arrays of cards (the scheduler's update, vectorized)."""
    from .parameters import MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    r = (1 + factor * t / s) ** decay
    hp = np.where(g == 2, w[15], 1.0)
    eb = np.where(g == 4, w[16], 1.0)
    recall = s * (1 + np.exp(w[8]) * (11 - d) * s ** (-w[9]) * (np.exp((1 - r) * w[10]) - 1) * hp * eb)
    lapse = np.minimum(
        w[11] * d ** (-w[12]) * ((s + 1) ** w[13] - 1) * np.exp((1 - r) * w[14]), s / np.exp(w[17] * w[18])
    )
    s_new = np.maximum(np.where(g == 1, lapse, recall), STABILITY_MIN)
    target = w[4] - np.exp(w[5] * 3) + 1
    damped = d + (10 - d) * (-w[6] * (g - 3)) / 9
    d_new = np.clip(w[7] * target + (1 - w[7]) * damped, MIN_DIFFICULTY, MAX_DIFFICULTY)
    return s_new, d_new


def optimal_retention(
    parameters=DEFAULT_PARAMETERS, history=None, *, candidates=(0.70, 0.75, 0.80, 0.85, 0.90, 0.95), **kwargs
) -> dict:
    """The candidate retention with the lowest simulated cost per remembered card."""
    stats = review_statistics(history) if history is not None else None
    costs = [simulate_cost(r, parameters, stats=stats, **kwargs) for r in candidates]
    best = int(np.argmin(costs))
    return {
        "optimal_retention": float(candidates[best]),
        "candidates": [float(c) for c in candidates],
        "costs": costs,
    }

"""How well predicted recall probabilities match what happened: log loss, RMSE(bins), AUC.

RMSE(bins) is the fsrs-rs / py-fsrs definition: 20 bins on an exponential scale of the
prediction, per-bin (mean prediction - mean outcome)^2 weighted by the bin's count.
"""

from __future__ import annotations

import numpy as np

from ..errors import ValidationError


def _pair(predictions, labels):
    p = np.asarray(predictions, dtype=float).ravel()
    y = np.asarray(labels, dtype=float).ravel()
    if p.shape != y.shape:
        raise ValidationError(f"{p.size} predictions but {y.size} labels")
    if p.size == 0:
        raise ValidationError("no predictions to score")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValidationError("predictions must be probabilities in [0, 1]")
    return p, y


def log_loss(predictions, labels, weights=None) -> float:
    p, y = _pair(predictions, labels)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    terms = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    if weights is None:
        return float(terms.mean())
    weights = np.asarray(weights, dtype=float).ravel()
    return float(np.dot(terms, weights) / weights.sum())


def rmse_bins(predictions, labels, bins: int = 20) -> float:
    p, y = _pair(predictions, labels)
    index = np.floor(np.exp(p * np.log(bins + 1)) - 1).astype(int)
    index = np.clip(index, 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    used = count > 0
    mean_p = np.bincount(index, weights=p, minlength=bins)[used] / count[used]
    mean_y = np.bincount(index, weights=y, minlength=bins)[used] / count[used]
    return float(np.sqrt(np.sum(count[used] * (mean_p - mean_y) ** 2) / count.sum()))


def auc(predictions, labels) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    p, y = _pair(predictions, labels)
    positives = int(np.sum(y == 1))
    negatives = int(np.sum(y == 0))
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    ends = np.r_[starts[1:], p.size]
    average_rank = (starts + ends + 1) / 2.0  # 1-based average rank of each tie group
    ranks = np.empty(p.size)
    ranks[order] = np.repeat(average_rank, ends - starts)
    rank_sum = ranks[y == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))

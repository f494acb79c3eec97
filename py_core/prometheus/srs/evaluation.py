"""Score a parameter set on review logs, in-sample or with a time-series split.

Targets are the reviews the optimizer learns from: not a card's first review, and at least
one whole day after the previous review (same-day reviews are not recall tests of memory).
"""

from __future__ import annotations

import numpy as np

from ..errors import ValidationError
from .history import ReviewHistory, target_mask
from .metrics import auc, log_loss, rmse_bins
from .optimizer import Optimizer
from .parameters import DEFAULT_PARAMETERS, validate_parameters
from .recurrence import run


def predictions_and_labels(history: ReviewHistory, parameters, mask=None):
    w = validate_parameters(parameters)
    if mask is None:
        mask = target_mask(history)
    out = run(w, history.ratings, np.maximum(history.elapsed, 0), want_predictions=True)
    predictions = out["predictions"][mask]
    labels = (history.ratings[mask] > 1).astype(float)
    return predictions, labels


def evaluate(history: ReviewHistory, parameters=DEFAULT_PARAMETERS, mask=None) -> dict:
    """log loss, RMSE(bins) and AUC of `parameters` on the history's target reviews."""
    predictions, labels = predictions_and_labels(history, parameters, mask)
    if predictions.size == 0:
        raise ValidationError("the review history has no reviews to evaluate (need >= 1 day gaps)")
    return {
        "log_loss": log_loss(predictions, labels),
        "rmse_bins": rmse_bins(predictions, labels),
        "auc": auc(predictions, labels),
        "reviews": int(predictions.size),
    }


def time_series_split(history: ReviewHistory, n_splits: int = 5, fit=None, progress=None) -> dict:
    """Train on everything before a time cut, test on the next block (sklearn TimeSeriesSplit).

    The targets are split by review time into n_splits + 1 consecutive blocks; fold i trains
    on reviews before block i+1 and tests on block i+1. `fit(history) -> parameters`
    defaults to the Optimizer. Scores pool every fold's test predictions.
    """
    if n_splits < 2:
        raise ValidationError(f"n_splits must be >= 2, got {n_splits}")
    if fit is None:
        fit = _fit_optimal
    mask = target_mask(history)
    target_times = np.sort(history.times[mask])
    if target_times.size < n_splits + 1:
        raise ValidationError(f"need at least {n_splits + 1} target reviews, got {target_times.size}")
    block = target_times.size // (n_splits + 1)
    cuts = [target_times[block * (i + 1)] for i in range(n_splits)] + [np.iinfo(np.int64).max]
    all_p, all_y, folds = [], [], []
    for i in range(n_splits):
        lo, hi = cuts[i], cuts[i + 1]
        train = _before(history, lo)
        params = fit(train)
        test_mask = mask & (history.times >= lo) & (history.times < hi)
        p, y = predictions_and_labels(history, params, test_mask)
        all_p.append(p)
        all_y.append(y)
        folds.append(
            {
                "train_reviews": train.num_reviews,
                "test_reviews": int(p.size),
                "log_loss": log_loss(p, y),
                "parameters": list(map(float, params)),
            }
        )
        if progress is not None:
            progress("time_series_split", (i + 1) / n_splits)
    p = np.concatenate(all_p)
    y = np.concatenate(all_y)
    return {
        "log_loss": log_loss(p, y),
        "rmse_bins": rmse_bins(p, y),
        "auc": auc(p, y),
        "reviews": int(p.size),
        "folds": folds,
    }


def _fit_optimal(history: ReviewHistory):
    return Optimizer(history).compute_optimal_parameters()


def _before(history: ReviewHistory, cut_us) -> ReviewHistory:
    """Only the reviews strictly before `cut_us` (cards with none are dropped)."""
    keep = (history.ratings > 0) & (history.times < cut_us)
    lengths = keep.sum(axis=1)  # reviews are time-sorted, so kept ones are a prefix
    rows = np.flatnonzero(lengths > 0)
    m = int(lengths.max()) if rows.size else 0
    ratings = np.where(keep, history.ratings, 0)[rows, :m]
    return ReviewHistory(
        history.card_ids[rows],
        ratings.astype(np.int8),
        history.times[rows, :m],
        history.elapsed[rows, :m],
        lengths[rows],
        history.durations[rows, :m],
    )

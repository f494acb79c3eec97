"""Fit the 21 FSRS-6 parameters to a learner's review logs, with numpy only (runs in Pyodide).

The recipe follows fsrs-rs: every review at least a day after the previous one is a training
target (its history prefix predicts it); the initial stabilities are pre-fitted from each card's
first long-term review; then Adam with cosine-annealed learning rate minimizes the
recency-weighted log loss plus an L2 pull towards the starting parameters, clipping to the
published bounds after each step, for a few epochs; the best epoch is kept. Gradients are
exact (forward-mode through the recurrence, see `recurrence`). Deterministic given the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ValidationError
from .history import ReviewHistory, history_from_logs, target_mask
from .parameters import DEFAULT_PARAMETERS, LOWER_BOUNDS, PARAMETER_STDDEV, UPPER_BOUNDS
from .recurrence import run

MIN_INIT_S0 = 0.1
MAX_INIT_S0 = 100.0


@dataclass
class OptimizerConfig:
    epochs: int = 5
    min_steps: int = 200  # small collections get more epochs, so Adam takes at least this many steps
    batch_size: int = 512  # training targets per Adam step
    learning_rate: float = 4e-2
    max_seq_len: int = 64  # reviews of a card used at most (fsrs-rs)
    l2_gamma: float = 1.0
    recency_weighting: bool = True
    seed: int = 2023
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


@dataclass
class FitResult:
    parameters: list[float]
    rule: str  # "defaults", "pretrain_only" or "trained"
    targets: int
    epoch_losses: list[float] = field(default_factory=list)
    initial_stability: list[float] | None = None

    def to_dict(self) -> dict:
        return {
            "parameters": self.parameters,
            "rule": self.rule,
            "targets": self.targets,
            "epoch_losses": self.epoch_losses,
            "initial_stability": self.initial_stability,
        }


class Optimizer:
    """`Optimizer(review_logs_or_history).compute_optimal_parameters()` as in py-fsrs."""

    def __init__(self, review_logs, config: OptimizerConfig | None = None):
        if isinstance(review_logs, ReviewHistory):
            history = review_logs
        elif hasattr(review_logs, "history") and callable(review_logs.history):
            history = review_logs.history()  # a ReviewTable
        else:
            history = history_from_logs(review_logs)
        self.config = config or OptimizerConfig()
        if self.config.epochs < 1 or self.config.batch_size < 1 or self.config.max_seq_len < 2:
            raise ValidationError(f"invalid optimizer config: {self.config}")
        self.history = history.truncated(self.config.max_seq_len)

    def compute_optimal_parameters(self, progress=None) -> list[float]:
        return self.fit(progress=progress).parameters

    # ------------------------------------------------------------------------------
    def fit(self, progress=None) -> FitResult:
        cfg = self.config
        h = self.history
        mask = target_mask(h)
        n_targets = int(mask.sum())
        if n_targets < 8:
            return FitResult(list(DEFAULT_PARAMETERS), "defaults", n_targets)
        average_recall = float((h.ratings[mask] > 1).mean())
        s0, counts = pretrain_initial_stability(h, average_recall)
        init = np.array(DEFAULT_PARAMETERS, dtype=float)
        init[:4] = s0
        first_long = _first_long_term(h, mask)
        if n_targets < 64 or n_targets == int(first_long.sum()):
            return FitResult(
                list(map(float, init)), "pretrain_only", n_targets, initial_stability=list(map(float, s0))
            )

        weights = _recency_weights(h, mask) if cfg.recency_weighting else mask.astype(float)
        elapsed = np.maximum(h.elapsed, 0).astype(float)
        batches = _batches(h, mask, cfg.batch_size)
        rng = np.random.default_rng(cfg.seed)
        std2 = np.square(PARAMETER_STDDEV)
        lower, upper = np.array(LOWER_BOUNDS), np.array(UPPER_BOUNDS)
        w = init.copy()
        m1 = np.zeros(21)
        m2 = np.zeros(21)
        epochs = max(cfg.epochs, math.ceil(cfg.min_steps / len(batches)))
        total_steps = len(batches) * epochs
        step = 0
        best_w, best_loss = w.copy(), self._total_loss(w, init, weights, elapsed, std2, n_targets)
        losses = [best_loss]
        for _ in range(epochs):
            for b in rng.permutation(len(batches)):
                rows, cols, count = batches[b]
                out = run(
                    w,
                    h.ratings[rows, :cols],
                    elapsed[rows, :cols],
                    loss_weights=weights[rows, :cols],
                    want_gradient=True,
                )
                share = cfg.l2_gamma * count / n_targets
                grad = out["gradient"] + share * 2.0 * (w - init) / std2
                lr = cfg.learning_rate * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
                step += 1
                m1 = cfg.beta1 * m1 + (1 - cfg.beta1) * grad
                m2 = cfg.beta2 * m2 + (1 - cfg.beta2) * grad * grad
                m1_hat = m1 / (1 - cfg.beta1**step)
                m2_hat = m2 / (1 - cfg.beta2**step)
                w = np.clip(w - lr * m1_hat / (np.sqrt(m2_hat) + cfg.eps), lower, upper)
                if progress is not None:
                    progress("optimize", step / (total_steps + 1))
            loss = self._total_loss(w, init, weights, elapsed, std2, n_targets)
            losses.append(loss)
            if loss < best_loss:
                best_w, best_loss = w.copy(), loss
        best_w[:4] = smooth_initial_stability(best_w[:4], counts)
        best_w = np.clip(best_w, lower, upper)
        if progress is not None:
            progress("optimize", 1.0)
        return FitResult(list(map(float, best_w)), "trained", n_targets, losses, list(map(float, s0)))

    def _total_loss(self, w, init, weights, elapsed, std2, n_targets) -> float:
        out = run(w, self.history.ratings, elapsed, loss_weights=weights)
        penalty = self.config.l2_gamma * float(np.sum((w - init) ** 2 / std2))
        return (out["loss"] + penalty) / n_targets


def _first_long_term(h: ReviewHistory, mask) -> np.ndarray:
    """(N, T) True at each card's first target review."""
    return mask & (np.cumsum(mask, axis=1) == 1)


def _recency_weights(h: ReviewHistory, mask) -> np.ndarray:
    """fsrs-rs: targets ordered by time get 0.25 + 0.75 * (rank / (n - 1)) ** 3."""
    times = h.times[mask]
    order = np.argsort(times, kind="stable")
    rank = np.empty(times.size)
    rank[order] = np.arange(times.size)
    weights = np.zeros(mask.shape)
    weights[mask] = 0.25 + 0.75 * (rank / max(times.size - 1, 1)) ** 3
    return weights


def _batches(h: ReviewHistory, mask, batch_size: int):
    """Cards sorted by length, cut into groups of about `batch_size` targets.

    Similar lengths in a batch mean little padding; each batch only runs as many steps
    as its longest card. Returns (rows, steps, targets) triples.
    """
    order = np.argsort(h.lengths, kind="stable")
    per_card = mask.sum(axis=1)[order]
    cumulative = np.cumsum(per_card)
    cut_ids = np.floor_divide(cumulative - 1, batch_size)
    batches = []
    for b in np.unique(cut_ids):
        rows = order[cut_ids == b]
        count = int(per_card[cut_ids == b].sum())
        if count == 0:
            continue
        batches.append((rows, int(h.lengths[rows].max()), count))
    return batches


def pretrain_initial_stability(h: ReviewHistory, average_recall: float):
    """S0 per first rating, fitted to each card's first review a day or more after the start.

    For each first rating: minimise sqrt(count)-weighted log loss of the forgetting curve over
    the (gap, recall) groups, with Laplace-smoothed recall and a small L1 pull to the default;
    then smooth (monotone in rating) and fill ratings without data.
    Returns (S0[4], counts[4]).
    """
    first_target = _first_long_term(h, target_mask(h))
    rows, cols = np.nonzero(first_target)
    first = h.ratings[rows, 0].astype(int)
    gap = h.elapsed[rows, cols].astype(float)
    recall = (h.ratings[rows, cols] > 1).astype(float)
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    grid = np.exp(np.linspace(np.log(MIN_INIT_S0), np.log(MAX_INIT_S0), 2001))
    fitted = {}
    counts = np.zeros(4, int)
    for rating in range(1, 5):
        sel = first == rating
        if not sel.any():
            continue
        gaps, inverse = np.unique(gap[sel], return_inverse=True)
        n = np.bincount(inverse).astype(float)
        mean = np.bincount(inverse, weights=recall[sel]) / n
        total = n.sum()
        smoothed = (mean * total + average_recall) / (total + 1)
        counts[rating - 1] = int(total)
        r = (1 + factor * gaps[None, :] / grid[:, None]) ** decay
        r = np.clip(r, 1e-7, 1 - 1e-7)
        loss = -(smoothed * np.log(r) + (1 - smoothed) * np.log(1 - r)) @ np.sqrt(n)
        loss = loss + np.abs(grid - DEFAULT_PARAMETERS[rating - 1]) / 16.0
        best = int(np.argmin(loss))
        # refine between the neighbours of the best grid point
        lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
        fine = np.linspace(lo, hi, 201)
        r = np.clip((1 + factor * gaps[None, :] / fine[:, None]) ** decay, 1e-7, 1 - 1e-7)
        loss = -(smoothed * np.log(r) + (1 - smoothed) * np.log(1 - r)) @ np.sqrt(n)
        loss = loss + np.abs(fine - DEFAULT_PARAMETERS[rating - 1]) / 16.0
        fitted[rating] = float(fine[int(np.argmin(loss))])
    s0 = np.full(4, np.nan)
    for rating, value in fitted.items():
        s0[rating - 1] = value
    return smooth_initial_stability(s0, counts), counts


def smooth_initial_stability(s0, counts) -> np.ndarray:
    """Make S0 non-decreasing in the rating and fill missing ratings from the defaults.

    Where two ratings are out of order, the one backed by more reviews wins (fsrs-rs rule);
    missing ratings take the default scaled by the fitted ones' geometric mean ratio.
    """
    s0 = np.array(s0, dtype=float)
    default = np.array(DEFAULT_PARAMETERS[:4])
    have = ~np.isnan(s0)
    if not have.any():
        return default.copy()
    for small, big in ((0, 1), (1, 2), (2, 3), (0, 2), (1, 3), (0, 3)):
        if have[small] and have[big] and s0[small] > s0[big]:
            if counts[small] > counts[big]:
                s0[big] = s0[small]
            else:
                s0[small] = s0[big]
    ratio = math.exp(float(np.mean(np.log(s0[have] / default[have]))))
    s0[~have] = default[~have] * ratio
    s0 = np.maximum.accumulate(s0)  # filled values must keep the order too
    return np.clip(s0, MIN_INIT_S0, MAX_INIT_S0)

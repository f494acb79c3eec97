"""The learner's own memory model: fit FSRS to the collection's review log, compare the log
loss before and after, apply the parameters (an undoable settings op), offer an optimal
desired retention. Elapsed days count the learner's calendar days, as Anki does.
"""

from __future__ import annotations

import numpy as np

from ..srs.evaluation import evaluate
from ..srs.history import ReviewHistory, build_history
from ..srs.optimizer import Optimizer
from ..srs.retention import optimal_retention as best_retention
from .errors import LearnError
from .study import settings as change_settings

MIN_TARGETS = 8


def review_history(collection) -> ReviewHistory:
    log = collection.log
    durations = log.col("duration").astype(float)
    durations[durations < 0] = np.nan
    s = collection.settings
    return build_history(
        log.col("card"),
        log.col("rating").astype(np.int64),
        log.col("time"),
        durations,
        day_start=(s["utc_offset_minutes"], s["day_start_hour"]),
    )


def optimize(collection, progress=None) -> dict:
    """Fit parameters to the review log (progress(stage, fraction) while it runs); applies nothing."""
    history = review_history(collection)
    if history.num_reviews == 0:
        raise LearnError("no reviews yet: study or import a review history before optimizing")
    current = collection.settings["parameters"]
    fit = Optimizer(history).fit(progress=progress)
    before: float | None  # log losses of the current and the fitted parameters
    after: float | None
    try:
        before, after = evaluate(history, current)["log_loss"], evaluate(history, fit.parameters)["log_loss"]
    except ValueError:
        before = after = None  # no review a day or more after the previous one: nothing to score
    return {
        "parameters": fit.parameters,
        "current_parameters": list(current),
        "rule": fit.rule,
        "targets": fit.targets,
        "reviews": history.num_reviews,
        "log_loss_before": before,
        "log_loss_after": after,
        "improved": before is not None and after is not None and after < before,
    }


def apply_parameters(collection, parameters) -> dict:
    """Use these FSRS parameters from now on (an undoable settings change)."""
    return change_settings(collection, {"parameters": parameters})


def optimal_retention(collection) -> dict:
    """The desired retention with the least review time per remembered card, simulated with the
    collection's parameters and the learner's own rating frequencies and answer times."""
    history = review_history(collection)
    result = best_retention(collection.settings["parameters"], history if history.num_reviews else None)
    result["desired_retention"] = collection.settings["desired_retention"]
    return result

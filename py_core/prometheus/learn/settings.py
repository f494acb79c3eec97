"""A collection's settings: the scheduler's (FSRS parameters, desired retention, steps) and
the queue's (daily limits, day start, unlock threshold), with one validator for both.

`courses` records the bundled courses loaded ({name: version}); it is set by load_course.
"""

from __future__ import annotations

import math
from datetime import timedelta

from ..srs.parameters import DEFAULT_PARAMETERS
from ..srs.scheduler import Scheduler
from .errors import LearnError

DEFAULT_SETTINGS = {
    "desired_retention": 0.9,
    "parameters": list(DEFAULT_PARAMETERS),
    "learning_steps": [60, 600],  # seconds
    "relearning_steps": [600],  # seconds
    "maximum_interval": 36500,  # days
    "enable_fuzzing": True,
    "new_per_day": 20,
    "reviews_per_day": 200,  # review cap; due reviews beyond it roll to the next day
    "day_start_hour": 4,
    "utc_offset_minutes": 0,
    "learn_ahead_minutes": 20,
    "unlock_threshold": 0.8,  # mastery a prerequisite needs before its dependents unlock
    "bury_siblings": True,
    "courses": {},
}


def _int(value, key, low, high, errors):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(f"settings.{key} must be an integer in [{low}, {high}], got {value!r}")


def validate_settings(values, *, partial: bool = True) -> dict:
    """The validated copy of `values` (a subset of the settings unless partial=False).

    Raises LearnError listing every bad key at once.
    """
    if not isinstance(values, dict):
        raise LearnError(f"settings must be an object, got {type(values).__name__}")
    errors = []
    unknown = sorted(set(values) - set(DEFAULT_SETTINGS))
    if unknown:
        errors.append(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(DEFAULT_SETTINGS)}")
    if not partial:
        missing = sorted(set(DEFAULT_SETTINGS) - set(values))
        if missing:
            errors.append(f"settings missing: {', '.join(missing)}")
    out = {}
    for key, value in values.items():
        if key not in DEFAULT_SETTINGS:
            continue
        if key in ("new_per_day", "reviews_per_day"):
            _int(value, key, 0, 100_000, errors)
        elif key == "day_start_hour":
            _int(value, key, 0, 23, errors)
        elif key == "utc_offset_minutes":
            _int(value, key, -840, 840, errors)
        elif key == "learn_ahead_minutes":
            _int(value, key, 0, 24 * 60, errors)
        elif key == "maximum_interval":
            _int(value, key, 1, 36500, errors)
        elif key in ("enable_fuzzing", "bury_siblings"):
            if not isinstance(value, bool):
                errors.append(f"settings.{key} must be true or false, got {value!r}")
        elif key in ("desired_retention", "unlock_threshold"):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (math.isfinite(value) and 0 < value < 1)
            ):
                errors.append(f"settings.{key} must be a number in (0, 1), got {value!r}")
            else:
                value = float(value)
        elif key in ("learning_steps", "relearning_steps"):
            if (
                not isinstance(value, list)
                or len(value) > 20
                or not all(
                    isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 86400 * 7 for v in value
                )
            ):
                errors.append(
                    f"settings.{key} must be a list of at most 20 step lengths in seconds "
                    f"(1 to 604800), got {value!r}"
                )
        elif key == "parameters":
            if (
                not isinstance(value, list)
                or len(value) != len(DEFAULT_PARAMETERS)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            ):
                errors.append(f"settings.parameters must be a list of {len(DEFAULT_PARAMETERS)} numbers")
            else:
                value = [float(v) for v in value]
                try:
                    Scheduler(parameters=value)
                except ValueError as exc:
                    errors.append(f"settings.parameters: {exc}")
        elif key == "courses":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                for k, v in value.items()
            ):
                errors.append("settings.courses must map course names to integer versions")
            else:
                value = dict(sorted(value.items()))
        out[key] = value
    if errors:
        raise LearnError("; ".join(errors))
    return out


def scheduler_from(settings: dict) -> Scheduler:
    return Scheduler(
        parameters=settings["parameters"],
        desired_retention=settings["desired_retention"],
        learning_steps=[timedelta(seconds=s) for s in settings["learning_steps"]],
        relearning_steps=[timedelta(seconds=s) for s in settings["relearning_steps"]],
        maximum_interval=settings["maximum_interval"],
        enable_fuzzing=settings["enable_fuzzing"],
    )

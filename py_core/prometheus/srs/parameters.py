"""The 21 FSRS-6 parameters: defaults, published bounds and their validation.

The values are those of the FSRS-6 release (py-fsrs 6.3.2 / fsrs-rs), so parameters
fitted elsewhere drop in unchanged and ours can be used elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..errors import ValidationError

DEFAULT_DECAY = 0.1542
DEFAULT_PARAMETERS: tuple[float, ...] = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    DEFAULT_DECAY,
)
NUM_PARAMETERS = len(DEFAULT_PARAMETERS)

STABILITY_MIN = 0.001
INITIAL_STABILITY_MAX = 100.0
LOWER_BOUNDS: tuple[float, ...] = (
    STABILITY_MIN,
    STABILITY_MIN,
    STABILITY_MIN,
    STABILITY_MIN,
    1.0,
    0.001,
    0.001,
    0.001,
    0.0,
    0.0,
    0.001,
    0.001,
    0.001,
    0.001,
    0.0,
    0.0,
    1.0,
    0.0,
    0.0,
    0.0,
    0.1,
)
UPPER_BOUNDS: tuple[float, ...] = (
    INITIAL_STABILITY_MAX,
    INITIAL_STABILITY_MAX,
    INITIAL_STABILITY_MAX,
    INITIAL_STABILITY_MAX,
    10.0,
    4.0,
    4.0,
    0.75,
    4.5,
    0.8,
    3.5,
    5.0,
    0.25,
    0.9,
    4.0,
    1.0,
    6.0,
    2.0,
    2.0,
    0.8,
    0.8,
)
# Spread of each parameter across many users' fits (fsrs-rs): scales the L2 pull to defaults.
PARAMETER_STDDEV: tuple[float, ...] = (
    6.43,
    9.66,
    17.58,
    27.85,
    0.57,
    0.28,
    0.6,
    0.12,
    0.39,
    0.18,
    0.33,
    0.3,
    0.09,
    0.16,
    0.57,
    0.25,
    1.03,
    0.31,
    0.32,
    0.14,
    0.27,
)

MIN_DIFFICULTY = 1.0
MAX_DIFFICULTY = 10.0

# Interval fuzz: (start day, end day, factor) bands, as in py-fsrs / Anki.
FUZZ_RANGES: tuple[tuple[float, float, float], ...] = (
    (2.5, 7.0, 0.15),
    (7.0, 20.0, 0.1),
    (20.0, math.inf, 0.05),
)


def validate_parameters(parameters, name: str = "parameters") -> tuple[float, ...]:
    """21 finite floats within the published bounds, or a ValidationError naming each culprit."""
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence):
        try:
            parameters = list(parameters)  # numpy arrays and other iterables
        except TypeError:
            raise ValidationError(
                f"{name} must be a sequence of {NUM_PARAMETERS} numbers, got {type(parameters).__name__}"
            ) from None
    if len(parameters) != NUM_PARAMETERS:
        raise ValidationError(f"{name} must have {NUM_PARAMETERS} values, got {len(parameters)}")
    values = []
    problems = []
    for index, value in enumerate(parameters):
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            problems.append(f"{name}[{index}] = {value!r} is not a number")
            continue
        number = float(value)
        if not math.isfinite(number):
            problems.append(f"{name}[{index}] = {number} is not finite")
        elif not LOWER_BOUNDS[index] <= number <= UPPER_BOUNDS[index]:
            problems.append(
                f"{name}[{index}] = {number} is outside its bounds "
                f"[{LOWER_BOUNDS[index]}, {UPPER_BOUNDS[index]}]"
            )
        values.append(number)
    if problems:
        raise ValidationError("invalid FSRS parameters: " + "; ".join(problems))
    return tuple(values)


def clip_parameters(parameters):
    """Parameters clipped into the published bounds (used after each optimizer step)."""
    import numpy as np

    return np.clip(np.asarray(parameters, dtype=float), LOWER_BOUNDS, UPPER_BOUNDS)

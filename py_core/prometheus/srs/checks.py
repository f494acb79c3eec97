"""Checks on values that come from outside: each failure names the field and the value."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Literal, overload

from ..errors import ValidationError
from .enums import Rating, State

_RATING_NAMES = {r.name.lower(): r for r in Rating}
_STATE_NAMES = {s.name.lower(): s for s in State}


def as_rating(value, field: str = "rating") -> Rating:
    """A Rating from a Rating, an int 1-4 or a name ('again', 'Good', ...)."""
    if isinstance(value, Rating):
        return value
    if isinstance(value, str) and value.strip().lower() in _RATING_NAMES:
        return _RATING_NAMES[value.strip().lower()]
    if not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= 4:
        return Rating(value)
    if isinstance(value, float) and value.is_integer() and 1 <= value <= 4:
        return Rating(int(value))
    raise ValidationError(f"{field} must be one of Again(1), Hard(2), Good(3), Easy(4); got {value!r}")


def as_state(value, field: str = "state") -> State:
    if isinstance(value, State):
        return value
    if isinstance(value, str) and value.strip().lower() in _STATE_NAMES:
        return _STATE_NAMES[value.strip().lower()]
    if not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= 3:
        return State(value)
    raise ValidationError(f"{field} must be one of Learning(1), Review(2), Relearning(3); got {value!r}")


def as_aware_datetime(value, field: str) -> datetime:
    """A timezone-aware datetime in UTC, from a datetime or an ISO-8601 string with an offset."""
    if type(value) is datetime and value.tzinfo is UTC:
        return value  # the common case, kept cheap: scheduling loops call this per review
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"{field} is not an ISO-8601 datetime: {value!r}") from None
    if not isinstance(value, datetime):
        raise ValidationError(
            f"{field} must be a timezone-aware datetime, got {type(value).__name__} {value!r}"
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValidationError(
            f"{field} must be timezone-aware (naive datetimes are ambiguous), got {value.isoformat()}"
        )
    return value.astimezone(UTC)


def as_optional_datetime(value, field: str) -> datetime | None:
    return None if value is None else as_aware_datetime(value, field)


def as_finite(value, field: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{field} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(f"{field} must be finite, got {number}")
    if low is not None and (number < low or (low_open and number == low)):
        raise ValidationError(f"{field} must be {'>' if low_open else '>='} {low}, got {number}")
    if high is not None and (number > high or (high_open and number == high)):
        raise ValidationError(f"{field} must be {'<' if high_open else '<='} {high}, got {number}")
    return number


@overload
def as_int(value, field: str, *, low=None, allow_none: Literal[False] = False) -> int: ...
@overload
def as_int(value, field: str, *, low=None, allow_none: bool) -> int | None: ...
def as_int(value, field: str, *, low=None, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationError(f"{field} must be an integer, got {value!r}")
    if low is not None and value < low:
        raise ValidationError(f"{field} must be >= {low}, got {value}")
    return value


def as_steps(value, field: str) -> tuple[timedelta, ...]:
    """Learning/relearning steps: timedeltas or seconds, each positive."""
    if isinstance(value, (str, bytes)):
        raise ValidationError(f"{field} must be a list of durations, got {value!r}")
    try:
        items = list(value)
    except TypeError:
        raise ValidationError(f"{field} must be a list of durations, got {value!r}") from None
    steps = []
    for index, item in enumerate(items):
        if isinstance(item, timedelta):
            step = item
        elif not isinstance(item, bool) and isinstance(item, (int, float)) and math.isfinite(item):
            step = timedelta(seconds=item)
        else:
            raise ValidationError(f"{field}[{index}] must be a timedelta or seconds, got {item!r}")
        if step <= timedelta(0):
            raise ValidationError(f"{field}[{index}] must be positive, got {step}")
        steps.append(step)
    return tuple(steps)

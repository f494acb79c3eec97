"""Time as the learn package keeps it: integer microseconds since the epoch (UTC).

Methods take `now` as an ISO-8601 datetime with an offset or as epoch milliseconds, so
tests and replays never read the clock; None means the current UTC time. A learner's day
starts at `day_start_hour` local time in `utc_offset_minutes` (Anki's default is 4 a.m.).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..srs.checks import as_aware_datetime
from ..srs.history import MICROS_PER_DAY, to_micros
from .errors import LearnError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_PER_MS = 1000
# Epoch milliseconds accepted for `now`: 2000-01-01 .. 2200-01-01.
_MS_RANGE = (946_684_800_000, 7_258_118_400_000)


def now_us(now=None, where: str = "now") -> int:
    """`now` (None, ISO text, datetime, or epoch milliseconds) as UTC microseconds."""
    if now is None:
        return to_micros(datetime.now(UTC))
    if isinstance(now, bool):
        raise LearnError(f"{where} must be an ISO datetime or epoch milliseconds, got {now!r}")
    if isinstance(now, (int, float)):
        if not _MS_RANGE[0] <= now <= _MS_RANGE[1]:
            raise LearnError(f"{where} as epoch milliseconds must lie in years 2000-2200, got {now!r}")
        return int(round(now * MICROS_PER_MS))
    try:
        return to_micros(as_aware_datetime(now, where))
    except ValueError as exc:
        raise LearnError(str(exc)) from None


def to_datetime(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))


def iso(us: int | None) -> str | None:
    return None if us is None else to_datetime(us).isoformat()


def day_number(us: int, utc_offset_minutes: int, day_start_hour: int) -> int:
    """The learner's calendar day of a moment (same rule as srs.history.day_numbers)."""
    shift = (utc_offset_minutes * 60 - day_start_hour * 3600) * 1_000_000
    return (int(us) + shift) // MICROS_PER_DAY


def day_start_us(day: int, utc_offset_minutes: int, day_start_hour: int) -> int:
    """The first microsecond of learner day `day`."""
    shift = (utc_offset_minutes * 60 - day_start_hour * 3600) * 1_000_000
    return day * MICROS_PER_DAY - shift

"""Adding a duration to a temporal value (or to another duration), as Cypher's `+` and `-` do."""

from __future__ import annotations

from ..errors import RUNTIME, CypherTypeError
from .calendar import DAY_NANOS, NANO, add_months_days
from .values import Date, DateTime, Duration, LocalDateTime, LocalTime, Time
from .zones import in_zone_from_utc, zone_offset


def add_duration(t, dur: Duration, sign=1):
    months, days, nanos = sign * dur.months, sign * dur.days, sign * dur.total_nanos()
    if isinstance(t, Duration):
        return Duration(t.months + months, t.days + days, 0, t.total_nanos() + nanos)
    if isinstance(t, Date):
        extra_days = int(nanos / DAY_NANOS)
        return Date(add_months_days(t.day, months, days + extra_days))
    if isinstance(t, LocalTime):
        return LocalTime((t.nanos + nanos) % DAY_NANOS)
    if isinstance(t, Time):
        return Time((t.nanos + nanos) % DAY_NANOS, t.offset)
    if isinstance(t, LocalDateTime):
        day = add_months_days(t.day, months, days)
        d2, n2 = divmod(day * DAY_NANOS + t.nanos + nanos, DAY_NANOS)
        return LocalDateTime(d2, n2)
    if isinstance(t, DateTime):
        day = add_months_days(t.day, months, days)
        if t.zone is not None:
            off = zone_offset(t.zone, day, t.nanos)
            utc = day * DAY_NANOS + t.nanos - off * NANO + nanos
            d2, n2 = divmod(utc, DAY_NANOS)
            return in_zone_from_utc(d2, n2, t.zone)
        d2, n2 = divmod(day * DAY_NANOS + t.nanos + nanos, DAY_NANOS)
        return DateTime(d2, n2, t.offset)
    raise CypherTypeError("cannot add a duration to this value", "InvalidArgumentType", RUNTIME)

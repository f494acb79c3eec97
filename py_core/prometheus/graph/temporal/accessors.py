"""Component reads of temporal values: `d.year`, `t.minute`, `dur.monthsOfQuarter` ..."""

from __future__ import annotations

from .calendar import NANO, civil_from_days, days_from_civil, iso_week, iso_weekday
from .formatting import fmt_offset
from .values import DateTime, Duration, date_of, offset_of, time_of


def accessor(v, key):
    """`v.key` for temporal values (None when the component does not exist)."""
    if isinstance(v, Duration):
        return _duration_accessor(v, key)
    k = key.lower()
    day = date_of(v)
    if day is not None:
        y, m, d = civil_from_days(day)
        if k == "year":
            return y
        if k == "month":
            return m
        if k == "day":
            return d
        if k == "quarter":
            return (m - 1) // 3 + 1
        if k in ("week", "weekyear"):
            wy, w = iso_week(day)
            return w if k == "week" else wy
        if k in ("dayofweek", "weekday"):
            return iso_weekday(day)
        if k in ("ordinalday", "dayofyear"):
            return day - days_from_civil(y, 1, 1) + 1
        if k in ("dayofquarter", "quarterday"):
            return day - days_from_civil(y, 3 * ((m - 1) // 3) + 1, 1) + 1
    nanos = time_of(v)
    if nanos is not None:
        secs, frac = divmod(nanos, NANO)
        if k == "hour":
            return secs // 3600
        if k == "minute":
            return secs // 60 % 60
        if k == "second":
            return secs % 60
        if k == "millisecond":
            return frac // 1_000_000
        if k == "microsecond":
            return frac // 1000
        if k == "nanosecond":
            return frac
    off = offset_of(v)
    if off is not None:
        if k == "timezone":
            zone = getattr(v, "zone", None)
            return zone if zone is not None else fmt_offset(off)
        if k == "offset":
            return fmt_offset(off)
        if k == "offsetminutes":
            return off // 60
        if k == "offsetseconds":
            return off
    if isinstance(v, DateTime):
        if k == "epochseconds":
            return v.instant() // NANO
        if k == "epochmillis":
            return v.instant() // 1_000_000
    return None


def _duration_accessor(v: Duration, key):
    k = key.lower()
    t = v.total_nanos()
    seconds = v.seconds
    table = {
        "years": int(v.months / 12),
        "quarters": int(v.months / 3),
        "months": v.months,
        "weeks": int(v.days / 7),
        "days": v.days,
        "hours": int(seconds / 3600),
        "minutes": int(seconds / 60),
        "seconds": seconds,
        "milliseconds": seconds * 1000 + v.nanos // 1_000_000,
        "microseconds": seconds * 1_000_000 + v.nanos // 1000,
        "nanoseconds": t,
        "quartersofyear": int((v.months % 12 if v.months >= 0 else -((-v.months) % 12)) / 3),
        "monthsofquarter": v.months % 3 if v.months >= 0 else -((-v.months) % 3),
        "monthsofyear": v.months % 12 if v.months >= 0 else -((-v.months) % 12),
        "daysofweek": v.days % 7 if v.days >= 0 else -((-v.days) % 7),
        "minutesofhour": int(seconds / 60) - int(seconds / 3600) * 60,
        "secondsofminute": seconds - int(seconds / 60) * 60,
        "millisecondsofsecond": v.nanos // 1_000_000,
        "microsecondsofsecond": v.nanos // 1000,
        "nanosecondsofsecond": v.nanos,
    }
    return table.get(k)

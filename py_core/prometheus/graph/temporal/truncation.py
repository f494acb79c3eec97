"""`date.truncate(unit, value, fields)` and its kin: cut a value down to a unit, then override
components from a map."""

from __future__ import annotations

from .calendar import (
    DAY_NANOS,
    NANO,
    arg_error,
    check_date,
    civil_from_days,
    days_from_civil,
    iso_week,
    iso_week_start,
    iso_weekday,
)
from .construct import TIME_KEYS
from .values import Date, DateTime, LocalDateTime, LocalTime, Time, date_of, offset_of, time_of
from .zones import offset_for_zone_text, zone_offset

_UNITS = (
    "millennium",
    "century",
    "decade",
    "year",
    "weekyear",
    "quarter",
    "month",
    "week",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
)


def _truncate_day(day, unit):
    y, m, _ = civil_from_days(day)
    if unit == "millennium":
        return days_from_civil(y - y % 1000, 1, 1)
    if unit == "century":
        return days_from_civil(y - y % 100, 1, 1)
    if unit == "decade":
        return days_from_civil(y - y % 10, 1, 1)
    if unit == "year":
        return days_from_civil(y, 1, 1)
    if unit == "weekyear":
        wy, _ = iso_week(day)
        return iso_week_start(wy)
    if unit == "quarter":
        return days_from_civil(y, 3 * ((m - 1) // 3) + 1, 1)
    if unit == "month":
        return days_from_civil(y, m, 1)
    if unit == "week":
        return day - (iso_weekday(day) - 1)
    return day


def _truncate_nanos(nanos, unit):
    sizes = {
        "hour": 3600 * NANO,
        "minute": 60 * NANO,
        "second": NANO,
        "millisecond": 1_000_000,
        "microsecond": 1000,
        "day": DAY_NANOS,
    }
    if unit in sizes:
        return nanos - nanos % sizes[unit]
    return 0


def truncate(kind, unit, value, fields=None):
    if value is None:
        return None
    unit_l = unit.lower() if isinstance(unit, str) else unit
    if unit_l not in _UNITS and unit_l != "day":
        raise arg_error(f"unknown truncation unit {unit!r}")
    fields = dict(fields or {})
    date_units = _UNITS[:9]
    day = date_of(value)
    nanos = time_of(value)
    if kind in ("date", "datetime", "localdatetime") and day is None:
        raise arg_error(f"cannot truncate a time to a {kind}")
    if kind in ("time", "localtime") and unit_l in date_units and unit_l != "day":
        raise arg_error(f"cannot truncate a time to unit {unit}")
    if kind == "date" and unit_l not in date_units:
        raise arg_error(f"cannot truncate a date to unit {unit}")
    if day is not None:
        day = _truncate_day(day, unit_l)
    if nanos is not None or kind not in ("date",):
        nanos = _truncate_nanos(nanos or 0, unit_l) if unit_l not in date_units else 0
    # apply overriding fields
    if day is not None and any(
        k in fields
        for k in ("year", "month", "day", "dayOfWeek", "week", "quarter", "dayOfQuarter", "ordinalDay")
    ):
        if unit_l == "week" and "dayOfWeek" in fields:
            day = day + fields["dayOfWeek"] - 1
        else:
            y, m, d = civil_from_days(day)
            if "day" in fields:
                d = fields["day"]
            if "month" in fields:
                m = fields["month"]
            if "year" in fields:
                y = fields["year"]
            check_date(y, m, d)
            day = days_from_civil(y, m, d)
    if any(k in fields for k in TIME_KEYS):
        base = nanos or 0
        bs, bf = divmod(base, NANO)
        h = fields.get("hour", bs // 3600)
        mi = fields.get("minute", bs // 60 % 60)
        s = fields.get("second", bs % 60)
        frac = bf
        if any(k in fields for k in ("millisecond", "microsecond", "nanosecond")):
            frac = frac // 1_000_000 * 1_000_000 if "millisecond" not in fields else 0
            frac = bf - bf % {"millisecond": 1_000_000, "microsecond": 1000}.get(unit_l, 1)
            if "millisecond" in fields:
                frac = fields["millisecond"] * 1_000_000 + frac % 1_000_000
            if "microsecond" in fields:
                frac = frac - frac % 1_000_000 + fields["microsecond"] * 1000 + frac % 1000
            if "nanosecond" in fields:
                frac = frac - frac % 1000 + fields["nanosecond"]
        nanos = ((h * 60 + mi) * 60 + s) * NANO + frac
    if kind == "date":
        return Date(day)
    if kind == "localdatetime":
        return LocalDateTime(day, nanos)
    if kind == "localtime":
        return LocalTime(nanos)
    off = offset_of(value)
    zone = getattr(value, "zone", None)
    if kind == "time":
        if "timezone" in fields:
            off, _ = offset_for_zone_text(fields["timezone"], 0, nanos)
        return Time(nanos, off or 0)
    # datetime
    if "timezone" in fields:
        off, zone = offset_for_zone_text(fields["timezone"], day, nanos)
    elif zone is not None:
        off = zone_offset(zone, day, nanos)
    return DateTime(day, nanos, off or 0, zone)

"""The temporal constructors date(), localtime(), time(), localdatetime() and datetime():
from nothing (the statement clock), a string, another temporal value, or a map of components.
"""

from __future__ import annotations

from ..errors import RUNTIME, CypherTypeError
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
from .clock import now_parts
from .parsing import parse_date, parse_offset, parse_time, split_zone
from .values import Date, DateTime, LocalDateTime, LocalTime, Temporal, Time, date_of, offset_of, time_of
from .zones import in_zone_from_utc, offset_for_zone_text, zone_offset

TIME_KEYS = ("hour", "minute", "second", "millisecond", "microsecond", "nanosecond")


def _nanos_from_map(m, base=None):
    """Time of day from hour/minute/second/... keys, falling back to `base` for missing ones."""
    if base is None and not any(k in m for k in TIME_KEYS):
        return None
    h = m.get("hour")
    mi = m.get("minute")
    s = m.get("second")
    if base is not None:
        bs, bf = divmod(base, NANO)
        h = bs // 3600 if h is None else h
        mi = bs // 60 % 60 if mi is None else mi
        s = bs % 60 if s is None else s
        if not any(k in m for k in ("millisecond", "microsecond", "nanosecond")):
            frac = bf
        else:
            frac = _fraction(m)
    else:
        if s is not None and mi is None or mi is not None and h is None:
            raise arg_error("time fields must not skip a larger unit")
        frac = _fraction(m)
    h, mi, s = h or 0, mi or 0, s or 0
    if not (0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59):
        raise arg_error(f"invalid time {h}:{mi}:{s}")
    return ((h * 60 + mi) * 60 + s) * NANO + frac


def _fraction(m):
    ms, us, ns = m.get("millisecond"), m.get("microsecond"), m.get("nanosecond")
    frac = 0
    if ms is not None:
        if not 0 <= ms <= 999:
            raise arg_error("millisecond out of range")
        frac += ms * 1_000_000
    if us is not None:
        if not 0 <= us <= (999 if ms is not None else 999_999):
            raise arg_error("microsecond out of range")
        frac += us * 1000
    if ns is not None:
        limit = 999 if (ms is not None or us is not None) else 999_999_999
        if not 0 <= ns <= limit:
            raise arg_error("nanosecond out of range")
        frac += ns
    return frac


def _day_from_map(m, base_day=None):
    y = m.get("year")
    if base_day is not None:
        by, bm, bd = civil_from_days(base_day)
        if "week" in m or "dayOfWeek" in m:
            wy, w = iso_week(base_day)
            wy = m.get("year", wy)
            w = m.get("week", w)
            dow = m.get("dayOfWeek", iso_weekday(base_day))
            return iso_week_start(wy) + (w - 1) * 7 + dow - 1
        if "quarter" in m or "dayOfQuarter" in m:
            q = m.get("quarter", (bm - 1) // 3 + 1)
            qstart = days_from_civil(by, 3 * ((bm - 1) // 3) + 1, 1)
            dq = m.get("dayOfQuarter", base_day - qstart + 1)
            yy = m.get("year", by)
            return days_from_civil(yy, 3 * (q - 1) + 1, 1) + dq - 1
        if "ordinalDay" in m:
            return days_from_civil(m.get("year", by), 1, 1) + m["ordinalDay"] - 1
        y = m.get("year", by)
        mo = m.get("month", bm)
        d = m.get("day", bd)
        check_date(y, mo, d)
        return days_from_civil(y, mo, d)
    if y is None:
        raise arg_error("a date needs a year")
    if "week" in m:
        return iso_week_start(y) + (m["week"] - 1) * 7 + m.get("dayOfWeek", 1) - 1
    if "quarter" in m:
        q = m["quarter"]
        if not 1 <= q <= 4:
            raise arg_error("quarter out of range")
        return days_from_civil(y, 3 * (q - 1) + 1, 1) + m.get("dayOfQuarter", 1) - 1
    if "ordinalDay" in m:
        return days_from_civil(y, 1, 1) + m["ordinalDay"] - 1
    mo = m.get("month", 1)
    d = m.get("day", 1)
    if "day" in m and "month" not in m:
        raise arg_error("day needs a month")
    check_date(y, mo, d)
    return days_from_civil(y, mo, d)


def _check_map(m, fn):
    if not isinstance(m, dict):
        raise CypherTypeError(
            f"{fn}() expected a string or map, got {type(m).__name__}", "InvalidArgumentType", RUNTIME
        )
    for k, v in m.items():
        if k in ("timezone", "date", "time", "datetime"):
            continue
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise arg_error(f"{fn}(): {k} must be a number")


def make_date(arg=None):
    if arg is None:
        return Date(now_parts()[0])
    if isinstance(arg, str):
        return Date(parse_date(arg))
    if isinstance(arg, Temporal):
        day = date_of(arg)
        if day is None:
            raise arg_error("cannot take a date from a time")
        return Date(day)
    _check_map(arg, "date")
    base = arg.get("date")
    base_day = date_of(base) if base is not None else None
    return Date(_day_from_map(arg, base_day))


def make_localtime(arg=None):
    if arg is None:
        return LocalTime(now_parts()[1])
    if isinstance(arg, str):
        rest, _, _ = split_zone(arg)
        return LocalTime(parse_time(rest))
    if isinstance(arg, Temporal):
        n = time_of(arg)
        if n is None:
            raise arg_error("cannot take a time from a date")
        return LocalTime(n)
    _check_map(arg, "localtime")
    base = arg.get("time")
    n = _nanos_from_map(arg, time_of(base) if base is not None else None)
    return LocalTime(n if n is not None else 0)


def make_time(arg=None):
    if arg is None:
        return Time(now_parts()[1], 0)
    if isinstance(arg, str):
        rest, off, zone = split_zone(arg)
        nanos = parse_time(rest)
        offset = parse_offset(off) if off else (zone_offset(zone, 0, nanos) if zone else 0)
        return Time(nanos, offset)
    if isinstance(arg, Temporal):
        n = time_of(arg)
        if n is None:
            raise arg_error("cannot take a time from a date")
        off = offset_of(arg)
        return Time(n, 0 if off is None else off)
    _check_map(arg, "time")
    base = arg.get("time")
    n = _nanos_from_map(arg, time_of(base) if base is not None else None)
    n = 0 if n is None else n
    base_off = offset_of(base) if base is not None else None
    if "timezone" in arg:
        if base_off is not None:
            # convert the base time into the new zone
            new_off, _ = offset_for_zone_text(arg["timezone"], 0, n)
            n = (n + (new_off - base_off) * NANO) % DAY_NANOS if not any(k in arg for k in TIME_KEYS) else n
            return Time(n, new_off)
        off, _ = offset_for_zone_text(arg["timezone"], 0, n)
        return Time(n, off)
    return Time(n, base_off if base_off is not None else 0)


def make_localdatetime(arg=None):
    if arg is None:
        return LocalDateTime(*now_parts())
    if isinstance(arg, str):
        if "T" not in arg:
            return LocalDateTime(parse_date(arg), 0)
        d, t = arg.split("T", 1)
        rest, _, _ = split_zone(t)
        return LocalDateTime(parse_date(d), parse_time(rest))
    if isinstance(arg, Temporal):
        day, n = date_of(arg), time_of(arg)
        if day is None:
            raise arg_error("cannot take a date from a time")
        return LocalDateTime(day, n or 0)
    _check_map(arg, "localdatetime")
    base_dt = arg.get("datetime")
    base_d = arg.get("date", base_dt)
    base_t = arg.get("time", base_dt)
    day = _day_from_map(arg, date_of(base_d) if base_d is not None else None)
    n = _nanos_from_map(arg, time_of(base_t) if base_t is not None else None)
    return LocalDateTime(day, 0 if n is None else n)


def make_datetime(arg=None):
    if arg is None:
        return DateTime(*now_parts(), 0)
    if isinstance(arg, str):
        if "T" not in arg:
            rest, off, zone = split_zone(arg)
            day, nanos = parse_date(rest), 0
        else:
            d, t = arg.split("T", 1)
            rest, off, zone = split_zone(t)
            day, nanos = parse_date(d), parse_time(rest)
        if zone is not None:
            offset = zone_offset(zone, day, nanos)
            if off is not None and parse_offset(off) != offset:
                offset = parse_offset(off)
            return DateTime(day, nanos, offset, zone)
        return DateTime(day, nanos, parse_offset(off) if off else 0)
    if isinstance(arg, Temporal):
        day, n = date_of(arg), time_of(arg)
        if day is None:
            raise arg_error("cannot take a date from a time")
        off = offset_of(arg)
        return DateTime(day, n or 0, off or 0, getattr(arg, "zone", None))
    _check_map(arg, "datetime")
    if "epochSeconds" in arg or "epochMillis" in arg:
        total = arg.get("epochSeconds", 0) * NANO + arg.get("epochMillis", 0) * 1_000_000 + _fraction(arg)
        day, nanos = divmod(total, DAY_NANOS)
        if "timezone" in arg:
            return in_zone_from_utc(day, nanos, arg["timezone"])
        return DateTime(day, nanos, 0)
    base_dt = arg.get("datetime")
    base_d = arg.get("date", base_dt)
    base_t = arg.get("time", base_dt)
    day = _day_from_map(arg, date_of(base_d) if base_d is not None else None)
    n = _nanos_from_map(arg, time_of(base_t) if base_t is not None else None)
    n = 0 if n is None else n
    base_off = offset_of(base_t) if base_t is not None else None
    base_zone = getattr(base_t, "zone", None) if base_t is not None else None
    if "timezone" in arg:
        tz = arg["timezone"]
        if (
            base_off is not None
            and base_t is base_dt
            and base_d is base_dt
            and not any(
                k in arg
                for k in TIME_KEYS
                + ("year", "month", "day", "week", "dayOfWeek", "quarter", "dayOfQuarter", "ordinalDay")
            )
        ):
            # same instant, other zone
            utc = day * DAY_NANOS + n - base_off * NANO
            d2, n2 = divmod(utc, DAY_NANOS)
            return in_zone_from_utc(d2, n2, tz)
        if base_off is not None and isinstance(base_t, Time) and not any(k in arg for k in TIME_KEYS):
            new_off, zone = offset_for_zone_text(tz, day, n)
            n2 = n + (new_off - base_off) * NANO
            d2, n2 = divmod(day * DAY_NANOS + n2, DAY_NANOS)
            return DateTime(day, n2, new_off, zone)
        off, zone = offset_for_zone_text(tz, day, n)
        return DateTime(day, n, off, zone)
    if base_off is not None:
        if base_zone is not None:
            return DateTime(day, n, zone_offset(base_zone, day, n), base_zone)
        return DateTime(day, n, base_off)
    return DateTime(day, n, 0)

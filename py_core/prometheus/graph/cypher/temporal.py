"""Cypher's temporal types: Date, LocalTime, Time, LocalDateTime, DateTime and Duration.

Dates use our own proleptic-Gregorian day arithmetic (epoch days), times are nanoseconds of
the day, offsets are seconds east of UTC; named zones resolve through `zoneinfo` when it is
available. `str(value)` is the Cypher text form (what the TCK writes in its tables).
"""

from __future__ import annotations

import re
import time as _time
from datetime import UTC
from functools import lru_cache

from ..errors import RUNTIME, CypherArgumentError, CypherTypeError

NANO = 10**9
DAY_SECONDS = 86400
DAY_NANOS = DAY_SECONDS * NANO
AVG_MONTH_SECONDS = 2629746  # 30.436875 days, the Gregorian average


def _arg_error(message, detail="InvalidArgumentValue"):
    return CypherArgumentError(message, detail, RUNTIME)


# --------------------------------------------------------------- calendar maths
def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def month_length(y, m):
    return (31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]


def iso_weekday(epoch_day):
    return (epoch_day + 3) % 7 + 1  # 1970-01-01 was a Thursday


def iso_week_start(week_year):
    """Epoch day of the Monday of ISO week 1 of `week_year`."""
    jan4 = days_from_civil(week_year, 1, 4)
    return jan4 - (iso_weekday(jan4) - 1)


def iso_week(epoch_day):
    y, _, _ = civil_from_days(epoch_day)
    for wy in (y + 1, y, y - 1):
        start = iso_week_start(wy)
        if epoch_day >= start:
            return wy, (epoch_day - start) // 7 + 1


def _check_date(y, m, d):
    if not 1 <= m <= 12 or not 1 <= d <= month_length(y, m):
        raise _arg_error(f"invalid date {y}-{m}-{d}")


# --------------------------------------------------------------------- zones
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")


@lru_cache(maxsize=512)
def _zone(name: str):
    """The named zone, read from the `tzdata` package when it is installed, else the system's.

    One database everywhere: the browser has no system database (the bundle ships tzdata for
    the graph methods), and system databases differ from it (Debian's gives Europe/Stockholm
    before 1879 as +01:12:12, tzdata and the TCK +00:53:28), so CPython must read the same one.
    """
    from zoneinfo import ZoneInfo

    if _ZONE_NAME.fullmatch(name):
        try:
            from importlib.resources import files

            with files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as handle:
                return ZoneInfo.from_file(handle, key=name)
        except (ImportError, OSError, ValueError):
            pass
    return ZoneInfo(name)


def _zone_offset(zone: str, epoch_day: int, nanos: int, is_local=True) -> int:
    """Offset (seconds) of a named zone at a local (or UTC) date-time."""
    try:
        from datetime import datetime

        tz = _zone(zone)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise _arg_error(f"unknown time zone {zone!r}") from None
    y, m, d = civil_from_days(epoch_day)
    y = min(max(y, 1), 9999)
    secs = nanos // NANO
    if is_local:
        dt = datetime(y, m, d, secs // 3600, secs // 60 % 60, secs % 60, tzinfo=tz)
        return int(dt.utcoffset().total_seconds())
    dt = datetime(y, m, d, secs // 3600, secs // 60 % 60, secs % 60, tzinfo=UTC)
    return int(dt.astimezone(tz).utcoffset().total_seconds())


def _fmt_offset(offset: int) -> str:
    if offset == 0:
        return "Z"
    sign = "+" if offset > 0 else "-"
    a = abs(offset)
    text = f"{sign}{a // 3600:02d}:{a // 60 % 60:02d}"
    if a % 60:
        text += f":{a % 60:02d}"
    return text


def _fmt_fraction(n: int) -> str:
    if n == 0:
        return ""
    if n % 1_000_000 == 0:
        return f".{n // 1_000_000:03d}"
    if n % 1000 == 0:
        return f".{n // 1000:06d}"
    return f".{n:09d}"


def _fmt_time(nanos: int) -> str:
    secs, frac = divmod(nanos, NANO)
    h, mi, s = secs // 3600, secs // 60 % 60, secs % 60
    if s == 0 and frac == 0:
        return f"{h:02d}:{mi:02d}"
    return f"{h:02d}:{mi:02d}:{s:02d}{_fmt_fraction(frac)}"


def _fmt_date(y, m, d):
    if 0 <= y <= 9999:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{'+' if y > 0 else '-'}{abs(y):04d}-{m:02d}-{d:02d}"


# ------------------------------------------------------------------- values
class Temporal:
    __slots__ = ()
    kind = "Temporal"

    def __repr__(self):
        return f"{type(self).__name__}('{self}')"

    def _key(self) -> tuple:
        """What equality, ordering and hashing compare (each temporal type defines it)."""
        raise NotImplementedError

    def __eq__(self, other):
        return type(other) is type(self) and self._key() == other._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def to_dict(self):
        return str(self)


class Date(Temporal):
    __slots__ = ("day",)  # epoch day
    kind = "Date"

    def __init__(self, epoch_day):
        self.day = epoch_day

    @classmethod
    def of(cls, y, m, d):
        _check_date(y, m, d)
        return cls(days_from_civil(y, m, d))

    def ymd(self):
        return civil_from_days(self.day)

    def _key(self):
        return self.day

    def __str__(self):
        return _fmt_date(*self.ymd())


class LocalTime(Temporal):
    __slots__ = ("nanos",)
    kind = "LocalTime"

    def __init__(self, nanos):
        self.nanos = nanos

    def _key(self):
        return self.nanos

    def __str__(self):
        return _fmt_time(self.nanos)


class Time(Temporal):
    __slots__ = ("nanos", "offset")
    kind = "Time"

    def __init__(self, nanos, offset):
        self.nanos = nanos
        self.offset = offset

    def _key(self):
        return self.nanos - self.offset * NANO

    def __str__(self):
        return _fmt_time(self.nanos) + _fmt_offset(self.offset)


class LocalDateTime(Temporal):
    __slots__ = ("day", "nanos")
    kind = "LocalDateTime"

    def __init__(self, day, nanos):
        self.day = day
        self.nanos = nanos

    def _key(self):
        return self.day * DAY_NANOS + self.nanos

    def __str__(self):
        return _fmt_date(*civil_from_days(self.day)) + "T" + _fmt_time(self.nanos)


class DateTime(Temporal):
    __slots__ = ("day", "nanos", "offset", "zone")
    kind = "DateTime"

    def __init__(self, day, nanos, offset, zone=None):
        self.day = day
        self.nanos = nanos
        self.offset = offset
        self.zone = zone

    def instant(self):
        return self.day * DAY_NANOS + self.nanos - self.offset * NANO

    def _key(self):
        return self.instant()

    def __str__(self):
        text = _fmt_date(*civil_from_days(self.day)) + "T" + _fmt_time(self.nanos) + _fmt_offset(self.offset)
        if self.zone is not None:
            text += f"[{self.zone}]"
        return text


class Duration(Temporal):
    __slots__ = ("months", "days", "seconds", "nanos")
    kind = "Duration"

    def __init__(self, months=0, days=0, seconds=0, nanos=0):
        extra, nanos = divmod(nanos, NANO)
        self.months = int(months)
        self.days = int(days)
        self.seconds = int(seconds + extra)
        self.nanos = int(nanos)

    def total_nanos(self):
        return self.seconds * NANO + self.nanos

    def _key(self):
        return (self.months, self.days, self.total_nanos())

    def __str__(self):
        out = "P"
        y, mo = int(self.months / 12), self.months - int(self.months / 12) * 12
        if y:
            out += f"{y}Y"
        if mo:
            out += f"{mo}M"
        if self.days:
            out += f"{self.days}D"
        t = self.total_nanos()
        if t:
            out += "T"
            sign = -1 if t < 0 else 1
            a = abs(t)
            h, rem = divmod(a, 3600 * NANO)
            mi, rem = divmod(rem, 60 * NANO)
            s, frac = divmod(rem, NANO)
            if h:
                out += f"{sign * h}H"
            if mi:
                out += f"{sign * mi}M"
            if s or frac:
                text = f"{s}" + (f".{frac:09d}".rstrip("0") if frac else "")
                out += ("-" if sign < 0 else "") + text + "S"
        if out == "P":
            return "PT0S"
        return out


TEMPORAL_TYPES = (Date, LocalTime, Time, LocalDateTime, DateTime, Duration)
_BY_NAME = {cls.__name__: cls for cls in TEMPORAL_TYPES}


def encode_temporal(v):
    """[type name, *fields] for snapshots."""
    if not isinstance(v, Temporal):
        raise TypeError(f"cannot store a {type(v).__name__} in a snapshot")
    return [type(v).__name__] + [getattr(v, f) for f in type(v).__slots__]


def decode_temporal(data):
    cls = _BY_NAME[data[0]]
    obj = cls.__new__(cls)
    for name, value in zip(cls.__slots__, data[1:], strict=True):
        setattr(obj, name, value)
    return obj


# ------------------------------------------------------------- components
def date_of(v):
    """Epoch day of a temporal that has a date part, else None."""
    if isinstance(v, (Date, LocalDateTime, DateTime)):
        return v.day
    return None


def time_of(v):
    if isinstance(v, (LocalTime, Time, LocalDateTime, DateTime)):
        return v.nanos
    return None


def offset_of(v):
    if isinstance(v, (Time, DateTime)):
        return v.offset
    return None


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
            return zone if zone is not None else _fmt_offset(off)
        if k == "offset":
            return _fmt_offset(off)
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


# ------------------------------------------------------------------ parsing
_DATE_RES = [
    (re.compile(r"^([+-]?\d{4,9})-(\d{2})-(\d{2})$"), "ymd"),
    (re.compile(r"^([+-]?\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^([+-]?\d{4,9})-W(\d{2})-(\d)$"), "wd"),
    (re.compile(r"^([+-]?\d{4})W(\d{2})(\d)$"), "wd"),
    (re.compile(r"^([+-]?\d{4,9})-W(\d{2})$"), "w"),
    (re.compile(r"^([+-]?\d{4})W(\d{2})$"), "w"),
    (re.compile(r"^([+-]?\d{4,9})-(\d{3})$"), "o"),
    (re.compile(r"^([+-]?\d{4})(\d{3})$"), "o"),
    (re.compile(r"^([+-]?\d{4,9})-(\d{2})$"), "ym"),
    (re.compile(r"^([+-]?\d{4})(\d{2})$"), "ym"),
    (re.compile(r"^([+-]?\d{4,9})$"), "y"),
]
_TIME_RE = re.compile(r"^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?$")
_OFFSET_RE = re.compile(r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?(?:\[([^\]]+)\])?$")


def parse_date(text: str) -> int:
    for regex, kind in _DATE_RES:
        m = regex.match(text)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        y = g[0]
        if kind == "ymd":
            _check_date(y, g[1], g[2])
            return days_from_civil(y, g[1], g[2])
        if kind == "ym":
            _check_date(y, g[1], 1)
            return days_from_civil(y, g[1], 1)
        if kind == "y":
            return days_from_civil(y, 1, 1)
        if kind == "o":
            return days_from_civil(y, 1, 1) + g[1] - 1
        if kind == "w":
            return iso_week_start(y) + (g[1] - 1) * 7
        if kind == "wd":
            return iso_week_start(y) + (g[1] - 1) * 7 + g[2] - 1
    raise _arg_error(f"cannot parse {text!r} as a date")


def parse_time(text: str) -> int:
    m = _TIME_RE.match(text)
    if not m:
        raise _arg_error(f"cannot parse {text!r} as a time")
    h, mi, s, frac = m.groups()
    nanos = ((int(h) * 60 + int(mi or 0)) * 60 + int(s or 0)) * NANO
    if frac:
        nanos += int(frac.ljust(9, "0"))
    if int(h) > 23 or int(mi or 0) > 59 or int(s or 0) > 59:
        raise _arg_error(f"invalid time {text!r}")
    return nanos


def parse_offset(text: str):
    if not text or text == "Z":
        return 0
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    h = int(digits[:2])
    mi = int(digits[2:4] or 0)
    s = int(digits[4:6] or 0)
    return sign * (h * 3600 + mi * 60 + s)


def _split_zone(text: str):
    """(rest, offset text or None, zone name or None) from the end of a time string."""
    zone = None
    if text.endswith("]"):
        i = text.rfind("[")
        zone = text[i + 1 : -1]
        text = text[:i]
    m = re.search(r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$", text)
    if m and (m.group(1) == "Z" or len(text) > len(m.group(1))):
        return text[: m.start()], m.group(1), zone
    return text, None, zone


def _default_zone_offset():
    return 0


# ------------------------------------------------------------------ builders
_TIME_KEYS = ("hour", "minute", "second", "millisecond", "microsecond", "nanosecond")


def _nanos_from_map(m, base=None):
    """Time of day from hour/minute/second/... keys, falling back to `base` for missing ones."""
    if base is None and not any(k in m for k in _TIME_KEYS):
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
            raise _arg_error("time fields must not skip a larger unit")
        frac = _fraction(m)
    h, mi, s = h or 0, mi or 0, s or 0
    if not (0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59):
        raise _arg_error(f"invalid time {h}:{mi}:{s}")
    return ((h * 60 + mi) * 60 + s) * NANO + frac


def _fraction(m):
    ms, us, ns = m.get("millisecond"), m.get("microsecond"), m.get("nanosecond")
    frac = 0
    if ms is not None:
        if not 0 <= ms <= 999:
            raise _arg_error("millisecond out of range")
        frac += ms * 1_000_000
    if us is not None:
        if not 0 <= us <= (999 if ms is not None else 999_999):
            raise _arg_error("microsecond out of range")
        frac += us * 1000
    if ns is not None:
        limit = 999 if (ms is not None or us is not None) else 999_999_999
        if not 0 <= ns <= limit:
            raise _arg_error("nanosecond out of range")
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
        _check_date(y, mo, d)
        return days_from_civil(y, mo, d)
    if y is None:
        raise _arg_error("a date needs a year")
    if "week" in m:
        return iso_week_start(y) + (m["week"] - 1) * 7 + m.get("dayOfWeek", 1) - 1
    if "quarter" in m:
        q = m["quarter"]
        if not 1 <= q <= 4:
            raise _arg_error("quarter out of range")
        return days_from_civil(y, 3 * (q - 1) + 1, 1) + m.get("dayOfQuarter", 1) - 1
    if "ordinalDay" in m:
        return days_from_civil(y, 1, 1) + m["ordinalDay"] - 1
    mo = m.get("month", 1)
    d = m.get("day", 1)
    if "day" in m and "month" not in m:
        raise _arg_error("day needs a month")
    _check_date(y, mo, d)
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
            raise _arg_error(f"{fn}(): {k} must be a number")


def _offset_for_zone_text(tz: str, day, nanos):
    """(offset, zone name or None) for a timezone string like '+01:00' or 'Europe/Stockholm'."""
    if re.match(r"^(Z|[+-]\d{2}(:?\d{2})?(:?\d{2})?)$", tz):
        return parse_offset(tz), None
    return _zone_offset(tz, day, nanos), tz


_STATEMENT_NS = [None]  # the statement clock, read once per query (millisecond precision)


def start_statement():
    """Every now() and timestamp() of the query about to run will agree; the clock is read
    only if one of them is called."""
    _STATEMENT_NS[0] = None


def statement_ns() -> int:
    ns = _STATEMENT_NS[0]
    if ns is None:
        ns = _STATEMENT_NS[0] = _time.time_ns() // 1_000_000 * 1_000_000
    return ns


def _now_parts():
    return divmod(statement_ns(), DAY_NANOS)


def make_date(arg=None):
    if arg is None:
        return Date(_now_parts()[0])
    if isinstance(arg, str):
        return Date(parse_date(arg))
    if isinstance(arg, Temporal):
        day = date_of(arg)
        if day is None:
            raise _arg_error("cannot take a date from a time")
        return Date(day)
    _check_map(arg, "date")
    base = arg.get("date")
    base_day = date_of(base) if base is not None else None
    return Date(_day_from_map(arg, base_day))


def make_localtime(arg=None):
    if arg is None:
        return LocalTime(_now_parts()[1])
    if isinstance(arg, str):
        rest, _, _ = _split_zone(arg)
        return LocalTime(parse_time(rest))
    if isinstance(arg, Temporal):
        n = time_of(arg)
        if n is None:
            raise _arg_error("cannot take a time from a date")
        return LocalTime(n)
    _check_map(arg, "localtime")
    base = arg.get("time")
    n = _nanos_from_map(arg, time_of(base) if base is not None else None)
    return LocalTime(n if n is not None else 0)


def make_time(arg=None):
    if arg is None:
        return Time(_now_parts()[1], 0)
    if isinstance(arg, str):
        rest, off, zone = _split_zone(arg)
        nanos = parse_time(rest)
        offset = parse_offset(off) if off else (_zone_offset(zone, 0, nanos) if zone else 0)
        return Time(nanos, offset)
    if isinstance(arg, Temporal):
        n = time_of(arg)
        if n is None:
            raise _arg_error("cannot take a time from a date")
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
            new_off, _ = _offset_for_zone_text(arg["timezone"], 0, n)
            n = (n + (new_off - base_off) * NANO) % DAY_NANOS if not any(k in arg for k in _TIME_KEYS) else n
            return Time(n, new_off)
        off, _ = _offset_for_zone_text(arg["timezone"], 0, n)
        return Time(n, off)
    return Time(n, base_off if base_off is not None else 0)


def make_localdatetime(arg=None):
    if arg is None:
        return LocalDateTime(*_now_parts())
    if isinstance(arg, str):
        if "T" not in arg:
            return LocalDateTime(parse_date(arg), 0)
        d, t = arg.split("T", 1)
        rest, _, _ = _split_zone(t)
        return LocalDateTime(parse_date(d), parse_time(rest))
    if isinstance(arg, Temporal):
        day, n = date_of(arg), time_of(arg)
        if day is None:
            raise _arg_error("cannot take a date from a time")
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
        return DateTime(*_now_parts(), 0)
    if isinstance(arg, str):
        if "T" not in arg:
            rest, off, zone = _split_zone(arg)
            day, nanos = parse_date(rest), 0
        else:
            d, t = arg.split("T", 1)
            rest, off, zone = _split_zone(t)
            day, nanos = parse_date(d), parse_time(rest)
        if zone is not None:
            offset = _zone_offset(zone, day, nanos)
            if off is not None and parse_offset(off) != offset:
                offset = parse_offset(off)
            return DateTime(day, nanos, offset, zone)
        return DateTime(day, nanos, parse_offset(off) if off else 0)
    if isinstance(arg, Temporal):
        day, n = date_of(arg), time_of(arg)
        if day is None:
            raise _arg_error("cannot take a date from a time")
        off = offset_of(arg)
        return DateTime(day, n or 0, off or 0, getattr(arg, "zone", None))
    _check_map(arg, "datetime")
    if "epochSeconds" in arg or "epochMillis" in arg:
        total = arg.get("epochSeconds", 0) * NANO + arg.get("epochMillis", 0) * 1_000_000 + _fraction(arg)
        day, nanos = divmod(total, DAY_NANOS)
        if "timezone" in arg:
            return _in_zone_from_utc(day, nanos, arg["timezone"])
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
                for k in _TIME_KEYS
                + ("year", "month", "day", "week", "dayOfWeek", "quarter", "dayOfQuarter", "ordinalDay")
            )
        ):
            # same instant, other zone
            utc = day * DAY_NANOS + n - base_off * NANO
            d2, n2 = divmod(utc, DAY_NANOS)
            return _in_zone_from_utc(d2, n2, tz)
        if base_off is not None and isinstance(base_t, Time) and not any(k in arg for k in _TIME_KEYS):
            new_off, zone = _offset_for_zone_text(tz, day, n)
            n2 = n + (new_off - base_off) * NANO
            d2, n2 = divmod(day * DAY_NANOS + n2, DAY_NANOS)
            return DateTime(day, n2, new_off, zone)
        off, zone = _offset_for_zone_text(tz, day, n)
        return DateTime(day, n, off, zone)
    if base_off is not None:
        if base_zone is not None:
            return DateTime(day, n, _zone_offset(base_zone, day, n), base_zone)
        return DateTime(day, n, base_off)
    return DateTime(day, n, 0)


def _in_zone_from_utc(day, nanos, tz):
    if re.match(r"^(Z|[+-]\d{2}(:?\d{2})?(:?\d{2})?)$", tz):
        off, zone = parse_offset(tz), None
    else:
        off, zone = _zone_offset(tz, day, nanos, is_local=False), tz
    d2, n2 = divmod(day * DAY_NANOS + nanos + off * NANO, DAY_NANOS)
    return DateTime(d2, n2, off, zone)


# ------------------------------------------------------------------ durations
_DUR_RE = re.compile(
    r"^([+-])?P(?:([+-]?\d+(?:[.,]\d+)?)Y)?(?:([+-]?\d+(?:[.,]\d+)?)M)?(?:([+-]?\d+(?:[.,]\d+)?)W)?"
    r"(?:([+-]?\d+(?:[.,]\d+)?)D)?(?:T(?:([+-]?\d+(?:[.,]\d+)?)H)?(?:([+-]?\d+(?:[.,]\d+)?)M)?"
    r"(?:([+-]?\d+(?:[.,]\d+)?)S)?)?$"
)
_DUR_ALT_RE = re.compile(r"^P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$")


def _num(text):
    if text is None:
        return 0
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)


def duration_from_components(
    years=0,
    months=0,
    weeks=0,
    days=0,
    hours=0,
    minutes=0,
    seconds=0,
    milliseconds=0,
    microseconds=0,
    nanoseconds=0,
):
    """Cascades fractional parts down: months -> days (average month) -> seconds -> nanos."""
    from fractions import Fraction as F

    def fr(x):
        return F(x) if isinstance(x, int) else F(repr(x)) if isinstance(x, float) else F(x)

    total_months = fr(years) * 12 + fr(months)
    whole_months = int(total_months)
    frac_months = total_months - whole_months
    total_days = fr(weeks) * 7 + fr(days) + frac_months * AVG_MONTH_SECONDS / DAY_SECONDS
    whole_days = int(total_days)
    frac_days = total_days - whole_days
    secs = frac_days * DAY_SECONDS + fr(hours) * 3600 + fr(minutes) * 60 + fr(seconds)
    nanos_total = secs * NANO + fr(milliseconds) * 1_000_000 + fr(microseconds) * 1000 + fr(nanoseconds)
    n = int(nanos_total)  # truncate below a nanosecond
    return Duration(whole_months, whole_days, 0, n)


def make_duration(arg):
    if isinstance(arg, str):
        m = _DUR_RE.match(arg)
        if m and arg not in ("P", "PT") and not arg.endswith("T"):
            sign = -1 if m.group(1) == "-" else 1
            vals = [_num(x) for x in m.groups()[1:]]
            d = duration_from_components(
                years=vals[0],
                months=vals[1],
                weeks=vals[2],
                days=vals[3],
                hours=vals[4],
                minutes=vals[5],
                seconds=vals[6],
            )
            if sign < 0:
                d = Duration(-d.months, -d.days, -d.seconds, -d.nanos)
            return d
        m = _DUR_ALT_RE.match(arg)
        if m:
            y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
            frac = int((m.group(7) or "0").ljust(9, "0")[:9])
            return Duration(y * 12 + mo, d, h * 3600 + mi * 60 + s, frac)
        raise _arg_error(f"cannot parse {arg!r} as a duration")
    if isinstance(arg, Duration):
        return arg
    if not isinstance(arg, dict):
        raise CypherTypeError("duration() expected a string or map", "InvalidArgumentType", RUNTIME)
    keys = (
        "years",
        "months",
        "weeks",
        "days",
        "hours",
        "minutes",
        "seconds",
        "milliseconds",
        "microseconds",
        "nanoseconds",
    )
    for k, v in arg.items():
        if k not in keys:
            raise _arg_error(f"duration(): unknown field {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _arg_error(f"duration(): {k} must be a number")
    return duration_from_components(**{k: arg.get(k, 0) for k in keys})


# ------------------------------------------------------------------ arithmetic
def add_months_days(day, months, days):
    if months:
        y, m, d = civil_from_days(day)
        total = y * 12 + (m - 1) + months
        y, m = total // 12, total % 12 + 1
        d = min(d, month_length(y, m))
        day = days_from_civil(y, m, d)
    return day + days


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
            off = _zone_offset(t.zone, day, t.nanos)
            utc = day * DAY_NANOS + t.nanos - off * NANO + nanos
            d2, n2 = divmod(utc, DAY_NANOS)
            return _in_zone_from_utc(d2, n2, t.zone)
        d2, n2 = divmod(day * DAY_NANOS + t.nanos + nanos, DAY_NANOS)
        return DateTime(d2, n2, t.offset)
    raise CypherTypeError("cannot add a duration to this value", "InvalidArgumentType", RUNTIME)


def scale_duration(dur: Duration, factor, divide=False):
    from fractions import Fraction as F

    f = F(repr(factor)) if isinstance(factor, float) else F(factor)
    if divide:
        if f == 0:
            raise _arg_error("division of a duration by zero")
        f = 1 / f
    return duration_from_components(
        months=dur.months * f, days=dur.days * f, nanoseconds=dur.total_nanos() * f
    )


# ------------------------------------------------------------------- truncate
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
        raise _arg_error(f"unknown truncation unit {unit!r}")
    fields = dict(fields or {})
    date_units = _UNITS[:9]
    day = date_of(value)
    nanos = time_of(value)
    if kind in ("date", "datetime", "localdatetime") and day is None:
        raise _arg_error(f"cannot truncate a time to a {kind}")
    if kind in ("time", "localtime") and unit_l in date_units and unit_l != "day":
        raise _arg_error(f"cannot truncate a time to unit {unit}")
    if kind == "date" and unit_l not in date_units:
        raise _arg_error(f"cannot truncate a date to unit {unit}")
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
            _check_date(y, m, d)
            day = days_from_civil(y, m, d)
    if any(k in fields for k in _TIME_KEYS):
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
            off, _ = _offset_for_zone_text(fields["timezone"], 0, nanos)
        return Time(nanos, off or 0)
    # datetime
    if "timezone" in fields:
        off, zone = _offset_for_zone_text(fields["timezone"], day, nanos)
    elif zone is not None:
        off = _zone_offset(zone, day, nanos)
    return DateTime(day, nanos, off or 0, zone)


# -------------------------------------------------------------------- between
class _Frame:
    """How `from`'s time zone reads wall-clock times: named zone, fixed offset, or local."""

    def __init__(self, v):
        self.zone = getattr(v, "zone", None)
        self.offset = offset_of(v)

    def offset_at(self, day, nanos):
        if self.zone is not None:
            return _zone_offset(self.zone, day, nanos)
        return self.offset or 0

    def local_of(self, v, day_hint):
        """Wall-clock (day, nanos) of `v` seen in this frame."""
        day = date_of(v)
        nanos = time_of(v) or 0
        off = offset_of(v)
        if off is None or self.offset is None:
            return day, nanos
        d = day if day is not None else day_hint
        utc = d * DAY_NANOS + nanos - off * NANO
        if self.zone is not None:
            own = _zone_offset(self.zone, *divmod(utc, DAY_NANOS), is_local=False)
        else:
            own = self.offset
        d2, n2 = divmod(utc + own * NANO, DAY_NANOS)
        return (d2 if day is not None else None), n2

    def instant(self, day, nanos):
        return day * DAY_NANOS + nanos - self.offset_at(day, nanos) * NANO


def between(a, b, mode="all"):
    if a is None or b is None:
        return None
    for v in (a, b):
        if not isinstance(v, Temporal) or isinstance(v, Duration):
            raise CypherTypeError(
                "duration.between() needs two temporal values", "InvalidArgumentType", RUNTIME
            )
    frame = _Frame(a)
    if frame.offset is None and offset_of(b) is not None:
        frame = _Frame(b)
        frame_is_b = True
    else:
        frame_is_b = False
    da = date_of(a)
    day_hint = da if da is not None else (date_of(b) if date_of(b) is not None else 0)
    if frame_is_b:
        da, na = date_of(a), time_of(a) or 0
        db, nb = date_of(b), time_of(b) or 0
    else:
        da, na = date_of(a), time_of(a) or 0
        db, nb = frame.local_of(b, day_hint)
    if da is None or db is None:
        if time_of(a) is None or time_of(b) is None:
            if not (date_of(a) is not None and time_of(a) is None) and not (
                date_of(b) is not None and time_of(b) is None
            ):
                return Duration()
        if mode in ("months", "days"):
            return Duration()
        ia = frame.instant(day_hint, na)
        ib = frame.instant(day_hint, nb)
        return Duration(0, 0, 0, ib - ia)
    if mode == "seconds":
        return Duration(0, 0, 0, frame.instant(db, nb) - frame.instant(da, na))
    ya, ma, dda = civil_from_days(da)
    yb, mb, ddb = civil_from_days(db)
    months = (yb * 12 + mb) - (ya * 12 + ma)
    if months > 0 and (ddb, nb) < (dda, na):
        months -= 1
    elif months < 0 and (ddb, nb) > (dda, na):
        months += 1
    mid = add_months_days(da, months, 0)
    rest = (db * DAY_NANOS + nb) - (mid * DAY_NANOS + na)
    days = int(rest / DAY_NANOS)
    if mode == "months":
        return Duration(months, 0, 0, 0)
    if mode == "days":
        return Duration(0, mid - da + days, 0, 0)
    rem = frame.instant(db, nb) - frame.instant(mid + days, na)
    return Duration(months, days, 0, rem)

"""The six temporal value types and which components each one has.

Dates are epoch days, times nanoseconds of the day, offsets seconds east of UTC; a DateTime
may also name its zone. Values are never changed once built; equal means same type and same
key (the instant, for values with an offset).
"""

from __future__ import annotations

from typing import Any

from .calendar import DAY_NANOS, NANO, check_date, civil_from_days, days_from_civil
from .formatting import fmt_date, fmt_offset, fmt_time


# ------------------------------------------------------------------- values
class Temporal:
    __slots__: tuple[str, ...] = ()  # each type's fields (codec.py stores them in this order)
    kind = "Temporal"

    def _key(self) -> Any:  # an int or a tuple of ints: hashable, and ordered within one type
        """What equality, hashing and ordering compare: the value, or the instant for offset values."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}('{self}')"

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
        check_date(y, m, d)
        return cls(days_from_civil(y, m, d))

    def ymd(self):
        return civil_from_days(self.day)

    def _key(self):
        return self.day

    def __str__(self):
        return fmt_date(*self.ymd())


class LocalTime(Temporal):
    __slots__ = ("nanos",)
    kind = "LocalTime"

    def __init__(self, nanos):
        self.nanos = nanos

    def _key(self):
        return self.nanos

    def __str__(self):
        return fmt_time(self.nanos)


class Time(Temporal):
    __slots__ = ("nanos", "offset")
    kind = "Time"

    def __init__(self, nanos, offset):
        self.nanos = nanos
        self.offset = offset

    def _key(self):
        return self.nanos - self.offset * NANO

    def __str__(self):
        return fmt_time(self.nanos) + fmt_offset(self.offset)


class LocalDateTime(Temporal):
    __slots__ = ("day", "nanos")
    kind = "LocalDateTime"

    def __init__(self, day, nanos):
        self.day = day
        self.nanos = nanos

    def _key(self):
        return self.day * DAY_NANOS + self.nanos

    def __str__(self):
        return fmt_date(*civil_from_days(self.day)) + "T" + fmt_time(self.nanos)


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
        text = fmt_date(*civil_from_days(self.day)) + "T" + fmt_time(self.nanos) + fmt_offset(self.offset)
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

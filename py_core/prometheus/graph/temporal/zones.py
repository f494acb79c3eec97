"""Named time zones (IANA, through `zoneinfo`) and offsets given as text."""

from __future__ import annotations

import re
from datetime import UTC
from functools import lru_cache

from .calendar import DAY_NANOS, NANO, arg_error, civil_from_days
from .parsing import parse_offset
from .values import DateTime

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


def zone_offset(zone: str, epoch_day: int, nanos: int, is_local=True) -> int:
    """Offset (seconds) of a named zone at a local (or UTC) date-time."""
    try:
        from datetime import datetime

        tz = _zone(zone)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise arg_error(f"unknown time zone {zone!r}") from None
    y, m, d = civil_from_days(epoch_day)
    y = min(max(y, 1), 9999)
    secs = nanos // NANO
    if is_local:
        dt = datetime(y, m, d, secs // 3600, secs // 60 % 60, secs % 60, tzinfo=tz)
        return int(dt.utcoffset().total_seconds())
    dt = datetime(y, m, d, secs // 3600, secs // 60 % 60, secs % 60, tzinfo=UTC)
    return int(dt.astimezone(tz).utcoffset().total_seconds())


def offset_for_zone_text(tz: str, day, nanos):
    """(offset, zone name or None) for a timezone string like '+01:00' or 'Europe/Stockholm'."""
    if re.match(r"^(Z|[+-]\d{2}(:?\d{2})?(:?\d{2})?)$", tz):
        return parse_offset(tz), None
    return zone_offset(tz, day, nanos), tz


def in_zone_from_utc(day, nanos, tz):
    if re.match(r"^(Z|[+-]\d{2}(:?\d{2})?(:?\d{2})?)$", tz):
        off, zone = parse_offset(tz), None
    else:
        off, zone = zone_offset(tz, day, nanos, is_local=False), tz
    d2, n2 = divmod(day * DAY_NANOS + nanos + off * NANO, DAY_NANOS)
    return DateTime(d2, n2, off, zone)

"""ISO 8601 text to epoch days, nanoseconds of the day and offsets (the forms Cypher accepts)."""

from __future__ import annotations

import re

from .calendar import NANO, arg_error, check_date, days_from_civil, iso_week_start

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
            check_date(y, g[1], g[2])
            return days_from_civil(y, g[1], g[2])
        if kind == "ym":
            check_date(y, g[1], 1)
            return days_from_civil(y, g[1], 1)
        if kind == "y":
            return days_from_civil(y, 1, 1)
        if kind == "o":
            return days_from_civil(y, 1, 1) + g[1] - 1
        if kind == "w":
            return iso_week_start(y) + (g[1] - 1) * 7
        if kind == "wd":
            return iso_week_start(y) + (g[1] - 1) * 7 + g[2] - 1
    raise arg_error(f"cannot parse {text!r} as a date")


def parse_time(text: str) -> int:
    m = _TIME_RE.match(text)
    if not m:
        raise arg_error(f"cannot parse {text!r} as a time")
    h, mi, s, frac = m.groups()
    nanos = ((int(h) * 60 + int(mi or 0)) * 60 + int(s or 0)) * NANO
    if frac:
        nanos += int(frac.ljust(9, "0"))
    if int(h) > 23 or int(mi or 0) > 59 or int(s or 0) > 59:
        raise arg_error(f"invalid time {text!r}")
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


def split_zone(text: str):
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

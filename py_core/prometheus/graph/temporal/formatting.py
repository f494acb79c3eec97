"""The Cypher text forms of dates, times and offsets (what `str(value)` returns and the TCK
writes in its tables)."""

from __future__ import annotations

from .calendar import NANO


def fmt_offset(offset: int) -> str:
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


def fmt_time(nanos: int) -> str:
    secs, frac = divmod(nanos, NANO)
    h, mi, s = secs // 3600, secs // 60 % 60, secs % 60
    if s == 0 and frac == 0:
        return f"{h:02d}:{mi:02d}"
    return f"{h:02d}:{mi:02d}:{s:02d}{_fmt_fraction(frac)}"


def fmt_date(y, m, d):
    if 0 <= y <= 9999:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{'+' if y > 0 else '-'}{abs(y):04d}-{m:02d}-{d:02d}"

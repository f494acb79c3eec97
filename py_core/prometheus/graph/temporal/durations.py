"""Durations: parsing `P1Y2M3DT4H` forms and maps, and scaling by a number."""

from __future__ import annotations

import re

from ..errors import RUNTIME, CypherTypeError
from .calendar import AVG_MONTH_SECONDS, DAY_SECONDS, NANO, arg_error
from .values import Duration

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
        raise arg_error(f"cannot parse {arg!r} as a duration")
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
            raise arg_error(f"duration(): unknown field {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise arg_error(f"duration(): {k} must be a number")
    return duration_from_components(**{k: arg.get(k, 0) for k in keys})


def scale_duration(dur: Duration, factor, divide=False):
    from fractions import Fraction as F

    f = F(repr(factor)) if isinstance(factor, float) else F(factor)
    if divide:
        if f == 0:
            raise arg_error("division of a duration by zero")
        f = 1 / f
    return duration_from_components(
        months=dur.months * f, days=dur.days * f, nanoseconds=dur.total_nanos() * f
    )

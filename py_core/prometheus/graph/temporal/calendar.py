"""Proleptic-Gregorian calendar maths on epoch days (days since 1970-01-01), and the units
every temporal module counts in: nanoseconds of the day, seconds east of UTC.
"""

from __future__ import annotations

from ..errors import RUNTIME, CypherArgumentError

NANO = 10**9
DAY_SECONDS = 86400
DAY_NANOS = DAY_SECONDS * NANO
AVG_MONTH_SECONDS = 2629746  # 30.436875 days, the Gregorian average


def arg_error(message, detail="InvalidArgumentValue"):
    """The error a temporal function raises for an argument value it cannot use."""
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


def check_date(y, m, d):
    if not 1 <= m <= 12 or not 1 <= d <= month_length(y, m):
        raise arg_error(f"invalid date {y}-{m}-{d}")


def add_months_days(day, months, days):
    if months:
        y, m, d = civil_from_days(day)
        total = y * 12 + (m - 1) + months
        y, m = total // 12, total % 12 + 1
        d = min(d, month_length(y, m))
        day = days_from_civil(y, m, d)
    return day + days

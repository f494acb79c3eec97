"""`duration.between(a, b)` and its `inMonths` / `inDays` / `inSeconds` forms."""

from __future__ import annotations

from ..errors import RUNTIME, CypherTypeError
from .calendar import DAY_NANOS, NANO, add_months_days, civil_from_days
from .values import Duration, Temporal, date_of, offset_of, time_of
from .zones import zone_offset


class _Frame:
    """How `from`'s time zone reads wall-clock times: named zone, fixed offset, or local."""

    def __init__(self, v):
        self.zone = getattr(v, "zone", None)
        self.offset = offset_of(v)

    def offset_at(self, day, nanos):
        if self.zone is not None:
            return zone_offset(self.zone, day, nanos)
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
            utc_day, utc_nanos = divmod(utc, DAY_NANOS)
            own = zone_offset(self.zone, utc_day, utc_nanos, is_local=False)
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

"""The statement clock: every now() and timestamp() of one query reads the same instant."""

from __future__ import annotations

import time as _time

from .calendar import DAY_NANOS

_STATEMENT_NS: list[int | None] = [None]  # the statement clock, read once per query (millisecond precision)


def start_statement():
    """Every now() and timestamp() of the query about to run will agree; the clock is read
    only if one of them is called."""
    _STATEMENT_NS[0] = None


def statement_ns() -> int:
    ns = _STATEMENT_NS[0]
    if ns is None:
        ns = _STATEMENT_NS[0] = _time.time_ns() // 1_000_000 * 1_000_000
    return ns


def now_parts() -> tuple[int, int]:
    """(epoch day, nanoseconds of the day) of the statement clock, in UTC."""
    return divmod(statement_ns(), DAY_NANOS)

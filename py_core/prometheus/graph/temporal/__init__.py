"""Cypher's temporal types: Date, LocalTime, Time, LocalDateTime, DateTime and Duration.

Dates use our own proleptic-Gregorian day arithmetic (epoch days), times are nanoseconds of
the day, offsets are seconds east of UTC; named zones resolve through `zoneinfo` when it is
available. `str(value)` is the Cypher text form (what the TCK writes in its tables).

A package of its own so that both layers can use it and neither needs the other: the storage
layer keeps temporal property values (`codec`), the query layer builds and computes with them.
It imports nothing from either.
"""

from .accessors import accessor
from .arithmetic import add_duration
from .between import between
from .clock import start_statement, statement_ns
from .codec import decode_temporal, encode_temporal
from .construct import make_date, make_datetime, make_localdatetime, make_localtime, make_time
from .durations import make_duration, scale_duration
from .truncation import truncate
from .values import TEMPORAL_TYPES, Date, DateTime, Duration, LocalDateTime, LocalTime, Temporal, Time

__all__ = [
    "Temporal",
    "Date",
    "LocalTime",
    "Time",
    "LocalDateTime",
    "DateTime",
    "Duration",
    "TEMPORAL_TYPES",
    "make_date",
    "make_localtime",
    "make_time",
    "make_localdatetime",
    "make_datetime",
    "make_duration",
    "add_duration",
    "scale_duration",
    "truncate",
    "between",
    "accessor",
    "start_statement",
    "statement_ns",
    "encode_temporal",
    "decode_temporal",
]

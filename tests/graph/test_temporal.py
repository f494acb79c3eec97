"""Temporal values in Cypher, checked against Python's datetime (an independent calendar)
and against hand-derived values."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from prometheus.graph import CypherError, Graph


def one(query, **params):
    (row,) = list(Graph().run(query, params))
    return row


def test_calendar_matches_python_datetime():
    rng = random.Random(2)
    for _ in range(300):
        d = date.fromordinal(rng.randint(date(1, 1, 1).toordinal(), date(9999, 12, 31).toordinal()))
        iso_year, iso_week, iso_day = d.isocalendar()
        got = one(
            "WITH date($s) AS d RETURN d.year, d.month, d.day, d.weekYear, d.week, d.dayOfWeek, "
            "d.ordinalDay, toString(d) = $s, date({year: d.weekYear, week: d.week, dayOfWeek: d.dayOfWeek}) = d",
            s=d.isoformat(),
        )
        assert got == (d.year, d.month, d.day, iso_year, iso_week, iso_day, d.timetuple().tm_yday, True, True)


def test_date_and_datetime_arithmetic_matches_python():
    rng = random.Random(4)
    base = datetime(2001, 3, 4, 5, 6, 7, tzinfo=UTC)
    for _ in range(100):
        delta = timedelta(days=rng.randint(-5000, 5000), seconds=rng.randint(0, 86399))
        expected = base + delta
        (got,) = one(
            "RETURN toString(datetime('2001-03-04T05:06:07Z') + duration({days: $d, seconds: $s}))",
            d=delta.days,
            s=delta.seconds,
        )
        # Cypher leaves out the seconds when they are zero
        text = (
            expected.strftime("%Y-%m-%dT%H:%M") + (f":{expected.second:02d}" if expected.second else "") + "Z"
        )
        assert got == text


def test_hand_derived_temporal_values():
    g = Graph()
    rows = list(
        g.run("""
        RETURN toString(date('2020-01-31') + duration('P1M')) AS month_end,
               toString(duration.between(date('2020-01-15'), date('2021-03-20'))) AS between,
               toString(duration('PT90M') * 2) AS doubled,
               toString(localtime('23:30') + duration('PT1H')) AS wraps,
               datetime('2020-01-01T00:00+01:00') = datetime('2019-12-31T23:00Z') AS same_instant,
               date('2020-01-01') < date('2020-01-02') AS ordered,
               duration('P1D') < duration('P2D') AS incomparable
    """)
    )
    assert rows == [("2020-02-29", "P1Y2M5D", "PT3H", "00:30", True, True, None)]


def test_temporal_properties_survive_snapshots_and_indexes():
    g = Graph()
    g.run("UNWIND range(1, 30) AS i CREATE (:Day {d: date({year: 2024, month: 1, day: i})})")
    h = Graph.from_bytes(g.to_bytes())
    (count,) = one_row(h, "MATCH (x:Day) WHERE x.d >= date('2024-01-20') RETURN count(*)")
    assert count == 11
    (found,) = one_row(h, "MATCH (x:Day {d: date('2024-01-05')}) RETURN toString(x.d)")
    assert found == "2024-01-05"


def one_row(g, query):
    (row,) = list(g.run(query))
    return row


def test_invalid_temporal_input_is_an_argument_error():
    with pytest.raises(CypherError) as info:
        Graph().run("RETURN date('2021-02-30')")
    assert info.value.tck_type == "ArgumentError" and info.value.phase == "runtime"

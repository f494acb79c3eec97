"""Metrics against hand-derived values and brute force; CSV and Anki imports."""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from prometheus.errors import ValidationError
from prometheus.srs.importers import ReviewImportError, read_anki_revlog, read_review_csv
from prometheus.srs.metrics import auc, log_loss, rmse_bins


def test_log_loss_by_hand():
    assert log_loss([0.9, 0.2], [1, 0]) == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)


def test_rmse_bins_by_hand():
    # bin = floor(exp(p ln 21) - 1): p=0.9 -> floor(14.5) = 14, p=0.91 -> 14, p=0.5 -> 3
    p = [0.9, 0.91, 0.5]
    y = [1, 0, 1]
    expected = math.sqrt((2 * (0.905 - 0.5) ** 2 + 1 * (0.5 - 1) ** 2) / 3)
    assert rmse_bins(p, y) == pytest.approx(expected)


def test_auc_equals_pairwise_count():
    rng = np.random.default_rng(1)
    p = np.round(rng.uniform(size=60), 1)  # many ties
    y = (rng.uniform(size=60) < p).astype(int)
    pairs = [(a, b) for a, b in itertools.product(range(60), range(60)) if y[a] == 1 and y[b] == 0]
    brute = sum(1.0 if p[a] > p[b] else 0.5 if p[a] == p[b] else 0.0 for a, b in pairs) / len(pairs)
    assert auc(p, y) == pytest.approx(brute)


def test_metric_input_checks():
    with pytest.raises(ValidationError, match="predictions must be probabilities"):
        log_loss([1.5], [1])
    with pytest.raises(ValidationError, match="2 predictions but 1 labels"):
        auc([0.1, 0.2], [1])


CSV_HEADER = "card_id,review_rating,review_time,review_duration\n"


def test_csv_reads_rows_and_reports_every_bad_line():
    good = CSV_HEADER + "1,3,2024-01-01T10:00:00+00:00,1200\n1,1,2024-01-03T10:00:00Z,\n"
    table = read_review_csv(good)
    assert table.ratings.tolist() == [3, 1]
    assert np.isnan(table.durations[1])
    assert table.times_us[1] - table.times_us[0] == 2 * 86_400_000_000
    bad = (
        CSV_HEADER + "1,3,2024-01-01T10:00:00+00:00,1200\n"
        "x,3,2024-01-01T10:00:00+00:00,5\n"
        "2,5,2024-01-01T10:00:00+00:00,5\n"
        "2,3,2024-01-01T10:00:00,5\n"
        "2,3,2024-01-01T10:00:00+00:00,-4\n"
        "2,3\n"
    )
    with pytest.raises(ReviewImportError) as info:
        read_review_csv(bad)
    assert [line for line, _ in info.value.errors] == [3, 4, 5, 6, 7]
    message = str(info.value)
    assert "line 3: card_id 'x'" in message and "line 4: review_rating '5'" in message
    assert "line 5: review_time" in message and "line 7: expected 4 fields" in message
    with pytest.raises(ValidationError, match="header lacks column"):
        read_review_csv("id,rating\n1,2\n")


def test_josh_csv_imports_completely(josh_path):
    table = read_review_csv(josh_path)
    rows = josh_path.read_text().strip().splitlines()
    assert len(table) == len(rows) - 1 == 12580
    assert len(set(table.card_ids.tolist())) == 1205


def _anki(tmp_path, rows, conf=None, name="collection.anki2"):
    path = tmp_path / name
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER, usn INTEGER, ease INTEGER,"
        " ivl INTEGER, lastIvl INTEGER, factor INTEGER, time INTEGER, type INTEGER)"
    )
    con.execute("CREATE TABLE col (id INTEGER PRIMARY KEY, conf TEXT)")
    con.execute("INSERT INTO col VALUES (1, ?)", (json.dumps(conf or {}),))
    for rid, cid, ease, ivl, ms, kind in rows:
        con.execute("INSERT INTO revlog VALUES (?,?,0,?,?,0,2500,?,?)", (rid, cid, ease, ivl, ms, kind))
    con.commit()
    con.close()
    return path


def _ms(*args, offset_hours=0):
    return int(datetime(*args, tzinfo=timezone(timedelta(hours=offset_hours))).timestamp() * 1000)


def test_anki_revlog_with_day_start_and_timezone(tmp_path):
    # Local time UTC+9, new day at 04:00. Card 1: 23:00 day A, then 03:00 next morning (same
    # Anki day), then 05:00 (next Anki day). Card 2 is reset by a 'forget' entry.
    rows = [
        (_ms(2024, 1, 1, 23, offset_hours=9), 1, 3, 0, 8000, 0),
        (_ms(2024, 1, 2, 3, offset_hours=9), 1, 3, 1, 6000, 1),
        (_ms(2024, 1, 2, 5, offset_hours=9), 1, 1, 1, 9000, 1),
        (_ms(2024, 1, 1, 10, offset_hours=9), 2, 2, 0, 4000, 0),
        (_ms(2024, 1, 5, 10, offset_hours=9), 2, 0, 0, 0, 4),  # forget
        (_ms(2024, 1, 6, 10, offset_hours=9), 2, 4, 0, 3000, 0),
        (_ms(2024, 1, 7, 10, offset_hours=9), 2, 0, 5, 0, 4),  # manual reschedule: not a review
    ]
    table = read_anki_revlog(_anki(tmp_path, rows, {"rollover": 4, "localOffset": -540}))
    assert table.day_start == (540, 4)
    history = table.history()
    assert history.card_ids.tolist() == [1, 2]
    assert history.ratings[0].tolist() == [3, 3, 1]
    assert history.elapsed[0].tolist() == [-1, 0, 1]
    assert history.ratings[1].tolist()[:1] == [4] and history.lengths[1] == 1
    explicit = read_anki_revlog(
        _anki(tmp_path, rows, name="b.anki2"), day_start_hour=0, utc_offset_minutes=540
    )
    assert explicit.history().elapsed[0].tolist() == [-1, 1, 0]  # midnight local separates them


def test_anki_bad_rows_are_reported(tmp_path):
    path = _anki(tmp_path, [(1, 1, 3, 0, 5, 0), (2, 1, 7, 0, 5, 1)])
    with pytest.raises(ReviewImportError, match=r"line 2|revlog id=2 has ease 7"):
        read_anki_revlog(path)
    with pytest.raises(ValidationError, match="not found"):
        read_anki_revlog(tmp_path / "missing.anki2")

"""Review logs from outside: CSV (card_id,review_rating,review_time,review_duration) and Anki.

Every malformed row is reported with its line number; an import either returns every row
or raises, never a silently shortened table.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import ValidationError
from .card import ReviewLog
from .enums import Rating
from .history import ReviewHistory, build_history, to_micros

CSV_COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")
MAX_REPORTED_ERRORS = 20


class ReviewImportError(ValidationError):
    """Some rows of an import are malformed; `.errors` lists (line, message)."""

    fields = ("errors",)

    def __init__(self, source: str, errors: list[tuple[int, str]], total: int):
        self.errors = errors
        shown = "; ".join(f"line {line}: {msg}" for line, msg in errors[:MAX_REPORTED_ERRORS])
        more = f" (and {len(errors) - MAX_REPORTED_ERRORS} more)" if len(errors) > MAX_REPORTED_ERRORS else ""
        super().__init__(f"{source}: {len(errors)} malformed row(s) of {total}: {shown}{more}")


@dataclass(frozen=True)
class ReviewTable:
    """Flat review columns; `day_start` = (utc_offset_minutes, hour) for calendar-day counting."""

    card_ids: np.ndarray
    ratings: np.ndarray
    times_us: np.ndarray
    durations: np.ndarray
    day_start: tuple[int, int] | None = None

    def __len__(self) -> int:
        return int(self.card_ids.size)

    def history(self) -> ReviewHistory:
        return build_history(
            self.card_ids, self.ratings, self.times_us, self.durations, day_start=self.day_start
        )

    def to_logs(self) -> list[ReviewLog]:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        from datetime import timedelta

        return [
            ReviewLog(
                int(c),
                Rating(int(r)),
                epoch + timedelta(microseconds=int(t)),
                None if np.isnan(d) else int(d),
            )
            for c, r, t, d in zip(self.card_ids, self.ratings, self.times_us, self.durations)
        ]

    @classmethod
    def from_logs(cls, logs) -> ReviewTable:
        logs = list(logs)
        n = len(logs)
        return cls(
            np.fromiter((log.card_id for log in logs), np.int64, n),
            np.fromiter((int(log.rating) for log in logs), np.int8, n),
            np.fromiter((to_micros(log.review_datetime) for log in logs), np.int64, n),
            np.fromiter(
                (np.nan if log.review_duration is None else log.review_duration for log in logs), float, n
            ),
        )


def _parse_time(text: str) -> datetime:
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("has no timezone offset")
    return moment


def read_review_csv(source, *, name: str | None = None) -> ReviewTable:
    """Parse the CSV format of py-fsrs's test data (a path, or the text itself)."""
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith(".csv")
    ):
        path = Path(source)
        name = name or path.name
        text = path.read_text(encoding="utf-8-sig")
    elif isinstance(source, str):
        text = source.lstrip("\ufeff")
        name = name or "csv"
    else:
        raise ValidationError(f"source must be CSV text or a path, got {type(source).__name__}")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(f"{name}: empty file, expected header {','.join(CSV_COLUMNS)}") from None
    header = [h.strip() for h in header]
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    if missing:
        raise ValidationError(f"{name}: line 1: header lacks column(s) {', '.join(missing)}; got {header}")
    col = {c: header.index(c) for c in CSV_COLUMNS if c in header}
    card_ids, ratings, times, durations, errors = [], [], [], [], []
    total = 0
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines carry no review
        total += 1
        if len(row) != len(header):
            errors.append((line, f"expected {len(header)} fields, got {len(row)}"))
            continue
        try:
            card_id = int(row[col["card_id"]])
        except ValueError:
            errors.append((line, f"card_id {row[col['card_id']]!r} is not an integer"))
            continue
        raw_rating = row[col["review_rating"]].strip()
        if raw_rating not in ("1", "2", "3", "4"):
            errors.append((line, f"review_rating {raw_rating!r} is not 1, 2, 3 or 4"))
            continue
        try:
            moment = _parse_time(row[col["review_time"]])
        except ValueError as exc:
            errors.append(
                (line, f"review_time {row[col['review_time']]!r} is not an ISO-8601 time with offset ({exc})")
            )
            continue
        duration = float("nan")
        if "review_duration" in col and row[col["review_duration"]].strip():
            raw = row[col["review_duration"]].strip()
            try:
                duration = float(int(raw))
            except ValueError:
                errors.append((line, f"review_duration {raw!r} is not an integer (ms)"))
                continue
            if duration < 0:
                errors.append((line, f"review_duration {raw!r} is negative"))
                continue
        card_ids.append(card_id)
        ratings.append(int(raw_rating))
        times.append(to_micros(moment))
        durations.append(duration)
    if errors:
        raise ReviewImportError(name, errors, total)
    return ReviewTable(
        np.array(card_ids, np.int64),
        np.array(ratings, np.int8),
        np.array(times, np.int64),
        np.array(durations, float),
    )


# Anki revlog `type`: 0 learn, 1 review, 2 relearn, 3 filtered (cram), 4 manual, 5 rescheduled.
_ANKI_MANUAL = 4


def read_anki_revlog(
    path, *, day_start_hour: int | None = None, utc_offset_minutes: int | None = None
) -> ReviewTable:
    """Reviews from an Anki collection (.anki2/.anki21 sqlite) via its revlog table.

    Elapsed days are counted in calendar days that start at `day_start_hour` local time
    (default: the collection's `rollover`, else 4) in `utc_offset_minutes` (default: the
    collection's `localOffset`, else UTC). Entries with ease 0 are not reviews (manual
    rescheduling) and are skipped; a manual 'forget' (type 4, ivl 0) starts the card over,
    so that card's earlier reviews are not used.
    """
    import sqlite3

    path = Path(path)
    if not path.exists():
        raise ValidationError(f"Anki collection not found: {path}")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValidationError(f"{path.name}: cannot open as sqlite: {exc}") from None
    try:
        try:
            rows = con.execute(
                "SELECT id, cid, ease, type, ivl, time FROM revlog ORDER BY cid, id"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValidationError(f"{path.name}: no readable revlog table: {exc}") from None
        config = _anki_config(con)
    finally:
        con.close()
    if day_start_hour is None:
        day_start_hour = int(config.get("rollover", 4))
    if utc_offset_minutes is None:
        utc_offset_minutes = -int(config.get("localOffset", 0))  # Anki stores minutes west
    if not 0 <= day_start_hour <= 23:
        raise ValidationError(f"day_start_hour must be 0-23, got {day_start_hour}")
    if not -14 * 60 <= utc_offset_minutes <= 14 * 60:
        raise ValidationError(f"utc_offset_minutes must be within +-840, got {utc_offset_minutes}")
    errors = []
    kept: dict[int, list] = {}
    for number, (rid, cid, ease, kind, ivl, ms) in enumerate(rows, start=1):
        if not isinstance(rid, int) or not isinstance(cid, int) or not isinstance(ease, int):
            errors.append((number, f"revlog row id={rid!r} cid={cid!r} ease={ease!r} has non-integer fields"))
            continue
        if kind == _ANKI_MANUAL and ease == 0 and ivl == 0:
            kept[cid] = []  # 'forget': history restarts
            continue
        if ease == 0:
            continue
        if not 1 <= ease <= 4:
            errors.append((number, f"revlog id={rid} has ease {ease}; must be 1-4"))
            continue
        kept.setdefault(cid, []).append((rid, ease, ms))
    if errors:
        raise ReviewImportError(path.name, errors, len(rows))
    flat = [(cid, rid, ease, ms) for cid, items in kept.items() for rid, ease, ms in items]
    return ReviewTable(
        np.array([f[0] for f in flat], np.int64),
        np.array([f[2] for f in flat], np.int8),
        np.array([f[1] for f in flat], np.int64) * 1000,
        np.array([np.nan if f[3] is None else float(f[3]) for f in flat], float),
        day_start=(utc_offset_minutes, day_start_hour),
    )


def _anki_config(con) -> dict:
    """rollover / localOffset from the newer `config` table or the legacy col.conf JSON."""
    out = {}
    try:
        for key, value in con.execute("SELECT key, val FROM config WHERE key IN ('rollover','localOffset')"):
            out[key] = json.loads(value if isinstance(value, str) else bytes(value).decode())
    except Exception:  # noqa: BLE001 - older collections have no config table
        pass
    if not out:
        try:
            (conf,) = con.execute("SELECT conf FROM col").fetchone()
            data = json.loads(conf)
            out = {k: data[k] for k in ("rollover", "localOffset") if k in data}
        except Exception:  # noqa: BLE001
            pass
    return out

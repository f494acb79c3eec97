"""Page-facing `srs.*` methods: JSON in, engine objects, JSON out (no logic of its own)."""

from __future__ import annotations

from typing import TypedDict

from ..errors import ValidationError
from ..rpc import method
from ..rpc.types import Float64Array, JsonObject
from .card import Card, ReviewLog
from .checks import as_optional_datetime, as_rating
from .enums import Rating
from .parameters import DEFAULT_PARAMETERS, LOWER_BOUNDS, UPPER_BOUNDS
from .scheduler import Scheduler
from .shapes import Metrics, RatingValue, SchedulerConfig, SrsCard, SrsReviewLog


class SrsDefaults(TypedDict):
    parameters: list[float]
    lower_bounds: list[float]
    upper_bounds: list[float]
    scheduler: SchedulerConfig


class Reviewed(TypedDict):
    card: SrsCard
    review_log: SrsReviewLog


class Preview(TypedDict):
    again: SrsCard
    hard: SrsCard
    good: SrsCard
    easy: SrsCard


class Undone(TypedDict):
    card: SrsCard
    review_logs: list[SrsReviewLog]


class ReviewsImported(TypedDict):
    reviews: int
    cards: int


class AnkiReviewsImported(ReviewsImported):
    utc_offset_minutes: int
    day_start_hour: int


class MemoryStates(TypedDict):
    card_ids: list[int]
    stability: Float64Array  # one per card, in card_ids order
    difficulty: Float64Array


_session: dict = {}  # the last imported review table (one worker = one learner)


def _scheduler(scheduler) -> Scheduler:
    return Scheduler() if scheduler is None else Scheduler.from_dict(scheduler)


def _card(card) -> Card:
    return Card.from_dict(card)


def _cards(cards) -> list[Card]:
    out = []
    for index, card in enumerate(cards):
        try:
            out.append(Card.from_dict(card))
        except ValidationError as exc:
            raise ValidationError(f"cards[{index}]: {exc}") from None
    return out


def _logs(review_logs) -> list[ReviewLog]:
    out = []
    for index, log in enumerate(review_logs):
        try:
            out.append(ReviewLog.from_dict(log))
        except ValidationError as exc:
            raise ValidationError(f"review_logs[{index}]: {exc}") from None
    return out


def _table(review_logs=None, csv=None):
    from .importers import ReviewTable, read_review_csv

    if csv is not None and review_logs is not None:
        raise ValidationError("give either review_logs or csv, not both")
    if csv is not None:
        return read_review_csv(csv, name="csv")
    if review_logs is not None:
        return ReviewTable.from_logs(_logs(review_logs))
    if "table" in _session:
        return _session["table"]
    raise ValidationError("no review logs: pass review_logs or csv, or call srs.import_csv first")


@method("srs.defaults")
def defaults() -> SrsDefaults:
    """FSRS-6's default parameters, their bounds and the default scheduler settings."""
    return {
        "parameters": list(DEFAULT_PARAMETERS),
        "lower_bounds": list(LOWER_BOUNDS),
        "upper_bounds": list(UPPER_BOUNDS),
        "scheduler": Scheduler().to_dict(),
    }


@method("srs.new_card")
def new_card(card_id: int | None = None, due: str | None = None) -> SrsCard:
    """A new card (state learning, due now or at `due`); a random id unless `card_id` is given.

    Example: {"card_id": 1, "due": "2025-01-01T00:00:00+00:00"}
    """
    return Card(card_id=card_id, due=as_optional_datetime(due, "card.due")).to_dict()


@method("srs.review")
def review(
    card: SrsCard,
    rating: RatingValue,
    review_datetime: str | None = None,
    review_duration: int | None = None,
    scheduler: SchedulerConfig | None = None,
) -> Reviewed:
    """The card after one review with `rating` (at `review_datetime`, default now), and the log."""
    new, log = _scheduler(scheduler).review_card(
        _card(card),
        as_rating(rating),
        as_optional_datetime(review_datetime, "review_datetime"),
        review_duration,
    )
    return {"card": new.to_dict(), "review_log": log.to_dict()}


@method("srs.preview")
def preview(
    card: SrsCard, review_datetime: str | None = None, scheduler: SchedulerConfig | None = None
) -> Preview:
    """What each of the four ratings would make of the card (nothing is recorded)."""
    outcomes = _scheduler(scheduler).preview_card(
        _card(card), as_optional_datetime(review_datetime, "review_datetime")
    )
    return {
        "again": outcomes[Rating.Again].to_dict(),
        "hard": outcomes[Rating.Hard].to_dict(),
        "good": outcomes[Rating.Good].to_dict(),
        "easy": outcomes[Rating.Easy].to_dict(),
    }


@method("srs.retrievability")
def retrievability(
    cards: list[SrsCard], now: str | None = None, scheduler: SchedulerConfig | None = None
) -> Float64Array:
    """The probability of recalling each card at `now` (default: the current time)."""
    from .collection import CardArrays
    from .collection import retrievability as vector_r

    arrays = CardArrays.from_cards(_cards(cards))
    params = _scheduler(scheduler).parameters
    return vector_r(arrays.stability, arrays.last_review_us, now, params)


@method("srs.forecast")
def forecast(
    cards: list[SrsCard],
    days: int = 30,
    now: str | None = None,
    utc_offset_minutes: int = 0,
    day_start_hour: int = 0,
) -> list[int]:
    """How many of `cards` fall due on each of the next `days` learner days (today first)."""
    from .collection import CardArrays
    from .collection import forecast as vector_forecast

    arrays = CardArrays.from_cards(_cards(cards))
    return vector_forecast(arrays.due_us, days, now, day_start=(utc_offset_minutes, day_start_hour)).tolist()


@method("srs.reschedule")
def reschedule(
    card: SrsCard, review_logs: list[SrsReviewLog], scheduler: SchedulerConfig | None = None
) -> SrsCard:
    """The card's state replayed from its review logs under `scheduler` (after a parameter change)."""
    return _scheduler(scheduler).reschedule_card(_card(card), _logs(review_logs)).to_dict()


@method("srs.undo")
def undo(card: SrsCard, review_logs: list[SrsReviewLog], scheduler: SchedulerConfig | None = None) -> Undone:
    """The card as it was before its latest review, and the logs without that review."""
    restored, remaining = _scheduler(scheduler).undo_review(_card(card), _logs(review_logs))
    return {"card": restored.to_dict(), "review_logs": [log.to_dict() for log in remaining]}


@method("srs.import_csv")
def import_csv(csv: str) -> ReviewsImported:
    """Read a review log in CSV (card_id, review_time, review_rating, ...) as the session's table,
    which srs.evaluate / optimize / memory_states use when given no logs."""
    table = _table(csv=csv)
    _session["table"] = table
    return {"reviews": len(table), "cards": int(len(set(table.card_ids.tolist())))}


@method("srs.import_anki", packages=("sqlite3",))
def import_anki(
    data: str, day_start_hour: int | None = None, utc_offset_minutes: int | None = None
) -> AnkiReviewsImported:
    """Read an Anki collection file (base64 text) as the session's review table (its revlog only)."""
    import base64
    import binascii
    import os
    import tempfile

    from .importers import read_anki_revlog

    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("data is not valid base64") from None
    handle, path = tempfile.mkstemp(suffix=".anki2")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(raw)
        table = read_anki_revlog(path, day_start_hour=day_start_hour, utc_offset_minutes=utc_offset_minutes)
    finally:
        os.unlink(path)
    _session["table"] = table
    assert table.day_start is not None  # read_anki_revlog always counts Anki's calendar days
    return {
        "reviews": len(table),
        "cards": int(len(set(table.card_ids.tolist()))),
        "utc_offset_minutes": table.day_start[0],
        "day_start_hour": table.day_start[1],
    }


@method("srs.memory_states")
def memory_states(
    review_logs: list[SrsReviewLog] | None = None, parameters: list[float] | None = None
) -> MemoryStates:
    """Each card's stability and difficulty after its whole history (logs, or the session table)."""
    from .collection import memory_states as replay

    history = _table(review_logs).history()
    s, d = replay(history, DEFAULT_PARAMETERS if parameters is None else parameters)
    return {"card_ids": history.card_ids.tolist(), "stability": s, "difficulty": d}


@method("srs.evaluate")
def evaluate(
    parameters: list[float] | None = None,
    review_logs: list[SrsReviewLog] | None = None,
    csv: str | None = None,
) -> Metrics:
    """How well `parameters` (default FSRS-6's) predict the recorded reviews: log loss, RMSE, AUC."""
    from .evaluation import evaluate as score

    return score(_table(review_logs, csv).history(), DEFAULT_PARAMETERS if parameters is None else parameters)


@method("srs.optimize", packages=())
def optimize(
    review_logs: list[SrsReviewLog] | None = None,
    csv: str | None = None,
    seed: int = 2023,
    evaluate: bool = True,
    progress=None,
) -> JsonObject:
    """Fit FSRS parameters to a review history (with progress): {parameters, rule, targets,
    epoch_losses, initial_stability, seconds} and, with `evaluate`, metrics before and after."""
    import time

    from .evaluation import evaluate as score
    from .optimizer import Optimizer, OptimizerConfig

    history = _table(review_logs, csv).history()
    progress("prepare", 0.0)
    start = time.perf_counter()
    result = Optimizer(history, OptimizerConfig(seed=seed)).fit(progress=progress)
    out = result.to_dict()
    out["seconds"] = time.perf_counter() - start
    if evaluate and result.targets > 0:
        out["metrics"] = score(history, result.parameters)
        out["default_metrics"] = score(history, DEFAULT_PARAMETERS)
    progress("done", 1.0)
    return out


@method("srs.optimal_retention")
def optimal_retention(
    parameters: list[float] | None = None,
    review_logs: list[SrsReviewLog] | None = None,
    cards: int = 1000,
    days: int = 365,
    seed: int = 42,
) -> JsonObject:
    """The desired retention with the lowest simulated cost per remembered card (a simulation
    of `cards` cards over `days` days): {optimal_retention, candidates, costs, ...}."""
    from .retention import optimal_retention as search

    history = None
    if review_logs is not None or "table" in _session:
        history = _table(review_logs).history()
    return search(
        DEFAULT_PARAMETERS if parameters is None else parameters, history, cards=cards, days=days, seed=seed
    )


def _column(values, name: str, *, allow_null: bool = False):
    import numpy as np

    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must hold only numbers{' or null' if allow_null else ''}") from None
    if array.ndim != 1:
        raise ValidationError(f"{name} must be a flat list of numbers")
    bad = np.flatnonzero(np.isinf(array) if allow_null else ~np.isfinite(array))
    if bad.size:
        raise ValidationError(f"{name}[{bad[0]}] = {values[bad[0]]!r} is not a finite number")
    return array


@method("srs.retrievability_columns")
def retrievability_columns(
    stability: list[float | None],
    last_review_ms: list[float | None],
    now: str | None = None,
    parameters: list[float] | None = None,
) -> Float64Array:
    """Collection-scale retrievability from columns (stability null = never reviewed)."""
    import numpy as np

    from .collection import retrievability as vector_r

    s = _column(stability, "stability", allow_null=True)
    last = _column(last_review_ms, "last_review_ms", allow_null=True)
    if s.size != last.size:
        raise ValidationError(f"stability has {s.size} values but last_review_ms has {last.size}")
    reviewed = ~np.isnan(s)
    missing = np.flatnonzero(reviewed & np.isnan(last))
    if missing.size:
        raise ValidationError(f"last_review_ms[{missing[0]}] is null but stability[{missing[0]}] is set")
    last_us = np.where(reviewed, last, 0).astype(np.int64) * 1000
    return vector_r(s, last_us, now, DEFAULT_PARAMETERS if parameters is None else parameters)


@method("srs.forecast_columns")
def forecast_columns(
    due_ms: list[float],
    days: int = 30,
    now: str | None = None,
    utc_offset_minutes: int = 0,
    day_start_hour: int = 0,
) -> list[int]:
    """Cards due per day for the next `days` days, from a column of due times (epoch ms)."""
    import numpy as np

    from .collection import forecast as vector_forecast

    due = _column(due_ms, "due_ms").astype(np.int64) * 1000
    return vector_forecast(due, days, now, day_start=(utc_offset_minutes, day_start_hour)).tolist()

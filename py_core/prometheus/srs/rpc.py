"""Page-facing `srs.*` methods: JSON in, engine objects, JSON out (no logic of its own)."""

from __future__ import annotations

from ..errors import ValidationError
from ..rpc import method
from .card import Card, ReviewLog
from .enums import Rating
from .parameters import DEFAULT_PARAMETERS, LOWER_BOUNDS, UPPER_BOUNDS
from .scheduler import Scheduler

_session: dict = {}  # the last imported review table (one worker = one learner)


def _scheduler(scheduler) -> Scheduler:
    return Scheduler() if scheduler is None else Scheduler.from_dict(scheduler)


def _card(card) -> Card:
    return Card.from_dict(card)


def _cards(cards) -> list[Card]:
    if not isinstance(cards, list):
        raise ValidationError(f"cards must be a list of card objects, got {type(cards).__name__}")
    out = []
    for index, card in enumerate(cards):
        try:
            out.append(Card.from_dict(card))
        except ValidationError as exc:
            raise ValidationError(f"cards[{index}]: {exc}") from None
    return out


def _logs(review_logs) -> list[ReviewLog]:
    if not isinstance(review_logs, list):
        raise ValidationError(f"review_logs must be a list, got {type(review_logs).__name__}")
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
        if not isinstance(csv, str):
            raise ValidationError("csv must be the CSV text")
        return read_review_csv(csv, name="csv")
    if review_logs is not None:
        return ReviewTable.from_logs(_logs(review_logs))
    if "table" in _session:
        return _session["table"]
    raise ValidationError("no review logs: pass review_logs or csv, or call srs.import_csv first")


@method("srs.defaults")
def defaults() -> dict:
    return {
        "parameters": list(DEFAULT_PARAMETERS),
        "lower_bounds": list(LOWER_BOUNDS),
        "upper_bounds": list(UPPER_BOUNDS),
        "scheduler": Scheduler().to_dict(),
    }


@method("srs.new_card")
def new_card(card_id: int | None = None, due: str | None = None) -> dict:
    return Card(card_id=card_id, due=due).to_dict()


@method("srs.review")
def review(
    card: dict,
    rating,
    review_datetime: str | None = None,
    review_duration: int | None = None,
    scheduler: dict | None = None,
) -> dict:
    new, log = _scheduler(scheduler).review_card(_card(card), rating, review_datetime, review_duration)
    return {"card": new, "review_log": log}


@method("srs.preview")
def preview(card: dict, review_datetime: str | None = None, scheduler: dict | None = None) -> dict:
    outcomes = _scheduler(scheduler).preview_card(_card(card), review_datetime)
    return {rating.name.lower(): outcomes[rating] for rating in Rating}


@method("srs.retrievability")
def retrievability(cards: list, now: str | None = None, scheduler: dict | None = None) -> list:
    from .collection import CardArrays
    from .collection import retrievability as vector_r

    arrays = CardArrays.from_cards(_cards(cards))
    params = _scheduler(scheduler).parameters
    return vector_r(arrays.stability, arrays.last_review_us, now, params)


@method("srs.forecast")
def forecast(
    cards: list, days: int = 30, now: str | None = None, utc_offset_minutes: int = 0, day_start_hour: int = 0
) -> list:
    from .collection import CardArrays
    from .collection import forecast as vector_forecast

    arrays = CardArrays.from_cards(_cards(cards))
    return vector_forecast(arrays.due_us, days, now, day_start=(utc_offset_minutes, day_start_hour))


@method("srs.reschedule")
def reschedule(card: dict, review_logs: list, scheduler: dict | None = None) -> dict:
    return _scheduler(scheduler).reschedule_card(_card(card), _logs(review_logs)).to_dict()


@method("srs.undo")
def undo(card: dict, review_logs: list, scheduler: dict | None = None) -> dict:
    restored, remaining = _scheduler(scheduler).undo_review(_card(card), _logs(review_logs))
    return {"card": restored, "review_logs": remaining}


@method("srs.import_csv")
def import_csv(csv: str) -> dict:
    table = _table(csv=csv)
    _session["table"] = table
    return {"reviews": len(table), "cards": int(len(set(table.card_ids.tolist())))}


@method("srs.import_anki", packages=("sqlite3",))
def import_anki(data: str, day_start_hour: int | None = None, utc_offset_minutes: int | None = None) -> dict:
    """An Anki collection file (base64) -> the session's review table (revlog only)."""
    import base64
    import binascii
    import os
    import tempfile

    from .importers import read_anki_revlog

    if not isinstance(data, str):
        raise ValidationError("data must be the collection file as a base64 string")
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
    return {
        "reviews": len(table),
        "cards": int(len(set(table.card_ids.tolist()))),
        "utc_offset_minutes": table.day_start[0],
        "day_start_hour": table.day_start[1],
    }


@method("srs.memory_states")
def memory_states(review_logs: list | None = None, parameters: list | None = None) -> dict:
    from .collection import memory_states as replay

    history = _table(review_logs).history()
    s, d = replay(history, DEFAULT_PARAMETERS if parameters is None else parameters)
    return {"card_ids": history.card_ids, "stability": s, "difficulty": d}


@method("srs.evaluate")
def evaluate(parameters: list | None = None, review_logs: list | None = None, csv: str | None = None) -> dict:
    from .evaluation import evaluate as score

    return score(_table(review_logs, csv).history(), DEFAULT_PARAMETERS if parameters is None else parameters)


@method("srs.optimize", packages=())
def optimize(
    review_logs: list | None = None,
    csv: str | None = None,
    seed: int = 2023,
    evaluate: bool = True,
    progress=None,
) -> dict:
    import time

    from .evaluation import evaluate as score
    from .optimizer import Optimizer, OptimizerConfig

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be an integer, got {seed!r}")
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
    parameters: list | None = None,
    review_logs: list | None = None,
    cards: int = 1000,
    days: int = 365,
    seed: int = 42,
) -> dict:
    from .retention import optimal_retention as search

    history = None
    if review_logs is not None or "table" in _session:
        history = _table(review_logs).history()
    return search(
        DEFAULT_PARAMETERS if parameters is None else parameters, history, cards=cards, days=days, seed=seed
    )


def _column(values, name: str, *, allow_null: bool = False):
    import numpy as np

    if not isinstance(values, list):
        raise ValidationError(f"{name} must be a list of numbers, got {type(values).__name__}")
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
    stability: list, last_review_ms: list, now: str | None = None, parameters: list | None = None
) -> list:
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
    due_ms: list, days: int = 30, now: str | None = None, utc_offset_minutes: int = 0, day_start_hour: int = 0
) -> list:
    """Cards due per day for the next `days` days, from a column of due times (epoch ms)."""
    import numpy as np

    from .collection import forecast as vector_forecast

    due = _column(due_ms, "due_ms").astype(np.int64) * 1000
    return vector_forecast(due, days, now, day_start=(utc_offset_minutes, day_start_hour))

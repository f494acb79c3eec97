"""A flashcard's scheduling state and the log of one review (py-fsrs names and JSON)."""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..errors import ValidationError
from .checks import as_aware_datetime, as_int, as_optional_datetime, as_rating, as_state
from .enums import Rating, State
from .parameters import MAX_DIFFICULTY, MIN_DIFFICULTY

_id_lock = threading.Lock()
_last_id = 0


def new_card_id() -> int:
    """Epoch milliseconds of creation, bumped so two cards never share an id."""
    global _last_id
    with _id_lock:
        now = int(datetime.now(UTC).timestamp() * 1000)
        _last_id = max(now, _last_id + 1)
        return _last_id


def _memory_value(value, field: str, low: float, high: float, low_open: bool = False) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{field} must be a number or null, got {value!r}")
    number = float(value)
    above_low = number > low if low_open else number >= low
    if not math.isfinite(number) or not above_low or number > high:
        interval = f"{'(' if low_open else '['}{low}, {high}]"
        raise ValidationError(f"{field} must be a finite number in {interval}, got {number}")
    return number


def _check_dict(source, name: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(source, dict):
        raise ValidationError(f"{name} must be a JSON object, got {type(source).__name__}")
    missing = [k for k in keys if k not in source]
    if missing:
        raise ValidationError(f"{name} is missing field(s): {', '.join(missing)}")
    return source


@dataclass(init=False)
class Card:
    """What the scheduler knows about one card: learning state, memory state and due time."""

    card_id: int
    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None

    def __init__(
        self,
        card_id: int | None = None,
        state: State = State.Learning,
        step: int | None = None,
        stability: float | None = None,
        difficulty: float | None = None,
        due: datetime | None = None,
        last_review: datetime | None = None,
    ) -> None:
        self.card_id = new_card_id() if card_id is None else as_int(card_id, "card.card_id")
        self.state = as_state(state, "card.state")
        if self.state == State.Learning and step is None:
            step = 0
        self.step = as_int(step, "card.step", low=0, allow_none=True)
        self.stability = _memory_value(stability, "card.stability", 0.0, math.inf, low_open=True)
        self.difficulty = _memory_value(difficulty, "card.difficulty", MIN_DIFFICULTY, MAX_DIFFICULTY)
        self.due = datetime.now(UTC) if due is None else as_aware_datetime(due, "card.due")
        self.last_review = as_optional_datetime(last_review, "card.last_review")
        if self.state != State.Learning and (self.stability is None or self.difficulty is None):
            raise ValidationError(
                f"card.state {self.state.name} needs stability and difficulty, "
                f"got stability={self.stability!r}, difficulty={self.difficulty!r}"
            )
        if self.state in (State.Learning, State.Relearning) and self.step is None:
            raise ValidationError(f"card.step must be set in state {self.state.name}")

    def copy(self, **changes) -> Card:
        """A copy with `changes`, validated like any new card."""
        return replace(self, **changes)

    @classmethod
    def _trusted(cls, card_id, state, step, stability, difficulty, due, last_review) -> Card:
        """Build from values the scheduler itself computed (already valid): no re-checking."""
        card = object.__new__(cls)
        card.card_id, card.state, card.step = card_id, state, step
        card.stability, card.difficulty = stability, difficulty
        card.due, card.last_review = due, last_review
        return card

    def to_dict(self) -> dict:
        return {
            "card_id": self.card_id,
            "state": int(self.state),
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat() if self.last_review else None,
        }

    @classmethod
    def from_dict(cls, source: dict) -> Card:
        source = _check_dict(
            source, "card", ("card_id", "state", "step", "stability", "difficulty", "due", "last_review")
        )
        return cls(
            card_id=source["card_id"],
            state=source["state"],
            step=source["step"],
            stability=source["stability"],
            difficulty=source["difficulty"],
            due=source["due"],
            last_review=source["last_review"],
        )

    def to_json(self, indent=None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Card:
        return cls.from_dict(json.loads(text))


@dataclass
class ReviewLog:
    """One review: which card, what rating, when, and how long it took (ms, optional)."""

    card_id: int
    rating: Rating
    review_datetime: datetime
    review_duration: int | None = None

    def __post_init__(self) -> None:
        self.card_id = as_int(self.card_id, "review_log.card_id")
        self.rating = as_rating(self.rating, "review_log.rating")
        self.review_datetime = as_aware_datetime(self.review_datetime, "review_log.review_datetime")
        self.review_duration = as_int(
            self.review_duration, "review_log.review_duration", low=0, allow_none=True
        )

    @classmethod
    def _trusted(cls, card_id, rating, review_datetime, review_duration) -> ReviewLog:
        log = object.__new__(cls)
        log.card_id, log.rating = card_id, rating
        log.review_datetime, log.review_duration = review_datetime, review_duration
        return log

    def to_dict(self) -> dict:
        return {
            "card_id": self.card_id,
            "rating": int(self.rating),
            "review_datetime": self.review_datetime.isoformat(),
            "review_duration": self.review_duration,
        }

    @classmethod
    def from_dict(cls, source: dict) -> ReviewLog:
        source = _check_dict(source, "review_log", ("card_id", "rating", "review_datetime"))
        return cls(
            card_id=source["card_id"],
            rating=source["rating"],
            review_datetime=source["review_datetime"],
            review_duration=source.get("review_duration"),
        )

    def to_json(self, indent=None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> ReviewLog:
        return cls.from_dict(json.loads(text))

"""The FSRS-6 scheduler: when is each card due, given how the learner rated it.

Same public names and semantics as py-fsrs 6.3.2 (Scheduler.review_card, get_card_retrievability,
reschedule_card, to_dict/from_dict), plus previews, undo and whole-collection rescheduling.
Differences on purpose: any timezone-aware datetime is accepted (stored in UTC), bad input
raises prometheus ValidationError (a ValueError) and changes nothing, and fuzz is a
deterministic function of the card and the review time, so replays reproduce due dates.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import ValidationError
from . import memory
from .card import Card, ReviewLog
from .checks import as_aware_datetime, as_finite, as_int, as_rating, as_steps
from .enums import Rating, State
from .parameters import DEFAULT_PARAMETERS, FUZZ_RANGES, validate_parameters


def fuzz_range(interval_days: int, maximum_interval: int) -> tuple[int, int]:
    """Inclusive [min, max] days a fuzzed interval may take (Anki's bands)."""
    delta = 1.0
    for start, end, factor in FUZZ_RANGES:
        delta += factor * max(min(float(interval_days), end) - start, 0.0)
    low = round(interval_days - delta)
    high = round(interval_days + delta)
    low = max(2, low)
    high = min(high, maximum_interval)
    return min(low, high), high


def fuzz_fraction(card_id: int, review_datetime: datetime) -> float:
    """A uniform [0, 1) draw fixed by the card and the review time (reproducible on replay)."""
    micros = int(review_datetime.timestamp() * 1_000_000)
    return random.Random(f"{card_id}:{micros}").random()


def elapsed_whole_days(later: datetime, earlier: datetime | None) -> int | None:
    return None if earlier is None else (later - earlier).days


@dataclass(init=False)
class Scheduler:
    """FSRS-6 parameters plus the scheduling policy (retention, steps, limits, fuzz)."""

    parameters: tuple[float, ...]
    desired_retention: float
    learning_steps: tuple[timedelta, ...]
    relearning_steps: tuple[timedelta, ...]
    maximum_interval: int
    enable_fuzzing: bool

    def __init__(
        self,
        parameters: Sequence[float] = DEFAULT_PARAMETERS,
        desired_retention: float = 0.9,
        learning_steps: Sequence[timedelta] = (timedelta(minutes=1), timedelta(minutes=10)),
        relearning_steps: Sequence[timedelta] = (timedelta(minutes=10),),
        maximum_interval: int = 36500,
        enable_fuzzing: bool = True,
    ) -> None:
        self.parameters = validate_parameters(parameters)
        self.desired_retention = as_finite(
            desired_retention, "desired_retention", low=0.0, high=1.0, low_open=True, high_open=True
        )
        self.learning_steps = as_steps(learning_steps, "learning_steps")
        self.relearning_steps = as_steps(relearning_steps, "relearning_steps")
        self.maximum_interval = as_int(maximum_interval, "maximum_interval", low=1)
        if not isinstance(enable_fuzzing, bool):
            raise ValidationError(f"enable_fuzzing must be true or false, got {enable_fuzzing!r}")
        self.enable_fuzzing = enable_fuzzing
        self._DECAY, self._FACTOR = memory.decay_and_factor(self.parameters)

    # ---- memory -------------------------------------------------------------------
    def get_card_retrievability(self, card: Card, current_datetime: datetime | None = None) -> float:
        """Probability of recall at `current_datetime` (0 for a card never reviewed)."""
        if card.last_review is None or card.stability is None:
            return 0
        now = (
            datetime.now(UTC)
            if current_datetime is None
            else as_aware_datetime(current_datetime, "current_datetime")
        )
        elapsed_days = max(0, (now - card.last_review).days)
        return (1 + self._FACTOR * elapsed_days / card.stability) ** self._DECAY

    def next_interval(self, stability: float) -> int:
        """Whole days until R falls to the desired retention, within [1, maximum_interval]."""
        days = (stability / self._FACTOR) * ((self.desired_retention ** (1 / self._DECAY)) - 1)
        return min(max(round(days), 1), self.maximum_interval)

    # ---- reviewing ----------------------------------------------------------------
    def review_card(
        self,
        card: Card,
        rating: Rating,
        review_datetime: datetime | None = None,
        review_duration: int | None = None,
    ) -> tuple[Card, ReviewLog]:
        """The card after this review and the review's log; `card` itself is left unchanged."""
        if not isinstance(card, Card):
            raise ValidationError(f"card must be a Card, got {type(card).__name__}")
        rating = as_rating(rating)
        if review_datetime is None:
            review_datetime = datetime.now(UTC)
        else:
            review_datetime = as_aware_datetime(review_datetime, "review_datetime")
        if card.last_review is not None and review_datetime < card.last_review:
            raise ValidationError(
                f"review_datetime {review_datetime.isoformat()} is before the card's "
                f"last_review {card.last_review.isoformat()} (card_id {card.card_id})"
            )
        review_duration = as_int(review_duration, "review_duration", low=0, allow_none=True)

        w = self.parameters
        elapsed = elapsed_whole_days(review_datetime, card.last_review)
        stability, difficulty = memory.next_memory_state(w, card.stability, card.difficulty, elapsed, rating)
        state, step, interval = self._next_step(card, rating, stability)
        if self.enable_fuzzing and state == State.Review:
            interval = self._fuzzed(interval, card.card_id, review_datetime)
        new_card = Card._trusted(
            card.card_id, state, step, stability, difficulty, review_datetime + interval, review_datetime
        )
        log = ReviewLog._trusted(card.card_id, rating, review_datetime, review_duration)
        return new_card, log

    def _next_step(self, card: Card, rating: Rating, stability: float):
        """(state, step, interval) of the learning-step state machine."""
        if card.state == State.Review:
            if rating == Rating.Again and self.relearning_steps:
                return State.Relearning, 0, self.relearning_steps[0]
            return self._graduate(stability)
        steps = self.learning_steps if card.state == State.Learning else self.relearning_steps
        step = card.step if card.step is not None else 0
        # A card scheduled with more steps than this scheduler has graduates on a pass.
        if not steps or (step >= len(steps) and rating != Rating.Again):
            return self._graduate(stability)
        if rating == Rating.Again:
            return card.state, 0, steps[0]
        if rating == Rating.Hard:
            if step == 0 and len(steps) == 1:
                return card.state, step, steps[0] * 1.5
            if step == 0:
                return card.state, step, (steps[0] + steps[1]) / 2.0
            return card.state, step, steps[step]
        if rating == Rating.Good and step + 1 < len(steps):
            return card.state, step + 1, steps[step + 1]
        return self._graduate(stability)

    def _graduate(self, stability: float):
        return State.Review, None, timedelta(days=self.next_interval(stability))

    def _fuzzed(self, interval: timedelta, card_id: int, review_datetime: datetime) -> timedelta:
        return timedelta(days=self.fuzz_interval_days(interval.days, fuzz_fraction(card_id, review_datetime)))

    def fuzz_interval_days(self, interval_days: int, fraction: float) -> int:
        """The fuzzed interval for a uniform draw `fraction` in [0, 1) (py-fsrs's mapping)."""
        if interval_days < 2.5:
            return interval_days
        low, high = fuzz_range(interval_days, self.maximum_interval)
        return min(round(fraction * (high - low + 1) + low), self.maximum_interval)

    def preview_card(self, card: Card, review_datetime: datetime | None = None) -> dict[Rating, Card]:
        """The card after each of the four possible ratings at `review_datetime`."""
        if review_datetime is None:
            review_datetime = datetime.now(UTC)
        return {r: self.review_card(card, r, review_datetime)[0] for r in Rating}

    # ---- history --------------------------------------------------------------------
    def reschedule_card(self, card: Card, review_logs: Iterable[ReviewLog]) -> Card:
        """The card as if it had always been scheduled by this scheduler (logs in any order)."""
        logs = self._logs_of(card, review_logs)
        rescheduled = Card(card_id=card.card_id, due=card.due)
        for log in logs:
            rescheduled, _ = self.review_card(
                rescheduled, log.rating, log.review_datetime, log.review_duration
            )
        return rescheduled

    def reschedule_cards(self, cards: Iterable[Card], review_logs: Iterable[ReviewLog]) -> list[Card]:
        """Every card rescheduled from its own logs (e.g. after fitting new parameters)."""
        by_card: dict[int, list[ReviewLog]] = {}
        for log in review_logs:
            if not isinstance(log, ReviewLog):
                raise ValidationError(f"review_logs must hold ReviewLog objects, got {type(log).__name__}")
            by_card.setdefault(log.card_id, []).append(log)
        return [self.reschedule_card(card, by_card.get(card.card_id, [])) for card in cards]

    def undo_review(self, card: Card, review_logs: Iterable[ReviewLog]) -> tuple[Card, list[ReviewLog]]:
        """Take back the latest review: (card replayed without it, remaining logs)."""
        logs = self._logs_of(card, review_logs)
        if not logs:
            raise ValidationError(f"card {card.card_id} has no review to undo")
        remaining = logs[:-1]
        first_due = logs[0].review_datetime
        restored = Card(card_id=card.card_id, due=first_due)
        for log in remaining:
            restored, _ = self.review_card(restored, log.rating, log.review_datetime, log.review_duration)
        return restored, remaining

    @staticmethod
    def _logs_of(card: Card, review_logs: Iterable[ReviewLog]) -> list[ReviewLog]:
        if not isinstance(card, Card):
            raise ValidationError(f"card must be a Card, got {type(card).__name__}")
        logs = list(review_logs)
        for index, log in enumerate(logs):
            if not isinstance(log, ReviewLog):
                raise ValidationError(f"review_logs[{index}] must be a ReviewLog, got {type(log).__name__}")
            if log.card_id != card.card_id:
                raise ValidationError(
                    f"review_logs[{index}].card_id {log.card_id} does not match card_id {card.card_id}"
                )
        return sorted(logs, key=lambda log: log.review_datetime)

    # ---- JSON -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "parameters": list(self.parameters),
            "desired_retention": self.desired_retention,
            "learning_steps": [int(s.total_seconds()) for s in self.learning_steps],
            "relearning_steps": [int(s.total_seconds()) for s in self.relearning_steps],
            "maximum_interval": self.maximum_interval,
            "enable_fuzzing": self.enable_fuzzing,
        }

    @classmethod
    def from_dict(cls, source: dict) -> Scheduler:
        if not isinstance(source, dict):
            raise ValidationError(f"scheduler must be a JSON object, got {type(source).__name__}")
        known = {
            "parameters",
            "desired_retention",
            "learning_steps",
            "relearning_steps",
            "maximum_interval",
            "enable_fuzzing",
        }
        unknown = sorted(set(source) - known)
        if unknown:
            raise ValidationError(f"scheduler has unknown field(s): {', '.join(unknown)}")
        return cls(**source)

    def to_json(self, indent=None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Scheduler:
        return cls.from_dict(json.loads(text))

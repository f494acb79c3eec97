"""The JSON shapes of the scheduler's objects: what `Card.to_dict`, `ReviewLog.to_dict` and
`Scheduler.to_dict` return and the `srs.*` methods take (py-fsrs gives its to_dict() shapes a
TypedDict the same way)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from ..rpc.types import Alias

RatingValue = Annotated[
    Literal[1, 2, 3, 4, "again", "hard", "good", "easy"],
    Alias("Rating", "how well the learner recalled: 1 again, 2 hard, 3 good, 4 easy (or the name)"),
]
CardState = Annotated[
    int | str, Alias("CardState", "1 learning, 2 review, 3 relearning (results give the number)")
]


class SrsCard(TypedDict):
    """One card's FSRS state, as `srs.new_card` and `srs.review` return it."""

    card_id: int
    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    due: str  # ISO-8601 with offset
    last_review: str | None


class SrsReviewLog(TypedDict):
    card_id: int
    rating: RatingValue
    review_datetime: str
    review_duration: NotRequired[int | None]  # milliseconds


class SchedulerConfig(TypedDict, total=False):
    """Scheduler settings; an omitted key keeps its default (see `srs.defaults`)."""

    parameters: list[float]
    desired_retention: float
    learning_steps: list[float]  # seconds
    relearning_steps: list[float]
    maximum_interval: int  # days
    enable_fuzzing: bool


class Metrics(TypedDict):
    log_loss: float
    rmse_bins: float
    auc: float
    reviews: int

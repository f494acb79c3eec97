"""Spaced repetition: the FSRS-6 scheduler, collection-wide numpy operations and an optimizer.

`from prometheus.srs import Scheduler, Card, Rating, State, ReviewLog` mirrors py-fsrs 6.3.2.
The optimizer, evaluation and importers are imported from their own modules on demand.
"""

from .card import Card, ReviewLog
from .enums import Rating, State
from .parameters import DEFAULT_PARAMETERS, LOWER_BOUNDS, UPPER_BOUNDS
from .scheduler import Scheduler

__all__ = [
    "Card",
    "ReviewLog",
    "Rating",
    "State",
    "Scheduler",
    "Optimizer",
    "DEFAULT_PARAMETERS",
    "LOWER_BOUNDS",
    "UPPER_BOUNDS",
]


def __getattr__(name: str):
    """`Optimizer` is imported on first use, as in py-fsrs."""
    if name == "Optimizer":
        from .optimizer import Optimizer

        return Optimizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Ratings a learner gives and the learning states a card moves through (py-fsrs values)."""

from enum import IntEnum


class Rating(IntEnum):
    Again = 1
    Hard = 2
    Good = 3
    Easy = 4


class State(IntEnum):
    Learning = 1
    Review = 2
    Relearning = 3

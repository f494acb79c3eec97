"""Errors of the learning app. All are ValidationErrors: the call changed nothing."""

from __future__ import annotations

from ..errors import ValidationError


class LearnError(ValidationError):
    """A learn call was refused (bad argument, unknown id, nothing to undo); nothing changed."""


class UnknownCard(LearnError, LookupError):
    """A card id that is not in the collection; `.card_id` names it."""

    fields = ("card_id",)

    def __init__(self, card_id, where: str = "card_id"):
        super().__init__(f"{where}: no card with id {card_id!r} in the collection")
        self.card_id = card_id


class NothingToUndo(LearnError):
    """learn.undo with an empty undo history."""


class ImportFormatError(LearnError):
    """An import (CSV, .apkg, JSON) is malformed; the message says what and where."""


class SnapshotError(LearnError):
    """Bytes given to Collection.from_bytes are not an intact collection snapshot."""


class OpError(LearnError):
    """An op given to Collection.apply does not fit the collection (damaged journal or a bug)."""

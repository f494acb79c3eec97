"""The JSON shapes the learning engine returns and the `learn.*` methods pass on as they are."""

from __future__ import annotations

from typing import TypedDict


class NoteCards(TypedDict):
    id: str
    cards: list[str]


class Added(TypedDict):
    ids: list[str]  # the new cards
    notes: list[NoteCards]


class Course(TypedDict):
    name: str
    title: str
    version: str
    description: str
    concepts: int
    notes: int
    cards: int

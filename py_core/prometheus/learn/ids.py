"""Ids of notes and cards: 63 random bits written as 16 lowercase hex digits.

Random (not counters) so that collections on two devices never hand out the same id (sync).
Text on the outside (a JavaScript number cannot hold 63 bits); an int64 inside, where
numpy columns and the scheduler (whose fuzz is seeded by the card id) use it.
"""

from __future__ import annotations

import re
import secrets

from .errors import LearnError

_HEX16 = re.compile(r"[0-9a-f]{16}")
MAX_ID = (1 << 63) - 1


def new_id_int(taken=()) -> int:
    """A fresh positive 63-bit id not in `taken` (a set or dict of ints)."""
    while True:
        value = secrets.randbits(63)
        if value and value not in taken:
            return value


def id_text(value: int) -> str:
    return f"{value:016x}"


def id_int(text, where: str = "id") -> int:
    """The int64 of a 16-hex-digit id; LearnError naming `where` otherwise."""
    if not isinstance(text, str) or not _HEX16.fullmatch(text) or int(text, 16) > MAX_ID or text == "0" * 16:
        raise LearnError(f"{where} must be a 16-digit lowercase hex id, got {text!r}")
    return int(text, 16)

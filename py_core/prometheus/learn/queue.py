"""What to study now: one vectorized pass over the card columns (no Python loop per card).

Order: learning/relearning cards due now; then review cards due today (earliest due first)
up to the daily review cap, the rest rolling forward to later days; then new cards the
knowledge graph allows (see `concepts`), lowest position first, up to the daily new limit;
then learning cards due within `learn_ahead_minutes`. Suspended cards and siblings buried
for the day are left out. Ties go to the smaller card id, so the choice does not depend on
row order (which differs between a live collection and one loaded from a snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clock import day_number, day_start_us
from .collection import EMPTY_DAY, NO_TIME
from .concepts import gate, link_index

NEVER = np.iinfo(np.int64).max


@dataclass
class Plan:
    row: int | None
    queue: str | None  # "learning", "review", "new" or None
    counts: dict


def today_record(collection, now_us: int) -> dict:
    """The day bookkeeping as of `now_us` (a record of an earlier day counts as empty)."""
    s = collection.settings
    today = day_number(now_us, s["utc_offset_minutes"], s["day_start_hour"])
    day = collection.day
    if day["day"] != today:
        return {**EMPTY_DAY, "day": today}
    return day


def _earliest(mask: np.ndarray, key: np.ndarray, ids: np.ndarray) -> int | None:
    """Row with the smallest key among mask (ties: smallest id)."""
    if not mask.any():
        return None
    masked = np.where(mask, key, NEVER)
    best = masked.min()
    ties = np.flatnonzero(masked == best)
    return int(ties[0] if ties.size == 1 else ties[np.argmin(ids[ties])])


def plan(collection, now_us: int) -> Plan:
    """The next card to show at `now_us` and the day's remaining counts."""
    s = collection.settings
    day = today_record(collection, now_us)
    cards = collection.cards
    if cards.n == 0:
        return Plan(
            None,
            None,
            {
                "learning": 0,
                "review": 0,
                "new": 0,
                "rolled_over": 0,
                "new_locked": 0,
                "buried": 0,
                "day": day["day"],
            },
        )
    state, due, ids = cards.col("state"), cards.col("due"), cards.col("id")
    active = cards.col("suspended") == 0
    buried_rows = [
        collection.row_of_int(int(c, 16)) for c in day["buried"] if collection.has_card(int(c, 16))
    ]
    if buried_rows:
        active = active.copy()
        active[buried_rows] = False
    reviewed = cards.col("last_review") != NO_TIME
    tomorrow = day_start_us(day["day"] + 1, s["utc_offset_minutes"], s["day_start_hour"])
    learning = reviewed & (state != 2) & active
    learning_now = learning & (due <= now_us)
    review_due = (state == 2) & active & (due < tomorrow)
    review_total = int(review_due.sum())
    review_left = max(0, s["reviews_per_day"] - day["reviews"])
    new = ~reviewed & active
    links = link_index(collection)
    new_locked = 0
    if links is not None and links.card_rows.size and new.any():
        locked = gate(collection, links, day["day"]).locked_rows
        new_locked = int((new & locked).sum())
        new = new & ~locked
    new_left = max(0, s["new_per_day"] - day["new"])
    counts = {
        "learning": int((learning & (due < tomorrow)).sum()),
        "review": min(review_total, review_left),
        "new": min(int(new.sum()), new_left),
        "rolled_over": max(0, review_total - review_left),
        "new_locked": new_locked,
        "buried": len(buried_rows),
        "day": day["day"],
    }
    row = _earliest(learning_now, due, ids)
    if row is not None:
        return Plan(row, "learning", counts)
    if review_left > 0:
        row = _earliest(review_due, due, ids)
        if row is not None:
            return Plan(row, "review", counts)
    if new_left > 0:
        row = _earliest(new, cards.col("position"), ids)
        if row is not None:
            return Plan(row, "new", counts)
    ahead = now_us + s["learn_ahead_minutes"] * 60_000_000
    row = _earliest(learning & (due <= ahead), due, ids)
    return Plan(row, "learning" if row is not None else None, counts)

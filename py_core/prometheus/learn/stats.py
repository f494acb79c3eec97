"""Statistics of a collection, computed with numpy over the card and log columns, each with
an SVG drawing: the due forecast, the review heatmap, true against predicted retention by
interval bucket, a card's forgetting curve, and the concept map coloured by mastery.

Days are the learner's days (`day_start_hour`, `utc_offset_minutes` from the settings).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from . import svg
from .clock import day_number, now_us
from .collection import NO_TIME
from .concepts import concept_mastery, link_index
from .errors import LearnError
from .queue import plan, today_record

DAY_US = 86_400_000_000
INTERVAL_EDGES = (1, 2, 4, 8, 16, 32, 64, 128)  # buckets [1,2) [2,4) ... [128, inf) days
EPOCH_DAY = date(1970, 1, 1)


def _days(collection, us):
    s = collection.settings
    shift = (s["utc_offset_minutes"] * 60 - s["day_start_hour"] * 3600) * 1_000_000
    return np.floor_divide(np.asarray(us, dtype=np.int64) + shift, DAY_US)


def _today(collection, t):
    s = collection.settings
    return day_number(t, s["utc_offset_minutes"], s["day_start_hour"])


def _label(day: int) -> str:
    return (EPOCH_DAY + timedelta(days=int(day))).isoformat()


def summary(collection, now=None) -> dict:
    """{cards, notes, reviews, due_today, new_today, ...} for the Today screen."""
    t = now_us(now)
    counts = plan(collection, t).counts
    day = today_record(collection, t)
    log_days = _days(collection, collection.log.col("time"))
    today = _today(collection, t)
    recent = (log_days > today - 30) & (collection.log.col("state") == 2)
    ratings = collection.log.col("rating")[recent]
    return {
        "cards": len(collection),
        "notes": len(collection.notes),
        "reviews": collection.log.n,
        "due_today": counts["learning"] + counts["review"],
        "new_today": counts["new"],
        "learning": counts["learning"],
        "review_due": counts["review"],
        "rolled_over": counts["rolled_over"],
        "new_locked": counts["new_locked"],
        "buried": counts["buried"],
        "suspended": int(collection.cards.col("suspended").sum()),
        "studied_today": int((log_days == today).sum()),
        "new_studied_today": day["new"],
        "reviews_done_today": day["reviews"],
        "true_retention_30d": float((ratings > 1).mean()) if ratings.size else None,
        "day": _label(today),
    }


def forecast(collection, now=None, days: int = 30) -> dict:
    """Reviewed, unsuspended cards falling due on each of the next `days` days (overdue: today)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise LearnError(f"days must be an integer in [1, 3650], got {days!r}")
    t = now_us(now)
    today = _today(collection, t)
    c = collection.cards
    keep = (c.col("last_review") != NO_TIME) & (c.col("suspended") == 0)
    offset = np.maximum(_days(collection, c.col("due")[keep]) - today, 0)
    counts = np.bincount(offset[offset < days].astype(np.intp), minlength=days)[:days].tolist()
    labels = [_label(today + i) for i in range(days)]
    return {
        "days": labels,
        "due": counts,
        "svg": svg.bars(
            counts,
            [lab[5:] for lab in labels],
            f"Due in the next {days} days",
            empty="Nothing scheduled yet: studied cards appear on the day they come back",
        ),
    }


def heatmap(collection, now=None, days: int = 365) -> dict:
    """Reviews per learner day over the last `days` days (today last)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
        raise LearnError(f"days must be an integer in [1, 3660], got {days!r}")
    t = now_us(now)
    today = _today(collection, t)
    first = today - days + 1
    offset = _days(collection, collection.log.col("time")) - first
    offset = offset[(offset >= 0) & (offset < days)]
    counts = np.bincount(offset.astype(np.intp), minlength=days)[:days].tolist()
    labels = [_label(first + i) for i in range(days)]
    weekday = (EPOCH_DAY + timedelta(days=int(first))).weekday()
    return {
        "first_day": labels[0],
        "counts": counts,
        "svg": svg.calendar(counts, weekday, labels, f"Reviews in the last {days} days"),
    }


def retention(collection) -> dict:
    """Per interval bucket of review-state answers: count, true retention (rating > 1) and the
    mean retrievability FSRS predicted at the moment of the review."""
    log = collection.log
    mask = (log.col("state") == 2) & (log.col("elapsed") >= 1) & ~np.isnan(log.col("retrievability"))
    elapsed = log.col("elapsed")[mask]
    passed = (log.col("rating")[mask] > 1).astype(float)
    predicted = log.col("retrievability")[mask]
    bucket = np.searchsorted(np.array(INTERVAL_EDGES), elapsed, side="right") - 1
    rows = []
    for i, low in enumerate(INTERVAL_EDGES):
        high = INTERVAL_EDGES[i + 1] if i + 1 < len(INTERVAL_EDGES) else None
        sel = bucket == i
        n = int(sel.sum())
        rows.append(
            {
                "from_days": low,
                "to_days": high,
                "reviews": n,
                "true_retention": float(passed[sel].mean()) if n else None,
                "predicted_retention": float(predicted[sel].mean()) if n else None,
            }
        )
    shown = [r for r in rows if r["reviews"]]
    labels = [f"{r['from_days']}-{r['to_days'] or ''}d" for r in shown]
    drawing = svg.bars(
        [r["true_retention"] for r in shown],  # type: ignore[misc]  # set wherever reviews > 0
        labels,
        "True (blue) vs predicted (orange) retention by interval",
        series2=[r["predicted_retention"] for r in shown],  # type: ignore[misc]  # likewise
        top=1.0,
        bar=16,
        percent=True,
        empty="No reviews a day or more after learning yet",
    )
    return {"buckets": rows, "svg": drawing}


def forgetting_curve(collection, card_id, now=None, days: int | None = None) -> dict:
    """Retrievability of one card over the days after its last review, with its past reviews."""
    row = collection.row(card_id)
    record = collection.card_record(row)
    if record["last_review"] is None:
        raise LearnError(f"card {card_id} has not been reviewed yet: it has no forgetting curve")
    w = collection.settings["parameters"]
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    stability = record["stability"]
    horizon = (
        days if days is not None else max(30, int(2 * (record["due"] - record["last_review"]) / DAY_US) + 1)
    )
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 36500:
        raise LearnError(f"days must be an integer in [1, 36500], got {days!r}")
    xs = list(range(horizon + 1))
    ys = [(1 + factor * x / stability) ** decay for x in xs]
    logs = np.flatnonzero(collection.log.col("card") == int(card_id, 16))
    reviews = [collection.log_entry(int(i)) for i in logs]
    last = record["last_review"]
    t = now_us(now)
    elapsed_now = max(0, (t - last) // DAY_US)
    points = [
        (min(elapsed_now, horizon), (1 + factor * min(elapsed_now, horizon) / stability) ** decay, "now")
    ]
    return {
        "card_id": card_id,
        "stability": stability,
        "days": xs,
        "retrievability": ys,
        "reviews": reviews,
        "elapsed_days_now": int(elapsed_now),
        "svg": svg.lines(xs, ys, "Forgetting curve", points=points),
    }


def concept_map(collection, now=None) -> dict:
    """Concepts laid out by prerequisite depth, each with its mastery, cards, cards reviewed,
    unlocked/mastered flags and status: locked, not started (unlocked, no card reviewed yet),
    learning, mastered."""
    links = link_index(collection)
    if links is None:
        return {"concepts": [], "edges": [], "svg": svg.concept_map([], [], "Concept map")}
    reviewed_rows = collection.cards.col("last_review")[links.card_rows] != NO_TIME
    reviewed = np.bincount(links.concept_of_link, weights=reviewed_rows, minlength=len(links.keys))
    t = now_us(now)
    m = concept_mastery(collection, links, _today(collection, t))
    depth = [0] * len(links.keys)
    for i in links.order:  # prerequisites first, so depth[p] is final when i is reached
        if i not in links.cyclic and links.prereqs[i]:
            depth[i] = 1 + max(depth[p] for p in links.prereqs[i])
    per_level: dict[int, int] = {}
    nodes = []
    for i, key in enumerate(links.keys):
        slot = per_level.get(depth[i], 0)
        per_level[depth[i]] = slot + 1
        nodes.append(
            {
                "key": key,
                "name": links.names[i],
                "mastery": float(m["mastery"][i]),
                "cards": int(m["cards"][i]),
                "unlocked": bool(m["unlocked"][i]),
                "mastered": bool(m["mastered"][i]),
                "reviewed": int(reviewed[i]),
                "status": svg.concept_status(
                    bool(m["unlocked"][i]), int(reviewed[i]), bool(m["mastered"][i])
                ),
                "depth": depth[i],
                "x": 10 + 140 * slot,
                "y": 10 + 50 * depth[i],
            }
        )
    edges = [(i, p) for i in range(len(links.keys)) for p in links.prereqs[i]]
    return {
        "concepts": nodes,
        "edges": [[nodes[a]["key"], nodes[b]["key"]] for a, b in edges],
        "svg": svg.concept_map(nodes, edges, "Concept map by prerequisite depth"),
    }

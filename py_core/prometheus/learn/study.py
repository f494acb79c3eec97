"""The learner's actions on a collection: add cards, the next card, answer, undo, settings.

Each public function checks its input, computes the op (with resolved ids, times and FSRS
states), then commits: graph changes and `collection.apply(op)` inside one
`graph.transaction()`, so a failure leaves both unchanged. Every commit pushes (label,
inverse op, graph undo record) on `collection.undo_stack`; `undo` pops and applies it.
The undo history belongs to the session: it is not part of the snapshot.
"""

from __future__ import annotations

import contextlib
import math
from datetime import timedelta

import numpy as np

from ..srs.checks import as_rating
from . import concepts as concept_graph
from .clock import iso, now_us, to_datetime
from .collection import NO_TIME
from .errors import LearnError, NothingToUndo
from .ids import id_text, new_id_int
from .notes import card_ords, note_from_spec, render
from .queue import plan, today_record
from .settings import validate_settings
from .shapes import Added

MAX_UNDO = 100
MAX_BATCH = 100_000
RATING_NAMES = {1: "again", 2: "hard", 3: "good", 4: "easy"}
STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


def graph_of(collection):
    return collection.graph_source() if collection.graph_source is not None else None


def commit(collection, label: str, op: dict, graph_change=None, info=None) -> dict:
    """Apply `op` (and `graph_change(graph, undo_record)`, if any) atomically; record the undo."""
    graph = graph_of(collection) if graph_change is not None else None
    if graph_change is not None and graph is None:
        raise LearnError(f"{label}: this collection has no knowledge graph for concepts")
    undo_record = concept_graph.empty_undo()
    context = graph.transaction() if graph is not None else contextlib.nullcontext()
    with context:
        if graph is not None:
            graph_change(graph, undo_record)
        inverse = collection.apply(op)
    if graph is not None:
        collection.links_changed()
    collection.undo_stack.append(
        {
            "label": label,
            "inverse": inverse,
            "graph": undo_record if graph is not None else None,
            "info": info or {},
        }
    )
    del collection.undo_stack[:-MAX_UNDO]
    return inverse


def undo(collection) -> dict:
    """Take back the latest action (an answer, an import, ...): state and log as they were."""
    if not collection.undo_stack:
        raise NothingToUndo("nothing to undo")
    entry = collection.undo_stack[-1]
    graph = graph_of(collection) if entry["graph"] is not None else None
    context = graph.transaction() if graph is not None else contextlib.nullcontext()
    with context:
        if graph is not None:
            concept_graph.revert(graph, entry["graph"])
        collection.apply(entry["inverse"])
    if graph is not None:
        collection.links_changed()
    collection.undo_stack.pop()
    return {"undone": entry["label"], **entry["info"]}


# ------------------------------------------------------------------ adding
def build_notes(collection, specs, now: int, where: str = "cards", position=None):
    """(notes, card records, links) for card specs, or LearnError listing every bad spec."""
    if not isinstance(specs, list) or not specs:
        raise LearnError(f"{where} must be a non-empty list of card objects")
    if len(specs) > MAX_BATCH:
        raise LearnError(f"{where}: at most {MAX_BATCH} cards per call, got {len(specs)}")
    errors: list[str] = []
    parsed = [note_from_spec(spec, f"{where}[{i}]", errors) for i, spec in enumerate(specs)]
    if errors:
        shown = "; ".join(errors[:20]) + (f"; ... {len(errors) - 20} more" if len(errors) > 20 else "")
        raise LearnError(f"{len(errors)} problem(s) in {where}: {shown}")
    taken_notes, taken_cards = set(collection.notes), set(collection._row)
    position = collection.next_position() if position is None else position
    notes, cards, links = [], [], []
    for note_part, keys in parsed:
        nid = new_id_int(taken_notes)
        taken_notes.add(nid)
        note = {"id": id_text(nid), "created": now, **note_part}
        notes.append(note)
        for ord in card_ords(note):
            cid = new_id_int(taken_cards)
            taken_cards.add(cid)
            cards.append(new_card_record(id_text(cid), note["id"], ord, position, now))
            links.append((id_text(cid), note["id"], keys))
            position += 1
    return notes, cards, links


def new_card_record(card_id: str, note_id: str, ord: int, position: int, now: int) -> dict:
    return {
        "id": card_id,
        "note": note_id,
        "ord": ord,
        "position": position,
        "suspended": False,
        "state": 1,
        "step": 0,
        "stability": None,
        "difficulty": None,
        "due": now,
        "last_review": None,
    }


def add_cards(collection, cards, now=None) -> Added:
    """Add notes from card specs (see notes.py); concepts are linked in the graph."""
    t = now_us(now)
    notes, records, links = build_notes(collection, cards, t)
    op = {"op": "add", "notes": notes, "cards": records, "reviews": [], "media": {}}
    linked = [link for link in links if link[2]]
    change = (lambda graph, undo: concept_graph.link_cards(graph, linked, undo)) if linked else None
    commit(collection, "add_cards", op, change, {"cards": len(records)})
    by_note: dict[str, list[str]] = {}
    for record in records:
        by_note.setdefault(record["note"], []).append(record["id"])
    return {
        "ids": [r["id"] for r in records],
        "notes": [{"id": n["id"], "cards": by_note[n["id"]]} for n in notes],
    }


# ------------------------------------------------------------------ studying
def card_view(collection, row: int, now: int) -> dict:
    """Everything the page shows for a card: content, concepts, state and the four previews."""
    record = collection.card_record(row)
    note = collection.note_of(row)
    scheduler = collection.scheduler()
    card = collection.fsrs_card(row)
    previews = {}
    if record["last_review"] is None or now >= record["last_review"]:
        moment = to_datetime(now)
        for rating in (1, 2, 3, 4):
            after, _ = scheduler.review_card(card, rating, moment)
            previews[RATING_NAMES[rating]] = (after.due - moment) / timedelta(seconds=1)
    retrievability = None
    if record["last_review"] is not None:
        retrievability = float(
            scheduler.get_card_retrievability(card, to_datetime(max(now, record["last_review"])))
        )
    return {
        "id": record["id"],
        "note": record["note"],
        "kind": note["kind"],
        "ord": record["ord"],
        **render(note, record["ord"]),
        "html_fields": note["html"],
        "tags": note["tags"],
        "concepts": concept_graph.card_concepts(graph_of(collection), record["id"]),
        "state": STATE_NAMES[record["state"]],
        "new": record["last_review"] is None,
        "step": record["step"],
        "stability": record["stability"],
        "difficulty": record["difficulty"],
        "due": iso(record["due"]),
        "last_review": iso(record["last_review"]),
        "suspended": record["suspended"],
        "retrievability": retrievability,
        "intervals_seconds": previews,
    }


def next_card(collection, now=None) -> dict | None:
    """The card to show now (with the queue it came from and the day's counts), or None."""
    t = now_us(now)
    chosen = plan(collection, t)
    if chosen.row is None:
        return None
    return {**card_view(collection, chosen.row, t), "queue": chosen.queue, "counts": chosen.counts}


def counts(collection, now=None) -> dict:
    return plan(collection, now_us(now)).counts


def _duration(value):
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 <= value <= 86_400_000
    ):
        raise LearnError(f"duration_ms must be a number of milliseconds in [0, 86400000], got {value!r}")
    return int(round(value))


def answer_op(collection, row: int, rating: int, t: int, duration) -> dict:
    """The op recording one answer: the scheduler's new state, the log entry, the day record."""
    record = collection.card_record(row)
    card = collection.fsrs_card(row)
    scheduler = collection.scheduler()
    moment = to_datetime(t)
    after, _ = scheduler.review_card(card, rating, moment, duration)
    was_new = record["last_review"] is None
    entry = {
        "card": record["id"],
        "rating": int(rating),
        "time": t,
        "duration": duration,
        "state": 0 if was_new else record["state"],
        "elapsed": None if was_new else (t - record["last_review"]) // 86_400_000_000,
        "retrievability": None if was_new else float(scheduler.get_card_retrievability(card, moment)),
    }
    day = today_record(collection, t)
    buried = set(day["buried"])
    buried.discard(record["id"])
    if collection.settings["bury_siblings"]:
        states, lasts = collection.cards.col("state"), collection.cards.col("last_review")
        for sibling in collection.siblings(int(record["id"], 16)):
            r = collection.row_of_int(sibling)
            if lasts[r] == NO_TIME or states[r] == 2:
                buried.add(id_text(sibling))
    new_day = {
        "day": day["day"],
        "new": day["new"] + int(was_new),
        "reviews": day["reviews"] + int(record["state"] == 2 and not was_new),
        "buried": sorted(buried),
    }
    state = {
        "state": int(after.state),
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": t + (after.due - moment) // timedelta(microseconds=1),
        "last_review": t,
    }
    return {"op": "answer", "card": record["id"], "state": state, "log": entry, "day": new_day}


def answer(collection, card_id, rating, now=None, duration_ms=None) -> dict:
    """Rate a card (1 again, 2 hard, 3 good, 4 easy); returns its new state."""
    row = collection.row(card_id)
    try:
        rating = int(as_rating(rating))
    except ValueError as exc:
        raise LearnError(str(exc)) from None
    t = now_us(now)
    last = collection.cards.col("last_review")[row]
    if last != NO_TIME and t < last:
        raise LearnError(f"now ({iso(t)}) is before the card's last review ({iso(int(last))})")
    op = answer_op(collection, row, rating, t, _duration(duration_ms))
    commit(collection, "answer", op, None, {"card": op["card"]})
    return state_view(collection, collection.row(card_id), t)


def state_view(collection, row: int, t: int) -> dict:
    record = collection.card_record(row)
    return {
        "card_id": record["id"],
        "state": STATE_NAMES[record["state"]],
        "state_code": record["state"],
        "step": record["step"],
        "stability": record["stability"],
        "difficulty": record["difficulty"],
        "due": iso(record["due"]),
        "last_review": iso(record["last_review"]),
        "interval_days": (record["due"] - t) / 86_400_000_000,
    }


# ------------------------------------------------------------------ settings and cards
def settings(collection, values=None) -> dict:
    """Read the settings, or change some (validated, undoable) and return them all."""
    if values:
        clean = validate_settings(values)
        commit(collection, "settings", {"op": "settings", "values": clean}, None, {"keys": sorted(clean)})
    return dict(collection.settings)


def suspend(collection, card_ids, suspended: bool = True) -> dict:
    if not isinstance(card_ids, list) or not card_ids:
        raise LearnError("card_ids must be a non-empty list")
    if not isinstance(suspended, bool):
        raise LearnError(f"suspended must be true or false, got {suspended!r}")
    for i, c in enumerate(card_ids):
        collection.row(c, f"card_ids[{i}]")
    op = {"op": "set_cards", "cards": [{"id": c, "suspended": suspended} for c in dict.fromkeys(card_ids)]}
    commit(collection, "suspend" if suspended else "unsuspend", op, None, {"cards": len(op["cards"])})
    return {"cards": len(op["cards"]), "suspended": suspended}


def card(collection, card_id, now=None) -> dict:
    """One card's view plus its review log."""
    row = collection.row(card_id)
    t = now_us(now)
    view = card_view(collection, row, t)
    logs = collection.log.col("card") == int(card_id, 16)
    view["reviews"] = [
        dict(collection.log_entry(int(i)), time=iso(int(collection.log.col("time")[i])))
        for i in np.flatnonzero(logs)
    ]
    return view

"""RPC methods `learn.*`: the page's door to the learning app (JSON in, JSON out).

One session collection, whose concepts live in the session graph of `graph.*`
(`prometheus.graph.session.current_graph`). The store replaces it with `set_collection`.
Binary inputs (an .apkg) arrive as base64 text; every method takes an optional `now`
(ISO datetime or epoch milliseconds) so tests and replays are deterministic.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from ..graph.session import current_graph
from ..rpc import method
from ..rpc.types import Json, JsonObject, When
from ..srs.rpc import RatingValue
from . import study
from .collection import Collection
from .errors import LearnError
from .shapes import Added, Course


class Side(TypedDict):
    front: str
    back: str


class CardSpec(TypedDict, total=False):
    """One note to add; its kind decides which fields it needs and how many cards it makes
    (learn/notes.py): basic and basic_reverse need front and back, cloze text, circuit front and
    qasm, typed front and answer, imported sides. Omitted kind: cloze if text is given, else basic."""

    kind: Literal["basic", "basic_reverse", "cloze", "circuit", "typed", "imported"]
    front: str
    back: str
    text: str
    qasm: str
    answer: str
    starter: str
    mode: Literal["state", "distribution"]
    sides: list[Side]
    concepts: list[str]  # concept keys, linked in the graph
    tags: list[str]
    html: bool  # the fields hold HTML (the page must sanitize it)


class CardCount(TypedDict):
    cards: int


class ExportFile(TypedDict):
    format: Literal["json", "csv", "apkg"]
    filename: str
    data: str | bytes  # bytes for "apkg"


class MediaFile(TypedDict):
    name: str
    data: str  # base64


_session: dict = {"collection": None}


def has_collection() -> bool:
    return _session["collection"] is not None


def current_collection() -> Collection:
    if _session["collection"] is None:
        _session["collection"] = Collection(graph_source=current_graph)
    return _session["collection"]


def set_collection(collection: Collection | None) -> None:
    """Replace the session collection (the store, after loading a snapshot; None: a new one)."""
    _session["collection"] = collection


@method("learn.add_cards", writes=("learn", "graph"))
def add_cards(cards: list[CardSpec], now: When | None = None) -> Added:
    """Add notes (each makes one or more cards) in one undoable step; every bad spec of the batch
    is reported at once, and then nothing is added.

    Example: {"cards": [{"front": "H|0>", "back": "|+>", "concepts": ["hadamard"]},
                        {"text": "A qubit has {{c1::two}} basis states"}]}
    """
    return study.add_cards(current_collection(), cards, now)


@method("learn.next", writes=("learn", "graph"))  # a new day may roll counts over
def next_card(now: When | None = None) -> JsonObject | None:
    """The next card to show (content, queue, counts, interval previews), or null when nothing
    is due."""
    return study.next_card(current_collection(), now)


@method("learn.answer", writes=("learn", "graph"))
def answer(
    card_id: str, rating: RatingValue, now: When | None = None, duration_ms: float | None = None
) -> JsonObject:
    """Record the learner's rating of a card (undoable); returns its new FSRS state."""
    return study.answer(current_collection(), card_id, rating, now, duration_ms)


@method("learn.undo", writes=("learn", "graph"))
def undo() -> JsonObject:
    """Take back the latest action (an answer, an import, a settings change ...): {undone, ...}.
    Rejects with NothingToUndo when there is none."""
    return study.undo(current_collection())


@method("learn.card")
def card(card_id: str, now: When | None = None) -> JsonObject:
    """Everything the page shows for one card: content, concepts, FSRS state, interval previews."""
    return study.card(current_collection(), card_id, now)


@method("learn.settings", writes=("learn", "graph"))
def settings(values: dict[str, Json] | None = None) -> JsonObject:
    """The collection's settings (daily limits, desired retention, day start ...), after changing
    the ones in `values` (undoable)."""
    return study.settings(current_collection(), values)


@method("learn.suspend", writes=("learn", "graph"))
def suspend(card_ids: list[str], suspended: bool = True) -> JsonObject:
    """Take cards out of the review queue (or put them back with `suspended` false); undoable."""
    return study.suspend(current_collection(), card_ids, suspended)


@method("learn.grade")
async def grade(card_id: str, answer: str) -> JsonObject:
    """Grade a circuit exercise (QASM, by simulation) or a typed answer (by meaning, which loads
    the model); suggests a rating and says why, changes nothing."""
    from . import grading  # deferred: the simulator loads when an exercise is graded, not at restore

    col = current_collection()
    note = col.note_of(col.row(card_id))
    if note["kind"] == "circuit":
        fields = note["fields"]
        return grading.grade_circuit(answer, fields["qasm"], fields["mode"])
    if note["kind"] == "typed":
        if not answer.strip():
            raise LearnError(f"answer must be a non-empty string, got {answer!r:.60}")
        from ..infer import rpc as infer_rpc  # deferred: the model loads only for typed answers

        vectors = await infer_rpc.embed([answer, note["fields"]["answer"]])
        return grading.grade_typed(answer, note["fields"]["answer"], lambda texts: vectors)
    raise LearnError(f"card {card_id} is a {note['kind']} card; only circuit and typed cards are graded")


@method("learn.reset", writes=("learn", "graph"))
def reset() -> CardCount:
    """Start an empty session collection (the graph is left as it is)."""
    set_collection(None)
    return {"cards": 0}


@method("learn.courses")
def courses() -> list[Course]:
    """The courses bundled with the engine, to load with learn.load_course."""
    from .course import list_courses

    return list_courses()


@method("learn.load_course", writes=("learn", "graph"))
def load_course(name: str, now: When | None = None) -> JsonObject:
    """Load a bundled course ("quantum-foundations") into the collection and the graph; loading
    a newer version keeps the learner's reviews."""
    from .course import load_course as load

    return load(current_collection(), name, now)


@method("learn.stats")
def stats(now: When | None = None) -> JsonObject:
    """Counts for the day: {cards, notes, reviews, due_today, new_today, learning, rolled_over, ...}."""
    from . import stats as learn_stats

    return learn_stats.summary(current_collection(), now)


@method("learn.forecast")
def forecast(now: When | None = None, days: int = 30) -> JsonObject:
    """Cards due per day for the next `days` days: {days, due, svg}."""
    from . import stats as learn_stats

    return learn_stats.forecast(current_collection(), now, days)


@method("learn.heatmap")
def heatmap(now: When | None = None, days: int = 365) -> JsonObject:
    """Reviews per day over the last `days` days: {first_day, counts, svg}."""
    from . import stats as learn_stats

    return learn_stats.heatmap(current_collection(), now, days)


@method("learn.retention")
def retention() -> JsonObject:
    """True vs predicted retention by interval bucket: {buckets, svg}."""
    from . import stats as learn_stats

    return learn_stats.retention(current_collection())


@method("learn.forgetting_curve")
def forgetting_curve(card_id: str, now: When | None = None, days: int | None = None) -> JsonObject:
    """One card's predicted recall probability over time, with its reviews marked: {points, svg, ...}."""
    from . import stats as learn_stats

    return learn_stats.forgetting_curve(current_collection(), card_id, now, days)


@method("learn.concept_map")
def concept_map(now: When | None = None) -> JsonObject:
    """Concepts with mastery and prerequisites: {concepts, edges, svg}."""
    from . import stats as learn_stats

    return learn_stats.concept_map(current_collection(), now)


def _sqlite3_for_apkg(params: dict[str, Any]) -> tuple[str, ...]:
    """An Anki package is a SQLite database; CSV and JSON need no package."""
    return ("sqlite3",) if params.get("format", "json") == "apkg" else ()


@method("learn.import", packages=("sqlite3",), writes=("learn", "graph"), needs=_sqlite3_for_apkg)
def import_(
    data: Json,
    format: Literal["csv", "apkg", "json"],
    mapping: dict[str, Json] | None = None,
    header: bool | None = None,
    delimiter: str = ",",
    html: bool = False,
    now: When | None = None,
) -> JsonObject:
    """Import cards in one undoable step: format "csv" (text; mapping/header/delimiter/html),
    "apkg" (an Anki package as base64 text) or "json" (a learn.export file). A malformed file
    rejects with ImportFormatError naming where, and nothing is imported."""
    from . import apkg, transfer

    col = current_collection()
    if format == "csv":
        return transfer.import_csv(col, data, mapping, header, delimiter, html, now)
    if format == "apkg":
        return apkg.import_apkg(col, data, now)
    if format == "json":
        return transfer.import_json(col, data)
    raise LearnError(f"format must be 'csv', 'apkg' or 'json', got {format!r}")


@method("learn.export", packages=("sqlite3",), needs=_sqlite3_for_apkg)
def export(format: Literal["json", "csv", "apkg"] = "json", now: When | None = None) -> ExportFile:
    """The collection as {format, filename, data}: "json" (everything, re-importable), "csv",
    or "apkg" (an Anki package, data as bytes; see apkg_export). `now`: the package's time."""
    import json

    from . import transfer

    col = current_collection()
    if format == "apkg":
        from .apkg_export import export_apkg

        return {"format": "apkg", "filename": "prometheus-collection.apkg", "data": export_apkg(col, now)}
    if format == "csv":
        return {"format": "csv", "filename": "prometheus-cards.csv", "data": transfer.export_csv(col)}
    if format == "json":
        return {
            "format": "json",
            "filename": "prometheus-collection.json",
            "data": json.dumps(transfer.export_json(col), ensure_ascii=False),
        }
    raise LearnError(f"format must be 'json', 'csv' or 'apkg', got {format!r}")


@method("learn.media")
def media(name: str) -> MediaFile:
    """One media file of the collection (from an imported package) as base64."""
    import base64

    col = current_collection()
    if name not in col.media:
        raise LearnError(f"no media file named {name!r}")
    return {"name": name, "data": base64.b64encode(col.media[name]).decode("ascii")}


@method("learn.optimize")
def optimize(progress=None) -> JsonObject:
    """Fit FSRS parameters to the learner's review log (with progress); {parameters,
    log_loss_before, log_loss_after, ...}. Apply them with learn.apply_parameters."""
    from . import model

    return model.optimize(current_collection(), progress)


@method("learn.apply_parameters", writes=("learn", "graph"))
def apply_parameters(parameters: list[float]) -> JsonObject:
    """Schedule with these FSRS parameters from now on (from learn.optimize); undoable."""
    from . import model

    return model.apply_parameters(current_collection(), parameters)


@method("learn.optimal_retention")
def optimal_retention() -> JsonObject:
    """The desired retention that costs the least review time per remembered card, simulated with
    the learner's parameters: {optimal_retention, candidates, costs, desired_retention}."""
    from . import model

    return model.optimal_retention(current_collection())

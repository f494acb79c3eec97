"""RPC methods `learn.*`: the page's door to the learning app (JSON in, JSON out).

One session collection, whose concepts live in the session graph of `graph.*`
(`prometheus.graph.rpc.current_graph`). The store replaces it with `set_collection`.
Binary inputs (an .apkg) arrive as base64 text; every method takes an optional `now`
(ISO datetime or epoch milliseconds) so tests and replays are deterministic.
"""

from __future__ import annotations

from ..graph.rpc import current_graph
from ..rpc import method
from . import study
from .collection import Collection
from .errors import LearnError

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
def add_cards(cards: list, now=None) -> dict:
    """Add cards [{front, back, concepts?, kind?, ...}] -> {ids, notes}."""
    return study.add_cards(current_collection(), cards, now)


@method("learn.next", writes=("learn", "graph"))  # a new day may roll counts over
def next_card(now=None):
    """The next card to show (content, queue, counts, interval previews) or null."""
    return study.next_card(current_collection(), now)


@method("learn.answer", writes=("learn", "graph"))
def answer(card_id: str, rating, now=None, duration_ms=None) -> dict:
    """Rate a card 1-4; returns its new FSRS state."""
    return study.answer(current_collection(), card_id, rating, now, duration_ms)


@method("learn.undo", writes=("learn", "graph"))
def undo() -> dict:
    """Take back the latest action; {undone: label, ...}."""
    return study.undo(current_collection())


@method("learn.card")
def card(card_id: str, now=None) -> dict:
    return study.card(current_collection(), card_id, now)


@method("learn.settings", writes=("learn", "graph"))
def settings(values: dict | None = None) -> dict:
    """Read the settings, or change some of them (undoable)."""
    return study.settings(current_collection(), values)


@method("learn.suspend", writes=("learn", "graph"))
def suspend(card_ids: list, suspended: bool = True) -> dict:
    return study.suspend(current_collection(), card_ids, suspended)


@method("learn.grade")
async def grade(card_id: str, answer: str) -> dict:
    """Grade a circuit exercise (QASM) or a typed answer; suggests a rating, changes nothing."""
    from . import grading  # deferred: the simulator loads when an exercise is graded, not at restore

    col = current_collection()
    note = col.note_of(col.row(card_id))
    if note["kind"] == "circuit":
        fields = note["fields"]
        return grading.grade_circuit(answer, fields["qasm"], fields["mode"])
    if note["kind"] == "typed":
        if not isinstance(answer, str) or not answer.strip():
            raise LearnError(f"answer must be a non-empty string, got {answer!r:.60}")
        from ..infer import rpc as infer_rpc  # deferred: the model loads only for typed answers

        vectors = await infer_rpc.embed([answer, note["fields"]["answer"]])
        return grading.grade_typed(answer, note["fields"]["answer"], lambda texts: vectors)
    raise LearnError(f"card {card_id} is a {note['kind']} card; only circuit and typed cards are graded")


@method("learn.reset", writes=("learn", "graph"))
def reset() -> dict:
    """Start an empty session collection (the graph is left as it is)."""
    set_collection(None)
    return {"cards": 0}


@method("learn.courses")
def courses() -> list:
    """The bundled courses: [{name, title, version, description, concepts, notes, cards}]."""
    from .course import list_courses

    return list_courses()


@method("learn.load_course", writes=("learn", "graph"))
def load_course(name: str, now=None) -> dict:
    """Load a bundled course ("quantum-foundations") into the collection and the graph."""
    from .course import load_course as load

    return load(current_collection(), name, now)


@method("learn.stats")
def stats(now=None) -> dict:
    """{cards, notes, reviews, due_today, new_today, learning, rolled_over, ...}."""
    from . import stats as learn_stats

    return learn_stats.summary(current_collection(), now)


@method("learn.forecast")
def forecast(now=None, days: int = 30) -> dict:
    """Cards due per day for the next `days` days: {days, due, svg}."""
    from . import stats as learn_stats

    return learn_stats.forecast(current_collection(), now, days)


@method("learn.heatmap")
def heatmap(now=None, days: int = 365) -> dict:
    """Reviews per day over the last `days` days: {first_day, counts, svg}."""
    from . import stats as learn_stats

    return learn_stats.heatmap(current_collection(), now, days)


@method("learn.retention")
def retention() -> dict:
    """True vs predicted retention by interval bucket: {buckets, svg}."""
    from . import stats as learn_stats

    return learn_stats.retention(current_collection())


@method("learn.forgetting_curve")
def forgetting_curve(card_id: str, now=None, days: int | None = None) -> dict:
    from . import stats as learn_stats

    return learn_stats.forgetting_curve(current_collection(), card_id, now, days)


@method("learn.concept_map")
def concept_map(now=None) -> dict:
    """Concepts with mastery and prerequisites: {concepts, edges, svg}."""
    from . import stats as learn_stats

    return learn_stats.concept_map(current_collection(), now)


@method("learn.import", packages=("sqlite3",), writes=("learn", "graph"))
def import_(
    data,
    format: str,
    mapping: dict | None = None,
    header: bool | None = None,
    delimiter: str = ",",
    html: bool = False,
    now=None,
) -> dict:
    """Import cards: format "csv" (text; mapping/header/delimiter/html), "apkg" (base64) or "json"."""
    from . import apkg, transfer

    col = current_collection()
    if format == "csv":
        return transfer.import_csv(col, data, mapping, header, delimiter, html, now)
    if format == "apkg":
        return apkg.import_apkg(col, data, now)
    if format == "json":
        return transfer.import_json(col, data)
    raise LearnError(f"format must be 'csv', 'apkg' or 'json', got {format!r}")


@method("learn.export", packages=("sqlite3",))
def export(format: str = "json", now=None) -> dict:
    """The collection as {format, filename, data}: "json" (everything, re-importable), "csv",
    or "apkg" (an Anki package, data as bytes; see apkg_export)."""
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
def media(name: str) -> dict:
    """One media file of the collection (from an imported package) as base64."""
    import base64

    col = current_collection()
    if not isinstance(name, str) or name not in col.media:
        raise LearnError(f"no media file named {name!r}")
    return {"name": name, "data": base64.b64encode(col.media[name]).decode("ascii")}


@method("learn.optimize")
def optimize(progress=None) -> dict:
    """Fit FSRS parameters to the learner's review log (with progress); {parameters,
    log_loss_before, log_loss_after, ...}. Apply them with learn.apply_parameters."""
    from . import model

    return model.optimize(current_collection(), progress)


@method("learn.apply_parameters", writes=("learn", "graph"))
def apply_parameters(parameters: list) -> dict:
    from . import model

    return model.apply_parameters(current_collection(), parameters)


@method("learn.optimal_retention")
def optimal_retention() -> dict:
    """{optimal_retention, candidates, costs, desired_retention}."""
    from . import model

    return model.optimal_retention(current_collection())

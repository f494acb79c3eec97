"""CSV and JSON import/export of a collection (Anki packages are in `apkg`).

CSV import: one note per row. The column mapping is either given ({"front": 0, "back": 1,
"concepts": 2, "tags": 3, "kind": ..., "text": ..., "answer": ...}: column numbers from 0,
or header names), or read from a header row whose cells name those fields, or else
front = column 0, back = column 1, concepts = column 2, tags = column 3. Concepts are
separated by ';', tags by spaces. `html=True` marks the text fields as HTML.

CSV export: one row per card: id, note, kind, ord, front, back, concepts, tags, state,
due, stability, difficulty, last_review, suspended (times ISO-8601 UTC).

JSON export ("prometheus-learn-export" version 1): settings, notes, cards, the review log,
media (base64), and each card's concepts with the concepts' prerequisites; `import_json`
adds such an export to a collection (ids are kept, so a clash is refused); into an empty
collection it also restores the settings (desired retention, FSRS parameters, limits).
"""

from __future__ import annotations

import base64
import csv
import io
import json

from ..errors import ValidationError
from . import concepts as concept_graph
from .clock import iso, now_us
from .collection import CARD_KEYS, ENTRY_KEYS
from .errors import ImportFormatError, LearnError
from .notes import render
from .study import build_notes, commit, graph_of

MAX_IMPORT_CHARS = 50_000_000
CSV_FIELDS = ("front", "back", "concepts", "tags", "kind", "text", "answer")


def _rows(text, delimiter: str) -> list[list[str]]:
    if not isinstance(text, str):
        raise ImportFormatError(f"CSV data must be text, got {type(text).__name__}")
    if len(text) > MAX_IMPORT_CHARS:
        raise ImportFormatError(f"CSV data is larger than {MAX_IMPORT_CHARS} characters")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ImportFormatError(f"delimiter must be one character, got {delimiter!r}")
    try:
        return [
            row
            for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
            if any(c.strip() for c in row)
        ]
    except csv.Error as exc:
        raise ImportFormatError(f"CSV is malformed: {exc}") from None


def _mapping(rows, mapping, header):
    first = [c.strip().lower() for c in rows[0]] if rows else []
    if header is None:
        header = "front" in first and ("back" in first or "text" in first)
    if mapping is None:
        if header:
            mapping = {name: first.index(name) for name in CSV_FIELDS if name in first}
        else:
            width = max(len(r) for r in rows) if rows else 0
            mapping = {name: i for i, name in enumerate(("front", "back", "concepts", "tags")) if i < width}
    if not isinstance(mapping, dict):
        raise ImportFormatError(f"mapping must be an object field -> column, got {type(mapping).__name__}")
    resolved = {}
    for field, column in mapping.items():
        if field not in CSV_FIELDS:
            raise ImportFormatError(f"mapping: unknown field {field!r}; fields are {', '.join(CSV_FIELDS)}")
        if isinstance(column, str):
            if column.strip().lower() not in first:
                raise ImportFormatError(f"mapping: no header column named {column!r}")
            column = first.index(column.strip().lower())
            header = True
        if isinstance(column, bool) or not isinstance(column, int) or column < 0:
            raise ImportFormatError(f"mapping: column of {field!r} must be a number >= 0 or a header name")
        resolved[field] = column
    return resolved, bool(header)


def csv_specs(text, mapping=None, header=None, delimiter=",", html=False) -> tuple[list[dict], dict]:
    """Card specs from CSV text, and the column mapping used."""
    rows = _rows(text, delimiter)
    columns, has_header = _mapping(rows, mapping, header)
    body = rows[1:] if has_header else rows
    if not body:
        raise ImportFormatError("CSV has no data rows")
    specs = []
    for row in body:
        cell = {f: row[c].strip() if c < len(row) else "" for f, c in columns.items()}
        spec = {k: cell[k] for k in ("front", "back", "text", "answer") if cell.get(k)}
        if cell.get("kind"):
            spec["kind"] = cell["kind"]
        if cell.get("concepts"):
            spec["concepts"] = [c.strip() for c in cell["concepts"].split(";") if c.strip()]
        if cell.get("tags"):
            spec["tags"] = cell["tags"].split()
        if html:
            spec["html"] = True
        specs.append(spec)
    return specs, columns


def import_csv(collection, data, mapping=None, header=None, delimiter=",", html=False, now=None) -> dict:
    specs, columns = csv_specs(data, mapping, header, delimiter, html)
    t = now_us(now)
    try:
        notes, records, links = build_notes(collection, specs, t, where="rows")
    except LearnError as exc:  # names rows[i] (0 = first data row); re-typed for the page
        raise ImportFormatError(f"CSV import refused: {exc}") from None
    op = {"op": "add", "notes": notes, "cards": records, "reviews": [], "media": {}}
    linked = [link for link in links if link[2]]
    change = (lambda graph, undo: concept_graph.link_cards(graph, linked, undo)) if linked else None
    commit(collection, "import", op, change, {"format": "csv", "cards": len(records)})
    return {
        "format": "csv",
        "notes": len(notes),
        "cards": len(records),
        "reviews": 0,
        "mapping": columns,
        "ids": [r["id"] for r in records],
    }


# ------------------------------------------------------------------ export
def export_csv(collection) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "note",
            "kind",
            "ord",
            "front",
            "back",
            "concepts",
            "tags",
            "state",
            "due",
            "stability",
            "difficulty",
            "last_review",
            "suspended",
        ]
    )
    graph = graph_of(collection)
    for row in sorted(range(len(collection)), key=lambda r: int(collection.cards.col("position")[r])):
        card = collection.card_record(row)
        note = collection.note_of(row)
        side = render(note, card["ord"])
        writer.writerow(
            [
                card["id"],
                card["note"],
                note["kind"],
                card["ord"],
                side["front"],
                side["back"],
                ";".join(concept_graph.card_concepts(graph, card["id"])),
                " ".join(note["tags"]),
                card["state"],
                iso(card["due"]),
                card["stability"],
                card["difficulty"],
                iso(card["last_review"]),
                int(card["suspended"]),
            ]
        )
    return out.getvalue()


def export_json(collection) -> dict:
    graph = graph_of(collection)
    cards = [collection.card_record(r) for r in range(len(collection))]
    cards.sort(key=lambda c: c["id"])
    links = {c["id"]: concept_graph.card_concepts(graph, c["id"]) for c in cards}
    nodes = {k: concept_graph.concept_node(graph, k) for keys in links.values() for k in keys}
    concept_list = []
    for key, node in sorted(nodes.items(), key=lambda kv: kv[1]):  # creation order: the map's layout
        concept_list.append(
            {
                "key": key,
                "name": graph.node_property(node, "name") or key,
                "description": graph.node_property(node, "description") or "",
                "requires": [graph.node_property(o, "key") for o in graph.out_ids(node, "REQUIRES")],
            }
        )
    return {
        "format": "prometheus-learn-export",
        "version": 1,
        "settings": collection.settings,
        "notes": [collection.notes[k] for k in sorted(collection.notes)],
        "cards": cards,
        "reviews": [collection.log_entry(i) for i in range(collection.log.n)],
        "media": {
            name: base64.b64encode(data).decode("ascii") for name, data in sorted(collection.media.items())
        },
        "links": {k: v for k, v in links.items() if v},
        "concepts": concept_list,
    }


def import_json(collection, data) -> dict:
    """Add a JSON export (text or parsed) to the collection, keeping its ids."""
    if isinstance(data, str):
        if len(data) > MAX_IMPORT_CHARS * 4:
            raise ImportFormatError("JSON export is too large")
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ImportFormatError(f"not JSON: {exc}") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != "prometheus-learn-export"
        or data.get("version") != 1
    ):
        raise ImportFormatError("not a prometheus-learn-export version 1 document")
    for key in ("notes", "cards", "reviews", "media", "links", "concepts"):
        if key not in data:
            raise ImportFormatError(f"JSON export lacks {key!r}")
    if not all(isinstance(c, dict) and set(c) == set(CARD_KEYS) for c in data["cards"]) or not all(
        isinstance(e, dict) and set(e) == set(ENTRY_KEYS) for e in data["reviews"]
    ):
        raise ImportFormatError("JSON export: cards or reviews have unexpected fields")
    start = collection.log.n
    op = {
        "op": "add",
        "notes": data["notes"],
        "cards": data["cards"],
        "reviews": [[start + i, e] for i, e in enumerate(data["reviews"])],
        "media": data["media"],
    }
    restore_settings = isinstance(data.get("settings"), dict) and not len(collection) and not collection.log.n
    if restore_settings:  # into an empty collection: a restore, so the learner's settings come back too
        op = {"op": "batch", "ops": [{"op": "settings", "values": data["settings"]}, op]}
    links = [(c["id"], c["note"], data["links"].get(c["id"], [])) for c in data["cards"]]
    linked = [link for link in links if link[2]]

    def change(graph, undo):
        concept_graph.add_concepts(graph, data["concepts"], None, undo)
        concept_graph.link_cards(graph, linked, undo)

    try:
        commit(
            collection,
            "import",
            op,
            change if linked or data["concepts"] else None,
            {"format": "json", "cards": len(data["cards"])},
        )
    except ImportFormatError:
        raise
    except ValidationError as exc:  # OpError, UnknownCard, GraphStoreError: the export does not fit
        raise ImportFormatError(f"JSON import refused: {exc}") from None
    return {
        "format": "json",
        "notes": len(data["notes"]),
        "cards": len(data["cards"]),
        "reviews": len(data["reviews"]),
        "media": sorted(data["media"]),
        "settings": restore_settings,
    }

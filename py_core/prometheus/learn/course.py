"""Bundled courses: concepts with prerequisites and their cards, shipped as JSON in `courses/`.

A course file is {"name", "title", "version", "description", "concepts": [{key, name,
description, requires: [key]}], "cards": [card spec + optional "check"]}. `check` is the
expected outcome of a circuit exercise's target (tests simulate every target against it);
it is not stored. Loading adds the concepts and REQUIRES edges to the graph (existing
concepts are kept), the notes and cards to the collection (new-card order follows the
prerequisites), and records the course in the settings: one undoable action.
"""

from __future__ import annotations

import json
from importlib import resources

from . import concepts as concept_graph
from .clock import now_us
from .errors import LearnError
from .study import build_notes, commit

COURSES = {"quantum-foundations": "quantum-foundations.json"}


def course_data(name) -> dict:
    if not isinstance(name, str) or name not in COURSES:
        raise LearnError(f"no bundled course {name!r}; available: {', '.join(sorted(COURSES))}")
    text = resources.files(__package__).joinpath("courses", COURSES[name]).read_text("utf-8")
    return json.loads(text)


def course_card_count(data: dict) -> int:
    """How many cards loading the course adds (a note gives one card, a cloze note one per
    deletion, a reversed note two)."""
    from .notes import card_ords, note_from_spec

    errors: list[str] = []
    total = 0
    for i, spec in enumerate(data["cards"]):
        parsed = note_from_spec({k: v for k, v in spec.items() if k != "check"}, f"cards[{i}]", errors)
        if parsed is not None:
            total += len(card_ords(parsed[0]))
    if errors:
        raise LearnError(f"bundled course is malformed: {errors[0]}")
    return total


def list_courses() -> list[dict]:
    """The bundled courses: [{name, title, version, description, concepts, notes, cards}]."""
    out = []
    for name in sorted(COURSES):
        data = course_data(name)
        out.append(
            {
                "name": name,
                "title": data["title"],
                "version": data["version"],
                "description": data["description"],
                "concepts": len(data["concepts"]),
                "notes": len(data["cards"]),
                "cards": course_card_count(data),
            }
        )
    return out


def study_rank(concepts: list[dict]) -> dict[str, int]:
    """Position of each concept in a prerequisites-first order (file order breaks ties)."""
    requires = {c["key"]: list(c.get("requires", ())) for c in concepts}
    rank: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(key):
        if key in rank:
            return
        if key in visiting:
            raise LearnError(f"course prerequisites form a cycle through {key!r}")
        visiting.add(key)
        for required in requires.get(key, ()):
            if required not in requires:
                raise LearnError(f"concept {key!r} requires unknown concept {required!r}")
            visit(required)
        visiting.discard(key)
        rank[key] = len(rank)

    for key in requires:
        visit(key)
    return rank


def load_course(collection, name, now=None) -> dict:
    """Load a bundled course into the collection and its graph (refused if already loaded)."""
    data = course_data(name)
    if name in collection.settings["courses"]:
        raise LearnError(
            f"course {name!r} is already loaded (version {collection.settings['courses'][name]})"
        )
    t = now_us(now)
    rank = study_rank(data["concepts"])
    specs = [{k: v for k, v in card.items() if k != "check"} for card in data["cards"]]
    specs.sort(key=lambda spec: min((rank[k] for k in spec.get("concepts", ())), default=len(rank)))
    notes, records, links = build_notes(collection, specs, t, where=f"course {name!r} cards")
    op = {
        "op": "batch",
        "ops": [
            {"op": "add", "notes": notes, "cards": records, "reviews": [], "media": {}},
            {
                "op": "settings",
                "values": {"courses": {**collection.settings["courses"], name: data["version"]}},
            },
        ],
    }

    def change(graph, undo):
        concept_graph.add_concepts(graph, data["concepts"], name, undo)
        concept_graph.link_cards(graph, [link for link in links if link[2]], undo)

    commit(collection, "load_course", op, change, {"course": name, "cards": len(records)})
    return {
        "course": name,
        "title": data["title"],
        "concepts": len(data["concepts"]),
        "notes": len(notes),
        "cards": len(records),
        "ids": [r["id"] for r in records],
    }

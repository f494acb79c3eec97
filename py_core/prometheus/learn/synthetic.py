"""A synthetic collection of any size for benchmarks: concepts in prerequisite chains, cards
in every FSRS state with past reviews, built in one `add` op (so it exercises the real path).
"""

from __future__ import annotations

import random

from . import concepts as concept_graph
from .clock import now_us
from .collection import Collection
from .ids import id_text
from .study import commit

DAY_US = 86_400_000_000


def synthetic_collection(
    cards: int = 50_000, concepts: int = 500, *, reviewed: float = 0.6, now=None, seed: int = 1, graph=None
) -> Collection:
    """`cards` basic cards over `concepts` concepts (each requires the previous one of its
    chain of 10); `reviewed` of them have a memory state, due from 30 days ago to 60 ahead."""
    from ..graph.store import Graph

    rng = random.Random(seed)
    t = now_us(now)
    graph = graph if graph is not None else Graph()
    col = Collection(graph_source=lambda: graph)
    keys = [f"concept-{i:04d}" for i in range(concepts)]
    notes, records, links = [], [], []
    for i in range(cards):
        note_id, card_id = id_text(rng.getrandbits(62) + 1), id_text(rng.getrandbits(62) + 1)
        notes.append(
            {
                "id": note_id,
                "kind": "basic",
                "fields": {"front": f"question {i}", "back": f"answer {i}"},
                "html": [],
                "tags": [],
                "created": t - 90 * DAY_US,
            }
        )
        record = {
            "id": card_id,
            "note": note_id,
            "ord": 0,
            "position": i,
            "suspended": False,
            "state": 1,
            "step": 0,
            "stability": None,
            "difficulty": None,
            "due": t - 90 * DAY_US,
            "last_review": None,
        }
        if rng.random() < reviewed:
            stability = rng.uniform(0.5, 120.0)
            last = t - rng.randrange(0, 40) * DAY_US - rng.randrange(DAY_US)
            record.update(
                state=2,
                step=None,
                stability=stability,
                difficulty=rng.uniform(1, 10),
                last_review=last,
                due=last + int(stability * DAY_US),
            )
        records.append(record)
        links.append((card_id, note_id, [keys[i % concepts]]))
    concept_specs = [
        {"key": k, "name": f"Concept {i}", "requires": [keys[i - 1]] if i % 10 else []}
        for i, k in enumerate(keys)
    ]
    op = {"op": "add", "notes": notes, "cards": records, "reviews": [], "media": {}}

    def change(g, undo):
        concept_graph.add_concepts(g, concept_specs, "synthetic", undo)
        concept_graph.link_cards(g, links, undo)

    commit(col, "synthetic", op, change)
    col.undo_stack.clear()
    return col

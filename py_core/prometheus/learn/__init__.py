"""prometheus.learn: the learning app's core — a collection of notes and cards scheduled by
FSRS, linked to the concepts of the knowledge graph, studied through one queue.

    from prometheus.learn import Collection, study
    col = Collection(graph_source=lambda: graph)
    study.add_cards(col, [{"front": "H|0>?", "back": "|+>", "concepts": ["hadamard"]}])
    card = study.next_card(col); study.answer(col, card["id"], 3)

Modules: collection (state, ops, snapshot), notes (kinds), study (actions, undo), queue,
concepts (graph schema, mastery), grading (circuits, meaning), course, stats + svg,
transfer (CSV, .apkg, JSON), model (optimizer), synthetic (benchmark collections), rpc.
"""

from .collection import Collection
from .errors import ImportFormatError, LearnError, NothingToUndo, OpError, SnapshotError, UnknownCard

__all__ = [
    "Collection",
    "LearnError",
    "UnknownCard",
    "NothingToUndo",
    "ImportFormatError",
    "SnapshotError",
    "OpError",
]

"""Learning paths: what to learn before a concept, in which order, what is learnable now, what matters.

A course graph says `(a)-[:REQUIRES]->(b)` when concept `a` builds on concept `b`. Over that
relation this module answers four questions that plain graph databases leave to the caller:

- `prerequisites(g, c)`: every concept `c` depends on, directly or not, with its distance;
- `study_order(g, goal)`: those concepts and the goal, each after everything it requires
  (a topological order; a cycle is an authoring error and is reported by name);
- `frontier(g, mastery)`: the concepts not mastered yet whose direct prerequisites all are,
  given a mastery score per concept (e.g. the retrievability of its cards from the SRS engine);
- `pagerank(g)`: importance, flowing from a concept to what it requires, so foundations that
  much of the course builds on rank highest.

The functions read the store's public API only (`out_ids`, `reach_levels`, `nodes`, ...). Importing the
module also registers them as Cypher procedures (`prometheus.prerequisites` etc., see
`register_procedures`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from itertools import repeat

from ..errors import ValidationError

REQUIRES = "REQUIRES"
CONCEPT = "Concept"
KEY = "key"


class LearningPathError(ValidationError):
    """A learning-path call named a concept that does not exist or passed a bad argument."""


class CycleError(LearningPathError):
    """The prerequisite relation loops, so no study order exists; `.cycle` lists node ids."""

    fields = ("cycle",)

    def __init__(self, message: str, cycle: list[int]):
        super().__init__(message)
        self.cycle = cycle


class ConvergenceError(LearningPathError):
    """PageRank's power iteration did not reach the tolerance within `max_iter` steps."""


# ---------------------------------------------------------------- arguments


def _concept_id(graph, concept, label: str | None = CONCEPT, key: str = KEY, what: str = "concept") -> int:
    """A node id from a Node, a node id, or a concept key (the `key` property of a `label` node)."""
    if hasattr(concept, "id") and not isinstance(concept, (int, str)):
        concept = concept.id
    if isinstance(concept, bool) or concept is None:
        raise LearningPathError(f"{what} must be a node, a node id or a concept key, got {concept!r}")
    if isinstance(concept, int):
        if not graph.has_node(concept):
            raise LearningPathError(f"{what}: no node with id {concept}")
        return concept
    if isinstance(concept, str):
        found = (
            graph.find_nodes(label, key, concept)
            if label
            else [n for n in graph.nodes() if graph.node_property(n, key) == concept]
        )
        if not found:
            raise LearningPathError(f"{what}: no {label or 'node'} with {key} = {concept!r}")
        if len(found) > 1:
            raise LearningPathError(f"{what}: {len(found)} {label or 'node'}s have {key} = {concept!r}")
        return found[0]
    raise LearningPathError(
        f"{what} must be a node, a node id or a concept key, got {type(concept).__name__}"
    )


def _rel_type(rel_type) -> str:
    if not isinstance(rel_type, str) or not rel_type:
        raise LearningPathError(f"rel_type must be a relationship type name, got {rel_type!r}")
    return rel_type


def _describe(graph, node_id: int) -> str:
    for prop in ("name", KEY, "title"):
        value = graph.node_property(node_id, prop)
        if isinstance(value, str):
            return f"{value!r} (node {node_id})"
    return f"node {node_id}"


# ---------------------------------------------------------------- prerequisites


def prerequisites(
    graph, concept, rel_type: str = REQUIRES, max_depth: int | None = None
) -> list[tuple[int, int]]:
    """Every concept `concept` requires, transitively, as (node id, depth) sorted by depth then id.

    Depth is the length of the shortest REQUIRES chain (1 = a direct prerequisite). The concept
    itself is never listed, even when a cycle leads back to it.
    """
    start = _concept_id(graph, concept)
    rel_type = _rel_type(rel_type)
    if max_depth is not None and (
        isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0
    ):
        raise LearningPathError(f"max_depth must be a non-negative integer or None, got {max_depth!r}")
    out: list[tuple[int, int]] = []
    for depth, level in enumerate(
        graph.reach_levels((start,), "out", (rel_type,), max_depth, exclude_sources=True), start=1
    ):
        level = sorted(level) if isinstance(level, list) else level.tolist()  # arrays come sorted
        out.extend(zip(level, repeat(depth)))
    return out


# ---------------------------------------------------------------- study order


def study_order(graph, goal, rel_type: str = REQUIRES) -> list[int]:
    """The goal(s) and all their prerequisites, each after everything it requires.

    `goal` is one concept or an iterable of concepts. Among concepts that could come next,
    the smallest node id goes first, so the order is deterministic. Raises `CycleError`
    naming the concepts of one cycle when the prerequisites loop.
    """
    rel_type = _rel_type(rel_type)
    if isinstance(goal, (int, str)) or hasattr(goal, "id") or not isinstance(goal, Iterable):
        goals = [goal]  # one concept; _concept_id says what is wrong with it, if anything
    else:
        goals = list(goal)
    if not goals:
        raise LearningPathError("study_order needs at least one goal")
    members: set[int] = set()
    for g in goals:
        gid = _concept_id(graph, g, what="goal")
        members.add(gid)
        members.update(n for n, _ in prerequisites(graph, gid, rel_type))
    # requires[a] = prerequisites of a inside the set; needed_by is the reverse
    requires = {n: {o for o in graph.out_ids(n, rel_type) if o in members} for n in members}
    needed_by: dict[int, list[int]] = {n: [] for n in members}
    for n, reqs in requires.items():
        for r in reqs:
            needed_by[r].append(n)
    waiting = {n: len(reqs) for n, reqs in requires.items()}
    ready = [n for n, k in waiting.items() if k == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for m in needed_by[n]:
            waiting[m] -= 1
            if waiting[m] == 0:
                heapq.heappush(ready, m)
    if len(order) < len(members):
        cycle = _find_cycle({n: requires[n] for n in members if waiting[n] > 0})
        names = " -> ".join(_describe(graph, n) for n in cycle + cycle[:1])
        raise CycleError(f"no study order: the {rel_type} relationships form a cycle: {names}", cycle)
    return order


def _find_cycle(requires: dict[int, set[int]]) -> list[int]:
    """One cycle of the graph `requires` (every node has an edge inside, since Kahn stalled on it)."""
    start = min(requires)
    seen_at: dict[int, int] = {}
    path: list = []
    node = start
    while node not in seen_at:
        seen_at[node] = len(path)
        path.append(node)
        node = min(r for r in requires[node] if r in requires)
    return path[seen_at[node] :]


# ---------------------------------------------------------------- frontier


def _mastery_by_id(graph, mastery: Mapping, label: str | None, key: str) -> dict[int, float]:
    if not isinstance(mastery, Mapping):
        raise LearningPathError(f"mastery must be a mapping concept -> score, got {type(mastery).__name__}")
    out = {}
    for concept, score in mastery.items():
        nid = _concept_id(graph, concept, label, key, what="mastery key")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
            raise LearningPathError(f"mastery of {concept!r} must be a number in [0, 1], got {score!r}")
        out[nid] = float(score)
    return out


def frontier(
    graph,
    mastery: Mapping,
    threshold: float = 0.9,
    rel_type: str = REQUIRES,
    label: str | None = CONCEPT,
    key: str = KEY,
) -> list[int]:
    """Concepts ready to learn: not mastered, every direct prerequisite mastered. Sorted by id.

    `mastery` maps a concept (node id, Node, or the `key` property of a `label` node) to a
    score in [0, 1], e.g. the retrievability of its cards; a missing concept scores 0. A
    concept counts as mastered when its score reaches `threshold`.
    """
    rel_type = _rel_type(rel_type)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold <= 1.0:
        raise LearningPathError(f"threshold must be a number in (0, 1], got {threshold!r}")
    scores = _mastery_by_id(graph, mastery, label, key)
    mastered = {n for n, s in scores.items() if s >= threshold}
    ready = []
    for n in graph.nodes(label):
        if n in mastered:
            continue
        if all(o in mastered for o in graph.out_ids(n, rel_type)):
            ready.append(n)
    return sorted(ready)


# ---------------------------------------------------------------- importance


def pagerank(
    graph,
    damping: float = 0.85,
    rel_type: str | None = REQUIRES,
    label: str | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    personalization: Mapping | None = None,
) -> dict[int, float]:
    """PageRank of every node (`label` nodes only, if given) over `rel_type` relationships.

    Rank flows along each relationship from start to end, so a concept required by many
    important concepts ranks high. Parallel relationships add up; nodes without outgoing
    relationships spread their rank like the teleport vector (as NetworkX does). Scores sum
    to 1. `personalization` maps concepts to non-negative teleport weights (e.g. a learner's
    goals). Iterates until the L1 change is below `n * tol`.
    """
    import numpy as np

    if isinstance(damping, bool) or not isinstance(damping, (int, float)) or not 0.0 <= damping < 1.0:
        raise LearningPathError(f"damping must be in [0, 1), got {damping!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise LearningPathError(f"max_iter must be a positive integer, got {max_iter!r}")
    if not isinstance(tol, (int, float)) or not tol > 0:
        raise LearningPathError(f"tol must be positive, got {tol!r}")
    nodes = list(graph.nodes(label))
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    src_list: list[int] = []
    dst_list: list[int] = []
    rels = graph.relationships(rel_type) if rel_type is not None else graph.relationships()
    endpoints = graph.relationship_endpoints
    for r in rels:
        a, b = endpoints(r)
        ia, ib = index.get(a), index.get(b)
        if ia is not None and ib is not None:
            src_list.append(ia)
            dst_list.append(ib)
    # intp, not int64: bincount and fancy indexing need the platform index type (int32 on wasm32)
    src = np.asarray(src_list, dtype=np.intp)
    dst = np.asarray(dst_list, dtype=np.intp)
    out_degree = np.bincount(src, minlength=n).astype(np.float64)
    dangling = out_degree == 0
    share = np.zeros(n)
    np.divide(1.0, out_degree, out=share, where=~dangling)

    if personalization is None:
        teleport = np.full(n, 1.0 / n)
    else:
        teleport = np.zeros(n)
        if not isinstance(personalization, Mapping):
            raise LearningPathError("personalization must be a mapping concept -> weight")
        for concept, weight in personalization.items():
            nid = _concept_id(graph, concept, label, KEY, what="personalization key")
            if nid not in index:
                raise LearningPathError(f"personalization: node {nid} is not a {label} node")
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not weight >= 0
                or math.isinf(weight)
            ):
                raise LearningPathError(f"personalization weight of {concept!r} must be finite and >= 0")
            teleport[index[nid]] = weight
        total = teleport.sum()
        if total <= 0:
            raise LearningPathError("personalization weights sum to 0")
        teleport /= total

    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        flow = np.bincount(dst, weights=x[src] * share[src], minlength=n)
        new = damping * flow + (damping * x[dangling].sum() + (1.0 - damping)) * teleport
        err = np.abs(new - x).sum()
        x = new
        if err < n * tol:
            return {node: float(x[i]) for i, node in enumerate(nodes)}
    raise ConvergenceError(f"PageRank did not converge to tol={tol} in {max_iter} iterations")


# ---------------------------------------------------------------- Cypher procedures


def _proc_prerequisites(graph, concept):
    for nid, depth in prerequisites(graph, concept):
        yield {"node": graph.node(nid), "depth": depth}


def _proc_study_order(graph, goal):
    for step, nid in enumerate(study_order(graph, goal), start=1):
        yield {"node": graph.node(nid), "step": step}


def _proc_frontier(graph, mastery, threshold):
    scores = _mastery_by_id(graph, mastery or {}, CONCEPT, KEY)
    for nid in frontier(graph, mastery or {}, 0.9 if threshold is None else threshold):
        yield {"node": graph.node(nid), "mastery": scores.get(nid, 0.0)}


def _proc_pagerank(graph):
    ranks = pagerank(graph, label=CONCEPT)
    for nid in sorted(ranks, key=lambda k: (-ranks[k], k)):
        yield {"node": graph.node(nid), "score": ranks[nid]}


def register_procedures() -> None:
    """Make the four queries callable as `CALL prometheus.<name>(...) YIELD ...`."""
    from .procedures import register_procedure

    register_procedure(
        "prometheus.prerequisites",
        _proc_prerequisites,
        inputs=[("concept", "NODE")],
        outputs=[("node", "NODE"), ("depth", "INTEGER")],
        description="Every concept the given one REQUIRES, transitively, with its distance.",
    )
    register_procedure(
        "prometheus.studyOrder",
        _proc_study_order,
        inputs=[("goal", "NODE")],
        outputs=[("node", "NODE"), ("step", "INTEGER")],
        description="The goal and its prerequisites, each after what it requires.",
    )
    register_procedure(
        "prometheus.frontier",
        _proc_frontier,
        inputs=[("mastery", "MAP"), ("threshold", "FLOAT?")],
        outputs=[("node", "NODE"), ("mastery", "FLOAT")],
        description="Concepts not mastered whose prerequisites all are; mastery maps "
        "concept keys to scores in [0, 1].",
    )
    register_procedure(
        "prometheus.pagerank",
        _proc_pagerank,
        inputs=[],
        outputs=[("node", "NODE"), ("score", "FLOAT")],
        description="PageRank of Concept nodes over REQUIRES, highest first.",
    )


register_procedures()


__all__ = [
    "prerequisites",
    "study_order",
    "frontier",
    "pagerank",
    "register_procedures",
    "CycleError",
    "ConvergenceError",
    "LearningPathError",
    "REQUIRES",
    "CONCEPT",
    "KEY",
]

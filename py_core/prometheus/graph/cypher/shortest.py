"""Shortest walks between two nodes by bidirectional breadth-first search, over the store's
adjacency (the engine behind shortestPath() and allShortestPaths())."""

from __future__ import annotations

from collections.abc import Iterable

Parents = dict[int, list[tuple[int, int]]]  # node id -> [(rel id, neighbour towards the root)]

INF = float("inf")  # no upper bound on a walk's length
FLIP = {"out": "in", "in": "out", "both": "both"}  # a direction seen from the other end


def shortest_paths(
    store, source, target, direction="out", types=None, lo=1, hi=INF, all_paths=False, rel_ok=None
):
    """Shortest walks source -> target as (rel ids, node ids), by bidirectional BFS.

    Yields one path, or every path of the minimum length when `all_paths`.
    """
    if source == target:
        if lo == 0:
            yield [], [source]
        return
    nodes = store._nodes
    single = types[0] if types is not None and len(types) == 1 else None
    if single is not None and direction != "both" and not all_paths and rel_ok is None and lo <= 1:
        path = _one_shortest(nodes, source, target, direction == "out", single, hi)
        if path is not None:
            yield path
        return
    forward_sides = _SIDES[direction]
    backward_sides = _SIDES[FLIP[direction]]
    # parents: node -> list of (rel id, neighbour towards the side's root)
    fwd: Parents = {source: []}
    bwd: Parents = {target: []}
    f_front, b_front = [source], [target]
    depth_f = depth_b = 0
    meet = []
    while f_front and b_front and depth_f + depth_b < hi:
        expand_forward = len(f_front) <= len(b_front)
        if expand_forward:
            front, seen, other_seen, outward = f_front, fwd, bwd, forward_sides
        else:
            front, seen, other_seen, outward = b_front, bwd, fwd, backward_sides
        nxt = []
        level_new: Parents = {}
        for nid in front:
            rec = nodes[nid]
            for out in outward:
                adj = rec.out if out else rec.inc
                buckets: Iterable[dict[int, int]]  # rel id -> the node at its other end
                if single is not None:
                    bucket = adj.get(single)
                    buckets = (bucket,) if bucket else ()
                elif types is None:
                    buckets = adj.values()
                else:
                    buckets = [adj[t] for t in types if t in adj]
                for bucket in buckets:
                    for rid, other in bucket.items():
                        if other in seen:
                            if not all_paths or other not in level_new:
                                continue
                        if rel_ok is not None and not rel_ok(rid):
                            continue
                        parents = level_new.get(other)
                        if parents is None:
                            seen[other] = level_new[other] = [(rid, nid)]
                            nxt.append(other)
                            if other in other_seen:
                                meet.append(other)
                        else:
                            parents.append((rid, nid))
        if expand_forward:
            depth_f += 1
            f_front = nxt
        else:
            depth_b += 1
            b_front = nxt
        if meet:
            break
    if not meet or depth_f + depth_b < lo:
        return
    for m in meet:
        for left_rels, left_nodes in _walks(fwd, m, source):
            for right_rels, right_nodes in _walks(bwd, m, target):
                rels = left_rels[::-1] + right_rels
                nodes = left_nodes[::-1] + right_nodes[1:]
                if len(set(rels)) != len(rels):
                    continue
                yield rels, nodes
                if not all_paths:
                    return


_SIDES = {"out": (True,), "in": (False,), "both": (True, False)}  # True: outgoing adjacency


def _one_shortest(nodes, source, target, outward, rel_type, hi):
    """One shortest directed walk of a single relationship type (the common case, in the
    tightest loop): (rel ids, node ids), or None. Each side keeps one parent per node, and the
    first meeting found is a shortest one: every meeting on a level has the same length,
    since nothing met on an earlier level. A directed shortest walk never repeats a relationship."""
    # node -> (rel id, parent node) towards the side's root
    fwd: dict[int, tuple[int, int] | None] = {source: None}
    bwd: dict[int, tuple[int, int] | None] = {target: None}
    f_front, b_front = [source], [target]
    steps = 0
    meet = None
    while f_front and b_front and steps < hi and meet is None:
        steps += 1
        forward = len(f_front) <= len(b_front)
        front, seen, other_seen = (f_front, fwd, bwd) if forward else (b_front, bwd, fwd)
        use_out = outward if forward else not outward
        nxt = []
        for nid in front:
            rec = nodes[nid]
            bucket = (rec.out if use_out else rec.inc).get(rel_type)
            if not bucket:
                continue
            for rid, other in bucket.items():
                if other not in seen:
                    seen[other] = (rid, nid)
                    if other in other_seen:
                        meet = other
                        break
                    nxt.append(other)
            if meet is not None:
                break
        if forward:
            f_front = nxt
        else:
            b_front = nxt
    if meet is None:
        return None
    rels, path = [], [meet]
    node = meet
    while (step := fwd[node]) is not None:
        rid, node = step
        rels.append(rid)
        path.append(node)
    rels.reverse()
    path.reverse()
    node = meet
    while (step := bwd[node]) is not None:
        rid, node = step
        rels.append(rid)
        path.append(node)
    return rels, path


def _walks(parents, node, root):
    """Every parent chain from `node` back to `root`: (rels, nodes starting at node)."""
    stack: list[tuple[int, list[int], list[int]]] = [(node, [], [node])]
    while stack:
        current, rels, seq = stack.pop()
        if current == root:
            yield rels, seq
            continue
        for rid, prev in reversed(parents[current]):
            stack.append((prev, rels + [rid], seq + [prev]))

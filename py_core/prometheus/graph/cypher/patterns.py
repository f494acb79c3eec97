"""Pattern matching: finds every binding of a MATCH pattern, starting from the cheapest
anchor (an already bound node, then an indexed (label, property), then a label) and
expanding along adjacency lists in both directions. shortestPath() patterns bind here and
search with shortest.py.
"""

from __future__ import annotations

from .. import csr
from ..entities import Node, Path, Relationship
from ..errors import COMPILE_TIME, RUNTIME, CypherSyntaxError, CypherTypeError
from . import ast as A
from .ast import walk
from .shortest import FLIP, INF, shortest_paths
from .values import equals


class NodeSpec:
    __slots__ = ("var", "labels", "props", "param_props", "bound", "pos")

    @property
    def trivial(self):
        return not self.labels and not self.props and self.param_props is None


class RelSpec:
    __slots__ = ("var", "types", "props", "param_props", "direction", "length", "bound", "pos")


def _compile_props(compiler, props, scope):
    if props is None:
        return None, None
    if isinstance(props, A.Param):
        return None, compiler.compile(props, scope)
    return [(k, compiler.compile(v, scope)) for k, v in props.items], None


def conjuncts(where):
    """The AND-ed parts of a WHERE expression, left to right."""
    if where is None:
        return []
    if isinstance(where, A.And):
        return conjuncts(where.left) + conjuncts(where.right)
    return [where]


def where_equalities(where):
    """`var.key = expr` conjuncts of a WHERE clause: {var: [(key, expr)]}, for index use."""
    out = {}
    for e in conjuncts(where):
        if isinstance(e, A.Compare) and e.ops == ["="]:
            a, b = e.operands
            for x, y in ((a, b), (b, a)):
                if isinstance(x, A.Prop) and isinstance(x.expr, A.Var):
                    out.setdefault(x.expr.name, []).append((x.key, y))
    return out


def split_identity_tests(where, node_vars):
    """Split WHERE into `x = y` / `x <> y` tests between node variables the pattern binds
    (never null there, so the test is a plain id comparison the matcher can run before it
    builds a row) and the rest, re-joined with AND (None when nothing is left).

    Returns ([(x, y, must_differ)], rest)."""
    tests, rest = [], []
    for e in conjuncts(where):
        if (
            isinstance(e, A.Compare)
            and len(e.ops) == 1
            and e.ops[0] in ("=", "<>")
            and all(isinstance(x, A.Var) and x.name in node_vars for x in e.operands)
        ):
            tests.append((e.operands[0].name, e.operands[1].name, e.ops[0] == "<>"))
        else:
            rest.append(e)
    if not tests:
        return [], where
    joined = None
    for e in rest:
        joined = e if joined is None else A.And(joined, e, pos=e.pos, text=e.text)
    return tests, joined


def _free_vars(e):
    return {x.name for x in walk(e) if isinstance(x, A.Var)}


class PartPlan:
    """One comma-separated part of a pattern, compiled for a given set of bound variables."""

    reach_only = False  # the one var-length step may yield each reachable end once (_reach_rows)

    def __init__(self, compiler, part, scope, hints, clause_vars):
        elements = part.elements
        self.path_var = part.var
        self.shortest = part.shortest
        self.nodes = []
        self.rels = []
        self.query = compiler.query
        bound_before = set(scope.vars) - clause_vars
        in_scope_before = set(scope.vars)
        for el in elements:
            if el.props is not None and isinstance(el.props, A.Param):
                raise compiler.error(
                    CypherSyntaxError,
                    "parameters cannot be used as pattern property maps here",
                    "InvalidParameterUse",
                    el.props,
                )
            if isinstance(el, A.NodePattern):
                spec = NodeSpec()
                spec.var = el.var
                spec.labels = tuple(el.labels)
                spec.pos = el.pos
                spec.props, spec.param_props = _compile_props(compiler, el.props, scope)
                spec.bound = el.var is not None and el.var in in_scope_before
                if el.var is not None:
                    kind = scope.vars.get(el.var)
                    if kind not in (None, "node", "any"):
                        raise compiler.error(
                            CypherSyntaxError,
                            f"variable `{el.var}` is a {kind}, not a node",
                            "VariableTypeConflict",
                            el,
                        )
                    scope.add(el.var, "node")
                self.nodes.append(spec)
            else:
                spec = RelSpec()
                spec.var = el.var
                spec.types = tuple(dict.fromkeys(el.types)) or None
                spec.direction = el.direction
                spec.pos = el.pos
                spec.props, spec.param_props = _compile_props(compiler, el.props, scope)
                spec.length = None
                if el.length is not None:
                    lo, hi = el.length
                    spec.length = (1 if lo is None else lo, INF if hi is None else hi)
                spec.bound = el.var is not None and el.var in bound_before
                if el.var is not None:
                    kind = scope.vars.get(el.var)
                    if kind not in (None, "rel", "rels", "any"):
                        raise compiler.error(
                            CypherSyntaxError,
                            f"variable `{el.var}` is a {kind}, not a relationship",
                            "VariableTypeConflict",
                            el,
                        )
                    if kind is not None and not spec.bound:
                        raise compiler.error(
                            CypherSyntaxError,
                            f"relationship variable `{el.var}` used twice in a pattern",
                            "RelationshipUniquenessViolation",
                            el,
                        )
                    scope.add(el.var, "rels" if spec.length else "rel")
                    clause_vars.add(el.var)
                self.rels.append(spec)
        if self.path_var is not None:
            if self.path_var in scope:
                raise compiler.error(
                    CypherSyntaxError,
                    f"variable `{self.path_var}` already declared",
                    "VariableAlreadyBound",
                    part,
                )
            scope.add(self.path_var, "path")
        # repeated node variables inside the part: later positions must equal the first one
        first_pos = {}
        self.same_as = []
        for i, spec in enumerate(self.nodes):
            if spec.var is not None and not spec.bound:
                self.same_as.append(first_pos.setdefault(spec.var, i) if spec.var in first_pos else None)
                first_pos.setdefault(spec.var, i)
            else:
                self.same_as.append(None)
        self.anchor, self.index_hint = self._choose_anchor(compiler, scope, hints, bound_before)
        anchor = self.nodes[self.anchor]
        # an index seek alone satisfies the anchor's pattern: one label, no other property
        self.index_exact = (
            self.index_hint is not None
            and len(anchor.labels) == 1
            and anchor.param_props is None
            and (not anchor.props or anchor.props == [self.index_hint])
        )
        self.steps = self._steps()
        # the variables a match of this part binds: (position, name) and (position, name, single?)
        self.node_binds = [
            (j, spec.var) for j, spec in enumerate(self.nodes) if spec.var is not None and not spec.bound
        ]
        self.rel_binds = [
            (j, spec.var, spec.length is None)
            for j, spec in enumerate(self.rels)
            if spec.var is not None and not spec.bound
        ]

    def _choose_anchor(self, compiler, scope, hints, bound_before):
        best, best_score, best_hint = 0, 99, None
        for i, spec in enumerate(self.nodes):
            hint = None
            if spec.bound:
                score = 0
            elif spec.labels and (spec.props or spec.var in hints):
                score = 1
                if spec.props:
                    hint = spec.props[0]
                else:
                    for key, expr in hints[spec.var]:
                        if _free_vars(expr) <= bound_before:
                            hint = (key, compiler.compile(expr, scope))
                            break
                    if hint is None:
                        score = 2
            elif spec.labels:
                score = 2
            else:
                score = 3
            if score < best_score:
                best, best_score, best_hint = i, score, hint
        if self.shortest:
            best, best_hint = 0, None
        return best, best_hint

    def _steps(self):
        """(rel index, from node index, to node index, reversed?) in expansion order."""
        a = self.anchor
        steps = [(i, i, i + 1, False) for i in range(a, len(self.rels))]
        steps += [(i, i + 1, i, True) for i in range(a - 1, -1, -1)]
        return steps


def _node_ok(spec, nid, store, row, ctx):
    rec = store._nodes.get(nid)
    if rec is None:
        return False
    if spec.labels:
        labels = rec.labels
        for label in spec.labels:
            if label not in labels:
                return False
    if spec.props:
        props = rec.props
        for key, fn in spec.props:
            if equals(props.get(key), fn(row, ctx)) is not True:
                return False
    elif spec.param_props is not None:
        wanted = spec.param_props(row, ctx)
        props = rec.props
        for key, value in (wanted or {}).items():
            if equals(props.get(key), value) is not True:
                return False
    return True


def _rel_props_ok(spec, props, row, ctx):
    if spec.props:
        for key, fn in spec.props:
            if equals(props.get(key), fn(row, ctx)) is not True:
                return False
    elif spec.param_props is not None:
        for key, value in (spec.param_props(row, ctx) or {}).items():
            if equals(props.get(key), value) is not True:
                return False
    return True


def _adjacent(rec, nid, direction, types):
    """(rel id, other node id) pairs leaving `rec` in `direction` (self-loops once for 'both')."""
    out = []
    if direction != "in":
        adj = rec.out
        if types is None:
            for bucket in adj.values():
                out.extend(bucket.items())
        else:
            for t in types:
                b = adj.get(t)
                if b:
                    out.extend(b.items())
    if direction != "out":
        adj = rec.inc
        pairs = []
        if types is None:
            for bucket in adj.values():
                pairs.extend(bucket.items())
        else:
            for t in types:
                b = adj.get(t)
                if b:
                    pairs.extend(b.items())
        if direction == "both":
            pairs = [p for p in pairs if p[1] != nid]
        out.extend(pairs)
    return out


class EndSet(list):
    """The end nodes one anchor reaches, bound to the end variable in place of one row per end.

    Only made when the next clause's sole use of that variable is `count(DISTINCT var)`
    (see QueryCompiler._counts_ends_only), which adds the ids to its seen-set at C speed instead
    of hashing one Node per row. Never reaches a result. (A list subclass: made without a
    Python-level __init__.)"""

    __slots__ = ()


class Matcher:
    """Callable `matcher(row, ctx)` -> iterator of rows extended with the pattern's variables."""

    identity_tests = ()  # [(x, y, must_differ)] between node variables bound here (see split_identity_tests)
    reach = None  # ReachStep of a reach-only pattern, made by configure()

    def __init__(self, compiler, parts, scope, where=None, path_only=False, distinct_ends=False):
        hints = where_equalities(where)
        clause_vars = set()
        self.plans = [PartPlan(compiler, p, scope, hints, clause_vars) for p in parts]
        self.path_only = path_only
        if distinct_ends and len(self.plans) == 1:
            plan = self.plans[0]
            if len(plan.rels) == 1 and plan.path_var is None and not plan.shortest:
                rspec = plan.rels[0]
                # directed only: an undirected closed walk back to the start may reuse one relationship
                if (
                    rspec.length is not None
                    and rspec.var is None
                    and rspec.length[0] <= 1
                    and rspec.direction != "both"
                    and not rspec.props
                    and rspec.param_props is None
                ):
                    # only which end nodes are reachable matters downstream: search, don't enumerate
                    plan.reach_only = True

    def configure(self, identity_tests=()):
        """Takes over the WHERE clause's identity tests (run on ids, before rows are built)."""
        self.identity_tests = identity_tests
        if len(self.plans) == 1 and self.plans[0].reach_only:
            self.reach = ReachStep(self.plans[0], identity_tests)

    def __call__(self, row, ctx):
        if self.reach is not None:
            return self.reach.rows(row, ctx)
        if self.path_only:
            return (path for _n, _r, path in _match_part(self.plans[0], row, ctx, set(), want_path=True))
        return self._parts(0, row, ctx, set())

    def _parts(self, i, row, ctx, used):
        if i == len(self.plans):
            yield row
            return
        plan = self.plans[i]
        store = ctx.store
        node_binds, rel_binds = plan.node_binds, plan.rel_binds
        last = i + 1 == len(self.plans)
        tests = self.identity_tests if last else ()
        path_var = plan.path_var
        prev = [None] * len(node_binds)  # reuse the Node when a variable keeps its node (the anchor)
        for nodes, rels, path in _match_part(plan, row, ctx, used, want_path=path_var is not None):
            new = dict(row)
            for k, (j, var) in enumerate(node_binds):
                nid = nodes[j]
                node = prev[k]
                if node is None or node.id != nid:
                    node = prev[k] = Node(nid, store)
                new[var] = node
            for j, var, single in rel_binds:
                rel = rels[j]
                if single:
                    rec = store._rels[rel]
                    new[var] = Relationship(rel, rec.type, rec.start, rec.end, store)
                else:
                    new[var] = [_rel(store, r) for r in rel[0]]
            if path_var is not None:
                new[path_var] = path
            if last:
                if tests and not all((new[x].id != new[y].id) is differ for x, y, differ in tests):
                    continue
                yield new
            elif not rels:  # a lone node: no relationship for the later parts to avoid
                yield from self._parts(i + 1, new, ctx, used)
            else:
                added = []
                for spec, rel in zip(plan.rels, rels):
                    if spec.length is None:
                        added.append(rel)
                    else:
                        added.extend(rel[0])
                used.update(added)
                try:
                    yield from self._parts(i + 1, new, ctx, used)
                finally:
                    used.difference_update(added)


class ReachStep:
    """What a reach-only pattern `(x)-[:T*lo..hi]->(y)` needs per row, worked out once: yields
    one row per (anchor, reachable end), or with `fan_out` one row per anchor that reaches
    any end, its ends in an EndSet."""

    fan_out = False  # set by the compiler when only count(DISTINCT end) reads the end variable

    def __init__(self, plan, identity_tests):
        ri, fi, ti, rev = plan.steps[0]
        rspec = plan.rels[ri]
        self.plan = plan
        self.direction = FLIP[rspec.direction] if rev else rspec.direction
        self.types = rspec.types
        self.lo, self.hi = rspec.length
        self.anchor, self.target = plan.nodes[fi], plan.nodes[ti]
        self.target_trivial = self.target.trivial
        self.anchor_var = self.anchor.var if self.anchor.var is not None and not self.anchor.bound else None
        target_var = self.target.var if self.target.var is not None and not self.target.bound else None
        same_end = None
        if target_var is not None and target_var == self.anchor_var:
            target_var, same_end = None, True  # `(a)-[*]->(a)`: the walk must come back
        self.target_var = target_var  # None when bound already or the same as the anchor's
        self.never = False  # the identity tests can never hold
        # identity tests name only the two end variables here: each one fixes whether end == anchor
        for x, y, differ in identity_tests:
            if x == y:
                self.never = self.never or differ
                continue
            wanted = not differ
            if same_end is not None and same_end != wanted:
                self.never = True
            same_end = wanted
        self.same_end = same_end

    def _pinned(self, row):
        """The end id a bound end variable fixes (None if free); _UNMATCHABLE when no row can
        match: the identity tests never hold, or the bound value is not a node."""
        if self.never:
            return _UNMATCHABLE
        return _pinned_id(self.target, row) if self.target.bound else None

    def rows(self, row, ctx):
        pinned = self._pinned(row)
        if pinned is _UNMATCHABLE:
            return ()
        if self.fan_out:  # at most one row per anchor: a list, no generator to drive
            out = []
            anchor_var, target_var = self.anchor_var, self.target_var
            for nid in _anchors(self.plan, row, ctx):
                ends = self._ends(nid, pinned, row, ctx)
                if ends:
                    base = dict(row)
                    if anchor_var is not None:
                        base[anchor_var] = Node(nid, ctx.store)
                    base[target_var] = EndSet(ends)
                    out.append(base)
            return out
        return self._each_end(row, ctx, pinned)

    def count_ends(self, rows, ctx) -> int:
        """How many distinct nodes the input rows' anchors reach together: `count(DISTINCT end)`
        over the whole match, without a row per anchor (see aggregation.CountReached)."""
        rows = list(rows)
        if not self.never and not self.target.bound and self.target_trivial and self.same_end is not True:
            anchors = list(dict.fromkeys(nid for row in rows for nid in _anchors(self.plan, row, ctx)))
            if self.same_end is None:  # the union of every anchor's reach is one multi-source search
                return csr.count_reached(
                    ctx.store, anchors, self.direction, self.types, self.hi, include_sources=self.lo == 0
                )
            if len(anchors) <= 1:  # `end <> anchor`, one anchor: the anchor itself never counts
                return csr.count_reached(
                    ctx.store, anchors, self.direction, self.types, self.hi, exclude_sources=True
                )
        seen = set()
        for row in rows:
            pinned = self._pinned(row)
            if pinned is _UNMATCHABLE:
                continue
            for nid in _anchors(self.plan, row, ctx):
                seen.update(self._ends(nid, pinned, row, ctx))
        return len(seen)

    def _each_end(self, row, ctx, pinned):
        store = ctx.store
        target_var = self.target_var
        for nid in _anchors(self.plan, row, ctx):
            ends = self._ends(nid, pinned, row, ctx)
            base = dict(row)
            if self.anchor_var is not None:
                base[self.anchor_var] = Node(nid, store)
            if target_var is None:
                for _ in ends:
                    yield dict(base)
            else:
                for end in ends:
                    new = dict(base)
                    new[target_var] = Node(end, store)
                    yield new

    def _ends(self, nid, pinned, row, ctx):
        """The nodes reachable from anchor `nid` that the pattern's end position accepts."""
        store = ctx.store
        ends = _reachable(store, nid, self.direction, self.types, self.lo, self.hi)
        same_end = self.same_end
        if same_end is not None:
            if same_end:
                ends = [nid] if nid in ends else []
            elif nid in ends:
                ends = [e for e in ends if e != nid]
        if pinned is not None:
            ends = [e for e in ends if e == pinned]
        if not self.target_trivial:
            target = self.target
            ends = [e for e in ends if _node_ok(target, e, store, row, ctx)]
        return ends


_UNMATCHABLE = object()


def _pinned_id(spec, row):
    """The node id a bound variable fixes this position to; None when the variable is new here,
    _UNMATCHABLE when it holds something other than a node (null included)."""
    if not spec.bound:
        return None
    v = row.get(spec.var)
    return v.id if isinstance(v, Node) else _UNMATCHABLE


def _rel(store, rid):
    rec = store._rels[rid]
    return Relationship(rid, rec.type, rec.start, rec.end, store)


def _anchors(plan, row, ctx):
    """Ids of the nodes the anchor position can take: candidates from the cheapest source (a
    bound variable, an index seek, the smallest label), checked against the anchor's node
    pattern unless an index seek on its only label and property already guarantees it."""
    spec = plan.nodes[plan.anchor]
    store = ctx.store
    if spec.bound:
        v = row.get(spec.var)
        if v is None:
            return ()
        if not isinstance(v, Node):
            raise CypherTypeError(f"variable `{spec.var}` is not a node", "InvalidArgumentType", RUNTIME)
        candidates = (v.id,)
    elif plan.index_hint is not None:
        key, fn = plan.index_hint
        value = fn(row, ctx)
        if value is None:
            return ()
        kind = type(value)
        if kind is list or kind is dict or kind is float and value != value:
            candidates = store._by_label.get(spec.labels[0], ())
        else:
            candidates = store.find_nodes(spec.labels[0], key, value)
            if plan.index_exact and (kind is int or kind is str):  # index equality is Cypher's here
                return candidates
    elif spec.labels:
        best = None
        for label in spec.labels:
            bucket = store._by_label.get(label)
            if bucket is None:
                return ()
            if best is None or len(bucket) < len(best):
                best = bucket
        candidates = best
    else:
        candidates = store._nodes
    return [nid for nid in candidates if _node_ok(spec, nid, store, row, ctx)]


def _match_part(plan, row, ctx, used, want_path=False):
    """Yields (node ids per position, rel per position, Path or None)."""
    if plan.shortest:
        yield from _shortest(plan, row, ctx, used)
        return
    store = ctx.store
    specs = plan.nodes
    if not plan.steps:  # a lone node pattern: its candidates are the matches
        nodes = [None]
        for nid in _anchors(plan, row, ctx):
            nodes[0] = nid
            yield nodes, [], (_build_path(plan, nodes, [], store) if want_path else None)
        return
    nodes = [None] * len(plan.nodes)
    rels = [None] * len(plan.rels)
    steps = plan.steps
    nsteps = len(steps)
    same_as = plan.same_as
    trivial = [spec.trivial for spec in specs]

    def step(k):
        if k == nsteps:
            yield nodes, rels, (_build_path(plan, nodes, rels, store) if want_path else None)
            return
        ri, fi, ti, rev = steps[k]
        last = k + 1 == nsteps
        rspec = plan.rels[ri]
        direction = FLIP[rspec.direction] if rev else rspec.direction
        target = specs[ti]
        target_trivial = trivial[ti]
        src = nodes[fi]
        pinned = _pinned_id(target, row)
        if pinned is _UNMATCHABLE:
            return
        if pinned is None and same_as[ti] is not None and nodes[same_as[ti]] is not None:
            pinned = nodes[same_as[ti]]
        if rspec.length is None:
            bound_rel = None
            if rspec.bound:
                bound_rel = row.get(rspec.var)
                if not isinstance(bound_rel, Relationship):
                    return
            for rid, other in _adjacent(store._nodes[src], src, direction, rspec.types):
                if rid in used:
                    continue
                if pinned is not None and other != pinned:
                    continue
                if bound_rel is not None and bound_rel.id != rid:
                    continue
                if (rspec.props or rspec.param_props) and not _rel_props_ok(
                    rspec, store._rels[rid].props, row, ctx
                ):
                    continue
                if not target_trivial and not _node_ok(target, other, store, row, ctx):
                    continue
                rels[ri] = rid
                nodes[ti] = other
                if last:
                    yield nodes, rels, (_build_path(plan, nodes, rels, store) if want_path else None)
                    continue
                used.add(rid)
                try:
                    yield from step(k + 1)
                finally:
                    used.discard(rid)
            rels[ri] = None
            nodes[ti] = None
        else:
            lo, hi = rspec.length
            bound_list = None
            if rspec.bound:
                bound_list = row.get(rspec.var)
                if not isinstance(bound_list, list):
                    return
                bound_list = [r.id for r in bound_list]
                if rev:
                    bound_list = bound_list[::-1]
            walks = _var_length(store, src, direction, rspec, lo, hi, used, row, ctx)
            for path_rels, path_nodes in walks:
                end = path_nodes[-1]
                if pinned is not None and end != pinned:
                    continue
                if bound_list is not None and list(path_rels) != bound_list:
                    continue
                if not target_trivial and not _node_ok(target, end, store, row, ctx):
                    continue
                if rev:
                    rels[ri] = (path_rels[::-1], path_nodes[::-1])
                else:
                    rels[ri] = (path_rels, path_nodes)
                nodes[ti] = end
                if last:
                    yield nodes, rels, (_build_path(plan, nodes, rels, store) if want_path else None)
                    continue
                used.update(path_rels)
                try:
                    yield from step(k + 1)
                finally:
                    used.difference_update(path_rels)
            rels[ri] = None
            nodes[ti] = None

    for nid in _anchors(plan, row, ctx):
        nodes[plan.anchor] = nid
        yield from step(0)


def _var_length(store, src, direction, rspec, lo, hi, used, row, ctx):
    """Depth-first walks of lo..hi relationships with no relationship used twice
    (iterative, so long chains do not hit Python's recursion limit)."""
    nodes = store._nodes
    types = rspec.types
    check_props = rspec.props or rspec.param_props
    results = []
    if lo <= 0:
        results.append(((), (src,)))
    if hi <= 0:
        return results
    path_rels = []
    path_nodes = [src]
    on_path = set()
    stack = [iter(_adjacent(nodes[src], src, direction, types))]
    while stack:
        for rid, other in stack[-1]:
            if rid in on_path or rid in used:
                continue
            if check_props and not _rel_props_ok(rspec, store._rels[rid].props, row, ctx):
                continue
            on_path.add(rid)
            path_rels.append(rid)
            path_nodes.append(other)
            if len(path_rels) >= lo:
                results.append((tuple(path_rels), tuple(path_nodes)))
            if len(path_rels) < hi:
                stack.append(iter(_adjacent(nodes[other], other, direction, types)))
            else:
                on_path.discard(path_rels.pop())
                path_nodes.pop()
            break
        else:
            stack.pop()
            if path_rels:
                on_path.discard(path_rels.pop())
                path_nodes.pop()
    return results


def _reachable(store, src, direction, types, lo, hi):
    """Each node reachable from src in lo..hi steps (lo <= 1), once, by breadth-first search
    (csr.levels: plain Python for small frontiers, numpy arrays for large ones).

    Equivalent to enumerating relationship-unique walks when only the set of end nodes matters
    and the pattern is directed: a shortest walk never repeats a relationship, so BFS depth <= hi
    finds exactly those ends.
    """
    out = [src] if lo == 0 else []
    for level in csr.levels(store, (src,), direction, types, hi):
        out.extend(level if type(level) is list else level.tolist())
    if lo == 0 and src in out[1:]:
        # reached again through a cycle: already listed as the 0-length walk
        out = [src] + [n for n in out[1:] if n != src]
    return out


def _build_path(plan, nodes, rels, store):
    seq_nodes = [Node(nodes[0], store)]
    seq_rels = []
    for i, spec in enumerate(plan.rels):
        rel = rels[i]
        if spec.length is None:
            seq_rels.append(_rel(store, rel))
            seq_nodes.append(Node(nodes[i + 1], store))
        else:
            rids, nids = rel
            for rid, nid in zip(rids, nids[1:]):
                seq_rels.append(_rel(store, rid))
                seq_nodes.append(Node(nid, store))
    return Path(seq_nodes, seq_rels)


# ------------------------------------------------------------------ shortest paths
def _shortest(plan, row, ctx, used):
    store = ctx.store
    if len(plan.rels) != 1:
        raise CypherSyntaxError(
            "shortestPath needs a single relationship pattern", "InvalidArgumentType", COMPILE_TIME
        )
    a_spec, b_spec = plan.nodes
    rspec = plan.rels[0]
    starts = [n for n in _candidates_for(a_spec, row, store) if _node_ok(a_spec, n, store, row, ctx)]
    ends = [n for n in _candidates_for(b_spec, row, store) if _node_ok(b_spec, n, store, row, ctx)]
    lo, hi = rspec.length if rspec.length else (1, 1)
    for s in starts:
        for t in ends:
            for rids, nids in shortest_paths(
                store,
                s,
                t,
                rspec.direction,
                rspec.types,
                lo,
                hi,
                all_paths=plan.shortest == "all",
                rel_ok=(lambda rid: _rel_props_ok(rspec, store._rels[rid].props, row, ctx))
                if (rspec.props or rspec.param_props)
                else None,
            ):
                nodes = [s, t]
                rels = [(tuple(rids), tuple(nids)) if rspec.length else rids[0]]
                yield nodes, rels, _build_path(plan, nodes, rels, store)


def _candidates_for(spec, row, store):
    if spec.bound:
        v = row.get(spec.var)
        return (v.id,) if isinstance(v, Node) else ()
    if spec.labels:
        return list(store._by_label.get(spec.labels[0], ()))
    return list(store._nodes)

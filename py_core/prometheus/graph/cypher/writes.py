"""The changes updating clauses make to the graph, each counted in the query's counters
(properties set, nodes and relationships created or deleted, labels added or removed)."""

from __future__ import annotations

from ..entities import Node, Path, Relationship
from ..errors import RUNTIME, CypherSemanticError, CypherTypeError, EntityNotFound
from ..temporal import Temporal
from .values import type_name


def props_of(ctx, entity):
    if isinstance(entity, Node):
        return ctx.store.node_properties(entity.id)
    return ctx.store.relationship_properties(entity.id)


def check_property_value(v):
    if v is None or isinstance(v, (bool, int, float, str, Temporal)):
        return v
    if isinstance(v, list):
        for x in v:
            if x is None or isinstance(x, (list, dict, Node, Relationship, Path)):
                raise CypherTypeError(
                    f"property lists can only hold simple values, got {type_name(x)}",
                    "InvalidPropertyType",
                    RUNTIME,
                )
        return list(v)
    raise CypherTypeError(f"{type_name(v)} cannot be stored as a property", "InvalidPropertyType", RUNTIME)


def set_property(ctx, entity, key, value):
    store = ctx.store
    value = check_property_value(value)
    if isinstance(entity, Node):
        if not store.has_node(entity.id):
            raise EntityNotFound(f"node {entity.id} has been deleted", "DeletedEntityAccess", RUNTIME)
        old = store.node_properties(entity.id).get(key)
        store.set_node_property(entity.id, key, value)
    elif isinstance(entity, Relationship):
        old = store.relationship_properties(entity.id).get(key)
        store.set_relationship_property(entity.id, key, value)
    else:
        raise CypherTypeError(f"cannot set a property on {type_name(entity)}", "InvalidArgumentType", RUNTIME)
    counters = ctx.counters
    if value is not None:
        counters["properties_set"] += 1
    elif old is not None:
        counters["properties_set"] += 1
    if old is None and value is not None:
        counters["+properties"] += 1
    elif old is not None and value is None:
        counters["-properties"] += 1
    elif old is not None and not (type(old) is type(value) and old == value):
        counters["+properties"] += 1
        counters["-properties"] += 1


def create_part(plan, row, ctx, merge=False):
    path_var, node_specs, rel_specs = plan
    store = ctx.store
    counters = ctx.counters
    ids = []
    for var, labels, props, bound in node_specs:
        if bound or (var is not None and var in row and isinstance(row[var], Node)):
            v = row[var]
            if v is None:
                raise CypherSemanticError(
                    f"cannot create a relationship to null node `{var}`",
                    "CreateOnNull" if not merge else "MergeReadOwnWrites",
                    RUNTIME,
                )
            if not isinstance(v, Node):
                raise CypherTypeError(f"`{var}` is not a node", "InvalidArgumentType", RUNTIME)
            ids.append(v.id)
            continue
        values = _created_properties(props, row, ctx, merge, "node")
        nid = store.add_node(labels, values)
        counters["nodes_created"] += 1
        counters["labels_added"] += len(labels)
        counters["properties_set"] += len(values)
        counters["+properties"] += len(values)
        if var is not None:
            row[var] = Node(nid, store)
        ids.append(nid)
    rels = []
    for i, (var, type_, props, direction) in enumerate(rel_specs):
        values = _created_properties(props, row, ctx, merge, "relationship")
        a, b = ids[i], ids[i + 1]
        if direction == "in":
            a, b = b, a
        rid = store.add_relationship(a, type_, b, values)
        counters["relationships_created"] += 1
        counters["properties_set"] += len(values)
        counters["+properties"] += len(values)
        rel = Relationship(rid, type_, a, b, store)
        rels.append(rel)
        if var is not None:
            row[var] = rel
    if path_var is not None:
        row[path_var] = Path([Node(n, store) for n in ids], rels)


def delete_node(ctx, nid, detach=False):
    store = ctx.store
    rec = store._nodes[nid]
    if detach:
        for adj in (rec.out, rec.inc):
            for bucket in list(adj.values()):
                for rid in list(bucket):
                    if store.has_relationship(rid):
                        _delete_rel(ctx, rid)
    ctx.counters["-properties"] += len(rec.props)
    store.delete_node(nid)
    ctx.counters["nodes_deleted"] += 1


def _delete_rel(ctx, rid):
    store = ctx.store
    ctx.counters["-properties"] += len(store._rels[rid].props)
    store.delete_relationship(rid)
    ctx.counters["relationships_deleted"] += 1


def delete_value(ctx, v, detach, pending):
    store = ctx.store
    if v is None:
        return
    if isinstance(v, Node):
        if not store.has_node(v.id):
            return
        rec = store._nodes[v.id]
        if detach:
            delete_node(ctx, v.id, detach=True)
        elif rec.out or rec.inc:
            pending.append(v.id)
        else:
            delete_node(ctx, v.id)
    elif isinstance(v, Relationship):
        if store.has_relationship(v.id):
            _delete_rel(ctx, v.id)
    elif isinstance(v, Path):
        for r in v.relationships:
            delete_value(ctx, r, detach, pending)
        for n in v.nodes:
            delete_value(ctx, n, detach, pending)
    elif isinstance(v, list):
        for x in v:
            delete_value(ctx, x, detach, pending)
    else:
        raise CypherTypeError(
            f"DELETE needs a node, relationship or path, got {type_name(v)}", "InvalidArgumentType", RUNTIME
        )


def apply_each(fns):
    """A clause op that runs every update in `fns` on each row (all rows read first: updates
    must not change what the clauses before them still match) and passes the rows on."""

    def apply(rows, ctx):
        rows = list(rows)
        for row in rows:
            for fn in fns:
                fn(row, ctx)
        return rows

    return apply


def _created_properties(props, row, ctx, merge: bool, what: str) -> dict:
    """The property map of a node or relationship CREATE/MERGE makes: null values are left out
    (CREATE) or refused (MERGE cannot match on null)."""
    values = {}
    if props is not None:
        for k, x in props(row, ctx).items():
            x = check_property_value(x)
            if x is not None:
                values[k] = x
            elif merge:
                raise CypherSemanticError(
                    f"cannot MERGE a {what} with null property `{k}`", "MergeReadOwnWrites", RUNTIME
                )
    return values

"""The syntax tree the parser builds: plain slotted classes, one per construct.

Every expression keeps `pos` (offset in the query) for error messages and `text` (its
source text, which names a RETURN column when no alias is given). `walk` visits a tree.
"""

from __future__ import annotations


def _node(name: str, fields: str):
    names = tuple(fields.split())

    def __init__(self, *args, pos=0, text=""):
        if len(args) != len(names):
            raise TypeError(f"{name} takes {names}, got {args}")
        for key, value in zip(names, args):
            setattr(self, key, value)
        self.pos = pos
        self.text = text

    def __repr__(self):
        return f"{name}(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in names) + ")"

    return type(
        name,
        (),
        {"__slots__": names + ("pos", "text"), "__init__": __init__, "__repr__": __repr__, "fields": names},
    )


# ------------------------------------------------------------------ expressions
Literal = _node("Literal", "value")
Param = _node("Param", "name")
Var = _node("Var", "name")
Prop = _node("Prop", "expr key")
Index = _node("Index", "expr index")
Slice = _node("Slice", "expr start stop")
Call = _node("Call", "name args distinct")  # name lower-cased, dotted
CountStar = _node("CountStar", "")
Binary = _node("Binary", "op left right")  # + - * / % ^
Unary = _node("Unary", "op expr")  # - +
Compare = _node("Compare", "ops operands")  # chained comparisons
And = _node("And", "left right")
Or = _node("Or", "left right")
Xor = _node("Xor", "left right")
Not = _node("Not", "expr")
IsNull = _node("IsNull", "expr negated")
In = _node("In", "left right")
StrOp = _node("StrOp", "op left right")  # STARTS WITH, ENDS WITH, CONTAINS, =~
ListLit = _node("ListLit", "items")
MapLit = _node("MapLit", "items")  # list of (key, expr)
Case = _node("Case", "test whens default")  # whens: list of (when, then)
ListComp = _node("ListComp", "var source where proj")
PatternComp = _node("PatternComp", "path_var pattern where proj")
Quantifier = _node("Quantifier", "kind var source where")
Reduce = _node("Reduce", "acc init var source expr")
PatternPred = _node("PatternPred", "pattern")
ExistsSub = _node("ExistsSub", "query patterns where")  # EXISTS { ... }
CountSub = _node("CountSub", "query patterns where")  # COUNT { ... }
HasLabels = _node("HasLabels", "expr labels")
MapProjection = _node(
    "MapProjection", "var items"
)  # items: ('prop', key) ('all',) ('var', name) ('expr', key, e)
ShortestPathExpr = _node("ShortestPathExpr", "part")

# ---------------------------------------------------------------------- patterns
NodePattern = _node("NodePattern", "var labels props")
RelPattern = _node(
    "RelPattern", "var types props direction length"
)  # direction 'out'|'in'|'both'; length None or (min,max)
PatternPart = _node("PatternPart", "var elements shortest")  # shortest: None | 'shortest' | 'all'

# ----------------------------------------------------------------------- clauses
Match = _node("Match", "optional patterns where")
Unwind = _node("Unwind", "expr var")
ReturnItem = _node("ReturnItem", "expr alias")
Projection = _node("Projection", "kind distinct star items order skip limit where")  # kind WITH|RETURN
SortItem = _node("SortItem", "expr descending")
Create = _node("Create", "patterns")
Merge = _node("Merge", "pattern on_create on_match")
SetItem = _node("SetItem", "kind target value")  # kind: prop | replace | merge | labels
SetClause = _node("SetClause", "items")
RemoveItem = _node("RemoveItem", "kind target value")  # prop (target Prop) | labels
Remove = _node("Remove", "items")
Delete = _node("Delete", "exprs detach")
CallClause = _node("CallClause", "name args yields star where")  # yields: list of (name, alias) or None
SingleQuery = _node("SingleQuery", "clauses")
UnionQuery = _node("UnionQuery", "queries all_flags")


def children(e):
    for name in getattr(e, "fields", ()):
        v = getattr(e, name)
        if isinstance(v, list):
            for x in v:
                if isinstance(x, tuple):
                    for y in x:
                        if hasattr(y, "fields"):
                            yield y
                elif hasattr(x, "fields"):
                    yield x
        elif hasattr(v, "fields"):
            yield v


def walk(e):
    """Every sub-expression of `e` (pre-order), not descending into patterns' elements."""
    yield e
    for child in children(e):
        yield from walk(child)

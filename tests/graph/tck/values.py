"""TCK value literals and strict comparison of query results against them.

Both sides are brought to one canonical form, a nested tuple tagged with the Cypher type:

    ('null',) ('bool', b) ('int', i) ('float', f | 'NaN') ('str', s) ('list', (...))
    ('map', ((key, value), ...)) ('node', (labels...), map) ('rel', type, map)
    ('path', start_node, ((rel, '>' | '<', node), ...))

so that 1 and 1.0 differ, true and 1 differ, and nodes/relationships compare by labels or
type and properties (the TCK never compares ids). Canonical values are hashable, which makes
bag comparison a Counter difference; floats get a tiny relative tolerance in a second pass.
"""

from __future__ import annotations

import math
from collections import Counter

NULL = ("null",)


class ValueSyntaxError(ValueError):
    """A TCK expected-value cell could not be read."""


# ---------------------------------------------------------------- reading TCK literals


class _Reader:
    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def fail(self, msg: str):
        raise ValueSyntaxError(f"{msg} at offset {self.i} in {self.s!r}")

    def ws(self):
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek(self, k: int = 1) -> str:
        return self.s[self.i : self.i + k]

    def eat(self, token: str) -> bool:
        self.ws()
        if self.s.startswith(token, self.i):
            self.i += len(token)
            return True
        return False

    def expect(self, token: str):
        if not self.eat(token):
            self.fail(f"expected {token!r}")

    def name(self) -> str:
        self.ws()
        if self.peek() == "`":
            end = self.s.find("`", self.i + 1)
            if end < 0:
                self.fail("unterminated `name`")
            out = self.s[self.i + 1 : end]
            self.i = end + 1
            return out
        start = self.i
        while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in "_$"):
            self.i += 1
        if start == self.i:
            self.fail("expected a name")
        return self.s[start : self.i]

    def value(self):
        self.ws()
        c = self.peek()
        if c == "":
            self.fail("expected a value")
        if c == "'" or c == '"':
            return ("str", self.string())
        if c == "[":
            if self._looks_like_relationship():
                return self.relationship()
            return self.list()
        if c == "{":
            return self.map()
        if c == "(":
            return self.node()
        if c == "<":
            return self.path()
        return self.scalar()

    def _looks_like_relationship(self) -> bool:
        j = self.i + 1
        while j < len(self.s) and self.s[j].isspace():
            j += 1
        return j < len(self.s) and self.s[j] == ":"

    def string(self) -> str:
        quote = self.s[self.i]
        self.i += 1
        out = []
        escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'", '"': '"'}
        while True:
            if self.i >= len(self.s):
                self.fail("unterminated string")
            ch = self.s[self.i]
            if ch == "\\" and self.i + 1 < len(self.s):
                nxt = self.s[self.i + 1]
                if nxt in ("u", "U"):
                    width = 4 if nxt == "u" else 8
                    out.append(chr(int(self.s[self.i + 2 : self.i + 2 + width], 16)))
                    self.i += 2 + width
                    continue
                out.append(escapes.get(nxt, "\\" + nxt))
                self.i += 2
                continue
            if ch == quote:
                self.i += 1
                return "".join(out)
            out.append(ch)
            self.i += 1

    def list(self):
        self.expect("[")
        items = []
        if self.eat("]"):
            return ("list", ())
        while True:
            items.append(self.value())
            if self.eat("]"):
                return ("list", tuple(items))
            self.expect(",")

    def map(self):
        self.expect("{")
        entries = {}
        if self.eat("}"):
            return ("map", ())
        while True:
            key = self.name()
            self.expect(":")
            entries[key] = self.value()
            if self.eat("}"):
                return ("map", tuple(sorted(entries.items())))
            self.expect(",")

    def _labels(self) -> list[str]:
        labels = []
        while self.eat(":"):
            labels.append(self.name())
        return labels

    def node(self):
        self.expect("(")
        self.ws()
        if self.peek() not in (":", "{", ")"):
            self.name()  # an optional variable name, ignored
        labels = self._labels()
        props = ("map", ())
        self.ws()
        if self.peek() == "{":
            props = self.map()
        self.expect(")")
        return ("node", tuple(sorted(labels)), props)

    def relationship(self):
        self.expect("[")
        self.ws()
        if self.peek() not in (":", "{", "]"):
            self.name()
        types = self._labels()
        if len(types) != 1:
            self.fail("a relationship value needs exactly one type")
        props = ("map", ())
        self.ws()
        if self.peek() == "{":
            props = self.map()
        self.expect("]")
        return ("rel", types[0], props)

    def path(self):
        self.expect("<")
        start = self.node()
        hops = []
        while True:
            self.ws()
            if self.eat(">"):
                return ("path", start, tuple(hops))
            if self.eat("<-"):
                rel = self.relationship()
                self.expect("-")
                direction = "<"
            elif self.eat("-"):
                rel = self.relationship()
                self.expect("->")
                direction = ">"
            else:
                self.fail("expected a path step")
            hops.append((rel, direction, self.node()))

    def scalar(self):
        start = self.i
        while self.i < len(self.s) and self.s[self.i] not in ",]})|:" and not self.s[self.i].isspace():
            self.i += 1
        word = self.s[start : self.i]
        return scalar_value(word, self)


def scalar_value(word: str, reader: _Reader | None = None):
    low = word.lower()
    if low == "null":
        return NULL
    if low == "true":
        return ("bool", True)
    if low == "false":
        return ("bool", False)
    if word == "NaN":
        return ("float", "NaN")
    if word in ("Inf", "Infinity", "+Inf"):
        return ("float", math.inf)
    if word in ("-Inf", "-Infinity"):
        return ("float", -math.inf)
    body = word[1:] if word[:1] in "+-" else word
    sign = -1 if word.startswith("-") else 1
    try:
        if body.lower().startswith("0x"):
            return ("int", sign * int(body[2:], 16))
        if body.lower().startswith("0o"):
            return ("int", sign * int(body[2:], 8))
        if body.isdigit():
            return ("int", int(word))
        return ("float", float(word))
    except ValueError:
        pass
    msg = f"cannot read value {word!r}"
    if reader is not None:
        reader.fail(msg)
    raise ValueSyntaxError(msg)


def parse_value(text: str):
    """The canonical form of one TCK value literal (a result cell or a parameter)."""
    r = _Reader(text)
    v = r.value()
    r.ws()
    if r.i != len(r.s):
        r.fail("unexpected trailing text")
    return v


def to_python(canonical):
    """A canonical scalar/list/map as the Python value a parameter should carry."""
    tag = canonical[0]
    if tag == "null":
        return None
    if tag in ("bool", "int", "str"):
        return canonical[1]
    if tag == "float":
        return math.nan if canonical[1] == "NaN" else canonical[1]
    if tag == "list":
        return [to_python(v) for v in canonical[1]]
    if tag == "map":
        return {k: to_python(v) for k, v in canonical[1]}
    raise ValueSyntaxError(f"a {tag} cannot be a parameter value")


# ---------------------------------------------------------------- engine values


def canonical(value):
    """The canonical form of a value returned by `Graph.run`."""
    if value is None:
        return NULL
    if value is True or value is False:
        return ("bool", value)
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", "NaN") if math.isnan(value) else ("float", float(value))
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, (list, tuple)):
        return ("list", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((str(k), canonical(v)) for k, v in value.items())))
    if hasattr(value, "nodes") and hasattr(value, "relationships"):
        return _canonical_path(value)
    if hasattr(value, "labels") and hasattr(value, "properties"):
        return ("node", tuple(sorted(value.labels)), canonical(dict(value.properties)))
    if hasattr(value, "type") and hasattr(value, "start") and hasattr(value, "properties"):
        return ("rel", value.type, canonical(dict(value.properties)))
    if _is_temporal(value):
        # The TCK writes temporal values as their Cypher string form ('1910-05-06',
        # 'P1Y2M'), and compares an engine's temporal value through that string.
        return ("str", str(value))
    return ("unknown", type(value).__name__, repr(value))


_TEMPORAL_NAMES = {"Date", "LocalTime", "Time", "LocalDateTime", "DateTime", "Duration", "Temporal"}


def _is_temporal(value) -> bool:
    return any(c.__name__ in _TEMPORAL_NAMES for c in type(value).__mro__[:-1])


def _canonical_path(path):
    nodes = list(path.nodes)
    rels = list(path.relationships)
    if len(nodes) != len(rels) + 1:
        return ("unknown", "Path", f"{len(nodes)} nodes but {len(rels)} relationships")
    hops = []
    for i, rel in enumerate(rels):
        a, b = nodes[i], nodes[i + 1]
        if rel.start == a.id and rel.end == b.id:
            direction = ">"
        elif rel.start == b.id and rel.end == a.id:
            direction = "<"
        else:
            return ("unknown", "Path", f"relationship {rel.id} does not join nodes {a.id}, {b.id}")
        hops.append((canonical(rel), direction, canonical(b)))
    return ("path", canonical(nodes[0]), tuple(hops))


def sort_lists(v):
    """The same value with every list's elements in a fixed order (for 'ignoring element order')."""
    tag = v[0]
    if tag == "list":
        return ("list", tuple(sorted((sort_lists(x) for x in v[1]), key=repr)))
    if tag == "map":
        return ("map", tuple((k, sort_lists(x)) for k, x in v[1]))
    return v


def show(v) -> str:
    """A canonical value written back in TCK notation, for failure messages."""
    tag = v[0]
    if tag == "null":
        return "null"
    if tag == "bool":
        return "true" if v[1] else "false"
    if tag == "int":
        return str(v[1])
    if tag == "float":
        if v[1] == "NaN":
            return "NaN"
        if math.isinf(v[1]):
            return "Inf" if v[1] > 0 else "-Inf"
        return repr(v[1])
    if tag == "str":
        return "'" + v[1].replace("\\", "\\\\").replace("'", "\\'") + "'"
    if tag == "list":
        return "[" + ", ".join(show(x) for x in v[1]) + "]"
    if tag == "map":
        return "{" + ", ".join(f"{k}: {show(x)}" for k, x in v[1]) + "}"
    if tag == "node":
        props = "" if not v[2][1] else " " + show(v[2])
        return "(" + "".join(":" + label for label in v[1]) + props + ")"
    if tag == "rel":
        props = "" if not v[2][1] else " " + show(v[2])
        return f"[:{v[1]}{props}]"
    if tag == "path":
        out = "<" + show(v[1])
        for rel, direction, node in v[2]:
            out += (f"-{show(rel)}->" if direction == ">" else f"<-{show(rel)}-") + show(node)
        return out + ">"
    return f"<{v[1]} {v[2]}>"


def close(a, b, rel_tol: float = 1e-12) -> bool:
    """Equality of canonical values where finite floats may differ in the last bits."""
    if a == b:
        return True
    if a[0] != b[0]:
        return False
    tag = a[0]
    if tag == "float":
        x, y = a[1], b[1]
        if isinstance(x, str) or isinstance(y, str):
            return False
        return math.isclose(x, y, rel_tol=rel_tol, abs_tol=0.0)
    if tag == "list":
        return len(a[1]) == len(b[1]) and all(close(x, y) for x, y in zip(a[1], b[1]))
    if tag == "map":
        return len(a[1]) == len(b[1]) and all(
            ka == kb and close(x, y) for (ka, x), (kb, y) in zip(a[1], b[1])
        )
    if tag == "node":
        return a[1] == b[1] and close(a[2], b[2])
    if tag == "rel":
        return a[1] == b[1] and close(a[2], b[2])
    if tag == "path":
        return (
            close(a[1], b[1])
            and len(a[2]) == len(b[2])
            and all(
                ra[1] == rb[1] and close(ra[0], rb[0]) and close(ra[2], rb[2]) for ra, rb in zip(a[2], b[2])
            )
        )
    return False


def rows_close(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))


def compare_bags(actual: list[tuple], expected: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(unexpected rows, missing rows) of two bags; empty lists mean the bags are equal."""
    extra = Counter(actual)
    extra.subtract(Counter(expected))
    unexpected = [r for r, n in extra.items() for _ in range(n) if n > 0]
    missing = [r for r, n in extra.items() for _ in range(-n) if n < 0]
    # Second pass: pair rows that are equal up to float rounding.
    still_missing = []
    for row in missing:
        for j, cand in enumerate(unexpected):
            if rows_close(row, cand):
                del unexpected[j]
                break
        else:
            still_missing.append(row)
    return unexpected, still_missing


def compare_sequences(actual: list[tuple], expected: list[tuple]) -> int | None:
    """Index of the first differing row, or None when the sequences are equal."""
    for i, (a, e) in enumerate(zip(actual, expected)):
        if not rows_close(a, e):
            return i
    if len(actual) != len(expected):
        return min(len(actual), len(expected))
    return None

"""CSV text -> the column mappings `Graph.load_columns` takes (see columns.py).

The header follows neo4j-admin import's convention, so files made for it load here:

    nodes:          key:ID,:LABEL,name,level:int,tags:string[]
    relationships:  :START_ID,:END_ID,:TYPE,weight:float

`:ID` marks the node id column (a name before it, as in `key:ID`, also stores the id as that
property); `:LABEL` holds labels separated by `;`; `:START_ID` / `:END_ID` name node ids of the
same load; `:TYPE` the relationship type. Other fields are properties, typed by their suffix:
string (default), int/long, float/double, boolean, and arrays (`int[]`, ...) separated by `;`.
An empty field leaves the property out. `id_type` ("string" or "integer", as neo4j-admin's
--id-type) says how ids are read. Errors name the column and the data row (0-based).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from ..heap import collector_paused
from .columns import ColumnError

_TYPES: dict[str, Any] = {
    "string": str,
    "int": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": "boolean",
}
_ID_TYPES = ("string", "integer")


def _boolean(text: str) -> bool:
    low = text.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    raise ValueError(f"{text!r} is not true or false")


def _table(text, what):
    if not isinstance(text, str):
        raise ColumnError(f"{what} CSV must be text, got {type(text).__name__}", what)
    table = _SplitTable.of(text)
    if table is None:
        with collector_paused():  # a row list and a string per field: millions of objects, no cycles
            table = _ReadTable(*_rows_to_columns(text, what))
    return table


class _ReadTable:
    """Columns as the csv module reads them: any quoting, every field a string."""

    def __init__(self, header, columns):
        self.header, self._columns = header, columns

    def strings(self, j):
        return self._columns[j]

    def integers(self, j):
        return None


class _SplitTable:
    """A quote-free CSV body located by its separators' byte offsets. A column becomes strings
    only when asked (one string per field of the whole body, made once), and an integer column
    is read from the bytes without strings: a 1M-row id file then never makes its 2M strings."""

    @classmethod
    def of(cls, text):
        """The table for text the csv module would read the same way (no quotes, no carriage
        returns, no blank line inside, every line as wide as the header), else None: the csv
        module then reads it and names what is wrong."""
        if '"' in text or "\r" in text:
            return None
        head, newline, body = text.partition("\n")
        body = body.rstrip("\n")
        if not newline or not head or not body or body[0] == "\n" or "\n\n" in body:
            return None
        header = head.split(",")
        width = len(header)
        rows = body.count("\n") + 1
        if body.count(",") != rows * (width - 1):
            return None
        data = np.frombuffer(body.encode(), dtype=np.uint8)
        separators = np.append(np.flatnonzero((data == 10) | (data == 44)), data.size)
        grid = separators.reshape(rows, width)  # the byte after each field, row by column
        # The counts of commas and newlines are right in total; when every line but the last
        # ends at a newline, all newlines are at line ends, so every line has width-1 commas.
        if not (data[grid[:-1, -1]] == 10).all():
            return None
        return cls(header, body, data, grid)

    def __init__(self, header, body, data, grid):
        self.header, self._body, self._data, self._grid = header, body, data, grid
        self._fields = None
        self._numbers: np.ndarray | None = None
        self._all_digits: bool | None = None

    def strings(self, j):
        if self._fields is None:
            with collector_paused():  # millions of strings, no cycles
                self._fields = self._body.replace("\n", ",").split(",")
        return self._fields[j :: len(self.header)]

    def integers(self, j):
        """Column `j` as int64 when every field is -?[0-9]{1,18} (which int() reads as the same
        number), from the bytes; else None."""
        if self._digits_only():
            if self._numbers is None:  # numpy's C parser reads the whole table at once
                flat = np.fromstring(self._body.replace("\n", ","), dtype=np.int64, sep=",")
                self._numbers = flat.reshape(self._grid.shape)
            return self._numbers[:, j].copy()
        data, grid = self._data, self._grid
        end = grid[:, j]
        first = grid[:, j - 1] + 1 if j else np.concatenate(([0], grid[:-1, -1] + 1))
        negative = (end > first) & (data[np.minimum(first, data.size - 1)] == 45)  # "-"
        first = first + negative
        length = end - first
        if length.min() < 1 or length.max() > 18:
            return None
        widest = int(length.max())
        value = np.zeros(first.size, dtype=np.int64)
        for k in range(widest):  # digits aligned at the field's end; before its first, a 0
            at = end - (widest - k)
            digit = data[np.maximum(at, 0)] - np.uint8(48)
            outside = at < first
            if (digit[~outside] > 9).any():
                return None
            digit[outside] = 0
            value *= 10
            value += digit
        return np.where(negative, -value, value)

    def _digits_only(self):
        """Whether every field of the table is [0-9]{1,18} (an all-integer file such as an edge
        list): then every byte but the separators is a digit, and no field is empty or longer."""
        if self._all_digits is None:
            data, ends = self._data, self._grid.ravel()
            lengths = np.diff(ends, prepend=-1) - 1
            self._all_digits = bool(
                np.count_nonzero(data - np.uint8(48) > 9) == ends.size - 1
                and lengths.min() >= 1
                and lengths.max() <= 18
            )
        return self._all_digits


def _rows_to_columns(text, what):
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        raise ColumnError(f"{what} CSV is empty: it needs at least a header line", what)
    header, body = rows[0], rows[1:]
    widths = set(map(len, body))
    if widths - {len(header)}:
        row = next(i for i, r in enumerate(body) if len(r) != len(header))
        raise ColumnError(
            f"{what} CSV row {row} (line {row + 2}) has {len(body[row])} fields, the header "
            f"has {len(header)}",
            what,
            row,
        )
    columns = list(zip(*body)) if body else [() for _ in header]
    return header, columns


def _convert(column, kind, where):
    """Typed values (None for empty fields) from one column of text."""
    array = kind.endswith("[]")
    base = kind[:-2] if array else kind
    parse = _TYPES.get(base)
    if parse is None:
        raise ColumnError(
            f"{where}: unknown type {kind!r} (string, int, long, float, double, boolean, "
            f"or one of those followed by [])",
            where,
        )
    if parse == "boolean":
        parse = _boolean
    if not array and parse is str:
        return [v if v else None for v in column] if "" in column else list(column)
    try:
        if not array and "" not in column:
            return list(map(parse, column))
        return [None if not v else [parse(x) for x in v.split(";")] if array else parse(v) for v in column]
    except ValueError:
        for row, v in enumerate(column):
            try:
                if v:
                    [parse(x) for x in v.split(";")] if array else parse(v)
            except ValueError:
                raise ColumnError(
                    f"{where} row {row} (line {row + 2}): {v!r} is not {kind}", where, row
                ) from None
        raise


def _ids(table, j, id_type, where):
    """An id column: str values, or for integer ids an int64 array (from the bytes when the
    table can read them so)."""
    if id_type == "integer":
        parsed = table.integers(j)
        if parsed is not None:
            return parsed
    column = table.strings(j)
    if "" in column:
        row = column.index("")
        raise ColumnError(f"{where} row {row} (line {row + 2}): an id cannot be empty", where, row)
    if id_type != "integer":
        return list(column)
    values = _convert(column, "int", where)
    try:  # an int64 array skips load_columns' per-value type scan
        return np.array(values, dtype=np.int64)
    except OverflowError:  # load_columns names the row that does not fit
        return values


def _split(field, what):
    name, sep, kind = field.partition(":")
    return name.strip(), kind.strip() if sep else "string"


def nodes_from_csv(text: str, id_type: str = "string", labels: str | None = None) -> dict:
    """The `nodes` mapping of `Graph.load_columns` from CSV text with a neo4j-admin header;
    `labels` labels every row when the header has no :LABEL column (neo4j-admin's `--nodes=L=file`)."""
    _check_id_type(id_type)
    table = _table(text, "nodes")
    out: dict = {"properties": {}}
    if labels is not None:
        out["labels"] = labels
    for j, field in enumerate(table.header):
        name, kind = _split(field, "nodes")
        where = f"nodes CSV column {field!r}"
        role = kind.upper()
        if role == "ID":
            if "id" in out:
                raise ColumnError(f"{where}: a second :ID column", field)
            out["id"] = _ids(table, j, id_type, where)
            if name:
                out["properties"][name] = out["id"]
        elif role == "LABEL":
            out["labels"] = [[x for x in v.split(";") if x] for v in table.strings(j)]
        elif role in ("START_ID", "END_ID", "TYPE"):
            raise ColumnError(f"{where}: {kind} belongs in a relationships CSV", field)
        else:
            if not name:
                raise ColumnError(f"{where}: a property column needs a name", field)
            out["properties"][name] = _convert(table.strings(j), kind.lower(), where)
    return out


def relationships_from_csv(text: str, id_type: str = "string", type: str | None = None) -> dict:
    """The `relationships` mapping of `Graph.load_columns` from CSV text with a neo4j-admin header;
    `type` types every row when the header has no :TYPE column (neo4j-admin's `--relationships=T=file`)."""
    _check_id_type(id_type)
    table = _table(text, "relationships")
    out: dict = {"properties": {}}
    if type is not None:
        out["type"] = type
    for j, field in enumerate(table.header):
        name, kind = _split(field, "relationships")
        where = f"relationships CSV column {field!r}"
        role = kind.upper()
        if role in ("START_ID", "END_ID"):
            out["start" if role == "START_ID" else "end"] = _ids(table, j, id_type, where)
        elif role == "TYPE":
            out["type"] = list(table.strings(j))
        elif role in ("ID", "LABEL"):
            raise ColumnError(f"{where}: {kind} belongs in a nodes CSV", field)
        else:
            if not name:
                raise ColumnError(f"{where}: a property column needs a name", field)
            out["properties"][name] = _convert(table.strings(j), kind.lower(), where)
    for role, key in ((":START_ID", "start"), (":END_ID", "end"), (":TYPE", "type")):
        if key not in out:
            raise ColumnError(f"relationships CSV: the header has no {role} column", role)
    return out


def _check_id_type(id_type):
    if id_type not in _ID_TYPES:
        raise ColumnError(f"id_type must be one of {_ID_TYPES}, got {id_type!r}", "id_type")

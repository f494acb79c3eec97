"""Growable numpy column tables: the cards and the review log of a collection.

Rows are appended in amortized O(1) (capacity doubles), so answering a card never copies
the collection; `col(name)` is a view of the live rows for vectorized queue and stats work.
"""

from __future__ import annotations

import numpy as np


class Table:
    def __init__(self, spec: tuple[tuple[str, str], ...], capacity: int = 16):
        self.spec = spec
        self.n = 0
        self._data = {name: np.zeros(capacity, dtype) for name, dtype in spec}

    def __len__(self) -> int:
        return self.n

    def col(self, name: str) -> np.ndarray:
        """The live rows of one column (a view: do not keep it across changes)."""
        return self._data[name][: self.n]

    def _reserve(self, extra: int) -> None:
        capacity = len(next(iter(self._data.values())))
        if self.n + extra <= capacity:
            return
        size = max(2 * capacity, self.n + extra, 16)
        for name, dtype in self.spec:
            grown = np.zeros(size, dtype)
            grown[: self.n] = self._data[name][: self.n]
            self._data[name] = grown

    def append(self, columns: dict) -> None:
        """Append rows given as {column: sequence}, every column the same length."""
        count = len(columns[self.spec[0][0]])
        self._reserve(count)
        for name, _ in self.spec:
            self._data[name][self.n : self.n + count] = columns[name]
        self.n += count

    def insert(self, index: int, row: dict) -> None:
        """Insert one row before `index` (O(rows after it))."""
        self._reserve(1)
        for name, _ in self.spec:
            column = self._data[name]
            column[index + 1 : self.n + 1] = column[index : self.n].copy()
            column[index] = row[name]
        self.n += 1

    def delete(self, rows) -> None:
        """Remove the given row indices, keeping the order of the others."""
        keep = np.ones(self.n, bool)
        keep[np.asarray(rows, dtype=np.intp)] = False
        kept = int(keep.sum())
        for name, _ in self.spec:
            self._data[name][:kept] = self._data[name][: self.n][keep]
        self.n = kept

    def set(self, row: int, values: dict) -> None:
        for name, value in values.items():
            self._data[name][row] = value

    def get(self, row: int) -> dict:
        return {name: self._data[name][row].item() for name, _ in self.spec}

    def columns(self, order=None) -> dict:
        """Copies of every column (rows in `order` if given), for snapshots."""
        return {
            name: (self.col(name) if order is None else self.col(name)[order]).copy() for name, _ in self.spec
        }

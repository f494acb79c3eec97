"""Query results shaped like the Neo4j Python driver's: keys, tuple rows, data(), summary."""

from __future__ import annotations

from ..entities import Node, Path, Relationship

COUNTER_NAMES = (
    "nodes_created",
    "nodes_deleted",
    "relationships_created",
    "relationships_deleted",
    "properties_set",
    "labels_added",
    "labels_removed",
)


class Counters:
    """`.nodes_created` ... `.labels_removed`: what a query changed (read on demand from the
    query's tally, so a read-only query pays nothing for them)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict):
        self._values = values

    def __getattr__(self, name):
        if name in COUNTER_NAMES:
            return self._values.get(name, 0)
        raise AttributeError(name)

    @property
    def contains_updates(self) -> bool:
        return any(getattr(self, name) for name in COUNTER_NAMES)

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in COUNTER_NAMES}

    def __repr__(self):
        return f"Counters({self.to_dict()})"


class Summary:
    __slots__ = ("query", "parameters", "counters", "side_effects")

    def __init__(self, query: str, parameters: dict, counters: Counters, side_effects: dict):
        self.query = query
        self.parameters = parameters
        self.counters = counters
        self.side_effects = side_effects


def detach(v):
    """Snapshot entities so results stay valid after later writes."""
    if isinstance(v, (Node, Relationship, Path)):
        return v.detached()
    if isinstance(v, list):
        return [detach(x) for x in v]
    if isinstance(v, dict):
        return {k: detach(x) for k, x in v.items()}
    return v


class Result:
    __slots__ = ("keys", "_records", "_summary")

    def __init__(self, keys, records, query, parameters, counters, side_effects):
        self.keys = list(keys)
        self._records = records
        self._summary: Summary | tuple = (query, parameters, counters, side_effects)  # a Summary once read

    @property
    def summary(self) -> Summary:
        summary = self._summary
        if not isinstance(summary, Summary):
            summary = self._summary = Summary(*summary)
        return summary

    def __iter__(self):
        return iter(self._records)

    def __len__(self):
        return len(self._records)

    def __getitem__(self, i):
        return self._records[i]

    def values(self) -> list[list]:
        return [list(r) for r in self._records]

    def data(self) -> list[dict]:
        return [dict(zip(self.keys, r)) for r in self._records]

    def single(self):
        if len(self._records) != 1:
            raise ValueError(f"expected exactly one record, got {len(self._records)}")
        return self._records[0]

    def side_effects(self) -> dict:
        """Non-zero changes in the TCK's terms (+nodes, -properties, +labels ...)."""
        return dict(self.summary.side_effects)

    def __repr__(self):
        return f"<Result keys={self.keys} rows={len(self._records)}>"

"""Temporal values as plain JSON lists, for graph snapshots and the store's redo ops."""

from __future__ import annotations

from .values import TEMPORAL_TYPES, Temporal

_BY_NAME = {cls.__name__: cls for cls in TEMPORAL_TYPES}


def encode_temporal(v):
    """[type name, *fields] for snapshots."""
    if not isinstance(v, Temporal):
        raise TypeError(f"cannot store a {type(v).__name__} in a snapshot")
    return [type(v).__name__] + [getattr(v, f) for f in type(v).__slots__]


def decode_temporal(data):
    cls = _BY_NAME[data[0]]
    obj = cls.__new__(cls)
    for name, value in zip(cls.__slots__, data[1:], strict=True):
        setattr(obj, name, value)
    return obj

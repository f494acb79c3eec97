"""Settings: a small persisted map of names to JSON values (the app's preferences)."""

from __future__ import annotations

import hashlib
import json

from ..errors import ValidationError
from . import parts

MAX_VALUE_BYTES = 64 << 10


class Settings:
    name = "settings"

    def __init__(self):
        self.values: dict = {}
        self._redo: list | None = None
        self._before: dict | None = None

    # the Part protocol (store/parts.py)
    def to_bytes(self):
        return json.dumps(self.values, sort_keys=True).encode() if self.values else None

    def load(self, data):
        values = json.loads(data) if data is not None else {}
        if not isinstance(values, dict):
            raise ValidationError("settings data must be a JSON object")
        self.values = values

    def apply(self, ops):
        for key, value in json.loads(ops):
            self._set(key, value)

    def digest(self):
        data = self.to_bytes()
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def begin(self):
        self._redo, self._before = [], dict(self.values)

    def collect(self):
        return json.dumps(self._redo).encode() if self._redo else None

    def rollback(self):
        if self._before is not None:
            self.values = self._before
        self._redo = self._before = None

    def end(self):
        self._redo = self._before = None

    # changes
    def set(self, key: str, value) -> None:
        """Set one setting (None removes it)."""
        if not isinstance(key, str) or not key or len(key) > 200:
            raise ValidationError(
                f"a setting's name must be a non-empty string of at most 200 characters, got {key!r}"
            )
        try:
            size = len(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"setting {key!r} must be a JSON value: {exc}") from None
        if size > MAX_VALUE_BYTES:
            raise ValidationError(f"setting {key!r} is {size} bytes; at most {MAX_VALUE_BYTES} are kept")
        self._set(key, value)
        if self._redo is not None:
            self._redo.append([key, value])

    def _set(self, key, value):
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value


SETTINGS = parts.register(Settings())

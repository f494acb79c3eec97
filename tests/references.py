"""Oracle results recorded on CPython and replayed inside Pyodide.

Qiskit, qiskit-aer and sentence-transformers (torch) cannot run in Pyodide. A test asks them
through a function decorated with `@recorded("<file>")` (or an object wrapped by
`RecordedObject`): on CPython the oracle runs, and when `$PROMETHEUS_RECORD_REFERENCES` names a
folder its answer is also stored there, keyed by the call's arguments; inside Pyodide the same
call answers from `$PROMETHEUS_REFERENCES/<file>.json`. So the lane runs the very same test
bodies, compared against the same oracle, only read back from disk.

    python -m tests.pyodide.record      # records every reference the lane needs

Arguments must be JSON values (text, numbers, lists, dicts): the key is their canonical JSON.
Answers may also hold numpy arrays, complex numbers and tuples; they come back as such.
A call whose answer was never recorded raises `MissingReference` naming the function, the
arguments and the command that records it.
"""

from __future__ import annotations

import atexit
import base64
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

IN_PYODIDE = sys.platform == "emscripten"
RECORD_ENV = "PROMETHEUS_RECORD_REFERENCES"  # CPython: folder to record into
REPLAY_ENV = "PROMETHEUS_REFERENCES"  # Pyodide: folder to replay from
RECORD_COMMAND = "python -m tests.pyodide.record"
# Arrays above this size are not recorded: the lane compares statevectors up to 16 qubits
# (1 MiB; a 24-qubit one would be 256 MiB); the CPython lane checks the larger ones.
MAX_RECORDED_BYTES = 1 << 20
# Set by the recorder: run only what the lane replays (tests read it through LANE_SUBSET).
SUBSET_ENV = "PROMETHEUS_RECORD_LANE_SUBSET"
LANE_SUBSET = IN_PYODIDE or os.environ.get(SUBSET_ENV) == "1"


class MissingReference(LookupError):
    pass


def _key(name: str, args, kwargs) -> str:
    text = json.dumps([name, list(args), kwargs], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def encode(value):
    """A JSON value for `value` (numpy arrays keep dtype and shape; complex and tuples kept)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return {
            "__ndarray__": data.dtype.str,
            "shape": list(data.shape),
            "data": base64.b64encode(data.tobytes()).decode("ascii"),
        }
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"cannot record a dict with non-text keys: {list(value)[:3]!r}")
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot record a {type(value).__name__}; convert it to arrays/lists first")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        import numpy as np

        flat = np.frombuffer(base64.b64decode(value["data"]), dtype=np.dtype(value["__ndarray__"]))
        return flat.reshape(value["shape"]).copy()
    if "__complex__" in value:
        return complex(*value["__complex__"])
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    return {k: decode(v) for k, v in value["__dict__"].items()}


class _Store:
    """The recorded answers of one file, loaded on first use, written at exit when recording."""

    def __init__(self):
        self.files: dict[str, dict] = {}
        self.dirty: set[str] = set()

    def folder(self, env: str) -> Path | None:
        value = os.environ.get(env)
        return Path(value) if value else None

    def table(self, file: str, folder: Path) -> dict:
        if file not in self.files:
            path = folder / f"{file}.json"
            self.files[file] = json.loads(path.read_text()) if path.exists() else {}
        return self.files[file]

    def save(self) -> None:
        folder = self.folder(RECORD_ENV)
        for file in sorted(self.dirty):
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f"{file}.json.part"
            partial.write_text(json.dumps(self.files[file], sort_keys=True))
            partial.replace(folder / f"{file}.json")
        self.dirty.clear()


_STORE = _Store()
atexit.register(_STORE.save)


def lookup(file: str, name: str, args, kwargs, compute):
    """The oracle's answer: computed (and recorded if asked) on CPython, replayed in Pyodide."""
    key = _key(name, args, kwargs)
    if IN_PYODIDE:
        folder = _STORE.folder(REPLAY_ENV)
        table = _STORE.table(file, folder) if folder else {}
        if key not in table:
            shown = json.dumps([list(args), kwargs])[:300]
            raise MissingReference(
                f"no recorded reference for {name}{shown} in {folder or '$' + REPLAY_ENV}/{file}.json; "
                f"record the oracle's answers on CPython with `{RECORD_COMMAND}`"
            )
        return decode(table[key])
    answer = compute()
    folder = _STORE.folder(RECORD_ENV)
    if folder is not None and getattr(answer, "nbytes", 0) <= MAX_RECORDED_BYTES:
        _STORE.table(file, folder)[key] = encode(answer)
        _STORE.dirty.add(file)
    return answer


def recorded(file: str):
    """Decorator: the function's answers are recorded into / replayed from `<file>.json`."""

    def wrap(function):
        name = f"{function.__module__.rsplit('.', 1)[-1]}.{function.__qualname__}"

        @functools.wraps(function)
        def call(*args, **kwargs):
            return lookup(file, name, args, kwargs, lambda: function(*args, **kwargs))

        return call

    return wrap


class RecordedObject:
    """An oracle object whose attribute values and method answers are recorded/replayed.

    `RecordedObject("infer", "st", model)` on CPython wraps the model; in Pyodide
    `RecordedObject("infer", "st", None)` answers from the file. `obj.encode(texts, ...)`,
    `obj.tokenizer(texts, ...)` and plain attributes (`obj.max_seq_length`) are all keyed by
    their dotted path and arguments. Answers go through `to_plain` first, so tokenizer
    outputs (a dict subclass) become plain dicts.
    """

    def __init__(self, file: str, path: str, target, to_plain=None):
        self._file, self._path, self._target = file, path, target
        self._to_plain = to_plain or (lambda value: value)

    def __getattr__(self, attribute):
        path = f"{self._path}.{attribute}"
        if IN_PYODIDE:
            try:
                return lookup(self._file, path, (), {"__attribute__": True}, None)
            except MissingReference:
                return RecordedObject(self._file, path, None, self._to_plain)
        value = getattr(self._target, attribute)
        if callable(value) or not isinstance(value, (bool, int, float, str, type(None))):
            return RecordedObject(self._file, path, value, self._to_plain)
        return lookup(self._file, path, (), {"__attribute__": True}, lambda: value)

    def __call__(self, *args, **kwargs):
        return lookup(
            self._file, self._path, args, kwargs, lambda: self._to_plain(self._target(*args, **kwargs))
        )

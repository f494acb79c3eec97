"""The TCK ratchet: per-directory pass counts that may only go up (see test_tck.py)."""

from __future__ import annotations

import json
from pathlib import Path

FLOOR_FILE = Path(__file__).with_name("floor.json")
KEYS = ("result", "error_type", "error_strict")


def load_floor() -> dict:
    if not FLOOR_FILE.exists():
        return {}
    return json.loads(FLOOR_FILE.read_text(encoding="utf-8"))


def raised_floor(floor: dict, per_dir: dict, targets: dict[str, bool]) -> dict:
    """`floor` with every count raised to this run's where the run did better; never lowered."""
    out = {key: dict(floor.get(key, {})) for key in KEYS}
    fields = {"result": "result_passed", "error_type": "error_type_ok", "error_strict": "error_passed"}
    for directory, counts in per_dir.items():
        if directory == "TOTAL":
            continue
        for key in KEYS:
            got = counts[fields[key]]
            if got > out[key].get(directory, 0):
                out[key][directory] = got
    reached = dict(floor.get("targets_reached", {}))
    for name, ok in targets.items():
        reached[name] = bool(reached.get(name)) or ok
    out["targets_reached"] = reached
    for key in KEYS:
        out[key] = dict(sorted(out[key].items()))
    return out


def save_floor(floor: dict) -> None:
    FLOOR_FILE.write_text(json.dumps(floor, indent=1, sort_keys=True) + "\n", encoding="utf-8")

"""The test environment's lock (tests/requirements.lock, written by build/lock.py) holds every
pin of the requirement files it was made from, at the same version, each with its hashes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))

from lock import LOCK, sources  # noqa: E402

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    return {canonical(m[1]): m[2] for line in text.splitlines() if (m := PIN.match(line.strip()))}


def locked() -> dict[str, list[str]]:
    """name -> the lock's lines for it (its pin and hash lines)."""
    entries: dict[str, list[str]] = {}
    current = None
    for line in LOCK.read_text().splitlines():
        if PIN.match(line):
            current = canonical(PIN.match(line)[1])
            entries[current] = [line]
        elif current and line.startswith("    --hash=sha256:"):
            entries[current].append(line)
        elif not line.startswith("    "):
            current = None
    return entries


def test_every_pin_is_locked_at_its_version():
    lock = pins(LOCK.read_text())
    for source in sources():
        for name, version in pins(source.read_text()).items():
            assert name in lock, f"{name} ({source.relative_to(ROOT)}) is not in the lock: run build/lock.py"
            # the lock may name the local build of the same release (torch 2.13.0+cpu)
            assert lock[name].split("+")[0] == version, (
                f"{source.relative_to(ROOT)} pins {name}=={version}, the lock {lock[name]}: run build/lock.py"
            )


def test_every_locked_package_has_a_hash():
    entries = locked()
    assert len(entries) > 50  # the whole tree, not only the direct pins
    unhashed = [name for name, lines in entries.items() if not any("--hash=sha256:" in x for x in lines)]
    assert unhashed == []

"""A real small disk for tests of what happens when storage runs out: a tmpfs mounted for the
test (root only; skipped with the reason elsewhere), and a filler file that leaves exactly as
much free space as a test asks for, then gives it back, as a learner freeing space would."""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted(folder: Path, megabytes: int):
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def free_bytes(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def settle(folder: Path, quiet_s: float = 1.0, limit_s: float = 30.0) -> None:
    """Until nothing writes to the disk: its free space unchanged for `quiet_s` (at most
    `limit_s`). A page's worker keeps what its start made (the start-up snapshot, numpy's files)
    in the background after ready; a filler measured while it writes does not fit."""
    deadline = time.monotonic() + limit_s
    last, since = free_bytes(folder), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.1)
        now = free_bytes(folder)
        if now != last:
            last, since = now, time.monotonic()


def leave_free(folder: Path, free: int) -> None:
    """Grow (or shrink) the filler file until `free` bytes are left (to a page), once the disk's
    other writers have settled."""
    settle(folder)
    filler = folder / "filler"
    size = (filler.stat().st_size if filler.exists() else 0) + free_bytes(folder) - free
    filler.touch()
    os.truncate(filler, 0)
    if size > 0:
        subprocess.run(["fallocate", "-l", str(size), str(filler)], check=True)


def give_back(folder: Path) -> None:
    (folder / "filler").unlink(missing_ok=True)

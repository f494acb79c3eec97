"""Locks the test environment with hashes: tests/requirements.lock, from the pinned requirement
files that `bash tests/run` needs (build/requirements.txt and tests/requirements/*.txt).

    python3 build/lock.py            # after changing one of those files; commit the lock

pip-tools' pip-compile (pinned below, run from a throwaway environment) resolves every
transitive dependency and records the sha256 of each file pip may install, so `bash tests/run`
installs exactly these bytes (`pip install --require-hashes`, build/environment.py), and a
package changed on the index fails the install instead of changing the result. Index URLs are
left out of the lock: pip's own configuration names the machine's indexes (torch's CPU wheel
included), as it does for any other install here. tests/build/test_lock.py checks that the lock
holds each pin of those files at the same version.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "tests" / "requirements.lock"
PIP_TOOLS = "pip-tools==7.6.2"


def sources() -> list[Path]:
    """The requirement files the test environment is made of."""
    return [ROOT / "build" / "requirements.txt", *sorted((ROOT / "tests" / "requirements").glob("*.txt"))]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="prometheus-lock-") as tmp:
        tools = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(tools)
        python = str(tools / "bin" / "python")
        subprocess.run([python, "-m", "pip", "install", "--quiet", PIP_TOOLS], check=True)
        command = [
            python,
            "-m",
            "piptools",
            "compile",
            "--quiet",
            "--generate-hashes",
            "--allow-unsafe",
            "--strip-extras",
            "--no-emit-index-url",
            "--no-emit-find-links",
            "--output-file",
            str(LOCK.relative_to(ROOT)),
            *(str(path.relative_to(ROOT)) for path in sources()),
        ]
        subprocess.run(command, cwd=ROOT, check=True)
    print(f"[lock] wrote {LOCK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

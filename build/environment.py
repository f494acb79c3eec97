"""The project's own virtual environment (.venv), with pinned requirements installed.

    python build/environment.py REQUIREMENTS.txt ...   # prints the environment's python

Both README commands run in it, so nothing the machine happens to have installed (another
numpy, another pytest) changes what is built or tested. Installs only when the requirement
files changed since the last install (a digest is kept in the environment).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("PROMETHEUS_VENV", ROOT / ".venv"))
STAMP = VENV / "requirements-installed.json"  # file -> sha256 of what was installed


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure(requirement_files: list[Path], log=lambda message: print(message, file=sys.stderr)) -> Path:
    files = sorted(Path(f).resolve() for f in requirement_files)
    wanted = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    python = venv_python()
    if not python.exists():
        log(f"[venv] creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    installed = json.loads(STAMP.read_text()) if STAMP.exists() else {}
    if all(installed.get(name) == digest for name, digest in wanted.items()):
        return python
    log("[venv] pip install " + " ".join(f"-r {f.relative_to(ROOT)}" for f in files))
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    if any(file.suffix == ".lock" for file in files):  # hash-locked (build/lock.py): exactly those bytes
        command.append("--require-hashes")
    for file in files:
        command += ["-r", str(file)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"[venv] installing requirements into {VENV} failed (see above)")
    STAMP.write_text(json.dumps({**installed, **wanted}, indent=1, sort_keys=True))
    return python


if __name__ == "__main__":
    print(ensure([Path(arg) for arg in sys.argv[1:]]))

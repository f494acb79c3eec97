"""Records the oracle answers that the Pyodide lane replays (see tests/references.py).

    python -m tests.pyodide.record           # record, unless the stamp says they are current
    python -m tests.pyodide.record --force
    python -m tests.pyodide.record --stamp   # the CPython lane just recorded them (tests/run)

Runs, on CPython, the suites whose oracles cannot run in Pyodide (Qiskit and qiskit-aer in
tests/quantum, sentence-transformers in tests/infer) with $PROMETHEUS_RECORD_REFERENCES set, so
each oracle call also stores its answer in dist-lane/references/. A stamp holds the digest of
everything that can change an answer (those suites, tests/references.py, the oracles' pins,
the conformance circuits); the lane records again whenever it differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.pyodide.lane import REFERENCES  # noqa: E402
from tests.references import RECORD_ENV, SUBSET_ENV  # noqa: E402
from tests.shared_data import SHARED  # noqa: E402

SUITES = ("tests/quantum", "tests/infer")
STAMP = REFERENCES / "stamp.json"


def inputs() -> list[Path]:
    files = [ROOT / "tests" / "references.py", ROOT / "tests" / "shared_data.py"]
    files += [ROOT / "tests" / "requirements" / f"{name}.txt" for name in ("quantum", "infer")]
    for suite in SUITES:
        files += sorted(p for p in (ROOT / suite).rglob("*.py") if "__pycache__" not in p.parts)
    qasm = SHARED / "conformance" / "qasm"
    if qasm.is_dir():
        files += sorted(p for p in qasm.rglob("*") if p.is_file())
    return files


def digest() -> str:
    h = hashlib.sha256()
    for path in inputs():
        h.update(path.relative_to(path.anchor).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def is_current() -> bool:
    return STAMP.exists() and json.loads(STAMP.read_text()).get("digest") == digest()


def write_stamp() -> None:
    STAMP.parent.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(json.dumps({"digest": digest(), "suites": SUITES}, indent=1) + "\n")


def record(log=lambda message: print(f"[record] {message}", flush=True)) -> None:
    """Runs the suites on CPython, recording every oracle answer; test failures do not stop it
    (an answer of the oracle is valid whatever our code does), a broken run does."""
    shutil.rmtree(REFERENCES, ignore_errors=True)
    REFERENCES.mkdir(parents=True)
    started = time.perf_counter()
    log(f"recording oracle answers on CPython: {' '.join(SUITES)}")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:cacheprovider", "-m", "not browser"],
        cwd=ROOT,
        env={**os.environ, RECORD_ENV: str(REFERENCES), SUBSET_ENV: "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    tail = "\n".join(result.stdout.strip().splitlines()[-3:])
    if result.returncode not in (0, 1):
        raise RuntimeError(
            f"recording run failed (exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
        )
    write_stamp()
    sizes = {p.name: p.stat().st_size for p in REFERENCES.glob("*.json") if p != STAMP}
    log(f"recorded {sizes} in {time.perf_counter() - started:.0f} s; CPython run: {tail}")


def ensure() -> None:
    if not is_current():
        record()


if __name__ == "__main__":
    if "--stamp" in sys.argv:
        write_stamp()
    elif "--force" in sys.argv or not is_current():
        record()
    else:
        print(f"[record] {REFERENCES} is current")

"""The core for Python users: a wheel built from pyproject.toml by its own backend (setuptools),
installed into a fresh virtual environment, runs each engine on CPython.

The source tree is copied first, so setuptools' own `build/` folder never lands in ours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.browser.harness import build_bundle

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.cpython_only("builds and installs a wheel with pip")]

# One call per engine, run by the fresh environment's Python, each answer printed as JSON.
ENGINES = r"""
import json, sys
from datetime import datetime, timezone
import numpy as np
from prometheus.graph import Graph
from prometheus.srs import Card, Rating, Scheduler
from prometheus.quantum import from_qasm, probabilities
from prometheus.infer import Embedder

graph = Graph()
graph.run("CREATE (:Concept {key: 'qubit'})-[:REQUIRES]->(:Concept {key: 'vector'})")
path = graph.run("MATCH (a {key: 'qubit'})-[:REQUIRES]->(b) RETURN b.key AS key").data()

card, log = Scheduler().review_card(Card(), Rating.Good, datetime(2026, 1, 1, tzinfo=timezone.utc))

bell = from_qasm('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cx q[0], q[1];')

embedder = Embedder.load(sys.argv[1])
vectors = embedder.embed(["a qubit is a two-level system", "a qubit is a two-state quantum system", "bread"])

print(json.dumps({
    "module": __import__("prometheus").__file__,
    "graph": path,
    "srs_due_after_minutes": (card.due - datetime(2026, 1, 1, tzinfo=timezone.utc)).total_seconds() / 60,
    "bell": np.round(probabilities(bell), 6).tolist(),
    "norms": np.linalg.norm(vectors, axis=1).tolist(),
    "similar": float(vectors[0] @ vectors[1]),
    "unrelated": float(vectors[0] @ vectors[2]),
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "py_core", source / "py_core", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, source],
        check=True,
    )
    (built,) = out.glob("prometheus_web-*-py3-none-any.whl")
    return built


def test_the_wheel_holds_the_package_and_its_data_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    sources = {
        p.relative_to(ROOT / "py_core").as_posix()
        for p in (ROOT / "py_core" / "prometheus").rglob("*")
        if p.suffix in {".py", ".json", ".inc", ".txt"} and "__pycache__" not in p.parts
    }
    assert sources <= set(names), sorted(sources - set(names))[:5]
    assert not [n for n in names if n.startswith(("tests/", "build/", "bench/"))]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: prometheus-web" in text and "Requires-Dist: numpy" in text


def test_the_wheel_installs_into_a_fresh_venv_and_runs_each_engine(wheel, tmp_path):
    model = build_bundle() / "models" / "minilm-int8.bin"
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    numpy = next(
        line
        for line in (ROOT / "build" / "requirements.txt").read_text().splitlines()
        if line.startswith("numpy==")
    )
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel), numpy], check=True)
    script = tmp_path / "engines.py"
    script.write_text(ENGINES)
    answer = subprocess.run(
        [python, str(script), str(model)], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    result = json.loads(answer.stdout)
    assert result["module"].startswith(str(env))  # the installed copy, not this checkout
    assert result["graph"] == [{"key": "vector"}]
    # FSRS: Good on a new card moves it to the second learning step, (1 min, 10 min) by default
    assert result["srs_due_after_minutes"] == pytest.approx(10)
    assert result["bell"] == [0.5, 0.0, 0.0, 0.5]  # |00> and |11>, each with probability 1/2
    assert all(abs(n - 1) < 1e-5 for n in result["norms"])  # unit vectors
    assert result["similar"] > result["unrelated"] + 0.2  # paraphrases closer than unrelated text

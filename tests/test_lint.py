"""The linters, as tests: ruff (rules and formatting) over the Python tree, mypy over py_core.

Their configuration is in pyproject.toml; their versions are pinned in
tests/requirements/lint.txt, which `bash tests/run` installs. Each test prints the tool's own
report when it fails, and its time when run with `-s`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON_TREE = ["py_core", "tests", "build", "bench", "serve.py"]

pytestmark = pytest.mark.cpython_only("runs command-line tools")


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess:
    if find_spec(module) is None:
        pytest.fail(f"{module} is not installed: install tests/requirements/lint.txt (bash tests/run does)")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    print(f"{module} {' '.join(args)}: {time.perf_counter() - started:.1f} s")
    return done


def test_ruff_finds_nothing():
    done = run_tool("ruff", "check", "--no-cache", *PYTHON_TREE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_python_tree_is_formatted():
    done = run_tool("ruff", "format", "--check", "--no-cache", *PYTHON_TREE)
    assert done.returncode == 0, "run `ruff format` on:\n" + done.stdout + done.stderr


def test_mypy_finds_nothing_in_the_core():
    done = run_tool("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout, done.stdout


def test_the_package_says_it_is_typed():
    assert (ROOT / "py_core" / "prometheus" / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"py.typed"' in pyproject, "py.typed must be in [tool.setuptools.package-data] to ship"

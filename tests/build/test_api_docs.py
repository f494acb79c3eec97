"""docs/rpc.md and web/prometheus.d.ts say what the registry says, and their examples run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))

import api_docs  # noqa: E402

pytestmark = pytest.mark.cpython_only(reason="reads the source tree and runs subprocesses")


def test_generated_files_match_the_registry():
    stale = [str(p.relative_to(ROOT)) for p in api_docs.drifted()]
    assert stale == [], f"{stale} drifted from the registry: run `python build/api_docs.py` and commit"


def test_every_method_is_in_both_files():
    api = api_docs.describe_api()
    markdown, dts = api_docs.MARKDOWN.read_text(), api_docs.DTS.read_text()
    for m in api["methods"]:
        assert f"\n### {m['name']}\n" in markdown
        assert f"  {json.dumps(m['name'])}: {{ params: " in dts
    for t in api["types"]:
        assert f"export {'type' if 'alias' in t else 'interface'} {t['name']} " in dts


def test_a_changed_method_is_drift(monkeypatch):
    """The check compares content: a method whose doc changes makes both files stale."""
    api = api_docs.describe_api()
    api["methods"][0]["doc"] += " Changed."
    monkeypatch.setattr(api_docs, "describe_api", lambda: api)
    assert set(api_docs.drifted()) == {api_docs.MARKDOWN, api_docs.DTS}


# Runs in a fresh interpreter: core.methods first (it imports every engine: no heavy package and
# no model may load), then each documented example through the real dispatcher.
PROBE = r"""
import json, sys
sys.path[:0] = [sys.argv[1]]
from prometheus.rpc import dispatch
from tests.rpc_call import run_coroutine
before = set(sys.modules)
listed = json.loads(run_coroutine(dispatch("core.methods", "")))["result"]
from prometheus.infer import rpc as infer_rpc
heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("scipy", "sqlite3", "tzdata", "torch"))
model_loaded = infer_rpc._state["embedder"] is not None
failed = {}
for name, params in json.loads(sys.argv[2]).items():
    envelope = json.loads(run_coroutine(dispatch(name, json.dumps(params))))
    if "error" in envelope:
        failed[name] = envelope["error"]["message"]
print(json.dumps({"failed": failed, "methods": len(listed["methods"]), "heavy": heavy, "model_loaded": model_loaded}))
"""


def test_examples_run_and_core_methods_stays_light():
    api = api_docs.describe_api()
    examples = {m["name"]: m["example"] for m in api["methods"] if m["example"] is not None}
    assert len(examples) >= 5
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "py_core"), json.dumps(examples)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["failed"] == {}
    assert report["methods"] == len(api["methods"])
    assert report["heavy"] == [] and report["model_loaded"] is False

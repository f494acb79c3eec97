"""The worker as shipped: one file holding worker/'s scripts whole, worker.js last, in the order
it needs (build/worker_bundle.py), and nothing else in dist/worker."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.browser.harness import ROOT, build_bundle

sys.path.insert(0, str(ROOT / "build"))

from worker_bundle import PARTS, worker_bundle


def test_the_shipped_worker_is_the_parts_in_order():
    dist = build_bundle()
    assert sorted(p.name for p in (dist / "worker").iterdir()) == ["worker.js"]
    shipped = (dist / "worker" / "worker.js").read_text()
    positions = [shipped.index((ROOT / "worker" / name).read_text()) for name in PARTS]
    assert positions == sorted(positions) and PARTS[-1] == "worker.js"
    assert len(shipped) == sum(len((ROOT / "worker" / n).read_text()) for n in PARTS) + sum(
        len(f"// ---- worker/{n} ----\n") for n in PARTS
    )
    # One script that parses, in strict mode: the first part's "use strict" opens the file.
    if shutil.which("node"):
        command = ["node", "--check", str(dist / "worker" / "worker.js")]
        done = subprocess.run(command, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()


def test_a_script_the_bundle_does_not_name_fails_the_build(tmp_path):
    for name in PARTS:
        shutil.copy(ROOT / "worker" / name, tmp_path / name)
    (tmp_path / "tabs.js").write_text("// a new part of the worker\n")
    with pytest.raises(ValueError, match=r"tabs\.js is not part of the worker bundle"):
        worker_bundle(tmp_path)
    (tmp_path / "tabs.js").unlink()
    (tmp_path / "store.js").unlink()
    with pytest.raises(FileNotFoundError, match=r"store\.js: a part of the worker bundle is missing"):
        worker_bundle(tmp_path)

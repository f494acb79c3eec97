"""Build step: the SDK as an npm package (`npm pack`), where web developers look for it.

    python build/npm_package.py [--dist DIR] [--out DIR]     (after build/build.py filled DIR)

The package is the engine bundle itself, so `node_modules/prometheus-web/` can be served as is:
the ES module entry (prometheus.mjs), the script-tag file (prometheus.js), the types
(prometheus.d.ts), the worker, the Pyodide runtime with its packages and the core wheel, and
the model. Nothing is fetched from a CDN at run time, as with the script tag. A site copies the
bundle to its static folder with one command, `npx prometheus-web-copy public/prometheus`, and
points the SDK at it (`createPrometheus({base: "/prometheus/"})`, or the script tag's src).
Like the Pyodide and transformers.js packages, it has no dependencies.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build"))

from core_wheel import core_metadata  # noqa: E402
from pyodide_runtime import BuildError  # noqa: E402

# What the package holds, from the bundle (files or whole folders).
FROM_BUNDLE = ("prometheus.js", "prometheus.mjs", "prometheus.d.ts", "worker", "pyodide", "models")

# bin/prometheus-web-copy: copies the bundle into a site's static folder (Node's standard library only).
COPY_BIN = """#!/usr/bin/env node
// Copies the Prometheus bundle into a static folder:  npx prometheus-web-copy public/prometheus
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const target = process.argv[2];
if (!target) {
  console.error("usage: prometheus-web-copy <folder>   (e.g. public/prometheus)");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(resolve(target), { recursive: true });
for (const name of %s) cpSync(join(root, name), join(resolve(target), name), { recursive: true });
console.log("prometheus-web: bundle copied to " + resolve(target) + "; serve it and load prometheus.js from there");
"""


def package_json(version: str, description: str, license_name: str) -> dict:
    return {
        "name": "prometheus-web",
        "version": version,
        "description": description,
        "license": license_name,
        "type": "module",
        "main": "./prometheus.mjs",
        "module": "./prometheus.mjs",
        "types": "./prometheus.d.ts",
        "exports": {
            ".": {"types": "./prometheus.d.ts", "import": "./prometheus.mjs", "default": "./prometheus.mjs"},
            "./prometheus.js": "./prometheus.js",
            "./package.json": "./package.json",
        },
        "bin": {"prometheus-web-copy": "bin/copy-bundle.js"},
        "files": [*FROM_BUNDLE, "bin", "README.md"],
        "keywords": [
            "spaced-repetition",
            "fsrs",
            "cypher",
            "quantum",
            "embeddings",
            "pyodide",
            "webassembly",
        ],
        "engines": {"node": ">=18"},
        "sideEffects": ["./prometheus.js"],
    }


def build_npm_package(dist: Path, out: Path, log=print) -> Path:
    """Stages the package from `dist` and runs `npm pack` into `out`; returns the tarball."""
    missing = [name for name in FROM_BUNDLE if not (dist / name).exists()]
    if missing:
        raise BuildError(f"{', '.join(missing)} missing from {dist}: build the bundle first (build/build.py)")
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed to pack the npm package (Node 20)")
    meta = core_metadata(ROOT)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prometheus-npm-") as tmp:
        stage = Path(tmp) / "package"
        stage.mkdir()
        for name in FROM_BUNDLE:
            source = dist / name
            if source.is_dir():
                shutil.copytree(source, stage / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
            else:
                shutil.copy2(source, stage / name)
        (stage / "bin").mkdir()
        (stage / "bin" / "copy-bundle.js").write_text(COPY_BIN % json.dumps(list(FROM_BUNDLE)))
        (stage / "bin" / "copy-bundle.js").chmod(0o755)
        (stage / "README.md").write_text(_readme())
        manifest = package_json(meta["version"], meta["summary"], meta["license"] or "MIT")
        (stage / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        result = subprocess.run(
            [npm, "pack", "--json", "--pack-destination", str(out.resolve())],
            cwd=stage,
            check=False,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise BuildError(f"npm pack failed: {result.stderr.strip()[-500:]}")
        packed = json.loads(result.stdout)[0]
    tarball = out / packed["filename"]
    log(f"npm package {tarball.name}: {packed['size']:,} bytes packed, {packed['unpackedSize']:,} unpacked")
    return tarball


def _readme() -> str:
    return """# prometheus-web

A learning engine that runs in the browser: knowledge graph (Cypher), FSRS spaced repetition,
a qubit simulator and int8 sentence embeddings, in Python (Pyodide) inside a Web Worker.
Everything it needs is in this package; nothing is fetched from a CDN.

    npm install prometheus-web
    npx prometheus-web-copy public/prometheus      # the bundle, served by your site

```ts
import { createPrometheus } from "prometheus-web";

const prometheus = createPrometheus({ base: "/prometheus/" });  // where you copied the bundle
await prometheus.ready;
const rows = await prometheus.call("graph.run", { query: "RETURN 1 AS one" });
```

Or without a bundler: `<script src="/prometheus/prometheus.js"></script>` defines `window.Prometheus`.
Serve the page cross-origin isolated (COOP `same-origin`, COEP `require-corp`) to let calls be
cancelled. Types: prometheus.d.ts; every method: docs/rpc.md in the repository.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--out", type=Path, default=ROOT / "dist-npm")
    args = parser.parse_args(argv)
    try:
        build_npm_package(args.dist, args.out)
    except BuildError as exc:
        print(f"[npm] {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

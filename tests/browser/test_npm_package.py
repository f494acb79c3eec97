"""The npm package as a web developer uses it: `npm install` the tarball into a scratch project,
type-check a TypeScript page against the package's own types, copy the bundle into the site's
static folder with the package's command, serve it and reach `ready` in Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from serve import serve_in_thread
from tests.browser.harness import build_bundle
from tests.typescript.test_dts import tsc  # noqa: F401 - the pinned compiler, as a fixture

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))

from npm_package import FROM_BUNDLE, build_npm_package  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.cpython_only("packs and installs with npm")]

# The developer's page: typed against "prometheus-web" as installed from the tarball.
PAGE_TS = """import { createPrometheus, PrometheusError } from "prometheus-web";
import type { QueryResult } from "prometheus-web";

const prometheus = createPrometheus({ persist: false });

async function main(): Promise<void> {
  const capabilities = await prometheus.ready;
  const rows: QueryResult = await prometheus.call("graph.run", { query: "RETURN 40 + 2 AS answer" });
  let refused = "";
  try {
    await prometheus.call("graph.run", { query: "RETURN" });
  } catch (error) {
    if (error instanceof PrometheusError) refused = error.type;
  }
  (window as unknown as { result: unknown }).result = { version: capabilities.version, rows: rows.rows, refused };
}
main();
"""

INDEX_HTML = """<!doctype html><meta charset="utf-8"><title>npm scratch site</title>
<link rel="icon" href="data:,">
<script type="importmap">{"imports": {"prometheus-web": "./prometheus/prometheus.mjs"}}</script>
<script type="module" src="./page.js"></script>
"""

TSCONFIG = {
    "compilerOptions": {
        "target": "ES2022",
        "module": "ES2022",
        "moduleResolution": "bundler",
        "lib": ["ES2022", "DOM"],
        "strict": True,
        "outDir": "public",
        "types": [],
    },
    "files": ["page.ts"],
}


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    return build_npm_package(build_bundle(), tmp_path_factory.mktemp("npm"), log=lambda message: None)


def test_the_tarball_holds_the_sdk_its_types_and_the_bundle(tarball):
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("package/package.json"))
    for name in (
        "prometheus.mjs",
        "prometheus.js",
        "prometheus.d.ts",
        "worker/worker.js",
        "pyodide/pyodide.js",
    ):
        assert f"package/{name}" in names
    assert any(n.startswith("package/pyodide/prometheus_web-") for n in names)
    assert manifest["exports"]["."]["types"] == "./prometheus.d.ts"
    assert manifest.get("dependencies", {}) == {}
    shipped = (ROOT / "dist" / "prometheus.d.ts").read_bytes()
    with tarfile.open(tarball) as archive:
        assert archive.extractfile("package/prometheus.d.ts").read() == shipped


def test_a_typescript_site_installs_the_package_and_reaches_ready(tarball, tsc, tmp_path, browser):  # noqa: F811
    site = tmp_path / "site"
    site.mkdir()
    (site / "package.json").write_text(
        json.dumps({"name": "scratch-site", "private": True, "type": "module"})
    )
    npm = ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline"]
    subprocess.run([*npm, str(tarball)], cwd=site, check=True, stdout=subprocess.DEVNULL)
    (site / "page.ts").write_text(PAGE_TS)
    (site / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    compiled = subprocess.run(
        ["node", str(tsc), "-p", "tsconfig.json", "--pretty", "false"],
        cwd=site,
        check=False,
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, compiled.stdout
    copied = subprocess.run(
        ["npx", "--no-install", "prometheus-web-copy", "public/prometheus"],
        cwd=site,
        check=False,
        capture_output=True,
        text=True,
    )
    assert copied.returncode == 0, copied.stderr
    assert all((site / "public" / "prometheus" / name).exists() for name in FROM_BUNDLE)
    (site / "public" / "index.html").write_text(INDEX_HTML)

    server, url = serve_in_thread(site / "public", "127.0.0.1")
    context = browser.new_context()
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.goto(url + "index.html")
        page.wait_for_function("() => window.result", timeout=120_000)
        result = page.evaluate("() => window.result")
    finally:
        context.close()
        server.shutdown()
    installed = json.loads((site / "node_modules" / "prometheus-web" / "package.json").read_text())
    assert result == {"version": installed["version"], "rows": [[42]], "refused": "CypherSyntaxError"}
    assert problems == []
    shutil.rmtree(site / "node_modules")  # 40 MB: not kept in the test's tmp

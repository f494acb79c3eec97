"""One Chromium, one bundle server and one loaded SDK page, shared by every browser test.

The host page is served from a different origin (localhost:PORT) than the bundle
(127.0.0.1:PORT), with COOP/COEP, so every test exercises the real cross-origin,
cross-origin-isolated script-tag integration.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium_missing() -> str | None:
    """Why the browser cannot start (no executable at CHROMIUM), or None."""
    if Path(CHROMIUM).exists():
        return None
    return f"Chromium is not installed at {CHROMIUM}; bash tests/chromium.sh installs it (tests/run and bench/run call it)"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
WEBGPU_ARGS = ["--enable-unsafe-webgpu"]  # SwiftShader adapter on a machine without a GPU

# JS run in the page for one call: never throws, so Playwright sees a plain value.
CALL_JS = """async ([method, params]) => {
  try { return { ok: true, value: await Prometheus.call(method, params) }; }
  catch (e) { return { ok: false, type: e.type || e.name, message: e.message, traceback: e.pythonTraceback || "" }; }
}"""


class BrowserCallError(Exception):
    """A call whose promise rejected; `.type` is the Python exception's class name."""

    def __init__(self, type_: str, message: str, traceback: str = ""):
        super().__init__(f"{type_}: {message}")
        self.type = type_
        self.message = message
        self.traceback = traceback


class SDK:
    """The page's `window.Prometheus`, driven from Python."""

    def __init__(self, page, bundle_url: str):
        self.page = page
        self.bundle_url = bundle_url

    def call(self, method: str, params=None):
        outcome = self.page.evaluate(CALL_JS, [method, {} if params is None else params])
        if not outcome["ok"]:
            raise BrowserCallError(outcome["type"], outcome["message"], outcome["traceback"])
        return outcome["value"]

    def evaluate(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)


def build_bundle() -> Path:
    subprocess.run([sys.executable, str(ROOT / "build" / "build.py"), "--quiet"], check=True)
    return DIST


def host_page(bundle_url: str, attributes: str = "") -> str:
    """A page of another site that integrates the SDK with one script tag."""
    return f"""<!doctype html><meta charset="utf-8"><title>host</title><link rel="icon" href="data:,">
<script src="{bundle_url}prometheus.js" {attributes}></script>
<script>
  window.__events = [];
  for (const type of ["progress", "ready", "error"]) {{
    Prometheus.on(type, (detail) => window.__events.push({{ type, detail: type === "error" ? String(detail) : detail }}));
  }}
</script>
<p>host page</p>
"""


def module_page(bundle_url: str) -> str:
    return f"""<!doctype html><meta charset="utf-8"><title>module host</title><link rel="icon" href="data:,">
<script type="module">
  import {{ createPrometheus }} from {json.dumps(bundle_url + "prometheus.mjs")};
  const client = window.__client = createPrometheus();
  window.__module = client.ready.then(() => client.call("version")).then(
    (value) => ({{ ok: true, value }}), (e) => ({{ ok: false, message: String(e) }}));
</script>
"""

"""The SDK in headless Chromium for the benchmarks that time engines inside Pyodide.

The bundle is served on 127.0.0.1 and a host page on localhost, the way a site embeds the
one-line script tag (the same set-up as the browser tests). The page has reached `ready`
before the caller gets it.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SdkPage:
    page: object  # playwright Page with `Prometheus` ready
    browser: object  # its Browser, for more pages
    bundle_url: str  # where dist/ is served (ends with /)
    pages: Path  # folder served at pages_url: write extra pages here
    pages_url: str  # the host pages' origin (localhost, ends with /)


@contextmanager
def sdk_page(timeout_ms: int = 600_000):
    from playwright.sync_api import sync_playwright

    from serve import serve_in_thread
    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, build_bundle, host_page

    server, bundle_url = serve_in_thread(build_bundle(), "127.0.0.1")
    pages = Path(tempfile.mkdtemp(prefix="bench-"))
    (pages / "host.html").write_text(host_page(bundle_url))
    pages_server, pages_url = serve_in_thread(pages, "127.0.0.1")
    pages_url = pages_url.replace("127.0.0.1", "localhost")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(timeout_ms)
                page.goto(pages_url + "host.html")
                page.evaluate("() => Prometheus.ready")
                yield SdkPage(page, browser, bundle_url, pages, pages_url)
            finally:
                browser.close()
    finally:
        server.shutdown()
        pages_server.shutdown()


# A page with a bare Pyodide (no SDK, no worker): the bundle's runtime and core wheel only.
BARE_PAGE = """<!doctype html><meta charset="utf-8"><title>bare pyodide</title>
<script src="{bundle}pyodide/pyodide.js"></script>
<script>
  window.__py = loadPyodide({{ indexURL: "{bundle}pyodide/" }}).then(async (py) => {{
    await py.loadPackage(["prometheus-web"], {{ messageCallback: () => {{}} }});
    return py;
  }});
</script>
"""

# Writes the given files into Pyodide's file system, imports `module`, awaits
# `module.function(**kwargs)` and returns its answer as JSON. The only Python in here is the call.
CALL_IN_PYODIDE_JS = """async ([files, module, fn, kwargs]) => {
  const py = await window.__py;
  for (const [path, text] of Object.entries(files)) {
    py.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    py.FS.writeFile(path, text);
  }
  py.runPython("import sys\\nif '/bench-src' not in sys.path: sys.path.insert(0, '/bench-src')");
  const call = await py.runPythonAsync(`
import importlib, json
async def __bench_call(module, fn, kwargs):
    return json.dumps(await getattr(importlib.import_module(module), fn)(**json.loads(kwargs)))
__bench_call`);
  try { return JSON.parse(await call(module, fn, JSON.stringify(kwargs))); } finally { call.destroy(); }
}"""


def bare_pyodide_page(browser, pages: Path, pages_url: str, bundle_url: str, timeout_ms: int = 1_200_000):
    """A new page running a bare Pyodide with the bundle's core wheel loaded."""
    (pages / "bare.html").write_text(BARE_PAGE.format(bundle=bundle_url))
    page = browser.new_page()
    page.set_default_timeout(timeout_ms)
    page.goto(pages_url + "bare.html")
    return page


def run_in_page_pyodide(page, module: str, function: str, kwargs: dict):
    """`await module.function(**kwargs)` inside the page's Pyodide, with the bench package's
    Python files copied in, so the code that runs there is ordinary, importable Python (the
    equivalent of pytest-pyodide's `run_in_pyodide` for a script outside pytest)."""
    root = Path(__file__).resolve().parent
    files = {
        f"/bench-src/bench/{p.relative_to(root).as_posix()}": p.read_text()
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }
    return page.evaluate(CALL_IN_PYODIDE_JS, [files, module, function, kwargs])

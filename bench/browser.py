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
    page: object        # playwright Page with `Prometheus` ready
    browser: object     # its Browser, for more pages
    bundle_url: str     # where dist/ is served (ends with /)
    pages: Path         # folder served at pages_url: write extra pages here
    pages_url: str      # the host pages' origin (localhost, ends with /)


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

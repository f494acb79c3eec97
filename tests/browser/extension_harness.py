"""The built extension (dist/extension) loaded unpacked into Debian's Chromium, offline.

Extensions load only in a persistent context; `--load-extension` works with unbranded
Chromium, and the new headless mode runs extensions (RUNTIME.md). Every http(s) request is
aborted and recorded; console errors, page errors and CSP violations (which Chromium logs as
console errors) fail the test, as in every browser test (page_errors.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, DIST

EXTENSION = DIST / "extension"
READY_TIMEOUT_MS = 120_000
NETWORK = re.compile(r"^https?://", re.IGNORECASE)


def extension_id(manifest: dict) -> str:
    """Chrome's id for a manifest `key`: the sha256 of the public key (DER), first 32 hex
    digits written with the letters a-p."""
    digest = hashlib.sha256(base64.b64decode(manifest["key"])).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def manifest(folder: Path = EXTENSION) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@dataclass
class Browser:
    """One running Chromium with the extension; `requests` fills as it runs (its console errors,
    page errors and CSP violations fail the test: page_errors.py)."""

    context: object
    user_data_dir: Path
    requests: list = field(default_factory=list)

    known_id: str | None = None

    @property
    def worker(self):
        """The extension's service worker (waits up to 30 s for it to start)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for _ in range(30):
            workers = [w for w in self.context.service_workers if w.url.startswith("chrome-extension://")]
            if workers:
                return workers[0]
            try:
                return self.context.wait_for_event("serviceworker", timeout=1_000)
            except PlaywrightTimeout:
                continue
        raise AssertionError("the extension's service worker did not start")

    @property
    def id(self) -> str:
        """The id Chromium gave the extension (read from its running service worker)."""
        if self.known_id is None:
            self.known_id = self.worker.url.split("/")[2]
        return self.known_id

    def url(self, page: str) -> str:
        return f"chrome-extension://{self.id}/{page}"

    def open(self, page: str, ready: bool = False):
        """Opens an extension page in a tab; with ready=True, waits for its engine."""
        tab = self.context.new_page()
        tab.goto(self.url(page))
        if ready:
            wait_ready(tab)
        return tab

    def close(self) -> None:
        self.context.close()


def wait_ready(page) -> None:
    page.wait_for_function(
        "() => ['ready', 'failed'].includes(document.body.dataset.state)", timeout=READY_TIMEOUT_MS
    )
    state = page.evaluate("() => document.body.dataset.state")
    assert state == "ready", f"{page.url}: the engine did not start: {page.text_content('#status')}"
    page.set_default_timeout(READY_TIMEOUT_MS)


def launch(playwright, user_data_dir: Path, folder: Path = EXTENSION) -> Browser:
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS
        + [
            f"--disable-extensions-except={folder}",
            f"--load-extension={folder}",
            "--hide-crash-restore-bubble",
        ],
    )
    browser = Browser(context, user_data_dir)

    def abort(route):
        browser.requests.append(route.request.url)
        route.abort()

    context.route(NETWORK, abort)
    return browser

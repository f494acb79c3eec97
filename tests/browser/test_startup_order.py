"""What a cold start waits for, shown by holding one download at the server: the runtime does
not wait for the lock file, and the store opens while the runtime is still starting.

Each test is a first visit (a new context: empty HTTP cache, no snapshot, no store), with the
SDK's page on another origin than the bundle, as a site embeds it."""

from __future__ import annotations

import pytest

from serve import serve_in_thread
from tests.browser.harness import DIST, host_page
from tests.browser.pwa_server import BundleServer

STORE_DB = "prometheus-store:default"
SNAPSHOT_FOLDER = "prometheus-startup-snapshots"


@pytest.fixture
def bundle(bundle_url):  # bundle_url: the session's build of dist/
    server = BundleServer(DIST)
    yield server
    for released in server._held.values():
        released.set()
    server.stop()


@pytest.fixture
def visit(browser, bundle, tmp_path):
    """Opens the host page in a new context; returns the page (not waiting for ready)."""
    (tmp_path / "host.html").write_text(host_page(bundle.url))
    pages, url = serve_in_thread(tmp_path, "127.0.0.1")
    context = browser.new_context()

    def open_page():
        page = context.new_page()
        page.goto(url.replace("127.0.0.1", "localhost") + "host.html")
        return page

    yield open_page
    context.close()
    pages.shutdown()


def requested(bundle, name: str) -> bool:
    """Whether the server has answered a request for the file `name`."""
    return any(path.endswith("/" + name) for path, _status in list(bundle.requests))


def wait_for_answer(page, bundle, name: str, limit_s: float = 60) -> bool:
    for _ in range(int(limit_s * 10)):
        if requested(bundle, name):
            return True
        page.wait_for_timeout(100)
    return False


def wait_until(page, promise_js: str, limit_s: float = 60) -> bool:
    """Polls a page expression that gives a promise (wait_for_function takes a promise for a
    true value), until it resolves to true."""
    for _ in range(int(limit_s * 10)):
        if page.evaluate(f"() => {promise_js}") is True:
            return True
        page.wait_for_timeout(100)
    return False


def test_the_runtime_download_starts_before_the_lock_file_arrives(bundle, visit):
    lock = bundle.hold("pyodide-lock.json")
    page = visit()
    # loadPyodide requests the wasm as it begins: the worker called it with the lock unanswered.
    assert wait_for_answer(page, bundle, "pyodide.asm.wasm"), bundle.requests
    assert not requested(bundle, "pyodide-lock.json")  # still held: nothing waited for it
    lock.set()
    capabilities = page.evaluate("() => Prometheus.ready")
    assert capabilities["snapshot"] == "made"  # the key came later, in time for the snapshot
    assert page.evaluate("() => Prometheus.call('core.stats', {values: [1, 3]})")["mean"] == 2


def test_the_store_opens_while_the_runtime_is_still_downloading(bundle, visit):
    wasm = bundle.hold("pyodide.asm.wasm")
    page = visit()
    assert wait_until(
        page, f"indexedDB.databases().then((dbs) => dbs.some((db) => db.name === '{STORE_DB}'))"
    )
    assert not requested(bundle, "pyodide.asm.wasm")  # the runtime's download is still held
    # The folder of start-up snapshots (OPFS) was made before the store (the worker looked for a
    # snapshot first): see worker.js on Chromium's quota.
    assert page.evaluate(
        f"""() => navigator.storage.getDirectory()
            .then((root) => root.getDirectoryHandle('{SNAPSHOT_FOLDER}')).then(() => true, () => false)"""
    )
    wasm.set()
    capabilities = page.evaluate("() => Prometheus.ready")
    assert capabilities["store"]["role"] == "writer" and capabilities["store"]["persistent"] is True
    assert page.evaluate("() => Prometheus.call('core.stats', {values: [1, 3]})")["mean"] == 2

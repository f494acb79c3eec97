"""Session-wide browser fixtures: see harness.py for what is shared and why, and
page_errors.py for how every page error and console error fails the test that caused it."""

from __future__ import annotations

from pathlib import Path

import pytest

from serve import serve_in_thread
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SDK,
    WEBGPU_ARGS,
    build_bundle,
    chromium_missing,
    host_page,
    module_page,
)
from tests.browser.page_errors import RECORDER, install

READY_TIMEOUT_MS = 120_000


@pytest.fixture(scope="session")
def bundle_url():
    dist = build_bundle()
    server, url = serve_in_thread(dist, "127.0.0.1")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def pages_url(bundle_url, tmp_path_factory):
    """Test pages on another origin (localhost vs 127.0.0.1, another port)."""
    pages = tmp_path_factory.mktemp("pages")
    (pages / "host.html").write_text(host_page(bundle_url))
    (pages / "host-no-snapshot.html").write_text(host_page(bundle_url, 'data-snapshot="false"'))
    (pages / "module.html").write_text(module_page(bundle_url))
    (pages / "host-memory.html").write_text(host_page(bundle_url, 'data-persist="false"'))
    server, url = serve_in_thread(pages, "127.0.0.1")
    yield url.replace("127.0.0.1", "localhost")
    server.shutdown()


@pytest.fixture(scope="session")
def playwright_instance():
    if problem := chromium_missing():
        pytest.fail(problem)
    from playwright.sync_api import sync_playwright

    install()
    with sync_playwright() as playwright:
        yield playwright


def _launch(playwright, extra_args=()):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = _launch(playwright_instance)
    yield browser
    browser.close()


def _ready_sdk(browser, pages_url, bundle_url) -> SDK:
    page = browser.new_page()
    page.goto(pages_url + "host.html")
    page.evaluate("() => Prometheus.ready")
    page.set_default_timeout(READY_TIMEOUT_MS)
    return SDK(page, bundle_url)


@pytest.fixture(scope="session")
def sdk(browser, pages_url, bundle_url) -> SDK:
    """The shared page with a ready `window.Prometheus` (no WebGPU: the numpy fallback path)."""
    return _ready_sdk(browser, pages_url, bundle_url)


@pytest.fixture(scope="session")
def gpu_browser(playwright_instance):
    browser = _launch(playwright_instance, WEBGPU_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def gpu_sdk(gpu_browser, pages_url, bundle_url) -> SDK:
    """Like `sdk`, in a Chromium that exposes a WebGPU adapter (SwiftShader, on the CPU)."""
    return _ready_sdk(gpu_browser, pages_url, bundle_url)


def pytest_collection_modifyitems(config, items):
    browser_dir = Path(__file__).parent
    for item in items:
        if browser_dir in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "page_errors(*regexes): console/page errors this browser test provokes on purpose"
    )


def _fail_on_page_errors(item, when: str) -> None:
    if item.get_closest_marker("browser") is not None:
        allowed = [p for marker in item.iter_markers("page_errors") for p in marker.args]
        unexpected = RECORDER.unexpected(allowed)
        if unexpected:
            pytest.fail(f"page or worker errors {when}:\n  " + "\n  ".join(unexpected), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails the test if a page or worker logged a console error or threw while it ran."""
    outcome = yield
    _fail_on_page_errors(item, "while the test ran")
    return outcome


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """The same for what arrives while its fixtures close (a late request, a closing page), so it
    is reported as this test's error instead of failing the next test."""
    outcome = yield
    _fail_on_page_errors(item, "after the test, while its fixtures closed")
    return outcome

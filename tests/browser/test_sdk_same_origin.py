"""The SDK on a page of the bundle's own origin (as in an extension, whose CSP refuses blob:
workers) starts worker/worker.js itself, passing the snapshot flag in its query string."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser):
    context = browser.new_context()  # its own Cache Storage: no snapshot from other tests
    yield context
    context.close()


@pytest.mark.parametrize(
    "attributes, flag, snapshot", [("", "true", "made"), ('data-snapshot="false"', "false", "off")]
)
def test_same_origin_page_starts_the_worker_file_directly(context, bundle_url, attributes, flag, snapshot):
    url = bundle_url + "same-origin-host.html"  # served by the route below, on the bundle's origin
    html = f'<!doctype html><meta charset="utf-8"><script src="prometheus.js" {attributes}></script>'
    context.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page = context.new_page()
    page.goto(url)
    capabilities = page.evaluate("() => Prometheus.ready")
    # A first visit also loads the runtime's script once more, in a throwaway worker of the SDK's
    # worker started once ready is posted (worker.js, warmCodeCache): it ends by itself.
    deadline = time.monotonic() + 30
    while len(page.workers) > 1 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert [worker.url for worker in page.workers] == [
        bundle_url + "worker/worker.js?snapshot=" + flag + "&store=default&persist=true&durability=relaxed"
    ]
    assert capabilities["store"]["role"] == "writer" and capabilities["store"]["persistent"] is True
    assert page.evaluate("() => Prometheus._blobUrl") == ""
    assert capabilities["snapshot"] == snapshot
    assert page.evaluate("() => Prometheus.call('core.stats', {values: [1, 2, 3]})")["mean"] == 2

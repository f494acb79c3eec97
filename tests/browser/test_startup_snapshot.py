"""Start-up snapshots (worker/snapshot.js): made on a first visit, used on the next,
discarded when unusable, and off when the page says so. Each test uses its own context,
whose Cache Storage starts empty."""

from __future__ import annotations

import numpy
import pytest

SNAPSHOT_CACHE = "prometheus-startup-snapshots"


def visit(context, url):
    page = context.new_page()
    page.goto(url)
    capabilities = page.evaluate("() => Prometheus.ready")
    stats = page.evaluate("() => Prometheus.call('core.stats', {values: [1, 2, 3, 10]})")
    assert stats["std"] == numpy.std([1, 2, 3, 10])  # the interpreter works, numpy included
    # Python's `js` module reaches the real global scope (snapshot-mode starts must rebind it).
    assert page.evaluate("() => Prometheus.call('core.info')")["user_agent"] == page.evaluate(
        "navigator.userAgent"
    )
    return page, capabilities["snapshot"]


def wait_until_stored(page):
    page.wait_for_function(f"caches.open('{SNAPSHOT_CACHE}').then(c => c.keys()).then(k => k.length === 1)")


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def test_first_visit_makes_a_snapshot_and_the_next_uses_it(context, pages_url):
    first, made = visit(context, pages_url + "host.html")
    assert made == "made"
    wait_until_stored(first)
    first.close()
    second, used = visit(context, pages_url + "host.html")
    assert used == "used"
    assert second.evaluate("() => Prometheus.call('version')")


def test_a_damaged_snapshot_is_replaced(context, pages_url):
    first, _ = visit(context, pages_url + "host.html")
    wait_until_stored(first)
    first.evaluate(f"""async () => {{
        const cache = await caches.open('{SNAPSHOT_CACHE}');
        const [key] = await cache.keys();
        const bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
        bytes[bytes.length >> 1] ^= 0xff;  // one flipped byte, digest header kept
        await cache.put(key, new Response(bytes, {{headers: (await cache.match(key)).headers}}));
    }}""")
    first.close()
    _second, state = visit(context, pages_url + "host.html")
    assert state == "made"  # fell back to a normal start and took a fresh snapshot


def test_pages_can_opt_out(context, pages_url):
    page, state = visit(context, pages_url + "host-no-snapshot.html")
    assert state == "off"
    assert page.evaluate(f"caches.open('{SNAPSHOT_CACHE}').then(c => c.keys()).then(k => k.length)") == 0

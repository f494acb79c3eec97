"""Start-up snapshots (worker/snapshot.js): made on a first visit, used on the next,
discarded when unusable, and off when the page says so. Each test uses its own context,
whose Cache Storage starts empty."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest

from tests.browser.harness import DIST

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


def rand(page) -> float:
    return page.evaluate("() => Prometheus.call('graph.run', {query: 'RETURN rand() AS r'})")["rows"][0][0]


def test_first_visit_makes_a_snapshot_and_the_next_uses_it(context, pages_url):
    first, made = visit(context, pages_url + "host.html")
    assert made == "made"
    wait_until_stored(first)
    first.close()
    draws = []
    for _ in range(2):
        page, used = visit(context, pages_url + "host.html")
        assert used == "used"
        assert page.evaluate("() => Prometheus.call('version')")
        # The snapshot holds the core imported, not its graph engine: that imports after the
        # restore, from the core wheel written back into the file system.
        draws.append(rand(page))
        page.close()
    assert draws[0] != draws[1]  # each restored start draws its own random numbers


def test_the_snapshot_is_keyed_by_what_it_holds_and_kept_without_its_zero_pages(context, pages_url):
    first, _ = visit(context, pages_url + "host.html")
    wait_until_stored(first)
    kept = first.evaluate(f"""async () => {{
        const cache = await caches.open('{SNAPSHOT_CACHE}');
        const [key] = await cache.keys();
        const response = await cache.match(key);
        return {{ url: key.url, stored: (await response.arrayBuffer()).byteLength,
                  length: Number(response.headers.get('X-Snapshot-Length')) }};
    }}""")
    lock = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())
    runtime, core = lock["info"]["prometheus_runtime_sha256"], lock["packages"]["prometheus-web"]["sha256"]
    assert kept["url"].endswith(f"/snapshot/{runtime}/{core}")  # a new core or runtime: a new snapshot
    assert kept["length"] > 16 * 2**20  # the interpreter's memory ...
    assert kept["stored"] < 0.75 * kept["length"]  # ... of which the zero pages are not stored


SNAPSHOT_JS = Path(__file__).resolve().parents[2] / "worker" / "snapshot.js"


@pytest.mark.parametrize("length", [4096 * 37, 4096 * 37 + 400, 4096 * 8 - 3, 1])
def test_packed_pages_unpack_to_the_same_bytes(context, length):
    """packPages / unpackPages in the browser on memory with zero and non-zero pages (a run of each,
    lone ones, the last page partial), against numpy's count of the non-zero pages."""
    rng = numpy.random.default_rng(length)
    memory = numpy.zeros(length, numpy.uint8)
    pages = -(-length // 4096)
    used = rng.random(pages) < 0.5
    used[: min(3, pages)] = [True, False, True][: min(3, pages)]
    for page in numpy.flatnonzero(used):
        start, end = page * 4096, min((page + 1) * 4096, length)
        memory[rng.integers(start, end)] = rng.integers(1, 256)  # one non-zero byte anywhere
    page = context.new_page()  # about:blank: the functions need no worker and no origin
    page.add_script_tag(content=SNAPSHOT_JS.read_text())
    result = page.evaluate(
        """(memory) => {
            const bytes = Uint8Array.from(memory);
            const packed = packPages(bytes);
            const image = new Uint8Array(bytes.length);
            const fits = unpackPages(packed, image);
            const short = unpackPages(packed.subarray(0, packed.length - 1), new Uint8Array(bytes.length));
            return { size: packed.length, fits, short, same: image.every((b, i) => b === bytes[i]) };
        }""",
        memory.tolist(),
    )
    nonzero = sum(
        min(4096, length - p * 4096) for p in range(pages) if memory[p * 4096 : (p + 1) * 4096].any()
    )
    assert result == {"size": -(-pages // 8) + nonzero, "fits": True, "short": False, "same": True}


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

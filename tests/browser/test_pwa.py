"""The installable offline app (web/sw.js, web/pwa.js, web/manifest.webmanifest) in Chromium.

The app is served under a sub-path (/app/) by a server each test can stop (offline, the
faithful way) or switch to another build (a redeploy). Service workers and Cache Storage
belong to a browser context, so every test opens its own (incognito) context in the
session's browser; only the installability check needs a persistent profile (Chromium does
not install from incognito), which is one more Chromium for that test alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import urllib.parse
from pathlib import Path

import pytest

from serve import serve_in_thread
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, ROOT, build_bundle, host_page
from tests.browser.pwa_server import BundleServer

sys.path.insert(0, str(ROOT / "build"))

from pwa_manifest import write_sw_manifest

pytestmark = pytest.mark.browser

PREFIX = "/app/"
TIMEOUT_MS = 180_000
CALL = """async ([method, params]) => {
  try { return { ok: true, value: await Prometheus.call(method, params) }; }
  catch (e) { return { ok: false, type: e.type || e.name, message: e.message }; }
}"""
CACHE_KEYS = """async () => {
  const name = (await caches.keys()).find((n) => n.startsWith("prometheus-pwa-files "));
  return name ? (await (await caches.open(name)).keys()).map((r) => r.url) : [];
}"""
BELL = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
)
B_MARKER = "/* build B */"


@pytest.fixture(scope="module")
def dist() -> Path:
    return build_bundle()


@pytest.fixture
def server(dist):
    server = BundleServer(dist, PREFIX)
    yield server
    server.stop()


class AppTab:
    """One tab of the app (its console errors and page errors fail the test: page_errors.py)."""

    def __init__(self, context, url: str):
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.url = url

    def open(self) -> dict:
        self.page.goto(self.url)
        return self.ready()

    def ready(self) -> dict:
        return self.page.evaluate("() => Prometheus.ready")

    def wait_controlled(self) -> None:
        self.page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    def call(self, method: str, params=None):
        outcome = self.page.evaluate(CALL, [method, params or {}])
        assert outcome["ok"], f"{method}: {outcome}"
        return outcome["value"]

    def fetch_text(self, path: str) -> str:
        return self.page.evaluate("(path) => fetch(path).then((r) => r.text())", path)

    def version(self):
        return self.page.evaluate("() => PrometheusPWA.version()")


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def persistent_context(playwright_instance, tmp_path):
    context = playwright_instance.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    yield context
    context.close()


def test_installable_and_first_visit_downloads_once(persistent_context, server, dist):
    context = persistent_context
    tab = AppTab(context, server.url)
    tab.open()
    tab.wait_controlled()
    # The page, then the service worker's install (from the HTTP cache): each URL at most once.
    # (A persistent profile: incognito's in-memory HTTP cache does not keep the 10 MB wasm.
    # The page starts worker/worker.js with its options in the query; the install fetches the
    # plain URL, a second download of that one 9 kB file.)
    for url, sent in server.body_bytes.items():
        path = url.split("?", 1)[0]
        file = dist / (path[len(PREFIX) :] or "index.html")
        assert sent <= file.stat().st_size, f"{path}: {sent} bytes sent, the file has {file.stat().st_size}"
    assert sum(server.body_bytes.values()) >= sum(
        f["bytes"] for f in write_sw_manifest(dist)["files"].values() if f["precache"]
    )
    cdp = context.new_cdp_session(tab.page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == server.url + "manifest.webmanifest"
    assert manifest["errors"] == []
    expected = json.loads((ROOT / "web" / "manifest.webmanifest").read_text())
    assert json.loads(manifest["data"]) == expected
    sizes = {icon["sizes"] for icon in expected["icons"]}
    assert {"192x192", "512x512"} <= sizes and any(
        icon["purpose"] == "maskable" for icon in expected["icons"]
    )
    # Each icon is a PNG of the size the manifest claims (width and height from the IHDR chunk).
    for icon in expected["icons"]:
        header = tab.page.evaluate(
            """(src) => fetch(src).then((r) => r.arrayBuffer()).then((b) => {
            const v = new DataView(b); return [v.getUint32(0), v.getUint32(16), v.getUint32(20)]; })""",
            icon["src"],
        )
        width, height = map(int, icon["sizes"].split("x"))
        assert header == [0x89504E47, width, height], icon
    assert tab.page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == server.url + "sw.js"


@pytest.mark.page_errors(r"build-info\.json")  # offline: the app's build check fails, as it should
def test_offline_reload_after_one_online_visit(context, server, dist):
    tab = AppTab(context, server.url)
    online = tab.open()
    tab.wait_controlled()

    # Warm start online: nothing but the browser's update check of the worker script.
    server.reset_counts()
    tab.page.reload()
    tab.ready()
    assert {path for path, _ in server.requests} <= {PREFIX + "sw.js", PREFIX + "sw-manifest.js"}, (
        server.requests
    )
    assert sum(server.body_bytes.values()) == 0, server.body_bytes

    # The store (IndexedDB) under the service worker: a write online, read back offline.
    # (Settings, not the graph: the demo page's graph panel clears the graph at each start.)
    tab.call("settings.set", {"values": {"pwa-online": 1}})

    # The model once online; then forget the worker's own model cache, so that offline the
    # service worker has to serve the weights it cached on first use.
    tab.call("infer.load", {"backend": "numpy"})
    online_embedding = tab.call("infer.embed", {"texts": ["photosynthesis makes sugar from light"]})
    model_key = server.url + "models/minilm-int8.bin?pwa-sha256="
    tab.page.wait_for_function(
        """async (key) => (await (%s)()).some((url) => url.startsWith(key))""" % CACHE_KEYS, arg=model_key
    )
    assert tab.page.evaluate("() => caches.delete('prometheus-models')")

    server.stop()
    assert (
        tab.page.evaluate("() => fetch('build-info.json').then(() => 'reachable', () => 'offline')")
        == "offline"
    )
    tab.page.reload()
    offline = tab.ready()
    assert offline["crossOriginIsolated"] == online["crossOriginIsolated"]
    assert tab.page.evaluate("() => crossOriginIsolated") == online["crossOriginIsolated"]

    card = tab.call("srs.new_card", {"card_id": 1})
    reviewed = tab.call("srs.review", {"card": card, "rating": 3})
    assert reviewed["card"]["last_review"] is not None and reviewed["review_log"]["rating"] == 3
    # (The demo page's own graph panel has loaded a course: a label of our own keeps us apart.)
    graph = tab.call(
        "graph.run", {"query": "CREATE (:Offline {name: 'qubit'})-[:NEEDS]->(:Offline {name: 'vector'})"}
    )
    assert graph["counters"]["nodes_created"] == 2
    rows = tab.call("graph.run", {"query": "MATCH (a:Offline)-[:NEEDS]->(b:Offline) RETURN a.name, b.name"})[
        "rows"
    ]
    assert rows == [["qubit", "vector"]]
    assert tab.call("settings.get", {"key": "pwa-online"}) == 1
    assert tab.call("store.info")["backend"] == "indexeddb"
    tab.call("settings.set", {"values": {"pwa-offline": 2}})
    tab.page.reload()  # a write made offline is there after another offline start
    assert tab.ready()["store"]["role"] == "writer"
    assert tab.call("settings.get", {"key": "pwa-offline"}) == 2
    bell = tab.call("quantum.run", {"qasm": BELL, "shots": 200, "seed": 1})
    assert set(bell["counts"]) == {"00", "11"} and sum(bell["counts"].values()) == 200

    tab.call("infer.load", {"backend": "numpy"})
    assert tab.call("infer.embed", {"texts": ["photosynthesis makes sugar from light"]}) == online_embedding
    tab.call(
        "infer.index_add",
        {
            "ids": ["plants", "qubits"],
            "texts": ["Plants turn sunlight into energy.", "A qubit holds a superposition."],
        },
    )
    assert (
        tab.call("infer.search", {"query": "how do plants make energy from sunlight?", "k": 1})[0]["id"]
        == "plants"
    )


def make_build_b(dist: Path, target: Path) -> Path:
    """A copy of `dist` (hard links) with one changed file and its own sw-manifest.js."""
    shutil.copytree(dist, target, copy_function=os.link)
    style = target / "app" / "style.css"
    text = style.read_text() + B_MARKER + "\n"
    for changed, content in ((style, text),):
        changed.unlink()  # never write through a hard link into build A
        changed.write_text(content)
    (target / "sw-manifest.js").unlink()
    write_sw_manifest(target)
    return target


@pytest.mark.page_errors("StoreBusy")  # the second tab of the app may not write
def test_update_is_offered_and_old_tab_keeps_its_files(context, server, dist, tmp_path):
    dist_b = make_build_b(dist, tmp_path / "dist-b")
    old = AppTab(context, server.url)
    old.open()
    old.wait_controlled()
    version_a = old.version()
    style_a = old.fetch_text("app/style.css")
    assert B_MARKER not in style_a

    server.deploy(dist_b)
    # The second tab reads the store while the first writes it; the demo's panels log that
    # they cannot write (StoreBusy). That is the store's multi-tab rule, not this test's subject.
    new = AppTab(context, server.url)
    new.open()
    new.page.wait_for_function("() => PrometheusPWA.updateAvailable")
    assert new.page.locator(".prometheus-pwa-banner").inner_text().startswith("A new version")
    old.page.wait_for_function("() => PrometheusPWA.updateAvailable")
    # Installed but waiting: both tabs are still served by build A.
    assert new.version() == version_a and old.version() == version_a
    assert B_MARKER not in new.fetch_text("app/style.css")

    with new.page.expect_navigation():
        new.page.locator(".prometheus-pwa-banner button").click()
    new.ready()
    version_b = new.version()
    assert version_b != version_a
    assert B_MARKER in new.fetch_text("app/style.css")

    # The old tab was told, was not reloaded, and is still served build A's files...
    old.page.wait_for_function(
        "() => document.querySelector('.prometheus-pwa-banner').textContent.includes('another tab')"
    )
    assert old.fetch_text("app/style.css") == style_a
    # ...and can still load what it had never used (the model, through the new worker).
    assert old.call("infer.load", {"backend": "numpy"})["backend"] == "numpy"
    assert len(old.call("infer.embed", {"texts": ["still working"]})) == 384  # one flat Float32Array

    style_a_key = server.url + "app/style.css?pwa-sha256=" + _sha256_of(dist / "app" / "style.css")
    style_b_key = server.url + "app/style.css?pwa-sha256=" + _sha256_of(dist_b / "app" / "style.css")
    assert {style_a_key, style_b_key} <= set(new.page.evaluate(CACHE_KEYS))  # A kept while a tab uses it
    old.page.close()
    # Once no tab uses build A, its files go (collected on the next navigation).
    new.page.reload()
    new.ready()
    new.page.wait_for_function(f"async () => !(await ({CACHE_KEYS})()).includes({json.dumps(style_a_key)})")
    assert style_b_key in new.page.evaluate(CACHE_KEYS)


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_full_quota_still_serves_and_tells_the_page(context, server):
    tab = AppTab(context, server.url)
    tab.open()
    tab.wait_controlled()
    tab.page.evaluate(
        "() => { window.__cacheErrors = []; PrometheusPWA.on('cache-error', (e) => window.__cacheErrors.push(e)); }"
    )
    usage = tab.page.evaluate("() => navigator.storage.estimate().then((e) => e.usage)")
    cdp = context.new_cdp_session(tab.page)
    origin = "http://" + urllib.parse.urlsplit(server.url).netloc
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": usage + 50_000})
    # srs.import_anki needs the sqlite3 package (563 kB, on demand): too big for what is left.
    # The call loads sqlite3 first, then refuses the bytes: what matters here is the package.
    outcome = tab.page.evaluate(CALL, ["srs.import_anki", {"data": "bm90IGFuIGFua2kgZmlsZQ=="}])
    assert not outcome["ok"], outcome
    assert "sqlite3" in tab.call("core.info")["packages"]
    tab.page.wait_for_function("() => window.__cacheErrors.length > 0")
    error = tab.page.evaluate("() => window.__cacheErrors[0]")
    assert (
        error["url"].startswith(server.url + "pyodide/sqlite3-") and error["name"] == "QuotaExceededError"
    ), error


def test_sdk_on_another_site_registers_no_service_worker(context, server, tmp_path):
    # The bundle-origin page below is the SVG itself: Chromium asks that origin for /favicon.ico,
    # which a bundle does not need to have. Answered here, so no 404 reaches the console (a late
    # one would be reported during the next test).
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    pages = tmp_path / "site"
    pages.mkdir()
    (pages / "host.html").write_text(host_page(server.url))
    shutil.copyfile(ROOT / "web" / "icons" / "icon-192.png", pages / "favicon.ico")  # no 404 in the console
    site, site_url = serve_in_thread(pages, "127.0.0.1")
    try:
        tab = AppTab(context, site_url.replace("127.0.0.1", "localhost") + "host.html")
        tab.open()
        assert tab.call("core.stats", {"values": [1, 2]})["n"] == 2
        assert (
            tab.page.evaluate("() => navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0
        )
        assert tab.page.evaluate("() => typeof PrometheusPWA") == "undefined"
        bundle = AppTab(context, server.url + "favicon.svg")  # a page of the bundle's own origin
        bundle.page.goto(bundle.url)
        assert (
            bundle.page.evaluate("() => navigator.serviceWorker.getRegistrations().then((r) => r.length)")
            == 0
        )
    finally:
        site.shutdown()

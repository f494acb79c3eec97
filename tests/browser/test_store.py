"""The store in Chromium: IndexedDB persistence through the real SDK, export/import of bytes,
two tabs, and a full quota. Kill tests (crash and SIGKILL) are in test_store_kill.py.

Each test opens its own browser context (a fresh origin storage) in the shared Chromium, and
fails on any page error or console error.
"""

from __future__ import annotations

import base64
import subprocess
import time

import pytest

from tests.browser.harness import CALL_JS, BrowserCallError

READY_MS = 180_000


class Tab:
    """One page of a test context (its errors fail the test: page_errors.py)."""

    def __init__(self, context, url: str):
        self.page = context.new_page()
        self.page.set_default_timeout(READY_MS)
        self.page.goto(url)
        self.capabilities = self.page.evaluate("() => Prometheus.ready")

    def call(self, method, params=None):
        outcome = self.page.evaluate(CALL_JS, [method, {} if params is None else params])
        if not outcome["ok"]:
            raise BrowserCallError(outcome["type"], outcome["message"], outcome["traceback"])
        return outcome["value"]

    def reload(self):
        self.page.reload()
        self.capabilities = self.page.evaluate("() => Prometheus.ready")

    def count(self, label: str) -> int:
        return self.call("graph.run", {"query": f"MATCH (n:{label}) RETURN count(n)"})["rows"][0][0]

    def export(self) -> bytes:
        text = self.page.evaluate("""async () => {
          const data = await Prometheus.call("store.export");
          if (!(data instanceof Uint8Array)) throw new Error("export is not a Uint8Array: " + typeof data);
          let s = ""; for (let i = 0; i < data.length; i += 8192) s += String.fromCharCode(...data.subarray(i, i + 8192));
          return btoa(s);
        }""")
        return base64.b64decode(text)

    def import_(self, data: bytes):
        outcome = self.page.evaluate(
            """async (b64) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          try { return { ok: true, value: await Prometheus.call("store.import", { data: bytes }) }; }
          catch (e) { return { ok: false, type: e.type, message: e.message }; }
        }""",
            base64.b64encode(data).decode(),
        )
        if not outcome["ok"]:
            raise BrowserCallError(outcome["type"], outcome["message"])
        return outcome["value"]


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def restored(tab) -> dict:
    """What the start restored (without `ms`, the time each step took)."""
    report = dict(tab.capabilities["store"]["restore"])
    assert set(report.pop("ms")) >= {"read", "verify", "replay"}
    return report


def test_writes_survive_a_reload_and_the_store_is_reported(context, pages_url):
    tab = Tab(context, pages_url + "host.html")
    store = tab.capabilities["store"]
    assert (store["name"], store["persistent"], store["role"]) == ("default", True, "writer")
    assert tab.capabilities["storage"]["available"] is True
    for i in range(5):
        tab.call(
            "graph.run", {"query": "CREATE (:Kept {i: $i})-[:NEXT]->(:Kept {i: -$i})", "parameters": {"i": i}}
        )
    tab.call("settings.set", {"values": {"retention": 0.9}})
    info = tab.call("store.info")
    assert info["seq"] == 6 and info["persistent"] is True and info["backend"] == "indexeddb"
    tab.reload()
    assert restored(tab) == {"checkpoint": None, "replayed": 6, "problems": []}
    assert tab.count("Kept") == 10 and tab.call("settings.get", {"key": "retention"}) == 0.9
    assert tab.call("store.info")["digest"] == info["digest"]
    # after a checkpoint the restore starts from it
    assert tab.call("store.checkpoint")["written"] is True
    tab.call("graph.run", {"query": "CREATE (:Kept {i: 99})"})
    tab.reload()
    assert restored(tab) == {"checkpoint": 6, "replayed": 1, "problems": []}
    assert tab.count("Kept") == 11


def test_data_persist_false_keeps_everything_in_memory(context, pages_url):
    tab = Tab(context, pages_url + "host-memory.html")
    assert tab.capabilities["store"] == {"name": "default", "persistent": False, "role": "writer"}
    tab.call("graph.run", {"query": "CREATE (:Gone)"})
    assert tab.call("store.info")["persistent"] is False
    tab.reload()
    assert tab.count("Gone") == 0


def test_export_wipe_import_gives_the_same_digest_and_bad_files_change_nothing(context, pages_url):
    tab = Tab(context, pages_url + "host.html")
    for i in range(20):
        tab.call(
            "graph.run", {"query": "CREATE (:Concept {key: $k, t: datetime()})", "parameters": {"k": f"k{i}"}}
        )
    tab.call("settings.set", {"values": {"theme": "dark"}})
    digest = tab.call("store.info")["digest"]
    data = tab.export()
    assert data[:8] == b"PSTEXP1\n"
    # wipe the origin's data, as "clear site data" would, and start again
    cdp = context.new_cdp_session(tab.page)
    origin = tab.page.evaluate("() => location.origin")
    cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "indexeddb"})
    tab.reload()
    assert tab.count("Concept") == 0 and tab.call("store.info")["digest"] != digest
    assert tab.import_(data)["digest"] == digest
    tab.reload()  # the import is stored, not only applied
    assert tab.call("store.info")["digest"] == digest and tab.call("settings.get", {"key": "theme"}) == "dark"
    info = tab.call("store.info")
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 8
    for bad, message in (
        (data[:-100], "sha256"),
        (bytes(flipped), "sha256"),
        (b"PSTEXP7\n" + data[8:], "format"),
        (b"%PDF-1.7\n" + bytes(100), "not a Prometheus"),
    ):
        with pytest.raises(BrowserCallError) as refused:
            tab.import_(bad)
        assert refused.value.type == "CorruptData" and message in refused.value.message
        assert tab.call("store.info") == info
    # expected console noise: none; the refusals are rejected promises, handled by the page


def test_two_tabs_one_writer_changes_seen_and_takeover(context, pages_url):
    first = Tab(context, pages_url + "host.html")
    second = Tab(context, pages_url + "host.html")
    assert first.capabilities["store"]["role"] == "writer"
    assert second.capabilities["store"]["role"] == "reader"
    with pytest.raises(BrowserCallError) as busy:
        second.call("graph.run", {"query": "CREATE (:FromReader)"})
    assert busy.value.type == "StoreBusy" and "another tab" in busy.value.message
    assert second.count("FromReader") == 0  # refused whole, not applied locally
    first.call("graph.run", {"query": "CREATE (:Shared {n: 1})"})
    started = time.monotonic()
    while second.count("Shared") != 1:
        assert time.monotonic() - started < 1.0, "the other tab did not see the write within a second"
        time.sleep(0.05)
    for i in range(10):  # acknowledged just before the writer goes away
        first.call("graph.run", {"query": "CREATE (:Shared {n: $n})", "parameters": {"n": i + 2}})
    digest = first.call("store.info")["digest"]
    first.page.close()
    started = time.monotonic()
    while second.call("store.info")["role"] != "writer":
        assert time.monotonic() - started < 10, "the reader did not take over"
        time.sleep(0.1)
    assert second.call("store.info")["digest"] == digest and second.count("Shared") == 11
    assert second.page.evaluate("() => Prometheus.capabilities.store.role") == "writer"
    second.call("graph.run", {"query": "CREATE (:Shared {n: 100})"})
    second.reload()
    assert second.count("Shared") == 12


@pytest.fixture
def small_disk(tmp_path):
    """A 96 MB tmpfs for a browser profile: a real full disk, so IndexedDB raises a genuine
    QuotaExceededError. (DevTools' Storage.overrideQuotaForOrigin is ignored by this Chromium:
    measured, the estimate keeps its quota and an 8 MB put completes.)"""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


BACKING_STORE_GRACE_MS = 2000  # Chromium content/browser/indexed_db: kBackingStoreGracePeriod

BALLAST_JS = """async () => {
  const bytes = new Uint8Array(12 << 20);
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  await (await caches.open("ballast")).put("/ballast", new Response(bytes));
}"""


def test_a_full_disk_rejects_with_storage_full_and_keeps_everything_before(
    playwright_instance, pages_url, small_disk
):
    from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS

    context = playwright_instance.chromium.launch_persistent_context(
        str(small_disk / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    try:
        tab = Tab(context, pages_url + "host.html")
        for i in range(5):
            tab.call("graph.run", {"query": "CREATE (:Early {i: $i})", "parameters": {"i": i}})
        # 12 MB of this site's own Cache Storage, deleted once the disk is full: the space a
        # learner frees (the error's advice). A refused big write can leave the disk too full
        # for any later write (LevelDB's files of the refused transaction), so without freeing
        # something, whether a small write fits afterwards depends on where the disk filled.
        tab.page.evaluate(BALLAST_JS)
        for attempt in range(12):  # 12 x 15 MB of random vectors (incompressible) is more than the disk holds
            info, big = tab.call("store.info"), tab.call("infer.info")["index_size"]
            outcome = tab.page.evaluate(
                """async (attempt) => {
              const n = 10000, vectors = new Float32Array(n * 384).map(() => Math.random() - 0.5);
              const ids = Array.from({ length: n }, (_, i) => attempt + "-" + i);
              try { await Prometheus.call("infer.index_add", { ids, texts: ids, vectors }); return null; }
              catch (e) { return { type: e.type, message: e.message }; }
            }""",
                attempt,
            )
            if outcome is not None:
                break
        else:
            pytest.fail("the small disk never filled up")
        assert outcome["type"] == "StorageFull", outcome
        assert (
            "did not fit" in outcome["message"] and f"journal record {info['seq'] + 1}" in outcome["message"]
        )
        assert tab.call("infer.info")["index_size"] == big and tab.call("store.info") == info
        tab.page.evaluate("() => caches.delete('ballast')")
        # A new worker reopens IndexedDB, which lets go of the refused write's files, but only
        # once Chromium has closed the database's backing store, which it keeps open for 2 s
        # after the last connection closes (kBackingStoreGracePeriod): a start that reopens the
        # store sooner gets the same one back. So the tab is away for longer than that.
        tab.page.goto("about:blank")
        tab.page.wait_for_timeout(BACKING_STORE_GRACE_MS + 1000)
        tab.page.goto(pages_url + "host.html")
        tab.capabilities = tab.page.evaluate("() => Prometheus.ready")
        assert tab.call("infer.info")["index_size"] == big and tab.call("store.info")["seq"] == info["seq"]
        # The worker stays usable: a small write goes through once Chromium has given back the
        # freed space (that takes a moment; each refusal is itself a clean StorageFull that keeps
        # nothing).
        for attempt in range(10):
            try:
                tab.call("graph.run", {"query": "CREATE (:Early {i: 5})"})
                break
            except BrowserCallError as error:
                assert error.type == "StorageFull" and attempt < 9, error
                tab.page.wait_for_timeout(500)
        tab.reload()
        assert tab.count("Early") == 6 and tab.call("infer.info")["index_size"] == big
        assert tab.call("store.info")["seq"] == info["seq"] + 1
    finally:
        context.close()


def test_a_schema_upgrade_elsewhere_neither_hangs_nor_corrupts(context, pages_url):
    old = Tab(context, pages_url + "host.html")
    old.call("graph.run", {"query": "CREATE (:Before)"})
    notices = []
    old.page.evaluate(
        "() => { window.__notices = []; Prometheus.on('store', (n) => window.__notices.push(n)); }"
    )
    newer = context.new_page()
    newer.goto(pages_url + "host-memory.html")  # same origin; a newer app version upgrades the database
    outcome = newer.evaluate("""() => new Promise((resolve) => {
      const open = indexedDB.open("prometheus-store:default", 2);
      open.onupgradeneeded = () => open.result.createObjectStore("v2");
      open.onblocked = () => resolve("blocked");
      open.onsuccess = () => { const names = [...open.result.objectStoreNames]; open.result.close(); resolve(names); };
      setTimeout(() => resolve("hung"), 10000);
    })""")
    assert outcome == ["checkpoints", "journal", "meta", "v2"]
    notices = old.page.evaluate("() => window.__notices")
    assert [n["event"] for n in notices] == ["versionchange"]
    with pytest.raises(BrowserCallError) as closed:
        old.call("graph.run", {"query": "CREATE (:After)"})
    assert closed.value.type == "StoreError" and "reload this tab" in closed.value.message
    assert old.count("After") == 0 and old.count("Before") == 1

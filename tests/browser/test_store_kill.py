"""Acknowledged means durable: a burst of writes, then the renderer crashed (its processes
SIGKILLed: see `crash_renderers`) or the whole browser SIGKILLed at a random point; relaunched on the same profile,
every acknowledged write is there, none is half-applied, and the state's digest equals that of
a CPython replay of the journal the browser recovered.

Each write creates two nodes and a relationship in one query, so a half-applied write would
show as a lone node. Acknowledgements reach Python through an exposed function, so a write
counts as acknowledged only once its promise has resolved in the page.
"""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import time

import pytest

from prometheus.store import MemoryBackend, open_session
from prometheus.store.backends import Stored
from tests.browser.harness import CALL_JS, CHROMIUM, CHROMIUM_ARGS
from tests.rpc_call import run_coroutine

BURST = 400
WRITE = "CREATE (a:W {i: $i, t: timestamp()})-[:HALF]->(b:Wb {i: $i, r: rand()})"

FIRE_JS = """([count, offset]) => {
  for (let i = offset; i < offset + count; i++) {
    Prometheus.call("graph.run", { query: %s, parameters: { i } }).then(() => window.__ack(i), () => {});
  }
}""" % repr(WRITE)

# The raw IndexedDB content, read by the page itself (not through the store's Python).
DUMP_JS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("prometheus-store:default");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result, tx = db.transaction(["meta", "journal", "checkpoints"]), out = {};
    const b64 = (u8) => { let s = ""; for (let i = 0; i < u8.length; i += 8192) s += String.fromCharCode(...u8.subarray(i, i + 8192)); return btoa(s); };
    const all = (name) => new Promise((ok) => {
      const keys = tx.objectStore(name).getAllKeys(), values = tx.objectStore(name).getAll();
      values.onsuccess = () => ok(keys.result.map((k, i) => [k, b64(values.result[i])]));
    });
    const device = tx.objectStore("meta").get("device");
    Promise.all([all("journal"), all("checkpoints")]).then(([journal, checkpoints]) => {
      db.close(); resolve({ device: device.result, journal, checkpoints });
    });
  };
})"""


class Session:
    """One Chromium on a persistent profile, with the host page ready."""

    def __init__(self, playwright, profile, url):
        self.context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS + ["--hide-crash-restore-bubble"],
        )
        self.acked: list[int] = []
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.set_default_timeout(180_000)
        self.page.expose_function("__ack", lambda i: self.acked.append(i))  # noqa: PLW0108 - a plain function
        self.page.goto(url)
        self.capabilities = self.page.evaluate("() => Prometheus.ready")

    def call(self, method, params=None):
        outcome = self.page.evaluate(CALL_JS, [method, params or {}])
        assert outcome["ok"], outcome
        return outcome["value"]

    def browser_pids(self, profile) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-f", f"user-data-dir={profile}"], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]

    def crash_renderers(self, profile) -> None:
        """Kill this browser's renderer processes (the page and its worker) at once, as a renderer
        crash does. (DevTools' Page.crash crashes it too, but its reply never comes back, which
        leaves Playwright's synchronous call waiting forever.)"""
        browsers = set(self.browser_pids(profile))
        table = subprocess.run(
            ["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        parent = {}
        args = {}
        for line in table:
            pid, ppid, rest = (line.split(None, 2) + [""])[:3]
            parent[int(pid)], args[int(pid)] = int(ppid), rest

        def in_browser(pid):
            while pid in parent and pid > 1:
                if pid in browsers:
                    return True
                pid = parent[pid]
            return False

        renderers = [pid for pid, a in args.items() if "--type=renderer" in a and in_browser(pid)]
        assert renderers, "no renderer process found"
        for pid in renderers:
            os.kill(pid, signal.SIGKILL)


def replay_digest(dump) -> str:
    """The digest CPython computes from the bytes the browser kept."""
    backend = MemoryBackend()
    backend.stored = Stored(
        dump["device"],
        [(int(s), base64.b64decode(d)) for s, d in dump["checkpoints"]],
        [(int(s), base64.b64decode(d)) for s, d in dump["journal"]],
    )
    store = run_coroutine(open_session(backend, "replay"))
    assert store.restore_report["problems"] == []
    digest = store.digest()
    run_coroutine(open_session(MemoryBackend()))
    return digest


def check_recovered(session, acked: set[int]) -> None:
    rows = session.call(
        "graph.run",
        {"query": "MATCH (a:W) OPTIONAL MATCH (a)-[:HALF]->(b:Wb {i: a.i}) RETURN a.i, b IS NOT NULL"},
    )["rows"]
    present = {i for i, _ in rows}
    assert acked <= present, f"acknowledged writes lost: {sorted(acked - present)[:10]}"
    assert all(whole for _, whole in rows), "a write was half-applied"
    lone = session.call("graph.run", {"query": "MATCH (b:Wb) WHERE NOT ()-[:HALF]->(b) RETURN count(b)"})
    assert lone["rows"] == [[0]], "a write was half-applied"
    info = session.call("store.info")
    assert info["problems"] == []
    assert info["digest"] == replay_digest(session.page.evaluate(DUMP_JS))


@pytest.mark.slow
@pytest.mark.parametrize("kill", ["crash", "sigkill"])
def test_acknowledged_writes_survive_a_crash(playwright_instance, pages_url, tmp_path, kill):
    profile = tmp_path / "profile"
    url = pages_url + "host.html"
    rng = random.Random(kill)
    acked_total: set[int] = set()
    session = Session(playwright_instance, profile, url)
    for round_ in range(2):
        offset = (round_ + 1) * 10_000
        session.page.evaluate(FIRE_JS, [BURST, offset])
        stop_after = rng.randrange(20, BURST // 2)
        deadline = time.monotonic() + 120
        while len(session.acked) < stop_after:
            assert time.monotonic() < deadline, "writes were not acknowledged"
            session.page.wait_for_timeout(rng.randrange(1, 15))
        acked = set(session.acked)
        if kill == "crash":
            session.crash_renderers(profile)
        assert len(acked) >= stop_after
        if kill == "sigkill":
            for pid in session.browser_pids(profile):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            session.context.close()
        except Exception:  # noqa: BLE001 - the browser is gone already
            pass
        acked_total |= acked
        session = Session(playwright_instance, profile, url)
        check_recovered(session, acked_total)
    session.context.close()

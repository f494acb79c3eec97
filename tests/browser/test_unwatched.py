"""The start-up benchmark's browser driver (bench/unwatched.py): pages report what they measured,
and no DevTools session stays attached to them while they run."""

from __future__ import annotations

import pytest

from bench.unwatched import Chromium, Reports, settle
from serve import serve_in_thread

# A page that starts a worker and reports once the worker has answered: a worker held for a
# debugger would never answer.
WORKER = "postMessage(self.name + ' answered');"
PAGE = """<!doctype html><meta charset="utf-8"><title>unwatched</title><script>
const worker = new Worker("worker.js", { name: "w" });
window.__answer = new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); });
</script>"""


@pytest.fixture
def site(tmp_path):
    reports = Reports()
    (tmp_path / "worker.js").write_text(WORKER)
    (tmp_path / "page.html").write_text(
        PAGE + reports.script("window.__answer.then((answer) => ({ answer, at: performance.now() }))")
    )
    server, url = serve_in_thread(tmp_path, "127.0.0.1")
    yield reports, url + "page.html"
    server.shutdown()
    reports.close()


def test_a_page_reports_and_nothing_stays_attached(site, tmp_path):
    reports, url = site
    with Chromium(tmp_path / "profile") as chromium:
        tab = chromium.new_tab()
        settle(limit_s=5)
        for _ in range(2):  # a second visit to the same tab, as the benchmark's warm visit
            chromium.goto(tab, url)
            report = reports.next(timeout_s=60)
            assert report["answer"] == "w answered"
            assert report["at"] > 0
            targets = chromium.send("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["targetId"] == tab)
            assert page["url"] == url
            assert page["attached"] is False  # goto detached once the navigation began
        assert chromium.evaluate(tab, "document.title + ' ' + (1 + 1)") == "unwatched 2"
        assert chromium.evaluate(tab, "window.__answer") == "w answered"  # awaited
        with pytest.raises(RuntimeError, match="no_such_name"):
            chromium.evaluate(tab, "no_such_name")
        page = next(t for t in chromium.send("Target.getTargets")["targetInfos"] if t["targetId"] == tab)
        assert page["attached"] is False
    assert chromium._process.returncode is not None


def test_a_page_that_never_reports_times_out(site):
    reports, _ = site
    with pytest.raises(TimeoutError, match="no page reported"):
        reports.next(timeout_s=0.2)

"""The learner's app shell (web/app/shell.js): the interface and the last known counts are on
screen before the engine is ready, marked as loading, and give way to the engine's screen.

The worker's `ready` is held back in the page (an init script wraps `Worker` and keeps the
ready message until the test releases it), so "before ready" is a state the test controls,
not a race. Each test has its own context; any console or page error fails it.
"""

from __future__ import annotations

import math

import pytest

from tests.browser.test_app import AppPage

pytestmark = pytest.mark.browser

# Keeps the worker's {type: "ready"} message until window.__releaseReady() (then delivers it).
HOLD_READY = """(() => {
  const Real = window.Worker;
  let held = null, released = false;
  window.__readyHeld = () => held !== null;
  window.__releaseReady = () => { released = true; if (held) held(); held = null; };
  window.Worker = class extends Real {
    set onmessage(listener) {
      super.onmessage = (event) => {
        if (!released && event.data && event.data.type === "ready") held = () => listener(event);
        else listener(event);
      };
    }
    get onmessage() { return super.onmessage; }
  };
})();"""

# What the shell shows: the stat tiles' values by label, the badge, the start button.
SCREEN_JS = """() => {
  const tiles = {};
  for (const tile of document.querySelectorAll(".screen-today .stat")) {
    tiles[tile.querySelector(".stat-label").textContent] = tile.querySelector(".stat-value").textContent;
  }
  const start = document.getElementById("start-review");
  return { tiles, shell: !!document.querySelector(".screen-today.shell"),
           badge: !!document.querySelector(".screen-today .badge.loading"),
           start: start ? { tag: start.tagName, disabled: start.getAttribute("aria-disabled") === "true" } : null,
           startup: !!document.getElementById("startup"), app: document.documentElement.dataset.app,
           interactive: performance.getEntriesByName("app-interactive").length,
           capabilities: Prometheus.capabilities };
}"""


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def expected_tiles(stats: dict) -> dict:
    """The tiles Today draws for `stats` (the engine's learn.stats answer: the oracle)."""
    retention = stats["true_retention_30d"]
    return {
        "Due": str(stats["due_today"]),
        "New": str(stats["new_today"]),
        "Studied today": str(stats["studied_today"]),
        "Retention": "—" if retention is None else f"{math.floor(retention * 100 + 0.5)}%",  # Math.round
    }


def held_tab(context, url: str) -> AppPage:
    tab = AppPage(context, url)
    tab.page.add_init_script(HOLD_READY)
    return tab


def test_the_shell_shows_the_last_counts_before_ready_then_the_engine_screen(context, bundle_url):
    first = AppPage(context, bundle_url)
    first.open()
    first.call("learn.load_course", {"name": "quantum-foundations"})
    first.go("#/today")
    first.page.wait_for_selector(".screen-today .stat")
    stats = first.call("learn.stats")
    assert stats["cards"] > 0 and stats["new_today"] > 0
    first.page.close()

    tab = held_tab(context, bundle_url)
    tab.page.goto(bundle_url)
    tab.page.wait_for_selector(".screen-today.shell .stat")
    before = tab.page.evaluate(SCREEN_JS)
    assert before["capabilities"] is None  # the engine is not ready ...
    assert before["shell"] and before["badge"] and before["app"] == "shell" and before["interactive"] == 1
    assert before["tiles"] == expected_tiles(stats)  # ... yet the last known counts are there
    assert before["start"] == {"tag": "SPAN", "disabled": True}  # nothing that needs the engine
    tab.page.wait_for_function("() => window.__readyHeld()")  # the worker is ready, held back
    assert tab.page.evaluate("() => Prometheus.capabilities") is None

    tab.page.evaluate("() => window.__releaseReady()")
    tab.page.wait_for_selector(".screen-today:not(.shell) a#start-review")
    after = tab.page.evaluate(SCREEN_JS)
    assert not after["shell"] and not after["badge"] and after["app"] == "ready"
    assert after["tiles"] == expected_tiles(tab.call("learn.stats"))
    tab.page.click("#start-review")  # the real screen works
    tab.page.wait_for_selector(".screen-review")


@pytest.mark.parametrize(
    "kept",
    [
        None,  # a first visit: nothing kept
        "not json",
        '{"saved": 1, "stats": {"cards": -3}}',  # not what the app wrote
        '{"saved": 1, "stats": {"cards": 0, "notes": 0}}',  # incomplete
    ],
)
def test_without_usable_counts_the_shell_is_the_start_panel(context, bundle_url, kept):
    tab = held_tab(context, bundle_url)
    if kept is not None:
        tab.page.add_init_script(f"localStorage.setItem('prometheus-app:today', {kept!r});")
    tab.page.goto(bundle_url)
    tab.page.wait_for_function("() => document.documentElement.dataset.app === 'shell'")
    screen = tab.page.evaluate(SCREEN_JS)
    assert screen["startup"] and not screen["shell"] and screen["interactive"] == 1
    assert screen["capabilities"] is None
    assert tab.page.is_visible("#nav a[data-screen='today']")  # the interface is there
    tab.page.evaluate("() => window.__releaseReady()")
    tab.page.wait_for_selector(".screen-today h1")  # the engine's screen (here: the welcome)

"""Every uncaught error and console error of every page and worker a browser test opens fails
the test during which it appeared.

`install()` (called once by conftest) wraps Playwright's `Browser.new_context`,
`Browser.new_page` and `BrowserType.launch_persistent_context`, so every context is watched,
including the ones tests create themselves: its pages' and dedicated workers' console errors,
uncaught page errors (`weberror`), and its service workers' console errors all land in
`RECORDER`. conftest's `pytest_runtest_call` hook fails the test with the messages recorded
while it (and the fixtures it set up) ran.

A test that provokes errors on purpose declares the messages it expects with
`@pytest.mark.page_errors("regex", ...)` (each recorded message matching one is allowed), or
takes them out itself with `RECORDER.take("regex")` to assert they happened.
"""

from __future__ import annotations

import re
import threading


class Recorder:
    """The messages recorded since the last check, in arrival order."""

    def __init__(self):
        self.messages: list[str] = []
        self._lock = threading.Lock()

    def add(self, message: str) -> None:
        with self._lock:
            self.messages.append(message)

    def take(self, pattern: str = "") -> list[str]:
        """Removes and returns the recorded messages that match `pattern` (a regex)."""
        with self._lock:
            taken = [m for m in self.messages if re.search(pattern, m)]
            self.messages = [m for m in self.messages if not re.search(pattern, m)]
        return taken

    def unexpected(self, allowed: list[str]) -> list[str]:
        """Empties the record; returns what no `allowed` regex matches."""
        with self._lock:
            messages, self.messages = self.messages, []
        return [m for m in messages if not any(re.search(p, m) for p in allowed)]


RECORDER = Recorder()


def _console(where: str):
    def record(message) -> None:
        if message.type == "error":
            location = message.location or {}
            origin = location.get("url") or where
            RECORDER.add(f"console error: {message.text} ({origin}:{location.get('lineNumber', '?')})")

    return record


def watch_context(context) -> None:
    """Records the errors of every page and worker of `context` (idempotent)."""
    if getattr(context, "_prometheus_watched", False):
        return
    context._prometheus_watched = True
    context.on("console", _console("page"))  # pages and their dedicated workers
    context.on("weberror", lambda error: RECORDER.add(f"page error: {error.error}"))
    context.on("serviceworker", lambda worker: worker.on("console", _console(worker.url)))
    for worker in context.service_workers:
        worker.on("console", _console(worker.url))


def install() -> None:
    """Wraps Playwright's context factories so that every context is watched (once per process)."""
    from playwright.sync_api import Browser, BrowserType

    if getattr(Browser, "_prometheus_watched", False):
        return
    Browser._prometheus_watched = True
    new_context, new_page = Browser.new_context, Browser.new_page
    persistent = BrowserType.launch_persistent_context

    def watched_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        watch_context(context)
        return context

    def watched_page(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)
        watch_context(page.context)
        return page

    def watched_persistent(self, *args, **kwargs):
        context = persistent(self, *args, **kwargs)
        watch_context(context)
        return context

    Browser.new_context, Browser.new_page = watched_context, watched_page
    BrowserType.launch_persistent_context = watched_persistent

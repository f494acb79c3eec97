"""Page visits timed the way a learner's browser makes them: with no DevTools client watching.

Playwright attaches DevTools to every page and every worker it sees, and holds each new worker
until its driver has answered (`waitForDebuggerOnStart`). A start-up that is mostly one
worker's first 300 ms pays for that on every visit: measured side by side (four fresh profiles
each, the same build), the SDK's warm start took 0.36 s under Playwright and 0.33 s here, and the
worker's own clock showed the same difference. So the start-up benchmark drives Chromium itself,
over its DevTools pipe, with the switches Playwright launches it with, and attaches to a tab
only to send it somewhere (and detaches at once). Each page reports its own times to a report
server of the harness (`navigator.sendBeacon`), which stays up when the bundle's server is
stopped (the offline visits). A visit starts once the machine is idle (`settle`): a learner's
browser is not in its own first second when they come, and a visit that overlaps it is slower.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import queue
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, chromium_missing

# Playwright's own launch switches for headless Chromium (1.65), so that the only difference
# from the other benchmarks is the absent DevTools client.
PLAYWRIGHT_SWITCHES = [
    "--disable-field-trial-config",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-back-forward-cache",
    "--disable-breakpad",
    "--disable-client-side-phishing-detection",
    "--disable-component-extensions-with-background-pages",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,"
    "HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,ThirdPartyStoragePartitioning,"
    "AvoidCorsURLLoaderRestartOnRedirect,OptimizationHints,NetworkTimeServiceQuerying,PreconnectToSearch",
    "--allow-pre-commit-input",
    "--disable-hang-monitor",
    "--disable-ipc-flooding-protection",
    "--disable-popup-blocking",
    "--disable-prompt-on-repost",
    "--disable-renderer-backgrounding",
    "--force-color-profile=srgb",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    "--no-service-autorun",
    "--disable-search-engine-choice-screen",
    "--enable-unsafe-swiftshader",
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
]

PIPE_IN, PIPE_OUT = 3, 4  # Chromium reads commands from fd 3 and writes replies to fd 4


def settle(idle_share: float = 0.85, window_s: float = 0.3, limit_s: float = 15) -> None:
    """Returns once the CPUs were at least `idle_share` idle for `window_s` (or after `limit_s`)."""
    deadline = time.monotonic() + limit_s
    before = _cpu_times()
    while time.monotonic() < deadline:
        time.sleep(window_s)
        now = _cpu_times()
        total, idle = now[0] - before[0], now[1] - before[1]
        if total > 0 and idle / total >= idle_share:
            return
        before = now


def _cpu_times() -> tuple[int, int]:
    """(all, idle) jiffies since boot, from /proc/stat's first line."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]  # idle + iowait


class Reports:
    """Where pages send what they measured: POST bodies (JSON), taken in arrival order."""

    def __init__(self):
        received = self._received = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.put(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/report"

    def script(self, expression: str) -> str:
        """A <script> that sends the value `expression` resolves to (JSON) once it resolves."""
        send = f"navigator.sendBeacon({json.dumps(self.url)}, JSON.stringify(value))"
        return f"<script>Promise.resolve({expression}).then((value) => {send});</script>"

    def next(self, timeout_s: float = 300):
        try:
            return self._received.get(timeout=timeout_s)
        except queue.Empty:
            raise TimeoutError(f"no page reported to {self.url} within {timeout_s} s") from None

    def close(self) -> None:
        self._server.shutdown()


def _above_pipe_fds(fd: int) -> int:
    """`fd` moved to a number above PIPE_OUT (the original closed)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, PIPE_OUT + 1)
    os.close(fd)
    return moved


class Chromium:
    """Headless Chromium in `profile`, driven over its DevTools pipe with no tab attached; closed
    by `close` or at the end of a `with` block."""

    def __init__(self, profile: Path):
        if problem := chromium_missing():  # else bash fails to exec it and no reply ever comes
            raise FileNotFoundError(problem)
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        # the child's ends above fds 3 and 4, so that putting one there never closes the other
        commands_read, replies_write = _above_pipe_fds(commands_read), _above_pipe_fds(replies_write)
        # bash puts the pipe's ends where Chromium looks for them, then becomes Chromium
        self._process = subprocess.Popen(
            [
                "bash",  # dash redirects fds 0-9 only
                "-c",
                f'exec "$0" "$@" {PIPE_IN}<&{commands_read} {PIPE_OUT}>&{replies_write}',
                CHROMIUM,
                *PLAYWRIGHT_SWITCHES,
                *CHROMIUM_ARGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(commands_read, replies_write),
            start_new_session=True,
        )
        os.close(commands_read)
        os.close(replies_write)
        self._ids = itertools.count(1)
        self._waiting: dict[int, queue.Queue] = {}
        self._write_lock = threading.Lock()
        threading.Thread(target=self._read_replies, daemon=True).start()

    def _read_replies(self) -> None:
        pending = b""
        while chunk := os.read(self._replies, 1 << 16):
            pending += chunk
            *messages, pending = pending.split(b"\0")
            for message in map(json.loads, messages):
                waiter = self._waiting.pop(message.get("id"), None)
                if waiter is not None:
                    waiter.put(message)

    def send(
        self, method: str, params: dict | None = None, session: str | None = None, timeout_s: float = 300
    ):
        """One DevTools command; its result, or RuntimeError with Chromium's error."""
        number = next(self._ids)
        reply = self._waiting[number] = queue.Queue()
        message = {"id": number, "method": method, "params": params or {}} | (
            {"sessionId": session} if session else {}
        )
        with self._write_lock:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        answer = reply.get(timeout=timeout_s)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error'].get('message')}")
        return answer["result"]

    def new_tab(self) -> str:
        return self.send("Target.createTarget", {"url": "about:blank"})["targetId"]

    def _attached(self, tab: str, method: str, params: dict, timeout_s: float = 300):
        session = self.send("Target.attachToTarget", {"targetId": tab, "flatten": True})["sessionId"]
        try:
            return self.send(method, params, session, timeout_s)
        finally:
            self.send("Target.detachFromTarget", {"sessionId": session})

    def goto(self, tab: str, url: str) -> None:
        """Starts a navigation as the address bar would; the page reports when it is done."""
        self._attached(tab, "Page.navigate", {"url": url})

    def evaluate(self, tab: str, expression: str, timeout_s: float = 300):
        """The value of `expression` in the tab (awaited if a promise), for steps that are not timed."""
        result = self._attached(
            tab,
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout_s,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(
                f"{expression}: {details.get('exception', {}).get('description') or details.get('text')}"
            )
        return result["result"].get("value")

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout_s=10)
            self._process.wait(10)
        except (RuntimeError, queue.Empty, subprocess.TimeoutExpired, OSError):
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        os.close(self._commands)
        os.close(self._replies)

"""A bundle server for the PWA tests: it can really go away, switch builds, and count bytes.

Going offline the faithful way means stopping the server: Playwright's offline mode does not
reach service-worker fetches (microsoft/playwright #2311), and a stopped `ThreadingHTTPServer`
still answers on the keep-alive connections the browser holds open, so `stop()` closes those
as well. `deploy(dist)` serves another build on the same origin, as a redeploy would.
`hold(name)` keeps one file's requests waiting, to see what happens before that download ends.
"""

from __future__ import annotations

import functools
import socket
import threading
from collections import Counter
from pathlib import Path

from serve import make_server

HOLD_LIMIT_S = 120  # a held request is answered after this long even if the test forgot it


class BundleServer:
    def __init__(self, dist: Path, prefix: str = "/"):
        self.server = make_server(dist, "127.0.0.1", 0, prefix=prefix)
        self.prefix = self.server.RequestHandlerClass.func.prefix
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"
        self.body_bytes: Counter[str] = Counter()  # URL path with its query -> body bytes sent
        self.requests: list[tuple[str, int]] = []  # (path without query, status) in order
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._held: dict[str, threading.Event] = {}  # file name -> released
        self._wrap_handler()
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _wrap_handler(self) -> None:
        owner = self
        served = self.server.RequestHandlerClass

        class Counting(served.func):
            def setup(self):
                super().setup()
                with owner._lock:
                    owner._connections.add(self.connection)

            def finish(self):
                with owner._lock:
                    owner._connections.discard(self.connection)
                super().finish()

            def do_GET(self):
                released = owner._held.get(self.path.split("?", 1)[0].rsplit("/", 1)[-1])
                if released is not None:
                    released.wait(HOLD_LIMIT_S)
                super().do_GET()

            def send_response(self, code, message=None):
                with owner._lock:
                    owner.requests.append((self.path.split("?", 1)[0], code))
                super().send_response(code, message)

            def copyfile(self, source, outputfile):
                start = source.tell()
                super().copyfile(source, outputfile)
                with owner._lock:
                    owner.body_bytes[self.path] += source.tell() - start

        self.server.RequestHandlerClass = functools.partial(Counting, *served.args, **served.keywords)

    def deploy(self, dist: Path) -> None:
        """Serves `dist` from now on, on the same origin and prefix.

        A handler serves one keep-alive connection with the folder it was made with, so open
        connections are closed (between requests: call it while the pages are idle)."""
        served = self.server.RequestHandlerClass
        self.server.RequestHandlerClass = functools.partial(served.func, directory=str(dist))
        self._close_connections()

    def hold(self, name: str) -> threading.Event:
        """Requests for files called `name` go unanswered until the returned event is set (or
        HOLD_LIMIT_S has passed), so a test can see what a page does before a download ends."""
        self._held[name] = threading.Event()
        return self._held[name]

    def reset_counts(self) -> None:
        with self._lock:
            self.body_bytes.clear()
            self.requests.clear()

    def stop(self) -> None:
        """No more answers: the listening socket and every open connection are closed."""
        self.server.shutdown()
        self.server.server_close()
        self._close_connections()

    def _close_connections(self) -> None:
        with self._lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self._connections.clear()

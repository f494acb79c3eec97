"""Serves Prometheus Web locally: `python serve.py [--port 8000] [--host 127.0.0.1] [--prefix /sub/]`.

Builds what is missing (build/build.py, incremental), then serves dist/ at the site root
(or under `--prefix`, as a host that puts the app in a sub-folder would)
with the headers a real deployment needs: application/wasm, CORS and
Cross-Origin-Resource-Policy so pages of other origins can load the SDK, COOP/COEP so the
demo page is cross-origin isolated, caching that lets a second visit skip downloads, and
for the app's service worker (sw.js, sw-manifest.js) always a revalidation plus
`Service-Worker-Allowed` naming the bundle's folder as the scope it may control.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".bin": "application/octet-stream",
    ".png": "image/png",
}

# Pinned, sha256-checked files whose name changes whenever their bytes do.
IMMUTABLE_PREFIX = "/pyodide/"
MUTABLE_IN_IMMUTABLE = ("pyodide-lock.json", "prometheus_web-")
SERVICE_WORKER = "/sw.js"
# The browser compares these byte for byte to find an app update: validated by a content
# ETag, since a Last-Modified to the second misses a redeploy within the same second.
CONTENT_VALIDATED = (SERVICE_WORKER, "/sw-manifest.js")


def normalize_prefix(prefix: str) -> str:
    """'/sub/' from 'sub', '/sub' or '/sub/'; '/' for the site root."""
    if not isinstance(prefix, str) or any(c in prefix for c in "?#\\ ") or ".." in prefix.split("/"):
        raise ValueError(f"--prefix {prefix!r}: expected a URL path such as /sub/")
    parts = [part for part in prefix.split("/") if part]
    return "/" + "".join(part + "/" for part in parts)


class BundleHandler(SimpleHTTPRequestHandler):
    """Static files with the bundle's headers; `cross_origin_isolated` adds COOP/COEP."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    protocol_version = "HTTP/1.1"  # keep-alive: a page makes a dozen requests
    cross_origin_isolated = True
    prefix = "/"  # the URL path dist/ is served under

    def bundle_path(self) -> str | None:
        """The request's path inside dist/ ('/...'), or None when it is outside the prefix."""
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path + "/" == self.prefix:
            return "/"  # the folder itself: the base class redirects to the trailing slash
        return "/" + path[len(self.prefix) :] if path.startswith(self.prefix) else None

    def translate_path(self, path: str) -> str:
        inside = self.bundle_path()
        if inside is None:
            return str(Path(self.directory) / ".outside-prefix" / "missing")  # answered with 404
        return super().translate_path(inside)

    def _content_etag(self) -> str | None:
        if self.bundle_path() not in CONTENT_VALIDATED:
            return None
        try:
            return (
                '"' + hashlib.sha256(Path(self.translate_path(self.path)).read_bytes()).hexdigest()[:32] + '"'
            )
        except OSError:
            return None

    def send_head(self):
        etag = self._content_etag()
        if etag and etag in self.headers.get("If-None-Match", ""):
            self.send_response(304)
            self.end_headers()
            return None
        return super().send_head()  # with If-None-Match present, it ignores If-Modified-Since

    def end_headers(self) -> None:
        etag = self._content_etag()
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        if self.cross_origin_isolated:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", self._cache_control())
        if self.bundle_path() == SERVICE_WORKER:
            self.send_header("Service-Worker-Allowed", self.prefix)
        super().end_headers()

    def _cache_control(self) -> str:
        path = self.bundle_path() or ""
        name = path.rsplit("/", 1)[-1]
        if path.startswith(IMMUTABLE_PREFIX) and not name.startswith(MUTABLE_IN_IMMUTABLE):
            return "public, max-age=31536000, immutable"
        return "no-cache"  # revalidate: a 304 when unchanged

    def log_message(self, format, *args) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def make_server(
    directory: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    cross_origin_isolated: bool = True,
    verbose: bool = False,
    prefix: str = "/",
) -> ThreadingHTTPServer:
    """A server for `directory` under URL path `prefix` (port 0 picks a free port); call serve_forever()."""
    handler = type(
        "Handler",
        (BundleHandler,),
        {"cross_origin_isolated": cross_origin_isolated, "prefix": normalize_prefix(prefix)},
    )
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(directory)))
    server.daemon_threads = True
    server.verbose = verbose
    return server


def serve_in_thread(directory: Path, host: str = "127.0.0.1", **options) -> tuple[ThreadingHTTPServer, str]:
    server = make_server(directory, host, 0, **options)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}{server.RequestHandlerClass.func.prefix}"


def build(quiet: bool = False) -> None:
    """Runs build/build.py in the project's environment (created and filled when needed)."""
    python = subprocess.run(
        [sys.executable, str(ROOT / "build" / "environment.py"), str(ROOT / "build" / "requirements.txt")],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout.strip()
    command = [python, str(ROOT / "build" / "build.py")] + (["--quiet"] if quiet else [])
    subprocess.run(command, check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build (if needed) and serve Prometheus Web.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    parser.add_argument("--prefix", default="/", help="serve the bundle under this URL path (e.g. /sub/)")
    args = parser.parse_args(argv)
    try:
        prefix = normalize_prefix(args.prefix)
    except ValueError as exc:
        parser.error(str(exc))
    if not args.no_build:
        try:
            build()
        except subprocess.CalledProcessError:
            print("build failed; see the messages above", file=sys.stderr)
            return 1
    server = make_server(DIST, args.host, args.port, verbose=not args.quiet, prefix=prefix)
    print(f"Prometheus Web: http://{args.host}:{server.server_address[1]}{prefix}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

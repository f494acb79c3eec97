"""serve.py's headers: what browsers need for wasm, cross-origin use, isolation and caching."""

from __future__ import annotations

import urllib.request

import pytest

from serve import serve_in_thread


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "pyodide").mkdir()
    (root / "pyodide" / "pyodide.asm.wasm").write_bytes(b"\0asm\1\0\0\0")
    (root / "pyodide" / "pyodide-lock.json").write_text("{}")
    (root / "prometheus.js").write_text("// sdk")
    (root / "index.html").write_text("<!doctype html>")
    server, url = serve_in_thread(root)
    yield url
    server.shutdown()


def head(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_wasm_mime_and_immutable_cache(site):
    status, headers = head(site + "pyodide/pyodide.asm.wasm")
    assert status == 200
    assert headers["Content-Type"] == "application/wasm"
    assert "immutable" in headers["Cache-Control"]


def test_cross_origin_headers(site):
    _, headers = head(site + "prometheus.js")
    assert headers["Content-Type"] == "text/javascript"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"


def test_mutable_files_revalidate(site):
    _, headers = head(site + "pyodide/pyodide-lock.json")
    assert headers["Cache-Control"] == "no-cache"
    status, headers = head(site + "index.html")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    status, _ = head(site + "index.html", {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304

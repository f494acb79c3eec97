"""serve.py for the app: a sub-path, the service worker's headers and its content validation."""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

from serve import normalize_prefix, serve_in_thread


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, headers=None):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {})) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


@pytest.fixture
def site(tmp_path):
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "numpy.whl").write_bytes(b"np")
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "sw.js").write_text("// version A")
    (tmp_path / "manifest.webmanifest").write_text("{}")
    server, url = serve_in_thread(tmp_path, prefix="sub")
    yield tmp_path, url
    server.shutdown()


def test_bundle_under_a_sub_path(site):
    _, url = site
    assert url.endswith(":%s/sub/" % url.split(":")[2].split("/")[0])
    assert get(url)[0] == 200 and get(url + "index.html")[2] == b"<!doctype html>"
    root = url[: -len("sub/")]
    assert get(root + "index.html")[0] == 404
    status, headers, _ = get(url[:-1])
    assert status == 301 and headers["Location"].endswith("/sub/")
    assert "immutable" in get(url + "pyodide/numpy.whl")[1]["Cache-Control"]


def test_service_worker_and_manifest_headers(site):
    _, url = site
    _, headers, _ = get(url + "sw.js")
    assert headers["Service-Worker-Allowed"] == "/sub/"
    assert headers["Cache-Control"] == "no-cache" and headers["Content-Type"] == "text/javascript"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert get(url + "manifest.webmanifest")[1]["Content-Type"] == "application/manifest+json"
    assert "Service-Worker-Allowed" not in get(url + "index.html")[1]


def test_worker_script_revalidates_by_content_not_by_second(site):
    root, url = site
    status, headers, _ = get(url + "sw.js")
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert get(url + "sw.js", {"If-None-Match": etag, "If-Modified-Since": modified})[0] == 304
    mtime = (root / "sw.js").stat().st_mtime
    (root / "sw.js").write_text("// version B")
    os.utime(root / "sw.js", (mtime, mtime))  # a redeploy within the same second
    status, _, body = get(url + "sw.js", {"If-None-Match": etag, "If-Modified-Since": modified})
    assert status == 200 and body == b"// version B"


@pytest.mark.parametrize(
    "prefix, expected", [("/", "/"), ("", "/"), ("sub", "/sub/"), ("/a/b", "/a/b/"), ("/a/b/", "/a/b/")]
)
def test_prefix_normalized(prefix, expected):
    assert normalize_prefix(prefix) == expected


@pytest.mark.parametrize("prefix", ["/a/../b", "/a?b", "/a b/"])
def test_bad_prefix_refused(prefix):
    with pytest.raises(ValueError, match="--prefix"):
        normalize_prefix(prefix)

"""The extension as packaged (dist/extension and its zip): MV3, the exact CSP, no remote code,
the permissions its scripts use and no others, everything it runs inside, a reproducible zip."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser.harness import ROOT, build_bundle

sys.path.insert(0, str(ROOT / "build"))

from extension import ZIP_NAME, plan, write_zip

CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'"
SOURCE = ROOT / "web" / "extension"
# Namespaces of chrome.* that need a manifest permission (the ones an extension like this
# could plausibly reach for); every other namespace the scripts use must be permission-free.
GATED = {
    "alarms",
    "bookmarks",
    "contextMenus",
    "cookies",
    "declarativeNetRequest",
    "downloads",
    "history",
    "identity",
    "notifications",
    "offscreen",
    "scripting",
    "sidePanel",
    "storage",
    "tabGroups",
    "topSites",
    "webNavigation",
    "webRequest",
}
FREE = {"action", "runtime", "tabs", "windows", "i18n"}  # tabs.create/query without url: no permission
REMOTE = re.compile(r"\b(https?|wss?|ftp)://|//[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)


@pytest.fixture(scope="module")
def folder():
    return build_bundle() / "extension"


@pytest.fixture(scope="module")
def manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def our_scripts(folder: Path) -> dict[str, str]:
    """The extension's own scripts and the SDK/worker it carries (not the Pyodide runtime); the
    worker is one file, with its other parts inside (build/worker_bundle.py)."""
    names = [p.name for p in SOURCE.glob("*.js")] + ["prometheus.js", "worker/worker.js"]
    return {name: (folder / name).read_text() for name in names}


def without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return "\n".join(line for line in source.splitlines() if not line.strip().startswith("//"))


class PageRefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.inline_scripts, self.handlers = [], 0, []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        for name in ("src", "href"):
            if attrs.get(name):
                self.refs.append(attrs[name])
        self._in_script = tag == "script"
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def test_manifest_is_mv3_with_the_exact_csp(manifest, folder):
    assert manifest["manifest_version"] == 3
    assert manifest["content_security_policy"] == {"extension_pages": CSP}
    for path in (
        manifest["background"]["service_worker"],
        manifest["action"]["default_popup"],
        manifest["side_panel"]["default_path"],
    ):
        assert (folder / path).is_file(), path
    for key in (
        "host_permissions",
        "content_scripts",
        "web_accessible_resources",
        "sandbox",
        "optional_permissions",
    ):
        assert key not in manifest, f"{key} is not needed"
    assert json.loads((SOURCE / "manifest.json").read_text()) == manifest


def test_permissions_are_those_the_scripts_use(manifest, folder):
    used = set()
    for source in our_scripts(folder).values():
        used |= set(re.findall(r"\bchrome\.(\w+)", without_comments(source)))
    assert used - GATED <= FREE, f"unreviewed chrome APIs: {sorted(used - GATED - FREE)}"
    assert sorted(manifest["permissions"]) == sorted(used & GATED)
    assert sorted(manifest["permissions"]) == ["alarms", "contextMenus", "sidePanel", "storage"]


def test_no_remote_urls_and_no_inline_scripts(folder):
    for name, source in our_scripts(folder).items():
        found = REMOTE.search(without_comments(source))
        assert found is None, f"{name} names a remote URL: {found.group(0)!r}"
    for page in sorted(folder.glob("*.html")):
        refs = PageRefs()
        refs.feed(page.read_text())
        assert refs.inline_scripts == 0 and refs.handlers == [], (
            f"{page.name}: inline script (refused by the CSP)"
        )
        for ref in refs.refs:
            assert not REMOTE.search(ref), f"{page.name} loads {ref}"
            assert (folder / ref).is_file(), f"{page.name} refers to {ref}, which is not in the extension"


def test_everything_it_runs_is_inside(folder):
    lock = json.loads((folder / "pyodide" / "pyodide-lock.json").read_text())
    assert {"numpy", "sqlite3", "prometheus-web"} <= set(lock["packages"])
    for name, entry in lock["packages"].items():  # loadPackage never has to go elsewhere
        data = (folder / "pyodide" / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    for name in ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"):
        assert (folder / "pyodide" / name).is_file()
    model = json.loads((folder / "models" / "minilm-int8.json").read_text())
    data = (folder / "models" / "minilm-int8.bin").read_bytes()
    assert len(data) == model["bytes"] and hashlib.sha256(data).hexdigest() == model["sha256"]


def test_zip_holds_the_folder_and_is_reproducible(folder, tmp_path):
    files = plan(folder.parent)
    with zipfile.ZipFile(folder.parent / ZIP_NAME) as archive:
        assert sorted(archive.namelist()) == sorted(files)
        assert archive.read("manifest.json") == (folder / "manifest.json").read_bytes()
        assert (
            archive.read("pyodide/pyodide.asm.wasm") == (folder / "pyodide" / "pyodide.asm.wasm").read_bytes()
        )
    assert write_zip(folder, files, tmp_path / "a.zip") and write_zip(folder, files, tmp_path / "b.zip")
    assert (
        (tmp_path / "a.zip").read_bytes()
        == (tmp_path / "b.zip").read_bytes()
        == (folder.parent / ZIP_NAME).read_bytes()
    )
    assert not write_zip(folder, files, tmp_path / "a.zip")  # same content: left alone


def test_build_reports_the_zip_size_and_what_takes_the_room(folder):
    zip_path = folder.parent / ZIP_NAME
    before = zip_path.stat().st_mtime_ns
    out = subprocess.run(
        [sys.executable, str(ROOT / "build" / "extension.py"), "--dist", str(folder.parent)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert zip_path.stat().st_mtime_ns == before  # nothing changed, nothing rewritten
    assert f"zip {zip_path.stat().st_size:,} bytes (unchanged)" in out
    rows = re.findall(
        r"^\[build\] +([\d,]+) bytes zipped \( *([\d,]+) unpacked,[^)]*\) +(.+)$", out, re.MULTILINE
    )
    whats = [what for _, _, what in rows]
    assert whats[0] == "model (int8 all-MiniLM-L6-v2)" and "package numpy" in whats
    with zipfile.ZipFile(zip_path) as archive:
        assert sum(int(packed.replace(",", "")) for packed, _, _ in rows) == sum(
            i.compress_size for i in archive.infolist()
        )
        assert sum(int(size.replace(",", "")) for _, size, _ in rows) == sum(
            i.file_size for i in archive.infolist()
        )


def test_missing_bundle_is_a_clear_build_error(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "build" / "extension.py"), "--dist", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "prometheus.js is missing: build the bundle first" in result.stderr

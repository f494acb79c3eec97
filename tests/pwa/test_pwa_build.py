"""build/pwa_manifest.py: the service worker's file list, against hashlib on a small bundle."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build"))

from pwa_manifest import MANIFEST_NAME, write_sw_manifest

LOCK = {
    "info": {},
    "packages": {
        "numpy": {"file_name": "numpy-2.whl", "depends": []},
        "scipy": {"file_name": "scipy-1.whl", "depends": ["numpy"]},
        "prometheus-web": {"file_name": "prometheus_web-0.1.0.whl", "depends": ["numpy"]},
    },
}
FILES = {
    "index.html": b"<!doctype html>",
    "pwa.js": b"// pwa",
    "sw.js": b"// sw",
    "build-info.json": b"{}",
    "app/style.css": b"body{}",
    "pyodide/pyodide.asm.wasm": b"\0asm",
    "pyodide/numpy-2.whl": b"np",
    "pyodide/scipy-1.whl": b"sp",
    "pyodide/prometheus_web-0.1.0.whl": b"core",
    "models/minilm-int8.bin": b"weights",
    "models/minilm-int8.json": b"{}",
    ".hidden/x": b"x",
    "extension/manifest.json": b"{}",
    "prometheus-extension.zip": b"PK",
}


def read_manifest(dist):
    text = (dist / MANIFEST_NAME).read_text()
    return json.loads(text[text.index("= ") + 2 :].rstrip().rstrip(";"))


@pytest.fixture
def dist(tmp_path):
    for name, data in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "pyodide" / "pyodide-lock.json").write_text(json.dumps(LOCK))
    return tmp_path


def test_lists_every_served_file_with_its_digest(dist):
    manifest = write_sw_manifest(dist)
    assert read_manifest(dist) == manifest
    files = manifest["files"]
    assert set(files) == set(FILES) - {
        "sw.js",
        "build-info.json",
        ".hidden/x",
        "extension/manifest.json",
        "prometheus-extension.zip",
    } | {"pyodide/pyodide-lock.json"}
    for name, entry in files.items():
        data = (dist / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)


def test_precache_is_what_ready_needs(dist):
    files = write_sw_manifest(dist)["files"]
    on_demand = {name for name, entry in files.items() if not entry["precache"]}
    assert on_demand == {"pyodide/scipy-1.whl", "models/minilm-int8.bin"}


def test_version_follows_the_bytes_and_unchanged_output_is_not_rewritten(dist):
    first = write_sw_manifest(dist)["version"]
    os.utime(dist / MANIFEST_NAME, (1, 1))
    assert write_sw_manifest(dist)["version"] == first
    assert (dist / MANIFEST_NAME).stat().st_mtime == 1  # same text: left alone
    (dist / "pyodide" / "scipy-1.whl").write_bytes(b"sq")  # an on-demand file counts too
    assert write_sw_manifest(dist)["version"] != first


def test_missing_lock_is_named(tmp_path):
    with pytest.raises(ValueError, match=re.escape("pyodide-lock.json")):
        write_sw_manifest(tmp_path)

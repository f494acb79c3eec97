"""prometheus.wheel_unpack: the files it writes are the files shutil writes (on CPython), and in the
bundle's Pyodide its `unpack_buffer` gives what Pyodide's own gives for every shipped wheel, and
`loadPackage` then uses it."""

from __future__ import annotations

import io
import json
import random
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from prometheus.wheel_unpack import extract_zip, install
from tests.core.bundle_node import bundle_pyodide, run_with_core


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder`: a file's bytes, None for a directory."""
    return {
        str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
    }


def random_archive(seed: int) -> bytes:
    """A zip with nested folders, folder entries, empty and incompressible files, stored,
    deflated and bzip2 members, and names shutil refuses to extract."""
    rng = random.Random(seed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("pkg/empty-folder/"), b"")
        for i in range(40):
            depth = rng.randint(0, 3)
            name = "/".join(f"d{rng.randint(0, 3)}" for _ in range(depth)) + f"/f{i}.bin"
            size = rng.choice([0, 1, 100, 5000, 70000])
            text = rng.random() < 0.5
            data = bytes(rng.choice(b"abc\n") for _ in range(size)) if text else rng.randbytes(size)
            method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
            archive.writestr(zipfile.ZipInfo(name.lstrip("/")), data, compress_type=method)
        archive.writestr("../outside.txt", b"never written")
        archive.writestr("/absolute.txt", b"never written")
        archive.writestr("pkg/a..b.txt", b"shutil skips any name holding '..'")
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(5))
def test_extracts_the_files_shutil_extracts(tmp_path, seed):
    raw = random_archive(seed)
    (tmp_path / "a.zip").write_bytes(raw)
    shutil.unpack_archive(tmp_path / "a.zip", tmp_path / "shutil")  # the oracle
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        extract_zip(archive, raw, tmp_path / "ours")
    expected = tree(tmp_path / "shutil")
    assert tree(tmp_path / "ours") == expected
    assert "pkg/empty-folder" in expected and "outside.txt" not in expected
    assert not (tmp_path / "outside.txt").exists()


def test_a_member_whose_bytes_do_not_match_its_crc_is_refused_before_its_file_is_written(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("first.txt", b"kept", compress_type=zipfile.ZIP_STORED)
        archive.writestr("second.txt", b"the original content", compress_type=zipfile.ZIP_STORED)
    raw = bytearray(buffer.getvalue())
    at = raw.index(b"the original content")
    raw[at : at + 3] = b"THE"  # the central directory still holds the original's CRC-32
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        with pytest.raises(zipfile.BadZipFile, match=r"'second.txt': bad CRC-32"):
            extract_zip(archive, bytes(raw), tmp_path)
    assert (tmp_path / "first.txt").read_bytes() == b"kept"
    assert not (tmp_path / "second.txt").exists()


def test_a_member_without_its_local_header_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("only.txt", b"content", compress_type=zipfile.ZIP_DEFLATED)
    raw = bytearray(buffer.getvalue())
    raw[0:4] = b"XXXX"  # the local header's signature; the central directory is intact
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        with pytest.raises(zipfile.BadZipFile, match=r"'only.txt': no local file header at offset 0"):
            extract_zip(archive, bytes(raw), tmp_path)
    assert not (tmp_path / "only.txt").exists()


def test_install_changes_nothing_outside_pyodide():
    assert sys.platform != "emscripten"
    assert install() is False


@pytest.mark.cpython_only
def test_in_pyodide_loadpackage_unpacks_every_shipped_wheel_as_pyodide_itself_does(tmp_path):
    """The bundle's Pyodide under node: for numpy, tzdata and sqlite3, Pyodide's own
    unpack_buffer (the oracle) and ours, called as Pyodide's loader calls them, write the same
    files and records and name the same dynamic libraries; then loadPackage uses ours."""
    _, lock = bundle_pyodide()
    wheels = {name: lock[name]["file_name"] for name in ("numpy", "tzdata", "sqlite3")}
    seen = run_with_core(
        tmp_path,
        f"""
const seen = JSON.parse(py.runPython(`
import json, sys
sys.path.insert(0, "/lib/core.whl")
import pyodide._package_loader as loader
import prometheus.wheel_unpack as ours
installed = ours.install()
json.dumps({{"installed": installed, "patched": loader.unpack_buffer is ours.unpack_buffer, "wheels": {{}}}})`));
const loader = py.pyimport("pyodide._package_loader");
const theirs = py.pyimport("prometheus.wheel_unpack")._pyodide_unpack_buffer;
for (const [name, file] of Object.entries({json.dumps(wheels)})) {{
  const bytes = new Uint8Array(fs.readFileSync(dist + file));
  const kwargs = (dir) => ({{ buffer: bytes, filename: file, extract_dir: dir, installer: "pyodide.loadPackage", source: "pyodide", calculate_dynlibs: true }});
  const dynlibs = {{
    theirs: Array.from(theirs.callKwargs(kwargs("/tmp/theirs/" + name))).map((p) => p.replace("/tmp/theirs/", "")),
    ours: Array.from(loader.unpack_buffer.callKwargs(kwargs("/tmp/ours/" + name))).map((p) => p.replace("/tmp/ours/", "")),
  }};
  seen.wheels[name] = JSON.parse(py.runPython(`
import hashlib, json, os
def tree(top):
    return sorted([os.path.relpath(os.path.join(d, f), top), hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest()]
                  for d, _, fs in os.walk(top) for f in fs) + sorted([os.path.relpath(os.path.join(d, s), top), None]
                  for d, ss, _ in os.walk(top) for s in ss)
json.dumps({{"theirs": tree("/tmp/theirs/{{name}}"), "ours": tree("/tmp/ours/{{name}}")}})`.replaceAll("{{name}}", name)));
  seen.wheels[name].dynlibs = dynlibs;
}}
// A damaged wheel (cut short) is refused with zipfile's error, and nothing is written.
try {{
  loader.unpack_buffer.callKwargs({{ buffer: new Uint8Array(fs.readFileSync(dist + {json.dumps(wheels["tzdata"])})).subarray(0, 100000), filename: {json.dumps(wheels["tzdata"])}, extract_dir: "/tmp/damaged" }});
  seen.damaged = "accepted";
}} catch (error) {{
  seen.damaged = String(error.message).trim().split("\\n").pop();
}}
seen.damagedWrote = py.FS.analyzePath("/tmp/damaged").exists ? py.FS.readdir("/tmp/damaged").length - 2 : 0;
// A zip named as such takes the fast path too (no wheel records); an explicit format
// (pyodide.unpackArchive) goes to Pyodide's function.
const tz = new Uint8Array(fs.readFileSync(dist + {json.dumps(wheels["tzdata"])}));
theirs.callKwargs({{ buffer: tz, filename: "tz.zip", extract_dir: "/tmp/theirs/zip" }});
loader.unpack_buffer.callKwargs({{ buffer: tz, filename: "tz.zip", extract_dir: "/tmp/ours/zip" }});
py.unpackArchive(tz, "zip", {{ extractDir: "/tmp/ours/format" }});
seen.zip = JSON.parse(py.runPython(`
import json, filecmp, os
def files(top): return sorted(os.path.relpath(os.path.join(d, f), top) for d, _, fs in os.walk(top) for f in fs)
same = filecmp.cmpfiles("/tmp/theirs/zip", "/tmp/ours/zip", files("/tmp/theirs/zip"), shallow=False)
json.dumps({{"theirs": files("/tmp/theirs/zip"), "ours": files("/tmp/ours/zip"), "mismatch": same[1] + same[2],
            "format": files("/tmp/ours/format")}})`));
py.runPython(`
import prometheus.wheel_unpack as ours
extracted = []
def counting(archive, raw, extract_dir, extract=ours.extract_zip):
    extracted.append(len(archive.infolist()))
    return extract(archive, raw, extract_dir)
ours.extract_zip = counting`);
await py.loadPackage(["numpy"], {{ messageCallback: () => {{}} }});
seen.numpy = JSON.parse(py.runPython(`
import json, importlib.metadata, numpy
json.dumps({{"solved": numpy.linalg.solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).tolist(), "extracted": extracted,
            "installer": importlib.metadata.distribution("numpy").read_text("INSTALLER")}})`));
console.log(JSON.stringify(seen));
""",
    )
    assert seen["installed"] is True and seen["patched"] is True
    for name, found in seen["wheels"].items():
        assert found["ours"] == found["theirs"], name
        assert any(path.endswith("INSTALLER") for path, _ in found["ours"]), name
        assert found["dynlibs"]["ours"] == found["dynlibs"]["theirs"], name
    assert len(seen["wheels"]["numpy"]["dynlibs"]["ours"]) == 19  # numpy's extension modules
    assert seen["damaged"] == "zipfile.BadZipFile: File is not a zip file" and seen["damagedWrote"] == 0
    assert seen["zip"]["ours"] == seen["zip"]["theirs"] == seen["zip"]["format"]
    assert len(seen["zip"]["ours"]) == 633 and seen["zip"]["mismatch"] == []  # tzdata's members, no records
    assert seen["wheels"]["tzdata"]["dynlibs"]["ours"] == []
    assert seen["numpy"]["extracted"] == [338]  # loadPackage went through extract_zip: numpy's members
    assert seen["numpy"]["installer"] == "pyodide.loadPackage"
    assert seen["numpy"]["solved"] == pytest.approx([0.8, 1.4])  # 2x+y=3, x+3y=5


def test_the_random_archives_differ_by_seed():
    assert len({random_archive(seed) for seed in range(5)}) == 5

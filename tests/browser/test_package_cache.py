"""Kept packages (worker/package_cache.js): the files a package's wheel installed are kept in the
origin private file system after its first load, and the next start writes them back instead of
downloading the wheel; a damaged kept file is not used, and nothing is kept where the page opts
out. Each visiting test uses its own context, whose private file system starts empty. The kept
files are checked here against the wheels themselves, apart from the worker's code."""

from __future__ import annotations

import base64
import functools
import json
import random
import struct
import zipfile

import numpy
import pytest

from tests.browser.harness import DIST
from tests.browser.lanes_checksum import lanes_checksum
from tests.browser.opfs import file_js, folder_names_js
from tests.browser.test_startup_snapshot import SNAPSHOT_FILE_JS

PACKAGE_FOLDER = "prometheus-packages"
MAGIC = b"prometheus-package-1\n"
INDEX_AT = 24
HEADER = INDEX_AT + 4 + 64
SITE_PACKAGES = "/lib/python3.12/site-packages"
PACKAGE_CACHE_JS = SNAPSHOT_FILE_JS.parent / "package_cache.js"


@functools.cache
def locked(package: str) -> dict:
    """The bundle's lock entry for `package` (read at test time: the session's fixtures build the bundle)."""
    return json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())["packages"][package]


def kept_name(package: str) -> str:
    return f"{package}-{locked(package)['sha256']}"


NAMES_JS = folder_names_js(PACKAGE_FOLDER)

# A kept file as the page reads it.
FILE_JS = file_js(PACKAGE_FOLDER)


def kept_bytes(page, name: str) -> bytes:
    return base64.b64decode(page.evaluate(FILE_JS, name)["base64"])


# Changes one byte of a kept file, in place.
DAMAGE_JS = f"""async ([name, at]) => {{
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('{PACKAGE_FOLDER}');
    const handle = await folder.getFileHandle(name);
    const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    bytes[at] ^= 0x40;
    const writable = await handle.createWritable();
    await writable.write(bytes);
    await writable.close();
}}"""


def written(page, name: str) -> bool:
    """Whether a kept file holds all the bytes its index names (a file is named before it is
    written); its checksum is read_kept's to check."""
    data = kept_bytes(page, name)
    if len(data) < HEADER:
        return False
    (length,) = struct.unpack_from("<I", data, INDEX_AT)
    try:
        index = json.loads(data[HEADER : HEADER + length])
    except ValueError:
        return False
    return HEADER + length + sum(size for _, size in index["files"]) == len(data)


def wait_for_kept(page, expected: list[str]) -> None:
    """Until the folder holds just `expected`, each written whole."""
    for _ in range(300):
        if page.evaluate(NAMES_JS) == expected and all(written(page, name) for name in expected):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the kept packages' folder holds {page.evaluate(NAMES_JS)}, not {expected} whole")


def read_kept(page, name: str) -> dict:
    """A kept package's file taken apart here: the magic, the index's length, the checksum (checked
    with lanes_checksum), the index and the files' bytes."""
    data = kept_bytes(page, name)
    (length,) = struct.unpack_from("<I", data, INDEX_AT)
    index_bytes = data[HEADER : HEADER + length]
    body = data[HEADER + length :]
    if data[INDEX_AT + 4 : HEADER].decode(errors="replace") != lanes_checksum(
        [numpy.frombuffer(index_bytes, numpy.uint8), numpy.frombuffer(body, numpy.uint8)]
    ):
        return {"magic": data[: len(MAGIC)], "checksum_ok": False}
    index = json.loads(index_bytes)
    files, at = {}, 0
    for path, size in index["files"]:
        files[path] = body[at : at + size]
        at += size
    return {
        "magic": data[: len(MAGIC)],
        "checksum_ok": True,
        "whole": at == len(body),
        "order": [path for path, _ in index["files"]],
        "files": files,
        "dynlibs": index["dynlibs"],
    }


def wheel_files(package: str) -> tuple[dict[str, bytes], list[str]]:
    """What installing `package`'s wheel writes (its members under site-packages, and the records
    Pyodide's loader adds) and the dynamic libraries it loads, in the wheel's order."""
    entry = locked(package)
    with zipfile.ZipFile(DIST / "pyodide" / entry["file_name"]) as wheel:
        files = {
            f"{SITE_PACKAGES}/{info.filename}": wheel.read(info)
            for info in wheel.infolist()
            if not info.filename.endswith("/")
        }
        names = wheel.namelist()
    dist_info = next(name.split("/")[0] for name in names if name.split("/")[0].endswith(".dist-info"))
    files[f"{SITE_PACKAGES}/{dist_info}/INSTALLER"] = b"pyodide.loadPackage"
    files[f"{SITE_PACKAGES}/{dist_info}/PYODIDE_SOURCE"] = b"pyodide"
    dynlibs = [f"{SITE_PACKAGES}/{name}" for name in names if name.endswith(".so")]
    return files, dynlibs


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def visit(context, url: str, wheels: list[str]):
    """A new page of `context` at `url`, once numpy works there; the wheels it downloaded are
    appended to `wheels` (its worker's requests)."""
    page = context.new_page()
    page.on("request", lambda request: request.url.endswith(".whl") and wheels.append(request.url))
    page.goto(url)
    page.evaluate("() => Prometheus.ready")
    stats = page.evaluate("() => Prometheus.call('core.stats', {values: [1, 2, 3, 10]})")
    assert stats["std"] == numpy.std([1, 2, 3, 10])  # numpy is loaded and works
    return page


def downloaded(wheels: list[str], package: str) -> bool:
    return any(url.endswith("/" + locked(package)["file_name"]) for url in wheels)


def test_numpy_is_kept_after_its_first_load_and_the_next_start_writes_it_back(context, pages_url):
    wheels: list[str] = []
    first = visit(context, pages_url + "host.html", wheels)
    assert downloaded(wheels, "numpy")
    wait_for_kept(first, [kept_name("numpy")])
    kept = read_kept(first, kept_name("numpy"))
    expected, dynlibs = wheel_files("numpy")
    assert kept["magic"] == MAGIC and kept["checksum_ok"] and kept["whole"]
    assert kept["files"] == expected  # every file the wheel installs, byte for byte, and no other
    assert kept["order"] == list(expected)  # the wheel's order, then Pyodide's records
    assert kept["dynlibs"] == dynlibs
    first.close()

    wheels.clear()
    second = visit(context, pages_url + "host.html", wheels)
    assert not downloaded(wheels, "numpy")  # written back from the kept files
    info = second.evaluate("() => Prometheus.call('core.info')")
    assert "numpy" in info["packages"] and info["numpy"] == locked("numpy")["version"]
    assert second.evaluate(NAMES_JS) == [kept_name("numpy")]


def test_a_package_loaded_for_a_call_is_kept_too(context, pages_url):
    """tzdata loads for the first graph query, then is kept: the next visit's query needs no download."""
    query = "RETURN datetime({year: 2024, month: 7, day: 1, timezone: 'Europe/Stockholm'}).offset AS o"
    wheels: list[str] = []
    first = visit(context, pages_url + "host.html", wheels)
    assert first.evaluate(f"() => Prometheus.call('graph.run', {{query: {json.dumps(query)}}})")["rows"] == [
        ["+02:00"]
    ]
    assert downloaded(wheels, "tzdata")
    wait_for_kept(first, sorted([kept_name("numpy"), kept_name("tzdata")]))
    expected, _ = wheel_files("tzdata")
    assert read_kept(first, kept_name("tzdata"))["files"] == expected
    first.close()
    wheels.clear()
    second = visit(context, pages_url + "host.html", wheels)
    assert second.evaluate(f"() => Prometheus.call('graph.run', {{query: {json.dumps(query)}}})")["rows"] == [
        ["+02:00"]
    ]
    assert not downloaded(wheels, "tzdata") and not downloaded(wheels, "numpy")


def test_a_damaged_kept_package_is_not_used_and_is_kept_anew(context, pages_url):
    wheels: list[str] = []
    first = visit(context, pages_url + "host.html", wheels)
    wait_for_kept(first, [kept_name("numpy")])
    size = len(kept_bytes(first, kept_name("numpy")))
    first.evaluate(DAMAGE_JS, [kept_name("numpy"), size - 1000])  # a byte of a file's content
    assert not read_kept(first, kept_name("numpy"))["checksum_ok"]
    first.close()
    wheels.clear()
    second = visit(context, pages_url + "host.html", wheels)
    assert downloaded(wheels, "numpy")  # the damaged copy was refused: numpy came from its wheel
    wait_for_kept(second, [kept_name("numpy")])  # deleted, then kept again from the wheel


def test_nothing_is_kept_where_the_page_opts_out(context, pages_url):
    wheels: list[str] = []
    page = visit(context, pages_url + "host-no-snapshot.html", wheels)
    page.wait_for_timeout(2500)  # past the second after which a package is kept
    assert page.evaluate(NAMES_JS) == []
    page.close()
    wheels.clear()
    visit(context, pages_url + "host-no-snapshot.html", wheels)
    assert downloaded(wheels, "numpy")


# packPackage / parsePackage in a page of their own (no worker): what was packed parses back to
# the same files; each kind of damage is refused with an error naming it.
ROUND_TRIP_JS = """([files, dynlibs, installDir]) => {
    const packed = packPackage(files.map(([path, bytes]) => [path, Uint8Array.from(bytes)]), dynlibs);
    const parsed = parsePackage(packed, installDir);
    return { size: packed.length, files: parsed.files.map(([path, bytes]) => [path, Array.from(bytes)]),
             dynlibs: parsed.dynlibs, views: parsed.files.every(([, bytes]) => bytes.buffer === packed.buffer) };
}"""

REFUSED_JS = """([files, dynlibs, installDir, change]) => {
    let packed = packPackage(files.map(([path, bytes]) => [path, Uint8Array.from(bytes)]), dynlibs);
    if (change === "magic") packed[3] ^= 1;
    if (change === "cut") packed = packed.slice(0, packed.length - 1);
    if (change === "byte") packed[packed.length - 1] ^= 1;
    if (change === "short") packed = packed.slice(0, 40);
    try {
        parsePackage(packed, installDir);
        return "parsed";
    } catch (error) {
        return String(error.message);
    }
}"""


@pytest.fixture(scope="module")
def functions_page(browser):
    page = browser.new_page()  # about:blank: the functions need no worker and no origin
    page.add_script_tag(content=SNAPSHOT_FILE_JS.read_text())
    page.add_script_tag(content=PACKAGE_CACHE_JS.read_text())
    yield page
    page.close()


def random_files(seed: int) -> list[tuple[str, list[int]]]:
    rng = random.Random(seed)
    sizes = [0, 1, 3, 31, 32, 33, 4095, 70001]
    return [
        (f"{SITE_PACKAGES}/pkg/d{rng.randint(0, 3)}/f{i}.bin", list(rng.randbytes(rng.choice(sizes))))
        for i in range(12)
    ]


@pytest.mark.parametrize("seed", range(3))
def test_a_packed_package_parses_back_to_its_files(functions_page, seed):
    files = random_files(seed)
    dynlibs = [files[2][0], files[0][0]]
    result = functions_page.evaluate(ROUND_TRIP_JS, [files, dynlibs, SITE_PACKAGES])
    assert result["files"] == [list(f) for f in files] and result["dynlibs"] == dynlibs
    assert result["views"]  # the files are views of the kept bytes, not copies
    index = len(
        json.dumps({"files": [[p, len(b)] for p, b in files], "dynlibs": dynlibs}, separators=(",", ":"))
    )
    assert result["size"] == HEADER + -(-index // 4) * 4 + sum(len(b) for _, b in files)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("magic", "not a kept package"),
        ("short", "cut short (its header)"),
        ("cut", "checksum does not match"),
        ("byte", "checksum does not match"),
    ],
)
def test_a_damaged_package_is_refused(functions_page, change, message):
    files = random_files(7)
    refused = functions_page.evaluate(REFUSED_JS, [files, [], SITE_PACKAGES, change])
    assert message in refused


@pytest.mark.parametrize(
    ("path", "dynlib", "message"),
    [
        ("/lib/python3.12/elsewhere.py", None, "not a file under /lib/python3.12/site-packages/"),
        (f"{SITE_PACKAGES}/../../etc/x", None, "not a file under"),
        (f"{SITE_PACKAGES}/a/./b", None, "not a file under"),
        (f"{SITE_PACKAGES}/a//b", None, "not a file under"),
        (f"{SITE_PACKAGES}/ok.py", f"{SITE_PACKAGES}/other.so", "which is not one of its files"),
    ],
)
def test_an_index_naming_files_elsewhere_is_refused(functions_page, path, dynlib, message):
    """A kept file is outside input: its index may name only files under the install folder."""
    refused = functions_page.evaluate(
        REFUSED_JS, [[[path, [1, 2, 3]]], [dynlib] if dynlib else [], SITE_PACKAGES, ""]
    )
    assert message in refused


# A kept file with a good checksum over an index written here: what the checksum cannot catch
# (a file written by something else than packPackage) is refused by the index's checks.
FORGED_JS = """([indexText, data, installDir]) => {
    const encoded = new TextEncoder().encode(indexText);
    const index = new Uint8Array(Math.ceil(encoded.length / 4) * 4).fill(0x20);
    index.set(encoded);
    const body = Uint8Array.from(data);
    const kept = new Uint8Array(92 + index.length + body.length);
    kept.set(new TextEncoder().encode("prometheus-package-1\\n"));
    new DataView(kept.buffer).setUint32(24, index.length, true);
    kept.set(new TextEncoder().encode(runsChecksum([index, body])), 28);
    kept.set(index, 92);
    kept.set(body, 92 + index.length);
    try {
        return parsePackage(kept, installDir).files.length;
    } catch (error) {
        return String(error.message);
    }
}"""


@pytest.mark.parametrize(
    ("index", "data", "message"),
    [
        ('{"files": [["%s/a", 4]], "dynlibs": []}' % SITE_PACKAGES, [1, 2, 3, 4], 1),
        (
            '{"files": [["%s/a", 5]], "dynlibs": []}' % SITE_PACKAGES,
            [1, 2, 3, 4],
            "its size 5 is not in its bytes",
        ),
        ('{"files": [["%s/a", -1]], "dynlibs": []}' % SITE_PACKAGES, [1, 2, 3, 4], "its size -1 is not in"),
        (
            '{"files": [["%s/a", 3]], "dynlibs": []}' % SITE_PACKAGES,
            [1, 2, 3, 4],
            "holds 1 bytes its index does not name",
        ),
        ('{"files": [["%s/a", 4]]}' % SITE_PACKAGES, [1, 2, 3, 4], "has no files or dynlibs"),
        ('{"files": [[7, 4]], "dynlibs": []}', [1, 2, 3, 4], "names 7, not a file under"),
        ("not json", [], "index is not JSON"),
    ],
)
def test_a_well_sealed_file_with_a_bad_index_is_refused(functions_page, index, data, message):
    result = functions_page.evaluate(FORGED_JS, [index, data, SITE_PACKAGES])
    assert result == message if isinstance(message, int) else message in result


def test_two_tabs_starting_at_once_keep_one_whole_package(context, pages_url):
    """Two first visits at the same time: each loads numpy (from its wheel, or from the other's
    kept files once whole), one keeps it, and what is kept is whole."""
    pages = [context.new_page() for _ in range(2)]
    for page in pages:
        page.goto(pages_url + "host.html")
    for page in pages:
        stats = page.evaluate(
            "() => Prometheus.ready.then(() => Prometheus.call('core.stats', {values: [4, 8]}))"
        )
        assert stats["std"] == numpy.std([4, 8])
    wait_for_kept(pages[0], [kept_name("numpy")])
    kept = read_kept(pages[0], kept_name("numpy"))
    assert kept["checksum_ok"] and kept["files"] == wheel_files("numpy")[0]
    wheels: list[str] = []
    visit(context, pages_url + "host.html", wheels)
    assert not downloaded(wheels, "numpy")

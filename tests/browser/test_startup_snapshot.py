"""Start-up snapshots (worker/snapshot.js): made on a first visit, used on the next,
discarded when unusable, and off when the page says so. Each test uses its own context,
whose origin private file system (where snapshots are kept) starts empty."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import numpy
import pytest

from tests.browser.harness import DIST
from tests.browser.lanes_checksum import lanes_checksum
from tests.browser.opfs import file_js, folder_names_js

SNAPSHOT_FOLDER = "prometheus-startup-snapshots"
MAGIC = "prometheus-snapshot-2\n"
PAGE = 4096


def kept_runs(bitmap: numpy.ndarray, length: int):
    """The [start, end) byte ranges of the pages a bitmap (one bit a page, little-endian) marks."""
    pages = -(-length // PAGE)
    kept = numpy.unpackbits(bitmap, bitorder="little")[:pages].astype(bool)
    edges = numpy.flatnonzero(numpy.diff(numpy.concatenate([[False], kept, [False]]).astype(numpy.int8)))
    return [(int(a) * PAGE, min(int(b) * PAGE, length)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def checksum(bitmap: numpy.ndarray, memory: numpy.ndarray) -> str:
    """The kept form's checksum as worker/snapshot_file.js defines it, computed here apart from it
    (lanes_checksum): over the bitmap, then each run of kept pages."""
    return lanes_checksum([bitmap] + [memory[start:end] for start, end in kept_runs(bitmap, len(memory))])


# The names in the snapshots' folder (files being written end in ".part"), [] when there is none.
NAMES_JS = folder_names_js(SNAPSHOT_FOLDER)

# A kept snapshot's file as the page reads it: its bytes in base64, and when it was written.
FILE_JS = file_js(SNAPSHOT_FOLDER)


def read_kept(page, name: str) -> dict:
    """A kept snapshot's file, taken apart here: MAGIC, the memory's length (a little-endian float64),
    the checksum of its kept form (64 hex digits), then a bitmap of its 4 KiB pages and the pages it
    marks. The memory is rebuilt with numpy and checked with `checksum`, apart from the worker's code."""
    kept = page.evaluate(FILE_JS, name)
    data = base64.b64decode(kept["base64"])
    at = len(MAGIC) + 8
    length = int(struct.unpack("<d", data[len(MAGIC) : at])[0])
    pages = -(-length // PAGE)
    bitmap = numpy.frombuffer(data, numpy.uint8, -(-pages // 8), at + 64)
    packed = numpy.frombuffer(data, numpy.uint8, offset=at + 64 + len(bitmap))
    runs = kept_runs(bitmap, length)
    memory = numpy.zeros(length, numpy.uint8)
    whole = sum(end - start for start, end in runs) == len(packed)
    if whole:
        offset = 0
        for start, end in runs:
            memory[start:end] = packed[offset : offset + end - start]
            offset += end - start
    return {
        "magic": data[: len(MAGIC)].decode(),
        "length": length,
        "stored": len(data) - at - 64,
        "digestOk": whole and data[at : at + 64].decode() == checksum(bitmap, memory),
        "modified": kept["modified"],
    }


# When a snapshot's file was last written (0 while the worker renames or deletes it).
MODIFIED_JS = f"""(name) => navigator.storage.getDirectory()
    .then((root) => root.getDirectoryHandle('{SNAPSHOT_FOLDER}'))
    .then((folder) => folder.getFileHandle(name)).then((file) => file.getFile())
    .then((file) => file.lastModified, () => 0)"""


def lock_key() -> str:
    lock = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())
    return lock["info"]["prometheus_runtime_sha256"] + "-" + lock["packages"]["prometheus-web"]["sha256"]


def kept_names() -> list[str]:
    """What the folder holds once a start has kept its snapshot: the snapshot and, beside it, the
    zips it imports from (the core's wheel, the file its preparation wrote, and the standard
    library) and the plan of its runtime's function table (worker/function_table.js)."""
    return [lock_key(), lock_key() + ".prepared", lock_key() + ".stdlib", lock_key() + ".table"]


def core_wheel() -> bytes:
    lock = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())
    return (DIST / "pyodide" / lock["packages"]["prometheus-web"]["file_name"]).read_bytes()


def standard_library(page) -> str:
    """How the start had its standard library and its core wheel: "kept" (read from the copies kept
    with the snapshot) or "downloaded", the same for both or "library/core"."""
    timings = page.evaluate("() => Prometheus.capabilities.startupTimings")
    ways = {timings["standardLibrary"], timings["coreWheel"]}
    return ways.pop() if len(ways) == 1 else timings["standardLibrary"] + "/" + timings["coreWheel"]


def function_table(page) -> str:
    """How the start's runtime placed its exports in its function table: "bulk" (by the plan
    kept with the snapshot, the linker seeing only the exports it must: worker/linking.js),
    "planned" (by the plan, the linker seeing them all) or "linked" (by Emscripten's linker)."""
    return page.evaluate("() => Prometheus.capabilities.startupTimings.functionTable")


def wait_until_stored(page, names=None) -> None:
    """Until the folder holds just the snapshot of this bundle and its standard library (written
    after ready, each renamed to its name once whole), or just `names`."""
    expected = names if names is not None else kept_names()
    for _ in range(600):
        if page.evaluate(NAMES_JS) == expected:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the snapshots' folder holds {page.evaluate(NAMES_JS)}, not {expected}")


def visit(context, url):
    page = context.new_page()
    page.goto(url)
    capabilities = page.evaluate("() => Prometheus.ready")
    stats = page.evaluate("() => Prometheus.call('core.stats', {values: [1, 2, 3, 10]})")
    assert stats["std"] == numpy.std([1, 2, 3, 10])  # the interpreter works, numpy included
    # Python's `js` module reaches the real global scope (snapshot-mode starts must rebind it).
    assert page.evaluate("() => Prometheus.call('core.info')")["user_agent"] == page.evaluate(
        "navigator.userAgent"
    )
    return page, capabilities["snapshot"]


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def rand(page) -> float:
    return page.evaluate("() => Prometheus.call('graph.run', {query: 'RETURN rand() AS r'})")["rows"][0][0]


def test_first_visit_makes_a_snapshot_and_the_next_uses_it(context, pages_url):
    first, made = visit(context, pages_url + "host.html")
    assert made == "made" and standard_library(first) == "downloaded" and function_table(first) == "linked"
    wait_until_stored(first)
    library = base64.b64decode(first.evaluate(FILE_JS, lock_key() + ".stdlib")["base64"])
    assert library == (DIST / "pyodide" / "python_stdlib.zip").read_bytes()  # kept as downloaded
    assert base64.b64decode(first.evaluate(FILE_JS, lock_key() + ".prepared")["base64"]) == core_wheel()
    # a library an older version's tab was still reading when this one was kept: it goes
    first.evaluate(f"""async () => {{
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('{SNAPSHOT_FOLDER}');
        await folder.getFileHandle('{"0" * 64}-{"1" * 64}.stdlib', {{ create: true }});
    }}""")
    first.close()
    draws = []
    for _ in range(2):
        # visit() has numpy imported (the standard library modules it imports are not in the
        # snapshot: they are read from the kept copy)
        page, used = visit(context, pages_url + "host.html")
        assert used == "used" and standard_library(page) == "kept" and function_table(page) == "bulk"
        wait_until_stored(page)
        assert page.evaluate("() => Prometheus.call('version')")
        # The snapshot holds the core imported, not its graph engine: that imports after the
        # restore, from the core wheel written back into the file system.
        draws.append(rand(page))
        page.close()
    assert draws[0] != draws[1]  # each restored start draws its own random numbers


def test_the_snapshot_is_keyed_by_what_it_holds_and_kept_without_its_zero_pages(context, pages_url):
    first, _ = visit(context, pages_url + "host.html")
    wait_until_stored(first)  # named by the runtime and the core: a new one of either, a new snapshot
    kept = read_kept(first, lock_key())
    assert kept["magic"] == MAGIC and kept["digestOk"]
    assert kept["length"] > 16 * 2**20  # the interpreter's memory (and the runtime's header) ...
    assert kept["stored"] < 0.75 * kept["length"]  # ... of which the zero pages are not stored


def test_a_snapshot_of_another_core_is_replaced(context, pages_url):
    """The worker reads the snapshot it finds before the lock file names the one it wants: one
    kept for another core (an update) is not used, and the new one replaces it."""
    first, _ = visit(context, pages_url + "host.html")
    wait_until_stored(first)
    stale = "0" * 64 + "-" + "1" * 64
    first.evaluate(f"""async () => {{
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('{SNAPSHOT_FOLDER}');
        await (await folder.getFileHandle('{lock_key()}')).move('{stale}');
    }}""")
    first.close()
    second, state = visit(context, pages_url + "host.html")
    assert state == "made"
    wait_until_stored(second)  # the stale one deleted
    second.close()
    _third, state = visit(context, pages_url + "host.html")
    assert state == "used"


SNAPSHOT_JS = Path(__file__).resolve().parents[2] / "worker" / "snapshot.js"
SNAPSHOT_FILE_JS = Path(__file__).resolve().parents[2] / "worker" / "snapshot_file.js"


@pytest.mark.parametrize("length", [4096 * 37, 4096 * 37 + 400, 4096 * 8 - 3, 1])
def test_packed_pages_read_back_to_the_same_bytes(context, length):
    """keptPages / packPages / readImage in the browser on memory with zero and non-zero pages (a
    run of each, lone ones, the last page partial), against numpy's count of the non-zero pages.
    The memory is read back whole and in two parts split at a multiple of 16 bytes (the runtime's
    header, then its memory), each into a target full of other bytes (a started runtime's memory):
    the pages left out must come back zero. A packed form a byte short is refused."""
    rng = numpy.random.default_rng(length)
    memory = numpy.zeros(length, numpy.uint8)
    pages = -(-length // 4096)
    used = rng.random(pages) < 0.5
    used[: min(3, pages)] = [True, False, True][: min(3, pages)]
    for page in numpy.flatnonzero(used):
        start, end = page * 4096, min((page + 1) * 4096, length)
        memory[rng.integers(start, end)] = rng.integers(1, 256)  # one non-zero byte anywhere
    splits = [0] + [split for split in (16, 48, 4096 + 16, 3 * 4096) if split < length]
    page = context.new_page()  # about:blank: the functions need no worker and no origin
    page.add_script_tag(content=SNAPSHOT_FILE_JS.read_text())
    result = page.evaluate(
        """([memory, splits]) => {
            const bytes = Uint8Array.from(memory);
            const bitmap = keptPages(bytes);
            const packed = packPages(bitmap, bytes);
            const reader = (form) => (view, at) => {
                const part = form.subarray(at, at + view.length);
                view.set(part);
                return part.length;
            };
            const stale = (n) => new Uint8Array(n).fill(0xa5);
            const parts = splits.map((split) => {
                const head = stale(split), rest = stale(bytes.length - split);
                const read = readImage(reader(packed), bitmap, bytes.length, 0, head) &&
                    readImage(reader(packed), bitmap, bytes.length, split, rest);
                return read && [...head, ...rest].every((b, i) => b === bytes[i]);
            });
            const short = readImage(reader(packed.subarray(0, packed.length - 1)), bitmap, bytes.length, 0, stale(bytes.length));
            return { size: packed.length, counted: keptFormLength(bitmap, bytes.length),
                     bitmapFirst: packed.subarray(0, bitmap.length).every((b, i) => b === bitmap[i]), parts, short };
        }""",
        [memory.tolist(), splits],
    )
    nonzero = sum(
        min(4096, length - p * 4096) for p in range(pages) if memory[p * 4096 : (p + 1) * 4096].any()
    )
    size = -(-pages // 8) + nonzero
    assert result == {
        "size": size,
        "counted": size,
        "bitmapFirst": True,
        "parts": [True] * len(splits),
        "short": False,
    }


def random_memory_and_page(context, length: int, seed: int):
    """`length` random bytes of which about 40% of the 4 KiB pages are zero, and a blank page with
    worker/snapshot_file.js's functions (they need no worker and no origin)."""
    rng = numpy.random.default_rng(seed)
    memory = rng.integers(0, 256, length, dtype=numpy.uint8)
    for zero in numpy.flatnonzero(rng.random(-(-length // PAGE)) < 0.4):
        memory[zero * PAGE : (zero + 1) * PAGE] = 0
    page = context.new_page()
    page.add_script_tag(content=SNAPSHOT_FILE_JS.read_text())
    return memory, page


@pytest.mark.parametrize("length", [4096 * 37, 4096 * 37 + 400, 4096 * 8 - 3, 4096 * 3 + 20])
def test_the_checksum_is_the_one_computed_here_and_sees_any_changed_byte(context, length):
    """snapshotChecksum in the browser against `checksum` (numpy) on random memory with zero pages,
    runs and partial blocks; then one byte changed at a time (each 4-byte word of each lane, across
    the bitmap and the pages, and a zeroed page) must change it."""
    memory, page = random_memory_and_page(context, length, seed=length + 1)
    found = page.evaluate(
        """(memory) => {
            const bytes = Uint8Array.from(memory);
            const bitmap = keptPages(bytes);
            return { bitmap: Array.from(bitmap), sum: snapshotChecksum(bitmap, bytes) };
        }""",
        memory.tolist(),
    )
    bitmap = numpy.array(found["bitmap"], numpy.uint8)
    assert found["sum"] == checksum(bitmap, memory)
    # A memory restored in two places (the runtime's header, then its memory) is checked in two
    # pieces: split at a multiple of 16 bytes, an odd number of half blocks included.
    splits = [split for split in (16, 48, 4096 + 16, 2 * 4096) if split < length]
    split_sums = page.evaluate(
        """([memory, splits]) => {
            const bytes = Uint8Array.from(memory);
            const bitmap = keptPages(bytes);
            return splits.map((split) => imageChecksum(bitmap, bytes.length, bytes.subarray(0, split), bytes.slice(split)));
        }""",
        [memory.tolist(), splits],
    )
    assert split_sums == [found["sum"]] * len(splits)
    runs = kept_runs(bitmap, length)
    positions = sorted(
        {start + offset for start, end in runs for offset in range(0, min(64, end - start), 3)}
    )
    changed = page.evaluate(
        """([memory, positions, bitmapBytes]) => {
            const bytes = Uint8Array.from(memory);
            const bitmap = keptPages(bytes);
            const original = snapshotChecksum(bitmap, bytes);
            const differs = [];
            for (const at of positions) {  // a byte of the memory flipped
                bytes[at] ^= 0x5a;
                differs.push(snapshotChecksum(bitmap, bytes) !== original);
                bytes[at] ^= 0x5a;
            }
            for (let at = 0; at < bitmapBytes; at++) {  // a bit of the bitmap: another set of pages
                bitmap[at] ^= 1;
                differs.push(snapshotChecksum(bitmap, bytes) !== original);
                bitmap[at] ^= 1;
            }
            const [start, end] = keptRuns(bitmap, bytes.length).next().value;
            bytes.fill(0, start, Math.min(end, start + 4096));  // a kept page lost (zeros)
            differs.push(snapshotChecksum(bitmap, bytes) !== original);
            return differs;
        }""",
        [memory.tolist(), positions, len(bitmap)],
    )
    assert len(changed) == len(positions) + len(bitmap) + 1 and all(changed)


@pytest.mark.parametrize("length", [4096 * 37, 4096 * 37 + 400, 4096 * 3 + 20])
def test_the_simd_loops_over_the_runtimes_memory_agree_with_the_javascript_ones(context, length):
    """memoryKernels (WebAssembly SIMD, which this Chromium has) over a WebAssembly memory holding
    random pages, zero pages among them: the checksum against `checksum` (numpy), whole and split
    at the places a restore splits it; readImage into that memory at offsets of every alignment,
    full of stale bytes, reading back the memory exactly (the pages left out zero again, where the
    SIMD loop zeroes 16 bytes at a time); and each kernel on its own against its JavaScript twin
    on random words and on stale bytes with zero and non-zero 16-byte pieces."""
    memory, page = random_memory_and_page(context, length, seed=length + 7)
    pages = -(-length // 4096)
    found = page.evaluate(
        """([memory, splits, offsets]) => {
            const bytes = Uint8Array.from(memory);
            const bitmap = keptPages(bytes);
            const runtime = new WebAssembly.Memory({ initial: Math.ceil((bytes.length + 4096) / 65536) + 1 });
            const kernels = memoryKernels(runtime);
            if (!kernels) return { kernels: false };
            const heap = new Uint8Array(runtime.buffer, 0, bytes.length);
            heap.set(bytes);
            const sums = splits.map((split) => imageChecksum(bitmap, bytes.length, bytes.slice(0, split), heap.subarray(split), kernels));
            const packed = packPages(bitmap, bytes);
            const reader = (view, at) => { const part = packed.subarray(at, at + view.length); view.set(part); return part.length; };
            const reads = offsets.map((offset) => {
                new Uint8Array(runtime.buffer).fill(0xa5);
                const target = new Uint8Array(runtime.buffer, offset, bytes.length);
                return readImage(reader, bitmap, bytes.length, 0, target, kernels) && target.every((b, i) => b === bytes[i]);
            });
            // mixWords: random words, lanes carried across calls
            const words = new Int32Array(runtime.buffer, 64, 8 * 301);
            for (let i = 0; i < words.length; i++) words[i] = (Math.random() * 2 ** 32) | 0;
            const js = Int32Array.from([1, 2, 3, 4, 5, 6, 7, -8]), wasm = js.slice();
            for (const [a, b] of [[0, 8], [8, 8 * 100], [8 * 100, 8 * 301]]) {
                mixWords(js, words.subarray(a, b));
                wasm.set(kernels.mixWords(wasm, words.subarray(a, b)));
            }
            // zeroWhereNot: 16-byte pieces all zero, or with one non-zero byte anywhere in them
            const stale = new Uint8Array(runtime.buffer, 4096, 16 * 64).fill(0);
            for (let piece = 0; piece < 64; piece++) if (piece % 3) stale[piece * 16 + (piece % 16)] = piece;
            stale[0] = 9, stale[63 * 16 + 5] = 63;  // the pieces either side of those it zeroes
            kernels.zeroWhereNot(4096 + 16, 4096 + 16 * 63);
            return { kernels: true, holds: kernels.holds(heap) && !kernels.holds(bytes), sums, reads,
                     mixed: Array.from(wasm).join() === Array.from(js).join(), mixedSomething: js[0] !== 1,
                     zeroed: stale.subarray(16, 16 * 63).every((b) => b === 0),
                     outsideKept: stale[0] === 9 && stale[63 * 16 + 5] === 63 };
        }""",
        [memory.tolist(), [0, 16, 48, 4096 + 16], [0, 4, 16, 7, 4096 + 3]],
    )
    bitmap = numpy.packbits(
        [memory[p * 4096 : (p + 1) * 4096].any() for p in range(pages)], bitorder="little"
    )
    assert found == {
        "kernels": True,
        "holds": True,
        "sums": [checksum(bitmap, memory)] * 4,
        "reads": [True] * 5,
        "mixed": True,
        "mixedSomething": True,
        "zeroed": True,
        "outsideKept": True,
    }


# How a kept file is spoilt, as the write that spoils it: one flipped byte amid its pages (the
# checksum no longer matches), its last page lost (the file is shorter than its bitmap says), or the
# previous format's header on an otherwise whole file (version 1 kept a SHA-256 there).
DAMAGE_JS = {
    "a flipped byte": """async (file) => {
        const size = (await file.getFile()).size;
        const byte = new Uint8Array(await (await file.getFile()).slice(size >> 1, (size >> 1) + 1).arrayBuffer());
        return { type: 'write', position: size >> 1, data: Uint8Array.of(byte[0] ^ 0xff) };
    }""",
    "cut short": """async (file) => ({ type: 'truncate', size: (await file.getFile()).size - 4096 })""",
    "the previous format": """async () => ({ type: 'write', position: 0, data: new TextEncoder().encode("prometheus-snapshot-1\\n") })""",
}


@pytest.mark.parametrize("damage", list(DAMAGE_JS))
def test_a_damaged_snapshot_is_replaced(context, pages_url, damage):
    first, _ = visit(context, pages_url + "host.html")
    wait_until_stored(first)
    first.evaluate(
        f"""async () => {{
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('{SNAPSHOT_FOLDER}');
        const file = await folder.getFileHandle('{lock_key()}');
        const damage = await ({DAMAGE_JS[damage]})(file);
        const writable = await file.createWritable({{ keepExistingData: true }});
        await writable.write(damage);
        await writable.close();  // the rest of the file kept
    }}"""
    )
    damaged = read_kept(first, lock_key())
    if damage in ("a flipped byte", "cut short"):
        assert damaged["magic"] == MAGIC and not damaged["digestOk"]
    else:
        assert damaged["magic"] == "prometheus-snapshot-1\n" and damaged["digestOk"]
    first.close()
    second, state = visit(context, pages_url + "host.html")
    assert state == "made"  # fell back to a normal start and took a fresh snapshot ...
    for _ in range(600):  # ... which replaces the damaged one (written as .part, then renamed)
        names = second.evaluate(NAMES_JS)
        if names == kept_names() and second.evaluate(MODIFIED_JS, lock_key()) > damaged["modified"]:
            break
        second.wait_for_timeout(100)
    replaced = read_kept(second, lock_key())
    assert replaced["magic"] == MAGIC and replaced["digestOk"]
    second.close()
    _third, state = visit(context, pages_url + "host.html")
    assert state == "used"


@pytest.mark.parametrize("suffix", [".stdlib", ".prepared", ".table"])
def test_a_damaged_kept_file_is_replaced_with_its_snapshot(context, pages_url, suffix):
    """A kept zip (the standard library, the core's wheel) that is not a whole zip, or a kept table
    plan that is not a whole plan (each cut short here) is not read: the start makes a snapshot
    and keeps all anew, and the next start reads them."""
    first, _ = visit(context, pages_url + "host.html")
    wait_until_stored(first)
    first.evaluate(
        f"""async () => {{
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('{SNAPSHOT_FOLDER}');
        const file = await folder.getFileHandle('{lock_key()}{suffix}');
        const size = (await file.getFile()).size;
        const writable = await file.createWritable({{ keepExistingData: true }});
        await writable.truncate(size - 4);
        await writable.close();
    }}"""
    )
    first.close()
    second, state = visit(context, pages_url + "host.html")
    assert state == "made" and standard_library(second) == "downloaded" and function_table(second) == "linked"
    wait_until_stored(second)
    library = base64.b64decode(second.evaluate(FILE_JS, lock_key() + ".stdlib")["base64"])
    assert library == (DIST / "pyodide" / "python_stdlib.zip").read_bytes()
    assert base64.b64decode(second.evaluate(FILE_JS, lock_key() + ".prepared")["base64"]) == core_wheel()
    second.close()
    third, state = visit(context, pages_url + "host.html")
    assert state == "used" and standard_library(third) == "kept" and function_table(third) == "bulk"


def test_pages_can_opt_out(context, pages_url):
    page, state = visit(context, pages_url + "host-no-snapshot.html")
    assert state == "off"
    assert page.evaluate(NAMES_JS) == []


# (module (type (func (result i32))) (import "e" "f" (func (type 0))) (export "f" (func 0))): the
# wrapper Pyodide 0.27 compiles for a JavaScript function of signature "i"; WRAPPER_II for "ii".
WRAPPER_I = [
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    5,
    1,
    96,
    0,
    1,
    127,
    2,
    7,
    1,
    1,
    101,
    1,
    102,
    0,
    0,
    7,
    5,
    1,
    1,
    102,
    0,
    0,
]
WRAPPER_II = [
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    6,
    1,
    96,
    1,
    127,
    1,
    127,
    2,
    7,
    1,
    1,
    101,
    1,
    102,
    0,
    0,
    7,
    5,
    1,
    1,
    102,
    0,
    0,
]
# WRAPPER_I with a custom section of 1,100 zero bytes after its header: over 1 KiB.
LARGE = WRAPPER_I[:8] + [0, 0xCE, 0x08, 1, 120] + [0] * 1100 + WRAPPER_I[8:]


def test_modules_of_the_same_bytes_compile_once_while_the_runtime_starts(context):
    page = context.new_page()
    page.add_script_tag(content=SNAPSHOT_JS.read_text())
    result = page.evaluate(
        """async ([wrapperI, wrapperII, large]) => {
            const native = WebAssembly.Module;
            const bytes = (list) => Uint8Array.from(list);
            const seen = await compilingEachModuleOnce(async () => {
                const a = new WebAssembly.Module(bytes(wrapperI));
                const again = new WebAssembly.Module(bytes(wrapperI).buffer);  // an ArrayBuffer this time
                const other = new WebAssembly.Module(bytes(wrapperII));
                const big = [new WebAssembly.Module(bytes(large)), new WebAssembly.Module(bytes(large))];
                const one = new WebAssembly.Instance(a, { e: { f: () => 1 } }).exports.f;
                const two = new WebAssembly.Instance(again, { e: { f: () => 2 } }).exports.f;
                return {
                    same: a === again, distinct: a !== other, largeApart: big[0] !== big[1],
                    isModule: [a, other, ...big].every((m) => m instanceof native),
                    exports: WebAssembly.Module.exports(a).map((e) => e.name),
                    calls: [one(), two(), new WebAssembly.Instance(other, { e: { f: (x) => x + 1 } }).exports.f(41)],
                };
            });
            const restored = WebAssembly.Module === native;
            const failure = await compilingEachModuleOnce(async () => { throw new Error("start failed"); })
                .then(() => null, (error) => error.message);
            return { ...seen, restored, failure, restoredAfterFailure: WebAssembly.Module === native };
        }""",
        [WRAPPER_I, WRAPPER_II, LARGE],
    )
    assert result == {
        "same": True,
        "distinct": True,
        "largeApart": True,
        "isModule": True,
        "exports": ["f"],
        "calls": [1, 2, 42],
        "restored": True,
        "failure": "start failed",
        "restoredAfterFailure": True,
    }


def test_the_standard_library_file_takes_its_array_and_other_writes_are_left_alone(context):
    """takingTheStandardLibrary on a file system that records its writes: the standard library's
    zip (Pyodide's one write of it) is written with canOwn, the options it was given kept, and its
    array is what it answers (kept with a snapshot); other files as they were asked; and once that
    write is done, FS.writeFile is the original again."""
    page = context.new_page()
    page.add_script_tag(content=SNAPSHOT_JS.read_text())
    result = page.evaluate(
        """() => {
            const writes = [];
            const original = function (path, data, options) { writes.push([path, data.length, options ?? null, this === fs]); };
            const fs = { writeFile: original };
            const written = takingTheStandardLibrary(fs);
            fs.writeFile("/lib/prometheus_web-0.1.0-py3-none-any.whl", new Uint8Array(3), { canOwn: false });
            fs.writeFile("/lib/python312.zip.part", new Uint8Array(1));
            const library = new Uint8Array(4);
            fs.writeFile("/lib/python312.zip", library, { encoding: "binary" });
            const restored = fs.writeFile === original;
            fs.writeFile("/lib/python312.zip", new Uint8Array(5));
            return { writes, restored, answered: written.bytes === library };
        }"""
    )
    assert result == {
        "writes": [
            ["/lib/prometheus_web-0.1.0-py3-none-any.whl", 3, {"canOwn": False}, True],
            ["/lib/python312.zip.part", 1, None, True],
            ["/lib/python312.zip", 4, {"encoding": "binary", "canOwn": True}, True],
            ["/lib/python312.zip", 5, None, True],
        ],
        "restored": True,
        "answered": True,
    }


def test_the_standard_library_file_reads_the_kept_copy(context):
    """With a kept copy, the standard library's write (of the stand-in Pyodide downloaded) makes
    an empty file whose size is the copy's and whose reads come from it, at any position and
    length, into a view of the runtime's memory (an Int8Array, as the file system passes), the
    last one cut at the end; nothing else of the file system's node changes."""
    page = context.new_page()
    page.add_script_tag(content=SNAPSHOT_JS.read_text())
    result = page.evaluate(
        """() => {
            const copy = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7 + 3) & 255);
            const library = { size: copy.length, read: (view, at) => { const part = copy.subarray(at, at + view.length); new Uint8Array(view.buffer, view.byteOffset, part.length).set(part); return part.length; }, close: () => {} };
            const writes = [];
            const stock = { llseek: () => "stock llseek", read: () => "stock read" };
            const node = { usedBytes: 0, stream_ops: stock, mode: 33206 };
            const original = (path, data, options) => writes.push([path, data.length, options ?? null]);
            const fs = { writeFile: original, lookupPath: (path) => ({ node: path === "/lib/python312.zip" ? node : null }) };
            const written = takingTheStandardLibrary(fs, library);
            fs.writeFile("/lib/python312.zip", new Uint8Array(14000), { encoding: "binary" });
            const heap = new Int8Array(20000);
            const reads = [[0, 22, 0], [100, 4096, 9990], [5, 30, 9980], [0, 10, 10000], [7, 1, 12000]].map(([offset, length, position]) => {
                heap.fill(-1);
                const n = node.stream_ops.read({}, heap, offset, length, position);
                const expected = copy.subarray(position, position + n);
                return [n, new Uint8Array(heap.buffer, offset, n).every((b, i) => b === expected[i]), heap[offset + n] === -1];
            });
            return { writes, size: node.usedBytes, reads, llseek: node.stream_ops.llseek(), stockKept: stock.read() === "stock read",
                     answered: written.bytes, restored: fs.writeFile === original };
        }"""
    )
    assert result == {
        "writes": [["/lib/python312.zip", 0, {"encoding": "binary"}]],
        "size": 10000,
        "reads": [[22, True, True], [10, True, True], [20, True, True], [0, True, True], [0, True, True]],
        "llseek": "stock llseek",
        "stockKept": True,
        "answered": None,
        "restored": True,
    }

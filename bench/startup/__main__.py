"""Time to ready in headless Chromium: the SDK against bare `loadPyodide`, cold and warm.

    python -m bench.startup [--runs 5]

Cold: a fresh browser profile (empty HTTP cache). Warm: a second visit in the same profile, after
a first that stayed LINGER_S past its first answer.
The pages are visited with no DevTools client attached (bench/unwatched.py), as a learner's
browser runs them, and report their own times; the app's rows are driven by Playwright. Each
visit starts once the machine is idle (a learner's browser is past its own first second). All
pages start Pyodide in a dedicated worker served from the same local server; bare
Pyodide loads no packages, the SDK loads numpy and the core. Bytes are counted by the server.
The app's service worker (web/sw.js, registered by pwa.js): a warm start served from its
cache with the server up, then with the server stopped (offline), against the SDK's warm start.
The learner's app (index.html): time to interactive (its shell is on screen and usable, the
mark "app-interactive") apart from time to ready; the first visit loads the bundled course, so
the second shows the shell with the kept counts, and restores a collection before ready.
Two bare peers: Pyodide as its npm package publishes it (the peer a page would use instead:
the target's), and the same loadPyodide on the bundle's own runtime files, whose standard
library ships compiled (build/bytecode.py), which shows what the SDK adds on top of its runtime.
A third restores a start-up snapshot of its own (Pyodide's snapshot options used directly): the
floor of a snapshot start on this runtime, for the SDK's warm start.
Targets (issue 17): SDK cold <= 1.15x bare cold, SDK warm <= 0.3x SDK cold.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "build"))

from pwa_manifest import write_sw_manifest  # noqa: E402 - build/ is scripts, not a package
from pyodide_runtime import RUNTIME_FILES  # noqa: E402

from bench.unwatched import Chromium, Reports, settle  # noqa: E402
from serve import make_server  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, build_bundle  # noqa: E402
from tests.browser.pwa_server import BundleServer  # noqa: E402

# A visit is over once the page has its first answer (the version): a learner's second visit
# comes after a first that was used, not within milliseconds of ready. A first visit then stays
# LINGER_S more, as a learner's does: what a start keeps for the next one is written after its
# first answer (the start-up snapshot just after ready, numpy's unpacked files a second after they
# loaded: worker/package_cache.js). The times are taken at the first answer either way.
SDK_PAGE = """<!doctype html><meta charset="utf-8"><script src="/prometheus.js"></script>
<script>window.__ready = Prometheus.ready.then(() => performance.now());
window.__used = Prometheus.ready.then(() => Prometheus.call("version"));
window.__answered = window.__used.then(() => performance.now());</script>"""

# What each page reports (bench/unwatched.py), once its visit is over: ready, in ms since
# navigation. The SDK's pages are used first (their first answer), the bare snapshot's first
# visit waits for its snapshot to be written; the other bare pages have no `__used`. With it, the
# SDK's pages report their first answer, which waits for numpy too (worker/worker.js): [ready,
# answered or null], in ms since navigation.
REPORT_READY = (
    "Promise.all([window.__ready, window.__used, window.__answered])"
    ".then(([ready, , answered]) => [ready, answered === undefined ? null : answered])"
)

# The same page as an installable app: the manifest and the service worker's registration.
PWA_PAGE = (
    SDK_PAGE.replace(
        '<script src="/prometheus.js">',
        '<link rel="manifest" href="/manifest.webmanifest"><script src="/prometheus.js">',
    )
    + '<script src="/pwa.js" defer></script>'
)

CHUNK = 64 * 1024
LINGER_S = 2.0  # how long a first visit stays after its first answer

# The same bare start from a worker file of the bundle's origin (no blob): the peer is the
# faster of the two, so the SDK is compared with the best bare start measured.
BARE_FILE_WORKER = """importScripts("/pyodide/pyodide.js");
loadPyodide({indexURL: "/pyodide/"}).then(() => postMessage("ready"));"""
BARE_FILE_PAGE = """<!doctype html><meta charset="utf-8"><script>
const worker = new Worker("/bench-bare-worker.js");
window.__ready = new Promise((resolve) => { worker.onmessage = () => resolve(performance.now()); });
</script>"""

# Pyodide's own files as published (build/node_modules/pyodide, the pinned npm package), served
# from a folder of their own for the stock peer.
STOCK_FOLDER = "bench-stock-pyodide"
STOCK_FILES = (*RUNTIME_FILES, "pyodide-lock.json")
BARE_STOCK_WORKER = BARE_FILE_WORKER.replace("/pyodide/", f"/{STOCK_FOLDER}/")
BARE_STOCK_PAGE = BARE_FILE_PAGE.replace("/bench-bare-worker.js", "/bench-bare-stock-worker.js")

# Bare Pyodide restoring a start-up snapshot of its own, as a page using Pyodide's snapshot
# options directly would: the memory kept whole in OPFS on the first visit (no packing, no check),
# read back before loadPyodide on the next. The floor a snapshot start has on this runtime: the
# SDK's warm start does that and more (its core imported, the store opened and restored).
BARE_SNAPSHOT_WORKER = """importScripts("/pyodide/pyodide.js");
(async () => {
  const root = await navigator.storage.getDirectory();
  const file = await root.getFileHandle("bench-bare-snapshot", { create: true });
  const reader = await file.createSyncAccessHandle();
  const kept = new Uint8Array(reader.getSize());
  reader.read(kept, { at: 0 });
  reader.close();
  if (kept.length > 0) {
    await loadPyodide({ indexURL: "/pyodide/", _loadSnapshot: kept });
    postMessage("ready");
    postMessage("stored");
    return;
  }
  const pyodide = await loadPyodide({ indexURL: "/pyodide/", _makeSnapshot: true });
  postMessage("ready");
  const bytes = pyodide.makeMemorySnapshot();
  const writer = await file.createSyncAccessHandle();
  writer.write(bytes, { at: 0 });
  writer.close();
  postMessage("stored");
})();"""
BARE_SNAPSHOT_PAGE = """<!doctype html><meta charset="utf-8"><script>
const worker = new Worker("/bench-bare-snapshot-worker.js");
const posted = (what) => new Promise((resolve) => worker.addEventListener("message", (e) => e.data === what && resolve(performance.now())));
window.__ready = posted("ready");
window.__used = posted("stored");  // the first visit leaves once its snapshot is written
</script>"""

BARE_PAGE = """<!doctype html><meta charset="utf-8"><script>
const source = 'importScripts("' + location.origin + '/pyodide/pyodide.js");' +
  'loadPyodide({indexURL: "' + location.origin + '/pyodide/"}).then(() => postMessage("ready"));';
const worker = new Worker(URL.createObjectURL(new Blob([source], {type: "text/javascript"})));
window.__ready = new Promise((resolve) => { worker.onmessage = () => resolve(performance.now()); });
</script>"""


def counting_server(directory: Path, mbps: float = 0):
    """The bundle server, counting the body bytes it sends; `mbps` > 0 paces each response."""
    server = make_server(directory)
    server.bytes_sent = 0
    lock = threading.Lock()
    served = server.RequestHandlerClass  # functools.partial(handler, directory=...)

    class Counting(served.func):
        def copyfile(self, source, outputfile):
            start = source.tell()
            if mbps <= 0:
                super().copyfile(source, outputfile)
            else:  # each response is paced at `mbps` (parallel downloads each get that rate)
                while chunk := source.read(CHUNK):
                    outputfile.write(chunk)
                    time.sleep(len(chunk) * 8 / (mbps * 1e6))
            with lock:
                server.bytes_sent += source.tell() - start

    server.RequestHandlerClass = functools.partial(Counting, *served.args, **served.keywords)
    handle_error = server.handle_error

    def quiet_resets(request, client_address):  # a page left while a download ran: expected
        if not isinstance(sys.exc_info()[1], ConnectionError):
            handle_error(request, client_address)

    server.handle_error = quiet_resets
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def visit_twice(reports: Reports, server, url: str) -> dict:
    """A new profile (empty disk cache) visited twice, as a learner's browser would."""
    out = {}
    with (
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile,
        Chromium(Path(profile)) as chromium,
    ):
        tab = chromium.new_tab()
        for visit in ("cold", "warm"):
            settle()
            before = server.bytes_sent
            chromium.goto(tab, url)
            ready, answered = reports.next()  # once the page has been used (REPORT_READY)
            out[visit] = ready / 1000
            if answered is not None:
                out[visit + "_answer"] = answered / 1000
            out[visit + "_bytes"] = server.bytes_sent - before
            if visit == "cold":
                time.sleep(LINGER_S)
            chromium.goto(tab, "about:blank")
    return out


def measure(reports: Reports, server, urls: dict, runs: int) -> dict:
    """{name: medians of visit_twice}. The pages take turns within each run (in alternating
    order), so a change in the machine's load during the bench affects them alike."""
    rows = {name: [] for name in urls}
    for run in range(runs):
        for name in list(urls)[:: 1 if run % 2 == 0 else -1]:
            rows[name].append(visit_twice(reports, server, urls[name]))
    medians = {
        name: {key: statistics.median(r[key] for r in runs_) for key in runs_[0]}
        for name, runs_ in rows.items()
    }
    return medians, rows


# Times since navigation start, in seconds: the shell's mark, and ready.
APP_TIMES_JS = """async () => {
  const ready = await Prometheus.ready.then(() => performance.now());
  const mark = performance.getEntriesByName("app-interactive")[0];
  return { interactive: mark ? mark.startTime / 1000 : null, ready: ready / 1000,
           shell: document.documentElement.dataset.app !== undefined,
           numpy: Prometheus.capabilities.startupTimings.numpy };
}"""


def measure_app(playwright, server, url: str, runs: int) -> dict:
    """The learner's app in a new profile: a first visit (then the bundled course is loaded and
    Today shown, which keeps its counts), and a second visit that starts with them."""
    rows = {"cold": [], "warm": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as profile:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            page = context.new_page()
            page.set_default_timeout(300_000)
            page.goto(url)
            rows["cold"].append(page.evaluate(APP_TIMES_JS))
            page.evaluate("() => Prometheus.call('learn.load_course', {name: 'quantum-foundations'})")
            page.evaluate("() => { location.hash = '#/stats'; location.hash = '#/today'; }")
            page.wait_for_selector(".screen-today:not(.shell) #start-review")
            page.goto("about:blank")
            page.goto(url)
            page.wait_for_selector(".screen-today #start-review")
            warm = page.evaluate(APP_TIMES_JS)
            warm["cached_counts"] = page.evaluate(
                "() => localStorage.getItem('prometheus-app:today') !== null"
            )
            rows["warm"].append(warm)
            context.close()
    out = {}
    for visit, values in rows.items():
        out[visit] = {key: statistics.median(v[key] for v in values) for key in ("interactive", "ready")} | {
            "numpy": values[0]["numpy"],
            "shell": all(v["shell"] for v in values),
        }
    return out


# Resolves once a service worker controls the page.
CONTROLLED_JS = """navigator.serviceWorker.controller ? true : new Promise((resolve) =>
  navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true)))"""


def measure_service_worker(reports: Reports, dist: Path, runs: int) -> dict:
    """Each run: a new profile; a first visit installs the worker, then a warm visit online and
    one with the server stopped (the faithful way offline: see tests/browser/pwa_server.py)."""
    cold, online, offline, online_bytes = [], [], [], []
    for _ in range(runs):
        server = BundleServer(dist)
        url = server.url + "bench-pwa.html"
        with (
            tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile,
            Chromium(Path(profile)) as chromium,
        ):
            tab = chromium.new_tab()
            settle()
            chromium.goto(tab, url)
            cold.append(reports.next()[0] / 1000)
            chromium.evaluate(tab, CONTROLLED_JS, timeout_s=120)
            # A first visit goes on after the service worker takes over, and the page then loads
            # the runtime's script once through it, so that its compiled code is kept (pwa.js):
            # the visit ends 2 s later, not at once.
            time.sleep(2)
            for times in (online, offline):
                chromium.goto(tab, "about:blank")
                if times is offline:
                    server.stop()
                server.reset_counts()
                settle()
                chromium.goto(tab, url)
                times.append(reports.next()[0] / 1000)
                if times is online:
                    online_bytes.append(sum(server.body_bytes.values()))
    return {
        "cold": statistics.median(cold),
        "online": statistics.median(online),
        "offline": statistics.median(offline),
        "online_bytes": statistics.median(online_bytes),
    }


def remove_bench_files(dist: Path, names) -> None:
    """The files this bench wrote into the bundle, and the stock peer's folder, removed."""
    for name in names:
        (dist / name).unlink(missing_ok=True)
    shutil.rmtree(dist / STOCK_FOLDER, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--mbps",
        type=float,
        default=0,
        help="pace each response at this rate (0: loopback speed), closer to a learner's first visit",
    )
    args = parser.parse_args(argv)
    dist = build_bundle()
    reports = Reports()
    report = reports.script(REPORT_READY)
    # The pages and workers this bench adds to the bundle (and the stock peer's folder); the app's
    # service worker lists those of `listed` (its manifest is written between the two).
    listed = {
        "bench-sdk.html": SDK_PAGE + report,
        "bench-bare.html": BARE_PAGE + report,
        "bench-bare-file.html": BARE_FILE_PAGE + report,
        "bench-bare-worker.js": BARE_FILE_WORKER,
        "bench-bare-snapshot.html": BARE_SNAPSHOT_PAGE + report,
        "bench-bare-snapshot-worker.js": BARE_SNAPSHOT_WORKER,
        "bench-pwa.html": PWA_PAGE + report,
    }
    unlisted = {
        "bench-bare-stock.html": BARE_STOCK_PAGE + report,
        "bench-bare-stock-worker.js": BARE_STOCK_WORKER,
    }
    bench_files = (*listed, *unlisted)
    remove_bench_files(dist, bench_files)  # a run stopped midway leaves them, and a stale list
    try:
        for name, text in listed.items():
            (dist / name).write_text(text)
        write_sw_manifest(dist)  # the service worker serves only files of its build's list
        # the stock peer's files after the list: the app's service worker never caches them
        for name, text in unlisted.items():
            (dist / name).write_text(text)
        (dist / STOCK_FOLDER).mkdir()
        for name in STOCK_FILES:
            shutil.copyfile(ROOT / "build" / "node_modules" / "pyodide" / name, dist / STOCK_FOLDER / name)
        server = counting_server(dist, args.mbps)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        pages = {
            "bare, stock Pyodide": "bench-bare-stock.html",
            "bare, blob worker": "bench-bare.html",
            "bare, worker file": "bench-bare-file.html",
            "bare + own snapshot": "bench-bare-snapshot.html",
            "Prometheus SDK": "bench-sdk.html",
        }
        results, per_run = measure(
            reports, server, {name: base + page for name, page in pages.items()}, args.runs
        )
        service_worker = measure_service_worker(reports, dist, args.runs)
        reports.close()
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            app = measure_app(playwright, server, base + "index.html", args.runs)
        server.shutdown()
    finally:
        remove_bench_files(dist, bench_files)
        write_sw_manifest(dist)

    link = f"{args.mbps:g} Mbit/s link" if args.mbps else "loopback, no bandwidth cap"
    print(
        f"time to ready, median of {args.runs} runs (headless Chromium with no DevTools attached, local server, {link})"
    )
    print(f"{'':20} {'cold s':>8} {'warm s':>8} {'warm/cold':>10} {'cold bytes':>12} {'warm bytes':>11}")
    for name, r in results.items():
        print(
            f"{name:20} {r['cold']:8.2f} {r['warm']:8.2f} {r['warm'] / r['cold']:10.2f} "
            f"{r['cold_bytes']:12,.0f} {r['warm_bytes']:11,.0f}"
        )
    sdk = results["Prometheus SDK"]
    print(
        f"{'SDK first answer':20} {sdk['cold_answer']:8.2f} {sdk['warm_answer']:8.2f} "
        f"{sdk['warm_answer'] / sdk['cold_answer']:10.2f}   (a call answered: numpy loaded and the store settled)"
    )
    stock = results["bare, stock Pyodide"]
    bare = min(results["bare, blob worker"], results["bare, worker file"], key=lambda r: r["cold"])
    sw = service_worker
    print(
        f"{'SW warm, online':20} {sw['cold']:8.2f} {sw['online']:8.2f} {sw['online'] / sw['cold']:10.2f} "
        f"{'':>12} {sw['online_bytes']:11,.0f}"
    )
    print(
        f"{'SW warm, offline':20} {sw['cold']:8.2f} {sw['offline']:8.2f} {sw['offline'] / sw['cold']:10.2f} "
        f"{'':>12} {'(server down)':>11}"
    )
    print(
        f"service worker: warm online / SDK warm = {sw['online'] / sdk['warm']:.2f}, "
        f"warm offline / SDK warm = {sw['offline'] / sdk['warm']:.2f} (target <= 1.1: the cache costs no time)"
    )
    print(
        f"learner's app (index.html), median of {args.runs} runs: time to interactive (shell) and to ready "
        "(driven by Playwright, whose DevTools add to both)"
    )
    for visit, label in (("cold", "first visit, empty store"), ("warm", "second visit, course loaded")):
        r = app[visit]
        print(
            f"  {label:28} interactive {r['interactive']:6.2f} s   ready {r['ready']:6.2f} s   "
            f"(numpy {r['numpy']})"
        )
    # The same ratio taken within each run (pages visited one after the other), then its median:
    # a change of the machine's load between runs then cancels out (reported, not the target).
    runs_of = per_run["Prometheus SDK"], per_run["bare, stock Pyodide"]
    paired_stock = [sdk_run["cold"] / peer["cold"] for sdk_run, peer in zip(*runs_of, strict=True)]
    paired_own = [
        sdk_run["cold"] / min(blob["cold"], file["cold"])
        for sdk_run, blob, file in zip(
            per_run["Prometheus SDK"], per_run["bare, blob worker"], per_run["bare, worker file"], strict=True
        )
    ]
    for label, paired in (("stock bare", paired_stock), ("faster bare on the bundle's runtime", paired_own)):
        print(
            f"paired: SDK cold / {label} cold of the same run: median {statistics.median(paired):.2f} "
            f"(runs: {', '.join(f'{r:.2f}' for r in paired)})"
        )
    floor = results["bare + own snapshot"]
    print(
        f"SDK warm / bare Pyodide restoring its own snapshot, warm = {sdk['warm'] / floor['warm']:.2f} "
        "(the SDK also imports its core and opens and restores the store before ready)"
    )
    cold_ratio, warm_ratio = sdk["cold"] / stock["cold"], sdk["warm"] / sdk["cold"]
    own_ratio = sdk["cold"] / bare["cold"]
    print(
        f"SDK cold / bare cold (stock Pyodide, the peer) = {cold_ratio:.3f} (target <= 1.15: {'met' if cold_ratio <= 1.15 else 'NOT met'}); "
        f"SDK warm / SDK cold = {warm_ratio:.3f} (target <= 0.3: {'met' if warm_ratio <= 0.3 else 'NOT met'})\n"
        f"SDK cold / bare cold on the bundle's own runtime (the faster) = {own_ratio:.2f}: what the SDK adds to its runtime"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The SDK's wire in Chromium: structured errors, bytes and typed arrays, NaN, call order, and
aborting calls (interrupted in a cross-origin isolated page, abandoned where it is not).
The CPython half is tests/core/test_rpc_wire.py."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.rpc_call import rpc_envelope
from tests.shared_data import SHARED

# JS: the rejection of `Prometheus.call(...args)` as a plain object (null if it resolved).
REJECTION = """async ([method, params]) => {
  try { await Prometheus.call(method, params); return null; }
  catch (e) {
    const fields = {};
    for (const key of Object.keys(e)) fields[key] = e[key];
    return {isError: e instanceof Error, name: e.name, message: e.message, fields};
  }
}"""

# A read that keeps Python busy for a few seconds (interruptible between bytecodes).
SLOW_READ = "UNWIND range(1, 1000000) AS i WITH i WHERE i < 0 RETURN count(*)"


def test_a_cypher_syntax_error_has_its_position_as_numbers(sdk):
    error = sdk.evaluate(REJECTION, ["graph.run", {"query": "MATCH (n)\nRETURN n +"}])
    assert error["isError"] and error["name"] == "CypherSyntaxError"
    fields = error["fields"]
    # By hand: the expression is cut off, so the error is at the end of the input: offset 20,
    # line 2 ("RETURN n +" starts at offset 10), column 11 (just past "+").
    assert (fields["position"], fields["line"], fields["column"]) == (20, 2, 11)
    assert type(fields["line"]) is int and type(fields["column"]) is int  # numbers, not text
    assert fields["tckType"] == "SyntaxError" and fields["phase"] == "compile time"
    assert fields["type"] == "CypherSyntaxError" and fields["details"]["tckType"] == "SyntaxError"
    assert "line 2, column 11" in error["message"]


def test_a_qasm_error_has_line_and_column(sdk):
    qasm = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0] q[1];\n'
    error = sdk.evaluate(REJECTION, ["quantum.run", {"qasm": qasm}])
    assert error["name"] == "QasmError"
    # By hand: line 4 is "h q[0] q[1];"; the stray second "q" (where ';' belongs) is character 8.
    assert (error["fields"]["line"], error["fields"]["column"]) == (4, 8)
    assert error["fields"]["detail"] == "expected ';' after the gate call, found 'q'"


def test_graph_save_is_bytes_and_load_takes_uint8array_or_arraybuffer(sdk):
    outcome = sdk.evaluate("""async () => {
        await Prometheus.call("graph.run", {query: "CREATE (:WireSave {n: 1})"});
        const saved = await Prometheus.call("graph.save");
        const before = (await Prometheus.call("graph.stats")).nodes;
        const asView = await Prometheus.call("graph.load", {snapshot: saved.snapshot});
        const asBuffer = await Prometheus.call("graph.load", {snapshot: saved.snapshot.slice().buffer});
        return {bytes: saved.snapshot instanceof Uint8Array, length: saved.snapshot.length, size: saved.bytes,
                before, view: asView.nodes, buffer: asBuffer.nodes};
    }""")
    assert outcome["bytes"] and outcome["length"] == outcome["size"] > 0
    assert outcome["view"] == outcome["buffer"] == outcome["before"]


def test_nan_and_infinities_arrive_as_numbers(sdk):
    outcome = sdk.evaluate("""async () => {
        const computed = await Prometheus.call("graph.run", {query: "RETURN 0.0 / 0.0 AS nan, 1.0 / 0.0 AS inf, [-1.0 / 0.0] AS list"});
        const echoed = await Prometheus.call("core.echo", {value: {a: NaN, b: [Infinity, {c: -Infinity}], d: 1.5}});
        const [nan, inf, list] = computed.rows[0];
        return {nan: Number.isNaN(nan), inf: inf === Infinity, list: list[0] === -Infinity,
                a: Number.isNaN(echoed.a), b: echoed.b[0] === Infinity, c: echoed.b[1].c === -Infinity, d: echoed.d};
    }""")
    assert outcome == {"nan": True, "inf": True, "list": True, "a": True, "b": True, "c": True, "d": 1.5}


def test_numeric_arrays_arrive_as_typed_arrays_of_their_dtype(sdk):
    stability, last_ms = [2.0, None, 10.0], [1_700_000_000_000, None, 1_700_100_000_000]
    now = "2023-11-20T00:00:00+00:00"
    outcome = sdk.evaluate(
        """async ([stability, last, now]) => {
            const r = await Prometheus.call("srs.retrievability_columns", {stability, last_review_ms: last, now});
            const f = await Prometheus.call("srs.forecast_columns", {due_ms: [1700000000000, 1700200000000], days: 5, now});
            return {r: r.constructor.name, rValues: Array.from(r), f: f.constructor.name, fValues: Array.from(f)};
        }""",
        [stability, last_ms, now],
    )
    # The same methods on CPython are the oracle for the values.
    expected_r = rpc_envelope(
        "srs.retrievability_columns", {"stability": stability, "last_review_ms": last_ms, "now": now}
    )["result"]
    expected_f = rpc_envelope(
        "srs.forecast_columns", {"due_ms": [1700000000000, 1700200000000], "days": 5, "now": now}
    )["result"]
    assert outcome["r"] == "Float64Array" and outcome["rValues"] == pytest.approx(
        expected_r.tolist(), abs=1e-15
    )
    # counts are declared list[int] (docs/rpc.md): a plain array, the same on every platform
    assert outcome["f"] == "Array" and outcome["fValues"] == expected_f


def test_calls_run_in_call_order_and_a_write_is_seen_only_by_later_reads(sdk):
    outcome = sdk.evaluate("""async () => {
        const label = "Order" + Math.floor(Math.random() * 1e9);
        const count = {query: `MATCH (n:${label}) RETURN count(n)`};
        const settled = [];
        const calls = [
            Prometheus.call("graph.run", count),
            Prometheus.call("graph.run", {query: `CREATE (:${label})`}),
            Prometheus.call("graph.run", count),
            ...Array.from({length: 6}, (_, i) => Prometheus.call("core.stats", {values: [i]})),
            Prometheus.call("graph.run", count),
        ].map((p, i) => p.then((value) => { settled.push(i); return value; }));
        const results = await Promise.all(calls);
        return {settled, before: results[0].rows[0][0], after: results[2].rows[0][0], last: results[9].rows[0][0],
                means: results.slice(3, 9).map((r) => r.mean)};
    }""")
    assert outcome["settled"] == list(range(10))
    assert (outcome["before"], outcome["after"], outcome["last"]) == (0, 1, 1)
    assert outcome["means"] == [0, 1, 2, 3, 4, 5]


def _review_csv() -> str:
    """josh's review log from ../shared when present, else a generated log of similar size."""
    josh = SHARED / "datasets" / "fsrs_review_logs_josh.csv"
    if josh.exists():
        return josh.read_text()
    rng = random.Random(5)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["card_id", "review_rating", "review_time", "review_duration"])
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for card in range(1500):
        when = start + timedelta(hours=rng.randrange(24 * 200))
        interval = 1.0
        for _ in range(8):
            rating = rng.choice([1, 3, 3, 3, 4, 2])
            writer.writerow([1000 + card, rating, when.isoformat(), rng.randrange(2000, 30000)])
            interval = 0.5 if rating == 1 else interval * (2 + rating / 2)
            when += timedelta(days=interval, minutes=rng.randrange(600))
    return out.getvalue()


def test_aborting_a_running_optimize_rejects_quickly_and_leaves_the_engine_usable(sdk):
    digest = sdk.call("store.info")["digest"]
    outcome = sdk.evaluate(
        """async (csv) => {
            const controller = new AbortController();
            let started;
            const running = new Promise((resolve) => { started = resolve; });
            const t = {};
            const call = Prometheus.call("srs.optimize", {csv, evaluate: false},
                {signal: controller.signal, onProgress: (e) => { if (e.stage !== "prepare") started(e); }});
            const outcome = call.then(() => ({resolved: true}), (e) => ({type: e.type, name: e.name, reason: e.reason,
                                                                          message: e.message, ms: performance.now() - t.abort}));
            t.progress = await running;
            t.abort = performance.now();
            controller.abort();
            return outcome;
        }""",
        _review_csv(),
    )
    assert outcome.get("type") == "AbortError", outcome
    assert outcome["name"] == "AbortError" and outcome["reason"] == "abort"
    assert "srs.optimize was aborted" in outcome["message"]
    assert outcome["ms"] < 200, f"the rejection took {outcome['ms']:.0f} ms"
    print(f"\nabort of a running srs.optimize rejected after {outcome['ms']:.1f} ms")
    assert sdk.call("core.stats", {"values": [1, 2, 3]})["mean"] == 2  # the next call works
    assert sdk.call("store.info")["digest"] == digest


def test_an_aborted_write_is_rolled_back_whole(sdk):
    digest = sdk.call("store.info")["digest"]
    outcome = sdk.evaluate("""async () => {
        const controller = new AbortController();
        const call = Prometheus.call("graph.run", {query: "UNWIND range(1, 2000000) AS i CREATE (:AbortProbe {i: i})"},
                                     {signal: controller.signal});
        await new Promise((resolve) => setTimeout(resolve, 400));  // well into the loop of creates
        controller.abort();
        const error = await call.then(() => null, (e) => e.type);
        const count = await Prometheus.call("graph.run", {query: "MATCH (n:AbortProbe) RETURN count(n)"});
        return {error, count: count.rows[0][0]};
    }""")
    assert outcome == {"error": "AbortError", "count": 0}
    assert sdk.call("store.info")["digest"] == digest


def test_a_queued_call_is_dropped_without_running_and_a_timeout_aborts(sdk):
    outcome = sdk.evaluate(
        """async (slow) => {
            const busy = Prometheus.call("graph.run", {query: slow});
            const controller = new AbortController();
            const queued = Prometheus.call("graph.run", {query: "CREATE (:QueuedProbe)"}, {signal: controller.signal});
            controller.abort();
            const dropped = await queued.then(() => null, (e) => ({type: e.type, message: e.message}));
            await busy;
            const t0 = performance.now();
            const timedOut = await Prometheus.call("graph.run", {query: slow}, {timeout: 100}).then(
                () => null, (e) => ({type: e.type, reason: e.reason, message: e.message, ms: performance.now() - t0}));
            const count = await Prometheus.call("graph.run", {query: "MATCH (n:QueuedProbe) RETURN count(n)"});
            const already = await Prometheus.call("version", {}, {signal: AbortSignal.abort()}).then(() => null, (e) => e.type);
            return {dropped, timedOut, count: count.rows[0][0], already};
        }""",
        SLOW_READ,
    )
    assert outcome["dropped"]["type"] == "AbortError" and "did not run" in outcome["dropped"]["message"]
    assert outcome["count"] == 0
    assert outcome["timedOut"]["type"] == "AbortError" and outcome["timedOut"]["reason"] == "timeout"
    assert "timed out after 100 ms" in outcome["timedOut"]["message"] and outcome["timedOut"]["ms"] < 300
    assert outcome["already"] == "AbortError"


def test_a_late_abort_never_hits_the_next_call(sdk):
    """The interrupt for a call that already finished lands while the next call runs: ignored."""
    total = sdk.evaluate("""async () => {
        await Prometheus.call("version");
        const finished = Prometheus._nextId - 1;
        Atomics.store(Prometheus._control, 1, finished);
        Atomics.store(Prometheus._control, 0, 2);  // SIGINT, as an abort that came too late would
        const result = await Prometheus.call("graph.run", {query: "UNWIND range(1, 300000) AS i RETURN sum(i)"});
        return result.rows[0][0];
    }""")
    assert total == 300000 * 300001 // 2


def test_bad_call_options_are_refused(sdk):
    outcome = sdk.evaluate("""async () => Promise.all([
        Prometheus.call("version", {}, {signal: {}}).catch((e) => e.message),
        Prometheus.call("version", {}, {timeout: -1}).catch((e) => e.message),
    ])""")
    assert "AbortSignal" in outcome[0] and "timeout" in outcome[1]


@pytest.fixture
def isolated_off_page(browser, bundle_url):
    """A page on the bundle's origin served without COOP/COEP: no SharedArrayBuffer."""
    context = browser.new_context()
    url = bundle_url + "not-isolated.html"
    html = '<!doctype html><meta charset="utf-8"><script src="prometheus.js" data-persist="false"></script>'
    context.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page = context.new_page()
    page.goto(url)
    page.evaluate("() => Prometheus.ready")
    page.set_default_timeout(120_000)
    yield page
    context.close()


def test_without_isolation_an_abort_rejects_at_once_and_the_call_finishes_in_the_background(
    isolated_off_page,
):
    page = isolated_off_page
    assert (
        page.evaluate("() => crossOriginIsolated") is False
        and page.evaluate("() => Prometheus._control") is None
    )
    outcome = page.evaluate(
        """async (slow) => {
            const controller = new AbortController();
            const write = Prometheus.call("graph.run", {query: "CREATE (:Background) WITH 1 AS x " + slow},
                                          {signal: controller.signal});
            const queuedController = new AbortController();
            const queued = Prometheus.call("graph.run", {query: "CREATE (:NeverRuns)"}, {signal: queuedController.signal});
            await new Promise((resolve) => setTimeout(resolve, 200));
            const t0 = performance.now();
            controller.abort();
            const running = await write.then(() => null, (e) => ({type: e.type, message: e.message, ms: performance.now() - t0}));
            queuedController.abort();
            const dropped = await queued.then(() => null, (e) => e.message);
            const counts = await Prometheus.call("graph.run", {query: "MATCH (b:Background) WITH count(b) AS b MATCH (n) RETURN b, count(n)"});
            return {running, dropped, counts: counts.rows[0]};
        }""",
        SLOW_READ,
    )
    assert outcome["running"]["type"] == "AbortError" and outcome["running"]["ms"] < 50
    assert "not cross-origin isolated" in outcome["running"]["message"]
    assert "did not run" in outcome["dropped"]
    # The abandoned write ran to completion in the background and committed whole; the dropped one never ran.
    assert outcome["counts"] == [1, 1]


def test_page_and_worker_errors_are_recorded_for_the_running_test(sdk):
    """The recorder every browser test relies on (page_errors.py) sees a console error in the page,
    an uncaught error in the page and a console error in a worker."""
    from tests.browser.page_errors import RECORDER

    sdk.evaluate("""() => new Promise((resolve) => {
        console.error("planted: page console");
        setTimeout(() => { throw new Error("planted: uncaught"); });
        const source = 'console.error("planted: worker console"); postMessage(1);';
        const worker = new Worker(URL.createObjectURL(new Blob([source], {type: "text/javascript"})));
        worker.onmessage = () => setTimeout(resolve, 100);
    })""")
    sdk.page.wait_for_timeout(200)
    planted = RECORDER.take("planted")
    assert any("page console" in m for m in planted), planted
    assert any(m.startswith("page error:") and "planted: uncaught" in m for m in planted), planted
    assert any("worker console" in m for m in planted), planted

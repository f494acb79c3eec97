"""The script-tag SDK against the real bundle in headless Chromium."""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy
import pytest

import prometheus
from tests.browser.harness import BrowserCallError


def test_ready_reports_capabilities(sdk):
    capabilities = sdk.evaluate("() => Prometheus.ready")
    assert capabilities == sdk.evaluate("() => Prometheus.capabilities")
    assert capabilities["version"] == prometheus.__version__
    assert capabilities["pyodide"] == "0.27.7"
    assert capabilities["webgpu"]["available"] is False  # started without --enable-unsafe-webgpu
    assert capabilities["crossOriginIsolated"] is True
    assert set(capabilities["storage"]) == {"persisted", "available"}


def test_page_and_bundle_are_on_different_origins(sdk):
    page_origin = sdk.evaluate("() => location.origin")
    bundle = urlsplit(sdk.bundle_url)
    assert page_origin != f"{bundle.scheme}://{bundle.netloc}"
    assert sdk.evaluate("() => crossOriginIsolated") is True


def test_version_method(sdk):
    assert sdk.call("version") == prometheus.__version__


def test_python_call_returns_numpy_result(sdk):
    values = [3.5, -1.0, 4.0, 1.5, 5.0, 9.25]
    result = sdk.call("core.stats", {"values": values})
    array = numpy.asarray(values)
    assert result["n"] == len(values)
    assert result["mean"] == pytest.approx(array.mean(), rel=1e-15)
    assert result["std"] == pytest.approx(array.std(), rel=1e-15)
    assert (result["min"], result["max"]) == (array.min(), array.max())


def test_runs_inside_pyodide(sdk):
    info = sdk.call("core.info")
    assert info["platform"] == "emscripten"
    assert info["python"].startswith("3.12")


def test_heap_bytes_is_the_wasm_memory_and_grows_with_what_python_holds(browser, pages_url):
    page = browser.new_page()  # a fresh worker, whose heap no other test has grown
    try:
        page.goto(pages_url + "host.html")
        info = "() => Prometheus.ready.then(() => Prometheus.call('core.info')).then((i) => i.heap_bytes)"
        before = page.evaluate(info)
        assert before % 65536 == 0 and before > 8 * 2**20  # whole wasm pages; runtime + numpy
        # 2M floats in a Python list hold ~64 MB of objects: more than a fresh heap has spare
        stats = "() => Prometheus.call('core.stats', {values: new Array(2000000).fill(0.5)})"
        assert page.evaluate(stats)["n"] == 2_000_000
        after = page.evaluate(info)
        assert after % 65536 == 0 and after >= before + 32 * 2**20
    finally:
        page.close()


def test_json_values_round_trip(sdk):
    value = {"int": 7, "float": 7.5, "text": "héllo ∑", "list": [1, None, True, {"x": []}]}
    assert sdk.call("core.echo", {"value": value}) == value


def test_python_exception_rejects_with_type_and_message(sdk):
    with pytest.raises(BrowserCallError) as caught:
        sdk.call("core.stats", {"values": [1, "x"]})
    assert caught.value.type == "InvalidParams"
    assert caught.value.message == "core.stats: params.values[1] must be a number, got str"
    assert "Traceback" in caught.value.traceback


def test_rejection_is_an_error_instance(sdk):
    outcome = sdk.evaluate("""() => Prometheus.call("core.stats", {values: []}).then(
        () => null, (e) => ({isError: e instanceof Error, name: e.name, type: e.type, message: e.message}))""")
    assert outcome == {
        "isError": True,
        "name": "ValidationError",
        "type": "ValidationError",
        "message": "values must not be empty",
    }


def test_call_after_error_still_works(sdk):
    with pytest.raises(BrowserCallError):
        sdk.call("core.stats", {"values": "not a list"})
    assert sdk.call("core.stats", {"values": [2, 4]})["mean"] == 3.0


def test_progress_events_arrive_in_order(sdk):
    events = sdk.evaluate("() => window.__events")
    progress = [event["detail"] for event in events if event["type"] == "progress"]
    stages = [event["stage"] for event in progress]
    assert list(dict.fromkeys(stages)) == ["runtime", "packages", "core", "restore", "ready"]
    assert stages[-1] == "ready" and stages.count("ready") == 1
    fractions = [event["fraction"] for event in progress]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    types = [event["type"] for event in events]
    assert types.index("ready") > max(i for i, t in enumerate(types) if t == "progress")
    assert "error" not in types


@pytest.mark.parametrize(
    ("method", "params", "error_type", "fragment"),
    [
        ("no.such.method", {}, "UnknownMethod", "'no.such.method'"),
        ("nomethod", {}, "UnknownMethod", "'nomethod'"),
        ("core.stats", {}, "InvalidParams", "missing a required argument: 'values'"),
        ("core.stats", {"values": [1], "extra": 2}, "InvalidParams", "'extra'"),
        ("core.stats", [1, 2], "InvalidParams", "must be a JSON object"),
        ("core.stats", {"progress": 1, "values": [1]}, "InvalidParams", "reserved"),
    ],
)
def test_malformed_requests_get_clear_errors(sdk, method, params, error_type, fragment):
    with pytest.raises(BrowserCallError) as caught:
        sdk.call(method, params)
    assert caught.value.type == error_type
    assert fragment in caught.value.message
    assert sdk.call("version") == prometheus.__version__  # the worker is still alive


def test_uncloneable_params_are_refused_in_the_page(sdk):
    outcome = sdk.evaluate("""() => Prometheus.call("core.echo", {value: () => 1}).then(
        () => null, (e) => ({type: e.type, message: e.message}))""")
    assert outcome["type"] == "InvalidParams"
    assert "cannot be sent" in outcome["message"]
    assert sdk.call("core.echo", {"value": 1}) == 1


def test_request_without_id_does_not_kill_the_worker(sdk):
    reply = sdk.evaluate("""() => new Promise((resolve) => {
        const worker = Prometheus._worker;
        const listener = (event) => { if (event.data.id === null) { worker.removeEventListener("message", listener); resolve(event.data); } };
        worker.addEventListener("message", listener);
        worker.postMessage({method: "version"});
    })""")
    assert reply["error"]["type"] == "InvalidRequest"
    assert sdk.call("version") == prometheus.__version__


def test_concurrent_calls_resolve_to_their_own_results(sdk):
    results = sdk.evaluate("""() => Promise.all([1, 2, 3, 4, 5].map(
        (n) => Prometheus.call("core.stats", {values: Array.from({length: n}, (_, i) => i)})))""")
    assert [r["n"] for r in results] == [1, 2, 3, 4, 5]
    assert [r["max"] for r in results] == [0, 1, 2, 3, 4]


def test_es_module_entry_starts_with_numpy_only(browser, pages_url):
    page = browser.new_page()  # a fresh worker: no other test has loaded anything into it yet
    try:
        page.goto(pages_url + "module.html")
        outcome = page.evaluate("() => window.__module")
        assert outcome["ok"], outcome
        assert outcome["value"] == prometheus.__version__
        packages = page.evaluate("() => window.__client.call('core.info')")["packages"]
        assert "numpy" in packages and "prometheus-web" in packages
        assert "tzdata" not in packages and "sqlite3" not in packages  # in the bundle, loaded on first use
    finally:
        page.close()


def test_demo_page_panels(browser, bundle_url, tmp_path):
    """The demo app as a person uses it: a numpy summary, then one panel per engine."""
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    try:
        page.goto(bundle_url + "demo/index.html")
        page.wait_for_function(
            "document.getElementById('result').textContent.includes('mean')", timeout=120_000
        )
        text = page.inner_text("#result")
        values = numpy.array([3, 1, 4, 1, 5, 9, 2, 6])
        assert f"{values.mean():.4f}" in text and f"{values.std():.4f}" in text
        assert page.inner_text("#status").startswith("Ready: prometheus " + prometheus.__version__)

        page.click("#tabs button[data-tab=graph]")
        page.wait_for_selector("#cypher-result td")
        # The course graph in web/demo/graph.js, closed by hand over REQUIRES from teleportation.
        assert page.eval_on_selector_all("#cypher-result td", "cells => cells.map(c => c.textContent)") == [
            "Entanglement",
            "Linear algebra",
            "Measurement",
            "Quantum gates",
            "Qubit",
            "Superposition",
        ]
        page.fill("#cypher", "MATCH (n RETURN n")
        page.click("#cypher-run")
        page.wait_for_selector("#cypher-result .error")
        assert "SyntaxError" in page.inner_text("#cypher-result")

        page.click("#tabs button[data-tab=review]")
        page.wait_for_selector("#ratings button")
        assert page.inner_text("#card-state").split("\n")[1] == "Learning"
        page.click("#ratings button:nth-child(3)")
        page.wait_for_selector("#review-log li")
        assert page.inner_text("#review-log li").startswith("good")

        page.click("#tabs button[data-tab=quantum]")
        page.wait_for_function("!document.getElementById('histogram-svg').hidden", timeout=60_000)
        assert page.inner_text("#qasm-summary").startswith("3 qubits")
        assert page.get_attribute("#histogram-svg", "src").startswith("data:image/svg+xml")

        page.click("#tabs button[data-tab=search]")
        page.click("#search-form button")
        page.wait_for_selector("#search-results li", timeout=300_000)
        first = page.inner_text("#search-results li")
        assert "Photosynthesis" in first  # the only line about plants and light
        page.screenshot(path=str(tmp_path / "demo.png"))
    finally:
        page.close()

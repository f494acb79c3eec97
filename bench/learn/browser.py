"""The learning app in headless Chromium: the same collection through the real SDK (Pyodide in
its worker), persisted (each answer a journalled IndexedDB write) and with data-persist="false",
and bench/learn/measure.py run in a bare Pyodide for the engine's own share.

The SDK pages get the collection the way a learner would: `learn.import` of a Prometheus JSON
export (written here on CPython from the synthetic collection).
"""

from __future__ import annotations

import json
import statistics

from .measure import LIMITS, NOW, percentile

LOAD_JS = """async ([url, limits]) => {
  const text = await (await fetch(url)).text();
  const t0 = performance.now();
  const result = await Prometheus.call("learn.import", { format: "json", data: text });
  const t1 = performance.now();
  await Prometheus.call("learn.settings", { values: limits });
  return { import_ms: t1 - t0, cards: result.cards };
}"""

# Rounds of learn.next + learn.answer, each at its own second after `base` (epoch ms).
LOOP_JS = """async ([rounds, first, base]) => {
  const times = [];
  for (let i = first; i < first + rounds; i++) {
    const now = base + i * 1000;
    const start = performance.now();
    const card = await Prometheus.call("learn.next", { now });
    await Prometheus.call("learn.answer", { card_id: card.id, rating: 3, now });
    times.push(performance.now() - start);
  }
  return times;
}"""

TIME_CALL_JS = """async ([method, params, times]) => {
  const out = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await Prometheus.call(method, params);
    out.push(performance.now() - start);
  }
  return out;
}"""

READY_JS = "() => Prometheus.ready.then(() => performance.now())"


def _ready_ms(page, url: str) -> float:
    page.goto(url)
    return page.evaluate(READY_JS)


def sdk_session(sdk, host: str, export_url: str, rounds: int, persisted: bool) -> dict:
    """One fresh browser context: import, study loop, queue build, stats; persisted: restore."""
    from tests.browser.harness import host_page

    base = int(NOW.timestamp() * 1000)
    (sdk.pages / host).write_text(host_page(sdk.bundle_url, "" if persisted else 'data-persist="false"'))
    url = sdk.pages_url + host
    context = sdk.browser.new_context()
    page = context.new_page()
    page.set_default_timeout(1_800_000)
    out = {}
    try:
        if persisted:  # warm time to ready with an empty store (the first visit is cold)
            out["ready_empty_ms"] = statistics.median([_ready_ms(page, url) for _ in range(3)][1:])
        else:
            _ready_ms(page, url)
        out.update(page.evaluate(LOAD_JS, [export_url, LIMITS]))
        out["queue_ms"] = page.evaluate(TIME_CALL_JS, ["learn.next", {"now": base}, 1])[0]
        page.evaluate(LOOP_JS, [5, 0, base])  # warm-up: the first answers compile the paths
        times = page.evaluate(LOOP_JS, [rounds, 5, base])
        out["next_answer_ms"] = times
        now = base + (rounds + 10) * 1000
        out["stats_ms"] = statistics.median(page.evaluate(TIME_CALL_JS, ["learn.stats", {"now": now}, 10]))
        stats = page.evaluate("(now) => Prometheus.call('learn.stats', { now })", now)
        out["reviews"] = stats["reviews"]
        if persisted:
            checkpoint = page.evaluate(
                """async () => { const t = performance.now();
                const r = await Prometheus.call('store.checkpoint'); return [performance.now() - t, r.bytes || null]; }"""
            )
            out["checkpoint_ms"], out["checkpoint_bytes"] = checkpoint  # bytes undefined: written already
            out["ready_full_ms"] = statistics.median([_ready_ms(page, url) for _ in range(3)])
            out["restore_report"] = page.evaluate("() => Prometheus.capabilities.store.restore")
            out["queue_after_restore_ms"] = page.evaluate(TIME_CALL_JS, ["learn.next", {"now": now}, 1])[0]
            again = page.evaluate("(now) => Prometheus.call('learn.stats', { now })", now)
            out["restored_same"] = again == stats
    finally:
        context.close()
    return out


def measure_browser(cards: int, rounds: int) -> dict:
    """{"bare": measure.py in bare Pyodide, "memory": SDK session, "persisted": SDK session}."""
    from bench.browser import bare_pyodide_page, run_in_page_pyodide, sdk_page
    from prometheus.learn import transfer

    from .measure import build

    col = build(cards)
    export = json.dumps(transfer.export_json(col))
    out = {"export_bytes": len(export)}
    with sdk_page(timeout_ms=1_800_000) as sdk:
        sdk.page.close()
        (sdk.pages / "collection.json").write_text(export)
        export_url = sdk.pages_url + "collection.json"
        del col, export
        out["memory"] = sdk_session(sdk, "host-memory.html", export_url, rounds, persisted=False)
        out["persisted"] = sdk_session(sdk, "host-persisted.html", export_url, rounds, persisted=True)
        page = bare_pyodide_page(sdk.browser, sdk.pages, sdk.pages_url, sdk.bundle_url, 1_800_000)
        out["bare"] = run_in_page_pyodide(
            page, "bench.learn.inside", "measure", {"cards": cards, "rounds": rounds}
        )
        page.close()
    return out


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), percentile(times, 0.95)

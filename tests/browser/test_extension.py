"""The MV3 extension, loaded unpacked into headless Chromium with every http(s) request aborted:
its id is the one its manifest key pins, the side panel starts the engine from the extension's
own files (no blob: worker), semantic search and FSRS optimization work offline and agree with
the CPython core, the context menu of the real service worker opens a prefilled card editor,
the badge and popup show the summary the panel writes, and what the panel wrote is there after
a restart on the same profile. No console error, page error or CSP violation is allowed.

The collection and the semantic index live in the store (IndexedDB of the extension's origin)
with one writer page: the side panel opened first writes; an editor tab or the dashboard opened
beside it is a reader that shows the same data and refuses to change it.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.browser.extension_harness import EXTENSION, extension_id, launch, manifest, wait_ready
from tests.browser.harness import ROOT, build_bundle
from tests.browser.page_errors import RECORDER

pytestmark = pytest.mark.browser

CARDS = [
    {
        "front": "Mitochondria",
        "back": "The organelles that make most of a cell's ATP.",
        "concepts": ["cellular respiration"],
    },
    {
        "front": "Photosynthesis",
        "back": "Plants turn light, water and CO2 into sugar and oxygen.",
        "concepts": ["photosynthesis"],
    },
    {"front": "Spaced repetition", "back": "Reviewing just before you would forget.", "concepts": ["memory"]},
    {"front": "Stock market crash", "back": "A sudden steep fall of share prices.", "concepts": ["finance"]},
    {
        "front": "Ribosome",
        "back": "Where proteins are made from messenger RNA.",
        "concepts": ["protein synthesis"],
    },
]
READER = "Another open Prometheus page"  # how a reader page says where to make changes
SELECTION = "  The powerhouse of the cell produces energy for the cell.  "


@pytest.fixture(scope="module")
def chromium(playwright_instance, tmp_path_factory):
    """One Chromium with the extension for the whole module (a restart test replaces it)."""
    build_bundle()
    holder = {"browser": launch(playwright_instance, tmp_path_factory.mktemp("profile"))}
    yield holder
    holder["browser"].close()


@pytest.fixture
def ext(chromium):
    browser = chromium["browser"]
    yield browser
    assert browser.requests == [], "the extension tried to use the network"


@pytest.fixture(scope="module")
def panel(chromium):
    """The side panel page (as a tab, the store's writer), engine ready, the test cards added
    to the collection and indexed."""
    page = chromium["browser"].open("panel.html", ready=True)
    assert page.evaluate("() => Prometheus.capabilities.store.role") == "writer"
    page.evaluate(
        """(cards) => Prometheus.call('learn.add_cards', {cards}).then(({ids}) =>
        PrometheusIndex.add(cards.map((card, i) => ({id: ids[i], front: card.front, back: card.back}))))""",
        CARDS,
    )
    return page


def test_extension_id_is_pinned_by_the_manifest_key(ext):
    assert ext.id == extension_id(manifest()) == extension_id(manifest(ROOT / "web" / "extension"))


def test_panel_starts_the_engine_from_its_own_files(ext, panel):
    capabilities = panel.evaluate("() => Prometheus.ready")
    assert capabilities["pyodide"] == "0.27.7"
    assert panel.evaluate("() => Prometheus.base") == ext.url("")
    assert panel.evaluate("() => Prometheus._blobUrl") == ""  # started as worker/worker.js, not a blob
    assert [worker.url for worker in panel.workers] == [
        ext.url("worker/worker.js?snapshot=false&store=default&persist=true&durability=relaxed")
    ]
    assert capabilities["store"]["persistent"] is True  # the extension's own origin keeps the data
    assert panel.evaluate("() => Prometheus.call('version')") == capabilities["version"]


def test_csp_violations_and_console_errors_are_caught(chromium, panel):
    """The watcher every test relies on sees a CSP refusal (an inline script) and console.error."""
    panel.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                              document.body.append(s); console.error('planted'); }""")
    panel.wait_for_timeout(200)
    planted = RECORDER.take("Content Security Policy|planted")
    assert panel.evaluate("() => window.__ran") is None  # the CSP refused it
    assert any("Content Security Policy" in error for error in planted), planted
    assert any("planted" in error for error in planted), planted


def test_semantic_search_in_the_panel_matches_the_cpython_ranking(ext, panel):
    from prometheus.infer import Embedder

    query = "what makes energy in cells"
    embedder = Embedder.load(EXTENSION / "models" / "minilm-int8.bin")
    vectors = embedder.embed([c["front"] + "\n" + c["back"] for c in CARDS] + [query])
    expected = [CARDS[i]["front"] for i in np.argsort(-(vectors[:-1] @ vectors[-1]))[:3]]

    panel.click("nav button[data-view=search]")
    panel.fill("#search-query", query)
    panel.click("#search-form button[type=submit]")
    panel.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0")
    found = panel.eval_on_selector_all(
        "#search-results li strong", "(items) => items.map((i) => i.textContent)"
    )
    assert found[:3] == expected
    assert found[0] == "Mitochondria"


def synthetic_review_logs(cards=80, reviews=12, seed=3):
    """Review logs of a simulated learner, made by the CPython scheduler."""
    from prometheus.srs.card import Card
    from prometheus.srs.scheduler import Scheduler

    rng = random.Random(seed)
    scheduler = Scheduler(enable_fuzzing=False)
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    logs = []
    for card_id in range(1, cards + 1):
        card, now = Card(card_id=card_id, due=start), start + timedelta(minutes=card_id)
        for _ in range(reviews):
            recall = scheduler.get_card_retrievability(card, now) if card.last_review else 0.3
            rating = 1 if rng.random() > recall else rng.choice([2, 3, 3, 3, 4])
            card, log = scheduler.review_card(card, rating, now)
            logs.append(log.to_dict())
            now = card.due + timedelta(hours=rng.choice([0, 8, 30, 100]))
    return logs


def test_fsrs_optimization_in_the_panel_matches_cpython(ext, panel):
    from prometheus.srs.card import ReviewLog
    from prometheus.srs.importers import ReviewTable
    from prometheus.srs.optimizer import Optimizer, OptimizerConfig

    logs = synthetic_review_logs()
    expected = Optimizer(
        ReviewTable.from_logs([ReviewLog.from_dict(log) for log in logs]).history(), OptimizerConfig(seed=7)
    ).fit()
    result = panel.evaluate("(logs) => Prometheus.call('srs.optimize', {review_logs: logs, seed: 7})", logs)
    assert result["rule"] == expected.rule == "trained"
    assert result["targets"] == expected.targets
    assert result["parameters"] == pytest.approx(expected.parameters, rel=1e-6, abs=1e-9)
    assert result["metrics"]["log_loss"] < result["default_metrics"]["log_loss"]


def test_context_menu_opens_the_editor_prefilled_with_the_selection(ext, panel):
    pages_before = set(ext.context.pages)
    outcome = ext.worker.evaluate(
        """async (selection) => {
        const [tab] = await chrome.tabs.query({});  // any real tab: the click happened there
        return onMenuClick({ menuItemId: "prometheus-add", selectionText: selection,
                             pageUrl: "https://example.org/cells", editable: false }, tab);
    }""",
        SELECTION,
    )
    assert outcome["draft"]["front"] == SELECTION.strip() and outcome["draft"]["back"] == ""
    # No user gesture here, so sidePanel.open is refused and the editor opens in a tab.
    assert outcome["where"] == "tab"
    editor = next(iter(set(ext.context.pages) - pages_before), None) or ext.context.wait_for_event("page")
    editor.wait_for_load_state()
    assert editor.url == ext.url("panel.html#add")
    wait_ready(editor)
    editor.wait_for_function(
        "(front) => document.getElementById('card-front').value === front", arg=SELECTION.strip()
    )
    assert editor.input_value("#card-back") == ""
    assert "https://example.org/cells" in editor.text_content("#card-source")
    assert editor.evaluate("() => document.body.dataset.view") == "add"
    # The panel holds the store, so this tab is a reader: it says where to add the card.
    assert editor.evaluate("() => Prometheus.capabilities.store.role") == "reader"
    assert editor.is_disabled("#card-form button[type=submit]")
    assert READER in editor.text_content("#add-note")
    # Related concepts: those of the cards nearest in meaning, searched in the index the writer
    # keeps (this reader indexed nothing itself); Mitochondria is nearest (the CPython ranking).
    editor.evaluate("() => PrometheusPanel.suggest()")
    concepts = editor.eval_on_selector_all("#concepts input", "(boxes) => boxes.map((b) => b.value)")
    assert concepts[0] == "cellular respiration"
    # The open side panel follows the new draft too.
    panel.wait_for_function(
        "(front) => document.getElementById('card-front').value === front", arg=SELECTION.strip()
    )
    assert panel.evaluate("() => document.body.dataset.view") == "add"
    editor.close()


def test_context_menu_selection_becomes_a_card(ext, panel):
    """The selection becomes a card in the writer (the open panel follows the draft); the
    editor tab, a reader, refuses to add it and then sees the card the writer added."""
    before = set(ext.context.pages)
    ext.worker.evaluate(
        """(selection) => chrome.tabs.query({}).then(([tab]) => onMenuClick(
        { menuItemId: "prometheus-add", selectionText: selection, pageUrl: "https://example.org/" }, tab))""",
        SELECTION,
    )
    editor = next(iter(set(ext.context.pages) - before), None) or ext.context.wait_for_event("page")
    wait_ready(editor)
    editor.wait_for_function(
        "(front) => document.getElementById('card-front').value === front", arg=SELECTION.strip()
    )
    cards = editor.evaluate("() => Prometheus.call('learn.stats').then((s) => s.cards)")
    assert cards == panel.evaluate("() => Prometheus.call('learn.stats').then((s) => s.cards)")
    # The reader refuses even when asked directly: the store rejects its writes.
    refused = editor.evaluate("""() => Prometheus.call('learn.add_cards', {cards: [{front: 'x', back: 'y'}]})
        .then(() => '', (error) => error.type)""")
    assert refused == "StoreBusy"
    panel.wait_for_function(
        "(front) => document.getElementById('card-front').value === front", arg=SELECTION.strip()
    )
    # A card needs a back: the learn core refuses an empty one, so the editor asks first.
    panel.click("#card-form button[type=submit]")
    assert panel.text_content("#add-note") == "A card needs both a front and a back."
    panel.fill("#card-back", "Mitochondria make the cell's ATP.")
    panel.wait_for_selector("#concepts input[value='cellular respiration']")
    panel.check("#concepts input[value='cellular respiration']")
    panel.click("#card-form button[type=submit]")
    panel.wait_for_function("() => document.getElementById('add-note').textContent.startsWith('Added card')")
    card_id = panel.text_content("#add-note").removeprefix("Added card ").removesuffix(".")
    card = panel.evaluate("(id) => Prometheus.call('learn.card', {card_id: id})", card_id)
    assert (card["front"], card["back"]) == (SELECTION.strip(), "Mitochondria make the cell's ATP.")
    assert card["concepts"] == ["cellular respiration"]
    assert panel.evaluate("() => Prometheus.call('learn.stats').then((s) => s.cards)") == cards + 1
    assert panel.evaluate("() => PrometheusSummary.readDraft()") is None
    hits = panel.evaluate("(query) => PrometheusIndex.search(query, 1)", SELECTION.strip())
    assert hits[0]["front"] == SELECTION.strip()
    # The reader follows what the writer commits: the new card, and the index entry for it.
    editor.wait_for_function(
        "(n) => Prometheus.call('learn.stats').then((s) => s.cards === n)", arg=cards + 1
    )
    hits = editor.evaluate("(query) => PrometheusIndex.search(query, 1)", SELECTION.strip())
    assert hits[0]["id"] == card_id
    editor.close()


def test_menu_item_exists_and_ignores_other_items_and_empty_selections(ext):
    # update() rejects for an id that was never created: the install handler made the item.
    exists = "(id) => chrome.contextMenus.update(id, {}).then(() => true, () => false)"
    assert ext.worker.evaluate(exists, "prometheus-add") is True
    assert ext.worker.evaluate(exists, "no-such-item") is False
    for info in (
        {"menuItemId": "other", "selectionText": "x"},
        {"menuItemId": "prometheus-add", "selectionText": "  "},
    ):
        assert ext.worker.evaluate("(info) => onMenuClick(info, undefined)", info) is None


def test_badge_and_popup_show_the_summary_the_panel_writes(ext, panel):
    stats = {"cards": 12, "reviews": 40, "due_today": 7, "new_today": 3}
    panel.evaluate("(stats) => PrometheusSummary.write(stats)", stats)
    worker = ext.worker
    worker.evaluate("""() => new Promise((resolve) => {
        const poll = async () => (await chrome.action.getBadgeText({})) === "7" ? resolve() : setTimeout(poll, 50);
        poll(); })""")
    assert worker.evaluate("() => chrome.action.getBadgeBackgroundColor({})") == [179, 64, 26, 255]
    assert (
        worker.evaluate("() => chrome.alarms.get('prometheus-badge').then((a) => a && a.periodInMinutes)")
        == 15
    )
    popup = ext.open("popup.html")
    popup.wait_for_function("() => document.getElementById('due').textContent === '7'")
    assert popup.text_content("#new") == "3"
    assert popup.text_content("#note") == ""
    popup.close()
    # A summary from another day is shown as stale (grey badge, a note in the popup).
    yesterday = panel.evaluate(
        """(stats) => {
        const summary = PrometheusSummary.fromStats(stats, Date.now() - 86400000);
        return chrome.storage.local.set({ summary }).then(() => summary.day); }""",
        stats,
    )
    assert worker.evaluate("() => refreshBadge()") == {"text": "7", "stale": True}
    assert worker.evaluate("() => chrome.action.getBadgeBackgroundColor({})") == [119, 119, 119, 255]
    popup = ext.open("popup.html")
    popup.wait_for_function("() => document.getElementById('note').textContent !== ''")
    assert yesterday in popup.text_content("#note")
    popup.close()


@pytest.mark.parametrize(
    "stats, fragment",
    [
        (
            {"cards": 1, "reviews": 0, "due_today": -1, "new_today": 0},
            "due_today must be a non-negative integer",
        ),
        ({"cards": 1, "reviews": 0, "new_today": 0}, "due_today must be a non-negative integer"),
        (None, "not an object"),
    ],
)
def test_summary_refuses_bad_stats(ext, panel, stats, fragment):
    message = panel.evaluate(
        "(stats) => { try { PrometheusSummary.fromStats(stats); return ''; } catch (e) { return e.message; } }",
        stats,
    )
    assert fragment in message


def test_review_flow_in_the_panel(ext, panel):
    panel.click("nav button[data-view=add]")
    panel.fill("#card-front", "Golgi apparatus")
    panel.fill("#card-back", "Packs proteins for export.")
    panel.click("#card-form button[type=submit]")
    panel.wait_for_function("() => document.getElementById('add-note').textContent.startsWith('Added card')")
    stats = panel.evaluate("() => Prometheus.call('learn.stats')")
    assert stats["cards"] >= 1
    panel.click("nav button[data-view=review]")
    panel.wait_for_selector("#review-card:not([hidden])")
    panel.click("#show-answer")
    panel.click("#ratings button[data-rating='3']")
    panel.wait_for_function(
        "(n) => PrometheusSummary.read().then((s) => s && s.reviews === n)", arg=stats["reviews"] + 1
    )
    panel.click("#undo")
    panel.wait_for_function(
        "(n) => PrometheusSummary.read().then((s) => s && s.reviews === n)", arg=stats["reviews"]
    )


def test_dashboard_starts_offline_and_optimizes_an_uploaded_history(ext, panel, tmp_path):
    from prometheus.srs.importers import read_review_csv
    from prometheus.srs.optimizer import Optimizer, OptimizerConfig

    lines = ["card_id,review_rating,review_time,review_duration"] + [
        f"{log['card_id']},{log['rating']},{log['review_datetime']},1000"
        for log in synthetic_review_logs(seed=11)
    ]
    csv = tmp_path / "history.csv"
    csv.write_text("\n".join(lines) + "\n")
    expected = Optimizer(read_review_csv(csv).history(), OptimizerConfig()).fit()

    # Opened beside the panel (the writer), the dashboard is a reader: it shows the panel's
    # collection, offers export and optimization, and leaves importing to the writer.
    dashboard = ext.open("dashboard.html", ready=True)
    assert dashboard.evaluate("() => document.body.dataset.role") == "reader"
    dashboard.wait_for_function("() => document.querySelectorAll('#stats dd').length === 4")
    stats = panel.evaluate("() => Prometheus.call('learn.stats')")
    shown = dashboard.eval_on_selector_all(
        "#stats dt, #stats dd", "(items) => items.map((i) => i.textContent)"
    )
    assert dict(zip(shown[::2], shown[1::2])) == {
        "Cards": str(stats["cards"]),
        "Reviews": str(stats["reviews"]),
        "Due today": str(stats["due_today"]),
        "New today": str(stats["new_today"]),
    }
    assert stats["cards"] >= len(CARDS)
    assert dashboard.is_disabled("#import")
    assert READER in dashboard.text_content("#move-note")
    with dashboard.expect_download() as download:
        dashboard.click("#export")
    exported = json.loads(Path(download.value.path()).read_text())
    assert len(exported["cards"]) == stats["cards"]
    dashboard.set_input_files("#optimize-csv", str(csv))
    dashboard.wait_for_function("() => document.body.dataset.optimized === 'true'")
    assert json.loads(dashboard.text_content("#optimize-result")) == pytest.approx(
        expected.parameters, rel=1e-6, abs=1e-9
    )
    assert dashboard.text_content("#optimize-note").startswith("Done (trained) log loss ")
    dashboard.close()


def test_panel_data_survives_a_browser_restart(chromium, playwright_instance, panel):
    """What the panel wrote (a half-typed card, the summary) is there after a restart.
    The engine's collection persists through the store (IndexedDB of this origin)."""
    browser = chromium["browser"]
    panel.click("nav button[data-view=add]")
    panel.fill("#card-front", "Krebs cycle")
    panel.fill("#card-back", "Oxidizes acetyl-CoA")
    panel.wait_for_function(
        "() => PrometheusSummary.readDraft().then((d) => d && d.back === 'Oxidizes acetyl-CoA')"
    )
    stats = {"cards": 4, "reviews": 9, "due_today": 2, "new_today": 1}
    summary = panel.evaluate("(stats) => PrometheusSummary.write(stats)", stats)
    cards = panel.evaluate("() => Prometheus.call('learn.stats').then((s) => s.cards)")
    assert cards > len(CARDS)  # the fixture's cards and those the tests added
    requests = list(browser.requests)
    browser.close()

    again = chromium["browser"] = launch(playwright_instance, browser.user_data_dir)
    assert again.id == browser.id
    # Before any engine page runs: the service worker's start-up refresh shows the stored summary.
    assert again.worker.evaluate("() => PrometheusSummary.read()") == dict(summary, **stats)
    again.worker.evaluate("""() => new Promise((resolve) => {
        const poll = async () => (await chrome.action.getBadgeText({})) === "2" ? resolve() : setTimeout(poll, 50);
        poll(); })""")
    reopened = again.open("panel.html")
    reopened.wait_for_function("() => document.body.dataset.draftLoaded === 'true'")
    assert reopened.input_value("#card-front") == "Krebs cycle"
    assert reopened.input_value("#card-back") == "Oxidizes acetyl-CoA"
    assert reopened.evaluate("() => document.body.dataset.view") == "add"
    wait_ready(reopened)
    # The collection and its semantic index persist through the store (IndexedDB of this origin).
    assert reopened.evaluate("() => Prometheus.capabilities.store.role") == "writer"
    assert reopened.evaluate("() => Prometheus.call('learn.stats').then((s) => s.cards)") == cards
    hits = reopened.evaluate("() => PrometheusIndex.search('what makes energy in cells', 1)")
    assert hits[0]["front"] in ("Mitochondria", SELECTION.strip())
    # A reader takes over when the writer closes: the dashboard then offers importing.
    dashboard = again.open("dashboard.html", ready=True)
    assert dashboard.evaluate("() => document.body.dataset.role") == "reader" and dashboard.is_disabled(
        "#import"
    )
    reopened.close()
    dashboard.wait_for_function("() => document.body.dataset.role === 'writer'")
    assert not dashboard.is_disabled("#import") and dashboard.text_content("#move-note") == ""
    assert dashboard.evaluate("() => Prometheus.capabilities.store.role") == "writer"
    dashboard.close()
    assert requests == [] and again.requests == []

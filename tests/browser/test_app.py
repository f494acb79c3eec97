"""The learner's app (web/index.html + web/app/) driven as a person uses it, in one shared browser.

1. A whole session: load the bundled course, set a daily limit, study new cards with the
   keyboard, undo, see a learning card come back, solve a circuit exercise, search by meaning,
   read the stats, export, reload, and find everything as it was.
2. An Anki package whose fields carry <script>, onerror= and javascript: links: none of them
   runs (a window flag stays unset, no dialog opens) while bold, lists and the package's image
   still display.
Each test has its own browser context (its own IndexedDB) and fails on any console or page error.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.learn.anki_schema import SCHEMA_11

pytestmark = pytest.mark.browser

TIMEOUT_MS = 180_000
SEARCH_TIMEOUT_MS = 600_000  # first use loads the model and indexes ~200 texts in Pyodide
CALL = """async ([method, params]) => {
  try { return { ok: true, value: await Prometheus.call(method, params) }; }
  catch (e) { return { ok: false, type: e.type || e.name, message: e.message }; }
}"""
COURSE_EXERCISE = "Prepare |1> on a single qubit."  # web course, concept pauli-x
QASM_HEAD = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\n'


class AppPage:
    """One tab of the app (its console errors and page errors fail the test: page_errors.py)."""

    def __init__(self, context, url: str):
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.url = url
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, route: str = "") -> None:
        self.page.goto(self.url + route)
        self.page.evaluate("() => Prometheus.ready")

    def go(self, route: str) -> None:
        self.page.evaluate("(hash) => { location.hash = hash; }", route)

    def call(self, method: str, params=None):
        outcome = self.page.evaluate(CALL, [method, params or {}])
        assert outcome["ok"], f"{method}: {outcome}"
        return outcome["value"]

    def collection(self) -> dict:
        return json.loads(self.call("learn.export", {"format": "json"})["data"])


@pytest.fixture
def app(browser, bundle_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = AppPage(context, bundle_url)
    yield tab
    context.close()


def shown_card(app: AppPage) -> dict:
    card = app.page.wait_for_selector("#study-card")
    return {
        "id": card.get_attribute("data-card-id"),
        "kind": card.get_attribute("data-kind"),
        "badge": app.page.inner_text("#study-card .badge"),
    }


def next_card_after(app: AppPage, previous: str) -> dict:
    app.page.wait_for_function(
        "(id) => { const c = document.querySelector('#study-card'); return c && c.dataset.cardId !== id; }",
        arg=previous,
    )
    return shown_card(app)


def test_a_whole_session(app):
    page = app.page
    app.open()
    page.click("button[data-course]")
    page.wait_for_selector("#start-review")
    course = app.collection()
    assert len(course["cards"]) >= 120 and course["reviews"] == []

    # Settings through the form: three new cards a day (the engine's settings are the oracle).
    app.go("#/settings")
    page.fill("#new-per-day", "3")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector("#settings-saved:has-text('Saved')")
    assert app.call("learn.settings")["new_per_day"] == 3

    # Study three new cards with the keyboard; Space shows the answer, a digit rates it.
    app.go("#/review")
    studied, previous = [], None
    for rating in ("3", "1", "3"):
        card = shown_card(app) if previous is None else next_card_after(app, previous)
        assert card["kind"] != "circuit" and card["badge"] == "NEW"
        page.wait_for_timeout(250)  # the time on the card, recorded as duration_ms
        page.keyboard.press("Space")
        page.wait_for_selector("#ratings")
        page.keyboard.press(rating)
        studied.append(card["id"])
        previous = card["id"]
    page.wait_for_function(
        "(id) => { const c = document.querySelector('#study-card'); return c && c.dataset.cardId !== id; }",
        arg=previous,
    )
    log = app.collection()["reviews"]
    assert [(e["card"], e["rating"]) for e in log] == list(zip(studied, (3, 1, 3)))
    assert all(e["duration"] >= 250 for e in log)

    # Ctrl+Z takes back the third answer: that card is shown again, new, and its log entry is gone.
    page.keyboard.press("Control+z")
    page.wait_for_function(
        "(id) => document.querySelector('#study-card')?.dataset.cardId === id", arg=studied[2]
    )
    assert app.call("learn.card", {"card_id": studied[2]})["new"] is True
    assert len(app.collection()["reviews"]) == 2
    page.keyboard.press("Space")
    page.click("#ratings [data-rating='4']")
    # The daily limit is reached: the next card is one already studied, back in learning.
    again = next_card_after(app, studied[2])
    assert again["id"] in studied[:2] and again["badge"] == "LEARNING"
    page.keyboard.press("Space")
    page.keyboard.press("3")
    page.wait_for_function(
        "(id) => document.querySelector('#study-card')?.dataset.cardId !== id", arg=again["id"]
    )
    assert len(app.collection()["reviews"]) == 4

    # A circuit exercise: the drawing follows the text; bad QASM is reported; graded by the simulator.
    app.go("#/exercise")
    page.click(f"#exercise-list a:has-text('{COURSE_EXERCISE}')")
    editor = page.wait_for_selector("#qasm-editor")
    page.wait_for_selector("#circuit-drawing img")
    page.fill("#qasm-editor", QASM_HEAD + "foo q[0];\n")
    page.wait_for_selector("#qasm-status.error")
    assert "QasmError" in page.inner_text("#qasm-status")
    page.fill("#qasm-editor", QASM_HEAD + "h q[0];\n")
    page.wait_for_selector("#qasm-status:has-text('1 qubit')")
    page.click("#check-circuit")
    page.wait_for_selector("#verdict .wrong")
    editor.fill(QASM_HEAD + "x q[0];\n")
    page.click("#check-circuit")
    page.wait_for_selector("#verdict .correct")
    exercise_id = page.evaluate("() => location.hash.split('/')[2]")
    assert page.get_attribute("#exercise-ratings .suggested", "data-rating") == "3"
    page.click("#exercise-ratings .suggested")
    page.wait_for_selector("#exercise-list")
    assert [r["rating"] for r in app.call("learn.card", {"card_id": exercise_id})["reviews"]] == [3]

    # Search by meaning, then the related items of the best hit (which excludes itself).
    app.go("#/search")
    page.fill("#search-input", "why is it impossible to duplicate an unknown quantum state?")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#search-results li", timeout=SEARCH_TIMEOUT_MS)
    top = page.eval_on_selector_all(
        "#search-results .result-title", "links => links.slice(0, 3).map(a => a.textContent)"
    )
    assert any("clon" in t.lower() or "copy" in t.lower() for t in top), top
    first_id = page.get_attribute("#search-results li", "data-id")
    page.click("#search-results li .related")
    page.wait_for_function(
        "(id) => { const items = [...document.querySelectorAll('#search-results li')];"
        " return items.length && items.every(li => li.dataset.id !== id) && location.hash.includes('like='); }",
        arg=first_id,
    )

    # Stats match the engine's own summary.
    app.go("#/stats")
    page.wait_for_selector("#chart-forecast img")
    summary = app.call("learn.stats")
    assert summary["reviews"] == 5
    assert page.inner_text("#stats-summary .stat:nth-child(2) .stat-value") == "5"

    # Export: the JSON download is the collection; the backup is the store's file.
    app.go("#/transfer")
    with page.expect_download() as download:
        page.click("#export-json")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["format"] == "prometheus-learn-export" and len(exported["reviews"]) == 5
    assert len(exported["cards"]) == len(course["cards"])
    with page.expect_download() as download:
        page.click("#export-backup")
    assert download.value.suggested_filename.endswith(".prometheus")
    assert len(Path(download.value.path()).read_bytes()) > 1000

    # Reload: everything as it was, and the search index is not rebuilt.
    before = app.collection()
    index_size = app.call("infer.info")["index_size"]
    app.go("#/today")
    page.reload()
    page.evaluate("() => Prometheus.ready")
    assert app.collection() == before
    assert app.call("infer.info")["index_size"] == index_size > 200
    page.wait_for_selector("#start-review")
    assert page.inner_text(".stats-grid .stat:nth-child(3) .stat-value") == "5"  # studied today


# ------------------------------------------------------------------ untrusted deck
BASIC_MID = 1342697561419
MODELS = {
    str(BASIC_MID): {
        "id": BASIC_MID,
        "name": "Basic",
        "type": 0,
        "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
        "tmpls": [
            {"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}
        ],
    }
}
HOSTILE_NOTES = [
    (
        '<b>bold words</b><ul><li>first item</li><li>second item</li></ul><img src="dot.png">',
        "<script>window.__pwned = 'script'</script>plain answer <img src=\"nothing.png\" onerror=\"window.__pwned = 'onerror'\">",
    ),
    (
        '<a id="evil" href="javascript:window.__pwned = \'link\'">click me</a><svg onload="window.__pwned = \'svg\'"></svg>',
        "<iframe src=\"javascript:parent.__pwned = 'iframe'\"></iframe><img src=x onerror=alert(1)><i>kept italics</i>",
    ),
]


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG, so the test can check the image really decoded (naturalWidth)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xd9\x48\x0f" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def hostile_apkg(tmp_path) -> bytes:
    db = tmp_path / "collection.anki21"
    con = sqlite3.connect(db)
    con.executescript(SCHEMA_11)
    con.execute(
        "INSERT INTO col VALUES (1, 1600000000, 0, 0, 11, 0, 0, 0, '{}', ?, '{}', '{}', '{}')",
        (json.dumps(MODELS),),
    )
    for i, (front, back) in enumerate(HOSTILE_NOTES):
        con.execute(
            "INSERT INTO notes VALUES (?, ?, ?, 0, 0, '', ?, '', 0, 0, '')",
            (1001 + i, f"g{i}", BASIC_MID, front + "\x1f" + back),
        )
        con.execute(
            "INSERT INTO cards VALUES (?, ?, 1, 0, 0, 0, 0, 0, ?, 0, 2500, 0, 0, 0, 0, 0, 0, '')",
            (2001 + i, 1001 + i, i),
        )
    con.commit()
    con.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("collection.anki21", db.read_bytes())
        z.writestr("media", json.dumps({"0": "dot.png"}))
        z.writestr("0", png(3, 2))
    return out.getvalue()


def test_untrusted_deck_runs_nothing_and_keeps_formatting(app, tmp_path):
    page = app.page
    app.open("#/transfer")
    page.set_input_files(
        "#import-file",
        files=[
            {"name": "hostile.apkg", "mimeType": "application/octet-stream", "buffer": hostile_apkg(tmp_path)}
        ],
    )
    page.wait_for_selector("#import-result")
    assert "2 notes, 2 cards" in page.inner_text("#import-result") and "1 media" in page.inner_text(
        "#import-result"
    )
    ids = [c["id"] for c in app.collection()["cards"]]

    # Review: the front shows bold, a list and the package's image (decoded from the media).
    app.go("#/review")
    shown_card(app)
    page.keyboard.press("Space")
    page.wait_for_selector("#ratings")
    for card_id in ids:  # both sides of both cards at once
        app.go(f"#/card/{card_id}")
        page.wait_for_selector("#card-detail")
        page.wait_for_function("(id) => location.hash.endsWith(id)", arg=card_id)
        page.wait_for_timeout(300)  # let any handler that survived get its chance to run
        unsafe = page.evaluate("""() => {
          const root = document.querySelector('#view');
          const attrs = [...root.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name + '=' + a.value));
          return { scripts: root.querySelectorAll('script, iframe, svg[onload]').length,
                   handlers: attrs.filter(a => /^on/i.test(a)), js: attrs.filter(a => /javascript:/i.test(a)) };
        }""")
        assert unsafe == {"scripts": 0, "handlers": [], "js": []}

    def open_card_showing(selector: str) -> None:
        """Card ids are random, so which imported card is which is found by what it shows."""
        for card_id in ids:
            app.go(f"#/card/{card_id}")
            page.wait_for_function(
                "(id) => location.hash.endsWith(id) && document.querySelector('#card-detail')", arg=card_id
            )
            page.wait_for_timeout(200)
            if page.query_selector(selector) is not None:
                return
        pytest.fail(f"no imported card shows {selector}")

    open_card_showing("#card-detail b:has-text('bold words')")
    assert page.eval_on_selector_all(
        "#card-detail .front li", "items => items.map(li => li.textContent)"
    ) == ["first item", "second item"]
    page.wait_for_function(
        "() => { const img = document.querySelector('#card-detail .front img.card-image');"
        " return img && img.complete && img.naturalWidth === 3 && img.naturalHeight === 2; }"
    )
    assert "plain answer" in page.inner_text("#card-detail .back")
    open_card_showing("#card-detail i:has-text('kept italics')")
    page.click("#card-detail a:has-text('click me')")  # a link stripped of its javascript: URL
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned") is None
    assert app.dialogs == []
    assert len(page.context.pages) == 1


# ------------------------------------------------------------------ empty states, map colours, moving a collection
SVG_OF_IMG = "(img) => decodeURIComponent(img.src.slice(img.src.indexOf(',') + 1))"
RED = "(fill) => { const n = parseInt(fill.slice(1), 16); return (n >> 16) > 180 && ((n >> 8) & 255) < 120 && (n & 255) < 120; }"


def screenshots(app: AppPage, name: str) -> None:
    """Both widths of the current screen into $PROMETHEUS_SCREENSHOTS (when set), to look at."""
    import os

    folder = os.environ.get("PROMETHEUS_SCREENSHOTS")
    if not folder:
        return
    for width, height in ((1280, 800), (390, 844)):
        app.page.set_viewport_size({"width": width, "height": height})
        app.page.wait_for_timeout(300)
        app.page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    app.page.set_viewport_size({"width": 1280, "height": 800})


def test_empty_stats_map_colours_and_export_wipe_import(app, tmp_path):
    page = app.page
    app.open()
    # A new learner: the stats say there is nothing yet, in words (no "1e-09" axis, no blank chart).
    app.go("#/stats")
    page.wait_for_selector("#chart-retention img")
    forecast_svg = page.eval_on_selector("#chart-forecast img", SVG_OF_IMG)
    assert "e-0" not in forecast_svg and "Nothing scheduled yet" in forecast_svg
    assert "No reviews a day or more" in page.eval_on_selector("#chart-retention img", SVG_OF_IMG)
    assert page.inner_text("#chart-retention .chart-note").startswith("No data yet")
    assert page.is_visible("#chart-retention .chart-note")
    screenshots(app, "stats-empty")

    # The course offer counts cards (what the learner will study), as loading confirms.
    app.go("#/today")
    page.wait_for_selector("button[data-course]")
    listed = app.call("learn.courses")[0]
    assert f"{listed['cards']} cards" in page.inner_text(".course")
    page.click("button[data-course]")
    page.wait_for_selector("#start-review")
    assert app.call("learn.stats")["cards"] == listed["cards"]

    # Course map: unlocked concepts at 0% read "not started", never red; a legend names the colours.
    app.go("#/map")
    page.wait_for_selector("#map-legend li")
    assert page.eval_on_selector_all("#map-legend li", "items => items.length") == 4
    engine = app.call("learn.concept_map")["concepts"]
    drawn = page.eval_on_selector_all(
        ".map-drawing g.concept",
        "nodes => nodes.map(g => [g.dataset.key, g.dataset.status, g.querySelector('rect').getAttribute('fill')])",
    )
    assert {k: s for k, s, _ in drawn} == {c["key"]: c["status"] for c in engine}
    unlocked = [c["key"] for c in engine if c["unlocked"] and c["mastery"] == 0]
    assert unlocked and all(s == "not started" for k, s, _ in drawn if k in unlocked)
    assert not [k for k, _, fill in drawn if page.evaluate(RED, fill)]
    screenshots(app, "map")

    # Study a little (through the engine: the review screen has its own test), then export.
    for minute in range(6):
        now = f"2030-01-01T10:{minute:02d}:00+00:00"
        card = app.call("learn.next", {"now": now})
        app.call("learn.answer", {"card_id": card["id"], "rating": 1 + minute % 4, "now": now})
    app.call("learn.settings", {"values": {"desired_retention": 0.87}})
    app.go("#/stats")
    page.wait_for_selector("#chart-concepts img")
    screenshots(app, "stats-studied")
    later = "2030-01-03T10:00:00+00:00"
    before = {"stats": app.call("learn.stats", {"now": later}), "collection": app.collection()}
    app.go("#/transfer")
    page.wait_for_selector("#export-apkg")
    screenshots(app, "transfer")
    # The JSON export just made loaded no sqlite3 (a 563 kB package): only an Anki package needs it.
    assert "sqlite3" not in app.call("core.info")["packages"]
    with page.expect_download() as download:
        page.click("#export-apkg")
    assert download.value.suggested_filename.endswith(".apkg")
    assert "sqlite3" in app.call("core.info")["packages"]
    archive = zipfile.ZipFile(download.value.path())
    (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    con = sqlite3.connect(tmp_path / "c.anki2")
    assert con.execute("SELECT count(*) FROM cards").fetchone()[0] == listed["cards"]
    assert con.execute("SELECT count(*) FROM revlog").fetchone()[0] == 6
    con.close()
    with page.expect_download() as download:
        page.click("#export-json")
    exported = tmp_path / "collection.json"
    download.value.save_as(exported)

    # Wipe (a new device), then import the file through the Import screen: the same collection.
    app.call("learn.reset")
    app.call("graph.run", {"query": "MATCH (n) DETACH DELETE n"})
    assert app.call("learn.stats", {"now": later})["cards"] == 0
    app.go("#/today")
    app.go("#/transfer")
    page.wait_for_selector("#import-file", state="attached")
    page.set_input_files("#import-file", str(exported))
    page.wait_for_selector("#import-result")
    assert "and your settings" in page.inner_text("#import-result")
    after = {"stats": app.call("learn.stats", {"now": later}), "collection": app.collection()}
    assert after == before
    assert app.call("learn.settings")["desired_retention"] == 0.87

"""The srs engine through the SDK in headless Chromium (Pyodide), against py-fsrs in this process."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from tests.browser.harness import BrowserCallError
from tests.shared_data import shared_path

pytestmark = pytest.mark.browser

START = datetime(2024, 4, 1, 7, 30, tzinfo=UTC)


def test_review_sequence_matches_pyfsrs(sdk):
    rng = random.Random(5)
    scheduler = {
        "enable_fuzzing": False,
        "desired_retention": 0.88,
        "parameters": list(fsrs.scheduler.DEFAULT_PARAMETERS),
        "learning_steps": [60, 600],
        "relearning_steps": [600],
        "maximum_interval": 36500,
    }
    ref = fsrs.Scheduler.from_dict(scheduler)
    ref_card = fsrs.Card(card_id=42, due=START)
    card = sdk.call("srs.new_card", {"card_id": 42, "due": START.isoformat()})
    now = START
    for _ in range(12):
        rating = rng.choice([1, 2, 3, 4])
        out = sdk.call(
            "srs.review",
            {"card": card, "rating": rating, "review_datetime": now.isoformat(), "scheduler": scheduler},
        )
        ref_card, ref_log = ref.review_card(ref_card, fsrs.Rating(rating), now)
        card = out["card"]
        expected = ref_card.to_dict()
        assert {k: card[k] for k in ("state", "step", "due", "last_review")} == {
            k: expected[k] for k in ("state", "step", "due", "last_review")
        }
        assert card["stability"] == pytest.approx(expected["stability"], abs=1e-9)
        assert card["difficulty"] == pytest.approx(expected["difficulty"], abs=1e-9)
        assert out["review_log"] == ref_log.to_dict()
        now = datetime.fromisoformat(card["due"]) + timedelta(hours=rng.choice([0, 5, 30]))


def test_preview_retrievability_and_forecast(sdk):
    ref = fsrs.Scheduler()
    card = sdk.call("srs.new_card", {"card_id": 7, "due": START.isoformat()})
    preview = sdk.call("srs.preview", {"card": card, "review_datetime": START.isoformat()})
    assert set(preview) == {"again", "hard", "good", "easy"}
    ref_easy, _ = ref.review_card(fsrs.Card(card_id=7, due=START), fsrs.Rating.Easy, START)
    assert preview["easy"]["stability"] == ref_easy.stability
    cards = [preview[k] for k in ("again", "good", "easy")] + [card]
    later = START + timedelta(days=4, hours=3)
    r = sdk.call("srs.retrievability", {"cards": cards, "now": later.isoformat()})
    expected = [
        ref.get_card_retrievability(fsrs.Card.from_dict(c), later) if c["last_review"] else 0 for c in cards
    ]
    assert r == pytest.approx(expected, abs=1e-12)
    counts = sdk.call("srs.forecast", {"cards": cards, "days": 10, "now": START.isoformat()})
    expected_counts = [0] * 10
    for c in cards:
        offset = max((datetime.fromisoformat(c["due"]).date() - START.date()).days, 0)
        if offset < 10:
            expected_counts[offset] += 1
    assert counts == expected_counts


@pytest.mark.parametrize(
    "params, kind, fragment",
    [
        ({"rating": 9}, "InvalidParams", "srs.review: params.rating must be one of 1, 2, 3, 4"),
        (
            {"rating": 3, "review_datetime": "2024-04-01T08:00:00"},
            "ValidationError",
            "review_datetime must be timezone-aware",
        ),
        (
            {"rating": 3, "review_datetime": "2024-03-01T08:00:00+00:00"},
            "ValidationError",
            "is before the card's last_review",
        ),
    ],
)
def test_bad_review_input_rejects_with_validation_error(sdk, params, kind, fragment):
    card = sdk.call("srs.new_card", {"card_id": 3, "due": START.isoformat()})
    card = sdk.call("srs.review", {"card": card, "rating": 3, "review_datetime": START.isoformat()})["card"]
    with pytest.raises(BrowserCallError) as caught:
        sdk.call("srs.review", {"card": card, **params})
    assert caught.value.type == kind
    assert fragment in caught.value.message


def test_malformed_csv_reports_line_numbers(sdk):
    text = "card_id,review_rating,review_time,review_duration\n1,3,2024-01-01T00:00:00+00:00,5\n1,0,x,5\n"
    with pytest.raises(BrowserCallError) as caught:
        sdk.call("srs.import_csv", {"csv": text})
    assert caught.value.type == "ReviewImportError"
    assert "line 3" in caught.value.message


def test_optimize_josh_in_the_browser_with_progress(sdk):
    text = shared_path("datasets", "fsrs_review_logs_josh.csv").read_text()
    outcome = sdk.evaluate(
        """async (csv) => {
            const events = [];
            const t0 = performance.now();
            const result = await Prometheus.call("srs.optimize", { csv },
                { onProgress: (e) => events.push(e) });
            return { result, events, ms: performance.now() - t0 };
        }""",
        text,
    )
    result, events = outcome["result"], outcome["events"]
    assert result["rule"] == "trained"
    assert result["metrics"]["log_loss"] <= 0.4387  # the py-fsrs Optimizer's score on josh
    assert result["metrics"]["rmse_bins"] <= 0.041
    fractions = [e["fraction"] for e in events]
    assert len(events) > 10 and fractions == sorted(fractions) and fractions[-1] == 1.0
    print(
        f"\nsrs.optimize on josh in Chromium: {outcome['ms'] / 1000:.2f} s wall, "
        f"{result['seconds']:.2f} s in Python"
    )


def test_anki_collection_import_in_the_browser(sdk, tmp_path):
    """An Anki revlog read by sqlite3 inside Pyodide gives the same replay as on CPython."""
    import base64
    import sqlite3

    from prometheus.srs.collection import memory_states
    from prometheus.srs.importers import read_anki_revlog

    path = tmp_path / "collection.anki2"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE revlog (id INTEGER PRIMARY KEY, cid INTEGER, usn INTEGER, ease INTEGER,"
        " ivl INTEGER, lastIvl INTEGER, factor INTEGER, time INTEGER, type INTEGER)"
    )
    con.execute("CREATE TABLE col (id INTEGER PRIMARY KEY, conf TEXT)")
    con.execute("""INSERT INTO col VALUES (1, '{"rollover": 4, "localOffset": -60}')""")
    rng = random.Random(2)
    t = int(START.timestamp() * 1000)
    for card in range(30):
        now = t + card * 1000
        for _ in range(rng.randint(1, 8)):
            con.execute(
                "INSERT INTO revlog VALUES (?,?,0,?,0,0,2500,5000,1)", (now, card, rng.choice([1, 3, 3, 4]))
            )
            now += rng.choice([600_000, 20 * 3_600_000, 3 * 86_400_000])
    con.commit()
    con.close()
    info = sdk.call("srs.import_anki", {"data": base64.b64encode(path.read_bytes()).decode()})
    assert info["utc_offset_minutes"] == 60 and info["day_start_hour"] == 4 and info["cards"] == 30
    got = sdk.call("srs.memory_states", {})
    stability, difficulty = memory_states(read_anki_revlog(path).history())
    assert got["stability"] == pytest.approx(stability.tolist(), rel=1e-12)
    assert got["difficulty"] == pytest.approx(difficulty.tolist(), rel=1e-12)
    with pytest.raises(BrowserCallError) as caught:
        sdk.call("srs.import_anki", {"data": "not base64!"})
    assert caught.value.type == "ValidationError"

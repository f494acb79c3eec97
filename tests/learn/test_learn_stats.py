"""Stats against values worked out by hand on small collections."""

from __future__ import annotations

import xml.dom.minidom
from datetime import UTC, datetime, timedelta

import pytest

from prometheus.graph import Graph
from prometheus.learn import Collection, LearnError, study
from prometheus.learn import stats as learn_stats
from prometheus.srs.parameters import DEFAULT_PARAMETERS

T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)  # a Monday, noon UTC


def at(**delta) -> str:
    return (T0 + timedelta(**delta)).isoformat()


def collection(**settings):
    graph = Graph()
    col = Collection(graph_source=lambda: graph)
    study.settings(col, {"enable_fuzzing": False, "learning_steps": [], **settings})
    return col, graph


def well_formed(svg: str) -> None:
    xml.dom.minidom.parseString(svg)  # raises on broken markup


def test_summary_counts():
    col, _ = collection(new_per_day=2)
    ids = study.add_cards(col, [{"front": f"q{i}", "back": "a"} for i in range(5)], now=at())["ids"]
    study.answer(col, ids[0], 3, now=at(minutes=1))
    s = learn_stats.summary(col, now=at(minutes=2))
    assert (s["cards"], s["notes"], s["reviews"]) == (5, 5, 1)
    assert s["new_today"] == 1 and s["new_studied_today"] == 1  # limit 2, one used
    assert s["due_today"] == 0 and s["day"] == "2024-03-04"


def test_forecast_counts_cards_by_due_day():
    col, _ = collection(day_start_hour=0)
    ids = study.add_cards(col, [{"front": f"q{i}", "back": "a"} for i in range(3)], now=at())["ids"]
    # Good on a new card with no learning steps: interval = round(S0(good) ...) days, by hand:
    s_good = DEFAULT_PARAMETERS[2]
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    interval = max(1, round(s_good / factor * (0.9 ** (1 / decay) - 1)))  # = round(S) at 90 %
    study.answer(col, ids[0], 3, now=at())
    study.answer(col, ids[1], 3, now=at())
    study.suspend(col, [ids[1]])
    result = learn_stats.forecast(col, now=at(), days=10)
    expected = [0] * 10
    expected[interval] = 1  # one unsuspended reviewed card; the new card is not forecast
    assert result["due"] == expected and result["days"][0] == "2024-03-04"
    later = learn_stats.forecast(col, now=at(days=interval + 3), days=10)
    assert later["due"][0] == 1  # overdue counts today
    well_formed(result["svg"])


def test_heatmap_counts_reviews_per_learner_day():
    col, _ = collection(day_start_hour=4)
    (card,) = study.add_cards(col, [{"front": "q", "back": "a"}], now=at(days=-3))["ids"]
    for moment in (at(days=-3), at(days=-3, hours=1), at(days=-1), at(hours=14)):  # last: 02:00 next day
        study.answer(col, card, 3, now=moment)
    h = learn_stats.heatmap(col, now=at(hours=15), days=7)
    # now = Mar 5 03:00 UTC is still learner day Mar 4 (day starts 04:00); 7 days: Feb 27 .. Mar 4
    # (2024 has Feb 29); 02:00 on Mar 5 also belongs to Mar 4
    assert h["first_day"] == "2024-02-27"
    assert h["counts"] == [0, 0, 0, 2, 0, 1, 1]
    well_formed(h["svg"])


def test_true_and_predicted_retention_by_interval_bucket():
    col, _ = collection()
    (a, b) = study.add_cards(col, [{"front": "q", "back": "a"}, {"front": "r", "back": "b"}], now=at())["ids"]
    study.answer(col, a, 3, now=at())
    study.answer(col, b, 3, now=at())
    study.answer(col, a, 3, now=at(days=3))  # review after 3 days: bucket [2, 4), passed
    study.answer(col, b, 1, now=at(days=3))  # review after 3 days: bucket [2, 4), failed
    s = DEFAULT_PARAMETERS[2]
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    r3 = (1 + factor * 3 / s) ** decay
    buckets = {x["from_days"]: x for x in learn_stats.retention(col)["buckets"]}
    assert buckets[2]["reviews"] == 2
    assert buckets[2]["true_retention"] == 0.5
    assert buckets[2]["predicted_retention"] == pytest.approx(r3, rel=1e-12)
    assert buckets[1]["reviews"] == 0 and buckets[1]["true_retention"] is None


def test_forgetting_curve_follows_the_fsrs_formula():
    col, _ = collection()
    (card,) = study.add_cards(col, [{"front": "q", "back": "a"}], now=at())["ids"]
    with pytest.raises(LearnError, match="not been reviewed"):
        learn_stats.forgetting_curve(col, card)
    study.answer(col, card, 4, now=at())
    curve = learn_stats.forgetting_curve(col, card, now=at(days=2), days=20)
    s = DEFAULT_PARAMETERS[3]
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    assert curve["stability"] == s
    assert curve["retrievability"][0] == 1.0
    assert curve["retrievability"][10] == pytest.approx((1 + factor * 10 / s) ** decay, rel=1e-12)
    # at t = S the retrievability is 90 % by FSRS's definition of stability
    assert (1 + factor * s / s) ** decay == pytest.approx(0.9)
    assert curve["elapsed_days_now"] == 2
    well_formed(curve["svg"])


def test_concept_map_mastery_is_mean_retrievability():
    col, graph = collection()
    graph.run("CREATE (:Concept {key:'a', name:'A <&>'})<-[:REQUIRES]-(:Concept {key:'b', name:'B'})")
    col.links_changed()
    ids = study.add_cards(
        col,
        [
            {"front": "1", "back": "x", "concepts": ["a"]},
            {"front": "2", "back": "y", "concepts": ["a"]},
            {"front": "3", "back": "z", "concepts": ["b"]},
        ],
        now=at(),
    )["ids"]
    study.answer(col, ids[0], 3, now=at())
    m = {c["key"]: c for c in learn_stats.concept_map(col, now=at(days=2))["concepts"]}
    s = DEFAULT_PARAMETERS[2]
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    expected = ((1 + factor * 2 / s) ** decay + 0.0) / 2  # one card reviewed 2 days ago, one new
    assert m["a"]["mastery"] == pytest.approx(expected, rel=1e-12)
    assert m["a"]["unlocked"] and not m["b"]["unlocked"] and m["b"]["depth"] == 1
    result = learn_stats.concept_map(col, now=at(days=2))
    assert "A &lt;&amp;&gt;" in result["svg"]
    well_formed(result["svg"])


def _svg_texts(svg: str) -> list[str]:
    dom = xml.dom.minidom.parseString(svg)
    return [
        "".join(n.data for n in t.childNodes if n.nodeType == n.TEXT_NODE)
        for t in dom.getElementsByTagName("text")
    ]


def _fill(svg: str, key: str) -> tuple[str, str]:
    """(status, rect fill) of the concept node `key` in a concept-map SVG."""
    dom = xml.dom.minidom.parseString(svg)
    for g in dom.getElementsByTagName("g"):
        if g.getAttribute("data-key") == key:
            return g.getAttribute("data-status"), g.getElementsByTagName("rect")[0].getAttribute("fill")
    raise AssertionError(f"no node {key}")


def test_empty_charts_say_so_and_axes_read_as_people_write_numbers():
    col, _ = collection()
    forecast = learn_stats.forecast(col, now=at())
    texts = _svg_texts(forecast["svg"])
    assert not any("e-" in t or "e+" in t for t in texts), texts  # was "1e-09" on an empty log
    assert any(t.startswith("Nothing scheduled yet") for t in texts)
    retention = learn_stats.retention(col)
    assert any(t.startswith("No reviews a day or more") for t in _svg_texts(retention["svg"]))
    ids = study.add_cards(col, [{"front": f"q{i}", "back": "a"} for i in range(3)], now=at())["ids"]
    for card_id in ids:
        study.answer(col, card_id, 3, now=at())
    forecast = learn_stats.forecast(col, now=at())
    top = max(forecast["due"])
    assert top >= 1 and str(top) in _svg_texts(forecast["svg"])  # the axis names the largest count
    assert not any(t.startswith("Nothing scheduled") for t in _svg_texts(forecast["svg"]))
    for card_id in ids:  # back after their interval: retention has a bucket now
        due = col.card_record(col.row(card_id))["due"] // 1000
        study.answer(col, card_id, 3, now=due)
    retention = learn_stats.retention(col)
    texts = _svg_texts(retention["svg"])
    assert "100%" in texts and not any(t.startswith("No reviews") for t in texts)


def test_concept_colours_read_as_status_not_failure():
    col, graph = collection()  # unlock_threshold 0.8
    graph.run(
        "CREATE (:Concept {key:'a', name:'A'})<-[:REQUIRES]-(:Concept {key:'b', name:'B'}), "
        "(:Concept {key:'c', name:'C'}), (:Concept {key:'d', name:'D'})"
    )
    col.links_changed()
    specs = [{"front": k, "back": "x", "concepts": [k]} for k in "abcd"]
    ids = dict(zip("abcd", study.add_cards(col, specs, now=at())["ids"]))
    study.answer(col, ids["a"], 4, now=at())  # retained the next day: a mastered, b unlocked
    study.answer(col, ids["c"], 1, now=at())  # failed: c is being learned, at low mastery
    result = learn_stats.concept_map(col, now=at(days=1))
    by_key = {c["key"]: c for c in result["concepts"]}
    expected = {"a": "mastered", "b": "not started", "c": "learning", "d": "not started"}
    assert {k: c["status"] for k, c in by_key.items()} == expected
    assert by_key["b"]["mastery"] == 0 and by_key["b"]["reviewed"] == 0 and by_key["c"]["reviewed"] == 1
    fills = {k: _fill(result["svg"], k) for k in "abcd"}
    assert {k: s for k, (s, _) in fills.items()} == expected
    for key, (_, fill) in fills.items():  # nothing is red: red would say "failing"
        r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
        assert not (r > 180 and g < 120 and b < 120), (key, fill)
    assert fills["b"][1] == fills["d"][1] != fills["c"][1] != fills["a"][1]
    legend = [t for t in _svg_texts(result["svg"]) if t in ("not started", "learning", "mastered", "locked")]
    assert legend == ["not started", "learning", "mastered", "locked"]
    study.undo(col)
    study.undo(col)  # nothing reviewed: a unlocked but not started, b locked
    by_key = {c["key"]: c["status"] for c in learn_stats.concept_map(col, now=at())["concepts"]}
    assert by_key == {"a": "not started", "b": "locked", "c": "not started", "d": "not started"}

// @ts-check
// Stats, computed by the engine and drawn as SVG: the due forecast, the review heatmap, true
// against predicted retention, and the concept map coloured by mastery.
"use strict";
App.screen("stats", {
  title: "Stats",
  async render(page) {
    const { el, call, stat } = App;
    const slot = el("div", { class: "slot" });
    page.append(App.header("Stats", "How your memory is doing, computed on this device."), slot);
    const [summary, forecast, heatmap, retention, concepts] = await App.withProgress(slot, "Computing your statistics…", (bar) => {
      let done = 0;
      const step = (promise) => promise.then((value) => { bar.set(++done / 5); return value; });
      return Promise.all([step(call("learn.stats")), step(call("learn.forecast", { days: 30 })), step(call("learn.heatmap", { days: 182 })),
        step(call("learn.retention")), step(call("learn.concept_map"))]);
    });
    slot.replaceChildren();
    const next7 = forecast.due.slice(0, 7).reduce((a, b) => a + b, 0);
    page.append(
      el("div", { class: "stats-grid", id: "stats-summary" },
        stat("Cards", summary.cards, summary.suspended ? summary.suspended + " suspended" : null),
        stat("Reviews", summary.reviews, summary.studied_today + " today"),
        stat("Retention", App.percent(summary.true_retention_30d), "last 30 days"),
        stat("Due this week", next7, summary.due_today + " today")),
      el("div", { class: "chart-grid" },
        chart("Due in the next 30 days", forecast.svg, "forecast",
          forecast.due.some(Boolean) ? null : "Nothing scheduled yet: cards you study appear here on the day they come back."),
        chart("Reviews per day", heatmap.svg, "heatmap"),
        chart("True vs predicted retention", retention.svg, "retention",
          retention.buckets.some((b) => b.reviews) ? "Blue: how often you recalled; orange: what FSRS predicted."
            : "No data yet: this appears once cards come back for review a day or more after you learned them."),
        chart("Mastery by concept", concepts.svg, "concepts", null, "#/map")));

    function chart(title, svg, id, note, link) {
      return el("figure", { class: "panel chart-panel", id: "chart-" + id },
        el("figcaption", {}, el("h2", { text: title }), link ? el("a", { class: "small", href: link, text: "Open the map" }) : null),
        el("div", { class: "chart-scroll" }, App.svgImage(svg, title)), note ? el("p", { class: "chart-note small muted", text: note }) : null);
    }
  },
});

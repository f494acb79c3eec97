// @ts-check
// One card: both sides, its schedule, its review log, its forgetting curve, related cards.
"use strict";
App.screen("card", {
  title: "Card",
  async render(page, cardId) {
    const { el, call } = App;
    if (!cardId) { location.hash = "#/search"; return; }
    const card = await call("learn.card", { card_id: cardId });
    const html = App.content.isHtml(card);
    const facts = [["State", card.new ? "new" : card.state], ["Due", card.new ? "—" : new Date(card.due).toLocaleString()],
      ["Stability", card.stability ? card.stability.toFixed(1) + " days" : "—"], ["Difficulty", card.difficulty ? card.difficulty.toFixed(2) : "—"],
      ["Recall now", App.percent(card.retrievability)], ["Reviews", String(card.reviews.length)]];
    const suspend = el("button", { class: "ghost", text: card.suspended ? "Unsuspend" : "Suspend", onclick: async () => {
      try {
        await call("learn.suspend", { card_ids: [card.id], suspended: !card.suspended });
        App.refresh();
      } catch (error) { App.toast(App.describe(error), "error"); }
    } });
    const related = el("a", { class: "button ghost", href: "#/search?q=" + encodeURIComponent(App.content.plain(card.front, html).slice(0, 300)) + "&like=card:" + card.id, text: "Related" });
    page.append(App.header("Card", card.kind.replace("_", " ") + (card.suspended ? " · suspended" : ""), related, suspend),
      el("div", { class: "card-layout" },
        el("article", { class: "panel study-card", id: "card-detail" },
          el("div", { class: "chips" }, card.concepts.map((key) => el("a", { class: "chip", href: "#/map/" + encodeURIComponent(key), text: key }))),
          el("div", { class: "card-face" }, App.content.render(card.front, html, "front"), el("hr", { class: "answer-line" }), App.content.render(card.back, html, "back"))),
        el("div", { class: "panel" }, el("dl", { class: "facts-grid" }, facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])))));
    if (!card.new) {
      const curve = await call("learn.forgetting_curve", { card_id: card.id });
      page.append(el("div", { class: "panel" }, el("h2", { text: "Forgetting curve" }), App.svgImage(curve.svg, "forgetting curve of this card", "chart curve")),
        el("div", { class: "panel" }, el("h2", { text: "Review log" }), el("table", { class: "log" },
          el("thead", {}, el("tr", {}, ["When", "Rating", "Time taken"].map((h) => el("th", { text: h })))),
          el("tbody", {}, card.reviews.map((r) => el("tr", {}, el("td", { text: new Date(r.time).toLocaleString() }),
            el("td", { text: ["", "Again", "Hard", "Good", "Easy"][r.rating] }),
            el("td", { text: r.duration === null || r.duration === undefined ? "—" : (r.duration / 1000).toFixed(1) + " s" })))))));
    }
  },
});

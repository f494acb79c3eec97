// @ts-check
// Review panel: one card scheduled by FSRS-6, with the interval each rating would give.
"use strict";
window.reviewPanel = (function () {
  const { $, el } = ui;
  const RATINGS = ["again", "hard", "good", "easy"];
  const STATES = { 1: "Learning", 2: "Review", 3: "Relearning" };
  let card = null;

  function describe(due) {
    const minutes = Math.round((new Date(due).getTime() - Date.now()) / 60000);
    if (minutes < 60) return Math.max(minutes, 1) + " min";
    if (minutes < 60 * 24) return Math.round(minutes / 60) + " h";
    return Math.round(minutes / 1440) + " d";
  }

  async function render() {
    const preview = await Prometheus.call("srs.preview", { card });
    const state = { State: STATES[card.state] || card.state, Due: new Date(card.due).toLocaleString(),
      Stability: card.stability === null ? "—" : card.stability.toFixed(2) + " d",
      Difficulty: card.difficulty === null ? "—" : card.difficulty.toFixed(2) };
    $("card-state").replaceChildren(...Object.entries(state).flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
    $("ratings").replaceChildren(...RATINGS.map((rating) => {
      const button = el("button", { textContent: rating[0].toUpperCase() + rating.slice(1) + " · " + describe(preview[rating].due) });
      button.addEventListener("click", () => review(rating));
      return button;
    }));
  }

  async function review(rating) {
    const outcome = await Prometheus.call("srs.review", { card, rating });
    card = outcome.card;
    $("review-log").append(el("li", { textContent: rating + " → due in " + describe(card.due) }));
    await render();
  }

  async function start() {
    card = await Prometheus.call("srs.new_card", {});
    await render();
  }
  return { start };
})();

// @ts-check
// Review: one card at a time. Space shows the answer, 1-4 rate it, Ctrl+Z takes back the last
// answer (also after the last card of the session). The time from showing a card to rating it
// is sent as duration_ms, which the optimizer later uses.
"use strict";
App.screen("review", {
  title: "Review",
  render(page) {
    const { el, call } = App;
    const RATINGS = [[1, "Again", "again"], [2, "Hard", "hard"], [3, "Good", "good"], [4, "Easy", "easy"]];
    let card = null;
    let revealed = false;
    let shownAt = 0;
    let suggested = null;
    let busy = false;
    const counts = el("div", { class: "queue-counts", "aria-label": "Cards left today" });
    const body = el("div", { class: "review-body" });
    const undoButton = el("button", { class: "ghost", id: "undo", title: "Undo the last answer (Ctrl+Z)", text: "↶ Undo", onclick: undo });
    page.append(App.header("Review", null, counts, undoButton), body);

    async function next() {
      busy = true;
      try {
        card = await call("learn.next");
        revealed = false;
        suggested = null;
        if (card === null) return showDone();
        showCard();
        shownAt = performance.now();
      } catch (error) {
        body.replaceChildren(App.errorBox(error));
      } finally {
        busy = false;
      }
    }

    function showCounts(c) {
      counts.replaceChildren(
        el("span", { class: "count new", title: "new", text: String(c.new) }),
        el("span", { class: "count learning", title: "learning", text: String(c.learning) }),
        el("span", { class: "count review", title: "review", text: String(c.review) }));
    }

    async function showDone() {
      const stats = await call("learn.stats");
      showCounts({ new: 0, learning: 0, review: 0 });
      body.replaceChildren(el("div", { class: "panel done", id: "review-done" },
        el("div", { class: "done-mark", text: "✓" }),
        el("h2", { text: "Done for now" }),
        el("p", { class: "muted", text: stats.studied_today + " cards studied today. " + (stats.new_locked
          ? stats.new_locked + " new cards wait for their prerequisites to be mastered." : "Come back when more are due.") }),
        el("div", { class: "row center" }, el("a", { class: "button", href: "#/stats", text: "See your stats" }),
          el("a", { class: "button", href: "#/map", text: "Course map" }))));
    }

    function conceptChips(keys) {
      return el("div", { class: "chips" }, keys.map((key) => el("a", { class: "chip", href: "#/map/" + encodeURIComponent(key), text: key })));
    }

    function showCard() {
      showCounts(card.counts);
      const html = App.content.isHtml(card);
      const face = el("div", { class: "card-face" });
      const replaceFront = card.kind === "cloze" || card.kind === "imported";
      if (!revealed || !replaceFront) face.append(App.content.render(card.front, html, "front"));
      const controls = el("div", { class: "review-controls" });
      let typed = null;
      if (revealed) {
        if (!replaceFront) face.append(el("hr", { class: "answer-line" }));
        face.append(App.content.render(card.back, html, "back"));
        controls.append(ratingButtons());
      } else if (card.kind === "circuit") {
        controls.append(el("a", { class: "button primary big", id: "open-exercise", href: "#/exercise/" + card.id + "?from=review",
          text: "Build the circuit" }), el("p", { class: "hint", text: "Graded by the simulator; press Space to open the editor" }));
      } else {
        if (card.kind === "typed") {
          typed = el("input", { class: "typed-answer", placeholder: "Type your answer (optional), then Enter", autocomplete: "off",
            onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); reveal(typed.value); } } });
          controls.append(typed);
        }
        controls.append(el("button", { class: "primary big", id: "show-answer", text: "Show answer", onclick: () => reveal(typed && typed.value) }),
          el("p", { class: "hint", text: "Space" }));
      }
      const meta = el("div", { class: "card-meta" },
        el("span", { class: "badge " + card.queue, text: card.queue === "new" ? "new" : card.state }),
        el("span", { class: "muted small", text: card.kind.replace("_", " ") }), conceptChips(card.concepts),
        el("a", { class: "small card-link", href: "#/card/" + card.id, text: "details" }));
      body.replaceChildren(el("article", { class: "panel study-card", id: "study-card", dataset: { cardId: card.id, kind: card.kind } }, meta, face), controls);
      if (typed) typed.focus();
    }

    function ratingButtons() {
      const row = el("div", { class: "ratings", id: "ratings" });
      for (const [value, label, key] of RATINGS) {
        row.append(el("button", { class: "rating " + key + (suggested === value ? " suggested" : ""), dataset: { rating: String(value) },
          onclick: () => rate(value) }, el("span", { class: "rating-label", text: label }),
          el("span", { class: "rating-interval", text: App.interval(card.intervals_seconds[key]) }),
          el("kbd", { text: String(value) })));
      }
      return row;
    }

    async function reveal(answerText) {
      if (!card || revealed) return;
      revealed = true;
      showCard();
      if (card.kind === "typed" && answerText && answerText.trim()) {
        const slot = el("div", { class: "slot" });
        body.append(slot);
        try {
          const info = await call("infer.info");
          if (!info.loaded) {
            await App.withProgress(slot, "Loading the meaning model (first time only)…", (bar) =>
              call("infer.load", {}, { onProgress: ({ stage, fraction }) => bar.set(fraction, "Loading the meaning model: " + stage) }));
          }
          const grade = await call("learn.grade", { card_id: card.id, answer: answerText });
          suggested = grade.suggested_rating;
          showCard();
          body.append(el("p", { class: "grade-note", text: "Your answer matches the reference at " + App.percent(grade.score) + ": suggested " + RATINGS[suggested - 1][1] + "." }));
        } catch (error) {
          slot.replaceChildren(App.errorBox(error));
        }
      }
    }

    async function rate(rating) {
      if (!card || !revealed || busy) return;
      busy = true;
      const duration = Math.min(86_400_000, Math.round(performance.now() - shownAt));
      try {
        const state = await call("learn.answer", { card_id: card.id, rating, duration_ms: duration });
        App.toast(RATINGS[rating - 1][1] + " · next in " + App.interval(Math.max(0, state.interval_days * 86400)));
      } catch (error) {
        busy = false;
        App.toast(App.describe(error), "error");
        return;
      }
      await next();
    }

    async function undo() {
      if (busy) return;
      busy = true;
      try {
        const result = await call("learn.undo");
        App.toast("Undone: " + result.undone.replace("_", " "));
      } catch (error) {
        App.toast(error.type === "NothingToUndo" ? "Nothing to undo" : App.describe(error), "error");
      }
      await next();
    }

    function onKey(event) {
      const typing = event.target.closest && event.target.closest("input, textarea, select");
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z" && !typing) {
        event.preventDefault();
        undo();
      } else if (typing || event.ctrlKey || event.metaKey || event.altKey || !card) {
        return;
      } else if (event.key === " " && !revealed) {
        event.preventDefault();
        if (card.kind === "circuit") location.hash = "#/exercise/" + card.id + "?from=review";
        else reveal();
      } else if (revealed && ["1", "2", "3", "4"].includes(event.key)) {
        event.preventDefault();
        rate(Number(event.key));
      }
    }

    document.addEventListener("keydown", onKey);
    next();
    return () => document.removeEventListener("keydown", onKey);
  },
});

// @ts-check
// Circuit exercises: a list, and an editor where the drawing and the measurement histogram
// follow the QASM text as it is typed; "Check" grades the circuit against the exercise's target
// with the simulator (learn.grade) and suggests a rating, which the learner can change.
"use strict";
App.screen("exercise", {
  title: "Exercises",
  async render(page, cardId, query) {
    const { el, call } = App;
    if (!cardId) return renderList();
    const card = await call("learn.card", { card_id: cardId });
    if (card.kind !== "circuit") throw Object.assign(new Error("card " + cardId + " is not a circuit exercise"), { type: "NotAnExercise" });
    const fromReview = query.get("from") === "review";
    const openedAt = performance.now();
    const skeleton = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[" + (card.target_qasm.match(/qreg\s+\w+\[(\d+)\]/) || [0, 1])[1] + "];\n";
    const editor = el("textarea", { id: "qasm-editor", class: "code", spellcheck: "false", rows: "10", "aria-label": "OpenQASM 2 program" });
    editor.value = card.starter || skeleton;
    const status = el("p", { class: "editor-status muted", id: "qasm-status", text: "" });
    const circuit = el("div", { class: "picture", id: "circuit-drawing" });
    const histogram = el("div", { class: "picture", id: "circuit-histogram" });
    const verdict = el("div", { class: "verdict", id: "verdict" });
    const check = el("button", { class: "primary", id: "check-circuit", text: "Check my circuit", onclick: grade });
    page.append(
      App.header("Circuit exercise", null, el("a", { class: "button ghost", href: fromReview ? "#/review" : "#/exercise", text: fromReview ? "Back to review" : "All exercises" })),
      el("div", { class: "exercise-layout" },
        el("div", { class: "panel" },
          el("div", { class: "chips" }, card.concepts.map((key) => el("a", { class: "chip", href: "#/map/" + encodeURIComponent(key), text: key }))),
          App.content.render(card.front, App.content.isHtml(card), "task"),
          el("p", { class: "small muted", text: card.mode === "state" ? "Graded by the final state (global phase ignored)." : "Graded by the measurement distribution: measure into a classical register." }),
          editor, status, el("div", { class: "row" }, check, el("span", { class: "small muted", text: "Ctrl+Enter" })), verdict),
        el("div", { class: "panel pictures-panel" }, el("h3", { text: "Circuit" }), circuit, el("h3", { text: "Measurements (1024 shots)" }), histogram)));

    let timer = null;
    let runId = 0;
    async function simulate() {
      const mine = ++runId;
      status.textContent = "Simulating…";
      status.className = "editor-status muted";
      try {
        const result = await call("quantum.run", { qasm: editor.value, shots: 1024, seed: 7, draw: true });
        if (mine !== runId) return;
        circuit.replaceChildren(App.svgImage(result.svg, "circuit diagram", "drawing"));
        histogram.replaceChildren(result.histogram_svg ? App.svgImage(result.histogram_svg, "measurement histogram", "drawing")
          : el("p", { class: "muted small", text: "No measurements: add measure q -> c; to sample outcomes." }));
        status.textContent = result.num_qubits + " qubit" + (result.num_qubits === 1 ? "" : "s") + " · simulated in " + (result.seconds * 1000).toFixed(1) + " ms";
      } catch (error) {
        if (mine !== runId) return;
        status.textContent = App.describe(error);
        status.className = "editor-status error";
      }
    }
    editor.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(simulate, 350); });
    editor.addEventListener("keydown", (event) => { if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); grade(); } });
    simulate();

    async function grade() {
      check.disabled = true;
      try {
        const result = await call("learn.grade", { card_id: card.id, answer: editor.value });
        verdict.replaceChildren(
          el("p", { class: "verdict-line " + (result.correct ? "correct" : "wrong"), text: result.correct ? "Correct" : "Not yet" }),
          el("p", { class: "small muted", text: result.detail }),
          result.correct && card.back ? App.content.render(card.back, App.content.isHtml(card), "explanation") : null,
          el("p", { class: "small", text: "Rate how it went (suggested: " + ["Again", "Hard", "Good", "Easy"][result.suggested_rating - 1] + ")" }),
          ratings(result.suggested_rating));
      } catch (error) {
        verdict.replaceChildren(App.errorBox(error));
      } finally {
        check.disabled = false;
      }
    }

    function ratings(suggested) {
      return el("div", { class: "ratings", id: "exercise-ratings" }, ["Again", "Hard", "Good", "Easy"].map((label, i) =>
        el("button", { class: "rating " + label.toLowerCase() + (suggested === i + 1 ? " suggested" : ""), dataset: { rating: String(i + 1) },
          onclick: () => answer(i + 1) }, el("span", { class: "rating-label", text: label }))));
    }

    async function answer(rating) {
      try {
        const state = await call("learn.answer", { card_id: card.id, rating, duration_ms: Math.min(86_400_000, Math.round(performance.now() - openedAt)) });
        App.toast("Saved · next in " + App.interval(Math.max(0, state.interval_days * 86400)));
        location.hash = fromReview ? "#/review" : "#/exercise";
      } catch (error) {
        App.toast(App.describe(error), "error");
      }
    }
    return () => clearTimeout(timer);

    async function renderList() {
      const collection = await App.collection.load();
      const exercises = collection.cards.filter((c) => c.note.kind === "circuit");
      page.append(App.header("Circuit exercises", "Build circuits in OpenQASM 2; the simulator checks them."));
      if (!exercises.length) {
        page.append(el("div", { class: "panel empty", text: "No circuit exercises in your collection yet. The quantum course has them." }));
        return;
      }
      const now = Date.now();
      page.append(el("div", { class: "exercise-grid", id: "exercise-list" }, exercises.map((card) => {
        const due = card.last_review && card.due / 1000 <= now;  // export times are microseconds
        return el("a", { class: "panel exercise-tile", href: "#/exercise/" + card.id },
          el("span", { class: "badge " + (card.last_review ? (due ? "due" : "review") : "new"), text: card.last_review ? (due ? "due" : "done") : "new" }),
          el("strong", { text: App.collection.cardTitle(card) }),
          el("span", { class: "small muted", text: card.concepts.join(", ") }));
      })));
    }
  },
});

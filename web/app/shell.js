// @ts-check
// The app shell: the interface and the last known counts on screen before the engine is ready.
// Python starts in a few seconds; the learner sees the Today screen at once, with the counts
// the engine last reported (kept in localStorage), marked "loading" until the real screen
// replaces it. The moment the shell is up is the performance mark "app-interactive".
"use strict";
App.shell = (function () {
  const KEY = "prometheus-app:today";
  const COUNTS = ["due_today", "new_today", "learning", "new_locked", "studied_today", "reviews_done_today",
    "cards", "notes", "reviews", "rolled_over", "suspended"];

  /** Keeps what learn.stats answered, for the next start. Storage refused: nothing kept. */
  function remember(stats) {
    try {
      localStorage.setItem(KEY, JSON.stringify({ saved: Date.now(), stats }));
    } catch { /* private mode or full: the next start shows no counts */ }
  }

  /** The kept counts, or null when there are none or they are not what `remember` wrote. */
  function recall() {
    let kept;
    try { kept = JSON.parse(localStorage.getItem(KEY)); } catch { return null; }
    if (!kept || typeof kept !== "object" || !Number.isFinite(kept.saved) || !kept.stats || typeof kept.stats !== "object") return null;
    const stats = kept.stats;
    const count = (name) => Number.isInteger(stats[name]) && stats[name] >= 0;
    const rate = stats.true_retention_30d;
    if (!COUNTS.every(count) || !(rate === null || (typeof rate === "number" && rate >= 0 && rate <= 1))) return null;
    if (!(stats.day === null || stats.day === undefined || /^\d{4}-\d{2}-\d{2}$/.test(stats.day))) return null;
    return kept;
  }

  /** Puts the shell in `view`: the cached Today screen (or the start-up panel already in the
   * page when nothing is cached, or the collection was empty), with the start-up progress. */
  function show(view) {
    const kept = recall();
    if (kept && kept.stats.cards > 0) {
      const page = App.el("section", { class: "screen screen-today shell", "aria-busy": "true" },
        App.el("div", { class: "startup-strip", role: "status" },
          App.el("div", { class: "progress" }, App.el("div", { id: "startup-bar" })),
          App.el("span", { id: "startup-status", class: "muted small", text: "Starting the engine…" })),
        ...App.todayView(kept.stats, kept));
      view.replaceChildren(page);
      const today = document.querySelector('#nav a[data-screen="today"]');
      if (today) today.classList.add("active");
    }
    document.documentElement.dataset.app = "shell";
    performance.mark("app-interactive");
  }

  return { remember, recall, show };
})();

// @ts-check
// Settings: desired retention, daily limits, the day's start; "optimize my parameters" fits
// FSRS to this learner's review log (progress bar, log loss before/after, then apply); the
// optimal retention is offered. Every change is one undoable engine call.
"use strict";
App.screen("settings", {
  title: "Settings",
  async render(page) {
    const { el, call } = App;
    const [settings, store] = await Promise.all([call("learn.settings"), call("store.info").catch(() => null)]);
    const retention = el("input", { type: "range", id: "desired-retention", min: "0.70", max: "0.99", step: "0.01", value: String(settings.desired_retention) });
    const retentionText = el("output", { text: App.percent(settings.desired_retention) });
    retention.addEventListener("input", () => { retentionText.textContent = App.percent(Number(retention.value)); });
    const number = (id, value, min, max) => el("input", { type: "number", id, min: String(min), max: String(max), step: "1", value: String(value) });
    const newPerDay = number("new-per-day", settings.new_per_day, 0, 9999);
    const reviewsPerDay = number("reviews-per-day", settings.reviews_per_day, 0, 99999);
    const dayStart = number("day-start", settings.day_start_hour, 0, 23);
    const bury = el("input", { type: "checkbox", id: "bury-siblings", checked: settings.bury_siblings });
    const saveSlot = el("span", { class: "small muted", id: "settings-saved" });
    const optimizeSlot = el("div", { class: "slot", id: "optimize-slot" });
    const optimalSlot = el("div", { class: "slot" });

    page.append(App.header("Settings", "How much to study each day and how well to remember."),
      el("div", { class: "two-col" },
        el("form", { class: "panel settings-form", id: "settings-form", onsubmit: save },
          el("h2", { text: "Study" }),
          field("Desired retention", el("div", { class: "range-row" }, retention, retentionText), "The chance of recalling a card when it comes due. Higher means more reviews."),
          field("New cards per day", newPerDay),
          field("Reviews per day", reviewsPerDay, "Due reviews beyond this roll over to the next day instead of piling up."),
          field("A new day starts at", el("div", { class: "range-row" }, dayStart, el("span", { class: "muted", text: ":00" }))),
          el("label", { class: "check" }, bury, " Keep sibling cards (of the same note) for another day"),
          el("div", { class: "row" }, el("button", { class: "primary", type: "submit", text: "Save" }), saveSlot)),
        el("div", { class: "stack" },
          el("section", { class: "panel" }, el("h2", { text: "Your memory model" }),
            el("p", { class: "muted", text: "FSRS predicts when you will forget. Fit its parameters to your own review history (at least a few hundred reviews help)." }),
            el("button", { id: "optimize", onclick: optimize }, "Optimize my parameters"), optimizeSlot,
            el("h3", { text: "Optimal retention" }),
            el("p", { class: "small muted", text: "The retention with the least study time per remembered card, simulated with your parameters." }),
            el("button", { class: "ghost", id: "optimal-retention", onclick: optimal }, "Compute"), optimalSlot),
          el("section", { class: "panel" }, el("h2", { text: "Storage" }),
            el("p", { class: "small", text: store ? (store.persistent ? "Saved on this device" + (store.protected ? ", protected from automatic clean-up." : ". The browser may clear it under storage pressure: keep a backup.") : "Not saved: this tab keeps everything in memory.") : "Storage information unavailable." }),
            el("p", { class: "small" }, el("a", { href: "#/transfer", text: "Back up or restore" }), " · ", el("a", { href: "demo/index.html", text: "Engine demo" }))))));

    function field(label, control, hint) {
      return el("label", { class: "field" }, el("span", { class: "field-label", text: label }), control, hint ? el("span", { class: "small muted", text: hint }) : null);
    }

    async function save(event) {
      event.preventDefault();
      const values = { desired_retention: Number(retention.value), new_per_day: Number(newPerDay.value), reviews_per_day: Number(reviewsPerDay.value),
        day_start_hour: Number(dayStart.value), bury_siblings: bury.checked };
      try {
        await call("learn.settings", { values });
        saveSlot.textContent = "Saved";
        App.toast("Settings saved");
      } catch (error) {
        saveSlot.replaceChildren(App.errorBox(error));
      }
    }

    async function optimize(event) {
      const button = event.target;
      button.disabled = true;
      try {
        const result = await App.withProgress(optimizeSlot, "Fitting FSRS to your reviews…", (bar) =>
          call("learn.optimize", {}, { onProgress: ({ stage, fraction }) => bar.set(fraction, "Optimizing: " + stage + " (" + Math.round(fraction * 100) + "%)") }));
        const loss = (v) => (v === null || v === undefined ? "—" : v.toFixed(4));
        const apply = el("button", { class: "primary", id: "apply-parameters", text: "Use these parameters", onclick: async () => {
          try { await call("learn.apply_parameters", { parameters: result.parameters }); apply.replaceWith(el("p", { class: "ok", text: "Applied. Undo with Ctrl+Z on the Review screen." })); }
          catch (error) { App.toast(App.describe(error), "error"); }
        } });
        optimizeSlot.append(el("div", { class: "optimize-result", id: "optimize-result" },
          el("div", { class: "stats-grid compact" }, App.stat("Reviews used", result.reviews), App.stat("Log loss before", loss(result.log_loss_before)),
            App.stat("Log loss after", loss(result.log_loss_after))),
          el("p", { class: "small muted", text: result.improved ? "Lower log loss: the fitted model predicts your recall better." : "The fit does not beat your current parameters on your history; keeping them is fine." }),
          result.improved ? apply : null));
      } catch { /* shown in the slot */ }
      button.disabled = false;
    }

    async function optimal() {
      try {
        const result = await App.withProgress(optimalSlot, "Simulating study plans…", () => call("learn.optimal_retention"));
        const use = el("button", { class: "ghost", text: "Use " + App.percent(result.optimal_retention), onclick: () => {
          retention.value = String(result.optimal_retention);
          retentionText.textContent = App.percent(result.optimal_retention);
          App.toast("Press Save to keep it");
        } });
        optimalSlot.replaceChildren(el("p", {}, "Optimal: ", el("strong", { text: App.percent(result.optimal_retention) }), " (now " + App.percent(result.desired_retention) + ") "), use);
      } catch { /* shown */ }
    }
  },
});

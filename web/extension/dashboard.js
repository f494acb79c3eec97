// @ts-check
/*
 * The full-tab dashboard: collection counts, export/import (to move a collection between the
 * extension and the web app), and FSRS optimization of a review history, all in this page's
 * engine worker. Opened while the side panel (or another engine page) holds the store, it
 * is a reader: counts, export and optimization work, importing waits until it takes over.
 */
"use strict";
(function () {
  /** @type {(id: string) => any} an element of dashboard.html: inputs, a progress bar, lists ... */
  const $ = (id) => document.getElementById(id);
  const { call, guarded, refreshSummary } = PrometheusPages;
  const LABELS = { cards: "Cards", reviews: "Reviews", due_today: "Due today", new_today: "New today" };

  async function showStats() {
    await guarded($("stats-note"), async () => {
      const summary = await refreshSummary();
      if (!summary) throw new PrometheusPages.Missing("learn.stats is not in this build of the engine");
      $("stats").replaceChildren(...Object.entries(LABELS).flatMap(([key, label]) => {
        const dt = document.createElement("dt");
        const dd = document.createElement("dd");
        dt.textContent = label;
        dd.textContent = summary[key];
        return [dt, dd];
      }));
    });
  }

  async function exportCollection() {
    await guarded($("move-note"), async () => {
      const exported = await call("learn.export", { format: "json" });  // {format, filename, data: JSON text}
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([exported.data], { type: "application/json" }));
      link.download = exported.filename.replace(/\.json$/, "-" + PrometheusSummary.localDay(Date.now()) + ".json");
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      $("move-note").textContent = "Exported.";
    });
  }

  function base64(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }

  async function importCollection() {
    const file = $("import").files[0];
    if (!file) return;
    if (PrometheusPages.role() !== "writer") {
      $("move-note").textContent = PrometheusPages.READER_NOTE;
      return;
    }
    $("move-note").textContent = "Importing " + file.name + "…";
    await guarded($("move-note"), async () => {
      const json = file.name.toLowerCase().endsWith(".json");
      const params = json ? { data: await file.text(), format: /** @type {const} */ ("json") } : { data: base64(await file.arrayBuffer()), format: /** @type {const} */ ("apkg") };
      const outcome = await call("learn.import", params);
      $("move-note").textContent = "Imported " + file.name + ": " + JSON.stringify(outcome);
      await showStats();
    });
  }

  async function optimize() {
    const file = $("optimize-csv").files[0];
    if (!file) return;
    const bar = $("optimize-progress");
    bar.hidden = false;
    $("optimize-note").textContent = "Optimizing on " + file.name + "…";
    await guarded($("optimize-note"), async () => {
      const result = await Prometheus.call("srs.optimize", { csv: await file.text() },
        { onProgress: ({ fraction }) => { bar.value = fraction; } });
      // srs.optimize's result is typed Record<string, JsonValue> in the generated d.ts; its metrics are Metrics.
      const measured = /** @type {import("../prometheus").Metrics | undefined} */ (/** @type {unknown} */ (result.metrics));
      const metrics = measured ? " log loss " + measured.log_loss.toFixed(4) + ", RMSE(bins) " + measured.rmse_bins.toFixed(4) : "";
      $("optimize-note").textContent = "Done (" + result.rule + ")" + metrics + ".";
      $("optimize-result").textContent = JSON.stringify(result.parameters);
      document.body.dataset.optimized = "true";
    });
    bar.hidden = true;
  }

  $("export").addEventListener("click", exportCollection);
  $("import").addEventListener("change", importCollection);
  $("optimize-csv").addEventListener("change", optimize);
  let known = null;
  PrometheusPages.onRole((role) => {
    $("import").disabled = role !== "writer";
    $("move-note").textContent = role === "writer" ? "" : PrometheusPages.READER_NOTE;
    if (known === "reader" && role === "writer") showStats();  // took over: the counts as committed
    known = role;
  });
  PrometheusPages.start($("status")).then(showStats, () => {});
})();

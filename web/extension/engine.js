// @ts-check
/*
 * What the engine pages (side panel, dashboard) share: start-up status from the `Prometheus`
 * global that prometheus.js defines, calls that tell a method missing from this build
 * (UnknownMethod: shown on the page, not an error) from a real failure, and the summary
 * refresh after every change to the collection, and the store role: the collection is kept in
 * IndexedDB with one writer page per origin (Web Locks), so a second engine page (the editor
 * in a tab, the dashboard) is a reader that shows the data but cannot change it until the
 * writer closes; its writing calls would reject with StoreBusy.
 */
"use strict";
self.PrometheusPages = (function () {
  class Missing extends Error {}
  const EXPECTED = ["ValidationError", "InvalidParams", "StoreBusy"];  // told to the user, not bugs
  const READER_NOTE = "Another open Prometheus page (the side panel or a tab) is editing the collection: "
    + "make changes there. This page shows the data and takes over when that page closes.";

  /** "writer" or "reader" (the store's role for this page); "writer" before the engine is ready. */
  function role() {
    const store = Prometheus.capabilities && Prometheus.capabilities.store;
    return store && store.role ? store.role : "writer";
  }

  /** Calls `apply(role)` once the engine is ready and again when this page takes over writing. */
  function onRole(apply) {
    Prometheus.on("store", (event) => {
      if (event.event === "role") apply(event.role);
    });
    return Prometheus.ready.then(() => apply(role()), () => {});
  }

  /** Shows start-up progress in `status`; resolves when the engine is ready. */
  function start(status) {
    Prometheus.on("progress", ({ stage, fraction }) => {
      status.textContent = "Starting the engine: " + stage + " (" + Math.round(fraction * 100) + "%)";
    });
    return Prometheus.ready.then((capabilities) => {
      status.textContent = "Ready";
      document.body.dataset.role = role();
      document.body.dataset.state = "ready";
      return capabilities;
    }, (error) => {
      status.textContent = "The engine did not start: " + error.message;
      document.body.dataset.state = "failed";
      throw error;
    });
  }
  Prometheus.on("store", (event) => {
    if (event.event === "role") document.body.dataset.role = event.role;
  });

  /** Prometheus.call, with a method this build lacks turned into a `Missing` error. */
  async function call(method, params) {
    try {
      return await Prometheus.call(method, params);
    } catch (error) {
      if (error.type === "UnknownMethod") throw new Missing(method + " is not in this build of the engine");
      throw error;
    }
  }

  /** Writes the summary the badge and popup read (learn.stats); null when there is no collection. */
  async function refreshSummary() {
    try {
      return await PrometheusSummary.write(await call("learn.stats"));
    } catch (error) {
      if (error instanceof Missing) return null;
      throw error;
    }
  }

  /** Runs `work`, showing a Missing or failed call in `where` instead of throwing. */
  async function guarded(where, work) {
    try {
      return await work();
    } catch (error) {
      const expected = error instanceof Missing || EXPECTED.includes(error.type);  // not bugs: no console error
      where.textContent = error instanceof Missing ? error.message + "." : (error.type || "Error") + ": " + error.message;
      where.classList.add(error instanceof Missing ? "missing" : "failed");
      if (!expected) console.error(error);
      return undefined;
    }
  }

  return { Missing, READER_NOTE, start, call, refreshSummary, guarded, role, onRole };
})();

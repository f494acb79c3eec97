/*
 * What the engine pages (side panel, dashboard) share: start-up status from the `Prometheus`
 * global that prometheus.js defines, calls that tell a method missing from this build
 * (UnknownMethod: shown on the page, not an error) from a real failure, and the summary
 * refresh after every change to the collection.
 */
"use strict";
self.PrometheusPages = (function () {
  class Missing extends Error {}
  const EXPECTED = ["ValidationError", "InvalidParams"];  // bad input, told to the user

  /** Shows start-up progress in `status`; resolves when the engine is ready. */
  function start(status) {
    Prometheus.on("progress", ({ stage, fraction }) => {
      status.textContent = "Starting the engine: " + stage + " (" + Math.round(fraction * 100) + "%)";
    });
    return Prometheus.ready.then((capabilities) => {
      status.textContent = "Ready";
      document.body.dataset.state = "ready";
      return capabilities;
    }, (error) => {
      status.textContent = "The engine did not start: " + error.message;
      document.body.dataset.state = "failed";
      throw error;
    });
  }

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

  return { Missing, start, call, refreshSummary, guarded };
})();

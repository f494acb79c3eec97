// @ts-check
// Demo page: start-up progress, the capability report, and one panel per engine.
"use strict";
(function () {
  const { $ } = ui;
  const show = (text, isError) => { $("result").textContent = text; $("result").classList.toggle("error", !!isError); };

  Prometheus.on("progress", ({ stage, fraction }) => {
    $("progress-bar").style.width = Math.round(fraction * 100) + "%";
    $("status").textContent = "Loading: " + stage + " (" + Math.round(fraction * 100) + "%)";
  });
  Prometheus.on("error", (error) => { $("status").textContent = "Failed to start: " + error.message; });

  for (const tab of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("#tabs button"))) {
    tab.addEventListener("click", () => {
      for (const other of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("#tabs button"))) {
        other.setAttribute("aria-selected", String(other === tab));
        $(other.dataset.tab).hidden = other !== tab;
      }
    });
  }

  async function summarize() {
    const values = $("numbers").value.split(/[\s,]+/).filter(Boolean).map(Number);
    try {
      const stats = await Prometheus.call("core.stats", { values });
      show(Object.entries(stats).map(([k, v]) => k.padEnd(5) + " " + (Number.isInteger(v) ? v : v.toFixed(4))).join("\n"));
    } catch (error) {
      show(error.type + ": " + error.message, true);
    }
  }

  Prometheus.ready.then(async (capabilities) => {
    const info = await Prometheus.call("core.info");
    $("status").textContent = "Ready: prometheus " + info.version + " on Python " + info.python + " (" + info.platform + "), numpy " + info.numpy;
    const rows = {
      "WebGPU": capabilities.webgpu.available ? "yes (" + [capabilities.webgpu.vendor, capabilities.webgpu.architecture].filter(Boolean).join(", ") + ")" : "no, numpy fallback",
      "Cross-origin isolated": capabilities.crossOriginIsolated ? "yes" : "no",
      "Persistent storage": capabilities.storage.persisted ? "granted" : "not granted",
    };
    $("capabilities").replaceChildren(...Object.entries(rows).flatMap(([k, v]) => [ui.el("dt", { textContent: k }), ui.el("dd", { textContent: v })]));
    $("capabilities").hidden = false;
    /** @type {HTMLButtonElement} */ (document.querySelector("#stats-form button")).disabled = false;
    await summarize();
    for (const panel of [graphPanel, reviewPanel, quantumPanel, searchPanel]) {
      // Some panels start synchronously (no promise): wrap, so none throws "reading 'catch'".
      Promise.resolve().then(() => panel.start()).catch((error) => console.error("panel failed to start", error));
    }
  });
  $("stats-form").addEventListener("submit", (event) => { event.preventDefault(); summarize(); });
})();

// @ts-check
// Search panel: index the lines of the text box, then query them by meaning.
"use strict";
window.searchPanel = (function () {
  const { $, el } = ui;
  let indexed = "";
  let lines = [];

  async function search() {
    const button = $("search-form").querySelector("button");
    button.disabled = true;
    try {
      lines = $("search-items").value.split("\n").map((l) => l.trim()).filter(Boolean);
      if (lines.join("\n") !== indexed) {
        $("search-status").textContent = "Loading the model and indexing " + lines.length + " lines…";
        await Prometheus.call("infer.index_clear");
        await Prometheus.call("infer.index_add", { ids: lines.map((_, i) => "line-" + i), texts: lines });
        indexed = lines.join("\n");
      }
      const hits = await Prometheus.call("infer.search", { query: $("search-query").value, k: 3 });
      $("search-results").replaceChildren(...hits.map((hit) =>
        el("li", { textContent: hit.score.toFixed(3) + "  " + lines[Number(String(hit.id).slice(5))] })));
      $("search-status").textContent = "";
    } catch (error) {
      ui.error($("search-results"), error);
      $("search-status").textContent = "";
    } finally {
      button.disabled = false;
    }
  }

  function start() {
    $("search-form").querySelector("button").disabled = false;
    $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  }
  return { start };
})();

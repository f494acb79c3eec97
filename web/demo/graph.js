// @ts-check
// Knowledge-graph panel: a small course graph and a Cypher box.
"use strict";
window.graphPanel = (function () {
  const { $, el } = ui;
  const COURSE = `
    CREATE (q:Concept {name: 'Qubit'}), (s:Concept {name: 'Superposition'}),
           (m:Concept {name: 'Measurement'}), (e:Concept {name: 'Entanglement'}),
           (g:Concept {name: 'Quantum gates'}), (t:Concept {name: 'Quantum teleportation'}),
           (l:Concept {name: 'Linear algebra'}),
           (s)-[:REQUIRES]->(q), (q)-[:REQUIRES]->(l), (g)-[:REQUIRES]->(l), (m)-[:REQUIRES]->(s),
           (e)-[:REQUIRES]->(g), (e)-[:REQUIRES]->(s), (t)-[:REQUIRES]->(e), (t)-[:REQUIRES]->(m)`;

  async function run() {
    const target = $("cypher-result");
    try {
      const result = await Prometheus.call("graph.run", { query: $("cypher").value });
      const head = el("tr", {}, ...result.keys.map((key) => el("th", { textContent: key })));
      const rows = result.rows.map((row) => el("tr", {}, ...row.map((v) => el("td", { textContent: ui.format(v) }))));
      target.replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
      $("cypher-summary").textContent = rows.length + " row(s)";
    } catch (error) {
      ui.error(target, error);
      $("cypher-summary").textContent = "";
    }
  }

  async function start() {
    // The graph persists: add the sample course once, and only from the tab that writes.
    const existing = await Prometheus.call("graph.run", { query: "MATCH (c:Concept) RETURN count(c)" });
    if (existing.rows[0][0] === 0 && Prometheus.capabilities.store.role === "writer") {
      await Prometheus.call("graph.run", { query: COURSE });
    }
    $("cypher-run").disabled = false;
    $("cypher-run").addEventListener("click", run);
    await run();
  }
  return { start };
})();

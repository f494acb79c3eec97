// @ts-check
// Quantum panel: run OpenQASM, draw the circuit and the histogram of counts.
"use strict";
window.quantumPanel = (function () {
  const { $ } = ui;

  async function run() {
    try {
      const result = await Prometheus.call("quantum.run", { qasm: $("qasm").value, shots: 1024, seed: 7, draw: true });
      ui.showSvg($("circuit-svg"), result.svg);
      ui.showSvg($("histogram-svg"), result.histogram_svg);
      $("qasm-summary").textContent = result.num_qubits + " qubits, " + (result.seconds * 1000).toFixed(1) + " ms";
      $("qasm-summary").classList.remove("error");
    } catch (error) {
      $("qasm-summary").textContent = error.type + ": " + error.message;
      $("qasm-summary").classList.add("error");
    }
  }

  function start() {
    $("qasm-run").disabled = false;
    $("qasm-run").addEventListener("click", run);
    return run();
  }
  return { start };
})();

"""worker/offset_table.js with the bundle's Pyodide under node: a runtime started with its offset
table deferred is the runtime a stock start gives. Two start in one process, the first stock (the
oracle), the second through definingRuntimeFactory, as the worker starts it (the runtime's script
run as a classic script, the worker's fallback: the browser tests cover the module import); then
their function tables must be the same
slot for slot, and every entry of the stock table (made as the runtime starts) must have its twin,
made when read, holding the same value. numpy, whose extension modules import their symbols
through the table, must then load and compute what CPython's numpy computes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy

from tests.core.bundle_node import bundle_pyodide, run_module

WORKER = Path(__file__).resolve().parents[2] / "worker"

SCRIPT = """
const dist = %(dist)s;
const fs = await import("fs");
const vm = await import("vm");
for (const part of %(worker)s) vm.runInThisContext(fs.readFileSync(part, "utf8"), { filename: part });  // its factory uses both
const { loadPyodide } = await import(dist + "pyodide.mjs");
const stock = await loadPyodide({ indexURL: dist });  // imports the runtime's script as a module
// As the worker does, before the script runs; here it then runs as a classic script (the worker's
// fallback where import() fails), which declares the property a `var` and assigns it twice.
let loaded;
definingRuntimeFactory(new Promise((resolve) => { loaded = resolve; }), "pyodide.asm.js");
const starting = loadPyodide({ indexURL: dist });
globalThis.require = (await import("module")).createRequire(import.meta.url);  // what a classic script
globalThis.__dirname = dist;  // has under node, which the runtime's script looks for there
const importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;  // it imports node's modules
vm.runInThisContext(fs.readFileSync(dist + "pyodide.asm.js", "utf8"), { filename: "pyodide.asm.js", importModuleDynamically });
loaded();
const deferred = await starting;
const S = stock._module, D = deferred._module;
const made = { stock: Object.keys(S.GOT).length, deferred: Object.keys(D.GOT).length };
const slots = (M) => Array.from({ length: M.wasmTable.length }, (_, i) => { const f = M.wasmTable.get(i); return f ? f.name : null; });
const sameTable = JSON.stringify(slots(S)) === JSON.stringify(slots(D));
await deferred.loadPackage(["numpy"], { messageCallback: () => {} });
const answer = deferred.runPython(%(check)s);
const readByNumpy = Object.keys(D.GOT).length - made.deferred;
const differing = Object.keys(S.GOT).filter((name) => !(D.GOT[name] instanceof WebAssembly.Global) || D.GOT[name].value !== S.GOT[name].value);
console.log(JSON.stringify({ made, tableLength: [S.wasmTable.length, D.wasmTable.length], sameTable, answer, readByNumpy, differing: differing.slice(0, 10), compared: Object.keys(S.GOT).length }));
"""

SYSTEM = ([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], [1.0, 2.0, 3.0])
CHECK = f"import json, numpy; json.dumps(numpy.linalg.solve({SYSTEM[0]}, {SYSTEM[1]}).tolist())"


def test_a_deferred_offset_table_holds_what_a_stock_start_makes(tmp_path):
    dist, _ = bundle_pyodide()
    result = run_module(
        tmp_path,
        SCRIPT
        % {
            "dist": json.dumps(str(dist) + "/"),
            "worker": json.dumps(
                [str(WORKER / name) for name in ("offset_table.js", "invoke_trampolines.js")]
            ),
            "check": json.dumps(CHECK),
        },
    )
    # the stock start made an entry for each export; the deferred one only those the runtime read
    made = result["made"]
    assert made["stock"] > 5000 and made["deferred"] < made["stock"] // 10, made
    assert result["sameTable"], result["tableLength"]
    assert result["readByNumpy"] > 0  # numpy's extension modules linked through entries made when read
    assert result["differing"] == [] and result["compared"] == made["stock"]
    assert numpy.allclose(json.loads(result["answer"]), numpy.linalg.solve(*SYSTEM), rtol=1e-12)

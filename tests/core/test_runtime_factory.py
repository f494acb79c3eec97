"""The runtime started as the worker starts it (worker/offset_table.js's definingRuntimeFactory:
its offset table deferred, its function table filled by worker/function_table.js), with the
bundle's Pyodide under node, against a stock start.

Three runtimes start in one process: a stock one (the oracle); one through definingRuntimeFactory
as the worker starts it when it will keep a snapshot (offset-table entries made when first read,
JavaScript functions' wrappers made ahead, the plan of the slots the linker gave kept), its script
run as a classic script (the worker's fallback; the browser tests cover the module import); and
one as a start that restores a snapshot, its exports placed by that plan and linked in bulk (worker/linking.js:
its linker sees only the exports it must; the rest answer when first asked for). Their function tables
must be the same slot for slot (a wasm function by its index, a JavaScript function's wrapper by
the function it calls), every entry of the stock offset table must have its twin, made when read,
holding the same value, and numpy, whose extension modules link through both tables, must compute
what CPython's numpy computes in the planned one. A plan that does not fit (another slot, a broken
sequence, another length) is refused; the wrappers made by one module behave as Emscripten's own
(convertJsFunctionToWasm) for every kind of value. The bulk-linked start's copy of the exports and
its imports answer as the stock linker's, export for export."""

from __future__ import annotations

import json

import numpy
import pytest

from tests.core.bundle_node import bundle_pyodide, run_module, runtime_factory_parts

SCRIPT = """
const dist = %(dist)s;
const fs = await import("fs");
const vm = await import("vm");
for (const part of %(worker)s) vm.runInThisContext(fs.readFileSync(part, "utf8"), { filename: part });
const { loadPyodide } = await import(dist + "pyodide.mjs");
const stock = await loadPyodide({ indexURL: dist });  // imports the runtime's script as a module
// The instances the runtimes of definingRuntimeFactory take in (the plan is of their exports),
// and what their linker answered (its copy of the exports).
const instances = [], linkedExports = [];
const taking = takingIn;
globalThis.takingIn = (runtime, imports, instance, planning, receive) => {
  instances.push(instance);
  const linked = taking(runtime, imports, instance, planning, receive);
  linkedExports.push(linked);
  return linked;
};
// As the worker does, before the script runs; here it then runs as a classic script, which
// declares the property a `var` and assigns it twice.
let loaded;
definingRuntimeFactory(new Promise((resolve) => { loaded = resolve; }), "pyodide.asm.js");
const recording = { plan: null };
const recordingStart = loadPyodide({ indexURL: dist, functionTable: recording });
globalThis.require = (await import("module")).createRequire(import.meta.url);  // what a classic script
globalThis.__dirname = dist;  // has under node, which the runtime's script looks for there
const importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;  // it imports node's modules
vm.runInThisContext(fs.readFileSync(dist + "pyodide.asm.js", "utf8"), { filename: "pyodide.asm.js", importModuleDynamically });
loaded();
const recorded = await recordingStart;
const planning = { plan: recording.made };
const planned = await loadPyodide({ indexURL: dist, functionTable: planning });
const S = stock._module, R = recorded._module, P = planned._module;
const made = { stock: Object.keys(S.GOT).length, recorded: Object.keys(R.GOT).length, planned: Object.keys(P.GOT).length };

// Each slot: a JavaScript function's wrapper as "js:" and the (first) name the runtime imports
// the function under; else the table's function by its name (a wasm function's index).
const env = (M) => M.LDSO.loadedLibsByName.__main__.exports;
const describe = (M) => {
  const jsAt = new Map();
  for (const name of Object.keys(env(M)).sort()) {
    const f = env(M)[name];
    if (typeof f !== "function") continue;
    const slot = M.getFunctionAddress(f);
    if (slot && M.wasmTable.get(slot) !== f && !jsAt.has(slot)) jsAt.set(slot, name);
  }
  return Array.from({ length: M.wasmTable.length }, (_, i) => {
    if (jsAt.has(i)) return "js:" + jsAt.get(i);
    const f = M.wasmTable.get(i);
    return f ? f.name : null;
  });
};
const tables = { S: describe(S), R: describe(R), P: describe(P) };
const tableLengths = [S.wasmTable.length, R.wasmTable.length, P.wasmTable.length];  // before numpy loads
const firstDifference = (a, b) => { const i = a.findIndex((x, k) => x !== b[k]); return i < 0 && a.length === b.length ? null : [i, a[i], b[i], a.length, b.length]; };
// (read after numpy has loaded: reading an entry makes it)
const differingOffsets = (M) => Object.keys(S.GOT).filter((name) => !(M.GOT[name] instanceof WebAssembly.Global) || M.GOT[name].value !== S.GOT[name].value);
const plan = recording.made;
// The linker's results: its copy of the exports (R: the stock linker saw every export; P: only
// the plan's eager ones, the rest linked in bulk), and the imports side modules link against.
const described = (v) => typeof v === "function" ? (/^\\d+$/.test(v.name) ? "wasm:" + v.name : "js:" + v.name + "/" + v.length)
  : v instanceof WebAssembly.Global ? "global:" + v.value : typeof v + ":" + String(v);
const differingEntries = (a, b, own = true) => [...new Set([...Object.keys(a), ...Object.keys(b)])]
  .filter((k) => (own && Object.hasOwn(a, k) !== Object.hasOwn(b, k)) || described(a[k]) !== described(b[k]));
const [linkedR, linkedP] = linkedExports;
// the linker's own wrappers (of pointer results) of no arguments, called in both: the same answers
const wrappedCalls = Object.keys(linkedR).filter((k) => typeof linkedR[k] === "function" && !/^\\d+$/.test(linkedR[k].name) && linkedR[k].length === 0);
// The imports define the exports once first asked about a name they lack (or given one), as
// mergeLibSymbols would have: a JavaScript function stays, a stub or a falsy value is replaced.
const lazyImports = { js: () => 1, stubbed: Object.assign(() => 0, { stub: true }), zero: 0 };
const exportValues = { js: "export js", stubbed: "export stubbed", zero: "export zero", fresh: "export fresh" };
const asks = { get: (e) => e.missing, has: (e) => "missing" in e, set: (e) => { e.open64 = 1; }, hasOwnProperty: (e) => e.hasOwnProperty("fresh") };
const imported = Object.fromEntries(Object.entries(asks).map(([ask, asking]) => {
  const e = { ...lazyImports };
  definingWhenAsked(e, Object.keys(exportValues), (name) => exportValues[name]);
  const before = Object.keys(e).length;
  const answer = asking(e);
  return [ask, { before, answer: answer === undefined ? null : answer, js: e.js === lazyImports.js, stubbed: e.stubbed, zero: e.zero,
    fresh: Object.hasOwn(e, "fresh") ? e.fresh : null, prototype: Object.getPrototypeOf(e) === Object.prototype }];
}));
const linking = {
  imported,
  bulk: planning.linked === "bulk", eager: plan.eager ? plan.eager.length : null, exports: Object.keys(linkedR).length,
  exportsDiffer: differingEntries(linkedR, linkedP, false).slice(0, 5),  // P's copy is read by name only
  importsDiffer: { S: differingEntries(env(S), env(P)).slice(0, 5), R: differingEntries(env(R), env(P)).slice(0, 5) },
  imports: Object.keys(env(P)).length,
  wrappedCalls: wrappedCalls.map((k) => [k, linkedR[k](), linkedP[k]()]),
  dynCalls: Object.keys(S).filter((k) => k.startsWith("dynCall_")).filter((k) => typeof P[k] !== typeof S[k]),
};
const wrappedSignatures = [...new Set(tables.R.filter((d) => d && d.startsWith("js:")).map((d) => env(R)[d.slice(3)].sig))].sort();

// Plans that do not fit this runtime, checked against the planned runtime's initial contents.
const instanceExports = Object.values(instances[1].exports);
const refused = {};
const present = [...plan.slots.keys()].filter((i) => plan.slots[i] > 0 && plan.slots[i] < plan.initial);
const added = [...plan.slots.keys()].filter((i) => plan.slots[i] >= plan.initial);
const variant = (change) => { const slots = plan.slots.slice(); change(slots); return { initial: plan.initial, slots }; };
const fits = (p) => planPlaces(P.wasmTable, plan.initial, instanceExports, p) !== null;
refused.asKept = !fits(plan);
refused.anotherSlot = !fits(variant((s) => { s[present[0]] = plan.slots[present[1]]; }));
refused.aSkippedSlot = !fits(variant((s) => { s[added[0]] += 1; }));
refused.sharedOutOfTurn = !fits(variant((s) => { s[added[1]] = plan.slots[added[0]]; }));
refused.negative = !fits(variant((s) => { s[present[0]] = -1; }));
refused.shorter = !fits({ initial: plan.initial, slots: plan.slots.subarray(1) });
refused.anotherLength = planPlaces(P.wasmTable, plan.initial + 1, instanceExports, plan) === null;
const file = tablePlanFile(plan);
const read = tablePlanOfFile(file);
const sameWords = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const files = {
  roundTrip: read.initial === plan.initial && sameWords(read.slots, plan.slots) && sameWords(read.eager, plan.eager),
  eagerOutOfRange: tablePlanOfFile(tablePlanFile({ initial: plan.initial, slots: plan.slots, eager: Int32Array.of(plan.slots.length) })).eager === null,
  cutShort: tablePlanOfFile(file.subarray(0, file.length - 4)) === null,
  oddLength: tablePlanOfFile(file.subarray(0, file.length - 1)) === null,
  anotherMagic: tablePlanOfFile(Uint8Array.of(1, ...file.subarray(1))) === null,
};

// The wrappers against Emscripten's, for every signature the runtime's JavaScript functions have
// and every kind of value: what the function sees and what the caller gets.
const letters = "ipjfde";
const argument = (c, i) => c === "j" ? (1n << 63n) + BigInt(i * 7919 + 5) : c === "f" || c === "d" ? 0.1 * (i + 1)
  : c === "e" ? { object: i } : 3.7e9 + i;
const result = (c) => c === "j" ? (1n << 64n) + 7n : c === "f" ? 0.1 : c === "d" ? -0.375 : c === "e" ? { answer: true } : c === "v" ? 5 : 4294967297 + 2;
const same = (a, b) => (typeof a === "bigint" || typeof b === "bigint") ? a === b : (typeof a === "object" && a !== null ? a === b : Object.is(a, b));
const signatures = [...new Set([...wrappedSignatures, "v", ...[...letters].map((c) => c + letters)])];
const probes = signatures.map((sig) => { const answer = result(sig[0]); const probe = (...got) => { probe.seen = got; return answer; }; return [probe, sig]; });
const ours = javaScriptFunctionWrappers(probes);
const behaviour = probes.map(([probe, sig]) => {
  const args = [...sig.slice(1)].map(argument);
  const call = (f) => { probe.seen = null; const r = f(...args); return { r, seen: probe.seen }; };
  const a = call(ours.get(probe)), b = call(S.convertJsFunctionToWasm(probe, sig));
  return { sig, same: same(a.r, b.r) && a.seen.length === b.seen.length && a.seen.every((v, i) => same(v, b.seen[i])), wasm: typeof ours.get(probe) === "function" && ours.get(probe) !== probe };
});
const malloc = P.LDSO.loadedLibsByName.__main__.exports.malloc;
const wasmOwn = javaScriptFunctionWrappers([[probes[0][0], probes[0][1]], [malloc, "pp"]]);
const wasmOther = javaScriptFunctionWrappers([[probes[0][0], probes[0][1]], [malloc, "vd"]]);

await planned.loadPackage(["numpy"], { messageCallback: () => {} });
const answer = planned.runPython(%(check)s);
const readByNumpy = Object.keys(P.GOT).length - made.planned;
console.log(JSON.stringify({
  made, readByNumpy,
  placed: planning.placed === true, recordedMade: Boolean(plan),
  planCounts: { exports: plan.slots.length, present: present.length, added: new Set(added.map((i) => plan.slots[i])).size, initial: plan.initial },
  tableLengths,
  recordedDifference: firstDifference(tables.S, tables.R), plannedDifference: firstDifference(tables.S, tables.P),
  jsSlots: tables.S.filter((d) => d && d.startsWith("js:")).length,
  differingOffsets: { R: differingOffsets(R).slice(0, 5), P: differingOffsets(P).slice(0, 5) }, offsets: Object.keys(S.GOT).length,
  wrappedSignatures, refused, files, behaviour, linking,
  wasmOwn: wasmOwn !== null && wasmOwn.get(malloc) === malloc, wasmOther: wasmOther === null,
  answer,
}));
"""

SYSTEM = ([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], [1.0, 2.0, 3.0])
CHECK = f"import json, numpy; json.dumps(numpy.linalg.solve({SYSTEM[0]}, {SYSTEM[1]}).tolist())"


@pytest.fixture(scope="module")
def starts(tmp_path_factory):
    dist, _ = bundle_pyodide()
    return run_module(
        tmp_path_factory.mktemp("function_table"),
        SCRIPT
        % {
            "dist": json.dumps(str(dist) + "/"),
            "worker": json.dumps([str(part) for part in runtime_factory_parts()]),
            "check": json.dumps(CHECK),
        },
    )


def test_a_start_placing_its_exports_by_the_kept_plan_has_the_stock_function_table(starts):
    assert starts["recordedMade"] and starts["placed"]
    counts = starts["planCounts"]
    # the linker placed thousands of exports, some in the initial contents, most in new slots
    assert counts["present"] > 100 and counts["added"] > 4000 and counts["exports"] > 9000, counts
    lengths = starts["tableLengths"]
    # then the JavaScript functions' wrappers
    assert lengths[0] == lengths[1] == lengths[2] > counts["initial"] + counts["added"], (lengths, counts)
    assert starts["jsSlots"] > 100  # JavaScript functions' wrappers among them (~170 today)
    assert starts["recordedDifference"] is None and starts["plannedDifference"] is None


def test_offset_table_entries_are_made_when_read_with_the_stock_values(starts):
    # the stock start made an entry for each export; the others only those the runtime read
    made = starts["made"]
    assert made["stock"] > 5000 and max(made["recorded"], made["planned"]) < made["stock"] // 10, made
    assert starts["readByNumpy"] > 0  # numpy's extension modules linked through entries made when read
    assert starts["differingOffsets"] == {"R": [], "P": []} and starts["offsets"] == made["stock"]


def test_a_start_linking_in_bulk_has_the_stock_linkers_exports_and_imports(starts):
    linking = starts["linking"]
    # the planned start's linker saw a few hundred of the ~9,800 exports; the rest were linked in bulk
    assert linking["bulk"] and 10 < linking["eager"] < linking["exports"] // 10, linking
    assert linking["exportsDiffer"] == [] and linking["importsDiffer"] == {"R": [], "S": []}, linking
    assert linking["imports"] > linking["exports"]  # every export, with the runtime's JavaScript functions
    # its wrappers of pointer results wrap the exports they should: the same answers as the stock's
    calls = linking["wrappedCalls"]
    assert len(calls) >= 3 and all(stock == bulk and stock > 0 for _, stock, bulk in calls), calls
    assert linking["dynCalls"] == []
    expected = {
        "before": 3,
        "js": True,
        "stubbed": "export stubbed",
        "zero": "export zero",
        "fresh": "export fresh",
        "prototype": True,
    }
    answers = {
        "get": None,
        "has": False,
        "set": None,
        "hasOwnProperty": True,
    }  # dlsym's question answered as after the merge
    for ask, seen in linking["imported"].items():
        assert seen == {**expected, "answer": answers[ask]}, (ask, seen)


def test_numpy_links_and_computes_in_the_planned_runtime(starts):
    assert numpy.allclose(json.loads(starts["answer"]), numpy.linalg.solve(*SYSTEM), rtol=1e-12)


def test_a_plan_that_does_not_fit_is_refused(starts):
    refused = starts["refused"]
    assert refused.pop("asKept") is False  # the kept plan fits
    assert all(refused.values()), refused
    assert all(starts["files"].values()), starts["files"]


def test_the_wrappers_from_one_module_behave_as_emscriptens_own(starts):
    # the runtime's JavaScript functions' signatures are among those compared
    assert len(starts["wrappedSignatures"]) > 5
    rows = starts["behaviour"]
    assert {row["sig"][0] for row in rows} >= set("vipjfde")
    assert all(row["same"] and row["wasm"] for row in rows), [
        row for row in rows if not (row["same"] and row["wasm"])
    ]
    assert starts["wasmOwn"]  # a WebAssembly function of its own signature is itself
    assert starts["wasmOther"]  # one of another signature: no module (the linker wraps each)

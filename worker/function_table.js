// @ts-check
/*
 * The runtime's function table, filled as a stock start fills it, without most of the work.
 *
 * As the runtime takes in its instance, Emscripten's dynamic linker gives each exported function
 * a slot in the function table: the value of its entry in the global offset table
 * (offset_table.js), which the start-up snapshot's memory holds. That is the slot the function
 * already has in the table's initial contents, or else a new one at the end, in the exports'
 * order; to know the initial contents' slots, the linker reads all ~6,650 of them (each read makes
 * a function object), and the ~5,300 new ones come one growth of the table at a time. Then each
 * JavaScript function whose address the runtime takes gets a slot holding a WebAssembly function
 * that calls it, which Emscripten makes with a module of its own (~170 instantiated). A CPU
 * profile of a warm start put ~40% of taking in the instance there (73 ms by marks, on the worker's
 * thread, which the start waits on); with what follows, 55 ms (medians of 5 warm starts).
 *
 * Here, a start that keeps a snapshot keeps with it the slot the linker gave each export (its
 * table plan, functionTablePlan), and a start that restores the snapshot places the exports in
 * those slots itself (placeExports: one growth), once the plan is checked against the table (each
 * slot of the initial contents holds its export; the new ones are the sequence the linker gives).
 * The linker's map of the table's functions then holds the exports' slots without reading the
 * initial contents; their other functions are not in it, and it is not asked about them: it
 * answers for the functions given to addFunction and dlsym (exports, JavaScript functions, side
 * modules' functions, whose slots it reads as each side module loads). And the JavaScript
 * functions' wrappers are made ahead by one module that imports them all and exports each (what
 * Emscripten's convertJsFunctionToWasm does for one); the table, asked to hold one of those
 * functions, holds its wrapper, as it would hold Emscripten's. Tested against a stock start,
 * slot for slot, in tests/core/test_offset_table.py.
 */
"use strict";

// A kept table plan's file: these four bytes ("TPL2"), the table's initial length, the number of
// exports, the number of those the linker must see (FunctionTablePlan.eager), then each export's
// slot (0: none), then the indices of those it must see, all 32-bit little-endian words.
const TABLE_PLAN_MAGIC = 0x324c5054;
const TABLE_PLAN_HEADER = 4;
// The signatures a wrapper can have (Emscripten's letters, result first).
const WRAPPED_SIGNATURE = /^[vijpfde][ijpfde]*$/;

/**
 * `settings` (the runtime's Emscripten settings), with its instantiateWasm wrapped: the runtime
 * takes in its instance with its JavaScript functions' wrappers made ahead and, where loadPyodide's
 * options hold a `functionTable` (FunctionTablePlanning), with its exports placed by the plan that
 * holds (`placed` says whether they were) or, where it holds none, leaving there the plan of the
 * slots the linker gave (`made`).
 * @param {EmscriptenSettings} settings
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by offset_table.js
function fillingFunctionTable(settings) {
  const instantiate = settings.instantiateWasm;
  if (typeof instantiate !== "function") return settings;
  const config = settings.API && settings.API.config;
  const planning = (config && config.functionTable) || null;
  /** @this {RuntimeLinker} */
  settings.instantiateWasm = function (imports, receive) {
    return instantiate.call(this, imports, (instance, module) => takingIn(this, imports, instance, planning, (given) => receive(given, module)));
  };
  return settings;
}

/**
 * Runs `receive` (the runtime taking in an instance) with the table prepared as fillingFunctionTable
 * says; where the plan placed the exports and holds the names the linker must see, the linker
 * sees only those, and the rest is linked in bulk (worker/linking.js).
 * @param {RuntimeLinker} runtime
 * @param {WebAssembly.Imports} imports
 * @param {WebAssembly.Instance} instance
 * @param {FunctionTablePlanning | null} planning
 * @param {(instance: WebAssembly.Instance) => unknown} receive
 */
function takingIn(runtime, imports, instance, planning, receive) {
  const table = runtime && runtime.wasmTable;
  const linker = table instanceof WebAssembly.Table && typeof runtime.getFunctionAddress === "function" &&
    typeof runtime.updateTableMap === "function" && Array.isArray(runtime.wasmTableMirror);
  if (!linker) return receive(instance);
  const exported = planning ? Object.values(instance.exports) : [];  // in the exports' order, as a plan has them
  const initial = table.length;
  const plan = planning && planning.plan;
  if (planning && plan) planning.placed = placeExports(runtime, exported, plan);
  const env = /** @type {any} */ (imports).env;
  const wrappers = javaScriptFunctionWrappers(functionsToWrap(runtime, env, instance.exports));
  const set = table.set;
  // The linker puts a function in the table with set(index, function).
  if (wrappers) table.set = (/** @type {number} */ index, /** @type {any} */ value) => set.call(table, index, wrappers.get(value) || value);
  /** @type {unknown} */
  let linked = null;
  try {
    const bulk = planning && planning.placed && plan && plan.eager ? linkingInBulk(runtime, env, instance, plan.eager, receive) : null;
    if (planning && bulk) planning.linked = "bulk";
    linked = bulk ? bulk.linked : receive(instance);
    return linked;
  } finally {
    if (wrappers) delete (/** @type {any} */ (table)).set;
    if (planning && !plan) {
      const made = functionTablePlan(runtime, exported, initial);
      planning.made = made && Object.assign(made, { eager: eagerExports(runtime, instance.exports, linked) });
    }
  }
}

/**
 * Places the exports by `plan` and gives the linker's map their slots: true; false, with nothing
 * changed, where the plan does not fit this table.
 * @param {RuntimeLinker} runtime
 * @param {unknown[]} exported the values of the instance's exports, in order
 * @param {FunctionTablePlan} plan
 */
function placeExports(runtime, exported, plan) {
  const table = runtime.wasmTable;
  const placing = planPlaces(table, table.length, exported, plan);
  if (!placing) return false;
  const mirror = runtime.wasmTableMirror;
  // The linker makes its map the first time it is asked about a function, reading every slot:
  // asked now, while the table's length answers 0, it makes an empty one.
  Object.defineProperty(table, "length", { value: 0, configurable: true });
  try {
    runtime.getFunctionAddress(placeExports);
  } finally {
    delete (/** @type {any} */ (table)).length;
  }
  // The mirror (the linker's copy of the table's functions) stays a dense array: null in a slot
  // not read here, which the linker reads from the table when it needs it.
  while (mirror.length < plan.initial) mirror.push(null);
  for (const [slot, f] of placing.present) mirror[slot] = f;
  table.grow(placing.added.length);
  placing.added.forEach((f, k) => {
    table.set(plan.initial + k, f);
    mirror[plan.initial + k] = f;
  });
  for (const [slot] of placing.present) runtime.updateTableMap(slot, 1);
  runtime.updateTableMap(plan.initial, placing.added.length);
  return true;
}

/**
 * Where `plan` puts the exports, checked against `table` as it is when `length` long: `present`,
 * the slots of the initial contents and the export each holds; `added`, the functions of the new
 * slots in order. Null where the plan does not fit (another table, exports or length; a slot of
 * the initial contents that does not hold its export; new slots out of the linker's sequence).
 * @param {WebAssembly.Table} table
 * @param {number} length
 * @param {unknown[]} exported
 * @param {FunctionTablePlan} plan
 * @returns {{ present: [number, Function][], added: Function[] } | null}
 */
function planPlaces(table, length, exported, plan) {
  const { initial, slots } = plan;
  if (slots.length !== exported.length || length !== initial) return null;
  /** @type {[number, Function][]} */
  const present = [];
  /** @type {Function[]} */
  const added = [];
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot === 0) continue;
    const f = exported[i];
    if (typeof f !== "function" || slot < 0) return null;
    if (slot < initial) {
      if (table.get(slot) !== f) return null;
      present.push([slot, f]);
    } else if (slot === initial + added.length) {
      added.push(f);  // the linker's next new slot
    } else if (added[slot - initial] !== f) {
      return null;  // a new slot only an earlier export of the same function may share
    }
  }
  return { present, added };
}

/**
 * The plan of the slots the linker gave `exports` (once the runtime has taken in its instance),
 * or null where placeExports could not repeat it (an export the table holds as a wrapper: a
 * JavaScript function).
 * @param {RuntimeLinker} runtime
 * @param {unknown[]} exported the values of the instance's exports, in order
 * @param {number} initial the table's length before the linker placed them
 * @returns {FunctionTablePlan | null}
 */
function functionTablePlan(runtime, exported, initial) {
  const table = runtime.wasmTable;
  const slots = new Int32Array(exported.length);
  for (let i = 0; i < exported.length; i++) {
    const f = exported[i];
    if (typeof f !== "function") continue;
    slots[i] = runtime.getFunctionAddress(f);
    if (slots[i] && table.get(slots[i]) !== f) return null;
  }
  const plan = { initial, slots };
  return planPlaces(table, initial, exported, plan) ? plan : null;
}

/** A table plan as it is kept in a file. @param {FunctionTablePlan} plan */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function tablePlanFile(plan) {
  const eager = plan.eager || new Int32Array(0);
  const words = new Int32Array(TABLE_PLAN_HEADER + plan.slots.length + eager.length);
  words.set([TABLE_PLAN_MAGIC, plan.initial, plan.slots.length, eager.length]);
  words.set(plan.slots, TABLE_PLAN_HEADER);
  words.set(eager, TABLE_PLAN_HEADER + plan.slots.length);
  return new Uint8Array(words.buffer);
}

/** The table plan a kept file holds, or null where it is not one (or not whole). @param {Uint8Array} bytes */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function tablePlanOfFile(bytes) {
  if (bytes.length < 4 * TABLE_PLAN_HEADER || bytes.length % 4 !== 0) return null;
  const words = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const [magic, initial, count, eagerCount] = words;
  if (magic !== TABLE_PLAN_MAGIC || initial < 0 || count < 0 || eagerCount < 0 || count + eagerCount !== words.length - TABLE_PLAN_HEADER) return null;
  const slots = words.subarray(TABLE_PLAN_HEADER, TABLE_PLAN_HEADER + count);
  const eager = words.subarray(TABLE_PLAN_HEADER + count);
  return { initial, slots, eager: eager.length && eager.every((i) => i >= 0 && i < count) ? eager : null };
}

/**
 * The JavaScript functions the linker will give slots as the runtime takes in its instance, with
 * their signatures: the values of the global offset table's entries that no export fills (the
 * linker's reportUndefinedSymbols), where they are JavaScript functions. None where the browser
 * has WebAssembly.Function, with which Emscripten wraps each cheaply.
 * @param {RuntimeLinker} runtime
 * @param {Record<string, unknown> | undefined} env the runtime's imports (the linker's wasmImports)
 * @param {WebAssembly.Exports} exports
 * @returns {[Function, string][]}
 */
function functionsToWrap(runtime, env, exports) {
  const offsets = runtime.GOT;
  if (!env || !offsets || "Function" in WebAssembly) return [];
  /** @type {Map<Function, string>} */
  const found = new Map();
  for (const name of Object.keys(offsets)) {
    const f = /** @type {any} */ (env[name]);
    if (typeof f === "function" && !f.stub && typeof f.sig === "string" && !Object.hasOwn(exports, name)) found.set(f, f.sig);
  }
  return [...found];
}

/**
 * Each of `functions` ([function, Emscripten signature]) as a WebAssembly function of that
 * signature that calls it, made by one module that imports them all and exports each import
 * (Emscripten's convertJsFunctionToWasm makes a module of one such import). A WebAssembly
 * function among them is its own (exporting an import answers the function imported). Null
 * where none can be made: none given, or one is a WebAssembly function of another signature.
 * @param {[Function, string][]} functions
 * @returns {Map<unknown, Function> | null}
 */
function javaScriptFunctionWrappers(functions) {
  const wrapped = functions.filter(([, signature]) => WRAPPED_SIGNATURE.test(signature));
  if (wrapped.length === 0) return null;
  const { types, type } = wasmTypeList();  // worker/wasm_bytes.js
  const bytes = [...WASM_HEADER];
  const imported = wrapped.map(([, signature]) => {
    const [result, ...params] = signature;
    return type(params.map((c) => WASM_VALUE_TYPES[c]), result === "v" ? [] : [WASM_VALUE_TYPES[result]]);
  });
  wasmSection(1, types(), bytes);
  let body = [];
  uleb128(wrapped.length, body);
  imported.forEach((typeIndex, i) => {
    wasmFunctionImport("e", String(i), typeIndex, body);
  });
  wasmSection(2, body, bytes);
  body = [];
  uleb128(wrapped.length, body);
  wrapped.forEach((_, i) => {
    wasmFunctionExport(String(i), i, body);
  });
  wasmSection(7, body, bytes);
  try {
    const made = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), { e: Object.fromEntries(wrapped.map(([f], i) => [String(i), f])) });
    return new Map(wrapped.map(([f], i) => [f, /** @type {Function} */ (made.exports[String(i)])]));
  } catch {
    return null;  // the linker wraps each itself
  }
}

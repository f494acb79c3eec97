// @ts-check
/*
 * The dynamic linker's passes over the runtime's exports, done in bulk by a start that placed
 * them by a kept plan.
 *
 * As the runtime takes in its instance, Emscripten's receiveInstance passes over all 9,837 of its
 * exports four times: relocateExports (a copy, each data export as its address: its value moved
 * by the memory base), updateGOT (each one's entry in the global offset table: the function's
 * table slot or the data's address), mergeLibSymbols (each one defined among the imports side
 * modules link against) and applySignatureConversions (a copy with a few functions wrapped).
 * Its script runs once per start, so those loops run in V8's interpreter: 45-73 ms of a warm
 * start by marks (traced: updateGOT 12.6 ms, mergeLibSymbols 10.4, the last copy 4.9, and their
 * garbage).
 *
 * Where the exports were placed by a kept plan (worker/function_table.js), the linker is handed an
 * instance that exports only the names its passes must see themselves (`eager`, kept with the plan
 * by the start that made it: those it wraps, those it reads or treats apart, and one data export,
 * which gives the memory base), with the entries the runtime's own imports made in the offset
 * table. The rest is done here, with what a stock start gives, each part when first needed: the
 * linker's copy answers them from its prototype, the imports define them all once first asked
 * about a name they lack, the offset table makes each one's entry when first read.
 * A warm start's linker then takes 4-11 ms (marks, 5 warm starts; it sees 17 of the exports:
 * the runtime's own imports made no offset-table entry for an export) and the rest 0.3 ms.
 * (Completing the copies and the imports at once with Object.assign took 35-68 ms: each of the
 * 9,837 names written into a growing table of names.)
 * Tested against a stock start, export for export, in tests/core/test_runtime_factory.py.
 */
"use strict";

// Names Emscripten's passes treat apart: mergeLibSymbols defines main under a second name, and
// puts dynCall_ functions on the Module.
const LINKED_APART = /^(main|__main_argc_argv|dynCall_.*)$/;
const RUN_DEPENDENCY = "prometheus-linking";

/**
 * The indices (in the order of the instance's exports) of those a linker handed only some must
 * still see itself, read from a stock start's result (`linked`, what receiveInstance answered):
 * those it changed beyond relocating, those it keeps apart (internal symbols, LINKED_APART), and
 * the first data export with a number value. Null where the runtime does not show what it needs
 * (its isInternalSym) or has no such export.
 * @param {RuntimeLinker} runtime
 * @param {WebAssembly.Exports} exports the instance's
 * @param {unknown} linked
 * @returns {Int32Array | null}
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by function_table.js
function eagerExports(runtime, exports, linked) {
  if (typeof runtime.isInternalSym !== "function" || !linked || typeof linked !== "object") return null;
  const final = /** @type {Record<string, unknown>} */ (linked);
  const base = memoryBase(exports, final);
  if (base === null) return null;
  const eager = [];
  let address = false;  // a data export with a number value is among them: it gives the memory base
  const names = Object.keys(exports);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = exports[name];
    const gives = !address && isAddress(value);
    if (gives || LINKED_APART.test(name) || runtime.isInternalSym(name) || final[name] !== relocated(value, base)) eager.push(i);
    address ||= gives;
  }
  return address ? Int32Array.from(eager) : null;
}

/**
 * Runs `receive` (the runtime taking in an instance) on one that exports the names of `eager`
 * and those the offset table holds, then completes what the linker did for them for all the
 * exports. Answers what `receive` answered; null, without calling it, where `eager` does not fit
 * these exports or the runtime lacks what this needs.
 * @param {RuntimeLinker} runtime
 * @param {Record<string, unknown> | undefined} env the runtime's imports (the linker's wasmImports)
 * @param {WebAssembly.Instance} instance
 * @param {Int32Array} eager
 * @param {(instance: WebAssembly.Instance) => unknown} receive
 * @returns {{ linked: unknown } | null}
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by function_table.js
function linkingInBulk(runtime, env, instance, eager, receive) {
  const offsets = runtime.GOT;
  const needed = [runtime.isInternalSym, runtime.addFunction, runtime.addRunDependency, runtime.removeRunDependency];
  if (!env || !offsets || needed.some((f) => typeof f !== "function")) return null;
  const exports = instance.exports;
  const names = Object.keys(exports);
  /** @type {Record<string, unknown>} */
  const some = {};
  for (const i of eager) {
    if (i < 0 || i >= names.length) return null;
    some[names[i]] = exports[names[i]];
  }
  for (const name of Object.keys(offsets)) if (Object.hasOwn(exports, name)) some[name] = exports[name];
  if (!Object.values(some).some(isAddress)) return null;  // none gives the memory base
  // The runtime starts running (its constructors, then Python) as the linker removes its last run
  // dependency, before it answers: one more, removed once the rest is linked, holds it back.
  runtime.addRunDependency(RUN_DEPENDENCY);
  try {
    const linked = /** @type {Record<string, unknown>} */ (receive(/** @type {WebAssembly.Instance} */ ({ exports: some })));
    linkTheRest(runtime, env, exports, names, some, linked);
    return { linked };
  } finally {
    runtime.removeRunDependency(RUN_DEPENDENCY);
  }
}

/**
 * What the linker did for the exports of `seen` (`linked`, its answer), done for all of `names`:
 * its copy answers the others from its prototype (it is only ever read by name), the imports
 * define them (definingWhenAsked), and the offset table makes each one's entry when first read.
 * @param {RuntimeLinker} runtime
 * @param {Record<string, unknown>} env
 * @param {WebAssembly.Exports} exports
 * @param {string[]} names
 * @param {Record<string, unknown>} seen
 * @param {Record<string, unknown>} linked
 */
function linkTheRest(runtime, env, exports, names, seen, linked) {
  const base = memoryBase(exports, linked);
  if (base === null) throw new Error("prometheus: the linker answered no data export's address");
  /** @param {string} name */
  const linkedValue = (name) => {
    const value = exports[name];
    return typeof value === "function" ? value : relocated(value, base);
  };
  const copy = {
    /** @param {object} behind @param {string | symbol} key @param {unknown} receiver */
    get(behind, key, receiver) {
      return typeof key === "string" && Object.hasOwn(exports, key) ? linkedValue(key) : Reflect.get(behind, key, receiver);
    },
  };
  Object.setPrototypeOf(linked, new Proxy(Object.getPrototypeOf(linked), copy));
  definingWhenAsked(env, names, linkedValue);
  const offsets = runtime.GOT;
  const entries = {
    /** @param {object} behind @param {string | symbol} key @param {unknown} receiver */
    get(behind, key, receiver) {
      if (typeof key !== "string" || key in Object.prototype || !Object.hasOwn(exports, key) || Object.hasOwn(seen, key) || runtime.isInternalSym(key)) {
        return Reflect.get(behind, key, receiver);
      }
      // as updateGOT does
      const value = linkedValue(key);
      const address = typeof value === "function" ? runtime.getFunctionAddress(value) || runtime.addFunction(value) : value;
      return putOffsetEntry(offsets, key, typeof address === "number" ? address : 0);  // worker/offset_table.js
    },
  };
  Object.setPrototypeOf(offsets, new Proxy(Object.getPrototypeOf(offsets), entries));
}

/**
 * Defines each of `names` among the imports (`env`), as mergeLibSymbols does (where no JavaScript
 * function is defined under the name: its isSymbolDefined), when the imports are first asked
 * about a name they do not hold (or given one): by a side module as it links (numpy's, after
 * ready), by dlsym (its hasOwnProperty). Nothing enumerates them before (Emscripten's linker asks
 * by name first), and a warm start asks nothing: the loop (10-18 ms, its writes grow a table of
 * ~10,000 names) is off the path to ready.
 * @param {Record<string, unknown>} env
 * @param {string[]} names
 * @param {(name: string) => unknown} linkedValue
 */
function definingWhenAsked(env, names, linkedValue) {
  const behind = Object.getPrototypeOf(env);
  const define = () => {
    Object.setPrototypeOf(env, behind);
    for (const name of names) {
      const defined = /** @type {any} */ (env[name]);
      if (!defined || defined.stub) env[name] = linkedValue(name);
    }
  };
  Object.setPrototypeOf(env, new Proxy(behind, {
    get(_, key, receiver) {
      define();
      return Reflect.get(env, key, receiver);
    },
    has(_, key) {
      define();
      return key in env;
    },
    set(_, key, value, receiver) {
      define();
      return Reflect.set(env, key, value, receiver);
    },
  }));
}

/** Whether an export is data whose value is a number: an address once relocated. @param {unknown} value */
function isAddress(value) {
  return value instanceof WebAssembly.Global && typeof value.value === "number";
}

/** An export's value as relocateExports leaves it: a data export as its address. @param {unknown} value @param {number} base */
function relocated(value, base) {
  const raw = value && typeof value === "object" ? /** @type {{ value: unknown }} */ (value).value : value;
  return typeof raw === "number" ? raw + base : raw;
}

/**
 * The memory base the linker moved data exports by: the first data export's address in `linked`
 * less its value. Null where it holds none.
 * @param {WebAssembly.Exports} exports
 * @param {Record<string, unknown>} linked
 */
function memoryBase(exports, linked) {
  for (const name in linked) {
    const value = exports[name];
    if (isAddress(value) && typeof linked[name] === "number") return /** @type {number} */ (linked[name]) - /** @type {WebAssembly.Global} */ (value).value;
  }
  return null;
}

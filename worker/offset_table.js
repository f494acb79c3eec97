// @ts-check
/*
 * The runtime's global offset table, its entries made as they are first read.
 *
 * Pyodide's runtime is an Emscripten main module, whose dynamic linker gives each of its ~9,800
 * exports an entry in the global offset table (GOT) as the runtime takes in its instance: a
 * WebAssembly.Global each, holding the export's address, for side modules (numpy's extension
 * modules) to import later. numpy's import ~170 of them; making them all took 10-25 ms of every
 * start on the worker's thread (traced: updateGOT, and the garbage it leaves). Here, while the
 * runtime takes in its instance, an export's entry is a plain record; the first read afterwards
 * makes it the WebAssembly.Global, with the record's value, and puts it in the table. Values are
 * those a stock start gives: each exported function still gets its function-table slot then, in
 * the same order (the start-up snapshot's memory holds table indices).
 */
"use strict";

/**
 * Defines `_createPyodideModule`, the runtime's module factory, which loadPyodide calls (and does
 * not load the runtime's script itself when it is defined), before the script has run: a property
 * whose setter takes the script's definition and whose getter answers a factory that waits for
 * `loaded`, then starts the runtime with its offset table deferred (and its exception trampolines
 * made by one module: worker/invoke_trampolines.js; its function table filled by
 * worker/function_table.js). Either way of loading the
 * script defines it: as a module, its last line assigns it; as a classic script, its
 * `var _createPyodideModule` is this property, and that last line assigns back what the getter
 * answers, which is not a definition.
 * @param {Promise<unknown>} loaded settles once the runtime's script has run
 * @param {string} url the script's, for the error when it defined nothing
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by worker.js
function definingRuntimeFactory(loaded, url) {
  /** @type {((settings: EmscriptenSettings) => Promise<unknown>) | null} */
  let factory = null;
  /** @param {EmscriptenSettings} settings */
  const create = async (settings) => {
    await loaded;
    if (!factory) throw new Error(url + " did not define _createPyodideModule");
    // fillingFunctionTable's callback runs last, right before the linker: the instance it hands the
    // linker may export only some names (worker/linking.js), which the others' callbacks must not see
    return factory(fillingFunctionTable(withInvokeTrampolines(deferringOffsetTable(settings))));  // worker/invoke_trampolines.js, function_table.js
  };
  /** @param {(settings: EmscriptenSettings) => Promise<unknown>} defined */
  const set = (defined) => {
    if (defined !== create) factory = defined;
  };
  Object.defineProperty(globalThis, "_createPyodideModule", { configurable: true, get: () => create, set });
}

/**
 * `settings`, the runtime's Emscripten settings (as loadPyodide hands them to
 * _createPyodideModule), with its instantiateWasm wrapped so that the offset table's entries for
 * the main module's exports are made when first read.
 * @param {EmscriptenSettings} settings
 */
function deferringOffsetTable(settings) {
  const instantiate = settings.instantiateWasm;
  if (typeof instantiate !== "function") return settings;
  /** @this {{ GOT?: Record<string, WebAssembly.Global> }} the runtime's Module */
  settings.instantiateWasm = function (imports, receive) {
    const table = this && this.GOT;
    if (!table || Object.getPrototypeOf(table) !== Object.prototype) return instantiate.call(this, imports, receive);
    return instantiate.call(this, imports, (instance, module) => receivingWithRecords(table, instance, module, receive));
  };
  return settings;
}

/**
 * Runs `receive` (the runtime taking in its instance) with a prototype under `table` that
 * answers each export's name with a record meanwhile, and with the entry made from it after.
 * @param {Record<string, WebAssembly.Global>} table
 * @param {WebAssembly.Instance} instance
 * @param {WebAssembly.Module} module
 * @param {(instance: WebAssembly.Instance, module: WebAssembly.Module) => unknown} receive
 */
function receivingWithRecords(table, instance, module, receive) {
  /** @type {Map<string, { value: number }>} */
  const records = new Map();
  let receiving = true;
  const lookup = {
    /** @param {object} base @param {string | symbol} key @param {unknown} receiver */
    get(base, key, receiver) {
      if (typeof key !== "string" || key in base) return Reflect.get(base, key, receiver);
      let record = records.get(key);
      if (receiving) {
        if (!record && Object.hasOwn(instance.exports, key)) {
          record = { value: 0 };
          records.set(key, record);
        }
        return record;
      }
      if (!record) return undefined;
      records.delete(key);
      return putOffsetEntry(table, key, record.value);
    },
  };
  Object.setPrototypeOf(table, new Proxy(Object.prototype, lookup));
  try {
    return receive(instance, module);
  } finally {
    receiving = false;
  }
}

/**
 * Puts in `table` (the offset table) the entry of `key`, holding `value`, as the linker makes one,
 * and answers it.
 * @param {Record<string, WebAssembly.Global>} table
 * @param {string} key
 * @param {number} value
 */
function putOffsetEntry(table, key, value) {
  const entry = new WebAssembly.Global({ value: "i32", mutable: true }, value);
  Object.defineProperty(table, key, { value: entry, writable: true, enumerable: true, configurable: true });
  return entry;
}

// @ts-check
/*
 * The runtime's exception trampolines (its `invoke_<sig>` imports), made by one WebAssembly module.
 *
 * The runtime catches C++ exceptions and longjmps by calling through `invoke_<sig>(index, ...args)`:
 * call the table's function `index` with `args`; if it throws, restore the stack pointer, set the
 * runtime's "threw" flag and answer zero. Where the browser has JSPI, Pyodide 0.27 makes each of
 * them a WebAssembly function (so that a stack switch can pass through): a module of its own for
 * each signature, built in JavaScript, compiled and instantiated on this thread as the runtime
 * starts (adjustWasmImports): 38 of them, 13-14 ms of a warm start here. withInvokeTrampolines has
 * the same functions made by one module (2 ms): the same instructions, the same imports (the
 * runtime's table, Pyodide's tag for the JavaScript errors it rethrows, the runtime's stack and
 * threw functions). Anything it does not expect (another signature letter, a missing tag or
 * table) leaves the imports to Pyodide's own function. Tested against Pyodide's own (createInvoke)
 * in tests/browser/test_invoke_trampolines.py.
 */
"use strict";

const INVOKE_SIGNATURE = /^invoke_([ijfdv])([ijfd]*)$/;
// The zero a trampoline answers after a throw, by its result's letter: a const instruction and immediate.
const INVOKE_ZERO = { i: [0x41, 0], j: [0x42, 0], f: [0x43, 0, 0, 0, 0], d: [0x44, 0, 0, 0, 0, 0, 0, 0, 0], v: [] };

/**
 * The bytes of a module that imports e.t (a function table), e.tag (a tag of one externref), e.s
 * (the stack pointer's getter), e.r (its setter) and e.q (setThrew), and exports, for each of
 * `names` (`invoke_<sig>`), the trampoline of that signature as its index ("0", "1", ...). Null
 * for a name it does not know how to make.
 * @param {string[]} names
 * @returns {Uint8Array<ArrayBuffer> | null}
 */
function invokeModuleBytes(names) {
  const signatures = names.map((name) => INVOKE_SIGNATURE.exec(name));
  if (signatures.some((match) => !match)) return null;
  const { types, type } = wasmTypeList();
  const tagType = type([0x6f], []);
  const imported = [type([], [0x7f]), type([0x7f], []), type([0x7f, 0x7f], [])];  // s, r, q: functions 0, 1, 2
  const functions = signatures.map((match) => {
    const [, result, params] = /** @type {RegExpExecArray} */ (match);
    const results = result === "v" ? [] : [WASM_VALUE_TYPES[result]];
    const parameters = [...params].map((c) => WASM_VALUE_TYPES[c]);
    return { result, results, parameters, callee: type(parameters, results), own: type([0x7f, ...parameters], results) };
  });
  const bytes = [...WASM_HEADER];
  wasmSection(1, types(), bytes);
  let body = [5];
  wasmName("e", body); wasmName("t", body); body.push(0x01, 0x70, 0x00, 0x00);  // a funcref table, at least 0 long
  wasmName("e", body); wasmName("tag", body); body.push(0x04, 0x00); uleb128(tagType, body);
  ["s", "r", "q"].forEach((name, i) => {
    wasmFunctionImport("e", name, imported[i], body);
  });
  wasmSection(2, body, bytes);
  body = [];
  uleb128(functions.length, body);
  for (const f of functions) uleb128(f.own, body);
  wasmSection(3, body, bytes);
  body = [];
  uleb128(functions.length, body);
  functions.forEach((_, i) => {
    wasmFunctionExport(String(i), 3 + i, body);
  });
  wasmSection(7, body, bytes);
  body = [];
  uleb128(functions.length, body);
  for (const f of functions) {
    const stack = f.parameters.length + 1;  // the local after the parameters: the saved stack pointer
    const code = [1, 1, 0x7f];  // one i32 local
    code.push(0x10, 0, 0x21); uleb128(stack, code);  // call s; local.set stack
    code.push(0x06, f.results.length ? f.results[0] : 0x40);  // try (result of the callee's type)
    for (let i = 1; i <= f.parameters.length; i++) { code.push(0x20); uleb128(i, code); }  // its arguments
    code.push(0x20, 0, 0x11); uleb128(f.callee, code); code.push(0x00);  // call_indirect table 0 at `index`
    code.push(0x07, 0x00, 0x1a);  // catch tag 0; drop the caught error
    code.push(0x20); uleb128(stack, code); code.push(0x10, 1);  // call r (restore the stack pointer)
    code.push(0x41, 1, 0x41, 0, 0x10, 2);  // call q(1, 0)
    code.push(...INVOKE_ZERO[f.result]);
    code.push(0x0b, 0x0b);  // end try; end function
    uleb128(code.length, body);
    body.push(...code);
  }
  wasmSection(10, body, bytes);
  return new Uint8Array(bytes);
}

/**
 * `settings`, the runtime's Emscripten settings (as loadPyodide hands them to
 * _createPyodideModule), with Pyodide's adjustWasmImports, where it sets one, doing its work
 * through one module. The runtime's Module is a copy of the settings, made before Pyodide sets
 * adjustWasmImports on it; Emscripten calls `locateFile` on it before that (for the wasm file's
 * URL), which is where the copy is met and given the property that takes Pyodide's function.
 * @param {EmscriptenSettings} settings
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by offset_table.js
function withInvokeTrampolines(settings) {
  const locate = settings.locateFile;
  const instantiate = settings.instantiateWasm;
  if (typeof locate !== "function" || typeof instantiate !== "function") return settings;
  /** @type {Record<string, any> | null} the runtime's Module */
  let runtime = null;
  /** @type {WebAssembly.Exports | null} the runtime's instance's */
  let exports = null;
  /** @type {((imports: any) => void) | null} Pyodide's adjustWasmImports */
  let pyodides = null;
  /** @param {{ env: Record<string, unknown> }} imports */
  const adjust = (imports) => {
    const names = Object.keys(imports.env).filter((name) => name.startsWith("invoke_"));
    const table = /** @type {WebAssembly.Table} */ (imports.env.__indirect_function_table);
    const tag = runtime && runtime.jsWrapperTag;  // a WebAssembly.Tag: Pyodide's, for the errors it rethrows
    const bytes = names.length && table instanceof WebAssembly.Table && tag ? invokeModuleBytes(names) : null;
    if (!bytes || !runtime || typeof runtime.stackSave !== "function" || typeof runtime.stackRestore !== "function") return pyodides && pyodides(imports);
    const module = /** @type {Record<string, any>} */ (runtime);
    const threw = () => /** @type {(threw: number, value: number) => void} */ (/** @type {WebAssembly.Exports} */ (exports).setThrew);
    const made = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      e: { t: table, tag, s: () => module.stackSave(), r: (/** @type {number} */ sp) => module.stackRestore(sp), q: (/** @type {number} */ a, /** @type {number} */ b) => threw()(a, b) },
    });
    names.forEach((name, i) => { imports.env[name] = made.exports[String(i)]; });
  };
  /** @this {Record<string, any>} @param {string} path @param {string} folder */
  settings.locateFile = function (path, folder) {
    if (this && this !== settings && runtime === null && !Object.hasOwn(this, "adjustWasmImports")) {
      runtime = this;
      Object.defineProperty(this, "adjustWasmImports", {
        configurable: true,
        enumerable: true,
        get: () => (pyodides ? adjust : undefined),
        set: (/** @type {(imports: any) => void} */ fn) => { pyodides = fn; },
      });
    }
    return locate.call(this, path, folder);
  };
  /** @this {unknown} */
  settings.instantiateWasm = function (imports, receive) {
    return instantiate.call(this, imports, (instance, module) => {
      exports = instance.exports;
      return receive(instance, module);
    });
  };
  return settings;
}

// @ts-check
/*
 * The bytes of the small WebAssembly modules the worker makes as the runtime starts (its
 * exception trampolines: invoke_trampolines.js; its JavaScript functions' wrappers:
 * function_table.js), in the binary format's own encodings.
 */
"use strict";

// WebAssembly's value types for the letters of an Emscripten signature (result first; "p" is a
// pointer, an i32 here; "e" an externref).
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, used by invoke_trampolines.js and function_table.js
const WASM_VALUE_TYPES = { i: 0x7f, p: 0x7f, j: 0x7e, f: 0x7d, d: 0x7c, e: 0x6f };
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, used by invoke_trampolines.js and function_table.js
const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** @param {number} n @param {number[]} out */
function uleb128(n, out) {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
}

/** @param {number} id @param {number[]} body @param {number[]} out */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, used by invoke_trampolines.js and function_table.js
function wasmSection(id, body, out) {
  out.push(id);
  uleb128(body.length, out);
  for (const byte of body) out.push(byte);
}

// An ASCII name, as the import and export sections spell names.
/** @param {string} name @param {number[]} out */
function wasmName(name, out) {
  uleb128(name.length, out);
  for (const c of name) out.push(c.charCodeAt(0));
}

// A function's entry in the import section: `module`.`name`, of the type at `type`.
/** @param {string} module @param {string} name @param {number} type @param {number[]} out */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, used by invoke_trampolines.js and function_table.js
function wasmFunctionImport(module, name, type, out) {
  wasmName(module, out);
  wasmName(name, out);
  out.push(0x00);
  uleb128(type, out);
}

// A function's entry in the export section: `name`, the function at `index`.
/** @param {string} name @param {number} index @param {number[]} out */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, used by invoke_trampolines.js and function_table.js
function wasmFunctionExport(name, index, out) {
  wasmName(name, out);
  out.push(0x00);
  uleb128(index, out);
}

// A module's function types, each distinct one once: `type` answers a type's index (adding it
// if new), `types` the type section's body.
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, used by invoke_trampolines.js and function_table.js
function wasmTypeList() {
  /** @type {[number[], number[]][]} */
  const list = [];
  /** @type {Map<string, number>} */
  const indices = new Map();
  /** @param {number[]} params @param {number[]} results @returns {number} */
  const type = (params, results) => {
    const key = params.join(",") + ">" + results.join(",");
    let index = indices.get(key);
    if (index === undefined) {
      index = list.push([params, results]) - 1;
      indices.set(key, index);
    }
    return index;
  };
  const types = () => {
    /** @type {number[]} */
    const body = [];
    uleb128(list.length, body);
    for (const [params, results] of list) {
      body.push(0x60);
      uleb128(params.length, body);
      body.push(...params);
      uleb128(results.length, body);
      body.push(...results);
    }
    return body;
  };
  return { type, types };
}

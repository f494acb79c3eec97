// @ts-check
/*
 * Start-up snapshots: the memory of a freshly started interpreter, kept in Cache Storage,
 * so that a second visit skips Python's own start-up (about 1 s of a warm start).
 *
 * Uses Pyodide 0.27's experimental `_makeSnapshot` / `_loadSnapshot` options. The snapshot is
 * taken before any package is loaded (0.27 cannot snapshot loaded native extensions), keyed
 * by the runtime's digest, and any failure falls back to a normal start.
 */
"use strict";

const SNAPSHOT_CACHE = "prometheus-startup-snapshots";

async function openSnapshotCache() {
  return self.caches ? caches.open(SNAPSHOT_CACHE) : null;
}

const WASM_PAGE = 65536;
const DIGEST_HEADER = "X-Snapshot-Sha256";

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A damaged snapshot does not always make loadPyodide throw (some hang), so nothing is used
// unless it holds at least one wasm page and matches the digest stored beside it. A first
// visit's cache holds no snapshot: it answers null without waiting for the key (which comes
// from the lock file's download), so the runtime starts at once.
/** @param {Promise<string | null>} key */
async function readSnapshot(key) {
  try {
    const cache = await openSnapshotCache();
    if (!cache || (await cache.keys()).length === 0) return null;
    const name = await key;
    const response = name && await cache.match(name);
    if (!response) return null;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const expected = response.headers.get(DIGEST_HEADER);
    if (bytes.length >= WASM_PAGE && expected === await sha256Hex(bytes)) return bytes;
    console.warn("prometheus: discarding a damaged start-up snapshot");
    await cache.delete(name);
    return null;
  } catch {
    return null;
  }
}

async function storeSnapshot(key, bytes) {
  try {
    const cache = await openSnapshotCache();
    if (!cache) return;
    const headers = { "Content-Type": "application/octet-stream", [DIGEST_HEADER]: await sha256Hex(bytes) };
    for (const old of await cache.keys()) await cache.delete(old);  // one runtime at a time
    await cache.put(key, new Response(bytes, { headers }));
  } catch {
    // Storage full or unavailable: the next visit simply starts without a snapshot.
  }
}

// Snapshot-mode interpreters (made or restored) bind Python's `js` module to a stand-in for
// the global scope, on which calls such as js.fetch fail ("Illegal invocation"): rebind it.
/** @param {PyodideInterface} pyodide */
function rebindJsModule(pyodide) {
  pyodide.runPython("import sys; sys.modules.pop('js', None)");
  pyodide.registerJsModule("js", globalThis);
  return pyodide;
}

// Standard-library modules the core imports before ready that a fresh interpreter has not
// imported yet: imported before the snapshot is taken, so a warm start finds them loaded
// (about 0.1 s). Only the runtime's own modules: the snapshot is keyed by the runtime alone.
const SNAPSHOT_IMPORTS = "import dataclasses, hashlib, json";

const nothing = async () => {};

/**
 * @param {PyodideLoadOptions} options
 * @param {Promise<string | null> | null} key the snapshot's Cache Storage key (null: no snapshot)
 * @param {Promise<Uint8Array | null> | null} [saved] readSnapshot(key), when the caller began it
 *   earlier (the worker does, before its scripts have loaded)
 * @returns {Promise<{pyodide: PyodideInterface, snapshot: "used" | "made" | "off", keepSnapshot: () => Promise<void>}>}
 *   keepSnapshot: writes a snapshot made by this start to Cache Storage, called by the worker
 *   once ready is posted (hashing and writing 20 MB, off the path to ready)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by worker.js
async function loadPyodideFast(options, key, saved = key && readSnapshot(key)) {
  const snapshot = await saved;
  if (snapshot) {
    try {
      return { pyodide: rebindJsModule(await loadPyodide(Object.assign({}, options, { _loadSnapshot: snapshot }))), snapshot: "used", keepSnapshot: nothing };
    } catch (error) {
      console.warn("prometheus: start-up snapshot unusable, starting normally", error);
      try { const name = await key; if (name) await (await openSnapshotCache()).delete(name); } catch { /* nothing to delete */ }
    }
  }
  if (!key || !self.caches || !self.crypto || !crypto.subtle) {
    return { pyodide: await loadPyodide(options), snapshot: "off", keepSnapshot: nothing };
  }
  const pyodide = await loadPyodide(Object.assign({}, options, { _makeSnapshot: true }));
  const name = await key;  // long since known: the runtime took longer than the lock file
  if (!name) return { pyodide: rebindJsModule(pyodide), snapshot: "off", keepSnapshot: nothing };
  pyodide.runPython(SNAPSHOT_IMPORTS);
  const bytes = pyodide.makeMemorySnapshot();
  return { pyodide: rebindJsModule(pyodide), snapshot: "made", keepSnapshot: () => storeSnapshot(name, bytes) };
}

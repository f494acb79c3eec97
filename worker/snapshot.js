// @ts-check
/*
 * Start-up snapshots: the memory of an interpreter that has started and imported what a start
 * needs, kept in Cache Storage, so that a second visit skips Python's own start-up and those
 * imports.
 *
 * Uses Pyodide 0.27's experimental `_makeSnapshot` / `_loadSnapshot` options. The snapshot is
 * taken before any native package is loaded (0.27 cannot snapshot loaded extension modules),
 * keyed by what it holds (the caller's key), and any failure falls back to a normal start.
 *
 * A kept snapshot is read while the runtime loads: its length (a header) is all that
 * `loadPyodide` needs to size the memory, and its bytes go into place in `fsInit`, which the
 * runtime awaits before it restores them. So the runtime's script and WebAssembly no longer wait
 * for the read and its digest (the read itself still needs this worker's thread, which it gets
 * once the runtime waits for its files). With the core's imports in the snapshot and its zero
 * pages left out, a warm start went from 0.49-0.51 s to 0.43 s (bench/startup).
 */
"use strict";

const SNAPSHOT_CACHE = "prometheus-startup-snapshots";

async function openSnapshotCache() {
  return self.caches ? caches.open(SNAPSHOT_CACHE) : null;
}

const WASM_PAGE = 65536;
const DIGEST_HEADER = "X-Snapshot-Sha256";
const LENGTH_HEADER = "X-Snapshot-Length";

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The kept form of a snapshot leaves out its zero pages: a bitmap of its 4 KiB pages (bit set:
// the page holds a non-zero byte), then those pages in order. A fresh interpreter's memory is
// about half zero pages (2,433 of 5,121 measured), so a warm start reads and hashes half the bytes,
// and the cache holds half.
const PAGE = 4096;

// The kept pages of a memory of `length` bytes, as [start, end) byte ranges, a run of adjacent
// kept pages as one range.
/** @param {Uint8Array} bitmap @param {number} length */
function* keptRuns(bitmap, length) {
  const pages = Math.ceil(length / PAGE);
  const kept = (page) => bitmap[page >> 3] & (1 << (page & 7));
  for (let page = 0; page < pages; page++) {
    if (!kept(page)) continue;
    const first = page;
    while (page + 1 < pages && kept(page + 1)) page++;
    yield [first * PAGE, Math.min((page + 1) * PAGE, length)];
  }
}

/** @param {Uint8Array} bytes */
function packPages(bytes) {
  const pages = Math.ceil(bytes.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >> 2);
  for (let page = 0; page < pages; page++) {
    const end = Math.min((page + 1) * PAGE, bytes.length);
    let used = false;
    for (let i = (page * PAGE) >> 2; !used && i < end >> 2; i++) used = words[i] !== 0;
    for (let i = end & ~3; !used && i < end; i++) used = bytes[i] !== 0;  // the last page's odd tail
    if (used) bitmap[page >> 3] |= 1 << (page & 7);
  }
  const runs = [...keptRuns(bitmap, bytes.length)];
  const packed = new Uint8Array(runs.reduce((size, [start, end]) => size + end - start, bitmap.length));
  packed.set(bitmap);
  let at = bitmap.length;
  for (const [start, end] of runs) {
    packed.set(bytes.subarray(start, end), at);
    at += end - start;
  }
  return packed;
}

/**
 * Writes a packed snapshot's pages into `image` (zero-filled, the snapshot's length); false, and
 * nothing written, if the packed bytes do not fit that length.
 * @param {Uint8Array} packed
 * @param {Uint8Array} image
 */
function unpackPages(packed, image) {
  const bitmapLength = Math.ceil(Math.ceil(image.length / PAGE) / 8);
  if (packed.length < bitmapLength) return false;
  const runs = [...keptRuns(packed.subarray(0, bitmapLength), image.length)];
  if (runs.reduce((size, [start, end]) => size + end - start, bitmapLength) !== packed.length) return false;
  let at = bitmapLength;
  for (const [start, end] of runs) {
    image.set(packed.subarray(at, at + end - start), start);
    at += end - start;
  }
  return true;
}

async function deleteSnapshot(key) {
  try {
    const name = await key;
    const cache = await openSnapshotCache();
    if (name && cache) await cache.delete(name);
  } catch {
    // nothing to delete
  }
}

/**
 * The snapshot kept under `key`: its length at once, its packed bytes once read and verified
 * (null if they do not match the digest stored beside them: a damaged snapshot does not always
 * make loadPyodide throw, some hang). A first visit's cache holds no snapshot: it answers null without
 * waiting for the key (which comes from the lock file's download), so the runtime starts at once.
 * @param {Promise<string | null>} key
 * @returns {Promise<KeptSnapshot | null>}
 */
async function findSnapshot(key) {
  try {
    const cache = await openSnapshotCache();
    if (!cache || (await cache.keys()).length === 0) return null;
    const name = await key;
    const response = name && (await cache.match(name));
    if (!response) return null;
    const length = Number(response.headers.get(LENGTH_HEADER));
    if (!(length >= WASM_PAGE)) return null;
    const expected = response.headers.get(DIGEST_HEADER);
    const bytes = response.arrayBuffer().then(async (buffer) => {
      const view = new Uint8Array(buffer);
      if (expected === (await sha256Hex(view))) return view;
      console.warn("prometheus: discarding a damaged start-up snapshot");
      return null;
    }, () => null);
    return { length, bytes };
  } catch {
    return null;
  }
}

async function storeSnapshot(key, bytes) {
  try {
    const cache = await openSnapshotCache();
    if (!cache) return;
    const packed = packPages(bytes);
    const headers = {
      "Content-Type": "application/octet-stream",
      [DIGEST_HEADER]: await sha256Hex(packed),
      [LENGTH_HEADER]: String(bytes.length),
    };
    for (const old of await cache.keys()) await cache.delete(old);  // one snapshot at a time
    await cache.put(key, new Response(packed, { headers }));
  } catch {
    // Storage full or unavailable: the next visit simply starts without a snapshot.
  }
}

// Snapshot-mode interpreters (made or restored) bind Python's `js` module to a stand-in for
// the global scope, on which calls such as js.fetch fail ("Illegal invocation"): rebind it.
// A restored interpreter would also replay the snapshot's random numbers: `random`, if imported,
// is seeded afresh.
/** @param {PyodideInterface} pyodide */
function detachFromSnapshot(pyodide) {
  pyodide.runPython("import sys; sys.modules.pop('js', None); sys.modules.get('random') and sys.modules['random'].seed()");
  pyodide.registerJsModule("js", globalThis);
  return pyodide;
}

const nothing = async () => {};

/**
 * Starts Pyodide from the snapshot kept under `key`, or starts it normally, prepares it and keeps
 * a snapshot of it for the next start.
 * @param {PyodideLoadOptions} options
 * @param {Promise<string | null> | null} key the snapshot's Cache Storage key: it must change
 *   whenever what `prepare` does would (null: no snapshot)
 * @param {Promise<KeptSnapshot | null> | null} [saved] findSnapshot(key), when the caller began it
 *   earlier (the worker does, before its scripts have loaded)
 * @param {Preparation} [preparation] what a started interpreter does before it is kept
 * @returns {Promise<{pyodide: PyodideInterface, snapshot: "used" | "made" | "off", prepared: boolean, keepSnapshot: () => Promise<void>}>}
 *   prepared: whether `prepare` ran (or its result was restored); keepSnapshot: writes a snapshot
 *   made by this start to Cache Storage, called by the worker once ready is posted (hashing and
 *   writing 20 MB, off the path to ready)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by worker.js
async function loadPyodideFast(options, key, saved = key && findSnapshot(key), preparation = { prepare: async () => false, restoreFiles: async () => true }) {
  const kept = await saved;
  if (kept) {
    try {
      const image = new Uint8Array(kept.length);  // sizes the memory; filled before it is restored
      /** @param {PyodideFS} FS */
      const fsInit = async (FS) => {
        try {
          const [packed, files] = await Promise.all([kept.bytes, preparation.restoreFiles(FS)]);
          if (packed && files) unpackPages(packed, image);
        } catch {
          // left zero: the runtime refuses to restore it (a bad magic number), and we start anew
        }
      };
      const pyodide = await loadPyodide(Object.assign({}, options, { _loadSnapshot: image, fsInit }));
      return { pyodide: detachFromSnapshot(pyodide), snapshot: "used", prepared: true, keepSnapshot: nothing };
    } catch (error) {
      console.warn("prometheus: start-up snapshot unusable, starting normally", error);
      await deleteSnapshot(key);
    }
  }
  if (!key || !self.caches || !self.crypto || !crypto.subtle) {
    const pyodide = await loadPyodide(options);
    return { pyodide, snapshot: "off", prepared: await preparation.prepare(pyodide), keepSnapshot: nothing };
  }
  const pyodide = await loadPyodide(Object.assign({}, options, { _makeSnapshot: true }));
  const name = await key;  // long since known: the runtime took longer than the lock file
  const prepared = await preparation.prepare(pyodide);
  if (!name || !prepared) return { pyodide: detachFromSnapshot(pyodide), snapshot: "off", prepared, keepSnapshot: nothing };
  const bytes = pyodide.makeMemorySnapshot();
  return { pyodide: detachFromSnapshot(pyodide), snapshot: "made", prepared, keepSnapshot: () => storeSnapshot(name, bytes) };
}

// @ts-check
/*
 * Start-up snapshots: the memory of an interpreter that has started and imported what a start
 * needs, kept in the origin private file system (OPFS), so that a second visit skips Python's
 * own start-up and those imports.
 *
 * Uses Pyodide 0.27's experimental `_makeSnapshot` / `_loadSnapshot` options. The snapshot is
 * taken before any native package is loaded (0.27 cannot snapshot loaded extension modules),
 * keyed by what it holds (the caller's key), and any failure falls back to a normal start.
 *
 * A kept snapshot's length (its header) is all `loadPyodide` needs to size the memory, so the
 * runtime starts at once; its pages are read with a synchronous access handle straight into the
 * memory image in the next task, while the runtime's script loads, and checked against the
 * checksum kept with them (worker/snapshot_file.js); `fsInit`, which the runtime awaits before it
 * restores the image, waits for that. (From Cache Storage the same 11 MB arrived 20-30 ms after
 * the runtime asked for them: that read needs this worker's thread, busy with the runtime, to move
 * each chunk.) Warm start (bench/startup): 0.49-0.51 s with the whole memory in Cache Storage;
 * 0.43 s with the core's imports in the snapshot and its zero pages left out; 0.40-0.46 s read
 * from OPFS, with the runtime's script compiled from Chromium's code cache (worker.js); 0.35 s
 * checked with a checksum instead of SHA-256.
 */
"use strict";

const SNAPSHOT_FOLDER = "prometheus-startup-snapshots";

// Whether snapshots can be kept: OPFS with synchronous access handles (a dedicated worker's) and
// renames.
const CAN_KEEP_SNAPSHOTS = Boolean(self.navigator && navigator.storage && navigator.storage.getDirectory &&
  self.FileSystemFileHandle && "createSyncAccessHandle" in FileSystemFileHandle.prototype &&
  "move" in FileSystemFileHandle.prototype);

// The snapshots' folder, created if missing (the worker's first use of storage: see claimStore),
// or null where snapshots cannot be kept.
async function snapshotFolder() {
  if (!CAN_KEEP_SNAPSHOTS) return null;
  return (await navigator.storage.getDirectory()).getDirectoryHandle(SNAPSHOT_FOLDER, { create: true });
}

const WASM_PAGE = 65536;
const MAX_MEMORY = 2 ** 32;  // a 32-bit WebAssembly memory
// A kept snapshot's file: MAGIC, the memory's length (float64, little-endian), the checksum of its
// kept form (64 hex digits), then its kept form (worker/snapshot_file.js).
const MAGIC = "prometheus-snapshot-2\n";
const HEADER = MAGIC.length + 8 + 64;
const PART = ".part";  // a snapshot being written

async function deleteSnapshot(key) {
  try {
    const name = await key;
    const folder = await snapshotFolder();
    if (name && folder) await folder.removeEntry(name);
  } catch {
    // nothing to delete
  }
}

/**
 * The snapshot kept under `key`: its memory image, and `filled`, true once its pages are read into
 * it and verified; false if they do not match the checksum kept with them (a damaged snapshot does
 * not always make loadPyodide throw, some hang) or if `key` does not name it: the image must not
 * be restored then. The folder keeps one snapshot (storeSnapshot): what it holds is
 * read without waiting for the key, which comes from the lock file's download. So a first visit
 * (an empty folder) learns at once that there is none, and a later one starts the runtime while
 * the key is on its way; the first start of a new version finds the key is not the old
 * snapshot's name, and starts anew.
 * @param {Promise<string | null>} key
 * @returns {Promise<KeptSnapshot | null>}
 */
async function findSnapshot(key) {
  try {
    const folder = await snapshotFolder();
    const names = [];
    if (folder) for await (const name of folder.keys()) if (!name.endsWith(PART)) names.push(name);
    const kept = names.length > 0 && (await readSnapshot(folder, names[0]));
    if (!kept) return null;
    const named = Promise.resolve(key).then((name) => name === names[0], () => false);
    return { image: kept.image, filled: Promise.all([kept.filled, named]).then((checks) => checks.every(Boolean)) };
  } catch {
    return null;
  }
}

/**
 * The snapshot file `name`: its image (sized from its header) at once; its pages read straight
 * into the image in a task of their own (so that the caller starts the runtime first), and checked.
 * @param {FileSystemDirectoryHandle} folder
 * @param {string} name
 * @returns {Promise<KeptSnapshot | null>}
 */
async function readSnapshot(folder, name) {
  // read-only: other tabs may read it at the same time (a browser without the mode opens the
  // file exclusively, and a tab that finds it locked starts without it)
  const access = await (await folder.getFileHandle(name)).createSyncAccessHandle({ mode: "read-only" });
  const header = new Uint8Array(HEADER);
  const size = access.getSize();
  const length = access.read(header, { at: 0 }) === HEADER ? new DataView(header.buffer).getFloat64(MAGIC.length, true) : 0;
  const sane = length >= WASM_PAGE && length <= MAX_MEMORY && Number.isInteger(length);
  if (new TextDecoder().decode(header.subarray(0, MAGIC.length)) !== MAGIC || !sane) {
    access.close();
    return null;
  }
  const expected = new TextDecoder().decode(header.subarray(MAGIC.length + 8));
  const image = new Uint8Array(length);
  // its own task: the caller starts the runtime first, and the runtime's wasm arrives meanwhile
  const filled = new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
    try {
      const bitmap = readPages((view, at) => access.read(view, { at: HEADER + at }), image, size - HEADER);
      if (bitmap && snapshotChecksum(bitmap, image) === expected) return true;
    } finally {
      access.close();
    }
    console.warn("prometheus: discarding a damaged start-up snapshot");
    return false;
  }).catch(() => false);
  return { image, filled };
}

async function storeSnapshot(key, bytes) {
  try {
    const memory = aligned(bytes);
    const bitmap = keptPages(memory);
    const packed = packPages(bitmap, memory);
    const header = new Uint8Array(HEADER);
    header.set(new TextEncoder().encode(MAGIC));
    new DataView(header.buffer).setFloat64(MAGIC.length, bytes.length, true);
    header.set(new TextEncoder().encode(snapshotChecksum(bitmap, memory)), MAGIC.length + 8);
    const folder = await snapshotFolder();
    if (!folder) return;
    // Written under another name, then renamed: a reader never opens a file half written.
    const part = await folder.getFileHandle(key + PART, { create: true });
    const access = await part.createSyncAccessHandle();  // exclusive: a tab writing it too makes this one give up
    try {
      access.truncate(0);
      access.write(header, { at: 0 });
      access.write(packed, { at: HEADER });  // not flushed to disk: a snapshot lost in a crash is made again
    } finally {
      access.close();
    }
    for await (const old of folder.keys()) if (old !== part.name) await folder.removeEntry(old);  // one snapshot at a time
    await part.move(key);
  } catch (error) {
    console.warn("prometheus: the start-up snapshot was not kept:", error);  // the next visit starts without one
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

// Pyodide 0.27 wraps each JavaScript function it hands to WebAssembly in a tiny module of its own,
// compiled on this thread as the runtime starts: 207 modules of 62 distinct kinds (10-20 ms).
// While `start` runs, a module of the same bytes as one compiled before is that one (a compiled
// module is immutable: each wrapper is its own instance of it).
const SMALL_MODULE = 1024;
/** @template T @param {() => Promise<T>} start @returns {Promise<T>} */
async function compilingEachModuleOnce(start) {
  const compile = WebAssembly.Module;
  const compiled = new Map();
  /** @param {BufferSource} bytes */
  function Module(bytes) {
    const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
    if (view.length > SMALL_MODULE) return new compile(bytes);
    const key = String.fromCharCode(...view);
    if (!compiled.has(key)) compiled.set(key, new compile(bytes));
    return compiled.get(key);
  }
  Module.prototype = compile.prototype;  // instanceof WebAssembly.Module holds for what it returns
  Object.setPrototypeOf(Module, compile);  // and its static methods (imports, exports) remain
  WebAssembly.Module = /** @type {typeof WebAssembly.Module} */ (/** @type {unknown} */ (Module));
  try {
    return await start();
  } finally {
    WebAssembly.Module = compile;
  }
}

/**
 * Starts Pyodide from the snapshot kept under `key`, or starts it normally, prepares it and keeps
 * a snapshot of it for the next start.
 * @param {PyodideLoadOptions} options
 * @param {Promise<string | null> | null} key the snapshot's file name: it must change
 *   whenever what `prepare` does would (null: no snapshot)
 * @param {Promise<KeptSnapshot | null> | null} [saved] findSnapshot(key), when the caller began it
 *   earlier (the worker does, before its scripts have loaded)
 * @param {Preparation} [preparation] what a started interpreter does before it is kept
 * @returns {Promise<{pyodide: PyodideInterface, snapshot: "used" | "made" | "off", prepared: boolean, keepSnapshot: () => Promise<void>}>}
 *   prepared: whether `prepare` ran (or its result was restored); keepSnapshot: writes a snapshot
 *   made by this start, called by the worker once ready is posted (packing and checking 21 MB,
 *   writing 11 MB, off the path to ready)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by worker.js
async function loadPyodideFast(options, key, saved = key && findSnapshot(key), preparation = { prepare: async () => false, restoreFiles: async () => true }) {
  // every start compiles Pyodide's wrapper modules once each (compilingEachModuleOnce)
  const start = (extra) => compilingEachModuleOnce(() => loadPyodide(Object.assign({}, options, extra)));
  const kept = await saved;
  if (kept) {
    try {
      /** @param {PyodideFS} FS */
      const fsInit = async (FS) => {
        const usable = await Promise.all([kept.filled, preparation.restoreFiles(FS)]).then((done) => done.every(Boolean), () => false);
        if (!usable) kept.image.fill(0);  // the runtime refuses to restore it (a bad magic number), and we start anew
      };
      const pyodide = await start({ _loadSnapshot: kept.image, fsInit });
      return { pyodide: detachFromSnapshot(pyodide), snapshot: "used", prepared: true, keepSnapshot: nothing };
    } catch (error) {
      console.warn("prometheus: start-up snapshot unusable, starting normally", error);
      await deleteSnapshot(key);
    }
  }
  if (!key || !CAN_KEEP_SNAPSHOTS) {
    const pyodide = await start({});
    return { pyodide, snapshot: "off", prepared: await preparation.prepare(pyodide), keepSnapshot: nothing };
  }
  const pyodide = await start({ _makeSnapshot: true });
  const name = await key;  // long since known: the runtime took longer than the lock file
  const prepared = await preparation.prepare(pyodide);
  if (!name || !prepared) return { pyodide: detachFromSnapshot(pyodide), snapshot: "off", prepared, keepSnapshot: nothing };
  const bytes = pyodide.makeMemorySnapshot();
  return { pyodide: detachFromSnapshot(pyodide), snapshot: "made", prepared, keepSnapshot: () => storeSnapshot(name, bytes) };
}

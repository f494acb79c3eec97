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
 * A kept snapshot's header (its length, and the runtime's own header, which starts its memory
 * image) is all `loadPyodide` needs to size the memory, so the runtime starts at once; its pages are
 * read straight into the runtime's memory where Pyodide would copy the image into it (restoringImage),
 * and checked there against the checksum kept with them (worker/snapshot_file.js). Warm start
 * (bench/startup): 0.49-0.51 s with the whole memory in Cache Storage; 0.43 s with the core's imports
 * in the snapshot and its zero pages left out; 0.40-0.46 s read from OPFS, with the runtime's script
 * compiled from Chromium's code cache (worker.js); 0.35 s checked with a checksum instead of SHA-256.
 */
"use strict";

const SNAPSHOT_FOLDER = "prometheus-startup-snapshots";

// Whether snapshots can be kept: OPFS with synchronous access handles (a dedicated worker's) and
// renames.
const CAN_KEEP_SNAPSHOTS = Boolean(self.navigator && navigator.storage && navigator.storage.getDirectory &&
  self.FileSystemFileHandle && "createSyncAccessHandle" in FileSystemFileHandle.prototype &&
  "move" in FileSystemFileHandle.prototype);

// The worker's OPFS folder `name` (its snapshots', its kept packages'), created if missing, or
// null where files cannot be kept there. The snapshots' is the worker's first use of storage (see
// claimStore).
/** @param {string} name */
async function keptFolder(name) {
  if (!CAN_KEEP_SNAPSHOTS) return null;
  return (await navigator.storage.getDirectory()).getDirectoryHandle(name, { create: true });
}

const WASM_PAGE = 65536;
const MAX_MEMORY = 2 ** 32;  // a 32-bit WebAssembly memory
// A kept snapshot's file: MAGIC, the memory's length (float64, little-endian), the checksum of its
// kept form (64 hex digits), then its kept form (worker/snapshot_file.js).
const MAGIC = "prometheus-snapshot-2\n";
const HEADER = MAGIC.length + 8 + 64;
const PART = ".part";  // a snapshot being written
// Beside a snapshot, under its name and these suffixes: the files it imports from, read where
// Python reads them (keptFile): the standard library and the preparation's file (the core's wheel);
// its key names both (the runtime's files, the library among them, and the core). And the plan of
// the runtime's function table the start that made it had (keptTablePlan, worker/function_table.js).
const LIBRARY = ".stdlib";
const PREPARED = ".prepared";
const TABLE = ".table";
const KEPT_BESIDE = [LIBRARY, PREPARED, TABLE];

async function deleteSnapshot(key) {
  const name = await Promise.resolve(key).catch(() => null);
  const folder = name && (await keptFolder(SNAPSHOT_FOLDER).catch(() => null));
  if (!folder) return;
  for (const file of [name, ...KEPT_BESIDE.map((suffix) => name + suffix)]) await folder.removeEntry(file).catch(() => {});  // nothing to delete
}

/**
 * The snapshot kept under `key`, opened and its header read (KeptSnapshot), or null. The folder
 * keeps one snapshot (storeSnapshot): what it holds is opened without waiting for the key, which
 * comes from the lock file's download. So a first visit (an empty folder) learns at once that there
 * is none, and a later one starts the runtime while the key is on its way; `named` says whether the
 * key names it (the first start of a new version finds it does not, and starts anew).
 * @param {Promise<string | null>} key
 * @returns {Promise<KeptSnapshot | null>}
 */
async function findSnapshot(key) {
  try {
    const folder = await keptFolder(SNAPSHOT_FOLDER);
    const names = [];
    const beside = (/** @type {string} */ name) => KEPT_BESIDE.some((suffix) => name.endsWith(suffix));
    if (folder) for await (const name of folder.keys()) if (!name.endsWith(PART) && !beside(name)) names.push(name);
    if (!folder || names.length === 0) return null;
    // the snapshot and the files beside it, opened at once (each open is a round trip or two to the browser)
    const [kept, library, prepared, table] = await Promise.all([
      openSnapshot(folder, names[0]), keptFile(folder, names[0] + LIBRARY), keptFile(folder, names[0] + PREPARED), keptTablePlan(folder, names[0] + TABLE),
    ]);
    const damaged = library === "damaged" || prepared === "damaged" || table === "damaged";
    if (!kept || damaged) for (const file of [library, prepared]) if (file && file !== "damaged") file.close();
    if (!kept) return null;
    removeOthersBeside(folder, names[0]);
    if (damaged) {  // all go: this start makes and keeps them anew
      kept.close();
      await deleteSnapshot(names[0]);
      return null;
    }
    return Object.assign(kept, { library, prepared, table, named: Promise.resolve(key).then((name) => name === names[0], () => false) });
  } catch {
    return null;
  }
}

/**
 * The snapshot file `name`, open for reading (read-only: other tabs may read it at the same time;
 * a browser without the mode opens it exclusively, and a tab that finds it locked starts without
 * it) until its pages are restored (restoringImage) or `close` is called. Only its header, bitmap
 * and the runtime's own header (the start of the memory image) are read here: the pages are read
 * where they are used, straight into the runtime's memory.
 * @param {FileSystemDirectoryHandle} folder
 * @param {string} name
 * @returns {Promise<Omit<KeptSnapshot, "named" | "library" | "prepared" | "table"> | null>}
 */
async function openSnapshot(folder, name) {
  const access = await (await folder.getFileHandle(name)).createSyncAccessHandle({ mode: "read-only" });
  try {
    const header = new Uint8Array(HEADER);
    const length = access.read(header, { at: 0 }) === HEADER ? new DataView(header.buffer).getFloat64(MAGIC.length, true) : 0;
    const sane = length >= WASM_PAGE && length <= MAX_MEMORY && Number.isInteger(length);
    if (new TextDecoder().decode(header.subarray(0, MAGIC.length)) !== MAGIC || !sane) throw new Error("not a snapshot");
    const bitmap = new Uint8Array(Math.ceil(Math.ceil(length / PAGE) / 8));
    /** @param {Uint8Array} view @param {number} at */
    const read = (view, at) => access.read(view, { at: HEADER + at });
    if (read(bitmap, 0) !== bitmap.length || access.getSize() - HEADER !== keptFormLength(bitmap, length)) throw new Error("a snapshot cut short");
    // Pyodide's snapshot starts with a header of its own, whose length is its second 32-bit word;
    // the interpreter's memory follows it.
    const start = new Uint8Array(16);
    const headLength = readImage(read, bitmap, length, 0, start) ? new Uint32Array(start.buffer)[1] : 0;
    if (headLength < 16 || headLength % 16 !== 0 || headLength >= length) throw new Error("no runtime header");
    const head = new Uint8Array(headLength);
    if (!readImage(read, bitmap, length, 0, head)) throw new Error("a snapshot cut short");
    const expected = new TextDecoder().decode(header.subarray(MAGIC.length + 8));
    return { head, length, bitmap, expected, read, close: () => access.close(), restored: false };
  } catch {
    access.close();
    return null;
  }
}

// A tab of an older version may have been reading its kept files when a newer one kept its own
// (keepFiles could not delete them then): such files go once they are free, beside the start's
// own look (not waited for; one still read stays for a later start).
/** @param {FileSystemDirectoryHandle} folder @param {string} snapshot the one kept */
async function removeOthersBeside(folder, snapshot) {
  try {
    for await (const name of folder.keys()) {
      if (KEPT_BESIDE.some((suffix) => name.endsWith(suffix) && name !== snapshot + suffix)) await folder.removeEntry(name).catch(() => {});
    }
  } catch {
    // the folder went meanwhile
  }
}

/**
 * The table plan kept in the file `name`, read whole; null where none is kept (or another tab is
 * writing it), "damaged" where the file is not a whole plan.
 * @param {FileSystemDirectoryHandle} folder
 * @param {string} name
 * @returns {Promise<FunctionTablePlan | "damaged" | null>}
 */
async function keptTablePlan(folder, name) {
  let access;
  try {
    access = await (await folder.getFileHandle(name)).createSyncAccessHandle({ mode: "read-only" });
  } catch {
    return null;
  }
  try {
    const bytes = new Uint8Array(access.getSize());
    return (access.read(bytes, { at: 0 }) === bytes.length && tablePlanOfFile(bytes)) || "damaged";  // worker/function_table.js
  } finally {
    access.close();
  }
}

/**
 * The kept file `name` (a zip: the standard library, the core's wheel), open for reading
 * (read-only: other tabs read it too) for as long as the runtime runs; null where none is kept (or
 * another tab is writing it), "damaged" where the file is not a whole zip (it must end with a
 * zip's end-of-directory record).
 * @param {FileSystemDirectoryHandle} folder
 * @param {string} name
 * @returns {Promise<KeptFile | "damaged" | null>}
 */
async function keptFile(folder, name) {
  try {
    const access = await (await folder.getFileHandle(name)).createSyncAccessHandle({ mode: "read-only" });
    const size = access.getSize();
    const end = new Uint8Array(22);  // the end-of-directory record, with no zip comment
    const whole = size >= end.length && access.read(end, { at: size - end.length }) === end.length &&
      end[0] === 0x50 && end[1] === 0x4b && end[2] === 0x05 && end[3] === 0x06;
    if (whole) return { size, read: (view, at) => access.read(view, { at }), close: () => access.close() };
    access.close();
    return "damaged";
  } catch {
    return null;  // none kept, or another tab writes it
  }
}

/**
 * What loadPyodide is given to restore `kept`: the runtime's header, standing for the whole image.
 * Pyodide 0.27 sizes the memory it creates from the image's `length` and, once the runtime has
 * started, copies `image.subarray(headerLength)` over that memory. This image answers the whole
 * image's length, and answers that subarray by reading the kept pages straight into the memory
 * (`memory()`, the runtime's) and checking them against the checksum kept with them; an empty
 * array is then copied. So the 21 MB image is never built nor copied, and the pages left out are
 * not touched where the runtime's start left them zero. It throws, and the start with it, if
 * `usable()` says no or the pages do not match their checksum (a damaged snapshot does not always
 * make the runtime throw: some hang).
 * @param {KeptSnapshot} kept
 * @param {() => boolean} usable
 * @param {() => WebAssembly.Memory | null} memory
 */
function restoringImage(kept, usable, memory) {
  const image = kept.head.slice();
  Object.defineProperty(image, "length", { value: kept.length });
  /** @param {number} [begin] @param {number} [end] @returns {Uint8Array<ArrayBuffer>} */
  image.subarray = function subarray(begin, end) {
    if (begin !== kept.head.length || end !== undefined) return new Uint8Array(this.buffer, this.byteOffset, this.byteLength).subarray(begin, end);
    const runtime = memory();
    if (!usable() || !runtime) throw new Error("this start-up snapshot is not this version's");
    const heap = new Uint8Array(runtime.buffer, 0, kept.length - kept.head.length);
    const kernels = memoryKernels(runtime);
    const whole = readImage(kept.read, kept.bitmap, kept.length, kept.head.length, heap, kernels);
    kept.close();
    kept.restored = true;
    if (!whole || imageChecksum(kept.bitmap, kept.length, kept.head, heap, kernels) !== kept.expected) throw new Error("a damaged start-up snapshot");
    return new Uint8Array(0);
  };
  return image;
}

/**
 * Writes `files` ([name, its pieces in order]) into the snapshot folder, each under another name
 * first, then renamed: a reader never opens a file half written. Every other file goes, but one
 * another tab still reads (its standard library) stays until a later start, as deleting it fails.
 * @param {[string, Uint8Array[]][]} files
 */
async function keepFiles(files) {
  const folder = await keptFolder(SNAPSHOT_FOLDER);
  if (!folder) return;
  /** @type {[FileSystemFileHandle, string][]} */
  const parts = [];
  for (const [name, pieces] of files) {
    const part = await folder.getFileHandle(name + PART, { create: true });
    const access = await part.createSyncAccessHandle();  // exclusive: a tab writing it too makes this one give up
    try {
      access.truncate(0);
      let at = 0;
      for (const piece of pieces) at += access.write(piece, { at });  // not flushed: a file lost in a crash is made again
    } finally {
      access.close();
    }
    parts.push([part, name]);
  }
  const keeping = new Set(parts.map(([part]) => part.name));
  for await (const old of folder.keys()) if (!keeping.has(old)) await folder.removeEntry(old).catch(() => {});
  for (const [part, name] of parts) await part.move(name);
}

/**
 * Keeps the snapshot `bytes` under `key`, with the files it imports from beside it ([suffix,
 * bytes], those it has).
 * @param {string} key @param {Uint8Array} bytes @param {[string, Uint8Array | null][]} beside
 */
async function storeSnapshot(key, bytes, beside) {
  try {
    const memory = aligned(bytes);
    const bitmap = keptPages(memory);
    const packed = packPages(bitmap, memory);
    const header = new Uint8Array(HEADER);
    header.set(new TextEncoder().encode(MAGIC));
    new DataView(header.buffer).setFloat64(MAGIC.length, bytes.length, true);
    header.set(new TextEncoder().encode(snapshotChecksum(bitmap, memory)), MAGIC.length + 8);
    /** @type {[string, Uint8Array[]][]} */
    const files = [[key, [header, packed]]];  // one snapshot at a time
    for (const [suffix, file] of beside) if (file) files.push([key + suffix, [file]]);
    await keepFiles(files);
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
// How a start that restored no snapshot came by its files and its function table.
const LINKED = /** @type {const} */ ({ standardLibrary: "downloaded", preparedFile: "downloaded", functionTable: "linked" });

// Runs `start` with WebAssembly[name] replaced by `replacement`, which keeps the original's
// prototype and static methods (so `instanceof` and the rest still hold); then puts it back.
/** @template T @param {"Module" | "Memory"} name @param {Function} replacement @param {() => Promise<T>} start @returns {Promise<T>} */
async function replacingWhile(name, replacement, start) {
  const original = WebAssembly[name];
  replacement.prototype = original.prototype;
  Object.setPrototypeOf(replacement, original);
  const namespace = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (WebAssembly));
  namespace[name] = replacement;
  try {
    return await start();
  } finally {
    namespace[name] = original;
  }
}

// Pyodide 0.27 wraps each JavaScript function it hands to WebAssembly in a tiny module of its own,
// compiled on this thread as the runtime starts: 207 modules of 62 distinct kinds (10-20 ms).
// While `start` runs, a module of the same bytes as one compiled before is that one (a compiled
// module is immutable: each wrapper is its own instance of it).
const SMALL_MODULE = 1024;
/** @template T @param {() => Promise<T>} start @returns {Promise<T>} */
function compilingEachModuleOnce(start) {
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
  return replacingWhile("Module", Module, start);
}

// Runs `start`, handing `seen` each (unshared) WebAssembly memory made meanwhile: the runtime's.
/** @template T @param {(memory: WebAssembly.Memory) => void} seen @param {() => Promise<T>} start @returns {Promise<T>} */
function seeingMemories(seen, start) {
  const make = WebAssembly.Memory;
  /** @param {WebAssembly.MemoryDescriptor} descriptor */
  function Memory(descriptor) {
    const memory = new make(descriptor);
    if (!descriptor.shared) seen(memory);
    return memory;
  }
  return replacingWhile("Memory", Memory, start);
}

// Pyodide 0.27 downloads its standard library (4 MB) at every start and copies it into the file
// system from an array that nothing else keeps (FS.writeFile without canOwn). Here the file takes
// that array instead (a copy and 4 MB of page faults fewer on the worker's thread), and a start
// that restores a snapshot reads the copy kept beside it (`library`): the file answers each read
// Python makes (zipimport reads the members it imports) from the kept file, so nothing is
// downloaded nor held in memory. Pyodide then downloads a stand-in (STAND_IN_LIBRARY, a small
// file of the bundle, cached) whose write is replaced. A warm start was ready 349 -> 314 ms (8
// fresh profiles a side: downloading the 4 MB took ~15-20 ms of this thread). Called from fsInit,
// which the runtime runs before it writes the library; answers what the file then holds: the
// downloaded array (kept with a snapshot made by this start), or null where it reads `library`.
const STANDARD_LIBRARY = /^\/lib\/python\d+\.zip$/;
const STAND_IN_LIBRARY = "pyodide.mjs";
/** @param {PyodideFS} FS @param {KeptFile | null} [library] */
function takingTheStandardLibrary(FS, library = null) {
  /** @type {{ bytes: Uint8Array | null }} */
  const written = { bytes: null };
  const writeFile = FS.writeFile;
  /** @type {PyodideFS["writeFile"]} */
  FS.writeFile = function (path, data, options) {
    if (!STANDARD_LIBRARY.test(path)) return writeFile.call(this, path, data, options);
    FS.writeFile = writeFile;
    if (!library) {
      written.bytes = data instanceof Uint8Array ? data : null;
      return writeFile.call(this, path, data, Object.assign({}, options, { canOwn: true }));
    }
    writeReading(FS, path, library, options);
  };
  return written;
}

// Writes the file `path` (read only) whose reads come from `library`, a kept file.
/** @param {PyodideFS} FS @param {string} path @param {KeptFile} library @param {{ canOwn?: boolean }} [options] */
function writeReading(FS, path, library, options) {
  FS.writeFile(path, new Uint8Array(0), options);
  /** @type {any} */
  const node = FS.lookupPath(path).node;
  node.usedBytes = library.size;  // the file's size, for stat and seeks from its end
  node.stream_ops = Object.assign({}, node.stream_ops, {
    /** @param {unknown} _stream @param {Int8Array | Uint8Array} buffer @param {number} offset @param {number} length @param {number} position */
    read(_stream, buffer, offset, length, position) {
      const size = Math.max(0, Math.min(length, library.size - position));
      return size > 0 ? library.read(buffer.subarray(offset, offset + size), position) : 0;
    },
  });
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
 * @returns {Promise<{pyodide: PyodideInterface, snapshot: "used" | "made" | "off", standardLibrary: "kept" | "downloaded", preparedFile: "kept" | "downloaded", functionTable: "bulk" | "planned" | "linked", prepared: boolean, keepSnapshot: () => Promise<void>}>}
 *   standardLibrary, preparedFile: read from the copy kept with the snapshot, or downloaded;
 *   functionTable: the exports placed by the plan kept with the snapshot ("bulk": and linked in
 *   bulk, worker/linking.js), or by the linker;
 *   prepared: whether `prepare` ran (or its result was restored); keepSnapshot: writes a snapshot
 *   made by this start, called by the worker once ready is posted (packing and checking 21 MB,
 *   writing 11 MB, off the path to ready)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by worker.js
async function loadPyodideFast(options, key, saved = key && findSnapshot(key), preparation = { prepare: async () => false, restoreFiles: async () => true, keptFile: async () => null }) {
  // every start compiles Pyodide's wrapper modules once each (compilingEachModuleOnce)
  /** @type {{ bytes: Uint8Array | null }} */
  let library = { bytes: null };  // the standard library the last start downloaded
  /** @param {Partial<PyodideLoadOptions>} extra @param {KeptFile | null} [kept] the standard library to read */
  const start = (extra, kept = null) => {
    /** @param {PyodideFS} FS @param {{ sitePackages: string }} info */
    const fsInit = async (FS, info) => {
      library = takingTheStandardLibrary(FS, kept);
      if (extra.fsInit) await extra.fsInit(FS, info);
    };
    const stdLib = kept ? { stdLibURL: options.indexURL + STAND_IN_LIBRARY } : {};
    return compilingEachModuleOnce(() => loadPyodide(Object.assign({}, options, extra, stdLib, { fsInit })));
  };
  const kept = await saved;
  if (kept) {
    try {
      let usable = false;  // the snapshot is the key's, and its files are written back
      /** @param {PyodideFS} FS */
      const fsInit = async (FS) => {
        usable = await Promise.all([kept.named, preparation.restoreFiles(FS, kept.prepared)]).then((done) => done.every(Boolean), () => false);
      };
      /** @type {WebAssembly.Memory | null} */
      let memory = null;
      const image = restoringImage(kept, () => usable, () => memory);
      /** @type {FunctionTablePlanning} */
      const functionTable = { plan: kept.table };
      const pyodide = await seeingMemories((made) => { memory = made; }, () => start({ _loadSnapshot: image, fsInit, functionTable }, kept.library));
      if (!kept.restored) throw new Error("the runtime started without restoring the snapshot");
      const standardLibrary = kept.library ? "kept" : "downloaded", preparedFile = kept.prepared ? "kept" : "downloaded";
      return { pyodide: detachFromSnapshot(pyodide), snapshot: "used", standardLibrary, preparedFile, functionTable: functionTable.linked || (functionTable.placed ? "planned" : "linked"), prepared: true, keepSnapshot: nothing };
    } catch (error) {
      kept.close();  // a restored snapshot's file is closed already: this one is deleted next
      for (const file of [kept.library, kept.prepared]) if (file) file.close();
      console.warn("prometheus: start-up snapshot unusable, starting normally", error);
      await deleteSnapshot(key);
    }
  }
  if (!key || !CAN_KEEP_SNAPSHOTS) {
    const pyodide = await start({});
    return { pyodide, snapshot: "off", ...LINKED, prepared: await preparation.prepare(pyodide), keepSnapshot: nothing };
  }
  /** @type {FunctionTablePlanning} */
  const functionTable = { plan: null };
  const pyodide = await start({ _makeSnapshot: true, functionTable });
  const name = await key;  // long since known: the runtime took longer than the lock file
  const prepared = await preparation.prepare(pyodide);
  if (!name || !prepared) return { pyodide: detachFromSnapshot(pyodide), snapshot: "off", ...LINKED, prepared, keepSnapshot: nothing };
  const bytes = pyodide.makeMemorySnapshot();
  /** @type {[string, Uint8Array | null][]} */
  const beside = [[LIBRARY, library.bytes], [PREPARED, await preparation.keptFile()], [TABLE, functionTable.made ? tablePlanFile(functionTable.made) : null]];
  return { pyodide: detachFromSnapshot(pyodide), snapshot: "made", ...LINKED, prepared, keepSnapshot: () => storeSnapshot(name, bytes, beside) };
}

// @ts-check
/*
 * Prometheus worker: hosts Pyodide and hands every request to `prometheus.rpc`.
 *
 * It holds no logic of its own: it loads the runtime and the core, reports start-up progress,
 * loads the Pyodide packages a method needs (`rpc.prepare`), and posts back the JSON envelope
 * that `rpc.start` answers. Messages in:     {id, method, params}
 *                                            {control: Int32Array} shared memory for aborts
 *                                            (cross-origin isolated pages): [0] Pyodide's
 *                                            interrupt buffer, [1] the id of the call to abort
 * Messages out: {type: "progress", stage, fraction}            start-up progress
 *               {type: "ready", version, pyodide, capabilities}  once requests are served
 *               {type: "failed", error}                         start-up failed for good
 *               {type: "store", event, ...}                     the store's role changed, an
 *                                                               upgrade elsewhere closed it ...
 *               {id, type: "progress", stage, fraction}         progress of one call
 *               {id, result} | {id, error: {type, message, traceback}}
 * Bytes (ArrayBuffer, typed arrays) in params and results travel as transferred buffers,
 * marked {"__bytes__": i} in the JSON that Python reads and writes; numeric arrays in results as
 * {"__array__": i, "dtype"} (typed arrays of that dtype), NaN and the infinities both ways as
 * {"__number__": "NaN" | "Infinity" | "-Infinity"} (py_core/prometheus/rpc/encoding.py).
 */
"use strict";

// Started directly, the SDK passes its options in the query string (worker.js?snapshot=false&store=...).
const QUERY = new URL(self.location.href).searchParams;
if (self.PROMETHEUS_SNAPSHOT === undefined) self.PROMETHEUS_SNAPSHOT = QUERY.get("snapshot") !== "false";
if (self.PROMETHEUS_STORE === undefined && QUERY.has("store")) {
  self.PROMETHEUS_STORE = { name: QUERY.get("store"), persist: QUERY.get("persist") !== "false", durability: QUERY.get("durability") === "strict" ? "strict" : "relaxed" };
}
// The SDK's blob bootstrap sets PROMETHEUS_BASE; started directly, the bundle is one level up.
const BASE = self.PROMETHEUS_BASE || new URL("..", self.location.href).href;
const INDEX_URL = new URL("pyodide/", BASE).href;

// The bundle's lock file, fetched once: it names the start-up wheels and the runtime digest.
// It, the core wheel and the look into the snapshot cache start before Pyodide's scripts load: the
// runtime starts as soon as they have, waiting for none of them.
const lockFile = fetch(INDEX_URL + "pyodide-lock.json").then((response) => response.json());
const snapshotKey = self.PROMETHEUS_SNAPSHOT === false ? null : lockSnapshotKey();  // on unless the page opts out
const savedSnapshot = snapshotKey && findSnapshot(snapshotKey);
/** @type {Promise<{ name: string, bytes: ArrayBuffer } | null> | null} */
let coreDownload = null;
const coreWheel = () => (coreDownload ||= fetchCore());
// Downloaded at once, unless a snapshot was kept with it (then only if that snapshot fails).
Promise.resolve(savedSnapshot).then((kept) => kept && kept.prepared ? null : coreWheel());
const RUNTIME_SCRIPT = INDEX_URL + "pyodide.asm.js";
importRuntimeScript(RUNTIME_SCRIPT);  // loadPyodide waits for it
importLoader(INDEX_URL);
// snapshot_file.js, snapshot.js and store.js are not fetched here: the build puts them in front of this file
// (build/worker_bundle.py), so the worker's own code is one download.

// Start-up stages and the fraction of the download done when each begins.
const STAGES = [["runtime", 0], ["packages", 0.8], ["core", 0.97], ["restore", 0.98], ["ready", 1]];
// The store the page asked for (data-store, data-persist, data-durability on the script tag).
const STORE = /** @type {StoreOptions} */ (Object.assign({ name: "default", persist: true, durability: "relaxed" }, self.PROMETHEUS_STORE || {}));
const post = (message) => self.postMessage(message);

async function gpuReport() {
  if (!self.navigator || !navigator.gpu) return { available: false, reason: "navigator.gpu is missing" };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, reason: "no adapter" };
    const info = adapter.info || {};
    return { available: true, vendor: info.vendor || "", architecture: info.architecture || "" };
  } catch (error) {
    return { available: false, reason: String(error && error.message || error) };
  }
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Downloads the core wheel while the runtime starts and resolves {name, bytes} once they match
// the lock's sha256 (null if anything failed: loadPackage then fetches and reports itself).
// numpy is not fetched here: ready does not wait for it (it loads right after), and on a slow
// link it would share the bandwidth with the runtime's own download.
function fetchCore() {
  return lockFile
    .then(async (lock) => {
      const name = coreFileName(lock);
      if (name === null) return null;
      const bytes = await (await fetch(INDEX_URL + name)).arrayBuffer();
      return (await sha256Hex(bytes)) === lock.packages["prometheus-web"].sha256 ? { name, bytes } : null;
    })
    .catch(() => null);
}

// The core wheel's file name in the lock, if it is a plain wheel name (it becomes a path), else null.
/** @param {{ packages: Record<string, PackageEntry> }} lock */
function coreFileName(lock) {
  const name = lock.packages["prometheus-web"].file_name;
  return /^[\w.+-]+\.whl$/.test(name) ? name : null;
}

// A script imported as a module; where this worker has no import(), loaded as a classic script
// from `classicURL` instead (as loadPyodide would). The module's namespace, or null.
/** @param {string} moduleURL @param {string} [classicURL] @returns {Promise<any>} */
function importOrLoad(moduleURL, classicURL = moduleURL) {
  return import(moduleURL).catch(() => {
    importScripts(classicURL);
    return null;
  });
}

// Pyodide's runtime script (1.2 MB), imported as a module: Chromium keeps no compiled code for a
// worker's importScripts, which loadPyodide would use, but does for a module script (measured:
// 55-65 ms to compile and run it each start, 20-25 ms from the cache). loadPyodide skips its own
// load when `_createPyodideModule` is defined: it is defined at once (worker/offset_table.js), as
// a factory that waits for this import, so the runtime's wasm download starts at once.
function importRuntimeScript(url) {
  definingRuntimeFactory(importOrLoad(url), url);
}

// Pyodide's loader, imported as a module (pyodide.mjs): importScripts would hold this thread for
// the whole load, from the HTTP cache too (6-16 ms of a warm start, traced), where import() lets
// it go on; `loadPyodide` stands in until it has loaded. Without import() in this worker, the
// classic script (pyodide.js) defines the real one, as before.
function importLoader(indexURL) {
  const loaded = importOrLoad(indexURL + "pyodide.mjs", indexURL + "pyodide.js").then((module) => (module ? module.loadPyodide : self.loadPyodide));
  /** @param {PyodideLoadOptions} options */
  self.loadPyodide = async (options) => (await loaded)(options);
}

// V8 writes a module script's code cache the second time it is loaded and uses it from the third.
// A start that made a snapshot (a first visit, a new version) loads the runtime's script a
// second time in a throwaway worker once ready is posted, so that the next visit is the third.
// Not earlier: compiling 1.2 MB of script beside the start delayed a first visit's ready (A/B,
// six fresh profiles a side: 1069 -> 1011 ms once moved after ready; the first answer, which
// waits for numpy, 2127 -> 2120 ms). Pages that keep no snapshots cannot tell a first visit, and
// extension pages forbid blob: workers (their CSP): there the cache comes from the third start.
function warmCodeCache(url) {
  if (self.location.protocol.endsWith("-extension:") || typeof Worker !== "function") return;
  const source = "import(" + JSON.stringify(url) + ").finally(() => postMessage(null));";
  const loader = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
  loader.onmessage = () => loader.terminate();
}

// The start-up snapshot's name: the digests of what it holds, the runtime and the core (both in
// the lock file).
async function lockSnapshotKey() {
  try {
    const lock = await lockFile;
    const runtime = lock.info.prometheus_runtime_sha256;
    const core = lock.packages["prometheus-web"].sha256;
    return /^[0-9a-f]{64}$/.test(runtime) && /^[0-9a-f]{64}$/.test(core) ? runtime + "-" + core : null;
  } catch {
    return null;
  }
}

// The page's store, opened and claimed (writer or reader).
async function claimStore() {
  if (!STORE.persist) return null;
  const notice = (detail) => post(Object.assign({ type: "store" }, detail));
  const bridge = await PrometheusStore.open(STORE.name, { durability: STORE.durability, notice });
  let takeOver = null;  // set once Python can take the writer's role
  const early = [];
  bridge.channel.onmessage = ({ data }) => early.push(data);
  const role = await bridge.claimWriter(() => (takeOver ? takeOver() : early.push({ takeOver: true })));
  bridge.readEarly();  // the newest checkpoint (if any), read while the runtime and the core load
  const persisted = PrometheusStore.persisted();  // asked of the browser meanwhile too
  return { bridge, notice, role, early, persisted, setTakeOver: (fn) => { takeOver = fn; } };
}

// numpy is the largest part of the start beyond bare Pyodide (its extension modules load
// and import in ~0.8 s), and restoring a store needs it only for the index and the collection:
// so `ready` comes first. `prometheus.deferred` stands in for numpy, which loads right after
// `ready`; the store is read and verified (and its settings restored) before ready, and the
// parts that need numpy once it arrives (Store.settle); requests wait for both (they await the
// whole start). So the core is not installed by loadPackage, which would load numpy with it:
// its verified wheel (pure Python) goes on sys.path as it is, imported from the zip, which costs
// ~1 ms where unpacking took ~0.1 s. That state, with the modules a start imports, is what the
// start-up snapshot keeps (worker/snapshot.js), so a warm start imports nothing.
const CORE_IMPORTS = "import prometheus.deferred; prometheus.deferred.defer('numpy'); import prometheus.rpc, prometheus.store.browser, prometheus.wheel_unpack, prometheus.import_caches";

// Writes the verified core wheel into the file system; its path (the sys.path entry), or null
// when it could not be fetched. With `kept` (the copy kept with the snapshot, which names its
// digest), the file reads that copy as Python asks (worker/snapshot.js, writeReading): nothing is
// downloaded.
/** @param {PyodideFS} FS @param {KeptFile | null} [kept] */
async function writeCore(FS, kept = null) {
  if (kept) {
    const name = await lockFile.then(coreFileName, () => null);
    if (name === null) return null;
    writeReading(FS, "/lib/" + name, kept);
    return "/lib/" + name;
  }
  const wheel = await coreWheel();
  if (wheel === null) return null;
  const path = "/lib/" + wheel.name;
  FS.writeFile(path, new Uint8Array(wheel.bytes), { canOwn: true });  // the file takes the bytes as they are: no copy
  return path;
}

/** @type {Preparation} */
const preparation = {
  async prepare(pyodide) {
    const path = await writeCore(pyodide.FS);
    if (path === null) return false;
    pyodide.runPython("import sys; sys.path.insert(0, " + JSON.stringify(path) + "); " + CORE_IMPORTS);
    return true;
  },
  // the wheel the snapshot's sys.path names (the snapshot's key holds its digest)
  restoreFiles: async (FS, kept) => (await writeCore(FS, kept)) !== null,
  // kept with the snapshot: that wheel
  keptFile: async () => {
    const wheel = await coreWheel();
    return wheel && new Uint8Array(wheel.bytes);
  },
};

async function start() {
  const timings = {};  // milliseconds at which each stage began, since the worker started
  const stage = (i) => {
    timings[STAGES[i][0]] = Math.round(performance.now());
    post({ type: "progress", stage: STAGES[i][0], fraction: STAGES[i][1] });
  };
  stage(0);
  const webgpu = gpuReport();  // answered by the GPU process meanwhile
  const options = { indexURL: INDEX_URL, stdout: () => {}, stderr: (s) => console.warn(s) };
  // The store opens while the runtime starts (a first open takes 0.1-0.2 s in the browser),
  // after the look for a snapshot: Chromium sizes an origin's quota from the free disk when its
  // storage is first used, and that must be where the start-up snapshot goes (measured with
  // Cache Storage, where snapshots were kept before OPFS: IndexedDB first, a nearly full disk
  // refused every write after a refused one).
  const claim = Promise.resolve(savedSnapshot).then(claimStore);
  claim.catch(() => {});  // awaited below: a failure is reported there, not as unhandled now
  const { pyodide, snapshot, standardLibrary, preparedFile, functionTable, keepSnapshot, prepared } = await loadPyodideFast(options, snapshotKey, savedSnapshot, preparation);
  stage(1);
  const deferNumpy = prepared;
  if (prepared) pyodide.loadedPackages["prometheus-web"] = "default channel";  // as loadPackage records it
  else await pyodide.loadPackage(["prometheus-web"], { messageCallback: () => {} });  // numpy with it
  stage(2);
  // Packages load from here on (numpy, then what calls need), through `loadPackages`: written back
  // from the files an earlier start kept, or unpacked by the core's faster function (and then
  // kept); the import caches Pyodide invalidates after each load re-read each zip once (the
  // start-up snapshot holds both modules, imported by CORE_IMPORTS).
  pyodide.runPython("import prometheus.wheel_unpack, prometheus.import_caches; prometheus.wheel_unpack.install(); prometheus.import_caches.install()");
  const loadPackages = packageLoader(pyodide, lockFile, self.PROMETHEUS_SNAPSHOT !== false);
  const rpc = pyodide.pyimport("prometheus.rpc");
  const version = pyodide.pyimport("prometheus").__version__;
  const claimed = await claim;
  stage(3);
  const { report, deliver } = await restoreStore(pyodide, claimed);
  const capabilities = { webgpu: await webgpu, crossOriginIsolated: self.crossOriginIsolated === true, snapshot, store: report };
  stage(4);
  timings.numpy = deferNumpy ? "after ready" : "before ready";
  timings.standardLibrary = standardLibrary;  // "kept": read from the copy kept with the snapshot
  timings.coreWheel = preparedFile;  // the same for the core's wheel
  timings.functionTable = functionTable;  // "bulk" / "planned": the exports placed by the plan kept with the snapshot
  post({ type: "ready", version, pyodide: pyodide.version, capabilities, timings });
  if (snapshot === "made") warmCodeCache(RUNTIME_SCRIPT);
  // numpy's load is asked for first: from the files an earlier start kept (worker/package_cache.js),
  // else with loadPackage, whose download starts once the snapshot below is packed and checked
  // (21 MB on this thread, 20-90 ms; the write then goes on beside numpy's install): loadPackage
  // reaches its fetch a few microtasks later. Letting the request out first (a task's wait) was
  // no faster: a worker's fetch takes in its body on this thread too (A/B, 8 profiles a side,
  // first answer 1.87 -> 1.94 s cold, 0.99 -> 1.01 s warm).
  const numpy = deferNumpy ? loadPackages(["numpy"]) : null;
  keepSnapshot();
  if (numpy) {
    await numpy;
    pyodide.runPython("import prometheus.deferred; prometheus.deferred.arrive('numpy')");
    pyodide.runPython("import prometheus.store.browser; prometheus.store.browser.settle()");
  }
  deliver();  // other tabs' records, buffered until everything they may need is loaded
  return { pyodide, rpc, loadPackages };
}

// Restores the claimed store (progress stage "restore", before ready). Other tabs' records
// are buffered until `deliver` is called, then handed to Python in order.
async function restoreStore(pyodide, claimed) {
  if (claimed === null) return { report: { name: STORE.name, persistent: false, role: "writer" }, deliver: () => {} };
  const { bridge, notice, role, early } = claimed;
  const python = pyodide.pyimport("prometheus.store.browser");
  const progress = (stage, fraction) => post({ type: "progress", stage, fraction: 0.98 + 0.02 * fraction });
  const report = (await python.open_browser(bridge, STORE.name, role, await claimed.persisted, progress)).toJs({ dict_converter: Object.fromEntries });
  const takeOver = () => python.become_writer().then(() => notice({ event: "role", role: "writer" }));
  const receive = (message) => (message.takeOver ? takeOver() : python.receive(message.reload ? null : message.seq, message.reload ? null : message.data));
  const deliver = () => {
    claimed.setTakeOver(takeOver);
    bridge.channel.onmessage = ({ data }) => receive(data);
    early.splice(0).forEach(receive);
  };
  return { report, deliver };
}

// Params with every ArrayBuffer / typed array replaced by {"__bytes__": i}, and those buffers;
// NaN and the infinities (which JSON would turn into null) marked.
function splitBuffers(value, buffers) {
  if (typeof value === "number" && !Number.isFinite(value)) return { __number__: String(value) };
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    buffers.push(bytes);
    return { __bytes__: buffers.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v) => splitBuffers(v, buffers));
  if (value && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value)) out[key] = splitBuffers(value[key], buffers);
    return out;
  }
  return value;
}

// The typed array each result marker stands for; anything else unchanged (a JSON.parse reviver).
const TYPED_ARRAYS = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array,
};
function marked(arrays) {
  return (_key, value) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && typeof value.__bytes__ === "number") return arrays[value.__bytes__];
    if (keys.length === 1 && typeof value.__number__ === "string") return Number(value.__number__);
    if (keys.length === 2 && typeof value.__array__ === "number" && TYPED_ARRAYS[value.dtype]) return new TYPED_ARRAYS[value.dtype](arrays[value.__array__].buffer);
    return value;
  };
}

const runtime = start();
runtime.catch((error) => post({
  type: "failed",
  error: { type: "StartupError", message: String(error && error.message || error), traceback: String(error && error.stack || "") },
}));

// The reply of a call that had to wait (rpc.start): the task's proxy is released once it is done.
async function settled(task) {
  try {
    return await task;
  } finally {
    task.destroy();
  }
}

async function handle({ id, method, params }) {
  const { pyodide, rpc, loadPackages } = await runtime;
  const progress = (stage, fraction) => post({ id, type: "progress", stage, fraction });
  const buffers = [];
  const json = JSON.stringify(splitBuffers(params === undefined ? {} : params, buffers));
  const needed = rpc.prepare(method, json);  // what these params need (an .apkg export: sqlite3)
  const missing = needed.toJs().filter((name) => !(name in pyodide.loadedPackages));
  needed.destroy();
  if (missing.length) {
    progress("loading " + missing.join(", "), 0);
    await loadPackages(missing);
  }
  const started = rpc.start(method, json, progress, buffers.length ? buffers : undefined, id);
  const reply = typeof started === "string" ? started : await settled(started);
  const arrays = reply.includes('"__bytes__"') || reply.includes('"__array__"') ? rpc.take_buffers_for_js() : [];
  const message = reply.includes('"__') ? JSON.parse(reply, marked(arrays)) : JSON.parse(reply);
  self.postMessage(Object.assign({ id }, message), arrays.map((a) => a.buffer));
}

self.onmessage = (event) => {
  const message = event.data;
  if (message && message.control instanceof Int32Array) {  // before any call: see rpc/interrupts.py
    runtime.then(({ pyodide, rpc }) => { pyodide.setInterruptBuffer(message.control); rpc.watch_interrupts(message.control); });
    return;
  }
  const id = message && message.id;
  if (typeof id !== "number" && typeof id !== "string") {
    post({ id: null, error: { type: "InvalidRequest", message: "a request needs an id (number or string)", traceback: "" } });
    return;
  }
  handle(message).catch((error) => post({
    id, error: { type: error && error.type || "WorkerError", message: String(error && error.message || error), traceback: String(error && error.stack || "") },
  }));
};

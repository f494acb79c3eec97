// @ts-check
/*
 * Prometheus Web SDK. The whole integration is one tag:
 *
 *   <script src="https://host/path/prometheus.js"></script>
 *
 * which starts the engine in a Web Worker and defines `window.Prometheus`:
 *   Prometheus.ready            Promise of the capability report
 *   Prometheus.call(m, params, options)
 *                               Promise of the result; rejects with a PrometheusError (below).
 *                               options: {signal: AbortSignal, timeout: ms, onProgress: fn}
 *   Prometheus.on(event, fn)    events: "progress" {stage, fraction}, "ready", "error",
 *                               "store" {event: "role" | "versionchange" | "blocked", ...}
 *   Prometheus.capabilities     {webgpu, crossOriginIsolated, storage, store, ...} once ready
 *
 * Order. Calls run one at a time, in the order `call` was invoked: each sees every change
 * made by the calls before it and none made by the calls after it, whether or not the page
 * awaited the earlier ones.
 *
 * Results. JSON values as they are; bytes as a Uint8Array; a numeric numpy array as ONE flat
 * typed array of its dtype, row-major (float32 -> Float32Array, float64 -> Float64Array,
 * int32 -> Int32Array, int64 -> BigInt64Array ...; e.g. infer.embed: n x 384 in one
 * Float32Array); NaN, Infinity and -Infinity as those numbers, also inside lists and objects.
 * Params may hold ArrayBuffers / typed arrays (sent as bytes) and NaN / +-Infinity.
 *
 * Errors. A PrometheusError has .type (the Python class name, e.g. "CypherSyntaxError"),
 * .message, .pythonTraceback, and the error's own fields as properties in camelCase, numbers
 * as numbers, also gathered in .details: a Cypher error has .tckType, .phase, .detail,
 * .position, .line, .column; a QasmError .line, .column, .detail; CircuitTooLarge .maxQubits;
 * UnknownCard .cardId; CycleError .cycle; ColumnError .column (a name), .row;
 * ReviewImportError .errors ([line, message] pairs).
 *
 * Aborting. `signal` (an AbortSignal) or `timeout` (ms from the call) aborts a call; its
 * promise then rejects with a PrometheusError of type and name "AbortError" and .reason
 * "abort" or "timeout". A call still waiting for its turn is dropped without running. A
 * running call is interrupted (Pyodide's interrupt buffer, shared memory: the page must be
 * cross-origin isolated); it stops at its next Python instruction (a call waiting on a
 * download or a storage write stops when that is done), every change it made is rolled back,
 * and the promise rejects once that is done. If the call had already finished (or was
 * committing its change) when the abort arrived, the abort has no effect and the promise
 * settles with the call's own outcome. On a page that is NOT cross-origin isolated a running
 * call cannot be interrupted: its promise rejects at once with AbortError, the call runs to
 * completion in the background (later calls wait for it), its result is dropped, and a write
 * it makes still commits whole or not at all, so such an AbortError does not say whether it
 * did (read the state to find out).
 *
 * Attributes: data-base="URL" (where the bundle lives; default: this script's folder),
 * data-autostart="false" (define PrometheusSDK only), data-snapshot="false" (keep nothing of the
 * runtime in the origin private file system: no start-up snapshot of the interpreter, no unpacked
 * packages), data-store="NAME"
 * (which of this site's stores to open; default "default"), data-persist="false" (keep
 * everything in memory), data-durability="strict" (IndexedDB flushes each write to disk:
 * survives an OS crash, slower).
 * As an ES module: prometheus.mjs.
 */
(function (global) {
  "use strict";

  const camelCase = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

  class PrometheusError extends Error {
    /** @param {{type?: string, message?: string, traceback?: string, details?: Record<string, unknown>, reason?: string}} error */
    constructor({ type, message, traceback, details, reason }) {
      super(message);
      this.name = type || "PrometheusError";
      this.type = this.name;
      this.pythonTraceback = traceback || "";
      if (reason) this.reason = reason;
      this.details = {};
      for (const [key, value] of Object.entries(details || {})) {
        const name = camelCase(key);
        this.details[name] = value;
        if (!(name in this)) this[name] = value;  // never hides name, message, type, stack ...
      }
    }
  }

  function abortError(reason, message) {
    return new PrometheusError({ type: "AbortError", message, reason });
  }

  function startWorker(base, snapshot, store) {
    // Same origin (always so in an extension, whose CSP forbids blob: workers): start the file,
    // with the options in its query string.
    const direct = new URL("worker/worker.js", base);
    direct.search = new URLSearchParams({ snapshot: String(snapshot !== false), store: store.name, persist: String(store.persist), durability: store.durability }).toString();
    if (global.location && direct.origin === global.location.origin) return { worker: new Worker(direct.href, { name: "prometheus" }), url: "" };
    // A worker cannot be started from another origin's URL; a same-origin blob that
    // imports the bundle's worker script can, and the worker then fetches with CORS.
    const source = "self.PROMETHEUS_BASE = " + JSON.stringify(base) + ";\n" +
      "self.PROMETHEUS_SNAPSHOT = " + JSON.stringify(snapshot !== false) + ";\n" +
      "self.PROMETHEUS_STORE = " + JSON.stringify(store) + ";\n" +
      "importScripts(" + JSON.stringify(new URL("worker/worker.js", base).href) + ");\n";
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(url, { name: "prometheus" });
    return { worker, url };
  }

  // Asks the browser to exempt this site's data from eviction (when the page persists data)
  // and reports the answer.
  async function storageReport(persist) {
    const storage = global.navigator && navigator.storage;
    if (!storage || !storage.persisted) return { persisted: false, available: false };
    try {
      if (persist && typeof storage.persist === "function" && !(await storage.persisted())) await storage.persist();
      return { persisted: await storage.persisted(), available: typeof storage.persist === "function" };
    } catch {
      return { persisted: false, available: false };
    }
  }

  class PrometheusClient extends EventTarget {
    constructor(options) {
      super();
      options = options || {};
      if (!options.base) throw new TypeError("Prometheus needs the bundle's base URL (options.base)");
      this.base = new URL(options.base, global.location && global.location.href).href.replace(/\/?$/, "/");
      this.capabilities = null;
      this.version = null;
      this.progressLog = [];
      this._pending = new Map();  // id -> call, from `call` until its promise settles
      this._queue = [];           // calls waiting for their turn, in call order
      this._running = null;       // the call the worker is running (one at a time)
      this._nextId = 1;
      this.ready = new Promise((resolve, reject) => { this._resolveReady = resolve; this._rejectReady = reject; });
      this.ready.catch(() => {});  // a failed start also arrives as an "error" event
      const store = {
        name: options.store || "default",
        persist: options.persist !== false,
        durability: options.durability === "strict" ? "strict" : "relaxed",
      };
      if (!/^[\w.-]{1,64}$/.test(store.name)) throw new TypeError("data-store must be 1-64 letters, digits, '.', '_' or '-', got " + JSON.stringify(store.name));
      const { worker, url } = startWorker(this.base, options.snapshot, store);
      this._storage = storageReport(store.persist);  // asked while the worker starts, not after ready
      this._worker = worker;
      this._blobUrl = url;
      // Shared memory for aborts, where the page may have it: [0] Pyodide's interrupt buffer,
      // [1] the id of the call to stop (py_core/prometheus/rpc/interrupts.py).
      this._control = global.crossOriginIsolated === true && typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(8)) : null;
      if (this._control) worker.postMessage({ control: this._control });
      worker.onmessage = (event) => this._receive(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this._fail({ type: "WorkerError", message: "the worker failed: " + (event.message || "script error (is the bundle reachable from " + this.base + "?)") });
      };
    }

    on(type, listener) {
      this.addEventListener(type, (event) => listener(/** @type {CustomEvent} */ (event).detail));
      return this;
    }

    call(method, params, options) {
      if (typeof method !== "string" || !method) {
        return Promise.reject(new TypeError("Prometheus.call needs a method name"));
      }
      const { signal, timeout, onProgress } = options || {};
      if (signal !== undefined && !(signal && typeof signal.aborted === "boolean" && typeof signal.addEventListener === "function")) {
        return Promise.reject(new TypeError("Prometheus.call: options.signal must be an AbortSignal"));
      }
      if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0 && timeout <= 2147483647)) {
        return Promise.reject(new TypeError("Prometheus.call: options.timeout must be a number of milliseconds in [0, 2^31), got " + String(timeout)));
      }
      if (signal && signal.aborted) return Promise.reject(abortError("abort", method + " was aborted before it was sent: it did not run"));
      const id = this._nextId++;
      return new Promise((resolve, reject) => {
        const entry = { id, method, params: params === undefined ? {} : params, resolve, reject, onProgress, state: "queued", signal, timeout, timer: null, onAbort: null };
        if (signal) {
          entry.onAbort = () => this._abort(entry, "abort");
          signal.addEventListener("abort", entry.onAbort, { once: true });
        }
        if (timeout !== undefined) entry.timer = setTimeout(() => this._abort(entry, "timeout"), timeout);
        this._pending.set(id, entry);
        this._queue.push(entry);
        this._next();
      });
    }

    // Sends the next queued call once the worker is free.
    _next() {
      while (!this._running && this._queue.length) {
        const entry = this._queue.shift();
        try {
          this._worker.postMessage({ id: entry.id, method: entry.method, params: entry.params });
        } catch (error) {  // params that cannot be cloned (functions, DOM nodes ...)
          this._settle(entry, new PrometheusError({ type: "InvalidParams", message: "params cannot be sent to the worker: " + error.message }));
          continue;
        }
        entry.state = "running";
        this._running = entry;
      }
    }

    _settle(entry, error, result) {
      if (!this._pending.delete(entry.id)) return;
      clearTimeout(entry.timer);
      if (entry.onAbort) entry.signal.removeEventListener("abort", entry.onAbort);
      if (error) entry.reject(error);
      else entry.resolve(result);
    }

    _abort(entry, reason) {
      if (!this._pending.has(entry.id)) return;
      entry.aborted = reason;
      const what = reason === "timeout" ? entry.method + " timed out after " + entry.timeout + " ms" : entry.method + " was aborted";
      if (entry.state === "queued") {
        this._queue.splice(this._queue.indexOf(entry), 1);
        this._settle(entry, abortError(reason, what + " before it started: it did not run"));
      } else if (this._control) {  // the worker answers: AbortError once rolled back, or the result if it was done
        Atomics.store(this._control, 1, entry.id);
        Atomics.store(this._control, 0, 2);  // SIGINT
      } else {
        this._settle(entry, abortError(reason, what + " while running; this page is not cross-origin isolated, so the call " +
          "runs to completion in the background and its result is dropped (a write it makes commits whole or not at all)"));
      }
    }

    terminate() {
      this._worker.terminate();
      this._fail({ type: "Terminated", message: "the Prometheus worker was terminated" });
    }

    _emit(type, detail) {
      this.dispatchEvent(new CustomEvent(type, { detail }));
    }

    async _receive(message) {
      if (message.type === "progress" && message.id === undefined) {
        const event = { stage: message.stage, fraction: message.fraction };
        this.progressLog.push(event);
        this._emit("progress", event);
      } else if (message.type === "ready") {
        if (this._blobUrl) URL.revokeObjectURL(this._blobUrl);
        this.version = message.version;
        this.capabilities = Object.assign({}, message.capabilities, {
          crossOriginIsolated: global.crossOriginIsolated === true,
          storage: await this._storage,
          pyodide: message.pyodide,
          version: message.version,
          startupTimings: message.timings,
        });
        this._resolveReady(this.capabilities);
        this._emit("ready", this.capabilities);
      } else if (message.type === "store") {
        if (message.event === "role" && this.capabilities) this.capabilities.store.role = message.role;
        this._emit("store", message);
      } else if (message.type === "failed") {
        this._fail(message.error);
      } else if (this._running && message.id === this._running.id) {
        const entry = this._running;
        if (message.type === "progress") {
          if (entry.onProgress && this._pending.has(entry.id)) entry.onProgress({ stage: message.stage, fraction: message.fraction });
          return;
        }
        this._running = null;
        if (message.error && message.error.type === "AbortError") {
          const what = entry.aborted === "timeout" ? entry.method + " timed out after " + entry.timeout + " ms: " : entry.method + " was aborted: ";
          this._settle(entry, new PrometheusError(Object.assign({}, message.error, { message: what + message.error.message, reason: entry.aborted })));
        } else if (message.error) this._settle(entry, new PrometheusError(message.error));
        else this._settle(entry, null, message.result);
        this._next();
      }
    }

    _fail(error) {
      const failure = new PrometheusError(error);
      this._rejectReady(failure);
      this._queue = [];
      this._running = null;
      for (const entry of Array.from(this._pending.values())) this._settle(entry, failure);
      this._emit("error", failure);
    }
  }

  global.PrometheusSDK = { PrometheusClient, PrometheusError };

  const script = global.document && /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (script && script.dataset.autostart !== "false") {
    const base = script.dataset.base || new URL(".", script.src).href;
    global.Prometheus = new PrometheusClient({
      base, snapshot: script.dataset.snapshot !== "false", store: script.dataset.store,
      persist: script.dataset.persist !== "false", durability: script.dataset.durability,
    });
  }
})(typeof globalThis !== "undefined" ? globalThis : self);

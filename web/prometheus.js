/*
 * Prometheus Web SDK. The whole integration is one tag:
 *
 *   <script src="https://host/path/prometheus.js"></script>
 *
 * which starts the engine in a Web Worker and defines `window.Prometheus`:
 *   Prometheus.ready            Promise of the capability report
 *   Prometheus.call(m, params)  Promise of the result; rejects with a PrometheusError
 *                               whose .type is the Python exception's class name
 *   Prometheus.on(event, fn)    events: "progress" {stage, fraction}, "ready", "error",
 *                               "store" {event: "role" | "versionchange" | "blocked", ...}
 *   Prometheus.capabilities     {webgpu, crossOriginIsolated, storage, store, ...} once ready
 * Attributes: data-base="URL" (where the bundle lives; default: this script's folder),
 * data-autostart="false" (define PrometheusSDK only), data-snapshot="false" (do not keep a
 * start-up snapshot of the interpreter in Cache Storage), data-store="NAME" (which of this
 * site's stores to open; default "default"), data-persist="false" (keep everything in memory),
 * data-durability="strict" (IndexedDB flushes each write to disk: survives an OS crash, slower).
 * As an ES module: prometheus.mjs.
 */
(function (global) {
  "use strict";

  class PrometheusError extends Error {
    constructor({ type, message, traceback }) {
      super(message);
      this.name = type || "PrometheusError";
      this.type = this.name;
      this.pythonTraceback = traceback || "";
    }
  }

  function startWorker(base, snapshot, store) {
    // Same origin (always so in an extension, whose CSP forbids blob: workers): start the file,
    // with the options in its query string.
    const direct = new URL("worker/worker.js", base);
    direct.search = new URLSearchParams({ snapshot: snapshot !== false, store: store.name, persist: store.persist, durability: store.durability });
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
    } catch (error) {
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
      this._pending = new Map();
      this._nextId = 1;
      this.ready = new Promise((resolve, reject) => { this._resolveReady = resolve; this._rejectReady = reject; });
      this.ready.catch(() => {});  // a failed start also arrives as an "error" event
      const store = {
        name: options.store || "default",
        persist: options.persist !== false,
        durability: options.durability === "strict" ? "strict" : "relaxed",
      };
      if (!/^[\w.-]{1,64}$/.test(store.name)) throw new TypeError("data-store must be 1-64 letters, digits, '.', '_' or '-', got " + JSON.stringify(store.name));
      this._persist = store.persist;
      const { worker, url } = startWorker(this.base, options.snapshot, store);
      this._worker = worker;
      this._blobUrl = url;
      worker.onmessage = (event) => this._receive(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this._fail({ type: "WorkerError", message: "the worker failed: " + (event.message || "script error (is the bundle reachable from " + this.base + "?)") });
      };
    }

    on(type, listener) {
      this.addEventListener(type, (event) => listener(event.detail));
      return this;
    }

    call(method, params, options) {
      if (typeof method !== "string" || !method) {
        return Promise.reject(new TypeError("Prometheus.call needs a method name"));
      }
      const id = this._nextId++;
      const onProgress = options && options.onProgress;
      return new Promise((resolve, reject) => {
        this._pending.set(id, { resolve, reject, onProgress });
        try {
          this._worker.postMessage({ id, method, params: params === undefined ? {} : params });
        } catch (error) {  // params that cannot be cloned (functions, DOM nodes ...)
          this._pending.delete(id);
          reject(new PrometheusError({ type: "InvalidParams", message: "params cannot be sent to the worker: " + error.message }));
        }
      });
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
          storage: await storageReport(this._persist),
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
      } else if (this._pending.has(message.id)) {
        const pending = this._pending.get(message.id);
        if (message.type === "progress") {
          if (pending.onProgress) pending.onProgress({ stage: message.stage, fraction: message.fraction });
          return;
        }
        this._pending.delete(message.id);
        if (message.error) pending.reject(new PrometheusError(message.error));
        else pending.resolve(message.result);
      }
    }

    _fail(error) {
      const failure = new PrometheusError(error);
      this._rejectReady(failure);
      for (const pending of this._pending.values()) pending.reject(failure);
      this._pending.clear();
      this._emit("error", failure);
    }
  }

  global.PrometheusSDK = { PrometheusClient, PrometheusError };

  const script = global.document && document.currentScript;
  if (script && script.dataset.autostart !== "false") {
    const base = script.dataset.base || new URL(".", script.src).href;
    global.Prometheus = new PrometheusClient({
      base, snapshot: script.dataset.snapshot !== "false", store: script.dataset.store,
      persist: script.dataset.persist !== "false", durability: script.dataset.durability,
    });
  }
})(typeof globalThis !== "undefined" ? globalThis : self);

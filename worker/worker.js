/*
 * Prometheus worker: hosts Pyodide and hands every request to `prometheus.rpc`.
 *
 * It holds no logic of its own: it loads the runtime and the core, reports start-up progress,
 * loads the Pyodide packages a method needs (`rpc.prepare`), and posts back the JSON envelope
 * that `rpc.dispatch` answers. Messages in:  {id, method, params}
 * Messages out: {type: "progress", stage, fraction}            start-up progress
 *               {type: "ready", version, pyodide, capabilities}  once requests are served
 *               {type: "failed", error}                         start-up failed for good
 *               {id, type: "progress", stage, fraction}         progress of one call
 *               {id, result} | {id, error: {type, message, traceback}}
 */
"use strict";

// Started directly, the SDK passes the snapshot flag as worker.js?snapshot=false.
if (self.PROMETHEUS_SNAPSHOT === undefined) self.PROMETHEUS_SNAPSHOT = new URL(self.location.href).searchParams.get("snapshot") !== "false";
// The SDK's blob bootstrap sets PROMETHEUS_BASE; started directly, the bundle is one level up.
const BASE = self.PROMETHEUS_BASE || new URL("..", self.location.href).href;
const INDEX_URL = new URL("pyodide/", BASE).href;
importScripts(INDEX_URL + "pyodide.js", new URL("worker/snapshot.js", BASE).href);

// Start-up stages and the fraction of the download done when each begins.
const STAGES = [["runtime", 0], ["packages", 0.8], ["core", 0.97], ["ready", 1]];
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

// The bundle's lock file, fetched once: it names the start-up wheels and the runtime digest.
const lockFile = fetch(INDEX_URL + "pyodide-lock.json").then((response) => response.json());

// Download the start-up wheels while the runtime starts; loadPackage then finds them in
// the HTTP cache. A failure here is harmless: loadPackage fetches and reports by itself.
function prefetchStartupPackages() {
  return lockFile
    .then((lock) => {
      const core = lock.packages["prometheus-web"];
      const entries = [core].concat(core.depends.map((name) => lock.packages[name]));
      return Promise.all(entries.map((entry) => fetch(INDEX_URL + entry.file_name).then((r) => r.arrayBuffer())));
    })
    .catch(() => {});
}

// Snapshots are on unless the page opts out (data-snapshot="false" on the script tag).
async function snapshotKey() {
  if (self.PROMETHEUS_SNAPSHOT === false) return null;
  try {
    const digest = (await lockFile).info.prometheus_runtime_sha256;
    return digest ? new URL("snapshot/" + digest, BASE).href : null;
  } catch (error) {
    return null;
  }
}

async function start() {
  const timings = {};  // milliseconds at which each stage began, since the worker started
  const stage = (i) => {
    timings[STAGES[i][0]] = Math.round(performance.now());
    post({ type: "progress", stage: STAGES[i][0], fraction: STAGES[i][1] });
  };
  stage(0);
  const prefetched = prefetchStartupPackages();
  const options = { indexURL: INDEX_URL, stdout: () => {}, stderr: (s) => console.warn(s) };
  const { pyodide, snapshot } = await loadPyodideFast(options, await snapshotKey());
  stage(1);
  await prefetched;
  await pyodide.loadPackage(["prometheus-web"], { messageCallback: () => {} });
  stage(2);
  const rpc = pyodide.pyimport("prometheus.rpc");
  const version = pyodide.pyimport("prometheus").__version__;
  const capabilities = { webgpu: await gpuReport(), crossOriginIsolated: self.crossOriginIsolated === true, snapshot };
  stage(3);
  post({ type: "ready", version, pyodide: pyodide.version, capabilities, timings });
  return { pyodide, rpc };
}

const runtime = start();
runtime.catch((error) => post({
  type: "failed",
  error: { type: "StartupError", message: String(error && error.message || error), traceback: String(error && error.stack || "") },
}));

async function handle({ id, method, params }) {
  const { pyodide, rpc } = await runtime;
  const progress = (stage, fraction) => post({ id, type: "progress", stage, fraction });
  const needed = rpc.prepare(method);
  const missing = needed.toJs().filter((name) => !(name in pyodide.loadedPackages));
  needed.destroy();
  if (missing.length) {
    progress("loading " + missing.join(", "), 0);
    await pyodide.loadPackage(missing, { messageCallback: () => {} });
  }
  const reply = await rpc.dispatch(method, JSON.stringify(params === undefined ? {} : params), progress);
  post(Object.assign({ id }, JSON.parse(reply)));
}

self.onmessage = (event) => {
  const message = event.data;
  const id = message && message.id;
  if (typeof id !== "number" && typeof id !== "string") {
    post({ id: null, error: { type: "InvalidRequest", message: "a request needs an id (number or string)", traceback: "" } });
    return;
  }
  handle(message).catch((error) => post({
    id, error: { type: error && error.type || "WorkerError", message: String(error && error.message || error), traceback: String(error && error.stack || "") },
  }));
};

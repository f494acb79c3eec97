// @ts-check
// ES-module entry of the SDK: `import { createPrometheus } from ".../prometheus.mjs"`.
// The client is the script-tag SDK's (prometheus.js, whose header documents it):
// `client.call(method, params, {signal, timeout, onProgress})`, the same order, values,
// errors and aborting.
import "./prometheus.js";

const { PrometheusClient, PrometheusError } = globalThis.PrometheusSDK;

/** A client for the bundle this module was loaded from (or options.base). */
export function createPrometheus(options = {}) {
  return new PrometheusClient({ base: new URL(".", import.meta.url).href, ...options });
}

export { PrometheusClient, PrometheusError };

// @ts-check
/*
 * Makes the page that includes it an installable app that works offline. The whole coupling
 * with the page is two tags in its <head>:
 *
 *   <link rel="manifest" href="manifest.webmanifest">
 *   <script src="pwa.js" defer></script>
 *
 * It registers sw.js (this script's folder is the service worker's scope) once the engine is
 * ready, so the first visit's downloads are not competed for, and defines `window.PrometheusPWA`:
 *   PrometheusPWA.registration     Promise of the ServiceWorkerRegistration (rejects if unsupported)
 *   PrometheusPWA.on(type, fn)     "update": a new version is installed and waits for applyUpdate();
 *                                  "updated": another tab activated a new version (reload to use it);
 *                                  "cache-error" {url, name, message}: a file could not be stored
 *                                  (quota); it was still served from the network
 *   PrometheusPWA.updateAvailable  true while a new version waits
 *   PrometheusPWA.applyUpdate()    activates the waiting version, then reloads this tab
 *   PrometheusPWA.version()        Promise of the build version serving this page (null if none)
 * Unless the script tag says data-banner="false", a small banner offers the update.
 * Only the app includes this file: the SDK (prometheus.js) never registers a service worker.
 */
(function (global) {
  "use strict";

  const script = /** @type {HTMLScriptElement} */ (document.currentScript);
  const scope = new URL(".", script.src).href;
  const events = new EventTarget();
  let applying = false;

  const emit = (type, detail) => events.dispatchEvent(new CustomEvent(type, { detail }));

  const api = {
    updateAvailable: false,
    registration: null,
    on(type, listener) {
      events.addEventListener(type, (event) => listener(/** @type {CustomEvent} */ (event).detail));
      return api;
    },
    async applyUpdate() {
      const registration = await api.registration;
      if (!registration.waiting) return false;
      applying = true;
      registration.waiting.postMessage({ type: "skip-waiting" });
      return true;
    },
    async version() {
      const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (!worker) return null;
      const channel = new MessageChannel();
      const answer = new Promise((resolve) => { channel.port1.onmessage = (event) => resolve(event.data.version); });
      worker.postMessage({ type: "version" }, [channel.port2]);
      return answer;
    },
  };
  global.PrometheusPWA = api;

  if (!("serviceWorker" in navigator)) {
    api.registration = Promise.reject(new Error("this browser has no service workers (or the page is not on https/localhost)"));
    api.registration.catch(() => {});
    return;
  }

  function offerUpdate() {
    if (api.updateAvailable) return;
    api.updateAvailable = true;
    emit("update", {});
  }

  function watch(registration) {
    // `controller` set: a version already serves this page, so a newly installed one is an update.
    const installedUpdate = () => registration.waiting && navigator.serviceWorker.controller && offerUpdate();
    const follow = (worker) => worker && worker.addEventListener("statechange", () => {
      if (worker.state === "installed") installedUpdate();
    });
    installedUpdate();
    follow(registration.installing);  // the navigation may already have started an update
    registration.addEventListener("updatefound", () => follow(registration.installing));
  }

  // Once the service worker first controls this page, the runtime's script is loaded once more,
  // through it, in a throwaway worker: Chromium keeps a module script's compiled code beside its
  // copy in the cache from its first load out of it, so the next visit (the first one served by
  // the service worker) finds it compiled. The engine's worker imports it the same way (see
  // worker/worker.js, which does the same for the HTTP cache).
  function warmCodeCache() {
    const source = "import(" + JSON.stringify(new URL("pyodide/pyodide.asm.js", scope).href) + ").finally(() => postMessage(null));";
    const loader = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
    loader.onmessage = () => loader.terminate();
  }

  let hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (applying) return location.reload();
    if (hadController) {  // another tab accepted the update; this one keeps its version until reloaded
      api.updateAvailable = false;
      emit("updated", {});
    } else {
      warmCodeCache();
    }
    hadController = true;
  });
  navigator.serviceWorker.addEventListener("message", (event) => {
    const message = event.data || {};
    if (message.source === "prometheus-pwa" && message.type === "cache-error") {
      emit("cache-error", { url: message.url, name: message.name, message: message.message });
    }
  });

  // Registering after the engine is ready: the first visit downloads everything once, and the
  // service worker's install then finds it in the HTTP cache.
  const engineReady = global.Prometheus && global.Prometheus.ready ? global.Prometheus.ready.catch(() => {}) : Promise.resolve();
  const loaded = document.readyState === "complete" ? Promise.resolve()
    : new Promise((resolve) => global.addEventListener("load", resolve, { once: true }));
  api.registration = Promise.all([engineReady, loaded])
    .then(() => navigator.serviceWorker.register(new URL("sw.js", scope).href, { scope, updateViaCache: "none" }))
    .then((registration) => { watch(registration); return registration; });
  api.registration.catch((error) => console.warn("prometheus-pwa: no offline support:", error.message));

  if (script.dataset.banner !== "false") {
    const banner = (text, button) => {
      const bar = document.createElement("div");
      bar.className = "prometheus-pwa-banner";
      bar.setAttribute("role", "status");
      bar.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:2147483647;display:flex;" +
        "gap:1rem;align-items:center;justify-content:space-between;padding:.7rem 1rem;border-radius:.5rem;" +
        "background:#1d2433;color:#fff;font:15px system-ui,sans-serif;box-shadow:0 4px 16px #0004";
      bar.append(Object.assign(document.createElement("span"), { textContent: text }));
      if (button) {
        const action = Object.assign(document.createElement("button"), { textContent: button.label, type: "button" });
        action.style.cssText = "border:0;border-radius:.35rem;padding:.4rem .9rem;background:#d9480f;color:#fff;font:inherit;cursor:pointer";
        action.addEventListener("click", button.onClick);
        bar.append(action);
      }
      for (const old of document.querySelectorAll(".prometheus-pwa-banner")) old.remove();
      document.body.append(bar);
    };
    api.on("update", () => banner("A new version of Prometheus is available.", { label: "Update", onClick: () => api.applyUpdate() }));
    api.on("updated", () => banner("A new version was activated in another tab.", { label: "Reload", onClick: () => location.reload() }));
  }
})(window);

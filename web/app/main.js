// @ts-check
// Start-up (engine progress), then hash routing: #/screen/argument?key=value.
"use strict";
(function () {
  const view = document.getElementById("view");
  let cleanup = null;
  let generation = 0;

  function parse() {
    const [path, query] = (location.hash.replace(/^#\/?/, "") || "today").split("?");
    const [name, ...rest] = path.split("/");
    return { name: App.screens[name] ? name : "today", arg: rest.length ? decodeURIComponent(rest.join("/")) : null,
      query: new URLSearchParams(query || "") };
  }

  async function route() {
    const { name, arg, query } = parse();
    if (typeof cleanup === "function") cleanup();
    cleanup = null;
    const mine = ++generation;
    for (const link of /** @type {NodeListOf<HTMLAnchorElement>} */ (document.querySelectorAll("#nav a"))) {
      link.classList.toggle("active", link.dataset.screen === name || (name === "card" && link.dataset.screen === "search"));
      if (link.classList.contains("active")) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    }
    const screen = App.screens[name];
    document.title = screen.title + " — Prometheus";
    const page = App.el("section", { class: "screen screen-" + name });
    view.replaceChildren(page);
    try {
      const result = await screen.render(page, arg, query);
      if (mine === generation) cleanup = result; else if (typeof result === "function") result();
    } catch (error) {
      if (mine === generation) page.append(App.errorBox(error));
    }
    const active = document.querySelector("#nav a.active");
    if (active) active.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  /** Re-render the current screen (after an action elsewhere changed what it shows). */
  App.refresh = route;
  App.go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

  Prometheus.on("progress", ({ stage, fraction }) => {
    const bar = document.getElementById("startup-bar");
    if (!bar) return;
    bar.style.width = Math.round(fraction * 100) + "%";
    document.getElementById("startup-status").textContent = "Loading " + stage + " (" + Math.round(fraction * 100) + "%)";
  });
  Prometheus.on("store", (event) => {
    if (event.event === "role") App.toast(event.role === "writer" ? "This tab can now save your progress." : "Another tab is studying: this one is read-only.");
  });

  App.shell.show(view);  // the interface and the last known counts, before the engine is ready

  Prometheus.ready.then((capabilities) => {
    document.body.classList.add("ready");
    document.documentElement.dataset.app = "ready";
    if (capabilities.store && capabilities.store.role === "reader") App.toast("Another tab is studying: this one is read-only.");
    window.addEventListener("hashchange", route);
    route();
  }, (error) => {
    document.getElementById("startup-status").textContent = "The engine could not start: " + error.message;
  });
})();

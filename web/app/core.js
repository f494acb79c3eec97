// @ts-check
// The app's small toolkit: DOM building, engine calls, progress bars, toasts, the screen registry.
"use strict";
window.App = (function () {
  /** @type {Record<string, AppScreen>} */
  const screens = {};

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }

  /** Engine call; rejects with the engine's error (`.type`, `.message`). */
  function call(method, params, options) {
    const answer = Prometheus.call(method, params || {}, options);
    if (method === "learn.stats") answer.then((stats) => App.shell.remember(stats), () => {});  // for the next start's shell
    return answer;
  }

  function describe(error) {
    if (error && error.type === "StoreBusy") return "This collection is open for writing in another tab; close that tab to study here.";
    return (error && error.type ? error.type + ": " : "") + (error && error.message ? error.message : String(error));
  }

  function errorBox(error) {
    return el("p", { class: "error-box", role: "alert", text: describe(error) });
  }

  function toast(message, kind) {
    const node = el("div", { class: "toast " + (kind || ""), role: "status", text: message });
    document.getElementById("toasts").append(node);
    setTimeout(() => node.remove(), kind === "error" ? 6000 : 3000);
  }

  /** A progress bar with a label; fraction null means "working, length unknown". */
  function progress(label) {
    const bar = el("div", { class: "bar" });
    const text = el("span", { class: "progress-label", text: label || "Working…" });
    const node = el("div", { class: "progress-box", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" },
      el("div", { class: "progress indeterminate" }, bar), text);
    return {
      node,
      set(fraction, message) {
        const known = typeof fraction === "number" && Number.isFinite(fraction);
        node.firstChild.classList.toggle("indeterminate", !known);
        bar.style.width = known ? Math.round(Math.max(0, Math.min(1, fraction)) * 100) + "%" : "";
        if (known) node.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
        if (message) text.textContent = message;
      },
      done(message) { this.set(1, message); node.classList.add("finished"); },
    };
  }

  /** Runs `work(bar)` with a progress bar placed in `slot`; the bar stays to show the outcome. */
  async function withProgress(slot, label, work) {
    const bar = progress(label);
    slot.replaceChildren(bar.node);
    try {
      const result = await work(bar);
      bar.done();
      return result;
    } catch (error) {
      slot.replaceChildren(errorBox(error));
      throw error;
    }
  }

  /** Engine-drawn SVG as an image: an <img> never runs script, whatever the SVG holds. */
  function svgImage(svg, alt, className) {
    return el("img", { class: className || "chart", alt, src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg) });
  }

  function download(filename, data, type) {
    const url = URL.createObjectURL(new Blob([data], { type }));
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function interval(seconds) {
    if (seconds < 60) return "<1m";
    if (seconds < 3600) return Math.round(seconds / 60) + "m";
    if (seconds < 86400) return Math.round(seconds / 3600) + "h";
    const days = seconds / 86400;
    if (days < 31) return Math.round(days) + "d";
    if (days < 365) return (days / 30).toFixed(days < 300 ? 1 : 0).replace(/\.0$/, "") + "mo";
    return (days / 365).toFixed(1).replace(/\.0$/, "") + "y";
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : Math.round(value * 100) + "%";
  }

  function header(title, subtitle, ...actions) {
    return el("div", { class: "screen-head" },
      el("div", {}, el("h1", { text: title }), subtitle ? el("p", { class: "muted", text: subtitle }) : null),
      actions.length ? el("div", { class: "actions" }, actions) : null);
  }

  function stat(label, value, hint) {
    return el("div", { class: "stat" }, el("span", { class: "stat-value", text: String(value) }),
      el("span", { class: "stat-label", text: label }), hint ? el("span", { class: "stat-hint", text: hint }) : null);
  }

  /** Registers a screen: {title, render(view, arg, query) -> optional cleanup function}. */
  function screen(name, definition) { screens[name] = definition; }

  return { screens, screen, el, call, describe, errorBox, toast, progress, withProgress, svgImage, download,
    interval, percent, header, stat };
})();

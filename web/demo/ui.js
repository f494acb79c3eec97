// @ts-check
// Small DOM helpers shared by the demo's panels.
"use strict";
window.ui = {
  $: (id) => document.getElementById(id),
  el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, attributes || {});
    for (const child of children) node.append(child);
    return node;
  },
  // Generated SVG goes through <img>, where it cannot run script.
  showSvg(img, svg) {
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    img.hidden = false;
  },
  error(target, error) {
    target.replaceChildren(ui.el("p", { className: "error", textContent: (error.type || "Error") + ": " + error.message }));
  },
  format(value) {
    if (value === null || value === undefined) return "null";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  },
};

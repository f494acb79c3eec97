// @ts-check
// Card content on the page. Fields marked HTML (imported decks) are untrusted: they go through
// DOMPurify (no script, no event handlers, no javascript: URLs, no forms or frames); images
// that name a file of the package are shown from the collection's media; remote images are
// not fetched (a shared deck must not be able to track its readers). Other fields are text.
"use strict";
App.content = (function () {
  const { el, call } = App;
  const MEDIA_TYPES = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", svg: "image/svg+xml", bmp: "image/bmp", avif: "image/avif" };
  const mediaCache = new Map();
  const PURIFY = {
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed", "link", "meta", "base"],
    FORBID_ATTR: ["style", "srcset"],
    ALLOW_DATA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  };

  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  });

  function mediaUrl(name) {
    if (!mediaCache.has(name)) {
      mediaCache.set(name, call("learn.media", { name }).then(({ data }) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const type = MEDIA_TYPES[(name.split(".").pop() || "").toLowerCase()] || "application/octet-stream";
        // SVG from a deck is shown only through <img>, where it cannot run script.
        return URL.createObjectURL(new Blob([bytes], { type }));
      }));
    }
    return mediaCache.get(name);
  }

  function resolveImages(root) {
    for (const img of root.querySelectorAll("img")) {
      const src = img.getAttribute("src") || "";
      img.removeAttribute("src");
      img.classList.add("card-image");
      if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith("//")) {
        img.replaceWith(el("span", { class: "blocked-image", text: "[image not shown: " + (img.getAttribute("alt") || "external") + "]" }));
        continue;
      }
      let name = src;
      try { name = decodeURIComponent(src); } catch { /* keep the raw name */ }
      mediaUrl(name).then((url) => { img.src = url; }).catch(() => {
        img.replaceWith(el("span", { class: "blocked-image", text: "[missing image: " + name + "]" }));
      });
    }
  }

  /** A node showing `text`, sanitized as HTML when `isHtml`, else as plain text. */
  function render(text, isHtml, className) {
    const box = el("div", { class: "card-content " + (className || "") + (isHtml ? " html" : " plain") });
    if (!isHtml) {
      box.textContent = text || "";
      return box;
    }
    const fragment = DOMPurify.sanitize(text || "", PURIFY);
    resolveImages(fragment);
    box.append(fragment);
    return box;
  }

  /** Plain text of a field (for search and lists); the HTML is parsed inert, never attached. */
  function plain(text, isHtml) {
    if (!isHtml) return text || "";
    const doc = new DOMParser().parseFromString(DOMPurify.sanitize(text || ""), "text/html");
    return (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  }

  function isHtml(card) { return Array.isArray(card.html_fields) && card.html_fields.length > 0; }

  return { render, plain, isHtml };
})();

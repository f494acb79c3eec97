// @ts-check
// Search by meaning over the cards and concepts (int8 MiniLM in the engine). The semantic index
// lives in the store; it is rebuilt, with progress, only when the collection's texts changed
// (their signature is kept in the store's settings as "app.search_index").
"use strict";
App.screen("search", {
  title: "Search",
  async render(page, _arg, query) {
    const { el, call } = App;
    const input = el("input", { id: "search-input", type: "search", placeholder: "Ask in your own words, e.g. “why can't we copy a qubit?”", autocomplete: "off", value: query.get("q") || "" });
    const slot = el("div", { class: "slot" });
    const results = el("ol", { class: "results", id: "search-results" });
    page.append(App.header("Search", "Finds cards and concepts by meaning, not only by words."),
      el("form", { class: "search-bar panel", onsubmit: (event) => { event.preventDefault(); go(); } },
        input, el("button", { class: "primary", type: "submit", text: "Search" })), slot, results);
    if (input.value.trim()) run(input.value, query.get("like"));
    else input.focus();

    function go() {
      const text = input.value.trim();
      if (text) App.go("#/search?q=" + encodeURIComponent(text));
    }

    async function run(text, exclude) {
      let items;
      try {
        items = await App.withProgress(slot, "Preparing search…", (bar) => ensureIndex(bar));
      } catch {
        return;
      }
      if (!items.size) {
        slot.replaceChildren(el("p", { class: "panel muted", text: "Nothing to search yet: load a course or import cards." }));
        return;
      }
      const found = (await call("infer.search", { query: text, k: 11 })).filter((hit) => hit.id !== exclude).slice(0, 10);
      slot.replaceChildren(el("p", { class: "muted small", text: found.length + " closest of " + items.size + " cards and concepts" + (exclude ? " (related to the one you chose)" : "") }));
      results.replaceChildren(...found.map((hit) => result(hit, items.get(hit.id))).filter(Boolean));
    }

    function result(hit, item) {
      if (!item) return null;
      const related = "#/search?q=" + encodeURIComponent(item.text.slice(0, 300)) + "&like=" + encodeURIComponent(hit.id);
      return el("li", { class: "panel result", dataset: { id: hit.id } },
        el("div", { class: "result-head" }, el("span", { class: "badge " + item.type, text: item.type }),
          el("a", { class: "result-title", href: item.href, text: item.title }),
          el("span", { class: "score", title: "similarity", text: Math.round(hit.score * 100) + "%" })),
        item.snippet ? el("p", { class: "small muted", text: item.snippet }) : null,
        el("a", { class: "small related", href: related, text: "Related →" }));
    }

    /** Map id -> {type, title, text, href}; (re)builds the engine's index when it is stale. */
    async function ensureIndex(bar) {
      const collection = await App.collection.load();
      const items = new Map();
      for (const card of collection.cards) {
        const text = App.collection.cardText(card);
        items.set("card:" + card.id, { type: "card", title: App.collection.cardTitle(card), text, snippet: text.slice(App.collection.cardTitle(card).length).replace(/^[\s—]+/, "").slice(0, 200),
          href: card.note.kind === "circuit" ? "#/exercise/" + card.id : "#/card/" + card.id });
      }
      for (const concept of collection.concepts.values()) {
        const text = concept.name + ". " + (concept.description || "");
        items.set("concept:" + concept.key, { type: "concept", title: concept.name, text, snippet: concept.description, href: "#/map/" + encodeURIComponent(concept.key) });
      }
      const signature = digest([...items].map(([id, item]) => id + "\u0000" + item.text).join("\u0001"));
      const info = await call("infer.info");
      if (!info.loaded) {
        bar.set(0, "Loading the search model (first time only)…");
        await call("infer.load", {}, { onProgress: ({ stage, fraction }) => bar.set(fraction * 0.3, "Loading the search model: " + stage) });
      }
      if (items.size && (await call("settings.get", { key: "app.search_index" })) !== signature) {
        await call("infer.index_clear");
        const ids = [...items.keys()];
        const BATCH = 16;
        for (let i = 0; i < ids.length; i += BATCH) {
          bar.set(0.3 + 0.7 * i / ids.length, "Indexing " + Math.min(i + BATCH, ids.length) + " of " + ids.length + " cards and concepts…");
          const batch = ids.slice(i, i + BATCH);
          await call("infer.index_add", { ids: batch, texts: batch.map((id) => items.get(id).text) });
        }
        await call("settings.set", { values: { "app.search_index": signature } });
      }
      bar.set(1, "Ready");
      return items;
    }

    function digest(text) {  // FNV-1a, 2 x 32 bits: tells "changed" from "same", nothing more
      let a = 0x811c9dc5, b = 0x01000193 ^ text.length;
      for (let i = 0; i < text.length; i++) {
        a = Math.imul(a ^ text.charCodeAt(i), 0x01000193) >>> 0;
        b = Math.imul(b ^ text.charCodeAt(i), 0x5bd1e995) >>> 0;
      }
      return a.toString(16) + b.toString(16) + ":" + text.length;
    }
  },
});

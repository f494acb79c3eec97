// @ts-check
/*
 * The semantic index of the collection's cards, in the engine's worker (infer.*). The index is
 * kept in the store with the collection, so it survives restarts and a reader page searches
 * the index its writer keeps; only the writer indexes (at start, the cards the index lacks;
 * then each card it adds). Hits are shown through learn.card, so every page shows a card as
 * the collection has it. The model loads on first use (a search or a suggestion).
 */
"use strict";
self.PrometheusIndex = (function () {
  const PREFIX = "card:";
  const shown = new Map();  // card id -> learn.card's view (front, back, concepts), or null: gone
  let loading = null;

  /** The text a card is indexed by: its note's text on the card's side (export records). */
  function cardText(note, ord) {
    const fields = note.fields || {};
    if (Array.isArray(fields.sides)) {
      const side = fields.sides[ord] || fields.sides[0];
      return side.front + "\n" + side.back;
    }
    const main = typeof fields.text === "string" ? fields.text : fields.front || "";
    return [main, fields.answer, fields.back].filter((part) => typeof part === "string" && part.trim()).join("\n");
  }

  async function load() {
    await PrometheusPages.call("infer.load", {});
    if (PrometheusPages.role() !== "writer") return;  // the writer keeps the shared index
    const exported = await PrometheusPages.call("learn.export", { format: "json" });
    const collection = JSON.parse(exported.data);
    const notes = new Map(collection.notes.map((note) => [note.id, note]));
    const entries = collection.cards.map((card) => ({ id: card.id, text: cardText(notes.get(card.note), card.ord) }));
    await index(entries, "skip");  // indexed in an earlier session: kept as it is
  }

  /** Loads the model and (in the writer) indexes the cards the index lacks, once. */
  function ready() {
    if (!loading) {
      loading = load();
      loading.catch(() => { loading = null; });  // a failed load is retried next time
    }
    return loading;
  }

  async function index(entries, existing) {
    const fresh = entries.filter((entry) => typeof entry.text === "string" && entry.text.trim());
    if (!fresh.length) return;
    await PrometheusPages.call("infer.index_add", {
      ids: fresh.map((entry) => PREFIX + entry.id), texts: fresh.map((entry) => entry.text), existing,
    });
  }

  /** Indexes cards just added [{id, front, back}] (front and back are embedded together). */
  async function add(cards) {
    await ready();
    await index(cards.map((card) => ({ id: card.id, text: card.back ? card.front + "\n" + card.back : card.front })), "replace");
    for (const card of cards) shown.delete(card.id);
  }

  /** The card a hit names, as learn.card shows it; null for a card no longer in the collection. */
  async function view(id) {
    if (!shown.has(id)) {
      try {
        shown.set(id, await PrometheusPages.call("learn.card", { card_id: id }));
      } catch (error) {
        if (!["UnknownCard", "LearnError"].includes(error.type)) throw error;
        shown.set(id, null);
      }
    }
    return shown.get(id);
  }

  /** The k cards nearest in meaning to `query`: [{id, front, back, concepts, score}]. */
  async function search(query, k) {
    await ready();
    const hits = await PrometheusPages.call("infer.search", { query, k: k || 10 });
    const found = [];
    for (const hit of hits) {
      const card = typeof hit.id === "string" && hit.id.startsWith(PREFIX) ? await view(hit.id.slice(PREFIX.length)) : null;
      if (card) found.push({ id: card.id, front: card.front, back: card.back, concepts: card.concepts, score: hit.score });
    }
    return found;
  }

  return { ready, add, search };
})();

/*
 * The semantic index of the collection's cards, in the engine's worker (infer.*), with the
 * card texts kept here to show hits. The model loads on first use (a search or a suggestion),
 * not at start-up; the collection is indexed from learn.export when this build has it.
 */
"use strict";
self.PrometheusIndex = (function () {
  const cards = new Map();  // index id ("card:<id>") -> {id, front, back}
  let loading = null;

  const indexId = (id) => "card:" + id;

  async function load() {
    await PrometheusPages.call("infer.load", {});
    try {
      const exported = await PrometheusPages.call("learn.export", { format: "json" });
      if (exported && Array.isArray(exported.cards)) {
        await add(exported.cards.map((card) => ({ id: card.id !== undefined ? card.id : card.card_id, front: card.front, back: card.back })));
      }
    } catch (error) {
      if (!(error instanceof PrometheusPages.Missing)) throw error;
    }
  }

  /** Loads the model and indexes the collection, once. */
  function ready() {
    if (!loading) {
      loading = load();
      loading.catch(() => { loading = null; });  // a failed load is retried next time
    }
    return loading;
  }

  /** Adds cards [{id, front, back}] to the index (front and back are embedded together). */
  async function add(entries) {
    const fresh = entries.filter((card) => typeof card.front === "string" && card.front.trim());
    if (!fresh.length) return cards.size;
    await PrometheusPages.call("infer.index_add", {
      ids: fresh.map((card) => indexId(card.id)),
      texts: fresh.map((card) => card.back ? card.front + "\n" + card.back : card.front),
    });
    for (const card of fresh) cards.set(indexId(card.id), { id: card.id, front: card.front, back: card.back || "" });
    return cards.size;
  }

  /** The k cards nearest in meaning to `query`: [{id, front, back, score}]. */
  async function search(query, k) {
    await ready();
    if (!cards.size) return [];
    const hits = await PrometheusPages.call("infer.search", { query, k: k || 10 });
    return hits.filter((hit) => cards.has(hit.id)).map((hit) => Object.assign({ score: hit.score }, cards.get(hit.id)));
  }

  return { ready, add, search, size: () => cards.size };
})();

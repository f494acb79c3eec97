// @ts-check
// A read-only picture of the whole collection (notes, cards, concepts) for the screens that
// list things (exercises, search). Taken from learn.export and dropped after any change.
"use strict";
App.collection = (function () {
  let cached = null;

  function invalidate() { cached = null; }

  function load() {
    if (!cached) {
      cached = App.call("learn.export", { format: "json" }).then(({ data }) => index(JSON.parse(data)));
      cached.catch(() => { cached = null; });
    }
    return cached;
  }

  function index(exported) {
    const notes = new Map(exported.notes.map((note) => [note.id, note]));
    const cards = exported.cards.map((card) => ({ ...card, note: notes.get(card.note), concepts: exported.links[card.id] || [] }));
    const concepts = new Map(exported.concepts.map((concept) => [concept.key, concept]));
    return { cards, notes, concepts, reviews: exported.reviews.length };
  }

  /** The text a card is found by: its note's fields, HTML reduced to text. */
  function cardText(card) {
    const note = card.note;
    const html = note.html.length > 0;
    const fields = note.kind === "imported" ? [note.fields.sides[card.ord].front, note.fields.sides[card.ord].back]
      : note.kind === "cloze" ? [note.fields.text.replace(/\{\{c\d+::(.*?)(::.*?)?\}\}/g, "$1"), note.fields.back]
        : [note.fields.front, note.fields.back, note.fields.answer];
    return fields.filter(Boolean).map((field) => App.content.plain(field, html)).join(" — ").slice(0, 600);
  }

  function cardTitle(card) {
    const note = card.note;
    const html = note.html.length > 0;
    const front = note.kind === "imported" ? note.fields.sides[card.ord].front
      : note.kind === "cloze" ? note.fields.text.replace(/\{\{c(\d+)::(.*?)(::.*?)?\}\}/g, (_, n, answer) => (Number(n) === card.ord + 1 ? "[…]" : answer))
        : note.fields.front;
    return App.content.plain(front, html).slice(0, 160);
  }

  return { load, invalidate, cardText, cardTitle };
})();

// Any call that changes the collection drops the cached picture (screens load after this file,
// so they all take this App.call).
(function () {
  const WRITES = /^(learn\.(add_cards|answer|undo|settings|suspend|reset|load_course|import|apply_parameters)|store\.(import|repair))$/;
  const raw = App.call;
  App.call = (method, params, options) => raw(method, params, options).then((result) => {
    if (WRITES.test(method)) App.collection.invalidate();
    return result;
  }, (error) => {
    if (WRITES.test(method)) App.collection.invalidate();
    throw error;
  });
})();

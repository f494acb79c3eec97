// @ts-check
/*
 * The side panel (also opened in a tab as panel.html#add): review the queue (learn.next,
 * learn.answer, learn.undo), search the cards by meaning, and the card editor that the
 * context menu fills with the selection. The draft lives in chrome.storage.local while it is
 * edited, so closing the panel loses no typing; the summary is rewritten after each change.
 * A panel opened while another engine page holds the store is a reader: it shows the queue,
 * search and the draft, but adding and answering wait until it takes over (PrometheusPages).
 * Related concepts are the concepts (graph keys) that the cards nearest in meaning test.
 */
"use strict";
(function () {
  /** @type {(id: string) => any} an element of panel.html: inputs, text areas, lists ... */
  const $ = (id) => document.getElementById(id);
  const { call, guarded, refreshSummary, role } = PrometheusPages;
  const SUGGESTIONS = 5;
  const SUGGEST_DELAY_MS = 400;
  let current = null;  // the card under review
  let draft = null;    // the editor's content, mirrored in storage

  function show(view) {
    for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("nav button"))) {
      button.setAttribute("aria-pressed", String(button.dataset.view === view));
    }
    for (const name of ["review", "search", "add"]) $("view-" + name).hidden = name !== view;
    document.body.dataset.view = view;
  }

  function note(id, text) {
    $(id).textContent = text;
    $(id).classList.remove("missing", "failed");
  }

  // ---- review ----
  async function nextCard() {
    note("review-note", "");
    await guarded($("review-note"), async () => {
      current = await call("learn.next");
      $("review-card").hidden = !current;
      if (!current) {
        note("review-note", "Nothing due. Add cards from any page: select text, right-click, “Add to Prometheus”.");
        return;
      }
      $("review-front").textContent = current.front;
      $("review-back").textContent = current.back || "";
      $("review-back").hidden = $("ratings").hidden = true;
      $("show-answer").hidden = false;
    });
    if (role() !== "writer") note("review-note", PrometheusPages.READER_NOTE);
  }

  async function answer(rating) {
    const card = current;
    if (!card) return;
    current = null;
    await guarded($("review-note"), async () => {
      await call("learn.answer", { card_id: card.id, rating });
      await refreshSummary();
      await nextCard();
    });
  }

  async function undo() {
    await guarded($("review-note"), async () => {
      await call("learn.undo");
      await refreshSummary();
      await nextCard();
    });
  }

  // ---- search ----
  function hitItem(hit) {
    const item = document.createElement("li");
    const front = document.createElement("strong");
    front.textContent = hit.front;
    const back = document.createElement("span");
    back.textContent = hit.back ? " — " + hit.back : "";
    const score = document.createElement("small");
    score.textContent = " (" + hit.score.toFixed(2) + ")";
    item.append(front, back, score);
    return item;
  }

  async function search(event) {
    event.preventDefault();
    const query = $("search-query").value.trim();
    if (!query) return;
    note("search-note", "Searching…");
    $("search-results").replaceChildren();
    await guarded($("search-note"), async () => {
      const hits = await PrometheusIndex.search(query, 10);
      $("search-results").replaceChildren(...hits.map(hitItem));
      note("search-note", hits.length ? hits.length + " card(s)" : "No cards to search yet.");
    });
  }

  // ---- the card editor ----
  function fillEditor(value) {
    draft = value;
    $("card-front").value = value ? value.front : "";
    $("card-back").value = value ? value.back : "";
    $("card-source").textContent = value && value.source ? "From " + value.source : "";
    suggestSoon();
  }

  async function saveDraft() {
    const front = $("card-front").value;
    const back = $("card-back").value;
    draft = front || back ? Object.assign({}, draft, { front, back, edited: Date.now() }) : null;
    await PrometheusSummary.writeDraft(draft);
    suggestSoon();
  }

  let suggestTimer = null;
  function suggestSoon() {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, SUGGEST_DELAY_MS);
  }

  async function suggest() {
    const text = ($("card-front").value + "\n" + $("card-back").value).trim();
    if (!text || document.body.dataset.state !== "ready") return;
    await guarded($("add-note"), async () => {
      const hits = await PrometheusIndex.search(text, SUGGESTIONS);
      const ticked = new Set(Array.from(/** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("#concepts input:checked")), (box) => box.value));
      const related = new Map();  // concept key -> the front of the nearest card that tests it
      for (const hit of hits) {
        for (const key of hit.concepts || []) if (!related.has(key)) related.set(key, hit.front);
      }
      $("concepts").replaceChildren(...Array.from(related, ([key, front]) => {
        const item = document.createElement("li");
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = key;
        box.checked = ticked.has(key);  // a new suggestion while typing keeps what was ticked
        label.append(box, " " + key + " (like “" + front + "”)");
        item.append(label);
        return item;
      }));
      document.body.dataset.suggested = String(related.size);
    });
  }

  async function addCard(event) {
    event.preventDefault();
    const front = $("card-front").value.trim();
    const back = $("card-back").value.trim();
    if (!front || !back) {
      note("add-note", "A card needs both a front and a back.");
      return;
    }
    if (role() !== "writer") {
      note("add-note", PrometheusPages.READER_NOTE);
      return;
    }
    const concepts = Array.from(/** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("#concepts input:checked")), (box) => box.value);
    note("add-note", "Adding…");
    await guarded($("add-note"), async () => {
      const card = concepts.length ? { front, back, concepts } : { front, back };
      const { ids } = await call("learn.add_cards", { cards: [card] });
      await PrometheusIndex.add([{ id: ids[0], front, back }]);
      await PrometheusSummary.writeDraft(null);
      fillEditor(null);
      $("concepts").replaceChildren();
      note("add-note", "Added card " + ids[0] + ".");
      await refreshSummary();
      if (!current) await nextCard();
    });
  }

  // ---- wiring ----
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("nav button"))) {
    button.addEventListener("click", () => show(button.dataset.view));
  }
  $("show-answer").addEventListener("click", () => {
    $("review-back").hidden = $("ratings").hidden = false;
    $("show-answer").hidden = true;
  });
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("#ratings button"))) {
    button.addEventListener("click", () => answer(Number(button.dataset.rating)));
  }
  $("undo").addEventListener("click", undo);
  $("search-form").addEventListener("submit", search);
  $("card-form").addEventListener("submit", addCard);
  $("card-front").addEventListener("input", saveDraft);
  $("card-back").addEventListener("input", saveDraft);

  // A draft stored by the context menu (now or while the panel was closed) opens the editor.
  chrome.storage.onChanged.addListener((changes, area) => {
    const change = changes[PrometheusSummary.DRAFT];
    if (area !== "local" || !change || !change.newValue) return;
    if (!draft || change.newValue.created !== draft.created) {
      fillEditor(change.newValue);
      show("add");
    }
  });

  show(location.hash === "#add" ? "add" : "review");
  PrometheusSummary.readDraft().then((stored) => {
    if (stored) {
      fillEditor(stored);
      show("add");
    }
    document.body.dataset.draftLoaded = "true";
  });
  // Writing waits for the writer role; the draft stays in storage, which the writer follows.
  PrometheusPages.onRole((now) => {
    const reader = now !== "writer";
    for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("#card-form button[type=submit], #ratings button, #undo"))) button.disabled = reader;
    if (reader) {
      note("add-note", PrometheusPages.READER_NOTE);
      note("review-note", PrometheusPages.READER_NOTE);
    } else if ($("add-note").textContent === PrometheusPages.READER_NOTE) {
      note("add-note", "");
      nextCard();
    }
  });
  PrometheusPages.start($("status")).then(async () => {
    await refreshSummary().catch((error) => console.error(error));
    await nextCard();
    suggestSoon();
  }, () => {});

  self.PrometheusPanel = { show, nextCard, suggest };  // for tests and the dashboard's links
})();

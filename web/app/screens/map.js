// @ts-check
// Course map: the concept graph drawn by the engine (colour = mastery, grey = locked), inlined
// after DOMPurify's SVG profile so its concepts can be clicked; a concept opens its details.
"use strict";
App.screen("map", {
  title: "Course map",
  async render(page, selected) {
    const { el, call } = App;
    const [map, collection] = await Promise.all([call("learn.concept_map"), App.collection.load()]);
    page.append(App.header("Course map", "Concepts by prerequisite depth: a concept unlocks when you retain the ones it requires."));
    if (!map.concepts.length) {
      page.append(el("div", { class: "panel empty" }, el("p", { text: "No concepts yet. Load the course from Today, or import cards with concepts." }),
        el("a", { class: "button", href: "#/today", text: "Go to Today" })));
      return;
    }
    const byKey = new Map(map.concepts.map((c) => [c.key, c]));
    const requires = new Map(), unlocks = new Map();
    for (const [a, b] of map.edges) {
      (requires.get(a) || requires.set(a, []).get(a)).push(b);
      (unlocks.get(b) || unlocks.set(b, []).get(b)).push(a);
    }
    const drawing = el("div", { class: "map-drawing" });
    drawing.append(DOMPurify.sanitize(map.svg, { USE_PROFILES: { svg: true }, RETURN_DOM_FRAGMENT: true }));
    const svg = drawing.querySelector("svg");
    if (svg) { svg.removeAttribute("height"); svg.classList.add("concept-svg"); }
    for (const key of drawing.querySelectorAll("g.legend")) key.remove();  // the page's own legend says it larger
    drawing.addEventListener("click", (event) => {
      const node = /** @type {SVGGElement | null} */ (/** @type {Element} */ (event.target).closest("g.concept"));
      if (node) location.hash = "#/map/" + encodeURIComponent(node.dataset.key);
    });
    for (const node of /** @type {NodeListOf<SVGGElement>} */ (drawing.querySelectorAll("g.concept"))) {
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "link");
      node.addEventListener("keydown", (event) => { if (event.key === "Enter") node.dispatchEvent(new MouseEvent("click", { bubbles: true })); });
      if (node.dataset.key === selected) node.classList.add("selected");
    }
    const mastered = map.concepts.filter((c) => c.mastered).length;
    const unlocked = map.concepts.filter((c) => c.unlocked).length;
    const summary = el("div", { class: "stats-grid compact" }, App.stat("Concepts", map.concepts.length),
      App.stat("Unlocked", unlocked), App.stat("Mastered", mastered));
    const STATUS = { "not started": "Not started: unlocked, no card reviewed yet", learning: "Learning: deeper blue = more retained",
      mastered: "Mastered", locked: "Locked: learn its prerequisites first" };
    const legend = el("ul", { class: "map-legend", id: "map-legend" }, Object.entries(STATUS).map(([status, text]) =>
      el("li", {}, el("span", { class: "swatch", dataset: { status } }), text)));
    const detail = selected && byKey.has(selected) ? details(byKey.get(selected)) : el("div", { class: "panel muted", text: "Select a concept to see its cards and prerequisites." });
    page.append(el("div", { class: "map-layout" }, detail, el("div", { class: "panel map-panel" }, summary, legend, drawing)));

    function link(key) {
      const concept = byKey.get(key);
      return el("a", { class: "chip " + (concept && concept.mastered ? "mastered" : ""), href: "#/map/" + encodeURIComponent(key), text: concept ? concept.name : key });
    }

    function details(concept) {
      const info = collection.concepts.get(concept.key) || {};
      const cards = collection.cards.filter((card) => card.concepts.includes(concept.key));
      const list = el("ul", { class: "card-list" }, cards.slice(0, 30).map((card) => el("li", {},
        el("a", { href: card.note.kind === "circuit" ? "#/exercise/" + card.id : "#/card/" + card.id, text: App.collection.cardTitle(card) }),
        el("span", { class: "badge small " + (card.last_review ? "review" : "new"), text: card.note.kind === "circuit" ? "exercise" : card.last_review ? "seen" : "new" }))));
      return el("aside", { class: "panel concept-detail", id: "concept-detail", dataset: { key: concept.key } },
        el("h2", { text: concept.name }),
        info.description ? el("p", { text: info.description }) : null,
        el("div", { class: "mastery" }, el("div", { class: "meter" }, el("div", { style: "width:" + Math.round(concept.mastery * 100) + "%" })),
          el("span", { class: "concept-status", text: "Mastery " + App.percent(concept.mastery) + " · " + concept.status })),
        el("h3", { text: "Requires" }), el("div", { class: "chips" }, (requires.get(concept.key) || []).map(link).concat((requires.get(concept.key) || []).length ? [] : [el("span", { class: "muted small", text: "nothing: a starting point" })])),
        el("h3", { text: "Unlocks" }), el("div", { class: "chips" }, (unlocks.get(concept.key) || []).map(link)),
        el("h3", { text: cards.length + " cards" }), list,
        el("a", { class: "button", href: "#/search?q=" + encodeURIComponent(concept.name), text: "Related cards" }));
    }
  },
});

// @ts-check
// Today: what is due, what is new, and one button to start. An empty collection offers the
// bundled course and the importer.
"use strict";
App.screen("today", {
  title: "Today",
  async render(page) {
    const { el, call } = App;
    const stats = await call("learn.stats");
    if (stats.cards === 0) return renderEmpty(page);
    page.append(...App.todayView(stats));

    function renderEmpty(target) {
      const slot = el("div", { class: "slot" });
      const list = el("div", { class: "course-list" });
      target.append(App.header("Welcome", "Start with a course, or bring your own cards."),
        el("div", { class: "panel" }, el("h2", { text: "Courses" }), list, slot),
        el("div", { class: "panel" }, el("h2", { text: "Your own cards" }),
          el("p", { class: "muted", text: "Import an Anki deck (.apkg), a CSV file or a Prometheus export." }),
          el("a", { class: "button", href: "#/transfer", text: "Import cards" })));
      return call("learn.courses").then((courses) => {
        for (const course of courses) {
          list.append(el("article", { class: "course" },
            el("div", {}, el("h3", { text: course.title }), el("p", { class: "muted", text: course.description }),
              el("p", { class: "small", text: course.concepts + " concepts · " + course.cards + " cards" })),
            el("button", { class: "primary", "data-course": course.name, text: "Start this course", onclick: (event) => loadCourse(course, event.target) })));
        }
      });

      async function loadCourse(course, button) {
        button.disabled = true;
        try {
          const result = await App.withProgress(slot, "Loading " + course.title + "…", () => call("learn.load_course", { name: course.name }));
          App.toast("Loaded " + result.cards + " cards");
          App.refresh();
        } catch {
          button.disabled = false;
        }
      }
    }
  },
});

/** The Today screen's content for `stats` (learn.stats). `cached` ({saved}: when they were
 * read) shows last known counts while the engine starts: marked as such, nothing clickable
 * that needs the engine. */
App.todayView = function (stats, cached) {
  const { el, stat } = App;
  const due = stats.due_today;
  const total = due + stats.new_today;
  const day = stats.day ? new Date(stats.day + "T12:00:00").toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric" }) : null;
  const start = cached
    ? el("span", { class: "button primary big disabled", id: "start-review", "aria-disabled": "true", text: "Starting…" })
    : el("a", { class: "button primary big" + (total ? "" : " disabled"), href: "#/review", id: "start-review", text: total ? "Start studying" : "Study anyway" });
  return [
    App.header("Today", cached ? "Last known counts, from " + new Date(cached.saved).toLocaleString() : day,
      cached ? el("span", { class: "badge loading", text: "loading" }) : null),
    el("div", { class: "hero panel" },
      el("div", { class: "hero-text" },
        el("h2", { text: total ? total + (total === 1 ? " card" : " cards") + " to study" : "All caught up" }),
        el("p", { class: "muted", text: total ? "Reviews first, then new cards in the order the course map allows."
          : "Nothing is due right now. New cards unlock as you master their prerequisites." })),
      start),
    el("div", { class: "stats-grid" },
      stat("Due", due, stats.learning ? stats.learning + " learning" : "reviews"),
      stat("New", stats.new_today, stats.new_locked ? stats.new_locked + " locked by prerequisites" : "today"),
      stat("Studied today", stats.studied_today, stats.reviews_done_today + " reviews"),
      stat("Retention", App.percent(stats.true_retention_30d), "last 30 days")),
    el("div", { class: "panel" },
      el("h2", { text: "Your collection" }),
      el("ul", { class: "facts" },
        el("li", {}, el("strong", { text: String(stats.cards) }), " cards in ", el("strong", { text: String(stats.notes) }), " notes"),
        el("li", {}, el("strong", { text: String(stats.reviews) }), " reviews so far"),
        stats.rolled_over ? el("li", {}, el("strong", { text: String(stats.rolled_over) }), " due reviews rolled to tomorrow (daily cap)") : null,
        stats.suspended ? el("li", {}, el("strong", { text: String(stats.suspended) }), " suspended") : null),
      el("p", {}, el("a", { href: "#/map", text: "See the course map" }), " · ", el("a", { href: "#/exercise", text: "Circuit exercises" })))
  ];
};

// @ts-check
/*
 * The collection summary in chrome.storage.local: the only thing the service worker and the
 * popup read, so that neither ever starts Pyodide. Pages that run the engine write it after
 * each change (from learn.stats); the badge and the popup read it. Also the card draft that
 * the context menu creates and the editor keeps current, so a closed panel loses no typing.
 *
 * Loaded by background.js (importScripts), popup.html, panel.html and dashboard.html.
 */
"use strict";
self.PrometheusSummary = (function () {
  const SUMMARY = "summary";
  const DRAFT = "draft";
  const COUNTS = ["cards", "reviews", "due_today", "new_today"];

  function localDay(time) {
    const d = new Date(time);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  /** A summary from learn.stats' reply; refuses anything but non-negative integer counts. */
  /** @returns {ExtensionSummary} */
  function fromStats(stats, now) {
    if (!stats || typeof stats !== "object") throw new TypeError("learn.stats replied " + JSON.stringify(stats) + ", not an object");
    const summary = /** @type {ExtensionSummary} */ ({ updated: now === undefined ? Date.now() : now });
    for (const name of COUNTS) {
      const value = stats[name];
      if (!Number.isInteger(value) || value < 0) {
        throw new TypeError("learn.stats: " + name + " must be a non-negative integer, got " + JSON.stringify(value));
      }
      summary[name] = value;
    }
    summary.day = localDay(summary.updated);
    return summary;
  }

  async function write(stats) {
    const summary = fromStats(stats);
    await chrome.storage.local.set({ [SUMMARY]: summary });
    return summary;
  }

  async function read() {
    const stored = await chrome.storage.local.get(SUMMARY);
    return stored[SUMMARY] || null;
  }

  /** What the badge shows: the due count; a summary from another day is marked stale. */
  function badge(summary, now) {
    if (!summary) return { text: "", stale: false };
    const stale = summary.day !== localDay(now === undefined ? Date.now() : now);
    const due = summary.due_today;
    return { text: due > 999 ? "999+" : due > 0 ? String(due) : "", stale };
  }

  async function readDraft() {
    const stored = await chrome.storage.local.get(DRAFT);
    return stored[DRAFT] || null;
  }

  async function writeDraft(draft) {
    if (draft) await chrome.storage.local.set({ [DRAFT]: draft });
    else await chrome.storage.local.remove(DRAFT);
  }

  return { SUMMARY, DRAFT, fromStats, write, read, badge, readDraft, writeDraft, localDay };
})();

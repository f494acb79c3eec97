// @ts-check
/*
 * The extension's service worker. Kept small on purpose: Pyodide cannot run here (no dynamic
 * import, no nested worker, stopped after 30 s idle), so it only
 *   - offers "Add to Prometheus" on selected text, which stores a card draft and opens the
 *     side panel's editor (or the editor in a tab when the panel cannot open);
 *   - shows the due count on the action badge, from the summary the engine pages write,
 *     refreshed when the summary changes and by an alarm (a new day makes it stale).
 */
"use strict";
importScripts("summary.js");

const MENU_ID = "prometheus-add";
const ALARM = "prometheus-badge";
const BADGE_COLOR = "#b3401a";
const STALE_COLOR = "#777777";

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: "Add to Prometheus", contexts: ["selection"] });
});

/** The draft a selection becomes: front = the selection, back empty, where it came from. */
function draftFrom(info) {
  const text = typeof info.selectionText === "string" ? info.selectionText.trim() : "";
  if (!text) return null;
  return { front: text, back: "", source: info.pageUrl || "", created: Date.now() };
}

/** The context-menu handler (also what tests call through the real service worker). */
async function onMenuClick(info, tab) {
  if (!info || info.menuItemId !== MENU_ID) return null;
  const draft = draftFrom(info);
  if (!draft) return null;
  // sidePanel.open must run inside the click's user gesture, so before any await.
  const target = tab && tab.id >= 0 ? { tabId: tab.id } : tab && tab.windowId >= 0 ? { windowId: tab.windowId } : null;
  const opening = target ? chrome.sidePanel.open(target).then(() => "panel") : Promise.reject(new Error("no tab"));
  await PrometheusSummary.writeDraft(draft);  // the panel picks the draft up from storage
  const where = await opening.catch(() => chrome.tabs.create({ url: chrome.runtime.getURL("panel.html#add") }).then(() => "tab"));
  return { draft, where };
}

chrome.contextMenus.onClicked.addListener((info, tab) => { onMenuClick(info, tab); });

async function refreshBadge() {
  const { text, stale } = PrometheusSummary.badge(await PrometheusSummary.read());
  await chrome.action.setBadgeBackgroundColor({ color: stale ? STALE_COLOR : BADGE_COLOR });
  await chrome.action.setBadgeText({ text });
  await chrome.action.setTitle({ title: stale ? "Prometheus (open it to refresh the due count)" : "Prometheus" });
  return { text, stale };
}

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && PrometheusSummary.SUMMARY in changes) refreshBadge();
});
chrome.runtime.onStartup.addListener(refreshBadge);  // the badge is not kept across restarts
chrome.alarms.onAlarm.addListener((alarm) => { if (alarm.name === ALARM) refreshBadge(); });
chrome.alarms.get(ALARM).then((existing) => (existing ? null : chrome.alarms.create(ALARM, { periodInMinutes: 15 })));
refreshBadge();

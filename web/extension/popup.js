// @ts-check
// The popup: counts from the stored summary (no engine here: the popup dies when it loses focus).
"use strict";
(async function () {
  const $ = (id) => document.getElementById(id);
  const summary = await PrometheusSummary.read();
  if (summary) {
    $("due").textContent = String(summary.due_today);
    $("new").textContent = String(summary.new_today);
    if (PrometheusSummary.badge(summary).stale) $("note").textContent = "Counts from " + summary.day + ": open the side panel to refresh.";
  } else {
    $("note").textContent = "No collection yet: open the side panel to start.";
  }
  const win = await chrome.windows.getCurrent();  // before the click: open() needs its gesture
  $("open-panel").addEventListener("click", async () => {
    await chrome.sidePanel.open({ windowId: win.id });
    window.close();
  });
  $("open-dashboard").addEventListener("click", async () => {
    await chrome.tabs.create({ url: chrome.runtime.getURL("dashboard.html") });
    window.close();
  });
})();

// @ts-check
// Import (Anki .apkg, CSV with a column mapping, a Prometheus JSON export) and export (JSON,
// CSV, and the whole store as one backup file). Files are read here and parsed by the engine.
"use strict";
App.screen("transfer", {
  title: "Import/Export",
  render(page) {
    const { el, call } = App;
    const FIELDS = ["ignore", "front", "back", "concepts", "tags", "text", "answer", "kind"];
    const importSlot = el("div", { class: "slot", id: "import-slot" });
    const fileInput = el("input", { type: "file", id: "import-file", accept: ".apkg,.colpkg,.csv,.tsv,.txt,.json", onchange: () => fileInput.files[0] && chosen(fileInput.files[0]) });
    const exportSlot = el("div", { class: "slot", id: "export-slot" });
    const backupInput = el("input", { type: "file", id: "restore-file", accept: ".prometheus,application/octet-stream", onchange: () => backupInput.files[0] && restore(backupInput.files[0]) });
    const restoreSlot = el("div", { class: "slot" });
    page.append(App.header("Import and export", "Bring cards in from Anki or a spreadsheet; take everything with you."),
      el("div", { class: "two-col" },
        el("section", { class: "panel" }, el("h2", { text: "Import cards" }),
          el("p", { class: "muted", text: "Anki packages (.apkg, exported with “Support older Anki versions”), CSV or TSV files, or a Prometheus JSON export. Card HTML from other people's decks is sanitized before it is shown." }),
          el("label", { class: "file-drop" }, el("span", { class: "button primary", text: "Choose a file" }), fileInput), importSlot),
        el("section", { class: "panel" }, el("h2", { text: "Export" }),
          el("p", { class: "muted", text: "Your cards, concepts, review history and settings (JSON, to import here again), the cards and their schedule for Anki, or a full backup of everything this app stores." }),
          el("div", { class: "button-stack" },
            el("button", { id: "export-json", onclick: () => exportCollection("json") }, "Cards and history (JSON)"),
            el("button", { id: "export-apkg", class: "ghost", onclick: () => exportCollection("apkg") }, "Anki package (.apkg)"),
            el("button", { id: "export-csv", class: "ghost", onclick: () => exportCollection("csv") }, "Cards as a table (CSV)"),
            el("button", { id: "export-backup", class: "ghost", onclick: backup }, "Full backup (.prometheus)")), exportSlot,
          el("h3", { text: "Restore a backup" }),
          el("p", { class: "small muted", text: "Replaces everything on this device with the backup's contents." }),
          el("label", { class: "file-drop" }, el("span", { class: "button ghost", text: "Choose a backup" }), backupInput), restoreSlot)));

    function readFile(file, bar, asText) {
      return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onprogress = (event) => { if (event.lengthComputable) bar.set(0.4 * event.loaded / event.total, "Reading " + file.name + "…"); };
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        if (asText) reader.readAsText(file); else reader.readAsArrayBuffer(file);
      });
    }

    function base64(buffer) {
      const bytes = new Uint8Array(buffer);
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    }

    async function chosen(file) {
      const kind = /\.(apkg|colpkg)$/i.test(file.name) ? "apkg" : /\.json$/i.test(file.name) ? "json" : "csv";
      if (kind === "csv") return csvPreview(file);
      try {
        const result = await App.withProgress(importSlot, "Reading " + file.name + "…", async (bar) => {
          const data = kind === "apkg" ? base64(await readFile(file, bar, false)) : await readFile(file, bar, true);
          bar.set(null, "Importing " + file.name + " (this can take a while for big decks)…");
          return call("learn.import", { format: kind, data });
        });
        imported(result, file.name);
      } catch { /* shown in the slot */ }
      fileInput.value = "";
    }

    async function csvPreview(file) {
      const text = await file.text();
      const firstLine = text.split(/\r?\n/, 1)[0] || "";
      const delimiter = (firstLine.match(/\t/g) || []).length > (firstLine.match(/,/g) || []).length ? "\t" : (firstLine.match(/;/g) || []).length > (firstLine.match(/,/g) || []).length ? ";" : ",";
      const rows = text.split(/\r?\n/).filter((line) => line.trim()).slice(0, 4).map((line) => line.split(delimiter));
      const width = Math.max(...rows.map((r) => r.length));
      const headerGuess = rows.length > 0 && rows[0].some((cell) => /^\s*(front|text)\s*$/i.test(cell));
      const header = el("input", { type: "checkbox", id: "csv-header", checked: headerGuess });
      const html = el("input", { type: "checkbox", id: "csv-html" });
      const selects = Array.from({ length: width }, (_, i) => {
        const guess = headerGuess ? (FIELDS.includes(rows[0][i].trim().toLowerCase()) ? rows[0][i].trim().toLowerCase() : "ignore") : (["front", "back", "concepts", "tags"][i] || "ignore");
        return el("select", { "aria-label": "column " + (i + 1) }, FIELDS.map((f) => el("option", { value: f, selected: f === guess, text: f })));
      });
      const table = el("div", { class: "table-wrap" }, el("table", { class: "preview" },
        el("thead", {}, el("tr", {}, selects.map((s) => el("th", {}, s)))),
        el("tbody", {}, rows.map((row) => el("tr", {}, Array.from({ length: width }, (_, i) => el("td", { text: (row[i] || "").slice(0, 60) })))))));
      const go = el("button", { class: "primary", id: "csv-import", text: "Import " + file.name, onclick: async () => {
        /** @type {Record<string, number>} column index of each field */
        const mapping = {};
        selects.forEach((s, i) => { if (s.value !== "ignore") mapping[s.value] = i; });
        const slot = el("div", { class: "slot" });
        importSlot.append(slot);
        try {
          const result = await App.withProgress(slot, "Importing " + file.name + "…", () =>
            call("learn.import", { format: "csv", data: text, mapping, header: header.checked, delimiter, html: html.checked }));
          imported(result, file.name);
        } catch { /* shown */ }
      } });
      importSlot.replaceChildren(el("h3", { text: "Columns of " + file.name }), table,
        el("label", { class: "check" }, header, " First row is a header"),
        el("label", { class: "check" }, html, " Fields are HTML (sanitized when shown)"), go);
      fileInput.value = "";
    }

    function imported(result, name) {
      importSlot.replaceChildren(el("div", { class: "import-result", id: "import-result" },
        el("p", {}, el("strong", { text: "Imported " + name + ": " }), result.notes + " notes, " + result.cards + " cards" +
          (result.reviews ? ", " + result.reviews + " past reviews" : "") + (result.media && result.media.length ? ", " + result.media.length + " media files" : "") +
          (result.settings ? ", and your settings" : "")),
        el("div", { class: "row" }, el("a", { class: "button primary", href: "#/review", text: "Study them" }),
          el("button", { class: "ghost", text: "Undo this import", onclick: async () => {
            try { await call("learn.undo"); importSlot.replaceChildren(el("p", { class: "muted", text: "Import undone." })); } catch (error) { App.toast(App.describe(error), "error"); }
          } }))));
    }

    async function exportCollection(format) {
      try {
        const result = await App.withProgress(exportSlot, "Preparing the export…", () => call("learn.export", { format }));
        // apkg data is bytes (ArrayBuffer or Uint8Array, whichever the wire gives): a Blob takes both
        const types = { json: "application/json", csv: "text/csv", apkg: "application/octet-stream" };
        App.download(result.filename, result.data, types[format]);
        exportSlot.replaceChildren(el("p", { class: "small muted", text: "Saved " + result.filename }));
      } catch { /* shown */ }
    }

    async function backup() {
      try {
        const data = await App.withProgress(exportSlot, "Writing the backup…", () => call("store.export"));
        const name = "prometheus-backup-" + new Date().toISOString().slice(0, 10) + ".prometheus";
        App.download(name, data, "application/octet-stream");
        exportSlot.replaceChildren(el("p", { class: "small muted", text: "Saved " + name + " (" + Math.round(data.byteLength / 1024) + " kB)" }));
      } catch { /* shown */ }
    }

    async function restore(file) {
      const confirm = el("button", { class: "danger", id: "confirm-restore", text: "Replace everything with " + file.name, onclick: async () => {
        try {
          await App.withProgress(restoreSlot, "Restoring " + file.name + "…", async (bar) => call("store.import", { data: new Uint8Array(await readFile(file, bar, false)) }));
          App.toast("Backup restored");
          restoreSlot.replaceChildren(el("p", { class: "muted", text: "Restored " + file.name + "." }));
        } catch { /* shown */ }
        backupInput.value = "";
      } });
      restoreSlot.replaceChildren(el("p", { class: "warning", text: "This replaces all cards, history and settings on this device." }),
        el("div", { class: "row" }, confirm, el("button", { class: "ghost", text: "Cancel", onclick: () => { restoreSlot.replaceChildren(); backupInput.value = ""; } })));
    }
  },
});

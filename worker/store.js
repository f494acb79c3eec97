// @ts-check
/*
 * The IndexedDB bridge of prometheus.store, and tab coordination. No logic of its own:
 * Python (prometheus/store/) decides what to write and when; this file only moves bytes into
 * and out of IndexedDB, one transaction per call, and tells Python about other tabs.
 *
 * Database "prometheus-store:NAME", object stores (out-of-line keys):
 *   meta         "device" -> the store's device id
 *   journal      seq -> Uint8Array (one committed record)
 *   checkpoints  seq -> Uint8Array (the whole state at seq; the newest two are kept)
 * Every write resolves on the transaction's `complete` (not on a request's success), and the
 * transaction is committed right after its last request: none stays open across Python work.
 *
 * Tabs: the Web Lock "prometheus-store:NAME" makes one tab the writer (released when that tab
 * or its worker dies); the others read, and queue for the lock to take over. The writer posts
 * each committed record on the BroadcastChannel of the same name; the others replay it.
 */
"use strict";

self.PrometheusStore = (() => {
  const VERSION = 1;
  const STORES = ["meta", "journal", "checkpoints"];

  const request = (req) => new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

  // Resolves on `complete`; rejects with an Error whose message starts with the DOMException's
  // name (QuotaExceededError, AbortError ...) so Python can tell a full disk from the rest.
  const finished = (tx) => new Promise((resolve, reject) => {
    const fail = () => {
      const error = tx.error || new DOMException("the transaction was aborted", "AbortError");
      reject(new Error(error.name + ": " + error.message));
    };
    tx.oncomplete = () => resolve();
    tx.onerror = (event) => { event.preventDefault(); };
    tx.onabort = fail;
  });

  class Bridge {
    constructor(name, db, durability, events) {
      this.name = name;
      this.db = db;
      this.durability = durability;
      this.events = events;
      this.closedReason = null;
      this.channel = new BroadcastChannel("prometheus-store:" + name);
      db.onversionchange = () => {  // a newer version wants to upgrade: never block it
        db.close();
        this.closedReason = "the store was upgraded by a newer version of the app in another tab; reload this tab";
        events.notice({ event: "versionchange", message: this.closedReason });
      };
      db.onclose = () => { this.closedReason = this.closedReason || "the browser closed the store's database"; };
    }

    _tx(stores) {
      if (this.closedReason) throw new Error("StoreClosed: " + this.closedReason);
      return this.db.transaction(stores, "readwrite", { durability: this.durability });
    }

    // The device id, the journal, and the checkpoints' keys (each read on its own: readCheckpoint).
    async load() {
      if (this.closedReason) throw new Error("StoreClosed: " + this.closedReason);
      const tx = this.db.transaction(STORES, "readonly");
      const journal = tx.objectStore("journal");
      const [device, keys, values, checkpoints] = await Promise.all([
        request(tx.objectStore("meta").get("device")), request(journal.getAllKeys()), request(journal.getAll()),
        request(tx.objectStore("checkpoints").getAllKeys())]);
      return { device: device === undefined ? null : device, journal: keys.map((key, i) => [key, values[i]]), checkpoints };
    }

    async readCheckpoint(seq) {
      if (this.closedReason) throw new Error("StoreClosed: " + this.closedReason);
      const early = this.early;
      this.early = null;
      if (early && early.seq === seq) return early.data;
      const data = await request(this.db.transaction(["checkpoints"], "readonly").objectStore("checkpoints").get(seq));
      return data === undefined ? null : data;
    }

    // Starts reading the newest checkpoint (megabytes) while the runtime is still loading; the
    // first readCheckpoint of that seq takes it. A checkpoint's bytes never change under its seq,
    // so an early read is as good as a late one; the journal is always read when asked (load).
    readEarly() {
      const tx = this.db.transaction(["checkpoints"], "readonly");
      const early = { seq: null, data: null };
      const cursor = tx.objectStore("checkpoints").openCursor(null, "prev");
      cursor.onsuccess = () => {
        if (cursor.result) Object.assign(early, { seq: cursor.result.key, data: cursor.result.value });
      };
      this.early = early;
      return finished(tx).catch(() => { this.early = null; });
    }

    // Whether the store holds no record and no checkpoint (the worker then starts without
    // numpy: restoring nothing needs it). Only the writer's answer stays true: readers can
    // see another tab's records arrive at any time.
    async isEmpty() {
      if (this.closedReason) throw new Error("StoreClosed: " + this.closedReason);
      const tx = this.db.transaction(["journal", "checkpoints"], "readonly");
      const [records, checkpoints] = await Promise.all([
        request(tx.objectStore("journal").count()), request(tx.objectStore("checkpoints").count())]);
      return records === 0 && checkpoints === 0;
    }

    async append(entries) {
      const tx = this._tx(["journal"]);
      const journal = tx.objectStore("journal");
      for (const [seq, data] of entries) journal.add(data, seq);
      tx.commit();
      await finished(tx);
    }

    async checkpoint(seq, data, keep) {
      const tx = this._tx(["checkpoints", "journal"]);
      tx.objectStore("checkpoints").put(data, seq);
      if (keep > 0) tx.objectStore("checkpoints").delete(IDBKeyRange.upperBound(keep, true));
      if (keep > 0) tx.objectStore("journal").delete(IDBKeyRange.upperBound(keep));
      tx.commit();
      await finished(tx);
    }

    async replace(seq, data) {
      const tx = this._tx(["checkpoints", "journal"]);
      tx.objectStore("journal").clear();
      tx.objectStore("checkpoints").clear();
      tx.objectStore("checkpoints").put(data, seq);
      tx.commit();
      await finished(tx);
      this.channel.postMessage({ reload: true });
    }

    async setDevice(device) {
      const tx = this._tx(["meta"]);
      tx.objectStore("meta").put(device, "device");
      tx.commit();
      await finished(tx);
    }

    broadcast(seq, data) {
      this.channel.postMessage({ seq, data });
    }

    // Resolves "writer" or "reader" at once; a reader's `onWriter` runs when it takes over.
    claimWriter(onWriter) {
      if (!self.navigator || !navigator.locks) return Promise.resolve("writer");  // no Web Locks: one tab assumed
      const lockName = "prometheus-store:" + this.name;
      const hold = () => new Promise(() => {});  // held until this worker dies
      return new Promise((resolve) => {
        navigator.locks.request(lockName, { ifAvailable: true }, (lock) => {
          if (lock) { resolve("writer"); return hold(); }
          resolve("reader");
          navigator.locks.request(lockName, () => { onWriter(); return hold(); });
          return undefined;
        });
      });
    }
  }

  /**
   * @param {string} name
   * @param {{durability?: IDBTransactionDurability, notice?: StoreNotice}} [options]
   */
  async function open(name, { durability = "relaxed", notice = () => {} } = {}) {
    const req = indexedDB.open("prometheus-store:" + name, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const store of STORES) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    };
    req.onblocked = () => notice({ event: "blocked", message: "an older tab keeps the store open; close it to finish the upgrade" });
    const db = await request(req);
    return new Bridge(name, db, durability, { notice });
  }

  async function persisted() {
    try { return !!(self.navigator && navigator.storage && await navigator.storage.persisted()); }
    catch { return false; }
  }

  return { open, persisted };
})();

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

  /** @param {string} name @param {StoreNotice} notice */
  function connect(name, notice) {
    const req = indexedDB.open("prometheus-store:" + name, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const store of STORES) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    };
    req.onblocked = () => notice({ event: "blocked", message: "an older tab keeps the store open; close it to finish the upgrade" });
    return request(req);
  }

  class Bridge {
    constructor(name, db, durability, events) {
      this.name = name;
      this.durability = durability;
      this.events = events;
      this.closedReason = null;
      this.reopened = false;
      this.channel = new BroadcastChannel("prometheus-store:" + name);
      this._attach(db);
    }

    _attach(db) {
      this.db = db;
      db.onversionchange = () => {  // a newer version wants to upgrade: never block it
        db.close();
        this.closedReason = "the store was upgraded by a newer version of the app in another tab; reload this tab";
        this.events.notice({ event: "versionchange", message: this.closedReason });
      };
      // The browser closes a database after an I/O error or when the site's data is cleared.
      // The next request opens it again, and a write first checks that the database still ends
      // where this tab left it (_continues): measured on a full disk, a write that failed with
      // FILE_ERROR_NO_SPACE made Chromium close the connection and then delete the database.
      db.onclose = () => {
        if (this.db === db) this.db = null;
      };
    }

    async _connection() {
      if (this.closedReason) throw new Error("StoreClosed: " + this.closedReason);
      if (this.db === null) {
        this._attach(await connect(this.name, this.events.notice));
        this.reopened = true;
      }
      return this.db;
    }

    // After a reopen the newest record or checkpoint must be `seq`. If it is not, the database
    // lost what this tab wrote; Python then writes its whole state anew (Store._commit).
    async _continues(seq) {
      const db = await this._connection();
      if (!this.reopened) return;
      const tx = db.transaction(["journal", "checkpoints"], "readonly");
      const newestOf = (name) => request(tx.objectStore(name).openKeyCursor(null, "prev"))
        .then((cursor) => (cursor ? Number(cursor.key) : 0));
      const newest = Math.max(await newestOf("journal"), await newestOf("checkpoints"));
      if (newest !== seq) throw new Error(`StoreLost: the database ends at record ${newest}, this tab at ${seq}`);
      this.reopened = false;
    }

    // One readwrite transaction filled by `fill`, committed at once, resolved on `complete`.
    async _write(stores, fill) {
      const tx = (await this._connection()).transaction(stores, "readwrite", { durability: this.durability });
      fill(tx);
      tx.commit();
      await finished(tx);
    }

    // The device id, the journal, and the checkpoints' keys (each read on its own: readCheckpoint).
    async load() {
      const tx = (await this._connection()).transaction(STORES, "readonly");
      const journal = tx.objectStore("journal");
      const [device, keys, values, checkpoints] = await Promise.all([
        request(tx.objectStore("meta").get("device")), request(journal.getAllKeys()), request(journal.getAll()),
        request(tx.objectStore("checkpoints").getAllKeys())]);
      return { device: device === undefined ? null : device, journal: keys.map((key, i) => [key, values[i]]), checkpoints };
    }

    async readCheckpoint(seq) {
      const db = await this._connection();
      const early = this.early;
      this.early = null;
      if (early && early.seq === seq) return early.data;
      const data = await request(db.transaction(["checkpoints"], "readonly").objectStore("checkpoints").get(seq));
      return data === undefined ? null : data;
    }

    // Starts reading the newest checkpoint (megabytes) while the runtime is still loading; the
    // first readCheckpoint of that seq takes it. A checkpoint's bytes never change under its seq,
    // so an early read is as good as a late one; the journal is always read when asked (load).
    readEarly() {
      if (this.db === null) return Promise.resolve();
      const tx = this.db.transaction(["checkpoints"], "readonly");
      const early = { seq: null, data: null };
      const cursor = tx.objectStore("checkpoints").openCursor(null, "prev");
      cursor.onsuccess = () => {
        if (cursor.result) Object.assign(early, { seq: cursor.result.key, data: cursor.result.value });
      };
      this.early = early;
      return finished(tx).catch(() => { this.early = null; });
    }

    async append(entries) {
      await this._continues(entries[0][0] - 1);
      await this._write(["journal"], (tx) => {
        const journal = tx.objectStore("journal");
        for (const [seq, data] of entries) journal.add(data, seq);
      });
    }

    async checkpoint(seq, data, keep) {
      await this._continues(seq);
      await this._write(["checkpoints", "journal"], (tx) => {
        tx.objectStore("checkpoints").put(data, seq);
        if (keep > 0) tx.objectStore("checkpoints").delete(IDBKeyRange.upperBound(keep, true));
        if (keep > 0) tx.objectStore("journal").delete(IDBKeyRange.upperBound(keep));
      });
    }

    async replace(seq, data) {  // the whole store anew: nothing to continue from
      await this._write(["checkpoints", "journal"], (tx) => {
        tx.objectStore("journal").clear();
        tx.objectStore("checkpoints").clear();
        tx.objectStore("checkpoints").put(data, seq);
      });
      this.reopened = false;
      this.channel.postMessage({ reload: true });
    }

    async setDevice(device) {
      await this._write(["meta"], (tx) => { tx.objectStore("meta").put(device, "device"); });
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
    return new Bridge(name, await connect(name, notice), durability, { notice });
  }

  async function persisted() {
    try { return !!(self.navigator && navigator.storage && await navigator.storage.persisted()); }
    catch { return false; }
  }

  return { open, persisted };
})();

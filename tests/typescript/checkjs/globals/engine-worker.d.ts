// Globals of the engine's Web Worker (worker/*.js): what the SDK's blob bootstrap sets, the store
// bridge (worker/store.js, called by worker.js and by Python's prometheus.store.browser), and
// WebGPU's entry point (not in TypeScript's lib yet).

interface StoreOptions {
  name: string;
  persist: boolean;
  durability: IDBTransactionDurability;
}

/** A notice for the page: {event: "versionchange" | "blocked", message}. */
type StoreNotice = (notice: { event: string; message: string }) => void;

interface StoreBridge {
  readonly name: string;
  readonly channel: BroadcastChannel;
  closedReason: string | null;
  load(): Promise<{ device: string | null; journal: [number, Uint8Array][]; checkpoints: number[] }>;
  readCheckpoint(seq: number): Promise<Uint8Array | null>;
  readEarly(): Promise<void>;
  append(entries: Iterable<[number, Uint8Array]>): Promise<void>;
  checkpoint(seq: number, data: Uint8Array, keep: number): Promise<void>;
  replace(seq: number, data: Uint8Array): Promise<void>;
  setDevice(device: string): Promise<void>;
  broadcast(seq: number, data: Uint8Array): void;
  claimWriter(onWriter: () => unknown): Promise<"writer" | "reader">;
}

declare var PrometheusStore: {
  open(name: string, options?: { durability?: IDBTransactionDurability; notice?: StoreNotice }): Promise<StoreBridge>;
  persisted(): Promise<boolean>;
};

/** A start-up snapshot found in OPFS (worker/snapshot.js), its file open: the start of its memory
 * image (the runtime's header), the image's length, the bitmap of its kept pages and their
 * checksum; `read` reads its kept form; `named`: whether the lock's key names it. */
interface KeptSnapshot {
  head: Uint8Array;
  length: number;
  bitmap: Uint8Array;
  expected: string;
  read: (view: Uint8Array, at: number) => number;
  close: () => void;
  restored: boolean;
  named: Promise<boolean>;
  /** the standard library kept beside it, open for reading (worker/snapshot.js, keptFile) */
  library: KeptFile | null;
  /** the file the preparation wrote (Preparation.keptFile), kept beside it, open for reading */
  prepared: KeptFile | null;
  /** the plan of the runtime's function table kept beside it (worker/function_table.js) */
  table: FunctionTablePlan | null;
}

/** A kept file, open for reading for as long as the runtime runs: its size; `read` fills a view
 * from byte `at` and answers how many bytes it read. */
interface KeptFile {
  size: number;
  read: (view: ArrayBufferView, at: number) => number;
  close: () => void;
}

/** The checksum's and zeroWhereNot's loops over one WebAssembly memory (worker/snapshot_file.js,
 * memoryKernels): `holds` says whether a view is in that memory; offsets are the memory's. */
interface MemoryKernels {
  holds(view: ArrayBufferView): boolean;
  mixWords(lanes: Int32Array, words: Int32Array): number[];
  zeroWhereNot(start: number, end: number): void;
}

/** What the worker does to a started interpreter before a snapshot keeps it (worker/snapshot.js). */
interface Preparation {
  /** Brings a fresh interpreter to the state the snapshot keeps; false if it could not (nothing kept). */
  prepare(pyodide: PyodideInterface): Promise<boolean>;
  /** Writes the files that state reads (the file system is not part of the snapshot), reading
   * `kept` where given (the file keptFile answered, kept with the snapshot); false if it cannot. */
  restoreFiles(FS: PyodideFS, kept?: KeptFile | null): Promise<boolean>;
  /** The bytes of the file `prepare` wrote, kept with the snapshot (null: none). */
  keptFile(): Promise<Uint8Array | null>;
}

/** Set by the SDK's blob bootstrap (a worker started from another origin); else undefined. */
declare var PROMETHEUS_BASE: string | undefined;
declare var PROMETHEUS_SNAPSHOT: boolean | undefined;
declare var PROMETHEUS_STORE: StoreOptions | undefined;

interface WorkerNavigator {
  readonly gpu?: {
    requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null>;
  };
}

/** Pyodide's runtime script defines it; the worker defines a stand-in that waits for its import. */
declare var _createPyodideModule: ((settings: EmscriptenSettings) => Promise<unknown>) | undefined;

// The access modes of synchronous access handles (Chromium 121+) and renames (Chromium 110+), not
// in TypeScript's lib yet.
interface FileSystemFileHandle {
  createSyncAccessHandle(options?: { mode?: "readwrite" | "read-only" | "readwrite-unsafe" }): Promise<FileSystemSyncAccessHandle>;
  move(newName: string): Promise<void>;
}

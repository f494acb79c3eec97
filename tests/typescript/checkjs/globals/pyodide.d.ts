// The part of Pyodide 0.27's API that worker/ uses (the runtime is loaded by importScripts, so its
// own types, in the npm package, are not what the scripts see). Python objects are `any`: proxies
// whose attributes are Python's.

interface PyodideLoadOptions {
  indexURL: string;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Experimental in 0.27: start from (or make) a memory snapshot (worker/snapshot.js). */
  _loadSnapshot?: Uint8Array;
  _makeSnapshot?: boolean;
  /** Ours, which Pyodide passes on in the settings' API.config (worker/function_table.js). */
  functionTable?: FunctionTablePlanning;
  /** Awaited before Python starts (or its snapshot is restored): the file system is ready for writes. */
  fsInit?: (FS: PyodideFS, info: { sitePackages: string }) => Promise<void>;
}

/** Emscripten's file system, the part worker/ uses. */
interface PyodideFS {
  writeFile(path: string, data: Uint8Array, options?: { canOwn?: boolean }): void;
  readFile(path: string): Uint8Array;
  mkdirTree(path: string): void;
  lookupPath(path: string): { node: unknown };
}

/** A package's entry in the lock file (pyodide-lock.json), the fields worker/ reads. */
interface PackageEntry {
  name: string;
  file_name: string;
  sha256: string;
  install_dir: string;
  package_type: string;
  shared_library?: boolean;
  depends?: string[];
}

/** Pyodide 0.27's internal API (`pyodide._api`), the part worker/package_cache.js uses. */
interface PyodideInternalAPI {
  /** Python's pyodide._package_loader module. */
  package_loader: any;
  /** Python's importlib module. */
  importlib: any;
  loadDynlibsFromPackage(pkg: { file_name: string }, dynlibs: string[]): Promise<void>;
}

interface PyodideInterface {
  readonly version: string;
  readonly FS: PyodideFS;
  /** Package name -> where it was loaded from. */
  readonly loadedPackages: Record<string, string>;
  readonly _api: PyodideInternalAPI;
  loadPackage(names: string | string[], options?: { messageCallback?: (message: string) => void }): Promise<unknown>;
  pyimport(name: string): any;
  runPython(code: string): any;
  registerJsModule(name: string, module: object): void;
  makeMemorySnapshot(): Uint8Array;
  setInterruptBuffer(buffer: Int32Array): void;
}

/** The settings loadPyodide hands to the runtime's module factory (_createPyodideModule): Emscripten's,
 * the parts worker/offset_table.js, invoke_trampolines.js and function_table.js wrap or read. */
interface EmscriptenSettings {
  /** Pyodide's: `config` is loadPyodide's options. */
  API?: { config?: PyodideLoadOptions };
  instantiateWasm?: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => unknown,
  ) => unknown;
  locateFile?: (path: string, folder: string) => string;
}

declare var loadPyodide: (options: PyodideLoadOptions) => Promise<PyodideInterface>;

/** The runtime's Module as Emscripten's dynamic linker keeps it (`this` of instantiateWasm): the
 * parts worker/function_table.js uses. */
interface RuntimeLinker {
  wasmTable: WebAssembly.Table;
  wasmTableMirror: (Function | null | undefined)[];
  /** The global offset table: symbol -> its entry. */
  GOT: Record<string, WebAssembly.Global>;
  /** The function's slot in the table (0: none); the first call makes the linker's map of the table. */
  getFunctionAddress(f: Function): number;
  /** Puts the functions of `count` slots from `offset` in the linker's map (once it has one). */
  updateTableMap(offset: number, count: number): void;
  /** Gives `f` a slot in the table (its own where it has one). */
  addFunction(f: Function, signature?: string): number;
  /** Whether the linker keeps `name` out of the offset table. */
  isInternalSym(name: string): boolean;
  /** Emscripten's run dependencies: the runtime runs once none is left. */
  addRunDependency(id: string): void;
  removeRunDependency(id: string): void;
}

/** Where each export of the runtime goes in its function table (worker/function_table.js): the
 * table's length before, and each export's slot (in the order of the instance's exports; 0: none). */
interface FunctionTablePlan {
  initial: number;
  slots: Int32Array;
  /** The exports the linker must see itself where the rest is linked in bulk (worker/linking.js), by index; null: it sees all. */
  eager?: Int32Array | null;
}

/** loadPyodide's `functionTable` option: the plan to place the exports by (null: the linker places
 * them), whether it was used, and the plan of the slots the linker gave, where it placed them. */
interface FunctionTablePlanning {
  plan: FunctionTablePlan | null;
  placed?: boolean;
  made?: FunctionTablePlan | null;
  /** "bulk" where the linker saw only the plan's eager exports, the rest linked in bulk (worker/linking.js). */
  linked?: "bulk";
}

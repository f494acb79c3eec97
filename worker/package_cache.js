// @ts-check
/*
 * Kept packages: the files a package's wheel installed, kept in the origin private file system
 * (OPFS) once Pyodide's `loadPackage` has installed it, so that a later start writes them back
 * instead of downloading and unpacking the wheel. numpy loads on every start, right after ready:
 * its wheel's download and unpacking were ~150 ms of every warm start's first answer (338 files,
 * 12.7 MB inflated), and a kept copy is written back in ~15 ms (files handed to the file system
 * as they are read, no copy).
 *
 * A kept package's file: PACKAGE_MAGIC, the index's length (uint32, little-endian), the checksum
 * of the index and the files' bytes (64 hex digits, worker/snapshot_file.js's), the index (JSON
 * {"files": [[path, size], ...], "dynlibs": [path, ...]}, padded with spaces to a multiple of 4
 * bytes), then the files' bytes in the index's order. Its name is the package's and its wheel's
 * sha256 (the lock file's): a new wheel is a new name, and keeping it removes the package's older
 * files. Only packages without dependencies are kept (numpy, tzdata, sqlite3): one file restores
 * one whole package.
 *
 * A package is kept a second after `loadPackage` installed it (KEEP_AFTER_MS), once the calls
 * that waited for it have run: keeping numpy takes 60-100 ms of this thread on a first visit
 * (reading and packing 12.7 MB, then writing it while the start-up snapshot is written too), which
 * the first answer would otherwise wait for. The file is written in place, in one synchronous
 * write: a start cut short mid-write leaves a file whose checksum fails, which the next start
 * deletes and keeps anew.
 */
"use strict";

const PACKAGE_FOLDER = "prometheus-packages";
const PACKAGE_MAGIC = "prometheus-package-1\n";
const PACKAGE_INDEX_AT = 24;  // the magic, zero-padded to a multiple of 4 bytes
const PACKAGE_HEADER = PACKAGE_INDEX_AT + 4 + 64;  // then the index's length and the checksum
const KEEP_AFTER_MS = 1000;

/**
 * The kept form of a package's files.
 * @param {[string, Uint8Array][]} files path and content, in the order they are written back
 * @param {string[]} dynlibs the files loaded as dynamic libraries, in their loading order
 */
function packPackage(files, dynlibs) {
  const json = JSON.stringify({ files: files.map(([path, bytes]) => [path, bytes.length]), dynlibs });
  const encoded = new TextEncoder().encode(json);
  const indexLength = Math.ceil(encoded.length / 4) * 4;
  const dataLength = files.reduce((size, [, bytes]) => size + bytes.length, 0);
  const kept = new Uint8Array(PACKAGE_HEADER + indexLength + dataLength);
  kept.set(new TextEncoder().encode(PACKAGE_MAGIC));
  new DataView(kept.buffer).setUint32(PACKAGE_INDEX_AT, indexLength, true);
  kept.fill(0x20, PACKAGE_HEADER + encoded.length, PACKAGE_HEADER + indexLength);  // JSON's whitespace
  kept.set(encoded, PACKAGE_HEADER);
  let at = PACKAGE_HEADER + indexLength;
  for (const [, bytes] of files) {
    kept.set(bytes, at);
    at += bytes.length;
  }
  const index = kept.subarray(PACKAGE_HEADER, PACKAGE_HEADER + indexLength);
  kept.set(new TextEncoder().encode(runsChecksum([index, kept.subarray(PACKAGE_HEADER + indexLength)])), PACKAGE_INDEX_AT + 4);
  return kept;
}

/**
 * The files and dynamic libraries a kept package holds, checked: each file is a view of `kept`
 * (not a copy). Throws an Error that says what is wrong: another format, a file cut short or
 * damaged (its checksum), or an index naming a path outside `installDir`, a size the bytes do not
 * match or a dynamic library that is not one of its files.
 * @param {Uint8Array} kept the whole file, 4-byte aligned
 * @param {string} installDir where the package's files belong (an absolute path)
 * @returns {{ files: [string, Uint8Array][], dynlibs: string[] }}
 */
function parsePackage(kept, installDir) {
  const magic = new TextEncoder().encode(PACKAGE_MAGIC);
  if (magic.some((byte, i) => kept[i] !== byte)) throw new Error("not a kept package");
  if (kept.length < PACKAGE_HEADER) throw new Error("a kept package cut short (its header)");
  const indexLength = new DataView(kept.buffer, kept.byteOffset).getUint32(PACKAGE_INDEX_AT, true);
  if (indexLength % 4 !== 0 || PACKAGE_HEADER + indexLength > kept.length) throw new Error("a kept package cut short (its index)");
  const index = kept.subarray(PACKAGE_HEADER, PACKAGE_HEADER + indexLength);
  const data = kept.subarray(PACKAGE_HEADER + indexLength);
  const expected = new TextDecoder().decode(kept.subarray(PACKAGE_INDEX_AT + 4, PACKAGE_HEADER));
  if (runsChecksum([index, data]) !== expected) throw new Error("a damaged kept package (its checksum does not match)");
  let parsed;
  try {
    parsed = JSON.parse(new TextDecoder().decode(index));
  } catch {
    throw new Error("a kept package's index is not JSON");
  }
  const within = installDir.replace(/\/+$/, "") + "/";
  const clean = (path) => typeof path === "string" && path.startsWith(within) && !path.split("/").some((part) => part === "." || part === "..") && !path.includes("//");
  if (!parsed || !Array.isArray(parsed.files) || !Array.isArray(parsed.dynlibs)) throw new Error("a kept package's index has no files or dynlibs");
  /** @type {[string, Uint8Array][]} */
  const files = [];
  let at = 0;
  for (const entry of parsed.files) {
    const [path, size] = Array.isArray(entry) ? entry : [];
    if (!clean(path)) throw new Error(`a kept package names ${JSON.stringify(path)}, not a file under ${within}`);
    if (!Number.isInteger(size) || size < 0 || at + size > data.length) throw new Error(`a kept package's ${path}: its size ${size} is not in its bytes`);
    files.push([path, data.subarray(at, at + size)]);
    at += size;
  }
  if (at !== data.length) throw new Error(`a kept package holds ${data.length - at} bytes its index does not name`);
  const names = new Set(files.map(([path]) => path));
  for (const dynlib of parsed.dynlibs) if (!names.has(dynlib)) throw new Error(`a kept package loads ${JSON.stringify(dynlib)}, which is not one of its files`);
  return { files, dynlibs: parsed.dynlibs };
}

/** @param {PackageEntry} entry the package's entry in the lock file */
const keptName = (entry) => entry.name + "-" + entry.sha256;

// Whether `name` in the folder is one of the package's kept files (any wheel's).
/** @param {string} name @param {PackageEntry} entry */
const keptOf = (name, entry) => name.startsWith(entry.name + "-") && /^[0-9a-f]{64}$/.test(name.slice(entry.name.length + 1));

// Whether a lock entry can be kept: a package of its own (no dependencies, no shared library), a
// wheel, named by a sha256.
/** @param {PackageEntry | undefined} entry */
const keepable = (entry) => Boolean(entry && entry.package_type === "package" && !entry.shared_library &&
  (entry.depends || []).length === 0 && /^[0-9a-f]{64}$/.test(entry.sha256) && /\.whl$/.test(entry.file_name));

/**
 * The kept files of `entry`'s package, read and checked (parsePackage), or null: none kept, one
 * another start is writing (it is theirs to finish), or one that is damaged (then deleted, and the
 * package loads as it would without it).
 * @param {PackageEntry} entry
 * @param {string} installDir
 */
async function findPackage(entry, installDir) {
  let bytes;
  try {
    const folder = await keptFolder(PACKAGE_FOLDER);
    if (!folder) return null;
    bytes = new Uint8Array(await (await (await folder.getFileHandle(keptName(entry))).getFile()).arrayBuffer());
  } catch {
    return null;  // none, or open for writing
  }
  try {
    return parsePackage(bytes, installDir);
  } catch (error) {
    console.warn(`prometheus: the kept ${entry.name} package is not used:`, error);
    await removeKept((name) => name === keptName(entry)).catch(() => {});
    return null;
  }
}

/**
 * Installs a kept package as `loadPackage` would have: its files, its dynamic libraries, its
 * record in `loadedPackages`, and fresh import caches.
 * @param {PyodideInterface} pyodide
 * @param {PackageEntry} entry
 * @param {{ files: [string, Uint8Array][], dynlibs: string[] }} kept
 */
async function restorePackage(pyodide, entry, kept) {
  const { FS } = pyodide;
  const made = new Set();
  for (const [path, bytes] of kept.files) {
    const folder = path.slice(0, path.lastIndexOf("/"));
    if (!made.has(folder)) {
      FS.mkdirTree(folder);
      made.add(folder);
    }
    FS.writeFile(path, bytes, { canOwn: true });  // the file is the view: no copy
  }
  await pyodide._api.loadDynlibsFromPackage({ file_name: entry.file_name }, kept.dynlibs);
  pyodide.loadedPackages[entry.name] = "default channel";  // as loadPackage records it
  pyodide._api.importlib.invalidate_caches();
}

/**
 * The file `entry`'s package is kept in, open for a synchronous write (exclusive: a start in
 * another tab that opens it first keeps it), or null where it cannot be.
 * @param {PackageEntry} entry
 * @returns {Promise<FileSystemSyncAccessHandle | null>}
 */
async function openKept(entry) {
  try {
    const folder = await keptFolder(PACKAGE_FOLDER);
    return folder && (await (await folder.getFileHandle(keptName(entry), { create: true })).createSyncAccessHandle());
  } catch {
    return null;
  }
}

/**
 * Writes the files `loadPackage` installed for `entry` (what prometheus.wheel_unpack recorded)
 * into `access` (openKept's), then removes the package's other kept files. Where there is
 * nothing to keep, or anything fails, the file is removed (a warning: the next start loads the
 * wheel).
 * @param {PyodideInterface} pyodide
 * @param {PackageEntry} entry
 * @param {FileSystemSyncAccessHandle} access
 */
async function keepPackage(pyodide, entry, access) {
  let kept = false;
  try {
    const unpacked = pyodide.pyimport("prometheus.wheel_unpack").unpacked(entry.file_name);
    const record = unpacked && unpacked.toJs({ dict_converter: Object.fromEntries });
    if (unpacked) unpacked.destroy();
    if (record && entry.name in pyodide.loadedPackages) {
      /** @type {[string, Uint8Array][]} */
      const files = record.files.map((path) => [path, pyodide.FS.readFile(path)]);
      const bytes = packPackage(files, record.dynlibs);
      access.truncate(0);
      kept = access.write(bytes, { at: 0 }) === bytes.length;
    }
  } catch (error) {
    console.warn(`prometheus: the ${entry.name} package was not kept:`, error);
  } finally {
    access.close();
  }
  removeKept((name) => (kept ? name !== keptName(entry) && keptOf(name, entry) : name === keptName(entry))).catch(() => {});
}

// Removes the kept files that `which` names (not awaited by keepPackage: what
// a start cut short leaves, the next start's keepPackage removes).
/** @param {(name: string) => boolean} which */
async function removeKept(which) {
  const folder = await keptFolder(PACKAGE_FOLDER);
  if (!folder) return;
  for await (const name of folder.keys()) if (which(name)) await folder.removeEntry(name);
}

/**
 * `load(names)`: loads Pyodide packages, each once however many calls ask for it at once. A
 * package kept by an earlier start is installed from its kept files (restorePackage); the others
 * load with `loadPackage` (together, as one call would), and are kept (keepPackage) where they
 * can be, KEEP_AFTER_MS later.
 * @param {PyodideInterface} pyodide
 * @param {Promise<{ packages: Record<string, PackageEntry> }>} lock the lock file
 * @param {boolean} keep whether packages are kept and looked for (the page's `snapshot` option)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by worker.js
function packageLoader(pyodide, lock, keep) {
  /** @type {Map<string, Promise<void>>} */
  const loading = new Map();
  /** @param {PackageEntry} entry */
  const fromKept = async (entry) => {
    const kept = await findPackage(entry, pyodide._api.package_loader.get_install_dir(entry.install_dir));
    if (!kept) return false;
    try {
      await restorePackage(pyodide, entry, kept);
      return true;
    } catch (error) {  // loadPackage then installs it over what was written
      console.warn(`prometheus: the kept ${entry.name} package could not be installed:`, error);
      return false;
    }
  };
  /** @param {string[]} names */
  const loadAll = async (names) => {
    const entries = (await lock.catch(() => ({ packages: {} }))).packages;
    const keeps = names.map((name) => keep && keepable(entries[name]));
    const restored = await Promise.all(names.map((name, i) => keeps[i] && fromKept(entries[name])));
    const rest = names.filter((_, i) => !restored[i]);
    if (rest.length === 0) return;
    await pyodide.loadPackage(rest, { messageCallback: () => {} });
    const kept = names.filter((_, i) => keeps[i] && !restored[i]).map((name) => entries[name]);
    if (kept.length === 0) return;
    setTimeout(async () => {
      for (const entry of kept) {
        const access = await openKept(entry);
        if (access) await keepPackage(pyodide, entry, access);
      }
    }, KEEP_AFTER_MS);
  };
  /** @param {string[]} names */
  return function load(names) {
    const wanted = names.filter((name) => !(name in pyodide.loadedPackages));
    const fresh = wanted.filter((name) => !loading.has(name));
    if (fresh.length) {
      const done = loadAll(fresh);
      for (const name of fresh) loading.set(name, done);
      done.finally(() => { for (const name of fresh) loading.delete(name); }).catch(() => {});
    }
    return Promise.all(wanted.map((name) => loading.get(name))).then(() => {});
  };
}

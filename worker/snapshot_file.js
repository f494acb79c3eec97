// @ts-check
/*
 * A start-up snapshot's kept form (worker/snapshot.js keeps it in a file of its own): its zero
 * pages left out, and a checksum of the rest that a warm start can afford.
 *
 * A fresh interpreter's memory is about half zero pages (2,433 of 5,121 measured), so the file
 * holds a bitmap of the memory's 4 KiB pages (bit set: the page holds a non-zero byte), then
 * those pages in order; a warm start reads and checks half the bytes, straight into the runtime's
 * memory (readImage), where the pages left out are made zero. They need no checking: the bitmap,
 * which the checksum covers, says which they are.
 */
"use strict";

const PAGE = 4096;

// The kept pages of a memory of `length` bytes, as [start, end) byte ranges, a run of adjacent
// kept pages as one range.
/** @param {Uint8Array} bitmap @param {number} length */
function* keptRuns(bitmap, length) {
  const pages = Math.ceil(length / PAGE);
  const kept = (page) => bitmap[page >> 3] & (1 << (page & 7));
  for (let page = 0; page < pages; page++) {
    if (!kept(page)) continue;
    const first = page;
    while (page + 1 < pages && kept(page + 1)) page++;
    yield [first * PAGE, Math.min((page + 1) * PAGE, length)];
  }
}

// `bytes` starting at a multiple of 4 (a copy where it does not), so that it can be read a
// 32-bit word at a time.
/** @param {Uint8Array} bytes */
const aligned = (bytes) => (bytes.byteOffset % 4 === 0 ? bytes : bytes.slice());

/**
 * The bitmap of the pages of `bytes` that hold a non-zero byte.
 * @param {Uint8Array} bytes 4-byte aligned (`aligned`)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function keptPages(bytes) {
  const pages = Math.ceil(bytes.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  for (let page = 0; page < pages; page++) {
    const end = Math.min((page + 1) * PAGE, bytes.length);
    let used = false;
    for (let i = (page * PAGE) >> 2; !used && i < end >> 2; i++) used = words[i] !== 0;
    for (let i = end & ~3; !used && i < end; i++) used = bytes[i] !== 0;  // the last page's odd tail
    if (used) bitmap[page >> 3] |= 1 << (page & 7);
  }
  return bitmap;
}

/**
 * The kept form of `bytes`: the bitmap, then the pages it marks.
 * @param {Uint8Array} bitmap keptPages(bytes)
 * @param {Uint8Array} bytes
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function packPages(bitmap, bytes) {
  const runs = [...keptRuns(bitmap, bytes.length)];
  const packed = new Uint8Array(runs.reduce((size, [start, end]) => size + end - start, bitmap.length));
  packed.set(bitmap);
  let at = bitmap.length;
  for (const [start, end] of runs) {
    packed.set(bytes.subarray(start, end), at);
    at += end - start;
  }
  return packed;
}

// The kept form's length: its bitmap and the pages it names, of a memory of `length` bytes.
/** @param {Uint8Array} bitmap @param {number} length */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function keptFormLength(bitmap, length) {
  let size = bitmap.length;
  for (const [start, end] of keptRuns(bitmap, length)) size += end - start;
  return size;
}

/**
 * Reads bytes [from, from + target.length) of the memory a kept form holds into `target`:
 * `read(view, at)` fills `view` from byte `at` of the kept form (its bitmap at 0) and answers how
 * many bytes it read. Where a page was left out, `target` is made zero, but only where it is not
 * already: the runtime's own start writes into its fresh memory before a snapshot replaces it, and
 * the pages it left untouched are best not touched (each write would be a page fault). False if
 * the kept form ended early.
 * @param {(view: Uint8Array, at: number) => number} read
 * @param {Uint8Array} bitmap the kept form's (its first bytes)
 * @param {number} length the memory's length
 * @param {number} from
 * @param {Uint8Array} target
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function readImage(read, bitmap, length, from, target) {
  const to = from + target.length;
  let at = bitmap.length;  // where the current run's pages are in the kept form
  let done = 0;  // target holds the memory's bytes up to here
  for (const [start, end] of keptRuns(bitmap, length)) {
    if (start >= to) break;
    if (end > from) {
      zeroWhereNot(target, done, Math.min(start, to) - from);
      const first = Math.max(start, from), last = Math.min(end, to);
      if (read(target.subarray(first - from, last - from), at + first - start) !== last - first) return false;
      done = last - from;
    }
    at += end - start;
  }
  zeroWhereNot(target, done, target.length);
  return true;
}

// Zeros bytes [start, end) of `bytes` that are not zero, a word at a time where it can.
/** @param {Uint8Array} bytes @param {number} start @param {number} end */
function zeroWhereNot(bytes, start, end) {
  if (end <= start) return;
  let i = start;
  for (; i < end && (bytes.byteOffset + i) % 4 !== 0; i++) bytes[i] = 0;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, Math.max(0, end - i) >> 2);
  for (let w = 0; w < words.length; w++) if (words[w] !== 0) words[w] = 0;
  for (i += words.length * 4; i < end; i++) bytes[i] = 0;
}

// The checksum's eight lanes: 32-byte block i's word j goes to lane j, which takes it as
// x = imul(x ^ word, 0x9e3779b1); x ^= x >>> 15. Both steps are bijections of x, so a change to
// one word of a lane always changes that lane's end state; damage that changes more words goes
// unseen with a chance of about 2^-32 per lane it touches. It is not a cryptographic hash: it
// guards against damage (a torn or lost write, flipped bits), not against tampering, which
// would need write access to the origin's storage, where the page's own scripts could be
// changed as easily. SHA-256 of a 21 MB memory took 28-33 ms of the worker's thread on each
// warm start, this 4-6 ms (the kept pages only).
const CHECKSUM_SEEDS = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89];
const CHECKSUM_BLOCK = 32;

/** @param {Int32Array} state @param {Int32Array} words a multiple of 8 words */
function mixWords(state, words) {
  let a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
  for (let i = 0; i < words.length; i += 8) {
    a = Math.imul(a ^ words[i], 0x9e3779b1); a ^= a >>> 15;
    b = Math.imul(b ^ words[i + 1], 0x9e3779b1); b ^= b >>> 15;
    c = Math.imul(c ^ words[i + 2], 0x9e3779b1); c ^= c >>> 15;
    d = Math.imul(d ^ words[i + 3], 0x9e3779b1); d ^= d >>> 15;
    e = Math.imul(e ^ words[i + 4], 0x9e3779b1); e ^= e >>> 15;
    f = Math.imul(f ^ words[i + 5], 0x9e3779b1); f ^= f >>> 15;
    g = Math.imul(g ^ words[i + 6], 0x9e3779b1); g ^= g >>> 15;
    h = Math.imul(h ^ words[i + 7], 0x9e3779b1); h ^= h >>> 15;
  }
  state.set([a, b, c, d, e, f, g, h]);
}

// The checksum's running state. A kept page run is fed as one or more pieces (a memory restored
// in two places is read from both), then closed: a last partial block is padded with zeros.
class ChecksumState {
  constructor() {
    this.lanes = Int32Array.from(CHECKSUM_SEEDS);
    this.block = new Uint8Array(CHECKSUM_BLOCK);  // a partial block carried to the next piece
    this.filled = 0;
  }

  /** @param {Uint8Array} bytes the next bytes of a run, 4-byte aligned */
  add(bytes) {
    let at = 0;
    if (this.filled > 0) {
      at = Math.min(CHECKSUM_BLOCK - this.filled, bytes.length);
      this.block.set(bytes.subarray(0, at), this.filled);
      this.filled += at;
      if (this.filled < CHECKSUM_BLOCK) return;
      mixWords(this.lanes, new Int32Array(this.block.buffer));
      this.filled = 0;
    }
    const whole = (bytes.length - at) - ((bytes.length - at) % CHECKSUM_BLOCK);
    const blocks = aligned(bytes.subarray(at, at + whole));
    mixWords(this.lanes, new Int32Array(blocks.buffer, blocks.byteOffset, whole >> 2));
    this.block.set(bytes.subarray(at + whole));
    this.filled = bytes.length - at - whole;
  }

  endRun() {
    if (this.filled === 0) return;
    this.block.fill(0, this.filled);
    mixWords(this.lanes, new Int32Array(this.block.buffer));
    this.filled = 0;
  }

  hex() {
    return Array.from(this.lanes, (lane) => (lane >>> 0).toString(16).padStart(8, "0")).join("");
  }
}

/**
 * The checksum of a memory's kept form, 64 hex digits: its bitmap, then its kept pages, each
 * run of pages padded to whole blocks (page runs are whole blocks but for a partial last page).
 * The memory is `head` followed by `rest` (a memory restored in two places), `length` bytes.
 * @param {Uint8Array} bitmap keptPages(memory)
 * @param {number} length
 * @param {Uint8Array} head 4-byte aligned, a multiple of 4 bytes long
 * @param {Uint8Array} rest 4-byte aligned
 */
function imageChecksum(bitmap, length, head, rest) {
  const state = new ChecksumState();
  state.add(aligned(bitmap));
  state.endRun();
  const split = head.length;
  for (const [start, end] of keptRuns(bitmap, length)) {
    if (start < split) state.add(head.subarray(start, Math.min(end, split)));
    if (end > split) state.add(rest.subarray(Math.max(start, split) - split, end - split));
    state.endRun();
  }
  return state.hex();
}

/**
 * The checksum of `runs` (each 4-byte aligned), each padded to whole blocks as a snapshot's page
 * runs are: how a kept package is checked (worker/package_cache.js).
 * @param {Uint8Array[]} runs
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by package_cache.js
function runsChecksum(runs) {
  const state = new ChecksumState();
  for (const run of runs) {
    state.add(aligned(run));
    state.endRun();
  }
  return state.hex();
}

/**
 * The checksum of a memory's kept form (imageChecksum of a memory in one piece).
 * @param {Uint8Array} bitmap keptPages(memory)
 * @param {Uint8Array} memory 4-byte aligned
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function snapshotChecksum(bitmap, memory) {
  return imageChecksum(bitmap, memory.length, new Uint8Array(0), memory);
}

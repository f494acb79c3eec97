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
 *
 * Both loops over the restored memory (the checksum's, and the look for non-zero bytes where a
 * page was left out) run in WebAssembly SIMD on the runtime's memory where the browser has it
 * (memoryKernels), and in JavaScript elsewhere: the same results, sooner (figures there).
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
 * @param {MemoryKernels | null} [kernels] memoryKernels(the memory `target` is in)
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function readImage(read, bitmap, length, from, target, kernels = null) {
  const to = from + target.length;
  let at = bitmap.length;  // where the current run's pages are in the kept form
  let done = 0;  // target holds the memory's bytes up to here
  for (const [start, end] of keptRuns(bitmap, length)) {
    if (start >= to) break;
    if (end > from) {
      zeroWhereNot(target, done, Math.min(start, to) - from, kernels);
      const first = Math.max(start, from), last = Math.min(end, to);
      if (read(target.subarray(first - from, last - from), at + first - start) !== last - first) return false;
      done = last - from;
    }
    at += end - start;
  }
  zeroWhereNot(target, done, target.length, kernels);
  return true;
}

// Zeros bytes [start, end) of `bytes` that are not zero, a word at a time where it can (16 bytes
// at a time with `kernels`, where `bytes` is in their memory).
/** @param {Uint8Array} bytes @param {number} start @param {number} end @param {MemoryKernels | null} kernels */
function zeroWhereNot(bytes, start, end, kernels) {
  if (end <= start) return;
  let i = start;
  if (kernels && kernels.holds(bytes)) {
    for (; i < end && (bytes.byteOffset + i) % 16 !== 0; i++) bytes[i] = 0;
    const whole = (end - i) & ~15;
    kernels.zeroWhereNot(bytes.byteOffset + i, bytes.byteOffset + i + whole);
    i += whole;
  }
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
  /** @param {MemoryKernels | null} [kernels] mix the words of their memory */
  constructor(kernels = null) {
    this.lanes = Int32Array.from(CHECKSUM_SEEDS);
    this.block = new Uint8Array(CHECKSUM_BLOCK);  // a partial block carried to the next piece
    this.filled = 0;
    this.kernels = kernels;
  }

  /** @param {Int32Array} words a multiple of 8 words */
  mix(words) {
    if (this.kernels && this.kernels.holds(words)) this.lanes.set(this.kernels.mixWords(this.lanes, words));
    else mixWords(this.lanes, words);
  }

  /** @param {Uint8Array} bytes the next bytes of a run, 4-byte aligned */
  add(bytes) {
    let at = 0;
    if (this.filled > 0) {
      at = Math.min(CHECKSUM_BLOCK - this.filled, bytes.length);
      this.block.set(bytes.subarray(0, at), this.filled);
      this.filled += at;
      if (this.filled < CHECKSUM_BLOCK) return;
      this.mix(new Int32Array(this.block.buffer));
      this.filled = 0;
    }
    const whole = (bytes.length - at) - ((bytes.length - at) % CHECKSUM_BLOCK);
    const blocks = aligned(bytes.subarray(at, at + whole));
    this.mix(new Int32Array(blocks.buffer, blocks.byteOffset, whole >> 2));
    this.block.set(bytes.subarray(at + whole));
    this.filled = bytes.length - at - whole;
  }

  endRun() {
    if (this.filled === 0) return;
    this.block.fill(0, this.filled);
    this.mix(new Int32Array(this.block.buffer));
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
 * @param {MemoryKernels | null} [kernels] memoryKernels(the memory `rest` is in)
 */
function imageChecksum(bitmap, length, head, rest, kernels = null) {
  const state = new ChecksumState(kernels);
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

// The kernels' module (319 bytes), whose text form is:
//   (module
//     (import "m" "memory" (memory 0))
//     ;; the checksum's lanes a-h (mixWords) over the 32-byte blocks of [start, end)
//     (func (export "mix") (param $start i32) (param $end i32) (param $a i32) ... (param $h i32)
//           (result i32 i32 i32 i32 i32 i32 i32 i32)
//       (local $abcd v128) (local $efgh v128) (local $k v128)
//       (local.set $abcd (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
//         (i32x4.splat (local.get $a)) (local.get $b)) (local.get $c)) (local.get $d)))
//       (local.set $efgh ...the same of $e $f $g $h...)
//       (local.set $k (i32x4.splat (i32.const 0x9e3779b1)))
//       (block (br_if 0 (i32.ge_u (local.get $start) (local.get $end)))
//         (loop
//           (local.set $abcd (v128.xor
//             (local.tee $abcd (i32x4.mul (v128.xor (local.get $abcd) (v128.load (local.get $start))) (local.get $k)))
//             (i32x4.shr_u (local.get $abcd) (i32.const 15))))
//           (local.set $efgh ...the same with (v128.load offset=16 (local.get $start))...)
//           (br_if 0 (i32.lt_u (local.tee $start (i32.add (local.get $start) (i32.const 32))) (local.get $end)))))
//       (i32x4.extract_lane 0 (local.get $abcd)) ... (i32x4.extract_lane 3 (local.get $efgh)))
//     ;; zeroWhereNot over [start, end), 16 bytes at a time (start 16-byte aligned)
//     (func (export "zero") (param $start i32) (param $end i32)
//       (block (br_if 0 (i32.ge_u (local.get $start) (local.get $end)))
//         (loop
//           (if (v128.any_true (v128.load (local.get $start)))
//             (then (v128.store (local.get $start) (v128.const i64x2 0 0))))
//           (br_if 0 (i32.lt_u (local.tee $start (i32.add (local.get $start) (i32.const 16))) (local.get $end)))))))
// (v128.load and v128.store take alignment 16.) Kept as its bytes: assembling it here took 1.3 ms of
// a start, and its tests check what it computes against the JavaScript loops.
const SIMD_KERNELS = "AGFzbQEAAAABGwJgCn9/f39/f39/f38If39/f39/f39gAn9/AAINAQFtBm1lbW9yeQIAAAMDAgABBw4CA21peAAABHplcm8AAQrzAQKxAQEDeyAC/REgA/0cASAE/RwCIAX9HAMhCiAG/REgB/0cASAI/RwCIAn9HAMhC0Gx893xef0RIQwCQCAAIAFPDQADQCAKIAD9AAQA/VEgDP21ASIKIApBD/2tAf1RIQogCyAA/QAEEP1RIAz9tQEiCyALQQ/9rQH9USELIABBIGoiACABSQ0ACwsgCv0bACAK/RsBIAr9GwIgCv0bAyAL/RsAIAv9GwEgC/0bAiAL/RsDCz4AAkAgACABTw0AA0AgAP0ABAD9UwRAIAD9DAAAAAAAAAAAAAAAAAAAAAD9CwQACyAAQRBqIgAgAUkNAAsLCw==";

/**
 * The checksum's loop (mixWords) and zeroWhereNot's in WebAssembly SIMD, over `memory` (the
 * runtime's, where a snapshot's pages are read): two 4-lane vectors hold the eight lanes, and 16
 * bytes are looked at at once. Measured under node on a 21 MB memory (10.6 MB kept), three runs:
 * read 9-15 ms and checked 2.3-5 ms, against 15.5-17.5 and 6-8.5 with JavaScript's loops; in a
 * warm start in Chromium, read 10-11 -> 9.6 ms and checked 7-8 -> 3.2 ms. Null where the browser
 * has no SIMD, or where the module cannot take this memory (a shared one): its loops are then
 * JavaScript's, with the same results.
 * @param {WebAssembly.Memory} memory
 * @returns {MemoryKernels | null}
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function memoryKernels(memory) {
  const bytes = Uint8Array.from(atob(SIMD_KERNELS), (c) => c.charCodeAt(0));
  if (!WebAssembly.validate(bytes)) return null;
  let kernels;
  try {
    kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { memory } }).exports;
  } catch {
    return null;  // a LinkError: the module imports an unshared memory
  }
  const mix = /** @type {(start: number, end: number, ...lanes: number[]) => number[]} */ (kernels.mix);
  const zero = /** @type {(start: number, end: number) => void} */ (kernels.zero);
  return {
    holds: (view) => view.buffer === memory.buffer,
    mixWords: (lanes, words) => mix(words.byteOffset, words.byteOffset + words.byteLength, ...lanes),
    zeroWhereNot: (start, end) => zero(start, end),
  };
}

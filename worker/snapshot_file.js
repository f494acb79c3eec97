// @ts-check
/*
 * A start-up snapshot's kept form (worker/snapshot.js keeps it in a file of its own): its zero
 * pages left out, and a checksum of the rest that a warm start can afford.
 *
 * A fresh interpreter's memory is about half zero pages (2,433 of 5,121 measured), so the file
 * holds a bitmap of the memory's 4 KiB pages (bit set: the page holds a non-zero byte), then
 * those pages in order; a warm start reads and checks half the bytes. The memory is rebuilt in
 * an image that starts zeroed, so the pages left out need no checking: the bitmap, which the
 * checksum covers, says which they are.
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

/**
 * Reads a kept form's pages into `image` (zero-filled, the memory's length): `read(view, at)`
 * fills `view` from byte `at` of the kept form and answers how many bytes it read. The bitmap it
 * read, or null if the kept form (of `packedLength` bytes) is not the bitmap and the pages it names.
 * @param {(view: Uint8Array, at: number) => number} read
 * @param {Uint8Array} image
 * @param {number} packedLength
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function readPages(read, image, packedLength) {
  const bitmap = new Uint8Array(Math.ceil(Math.ceil(image.length / PAGE) / 8));
  if (read(bitmap, 0) !== bitmap.length) return null;
  let at = bitmap.length;
  for (const [start, end] of keptRuns(bitmap, image.length)) {
    if (at + end - start > packedLength || read(image.subarray(start, end), at) !== end - start) return null;
    at += end - start;
  }
  return at === packedLength ? bitmap : null;
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

// Bytes (4-byte aligned) into the checksum, a last partial block padded with zeros.
/** @param {Int32Array} state @param {Uint8Array} bytes */
function mixBytes(state, bytes) {
  const whole = bytes.length - (bytes.length % CHECKSUM_BLOCK);
  mixWords(state, new Int32Array(bytes.buffer, bytes.byteOffset, whole >> 2));
  if (whole === bytes.length) return;
  const tail = new Uint8Array(CHECKSUM_BLOCK);
  tail.set(bytes.subarray(whole));
  mixWords(state, new Int32Array(tail.buffer));
}

/**
 * The checksum of a memory's kept form, 64 hex digits: its bitmap, then its kept pages, each
 * run of pages padded to whole blocks (page runs are whole blocks but for a partial last page).
 * @param {Uint8Array} bitmap keptPages(memory)
 * @param {Uint8Array} memory 4-byte aligned
 */
// biome-ignore lint/correctness/noUnusedVariables: a global of this classic script, called by snapshot.js
function snapshotChecksum(bitmap, memory) {
  const state = Int32Array.from(CHECKSUM_SEEDS);
  mixBytes(state, aligned(bitmap));
  for (const [start, end] of keptRuns(bitmap, memory.length)) mixBytes(state, memory.subarray(start, end));
  return Array.from(state, (lane) => (lane >>> 0).toString(16).padStart(8, "0")).join("");
}

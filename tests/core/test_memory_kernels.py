"""worker/snapshot_file.js's SIMD loops (memoryKernels) under node, where a memory can be shared
without cross-origin isolation: a shared memory (which the kernels' module cannot import) gets no
kernels, and the loops then give what they give with them. The browser tests compare the kernels
with numpy's checksum and the JavaScript loops in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.bundle_node import run_module

SNAPSHOT_FILE = Path(__file__).resolve().parents[2] / "worker" / "snapshot_file.js"

SCRIPT = """
const fs = await import("fs");
const vm = await import("vm");
vm.runInThisContext(fs.readFileSync(%(file)s, "utf8"), { filename: "snapshot_file.js" });
const length = 4096 * 40 + 100;
const results = {};
for (const shared of [false, true]) {
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 8, shared });
  const kernels = memoryKernels(memory);
  const heap = new Uint8Array(memory.buffer, 0, length);
  let x = 12345;
  for (let i = 0; i < length; i++) heap[i] = (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 24;
  for (let page = 1; page < 40; page += 3) heap.fill(0, page * 4096, page * 4096 + 4096);
  const bitmap = keptPages(heap);
  const packed = packPages(bitmap, heap);
  const reader = (view, at) => { const part = packed.subarray(at, at + view.length); view.set(part); return part.length; };
  const withKernels = imageChecksum(bitmap, length, heap.slice(0, 48), heap.subarray(48), kernels);
  const without = imageChecksum(bitmap, length, heap.slice(0, 48), heap.subarray(48), null);
  const copy = heap.slice();
  const target = new Uint8Array(memory.buffer, 16, length);
  target.fill(0xa5);
  const read = readImage(reader, bitmap, length, 0, target, kernels) && target.every((b, i) => b === copy[i]);
  results[shared ? "shared" : "unshared"] = { kernels: kernels !== null, same: withKernels === without, read };
}
console.log(JSON.stringify(results));
"""


def test_a_shared_memory_gets_no_kernels_and_the_loops_agree_either_way(tmp_path):
    result = run_module(tmp_path, SCRIPT % {"file": json.dumps(str(SNAPSHOT_FILE))})
    assert result == {
        "unshared": {"kernels": True, "same": True, "read": True},
        "shared": {"kernels": False, "same": True, "read": True},
    }

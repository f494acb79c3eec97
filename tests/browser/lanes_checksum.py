"""The checksum of worker/snapshot_file.js (start-up snapshots and kept packages), computed here
apart from it, with numpy: the oracle the browser tests check the worker's files against."""

from __future__ import annotations

import numpy

SEEDS = [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822, 0x299F31D0, 0x082EFA98, 0xEC4E6C89]


def lanes_checksum(runs) -> str:
    """Eight uint32 lanes: word j of each 32-byte block goes into lane j as x = (x ^ w) *
    0x9e3779b1 mod 2^32, then x ^= x >> 15; over each run (uint8 arrays) in turn, each zero-padded
    to whole blocks. 64 hex digits."""
    state = numpy.array(SEEDS, numpy.uint32)
    multiplier = numpy.uint32(0x9E3779B1)
    for run in runs:
        padded = numpy.concatenate(
            [numpy.asarray(run, numpy.uint8), numpy.zeros(-len(run) % 32, numpy.uint8)]
        )
        for block in padded.view("<u4").reshape(-1, 8):
            state = (state ^ block) * multiplier
            state ^= state >> numpy.uint32(15)
    return "".join(f"{int(lane):08x}" for lane in state)

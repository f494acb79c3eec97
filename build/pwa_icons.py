"""Draws the app icons (web/icons/*.png): the favicon's flame on its dark tile.

    python build/pwa_icons.py        (the PNGs are committed; rerun only to change them)

numpy and zlib only, so it needs nothing the build does not already have. Shapes are
defined on the favicon's 32-unit grid and supersampled 4x for smooth edges. The maskable
icon fills its whole square and keeps the flame inside the central safe circle (radius 40%)
that platforms may crop to.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import numpy as np

ICONS = Path(__file__).resolve().parents[1] / "web" / "icons"
TILE = (0x1D, 0x24, 0x33)
FLAME = (0xD9, 0x48, 0x0F)
CORE = (0xFF, 0xA9, 0x4D)
SUPERSAMPLE = 4


def flame_mask(
    x: np.ndarray, y: np.ndarray, cx: float, base: float, radius: float, height: float
) -> np.ndarray:
    """A teardrop: a disc of `radius` around (cx, base) under a tip `height` above it, bent right."""
    disc = (x - cx) ** 2 + (y - base) ** 2 <= radius**2
    t = np.clip((base - y) / height, 0.0, 1.0)  # 0 at the disc's centre, 1 at the tip
    bend = 1.6 * radius / 7 * np.sin(np.pi * t)
    tip = (y <= base) & (y >= base - height) & (np.abs(x - cx - bend) <= radius * (1 - t) ** 1.4)
    return disc | tip


def draw(size: int, maskable: bool) -> np.ndarray:
    n = size * SUPERSAMPLE
    # Grid coordinates in favicon units (0..32), at pixel centres.
    u = (np.arange(n) + 0.5) / n * 32
    x, y = np.meshgrid(u, u)
    if maskable:
        tile = np.ones_like(x, dtype=bool)
        scale, shift = 0.72, 16 * (1 - 0.72)  # shrink the flame about the centre into the safe zone
        x, y = (x - shift) / scale, (y - shift) / scale
    else:
        r = 7.0  # the favicon's rx
        qx, qy = np.clip(x, r, 32 - r), np.clip(y, r, 32 - r)
        tile = (x - qx) ** 2 + (y - qy) ** 2 <= r**2
    outer = flame_mask(x, y, 16, 19.5, 7.0, 15.0) & tile
    inner = flame_mask(x, y, 16.3, 21.5, 3.6, 8.0) & tile
    rgba = np.zeros((n, n, 4))
    rgba[tile] = (*TILE, 255)
    rgba[outer] = (*FLAME, 255)
    rgba[inner] = (*CORE, 255)
    # Average each SUPERSAMPLE x SUPERSAMPLE block (premultiplied, so edges do not darken).
    rgba[..., :3] *= rgba[..., 3:] / 255
    blocks = rgba.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE, 4).mean(axis=(1, 3))
    alpha = blocks[..., 3:]
    blocks[..., :3] = np.where(alpha > 0, blocks[..., :3] * 255 / np.maximum(alpha, 1e-9), 0)
    return np.round(blocks).astype(np.uint8)


def png(pixels: np.ndarray) -> bytes:
    """An RGBA PNG: signature, IHDR, one IDAT (filter 0 on every row), IEND."""
    height, width, _ = pixels.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + pixels[row].tobytes() for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ):
        (ICONS / name).write_bytes(png(draw(size, maskable)))
        print(f"[icons] {ICONS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

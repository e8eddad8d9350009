#!/usr/bin/env python3
"""Draws Duet's app icon (two overlapping voices in a rounded square) into icons/ (top level; src-tauri/tauri.conf.json points there).

Run once when the icon changes; the PNGs are committed, so builds don't need Pillow."""
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "icons"
SIZES = {"32x32.png": 32, "128x128.png": 128, "128x128@2x.png": 256, "icon.png": 512}


def draw(size: int) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=(32, 38, 64, 255))
    r = s * 0.24
    cy = s * 0.5
    for cx, colour in ((s * 0.38, (76, 201, 160, 235)), (s * 0.62, (94, 129, 244, 235))):
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size in SIZES.items():
        draw(size).save(OUT / name)
    tray = draw(64)
    tray.save(OUT / "tray.png")


if __name__ == "__main__":
    main()

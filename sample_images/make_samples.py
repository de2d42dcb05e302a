"""Make the sample images: small, synthetic, reproducible (no downloads).

Run from anywhere: ``python sample_images/make_samples.py``. Writes beside
this script:

- ``gradient.png``: a photo-like RGB picture (smooth gradients, soft shapes, noise).
- ``lineart.png``: black anti-aliased-free line art on white (mode L).
- ``sticker.png``: RGBA with fully transparent surroundings.
- ``depth16.png``: a 16-bit grayscale depth ramp (mode I;16).
- ``tiny3x3.png`` and ``tiny3x3.npy``: the 3×3 seed example of the conventions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent


def gradient(width: int = 96, height: int = 64) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    red = 0.5 + 0.5 * np.sin(6 * x + 2 * y)
    green = y
    blue = np.exp(-((x - 0.6) ** 2 + (y - 0.4) ** 2) * 12)
    noise = np.random.default_rng(0).normal(0, 0.03, (height, width, 3))
    rgb = np.clip(np.stack([red, green, blue], axis=-1) + noise, 0, 1)
    return Image.fromarray((rgb * 255 + 0.5).astype(np.uint8), "RGB")


def lineart(size: int = 48) -> Image.Image:
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([6, 6, size - 7, size - 7], outline=0)
    draw.line([6, size - 7, size - 7, 6], fill=0)
    draw.ellipse([14, 14, size - 15, size - 15], outline=0)
    return image


def sticker(size: int = 40) -> Image.Image:
    image = Image.new("RGBA", (size, size), (255, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([4, 4, size - 5, size - 5], fill=(30, 90, 220, 255))
    draw.rectangle([14, 14, size - 15, size - 15], fill=(250, 200, 0, 160))
    return image


def depth16(width: int = 32, height: int = 24) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    depth = (x * 2000 + y * 700).astype(np.uint16)
    return Image.fromarray(depth)


def main() -> None:
    gradient().save(HERE / "gradient.png")
    lineart().save(HERE / "lineart.png")
    sticker().save(HERE / "sticker.png")
    depth16().save(HERE / "depth16.png")
    seed = np.array([[234, 38, 22], [67, 44, 12], [89, 65, 63]], dtype=np.uint8)
    Image.fromarray(seed).save(HERE / "tiny3x3.png")
    np.save(HERE / "tiny3x3.npy", seed)


if __name__ == "__main__":
    main()

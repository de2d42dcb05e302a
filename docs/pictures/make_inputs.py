"""Draw the small inputs of the README pictures, then make the pictures.

Run from the repository root: ``python docs/pictures/make_inputs.py``.
It writes ``docs/pictures/test-card.png`` (32×32: edges, a thin diagonal,
a ring and a colour ramp, the features on which resampling modes differ)
and ``docs/pictures/tiles.png`` (4×4 grey checkerboard for the sampling grid),
then runs ``upscale compare`` and ``upscale grid`` on them.
"""

import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent


def test_card() -> Image.Image:
    image = Image.new("RGB", (32, 32), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for x in range(16):
        draw.line([(x, 0), (x, 7)], fill=(16 * x, 60, 255 - 16 * x))
    for i in range(4):
        draw.rectangle([16 + 4 * i, 0, 17 + 4 * i, 7], fill=(0, 0, 0))
    draw.line([(0, 10), (15, 31)], fill=(200, 0, 0))
    draw.ellipse([17, 12, 30, 25], outline=(0, 90, 0), width=2)
    for y in range(26, 32):
        for x in range(16, 32):
            if (x + y) % 2 == 0:
                image.putpixel((x, y), (20, 20, 20))
    return image


def tiles() -> Image.Image:
    image = Image.new("L", (4, 4))
    for y in range(4):
        for x in range(4):
            image.putpixel((x, y), 235 if (x + y) % 2 else 200)
    return image


def main() -> None:
    test_card().save(HERE / "test-card.png")
    tiles().save(HERE / "tiles.png")
    upscale = [sys.executable, "-m", "upscale_cli"]
    commands = [
        ["compare", HERE / "test-card.png", "-o", HERE / "compare.png", "--scale", "6",
         "--modes", "nearest,bilinear,bicubic,lanczos", "--overwrite"],
        ["compare", HERE / "test-card.png", "-o", HERE / "compare-diff.png", "--scale", "10",
         "--modes", "nearest,bilinear,bicubic", "--diff", "bicubic,bilinear", "--crop", "8,0,16,16", "--overwrite"],
        ["grid", HERE / "tiles.png", "-o", HERE / "grid.png", "--scale", "2", "--zoom", "64", "--overwrite"],
        ["grid", HERE / "tiles.png", "-o", HERE / "grid-x8.png", "--scale", "8",
         "--align", "half-pixel", "--align", "align-corners", "--crop", "0,0,2,2", "--overwrite"],
    ]
    for command in commands:
        subprocess.run([*upscale, *map(str, command)], check=True)


if __name__ == "__main__":
    main()

"""Make the pictures of docs/learned.md: a held-out photograph, and the receptive field.

Run from the repository root: ``python docs/pictures/make_learned_pictures.py``
(needs ``pip install -e '.[train]'`` for scikit-image's photograph).

- ``learned-coffee.png``: a crop of scikit-image's ``coffee`` (held out from
  training), reduced ×3 with this project's bicubic, enlarged back with
  bicubic, ESPCN and FSRCNN, beside the original crop; each tile shown at 2×
  with nearest neighbour so its pixels can be seen.
- ``learned-receptive-field.png``: for one output pixel at ×3, the LR pixels
  it depends on and, for FSRCNN, the LR pixels its transposed convolution
  reads directly (the others reach it through the body's convolutions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from skimage import data

import upscale_cli
from upscale_cli.explain.learned_tables import deconv_taps
from upscale_cli.explain.pictures import Tile, arrange, font
from upscale_cli.nn.learned import learned_samples
from upscale_cli.nn.models import load_model

HERE = Path(__file__).resolve().parent
#: The crop of coffee (x, y, width, height) at full resolution, a multiple of 3.
CROP = (303, 201, 144, 120)
SCALE = 3
ZOOM = 2


def coffee_sheet() -> Image.Image:
    x, y, width, height = CROP
    original = data.coffee()[y:y + height, x:x + width]
    small = upscale_cli.resize(original, size=(width // SCALE, height // SCALE), mode="bicubic")
    tiles = [("bicubic", upscale_cli.resize(small, scale=SCALE, mode="bicubic"))]
    tiles += [(family, learned_samples(small, load_model(family, SCALE))) for family in ("espcn", "fsrcnn")]
    tiles.append(("original", original))
    return arrange([Tile(f"{name} x{SCALE}" if name != "original" else name,
                         Image.fromarray(array).resize((width * ZOOM, height * ZOOM), Image.NEAREST))
                    for name, array in tiles], 4)


def field_panel(family: str, cells: int = 17, size: int = 18) -> Image.Image:
    """LR pixels as a grid; the output pixel (phase (1, 1) of its LR pixel) in red."""
    model = load_model(family, SCALE)
    centre = cells // 2
    image = Image.new("RGB", (cells * size + 1, cells * size + 1), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    direct = {(centre, centre)}
    if model.head.op == "deconv":
        offsets = [offset for phase, offset, _ in deconv_taps(model) if phase == 1]
        direct = {(centre + dy, centre + dx) for dy in offsets for dx in offsets}
    radius = model.body_radius
    for row in range(cells):
        for column in range(cells):
            box = (column * size, row * size, (column + 1) * size, (row + 1) * size)
            inside = any(abs(row - y) <= radius and abs(column - x) <= radius for y, x in direct)
            shade = (row, column) in direct and model.head.op == "deconv"
            fill = (120, 170, 230) if shade else (205, 225, 250) if inside else (255, 255, 255)
            draw.rectangle(box, fill=fill, outline=(170, 170, 170))
    third = size / SCALE
    left, top = centre * size + third, centre * size + third
    draw.rectangle((left, top, left + third, top + third), fill=(220, 30, 30))
    return image


def receptive_field() -> Image.Image:
    panels = []
    for family in ("espcn", "fsrcnn"):
        model = load_model(family, SCALE)
        reach = max(abs(offset) for phase, offset, _ in deconv_taps(model) if phase == 1) if family == "fsrcnn" else 0
        side = 2 * (model.body_radius + reach) + 1
        panels.append(Tile(f"{family} x{SCALE}: {side}x{side} LR pixels", field_panel(family)))
    sheet = arrange(panels, 2)
    legend = Image.new("RGB", (sheet.width, 22), (255, 255, 255))
    ImageDraw.Draw(legend).text((8, 4), "red: the output pixel; light: the LR pixels it depends on; dark: those "
                                "the transposed convolution reads", font=font(), fill=(0, 0, 0))
    out = Image.new("RGB", (sheet.width, sheet.height + legend.height), (255, 255, 255))
    out.paste(sheet, (0, 0))
    out.paste(legend, (0, sheet.height))
    return out


def main() -> None:
    coffee_sheet().save(HERE / "learned-coffee.png", optimize=True)
    receptive_field().save(HERE / "learned-receptive-field.png", optimize=True)
    print("wrote learned-coffee.png and learned-receptive-field.png")


if __name__ == "__main__":
    main()

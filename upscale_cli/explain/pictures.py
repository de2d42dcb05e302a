"""Pictures that explain resizing: a labelled contact sheet of modes, and the sampling grid.

Both are drawn with Pillow from the same plans and resizes the engine uses:
the tiles are :func:`upscale_cli.resize_image` results, the grid dots are
the source coordinates of the plan's weight tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..api import plan_for, resize_image
from ..core.choices import LEARNED_MODES, MODES
from ..core.coords import check_choice
from ..core.errors import UsageError
from ..core.sizes import output_sizes
from ..io.images import check_pixels

PAD = 8
LABEL_HEIGHT = 20
BACKGROUND = (255, 255, 255)
LABEL_BAND = (232, 232, 232)
INK = (0, 0, 0)
#: Crop taken from the centre when none is given: at most this many input pixels per side.
COMPARE_CROP = 48
GRID_CROP = 6
#: The output sample marks of a sampling grid.
DOT = (220, 30, 30)
#: Height of one line of the sampling grid's legend.
LEGEND_LINE = 20


def font(size: int = 13):
    """Pillow's bundled font (labels are plain ASCII: it has no × or −)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def parse_crop(spec: str) -> tuple[int, int, int, int]:
    """``"X,Y,W,H"`` → a box ``(left, top, right, bottom)``."""
    try:
        x, y, w, h = (int(part) for part in spec.split(","))
    except ValueError:
        raise UsageError(f"bad crop {spec!r}: expected X,Y,W,H (whole numbers)") from None
    if w < 1 or h < 1 or x < 0 or y < 0:
        raise UsageError(f"bad crop {spec!r}: needs X, Y >= 0 and W, H >= 1")
    return x, y, x + w, y + h


def crop_box(image: Image.Image, spec: str | None, limit: int) -> tuple[int, int, int, int]:
    """The box of ``spec``, checked against the image, or the centre ``limit``×``limit``."""
    if spec is not None:
        box = parse_crop(spec)
        if box[2] > image.width or box[3] > image.height:
            raise UsageError(f"crop {spec!r} reaches outside the {image.width}x{image.height} image")
        return box
    w, h = min(image.width, limit), min(image.height, limit)
    left, top = (image.width - w) // 2, (image.height - h) // 2
    return left, top, left + w, top + h


def resize_label(size, scale) -> str:
    """``x4`` or ``to 4x4`` for a label (the bundled font has no ×)."""
    if size is not None:
        return f"to {size}" if isinstance(size, str) else "to " + "x".join(map(str, size))
    return f"x{scale:g}" if isinstance(scale, (int, float)) else f"x{scale}"


def parse_modes(spec: str) -> list[str]:
    modes = [m.strip() for m in spec.split(",") if m.strip()]
    if not modes:
        raise UsageError("give at least one mode")
    return [check_choice(m, MODES + LEARNED_MODES, "mode") for m in modes]


def as_image(data) -> Image.Image:
    """A Pillow image to draw: images as they are, arrays (``hw``/``hwc``) stretched to 0…255."""
    if isinstance(data, Image.Image):
        return data
    array = np.asarray(data)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise UsageError(f"cannot draw an array of shape {array.shape}: give an image or an hw/hwc array")
    if array.dtype != np.uint8:
        low, high = float(np.nanmin(array)), float(np.nanmax(array))
        array = np.nan_to_num((array - low) / ((high - low) or 1.0) * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(array.squeeze(-1) if array.ndim == 3 and array.shape[2] == 1 else array)


def on_white(image: Image.Image) -> Image.Image:
    """RGB for pasting on the sheet; transparency shown against white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, BACKGROUND + (255,)), rgba).convert("RGB")
    return image.convert("RGB")


@dataclass(frozen=True)
class Tile:
    label: str
    image: Image.Image


def label_band(text: str, width: int) -> Image.Image:
    """A grey band with ``text``, clipped to ``width``."""
    band = Image.new("RGB", (width, LABEL_HEIGHT), LABEL_BAND)
    ImageDraw.Draw(band).text((3, 3), text, font=font(), fill=INK)
    return band


def sheet_size(tile_size: tuple[int, int], count: int, columns: int) -> tuple[int, int]:
    """Size of a sheet of ``count`` equal tiles in ``columns`` columns, each under a label band."""
    rows = math.ceil(count / columns)
    width, height = tile_size
    return PAD + columns * (width + PAD), PAD + rows * (LABEL_HEIGHT + height + PAD)


def tile_origin(index: int, tile_size: tuple[int, int], columns: int) -> tuple[int, int]:
    """Top-left corner of tile ``index``'s label band."""
    row, column = divmod(index, columns)
    width, height = tile_size
    return PAD + column * (width + PAD), PAD + row * (LABEL_HEIGHT + height + PAD)


def arrange(tiles: list[Tile], columns: int) -> Image.Image:
    """Lay equal-sized tiles out in a grid, each under its label."""
    size = tiles[0].image.size
    sheet = Image.new("RGB", sheet_size(size, len(tiles), columns), BACKGROUND)
    for index, tile in enumerate(tiles):
        left, top = tile_origin(index, size, columns)
        sheet.paste(label_band(tile.label, size[0]), (left, top))
        sheet.paste(on_white(tile.image), (left, top + LABEL_HEIGHT))
    return sheet


def difference(a: Image.Image, b: Image.Image) -> tuple[Image.Image, float]:
    """``|a − b|`` as a grey image, stretched so the largest difference is white; and the gain."""
    first = np.asarray(on_white(a), dtype=np.float64)
    second = np.asarray(on_white(b), dtype=np.float64)
    delta = np.abs(first - second).max(axis=-1)
    peak = delta.max()
    gain = 255.0 / peak if peak else 1.0
    return Image.fromarray(np.floor(delta * gain + 0.5).astype(np.uint8), "L"), gain


def contact_sheet(
    image,
    *,
    size=None,
    scale=None,
    modes: list[str] = ("nearest", "bilinear", "bicubic", "lanczos"),
    crop: str | None = None,
    diff: tuple[str, str] | None = None,
    align: str | None = None,
    columns: int = 4,
    max_pixels: int | None = None,
    name: str = "the input",
) -> Image.Image:
    """The same crop upscaled by each mode, side by side and labelled.

    Parameters
    ----------
    image : PIL.Image.Image or ndarray
    size, scale : optional
        As for :func:`upscale_cli.resize` (exactly one).
    modes : list of str
    crop : str, optional
        ``"X,Y,W,H"`` in input pixels; default the centre 48×48 (or less).
    diff : (str, str), optional
        Two of ``modes``: add a tile with their absolute difference,
        stretched so the largest is white (the gain is in the label).
    align : str, optional
    columns : int
        Tiles per row.
    max_pixels : int, optional
        Refuse, before drawing anything, a sheet with more pixels
        (:class:`~upscale_cli.core.errors.InputError` naming ``name``).

    Returns
    -------
    PIL.Image.Image
        RGB; its size is :func:`sheet_size` of the tiles.
    """
    image = as_image(image)
    box = crop_box(image, crop, COMPARE_CROP)
    tile = _output_size(box, size, scale)
    count = len(modes) + (diff is not None)
    check_pixels(name, _area(sheet_size(tile, count, min(columns, count))), max_pixels, "the contact sheet")
    cropped = image.crop(box)
    resized = {mode: _enlarged(cropped, size, scale, mode, align) for mode in modes}
    tiles = [Tile(f"{mode} {resize_label(size, scale)}", resized[mode]) for mode in modes]
    if diff is not None:
        missing = [m for m in diff if m not in resized]
        if missing:
            raise UsageError(f"--diff {','.join(diff)}: {', '.join(missing)} is not among the modes compared")
        picture, gain = difference(resized[diff[0]], resized[diff[1]])
        tiles.append(Tile(f"|{diff[0]} - {diff[1]}| x{gain:.3g}", picture))
    return arrange(tiles, min(columns, len(tiles)))


def _enlarged(image: Image.Image, size, scale, mode: str, align: str | None) -> Image.Image:
    """``image`` resized by a resampling mode, or enlarged by a learned one (a trained ``--scale`` only)."""
    if mode not in LEARNED_MODES:
        return resize_image(image, size=size, scale=scale, mode=mode, align=align)
    from ..batch.convert import ResizeRequest
    from ..batch.learned import learned_image, learned_scale

    factor = learned_scale(ResizeRequest(size=size, scale=scale, mode=mode, align=align))
    return Image.fromarray(learned_image(image, mode, factor)[2])


def _output_size(box: tuple[int, int, int, int], size, scale) -> tuple[int, int]:
    """Width and height the crop ``box`` is resized to."""
    lengths = output_sizes((box[2] - box[0], box[3] - box[1]), size=size, scale=scale)
    return lengths[0].n_out, lengths[1].n_out


def _area(size: tuple[int, int]) -> int:
    return size[0] * size[1]


def grid_panel(image: Image.Image, *, size, scale, align: str, mode: str, zoom: int) -> Image.Image:
    """One alignment: input pixels enlarged ``zoom`` times, output sample positions on top.

    Input pixel ``i`` covers ``[i·zoom, (i+1)·zoom)`` (plus a margin), its
    centre is a black ring; output sample ``d`` is a red dot at its source
    coordinate ``x(d)`` from the plan, drawn at ``(x + 0.5)·zoom``.
    """
    plan = plan_for((image.height, image.width), size=size, scale=scale, mode=mode, align=align, layout="hw")
    xs = next(p for p in plan.axes if p.name == "x").weights.coordinates
    ys = next(p for p in plan.axes if p.name == "y").weights.coordinates
    margin = zoom // 2
    enlarged = on_white(resize_image(image, scale=zoom, mode="nearest"))
    panel = Image.new("RGB", (enlarged.width + 2 * margin, enlarged.height + 2 * margin), BACKGROUND)
    panel.paste(enlarged, (margin, margin))
    draw = ImageDraw.Draw(panel)
    for i in range(image.width + 1):
        draw.line([(margin + i * zoom, margin), (margin + i * zoom, margin + enlarged.height)], fill=(128, 128, 128))
    for j in range(image.height + 1):
        draw.line([(margin, margin + j * zoom), (margin + enlarged.width, margin + j * zoom)], fill=(128, 128, 128))
    ring = max(zoom // 8, 3)
    for j in range(image.height):
        for i in range(image.width):
            draw_ring(draw, margin + (i + 0.5) * zoom, margin + (j + 0.5) * zoom, ring)
    dot = max(zoom / scale_factor(plan) / 6, 2.0)
    for y in ys:
        for x in xs:
            draw_dot(draw, margin + (x + 0.5) * zoom, margin + (y + 0.5) * zoom, dot)
    return panel


def draw_ring(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    """An input pixel centre: a black ring inside a white one, visible on dark and light pixels alike."""
    draw.ellipse([cx - radius - 1, cy - radius - 1, cx + radius + 1, cy + radius + 1], outline=BACKGROUND, width=4)
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=INK, width=2)


def draw_dot(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    """An output pixel centre: a red dot with a white edge."""
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=DOT, outline=BACKGROUND)


#: The sampling grid's legend: how each mark is drawn, and what it is.
LEGEND = (
    (draw_ring, "input pixel centre"),
    (draw_dot, "output pixel centre, at the input position it samples"),
)


def grid_legend() -> Image.Image:
    """What the marks of a sampling grid are: one line per mark, its symbol and its meaning."""
    text_left = 2 * LEGEND_LINE
    width = text_left + max(math.ceil(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(words, font=font()))
                            for _, words in LEGEND) + PAD
    legend = Image.new("RGB", (width, LEGEND_LINE * len(LEGEND)), BACKGROUND)
    draw = ImageDraw.Draw(legend)
    for line, (mark, words) in enumerate(LEGEND):
        middle = line * LEGEND_LINE + LEGEND_LINE / 2
        mark(draw, LEGEND_LINE, middle, LEGEND_LINE / 4)
        draw.text((text_left, middle), words, font=font(), fill=INK, anchor="lm")
    return legend


def scale_factor(plan) -> float:
    """The largest n_out/n_in of a plan (how dense the output samples are)."""
    return max(p.size.n_out / p.size.n_in for p in plan.axes)


def sampling_grid(
    image,
    *,
    size=None,
    scale=None,
    aligns: list[str] = ("half-pixel", "asymmetric"),
    mode: str = "bilinear",
    crop: str | None = None,
    zoom: int | None = None,
    max_pixels: int | None = None,
    name: str = "the input",
) -> Image.Image:
    """Output pixel centres projected onto the input, one labelled panel per alignment.

    Black rings are the input pixel centres, red dots the output pixel centres;
    a legend under the panels says so.

    Parameters
    ----------
    image : PIL.Image.Image or ndarray
    size, scale : optional
        As for :func:`upscale_cli.resize` (exactly one).
    aligns : list of str
    mode : str
        Only ``area`` changes the positions (it ignores the alignment).
    crop : str, optional
        ``"X,Y,W,H"``; default the centre 6×6 (or less).
    zoom : int, optional
        Screen pixels per input pixel; default enough for 12 pixels between
        output samples (at least 48).
    max_pixels : int, optional
        Refuse, before drawing anything, a picture with more pixels, or
        more output samples to draw (:class:`~upscale_cli.core.errors.InputError`
        naming ``name``).

    Returns
    -------
    PIL.Image.Image
        RGB: the panels side by side, the legend under them.
    """
    image = as_image(image)
    box = crop_box(image, crop, GRID_CROP)
    width, height = box[2] - box[0], box[3] - box[1]
    out = _output_size(box, size, scale)
    check_pixels(name, _area(out), max_pixels, "the output")
    if zoom is None:
        zoom = max(48, math.ceil(12 * max(out[0] / width, out[1] / height)))
    margin = 2 * (zoom // 2)
    panel = (width * zoom + margin, height * zoom + margin)
    check_pixels(name, _area(sheet_size(panel, len(aligns), len(aligns))), max_pixels, "the sampling grid picture")
    cropped = image.crop(box)
    tiles = [
        Tile(f"{align} {resize_label(size, scale)}",
             grid_panel(cropped, size=size, scale=scale, align=align, mode=mode, zoom=zoom))
        for align in aligns
    ]
    panels = arrange(tiles, len(tiles))
    legend = grid_legend()
    picture = Image.new("RGB", (max(panels.width, PAD + legend.width), panels.height + legend.height + PAD), BACKGROUND)
    picture.paste(panels, (0, 0))
    picture.paste(legend, (PAD, panels.height))
    return picture

"""Pillow's ``Tests/test_image_reduce.py``, ported to the pillow preset's ``Image.reduce`` step.

upscale has no ``reduce`` call of its own: the pillow preset runs
``Image.reduce`` as the first step of ``reducing_gap`` (Pillow's 8-bit
arithmetic, premultiplied alpha for ``LA``/``RGBA``), and that step is what
these tests exercise: ``reduce(image, factor)`` asks the preset for a
``reducing_gap`` resize whose ``Image.reduce`` factor is ``factor`` and runs
that plan's reduce passes (the resample after them is checked against the
live Pillow by ``test_reducing_gap_resize_is_pillows``). Upstream checks ``Image.reduce`` against a reference
assembled from ``Image.resize(BOX)`` of the full blocks and of the short last
column and row (``compare_reduce_with_reference``, average and largest
difference per band); that check is ported as written, with the preset's own
BOX resize on the same areas. On top, every output must equal Pillow 13's
own ``Image.reduce`` exactly (``tests/golden/peers.npz``, made by
``generate_peers.py`` on a stand-in for ``radial_gradients.png``).

Not ported: ``test_args_box`` (the ``box`` argument of a call upscale does
not have), ``compare_reduce_with_box`` (likewise), ``test_unsupported_modes``
(the preset refuses ``I;16``, as ``test_args_factor_error``'s counterpart
shows) and ``test_jpeg2k`` (decoder feature). ``test_args_factor`` and
``test_args_factor_error`` check the sizes and refusals of the factors as the
preset meets them.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import upscale_cli
from upscale_cli.api import _resample
from upscale_cli.core.weights import TableKind

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
REMARKABLE_FACTORS = [1, 2, 3, 4, 5, 6, (1, 2), (1, 3), (1, 4), (1, 7), (2, 1), (3, 1), (4, 1), (7, 1),
                      (4, 6), (5, 6), (4, 7), (5, 7), (19, 17)]


@functools.lru_cache(maxsize=None)
def _peers():
    return np.load(GOLDEN / "peers.npz")


def get_image(mode: str, opaque: bool = False) -> Image.Image:
    """Upstream's ``get_image(mode)`` (``putalpha(255)`` when ``opaque``), as stored by the generator."""
    array = _peers()[f"reduce_input_{mode}{'_opaque' if opaque else ''}"]
    return Image.frombytes(mode, (array.shape[1], array.shape[0]), array.tobytes())


def _key(mode: str, opaque: bool, factor) -> str:
    return f"reduce_{mode}{'_opaque' if opaque else ''}_{'x'.join(map(str, np.atleast_1d(factor)))}"


def image_of(array: np.ndarray, mode: str) -> Image.Image:
    return Image.frombytes(mode, (array.shape[1], array.shape[0]), np.ascontiguousarray(array).tobytes())


def reducing_call(size, factor):
    """A size and ``reducing_gap`` for which ``Image.resize`` reduces ``size`` by ``factor`` first.

    Pillow reduces by ``int(n_in / n_out / gap) or 1`` per axis, so each
    axis asks for a gap in ``(n_in/n_out/(f + 1), n_in/n_out/f]`` (above
    ``n_in/n_out/2`` for ``f = 1``), and Pillow for one of at least 1: the
    largest outputs whose ranges meet, and the middle of the range they share.
    """
    factors = (factor, factor) if isinstance(factor, int) else tuple(factor)

    def gaps(n, o, f):
        return (n / o / 2, math.inf) if f == 1 else (n / o / (f + 1), n / o / f)

    for out in sorted(((x, y) for x in range(1, size[0] + 1) for y in range(1, size[1] + 1)), key=sum, reverse=True):
        (low_x, high_x), (low_y, high_y) = (gaps(n, o, f) for n, o, f in zip(size, out, factors))
        low, high = max(low_x, low_y, 1.0), min(high_x, high_y)
        gap = low + 0.5 if high == math.inf else (low + high) / 2
        if low < high and tuple(int(n / o / gap) or 1 for n, o in zip(size, out)) == factors:
            return out, gap
    raise AssertionError(f"no reducing_gap call reduces {size} by {factors}")


def reduce(image: Image.Image, factor) -> Image.Image:
    """``image.reduce(factor)``: the reduce passes of the preset's ``reducing_gap`` plan, on Pillow's arithmetic."""
    array = np.asarray(image)
    layout = "hw" if array.ndim == 2 else "hwc"
    out, gap = reducing_call(image.size, factor)
    plan = upscale_cli.plan_for(array.shape, layout=layout, dtype=array.dtype, size=out, mode="box",
                                compat="pillow", reducing_gap=gap)
    passes = tuple(p for p in plan.axes if p.weights.kind is TableKind.BLOCK_MEAN)
    out_shape = list(array.shape)
    for p in passes:
        out_shape[p.axis] = p.weights.n_out
    plan = dataclasses.replace(plan, axes=passes, out_shape=tuple(out_shape))
    return image_of(_resample(array, plan, image.mode, False), image.mode)


def resize_box(image: Image.Image, size, box) -> Image.Image:
    """``image.resize(size, Image.BOX, box)`` for a whole-pixel ``box``: the crop resized."""
    return upscale_cli.resize_image(image.crop(box), size=size, mode="box", compat="pillow")


def compare_reduce_with_reference(im, factor, average_diff=0.4, max_diff=1):
    """Image.reduce() should look very similar to Image.resize(BOX) (upstream's docstring and layout:
    the large source area, then the possible last column ``c``, last row ``r`` and last pixel ``p``)."""
    reduced = reduce(im, factor)
    if not isinstance(factor, (list, tuple)):
        factor = (factor, factor)
    reference = Image.new(im.mode, reduced.size)
    area_size = (im.size[0] // factor[0], im.size[1] // factor[1])
    area_box = (0, 0, area_size[0] * factor[0], area_size[1] * factor[1])
    reference.paste(resize_box(im, area_size, area_box), (0, 0))
    if area_size[0] < reduced.size[0]:
        assert reduced.size[0] - area_size[0] == 1
        last_column_box = (area_box[2], 0, im.size[0], area_box[3])
        reference.paste(resize_box(im, (1, area_size[1]), last_column_box), (area_size[0], 0))
    if area_size[1] < reduced.size[1]:
        assert reduced.size[1] - area_size[1] == 1
        last_row_box = (0, area_box[3], area_box[2], im.size[1])
        reference.paste(resize_box(im, (area_size[0], 1), last_row_box), (0, area_size[1]))
    if area_size[0] < reduced.size[0] and area_size[1] < reduced.size[1]:
        last_pixel_box = (area_box[2], area_box[3], im.size[0], im.size[1])
        reference.paste(resize_box(im, (1, 1), last_pixel_box), area_size)
    assert_compare_images(reduced, reference, average_diff, max_diff)
    return reduced


def assert_compare_images(a, b, max_average_diff, max_diff=255):
    assert a.mode == b.mode, f"got mode {a.mode!r}, expected {b.mode!r}"
    assert a.size == b.size, f"got size {a.size!r}, expected {b.size!r}"
    first, second = np.asarray(a).astype(np.float64), np.asarray(b).astype(np.float64)
    if first.ndim == 2:
        first, second = first[..., None], second[..., None]
    # upstream converts abs(a − b) to 8 bits before its histogram: differences saturate at 255
    difference = np.minimum(np.abs(first - second), 255)
    if a.mode in ("I", "F"):
        difference = np.floor(difference) if a.mode == "I" else np.round(difference)
    for band in range(difference.shape[-1]):
        average = difference[..., band].mean()
        assert max_average_diff >= average, (
            f"average pixel value difference {average:.4f} > expected {max_average_diff:.4f} for band {band}")
        largest = difference[..., band].max()
        assert max_diff >= largest, f"max pixel value difference {largest} > expected {max_diff} for band {band}"


def check_mode(mode, opaque=False, average_diff=0.4, max_diff=1):
    im = get_image(mode, opaque)
    for factor in REMARKABLE_FACTORS:
        reduced = compare_reduce_with_reference(im, factor, average_diff, max_diff)
        expected = _peers()[_key(mode, opaque, factor)]
        np.testing.assert_array_equal(np.asarray(reduced), expected, err_msg=f"{mode} reduce({factor})")


@pytest.mark.parametrize("mode, average_diff, max_diff", [
    ("L", 0.4, 1), ("La", 0.4, 1), ("RGB", 0.4, 1), ("RGBa", 0.4, 1),
    ("I", 0.4, 1), ("F", 0, 0),
], ids=["test_mode_L", "test_mode_La", "test_mode_RGB", "test_mode_RGBa", "test_mode_I", "test_mode_F"])
def test_mode(mode, average_diff, max_diff):
    check_mode(mode, average_diff=average_diff, max_diff=max_diff)


@pytest.mark.parametrize("mode", ["LA", "RGBA"], ids=["test_mode_LA", "test_mode_RGBA"])
def test_mode_with_alpha(mode):
    check_mode(mode, average_diff=0.8, max_diff=5)
    # With opaque alpha, an error should be way smaller.
    check_mode(mode, opaque=True)


@pytest.mark.parametrize("size, expected", [(3, (4, 4)), ((3, 1), (4, 10)), ((1, 3), (10, 4))])
def test_args_factor(size, expected):
    """reduce rounds lengths up: the last block is short."""
    im = Image.new("L", (10, 10))
    assert expected == reduce(im, size).size


@pytest.mark.parametrize("gap", [0, 0.5, -1])
def test_args_factor_error(gap):
    """A factor below 1 cannot be asked for: the gap that would give it is refused, as Pillow refuses it."""
    im = Image.new("L", (10, 10))
    with pytest.raises(ValueError):
        im.resize((5, 5), Image.Resampling.BOX, reducing_gap=gap)
    with pytest.raises(upscale_cli.UsageError):
        upscale_cli.resize_image(im, size=(5, 5), mode="box", compat="pillow", reducing_gap=gap)


def test_unsupported_mode_I16_is_refused():
    """Pillow's reduce refuses ``I;16``; so does the preset's reducing_gap."""
    im = Image.new("I;16", (10, 10))
    with pytest.raises(upscale_cli.UsageError):
        upscale_cli.resize_image(im, size=(3, 3), mode="box", compat="pillow", reducing_gap=1.0)


@pytest.mark.parametrize("mode", ["L", "LA", "La", "RGB", "RGBA", "RGBa", "I", "F"])
@pytest.mark.parametrize("resample", ["BOX", "BILINEAR", "BICUBIC", "LANCZOS"])
def test_reducing_gap_resize_is_pillows(mode, resample):
    """The whole ``reducing_gap`` path, reduce then resample, bit for bit against the installed Pillow."""
    im = get_image(mode)
    for factor in REMARKABLE_FACTORS:
        size, gap = reducing_call(im.size, factor)
        expected = im.resize(size, getattr(Image.Resampling, resample), reducing_gap=gap)
        got = upscale_cli.resize_image(im, size=size, mode=resample.lower(), compat="pillow", reducing_gap=gap)
        assert got.mode == expected.mode
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected), err_msg=f"{mode} {factor}")

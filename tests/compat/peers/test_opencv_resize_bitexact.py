"""OpenCV's ``modules/imgproc/test/test_resize_bitexact.cpp`` (``TEST(Resize_Bitexact, Linear8U)``), ported.

Upstream builds a 1024×768 test card (sines, a checkerboard, ramps and one
constant "random" byte), computes ``INTER_LINEAR_EXACT`` itself (8-bit
coefficients ``cvRound64(frac · 256)`` in double, the 2-D sum rounded once,
``(val + 2¹⁵) >> 16``) and requires ``cv::resize`` to match it with an L1
difference of 0. Here the same reference must match
``compat="opencv", linear_exact=True``. The three enlargements by 2, 3 and 7
(up to 7168×5376) are left out for the suite's time budget; every reduction
of the list is kept.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import upscale_cli

FIXED_ONE = 1 << 8
#: (channels, width, height) of upstream's ``modes`` (ratios in its comments), enlargements left out.
MODES = [
    (1, 512, 768), (3, 512, 768), (1, 1024, 384), (4, 1024, 384),
    (1, 512, 384), (2, 512, 384), (3, 512, 384), (4, 512, 384),
    (1, 256, 192), (2, 256, 192), (3, 256, 192), (4, 256, 192),
    (1, 4, 3), (2, 4, 3), (3, 4, 3), (4, 4, 3),
    (1, 342, 384), (1, 342, 256), (1, 512, 256),
    (1, 146, 110), (3, 146, 110), (4, 146, 110),
    (1, 931, 698), (2, 931, 698), (3, 931, 698), (4, 931, 698),
    (1, 853, 640), (3, 853, 640), (4, 853, 640),
    (1, 1004, 753), (2, 1004, 753), (3, 1004, 753), (4, 1004, 753),
]


def rng_byte(seed: int = 0x123456789ABCDEF) -> int:
    """``(uchar)RNG(seed)``: one step of OpenCV's multiply-with-carry generator, low byte."""
    state = (seed & 0xFFFFFFFF) * 4164903690 + (seed >> 32)
    return state & 0xFF


def source_card(cn: int, cols: int = 1024, rows: int = 768) -> np.ndarray:
    """Upstream's source image: four quadrants, ``(uint8)val`` of a double (truncation)."""
    j, i = np.mgrid[0:rows, 0:cols]
    sines = (np.sin((i + 1) * math.pi / 256.0) * np.sin((j + 1) * math.pi / 256.0)
             * math.sin((cn + 4) * math.pi / 8.0) + 1.0) * 128.0
    checker = ((i // 128 + j // 128) % 2) * 250 + (j // 128) % 2
    ramps = ((i // 128) * (85 - j // 256 * 40) * ((j // 128) % 2)
             + (7 - i // 128) * (85 - j // 256 * 40) * ((j // 128 + 1) % 2))
    top = np.where(i < cols // 2, sines, checker)
    bottom = np.where(i < cols // 2, ramps, rng_byte())
    values = np.where(j < rows // 2, top, bottom).astype(np.int64).astype(np.uint8)
    return np.repeat(values[..., None], cn, axis=-1)


def coefficients(n_out: int, n_in: int):
    """Source index and 8-bit weights along one axis, as upstream computes them in (soft) double."""
    scale = 1.0 / (n_out / n_in)
    position = scale * (np.arange(n_out) + 0.5) - 0.5
    index = np.floor(position).astype(np.int64)
    fraction = position - index
    # cvRound64 rounds half to even
    upper = np.rint(fraction * FIXED_ONE).astype(np.int64)
    return index, FIXED_ONE - upper, upper


def reference(src: np.ndarray, dcols: int, drows: int) -> np.ndarray:
    rows, cols = src.shape[:2]
    row, y0, y1 = coefficients(drows, rows)
    col, x0, x1 = coefficients(dcols, cols)
    r0, r1 = np.clip(row, 0, rows - 1), np.clip(row + 1, 0, rows - 1)
    c0, c1 = np.clip(col, 0, cols - 1), np.clip(col + 1, 0, cols - 1)
    s = src.astype(np.int64)
    x0, x1 = x0[None, :, None], x1[None, :, None]
    top = s[r0][:, c0] * x0 + s[r0][:, c1] * x1
    bottom = s[r1][:, c0] * x0 + s[r1][:, c1] * x1
    val = top * y0[:, None, None] + bottom * y1[:, None, None]
    return np.clip((val + (1 << 15)) >> 16, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("cn, dcols, drows", MODES, ids=[f"{c}ch-{w}x{h}" for c, w, h in MODES])
def test_Linear8U(cn, dcols, drows):
    src = source_card(cn)
    dst = upscale_cli.resize(src, size=(dcols, drows), mode="bilinear", linear_exact=True, compat="opencv",
                             layout="hwc")
    expected = reference(src, dcols, drows)
    difference = np.abs(dst.astype(np.int64) - expected).sum()
    assert difference == 0, f"Resize {cn}-chan mat from 1024x768 to {dcols}x{drows} failed with max diff " \
                            f"{np.abs(dst.astype(np.int64) - expected).max()}"

"""The exact-value resize cases of OpenCV's ``modules/imgproc/test/test_imgwarp.cpp``, ported to
``compat="opencv"``.

Ported: ``Imgproc_resize_area.{regression, regression_half_round,
regression_quarter_round}`` (literal tables, ``check_resize_area``: its
``tolerance`` only chooses which samples upstream prints, the assertion is
``norm(diff, NORM_INF) == 0``, and so is it here), ``Resize.Area_half`` (upstream's
own 2×2 reference, ``(sum + 2) >> 2`` for integers and ``sum · 0.25`` for
float32, on random data: numpy's generator instead of ``cv::RNG(17)``),
``Resize.lanczos4_regression_16192`` and ``Resize.nearest_regression_15075``.
The other resize test of the file, ``Imgproc_Resize.accuracy``, compares
``cv::resize`` with OpenCV's own reference implementation on random sizes
within a tolerance; the golden cases (``tests/compat/test_golden.py``) cover
that ground against ``cv2.resize`` itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import upscale_cli


def resize(src, *, scale=None, size=None, mode):
    layout = "hw" if src.ndim == 2 else "hwc"
    kwargs = {"scale": scale} if scale is not None else {"size": size}
    return upscale_cli.resize(src, mode=mode, compat="opencv", layout=layout, **kwargs)


def check_resize_area(expected, actual, tolerance=1.0):
    """Upstream's check: ``tolerance`` picks the samples reported; every sample must be equal."""
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    difference = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    reported = np.argwhere(difference > tolerance)[:1].tolist()
    assert difference.max() == 0, f"Inf norm: {difference.max()}, first beyond {tolerance}: {reported}"


def test_Imgproc_resize_area_regression():
    input_data = np.array([
        90, 94, 80, 3, 231, 2, 186, 245, 188, 165, 10, 19, 201, 169, 8, 228,
        86, 5, 203, 120, 136, 185, 24, 94, 81, 150, 163, 137, 88, 105, 132, 132,
        236, 48, 250, 218, 19, 52, 54, 221, 159, 112, 45, 11, 152, 153, 112, 134,
        78, 133, 136, 83, 65, 76, 82, 250, 9, 235, 148, 26, 236, 179, 200, 50,
        99, 51, 103, 142, 201, 65, 176, 33, 49, 226, 177, 109, 46, 21, 67, 130,
        54, 125, 107, 154, 145, 51, 199, 189, 161, 142, 231, 240, 139, 162, 240, 22,
        231, 86, 79, 106, 92, 47, 146, 156, 36, 207, 71, 33, 2, 244, 221, 71,
        44, 127, 71, 177, 75, 126, 68, 119, 200, 129, 191, 251, 6, 236, 247, 6,
        133, 175, 56, 239, 147, 221, 243, 154, 242, 82, 106, 99, 77, 158, 60, 229,
        2, 42, 24, 174, 27, 198, 14, 204, 246, 251, 141, 31, 114, 163, 29, 147,
        121, 53, 74, 31, 147, 189, 42, 98, 202, 17, 228, 123, 209, 40, 77, 49,
        112, 203, 30, 12, 205, 25, 19, 106, 145, 185, 163, 201, 237, 223, 247, 38,
        33, 105, 243, 117, 92, 179, 204, 248, 160, 90, 73, 126, 2, 41, 213, 204,
        6, 124, 195, 201, 230, 187, 210, 167, 48, 79, 123, 159, 145, 218, 105, 209,
        240, 152, 136, 235, 235, 164, 157, 9, 152, 38, 27, 209, 120, 77, 238, 196,
        240, 233, 10, 241, 90, 67, 12, 79, 0, 43, 58, 27, 83, 199, 190, 182], np.uint16).reshape(16, 16)
    expected = np.array([
        120, 100, 151, 101, 130,
        106, 115, 141, 130, 127,
        91, 136, 170, 114, 140,
        104, 122, 131, 147, 133,
        161, 163, 70, 107, 182], np.uint16).reshape(5, 5)
    check_resize_area(expected, resize(input_data, scale=(0.3, 0.3), mode="area"), 1.0)


def _round_case():
    i = np.arange(32 * 32)
    return (i % 2 + 253 + i // (16 * 32)).astype(np.uint8).reshape(32, 32)


def test_Imgproc_resize_area_regression_half_round():
    i = np.arange(16 * 16)
    expected = (254 + i // (16 * 8)).astype(np.uint8).reshape(16, 16)
    check_resize_area(expected, resize(_round_case(), scale=(0.5, 0.5), mode="area"), 0.5)


def test_Imgproc_resize_area_regression_quarter_round():
    expected = np.full((8, 8), 254, np.uint8)
    check_resize_area(expected, resize(_round_case(), scale=(0.25, 0.25), mode="area"), 0.5)


#: (dtype, channels) of upstream's ``types``.
AREA_HALF_TYPES = [(np.uint8, 1), (np.uint8, 4), (np.uint16, 1), (np.uint16, 4), (np.int16, 1), (np.int16, 3),
                   (np.int16, 4), (np.float32, 1), (np.float32, 4)]


@pytest.mark.parametrize("dtype, cn", AREA_HALF_TYPES, ids=[f"{np.dtype(d).name}C{c}" for d, c in AREA_HALF_TYPES])
def test_Resize_Area_half(dtype, cn):
    size = 1000
    rng = np.random.default_rng(17)
    values = rng.uniform(-1000, 1000, (size, size, cn))
    if np.issubdtype(dtype, np.integer):  # rng.fill(..., saturateRange=true)
        info = np.iinfo(dtype)
        src = np.clip(np.rint(values), info.min, info.max).astype(dtype)
    else:
        src = values.astype(dtype)
    blocks = src.reshape(size // 2, 2, size // 2, 2, cn)
    if np.issubdtype(dtype, np.integer):
        total = blocks.astype(np.int64)
        total = total[:, 0, :, 0] + total[:, 0, :, 1] + total[:, 1, :, 0] + total[:, 1, :, 1] + 2
        reference = np.clip(total >> 2, np.iinfo(dtype).min, np.iinfo(dtype).max).astype(dtype)
        eps = 0
    else:
        total = blocks[:, 0, :, 0] + blocks[:, 0, :, 1]
        total = total + (blocks[:, 1, :, 0] + blocks[:, 1, :, 1])
        reference = (total * np.float32(0.25)).astype(dtype)
        eps = 7e-5
    actual = resize(src if cn > 1 else src[..., 0], size=(size // 2, size // 2), mode="area")
    actual = actual.reshape(reference.shape)
    assert np.abs(actual.astype(np.float64) - reference.astype(np.float64)).max() <= eps


def test_Resize_lanczos4_regression_16192():
    src = np.full((17, 11, 3), 128, np.uint8)
    dst = resize(src, size=(11, 153), mode="lanczos")
    assert (dst == 128).all() and dst.shape == (153, 11, 3)


def test_Resize_nearest_regression_15075():
    C = 5
    i1 = j1 = 5
    src = np.zeros((12, 12, C), np.uint8)
    src[j1, i1, :] = 1
    dst = resize(src, size=(11, 11), mode="nearest")
    assert np.abs(dst.astype(np.int64)).sum() == C

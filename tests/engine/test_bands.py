"""Banded resizing against the whole-image path: the same numbers, band edge anywhere.

Every case resizes one array whole and in bands of every height from one
row up to past the widest tap reach, so that a band edge falls at every
offset of every tap window, and requires equal arrays (dtype and bits),
floats included: every output is the definition's wherever it is made.
"""

from __future__ import annotations

import numpy as np
import pytest

from upscale_cli.api import _resample, plan_for
from upscale_cli.core.errors import UsageError
from upscale_cli.engine.apply import apply_plan
from upscale_cli.engine.bands import BAND_BYTES, Bands, band_plan, band_rows


def noise(shape, dtype, seed=0) -> np.ndarray:
    """Samples over the dtype's whole range (integers) or of mixed sizes and signs (floats)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def assert_bands_equal(array, plan, resample=apply_plan, heights=None):
    whole = resample(array, plan)
    reach = max((p.weights.taps.shape[1] for p in plan.axes if p.axis == 0), default=1)
    for rows in heights or range(1, 2 * reach + 3):
        banded = np.concatenate(list(Bands(array, plan, resample, rows)))
        assert banded.dtype == whole.dtype and banded.shape == whole.shape
        assert np.array_equal(banded.view(np.uint8), whole.view(np.uint8)), f"bands of {rows} rows differ"


NATIVE = [
    ("nearest", {"scale": 1.7}), ("nearest", {"size": "5x3"}), ("bilinear", {"scale": 2}),
    ("bicubic", {"size": "13x9"}), ("lanczos", {"scale": 2}), ("lanczos", {"size": "6x4"}),
    ("box", {"size": "7x5"}), ("hamming", {"scale": 1.5}), ("area", {"size": "5x7"}),
    ("bicubic", {"size": "11x13", "fit": "stretch"}),
]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("mode, sizing", NATIVE)
def test_native_bands_equal_whole(mode, sizing, dtype):
    array = noise((11, 9, 3), dtype)
    assert_bands_equal(array, plan_for(array.shape, mode=mode, dtype=dtype, **sizing))


def test_height_kept_and_grey_and_one_row():
    grey = noise((9, 7), np.uint16, 1)
    assert_bands_equal(grey, plan_for(grey.shape, size="15x9", mode="lanczos"))  # only x resized
    row = noise((1, 7, 3), np.uint8, 2)
    assert_bands_equal(row, plan_for(row.shape, size="5x4", mode="bicubic"))


PRESETS = [
    ("pillow", "lanczos", {"size": "17x23"}),
    ("pillow", "bicubic", {"size": "10x4"}),  # the vertical pass first
    ("pillow", "bilinear", {"size": "5x4", "reducing_gap": 1.5}),  # y resampled twice
    ("pillow", "nearest", {"size": "13x7"}),
    ("opencv", "bilinear", {"scale": 1.6}),
    ("opencv", "bicubic", {"scale": 2}),
    ("opencv", "lanczos", {"size": "7x19"}),
    ("opencv", "area", {"size": "5x4"}),
    ("opencv", "area", {"scale": 0.5}),
    ("opencv", "bilinear", {"scale": 1.3, "linear_exact": True}),
    ("torch", "bicubic", {"scale": 1.5}),
    ("torch", "bilinear", {"size": "6x5", "antialias": True}),
    ("onnxruntime", "bicubic", {"scale": 1.5}),
    ("onnxruntime", "linear", {"scale": 1.5}),  # 8-bit: onnxruntime's float32 corner sums, truncated
    ("onnxruntime", "linear", {"size": "7x15", "align": "tf-crop-and-resize", "roi": (0.1, -0.2, 0.9, 1.1),
                               "extrapolation_value": -7.0}),
    ("onnxruntime", "linear", {"size": "7x5", "antialias": True}),
    ("onnx", "linear", {"size": "12x14", "roi": (0.1, 0.2, 0.9, 1.2), "align": "tf-crop-and-resize",
                        "extrapolation_value": 7.0}),
]


@pytest.mark.parametrize("compat, mode, options", PRESETS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_preset_bands_equal_whole(compat, mode, options, dtype):
    array = noise((12, 10, 3), dtype, 3)
    if (compat, mode, dtype) == ("onnxruntime", "bicubic", np.uint8):
        with pytest.raises(UsageError, match="onnxruntime 1.32 refuses it"):  # 3-D: no bicubic kernel takes it
            plan_for(array.shape, compat=compat, mode=mode, dtype=dtype, **options)
        return
    plan = plan_for(array.shape, compat=compat, mode=mode, dtype=dtype, **options)
    assert_bands_equal(array, plan)


@pytest.mark.parametrize("image_mode, channels, dtype, linear, compat", [
    ("RGBA", 4, np.uint8, False, None), ("LA", 2, np.uint8, False, None), ("RGBA", 4, np.uint8, True, None),
    ("I;16", None, np.uint16, True, None), ("RGB", 3, np.uint8, True, None), ("RGBA", 4, np.uint8, False, "pillow"),
])
def test_image_resampling_bands_equal_whole(image_mode, channels, dtype, linear, compat):
    """Premultiplied alpha and linear light work sample by sample around the plan: they band too."""
    shape = (10, 7) if channels is None else (10, 7, channels)
    array = noise(shape, dtype, 4)
    plan = plan_for(shape, layout="hw" if channels is None else "hwc", size="11x17", mode="lanczos", compat=compat, dtype=dtype)
    assert_bands_equal(array, plan, lambda a, p: _resample(a, p, image_mode, linear))


def test_band_plan_reads_only_the_rows_its_taps_reach():
    plan = plan_for((20, 4), size="4x40", mode="bilinear")  # ×2: output row d reads rows near d/2
    cut, low, high = band_plan(plan, 10, 14)
    assert (low, high) == (4, 8)  # sources 4.75, 5.25, 5.75, 6.25
    assert cut.in_shape == (4, 4) and cut.out_shape == (4, 4)
    y = next(p for p in cut.axes if p.axis == 0).weights
    assert y.taps.tolist() == [[0, 1], [1, 2], [1, 2], [2, 3]]
    assert y.weights.tolist() == [[0.25, 0.75], [0.75, 0.25], [0.25, 0.75], [0.75, 0.25]]
    with pytest.raises(ValueError, match="not inside"):
        band_plan(plan, 38, 41)


def test_band_rows():
    plan = plan_for((3000, 4000, 3), scale=2, mode="lanczos")
    assert band_rows(plan, 1) == BAND_BYTES // (8000 * 3)
    assert band_rows(plan, 8, band_bytes=1000) == 16  # never fewer than MIN_ROWS


@pytest.mark.parametrize("shape, layout", [((3, 2, 7, 5), "nchw"), ((3, 7, 5), "chw"), ((9, 6, 5), "dhw"), ((11,), "l")])
def test_bands_of_any_layout_cut_axis_0(shape, layout):
    """Axis 0 need not be resized (batches, channels): its bands are then bands of the input too."""
    array = noise(shape, np.uint16, 5)
    assert_bands_equal(array, plan_for(shape, layout=layout, scale=1.6, mode="bicubic"), heights=[1, 2, 4])


def test_a_plan_that_needs_its_whole_input_is_made_in_one_piece():
    """onnxruntime's integer kernel over an axis 0 it does not resize (``chw``) weights that axis's last
    row 0.5 + 0.5, which no band has: the plan says so, and its bands are the whole output at once."""
    array = noise((5, 21, 17), np.uint8, 7)
    plan = plan_for(array.shape, layout="chw", scale=2, mode="bilinear", compat="onnxruntime", dtype=array.dtype)
    assert not plan.bands
    pieces = list(Bands(array, plan, rows=2))
    assert len(pieces) == 1
    np.testing.assert_array_equal(pieces[0], apply_plan(array, plan))

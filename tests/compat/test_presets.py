"""The library presets on small literal tables: the documented traps, the
special paths found by checking the real libraries, option overrides and
errors. Expected values were produced by torch 2.13, OpenCV 5.0, Pillow 13.0
and onnxruntime 1.32 (see the README, "Conventions")."""

from __future__ import annotations

import numpy as np
import pytest

from upscale_cli import UsageError, plan_for, resize

F32 = np.float32


def row(values, dtype=F32):
    return np.array([values], dtype=dtype)


# --- the libraries' traps of docs/compat.md -------------------------------------------

def test_pillow_nearest_2_to_7_walks_a_running_sum():
    assert resize(row([0, 1]), size=(7, 1), mode="nearest", compat="pillow").tolist() == [[0, 0, 0, 0, 1, 1, 1]]
    assert resize(row([0, 1]), size=(7, 1), mode="nearest").tolist() == [[0, 0, 0, 1, 1, 1, 1]]


def test_opencv_nearest_exact_is_pillows_running_sum_and_ignores_fx():
    assert resize(row([0, 1]), size=(7, 1), mode="nearest-exact", compat="opencv").tolist() == [[0, 0, 0, 0, 1, 1, 1]]
    # fx = 3.5 on 2 pixels: 7 outputs, still r = 2/7 (not 1/3.5 = 0.2857142857142857)
    assert resize(row([0, 1]), scale=(3.5, 1), mode="nearest-exact", compat="opencv").tolist() == [[0, 0, 0, 0, 1, 1, 1]]


def test_torch_nearest_exact_2_to_41_differs_between_the_2d_and_1d_kernels():
    x = np.array([0, 1], F32)
    four_d = resize(x.reshape(1, 1, 1, 2), size=(41, 1), mode="nearest-exact", compat="torch")
    three_d = resize(x.reshape(1, 1, 2), size=41, mode="nearest-exact", compat="torch", layout="ncl")
    assert four_d[0, 0, 0, 20] == 0
    assert three_d[0, 0, 20] == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_nearest_scale_1_3_on_31_pixels_maps_39_to_30(dtype):
    out = resize(np.arange(31, dtype=dtype).reshape(1, 1, 31), scale=1.3, mode="nearest", compat="torch", layout="ncl")
    assert out.shape == (1, 1, 40)
    assert out[0, 0, 39] == 30  # floorf(39 · f32(1/1.3)); double arithmetic gives 29


def test_torch_nearest_1d_float64_with_a_size_works_in_double():
    out = resize(np.arange(14, dtype=np.float64).reshape(1, 1, 14), size=46, mode="nearest", compat="torch", layout="ncl")
    assert out[0, 0, 23] == 7
    out32 = resize(np.arange(14, dtype=F32).reshape(1, 1, 14), size=46, mode="nearest", compat="torch", layout="ncl")
    assert out32[0, 0, 23] == 6


def test_opencv_nearest_6_to_34_maps_17_to_2():
    assert resize(np.arange(6, dtype=F32)[None], size=(34, 1), mode="nearest", compat="opencv")[0, 17] == 2


def test_opencv_nearest_with_fx_multiplies_by_the_reciprocal():
    out = resize(np.arange(31, dtype=F32)[None], scale=(1.3, 1), mode="nearest", compat="opencv")
    assert out[0, 39] == 29  # floor(39 · (1/1.3)) in double


def test_onnxruntime_half_pixel_floor_7_to_1_gives_2():
    x = np.arange(7, dtype=F32).reshape(1, 1, 1, 7)
    assert resize(x, size=(1, 1), mode="nearest", rounding="floor", compat="onnxruntime").ravel().tolist() == [2]
    assert resize(x, size=(1, 1), mode="nearest", rounding="ceil", compat="onnxruntime").ravel().tolist() == [3]


def test_onnx_standard_keeps_the_exact_tie_of_7_to_1():
    # (0 + 0.5)/(1/7) − 0.5 in double is exactly 3: floor and ceil agree
    x = np.arange(7, dtype=F32).reshape(1, 1, 1, 7)
    assert resize(x, size=(1, 1), mode="nearest", rounding="floor", compat="onnx").ravel().tolist() == [3]
    assert resize(x, size=(1, 1), mode="nearest", rounding="ceil", compat="onnx").ravel().tolist() == [3]


def test_onnxruntime_round_modes_treat_near_halves_as_ties():
    x = np.arange(9, dtype=F32).reshape(1, 1, 1, 9)
    out = resize(x, scale=(2.4, 1), mode="nearest", align="asymmetric", rounding="round", compat="onnxruntime")
    assert out[0, 0, 0, 18] == 8  # 18/2.4f = 7.4999995 rounds up, as a tie


def test_onnx_standard_rounds_near_halves_by_their_double_value():
    x = np.arange(9, dtype=F32).reshape(1, 1, 1, 9)
    out = resize(x, scale=(2.4, 1), mode="nearest", align="asymmetric", rounding="round", compat="onnx")
    assert out[0, 0, 0, 18] == 7  # 18/f32(2.4) = 7.49999970 in double: below the half


def test_onnx_standard_align_corners_divides_by_the_non_integer_length():
    # test_resize_downsample_scales_linear_align_corners: 4 × 0.6 = 2.4 outputs wide, 2 of them kept
    x = np.arange(1, 9, dtype=F32).reshape(1, 1, 2, 4)
    kwargs = {"scale": 0.6, "mode": "linear", "align": "align-corners"}
    np.testing.assert_allclose(resize(x, compat="onnx", **kwargs).ravel(), [1, 1 + 3 / 1.4], rtol=1e-6)
    assert resize(x, compat="onnxruntime", **kwargs).ravel().tolist() == [1, 4]


@pytest.mark.parametrize("compat", ["onnx", "onnxruntime"])
def test_onnx_keep_aspect_ratio_maps_every_axis_with_the_common_factor(compat):
    # keep_aspect_ratio_policy=not_larger, sizes (2, 5) on 3×7: scale min(2/3, 5/7) = 2/3 for both axes,
    # 3×7 → 2×5, and the width mapped with r = 1.5, not 7/5 (onnxruntime 1.32 and the reference agree)
    x = np.tile(np.arange(7, dtype=F32), (3, 1)).reshape(1, 1, 3, 7)
    out = resize(x, size=(5, 2), fit="contain", mode="linear", compat=compat)
    np.testing.assert_allclose(out[0, 0], [[0.25, 1.75, 3.25, 4.75, 6.0]] * 2, atol=1e-6)


def test_onnx_standard_keep_aspect_ratio_maps_with_the_common_factor():
    # not_larger: 2×4 into 1×3 gives the factor 0.5 on both axes, 1×2, and x = 2d + 0.5 (ties, floor side)
    x = np.arange(1, 9, dtype=F32).reshape(1, 1, 2, 4)
    out = resize(x, size=(3, 1), fit="contain", mode="nearest", compat="onnx")
    assert out.ravel().tolist() == [1, 3]


def test_output_length_rules():
    assert plan_for((1, 1, 90), scale=0.7, mode="bilinear", compat="torch", layout="ncl").out_shape == (1, 1, 62)
    assert plan_for((1, 1, 90), scale=0.7, mode="bilinear", layout="ncl").out_shape == (1, 1, 63)
    assert plan_for((5, 5), scale=0.5, mode="bilinear", compat="opencv").out_shape == (2, 2)
    assert plan_for((7, 9), scale=0.5, mode="bilinear", compat="opencv").out_shape == (4, 4)
    assert plan_for((5, 5), scale=0.5, mode="bilinear").out_shape == (3, 3)
    assert plan_for((1, 1, 5, 5), scale=0.6, mode="linear", compat="onnx").out_shape == (1, 1, 3, 3)
    assert plan_for((1, 1, 5, 5), scale=0.6, mode="linear", compat="onnxruntime").out_shape == (1, 1, 3, 3)
    # Pillow has no scale factor: a scale takes upscale's own floor(n·S + 0.5), ratio n_in/n_out.
    plan = plan_for((5, 5), scale=0.5, mode="bilinear", compat="pillow")
    assert plan.out_shape == (3, 3) and [p.ratio for p in plan.axes] == [5 / 3, 5 / 3]


def test_the_ratio_used_and_its_reason_are_in_the_plan():
    plan = plan_for((1, 1, 31), scale=1.7, mode="nearest", compat="torch", layout="ncl")
    (axis,) = plan.axes
    assert axis.ratio == float(F32(1 / 1.7))
    assert axis.size.reason == "torch scale_factor 1.7: n_out = floor(31 × 1.7) = 52, r = 1/1.7 in float32"


# --- special paths -------------------------------------------------------------------------

def test_torch_copies_a_same_length_axis_for_linear_but_not_for_bicubic():
    x = row([0, 1, 2, 3]).reshape(1, 1, 1, 4)
    assert resize(x, scale=(1.1, 1.0), mode="bilinear", compat="torch").ravel().tolist() == [0, 1, 2, 3]
    cubic = resize(x, scale=(1.1, 1.0), mode="bicubic", compat="torch").ravel()
    np.testing.assert_allclose(cubic, [-0.031062126, 0.8087672, 1.7248309, 2.7533107], atol=1e-6)


def test_torch_uint8_skips_a_same_length_axis_even_for_bicubic():
    # F.interpolate(torch.from_numpy(x), scale_factor=(2.0, 1.1), mode="bicubic"), torch 2.13: the width
    # (4 -> 4) is not resampled, only the height (float32 gives -31.16, 86.72, 191.91, 266.88 in row 0)
    x = np.array([[[[0, 100, 200, 255], [255, 0, 50, 10]]]], np.uint8)
    out = resize(x, scale=(1.1, 2.0), mode="bicubic", compat="torch")
    assert out[0, 0].tolist() == [[0, 111, 216, 255], [58, 77, 166, 199], [197, 23, 84, 66], [255, 0, 34, 0]]


def test_opencv_copies_when_the_rounded_size_is_unchanged():
    x = np.random.default_rng(0).random((4, 3)).astype(F32)
    np.testing.assert_array_equal(resize(x, scale=1.1, mode="bilinear", compat="opencv"), x)


def test_opencv_area_uses_the_enlargement_formula_on_both_axes_when_one_enlarges():
    x = np.arange(13, dtype=F32)[:, None].repeat(2, 1)
    mixed = resize(x, size=(4, 3), mode="area", compat="opencv")[:, 0]
    box = resize(x, size=(2, 3), mode="area", compat="opencv")[:, 0]
    np.testing.assert_allclose(mixed, [0.769231, 4.846154, 8.923077], atol=1e-5)
    np.testing.assert_allclose(box, [1.692308, 6.0, 10.307693], atol=1e-5)


def test_opencv_uint8_area_rounds_ties_up_only_on_exact_2x2():
    two_by_two = np.array([[1, 2, 3, 4, 10, 12], [0, 3, 1, 2, 7, 9]], np.uint8)
    assert resize(two_by_two, size=(3, 1), mode="area", compat="opencv").tolist() == [[2, 3, 10]]
    one_by_two = np.array([[1, 2, 3, 6, 10, 11], [5, 8, 2, 4, 0, 255]], np.uint8)
    assert resize(one_by_two, size=(3, 2), mode="area", compat="opencv").tolist() == [[2, 4, 10], [6, 3, 128]]


def test_opencv_linear_exact_uint8():
    x = np.array([[0, 255, 17, 3]], np.uint8)
    out = resize(x, size=(7, 1), mode="bilinear", linear_exact=True, compat="opencv")
    assert out.tolist() == [[0, 91, 237, 136, 16, 8, 3]]


def test_pillow_rounds_and_clips_each_pass():
    x = np.array([[0, 0], [255, 255], [255, 0], [0, 0]], np.uint8)
    out = resize(x, size=(10, 6), mode="bicubic", compat="pillow")
    assert out[3].tolist() == [255, 255, 255, 235, 182, 125, 71, 34, 34, 34]


def test_pillow_runs_the_vertical_pass_first_when_the_height_shrinks_enough():
    rows = [[0, 255, 0, 255, 0, 255, 0], [255, 0, 255, 0, 255, 0, 255]] * 3 + [[0, 255, 0, 255, 0, 255, 0]]
    out = resize(np.array(rows, np.uint8), size=(12, 3), mode="lanczos", compat="pillow")
    assert out[0].tolist() == [102, 124, 147, 124, 109, 139, 139, 109, 124, 147, 124, 102]


@pytest.mark.parametrize("compat", ["onnx", "onnxruntime"])
def test_onnx_tf_crop_and_resize_extrapolates_outside_the_input(compat):
    x = np.arange(4, dtype=F32).reshape(1, 1, 1, 4)
    crop = {"mode": "linear", "align": "tf-crop-and-resize", "roi": (-1 / 3, 0, 2 / 3, 1), "extrapolation_value": -7}
    out = resize(x, size=(5, 1), compat=compat, **crop)
    np.testing.assert_allclose(out.ravel(), [-7, -7, 0.5, 1.25, 2], atol=1e-6)


def test_onnxruntime_ignores_the_roi_of_an_axis_whose_scale_is_1():
    x = np.arange(4, dtype=F32).reshape(1, 1, 1, 4)
    crop = {"mode": "linear", "align": "tf-crop-and-resize", "roi": (-1 / 3, 0, 2 / 3, 1), "extrapolation_value": -7}
    assert resize(x, size=(4, 1), compat="onnxruntime", **crop).ravel().tolist() == [0, 1, 2, 3]
    # the standard crops it: x = d − 1
    np.testing.assert_allclose(resize(x, size=(4, 1), compat="onnx", **crop).ravel(), [-7, 0, 1, 2], atol=1e-6)


# --- where the libraries disagree (the numbers of the conventions table) -----------------

def test_bicubic_coefficients_disagree():
    step = row([0, 0, 10, 10])
    pillow = resize(step, size=(8, 1), mode="bicubic", compat="pillow")
    opencv = resize(step, size=(8, 1), mode="bicubic", compat="opencv")
    np.testing.assert_allclose(pillow, [[0, -0.219, -0.687, 2.0312, 7.9688, 10.687, 10.219, 10]], atol=1e-3)
    np.testing.assert_allclose(opencv, [[0, -0.3516, -1.0547, 2.2656, 7.7344, 11.0547, 10.3516, 10]], atol=1e-3)


def test_antialias_disagrees_when_reducing():
    ramp = np.arange(8, dtype=F32)[None]
    np.testing.assert_allclose(resize(ramp, size=(2, 1), mode="bilinear", compat="pillow"), [[1.8929, 5.1071]], atol=1e-4)
    np.testing.assert_allclose(resize(ramp, size=(2, 1), mode="bilinear", compat="opencv"), [[1.5, 5.5]], atol=1e-6)
    nchw = ramp.reshape(1, 1, 1, 8)
    np.testing.assert_allclose(resize(nchw, size=(2, 1), mode="bilinear", compat="torch").ravel(), [1.5, 5.5])
    np.testing.assert_allclose(
        resize(nchw, size=(2, 1), mode="bilinear", antialias=True, compat="torch").ravel(), [1.8929, 5.1071], atol=1e-4,
    )


def test_torch_nearest_and_nearest_exact_disagree():
    x = np.arange(5, dtype=F32).reshape(1, 1, 5)
    assert resize(x, size=3, mode="nearest", compat="torch", layout="ncl").ravel().tolist() == [0, 1, 3]
    assert resize(x, size=3, mode="nearest-exact", compat="torch", layout="ncl").ravel().tolist() == [0, 2, 4]


# --- options and errors -------------------------------------------------------------------

def test_explicit_options_override_the_preset():
    x = row([0, 10]).reshape(1, 1, 2)
    default = resize(x, size=4, mode="linear", compat="torch", layout="ncl")
    corners = resize(x, size=4, mode="linear", align="align-corners", compat="torch", layout="ncl")
    np.testing.assert_allclose(default.ravel(), [0, 2.5, 7.5, 10])
    np.testing.assert_allclose(corners.ravel(), [0, 10 / 3, 20 / 3, 10], atol=1e-6)
    plan = plan_for((4, 4), size=(8, 8), mode="bicubic", cubic_a=-0.5, compat="opencv")
    assert plan.options.cubic_a == -0.5
    assert plan_for((4, 4), size=(8, 8), mode="bicubic", compat="opencv").options.cubic_a == -0.75


def test_native_exclude_outside_is_pillows_border_when_enlarging():
    x = np.random.default_rng(1).random((5, 6)).astype(F32)
    clamp = resize(x, size=(13, 11), mode="bicubic")
    exclude = resize(x, size=(13, 11), mode="bicubic", exclude_outside=True)
    pillow = resize(x, size=(13, 11), mode="bicubic", compat="pillow")
    np.testing.assert_allclose(exclude, pillow, atol=1e-6)
    assert np.abs(clamp - exclude).max() > 0.01


@pytest.mark.parametrize("kwargs, message", [
    ({"compat": "torch", "mode": "lanczos"}, "--compat torch has no mode 'lanczos'"),
    ({"compat": "opencv", "mode": "nearest", "align": "align-corners"}, "--compat opencv has no alignment"),
    ({"reducing_gap": 2.0}, "--reducing-gap belongs to a library preset"),
    ({"compat": "pillow", "roi": (0, 0, 1, 1)}, "--roi has no meaning for --compat pillow"),
    ({"compat": "onnxruntime", "mode": "linear", "exclude_outside": True}, "--exclude-outside with --compat onnxruntime"),
    ({"compat": "onnx", "mode": "nearest", "exclude_outside": True}, "--exclude-outside with --compat onnx"),
    ({"compat": "onnx", "mode": "nearest", "align": "tf-half-pixel-for-nn"}, "--compat onnx has no alignment"),
    ({"compat": "onnx", "mode": "linear", "roi": (0, 0, 1, 1)}, "belong to --align tf-crop-and-resize"),
    ({"compat": "onnxruntime", "mode": "linear", "roi": (0, 0, 1, 1)}, "belong to --align tf-crop-and-resize"),
    ({"compat": "opencv", "mode": "bicubic", "linear_exact": True}, "INTER_LINEAR_EXACT"),
])
def test_usage_errors(kwargs, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        resize(np.zeros((4, 4), F32), size=(2, 2), **kwargs)


@pytest.mark.parametrize("compat", ["onnx", "onnxruntime"])
def test_onnx_keep_aspect_ratio_that_empties_an_axis_is_refused(compat):
    # not_larger on 1×3 into 1×1: scale 1/3, height round(1/3) = 0 (ONNX would return an empty tensor)
    with pytest.raises(UsageError, match="keep_aspect_ratio_policy not_larger leaves no pixels on an axis of 1"):
        resize(np.zeros((1, 1, 1, 3), F32), size=(1, 1), fit="contain", mode="linear", compat=compat)


# --- onnxruntime on integer tensors: its own kernels (outputs of onnxruntime 1.32) ------------

def test_onnxruntime_uint8_linear_truncates_its_float32_sum():
    x = row([10, 11], np.uint8)
    assert resize(x, size=(4, 1), mode="linear", compat="onnxruntime").tolist() == [[10, 10, 10, 11]]
    assert resize(x, size=(4, 1), mode="linear", compat="onnx").tolist() == [[10, 10, 11, 11]]  # half up


def test_onnxruntime_float32_corner_terms_can_sum_just_below_a_flat_level():
    # every sample 1, 6×5 → 13×9: three outputs sum to 0.99999994 in float32 and truncate to 0
    out = resize(np.ones((5, 6), np.uint8), size=(13, 9), mode="linear", compat="onnxruntime")
    assert np.argwhere(out == 0).tolist() == [[1, 3], [3, 5], [5, 1]]
    assert np.count_nonzero(out == 1) == 9 * 13 - 3


@pytest.mark.parametrize("value, stored", [(-7.0, 249), (300.5, 44), (2.7, 2)])
def test_onnxruntime_extrapolation_value_is_cast_as_x86_64_casts_it(value, stored):
    x = row([0, 50, 100, 150], np.uint8)
    out = resize(x, size=(5, 1), mode="linear", compat="onnxruntime", align="tf-crop-and-resize",
                 roi=(-0.5, 0, 0.5, 1), extrapolation_value=value)
    assert out.tolist() == [[stored, stored, 0, 37, 75]]


def test_onnxruntime_int8_antialias_goes_through_the_uint8_table():
    x = row([-100, 100, -100, 100, -100, 100], np.int8)
    out = resize(x, size=(3, 1), mode="bicubic", antialias=True, compat="onnxruntime")
    assert out.tolist() == [[0, 0, 23]]  # float32: −22.66, 0, 22.66


def test_onnxruntime_nhwc_8bit_linear_has_10_bit_weights():
    x = np.array([[[[217, 163], [130, 69], [78, 10], [19, 4]], [[44, 208], [166, 233], [128, 155], [248, 186]],
                   [[161, 139], [143, 239], [71, 208], [171, 0]]]], np.uint8)
    nchw = resize(x, size=(5, 7), mode="linear", compat="onnxruntime", layout="nchw")
    nhwc = resize(np.ascontiguousarray(x.transpose(0, 2, 3, 1)), size=(5, 7), mode="linear", compat="onnxruntime",
                  layout="nhwc").transpose(0, 3, 1, 2)
    differ = np.argwhere(nchw != nhwc)
    assert differ.tolist() == [[0, 0, 2, 2], [0, 0, 4, 3], [0, 2, 2, 3]]
    assert nchw[nchw != nhwc].tolist() == [105, 15, 223] and nhwc[nchw != nhwc].tolist() == [106, 16, 222]


@pytest.mark.parametrize("size, antialias", [((2000, 2000), False), ((700, 700), True)])
def test_onnxruntime_nhwc_integer_kernels_work_in_strips(size, antialias):
    """The int64 sums are made a strip at a time: memory stays near the output's, not eight times it per term."""
    import tracemalloc
    x = np.random.default_rng(1).integers(0, 256, (1, 1400, 1400, 3), dtype=np.uint8)
    tracemalloc.start()
    try:
        out = resize(x, size=size, mode="linear", antialias=antialias, compat="onnxruntime", layout="nhwc")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * max(out.nbytes, x.nbytes)


@pytest.mark.parametrize("shape, layout, message", [
    ((1, 1, 4, 4), "nchw", "onnxruntime 1.32 fails on it"),
    ((4, 4, 3), "hwc", "onnxruntime 1.32 refuses it"),
])
def test_onnxruntime_integer_bicubic_is_refused(shape, layout, message):
    with pytest.raises(UsageError, match=message):
        resize(np.zeros(shape, np.uint8), size=(3, 5), mode="bicubic", compat="onnxruntime", layout=layout)
    # a float tensor, the same length (a copy) and antialias all run in onnxruntime
    assert resize(np.zeros(shape, F32), size=(3, 5), mode="bicubic", compat="onnxruntime", layout=layout).shape
    same = (shape[-1], shape[-2]) if layout == "nchw" else (shape[1], shape[0])
    if layout == "nchw":
        assert resize(np.ones(shape, np.uint8), size=same, mode="bicubic", compat="onnxruntime").min() == 1
        assert resize(np.ones(shape, np.uint8), size=(3, 5), mode="bicubic", antialias=True, compat="onnxruntime").min() == 1


def test_onnxruntime_has_no_resize_for_other_integer_types():
    with pytest.raises(UsageError, match="cannot resize uint16 samples: onnxruntime 1.32 has no CPU Resize kernel"):
        resize(np.zeros((4, 4), np.uint16), size=(2, 2), mode="nearest", compat="onnxruntime")


@pytest.mark.parametrize("n_in, n_out, align", [
    (7, 14, "half-pixel"), (14, 7, "half-pixel"), (5, 20, "asymmetric"), (9, 17, "align-corners"), (12, 3, "half-pixel"),
])
def test_onnxruntime_8bit_linear_shortcut_is_the_float32_corner_sum(n_in, n_out, align, monkeypatch):
    """Where every weight has few fractional bits, banded sums replace the corner terms: the same bits."""
    import upscale_cli.compat.onnxruntime.arithmetic as ort
    from upscale_cli.compat.onnxruntime.planning import coordinates
    truncated_sums = ort.truncated_sums
    calls = []
    monkeypatch.setattr(ort, "truncated_sums", lambda *args: calls.append(args) or truncated_sums(*args))
    x = np.random.default_rng(n_in * n_out).integers(0, 256, (2, n_in, n_in)).astype(np.uint8)
    out = resize(x, size=(n_out, n_out), mode="linear", compat="onnxruntime", layout="chw", align=align)
    axis = ort.linear_params(coordinates(n_in, n_out, F32(n_out) / F32(n_in), align, (0.0, 1.0)), n_in)
    expected = ort._corner_sum(x, [ort.linear_params(np.arange(2, dtype=F32), 2), axis, axis], (0, 1, 2))
    np.testing.assert_array_equal(out, expected.astype(np.uint8))
    assert len(calls) == 1


def onnxruntime_corner_recipe(x: np.ndarray, params: list) -> np.ndarray:
    """UpsampleTrilinear as written in onnxruntime: for every output, the 2³ terms
    ``fl(fl(fl(wy·wx)·wc)·X)`` in float32, the last axis's tap varying fastest, added in that order."""
    (y1, y2, wy1, wy2), (x1, x2, wx1, wx2), (c1, c2, wc1, wc2) = params
    total = None
    for iy, wy in ((y1, wy1), (y2, wy2)):
        for ix, wx in ((x1, wx1), (x2, wx2)):
            for ic, wc in ((c1, wc1), (c2, wc2)):
                weight = (wy[:, None, None] * wx[None, :, None]).astype(F32) * wc[None, None, :]
                samples = x[iy][:, ix][:, :, ic].astype(F32)
                term = (weight.astype(F32) * samples).astype(F32)
                total = term if total is None else (total + term).astype(F32)
    return total


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_onnxruntime_hwc_channels_are_an_axis_of_scale_1(dtype):
    """A 3-D tensor is resized along all three axes: the last channel's taps are itself twice, at 0.5 each,
    and its running sum is rounded after each half (the other channels: one tap of weight 1, one of 0)."""
    import upscale_cli.compat.onnxruntime.arithmetic as ort
    from upscale_cli.compat.onnxruntime.planning import coordinates
    info = np.iinfo(dtype)
    x = np.random.default_rng(3).integers(info.min, info.max + 1, (37, 41, 3)).astype(dtype)
    size = (97, 53)
    params = [ort.linear_params(coordinates(n_in, n_out, F32(n_out) / F32(n_in), "half-pixel", (0.0, 1.0)), n_in)
              for n_in, n_out in ((37, size[1]), (41, size[0]), (3, 3))]
    expected = onnxruntime_corner_recipe(x, params)
    out = resize(x, size=size, mode="linear", compat="onnxruntime", layout="hwc")
    np.testing.assert_array_equal(out, ort.c_cast(expected, dtype))
    if dtype == np.uint8:  # the last channel's two halves matter: summed over rows and columns alone, some differ
        alone = (np.array([2]), np.array([2]), np.ones(1, F32), np.zeros(1, F32))
        assert np.count_nonzero(ort.c_cast(onnxruntime_corner_recipe(x, [*params[:2], alone])[..., 0], dtype) != out[..., 2])


def test_resize_keywords_are_the_fields_of_one_dataclass():
    """``resize`` and ``plan_for`` take exactly :class:`ResizeArguments`' fields, by keyword, shown as such."""
    import inspect
    from dataclasses import fields

    from upscale_cli.api import ResizeArguments
    from upscale_cli.engine.apply import apply_plan

    names = [f.name for f in fields(ResizeArguments)]
    assert list(inspect.signature(resize).parameters) == ["array", *names]
    assert list(inspect.signature(plan_for).parameters) == ["shape", "dtype", *names]
    with pytest.raises(TypeError, match="resize\\(\\) got an unexpected keyword argument 'sise'"):
        resize(np.zeros((2, 2)), sise=(3, 3))
    with pytest.raises(TypeError, match="positional"):
        resize(np.zeros((2, 2)), (3, 3))
    arguments = ResizeArguments(size=(5, 3), mode="bicubic", compat="opencv")
    x = np.arange(20, dtype=np.uint8).reshape(4, 5)
    plan = arguments.plan(x.shape, x.dtype)
    assert (plan.out_shape, plan.arithmetic) == ((3, 5), "opencv-fixed")
    np.testing.assert_array_equal(apply_plan(x, plan), resize(x, size=(5, 3), mode="bicubic", compat="opencv"))
    with pytest.raises(UsageError, match="--linear-exact belongs to a library preset: add --compat"):
        ResizeArguments(scale=2, linear_exact=True).plan((4, 4))

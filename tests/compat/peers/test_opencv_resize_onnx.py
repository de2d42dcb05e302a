"""OpenCV's ``modules/imgproc/test/test_resize_onnx.cpp``, ported.

OpenCV 5's ``cv::resizeOnnx`` implements the ONNX ``Resize`` operator and
its tests are the examples of the ONNX operator documentation, so each one
runs here against ``compat="onnx"`` (the standard). As upstream
(``ResizeOnnx::run``), every case is checked on 1 to 8 channels, channel
``k`` being ``alpha[k]·x + beta[k]`` of the first, in every depth from 8-bit
to float64: nearest must be bit-exact, other modes within 1 for integer
depths (``cvRound(4.5) = 4``, but integer arithmetic may give 5) and 1e-3
for floats. Integer inputs and references are saturated as ``convertTo``
does (round half to even, then clip).

Every test of the file is here: the 26 ONNX examples, the four
``*_exclude_outside`` cases (cubic with A = −0.5 enlarging and reducing,
with and without antialias; linear antialias), and ``tf_crop_and_resize``,
which upstream's revision with a ``roi`` argument adds. Left out: upstream
also runs each case on a destination and source cut from a larger matrix
(``rand_roi``); arrays here carry no strides into a parent, so there is no
such case to make.
"""

from __future__ import annotations

import numpy as np
import pytest

import upscale_cli

#: ``alpha`` and ``beta`` of ``ResizeOnnx::run``: channel k is alpha[k]·x + beta[k]. Upstream's revisions
#: differ in ``beta[5]`` and ``beta[7]``: the one with ``roi`` has −7 and +6, an earlier one +7 and −6. The
#: later keeps every channel of one sign, as the file's own rule for the inputs asks ("all non-positive or
#: non-negative"); with +7, channel 6 (−3x + 7) crosses 0, 8-bit saturation clips its negative half, and no
#: resize of the clipped input can come within 1 of the clipped reference (2 apart on the 8-bit cases).
ALPHA = (1, -1, 5, 5, 0, -3, -2, 4)
BETA = (0, -0, 0, 7, 7, -7, -6, +6)
#: CV_8U … CV_64F except CV_16F, which upscale does not take as input.
DEPTHS = (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64)
ONNX_FLAGS = {  # INTER_* flags of resizeOnnx as upscale_cli.resize keywords
    "INTER_ALIGN_CORNERS": {"align": "align-corners"},
    "INTER_ASYMMETRIC": {"align": "asymmetric"},
    "INTER_HALF_PIXEL_SYMMETRIC": {"align": "half-pixel-symmetric"},
    "INTER_HALF_PIXEL_PYTORCH": {"align": "pytorch-half-pixel"},
    "INTER_TF_CROP_RESIZE": {"align": "tf-crop-and-resize"},
    "INTER_ANTIALIAS": {"antialias": True},
    "INTER_NEAREST_CEIL": {"rounding": "ceil"},
    "INTER_NEAREST_FLOOR": {"rounding": "floor"},
    "INTER_NEAREST_PREFER_CEIL": {"rounding": "round"},
    "INTER_EXCLUDE_OUTSIDE": {"exclude_outside": True},
}
MODES = {"INTER_NEAREST": "nearest", "INTER_LINEAR": "linear", "INTER_CUBIC": "bicubic"}
ARANGE_16 = list(range(1, 17))
ARANGE_8 = list(range(1, 9))


def saturate(values: np.ndarray, dtype) -> np.ndarray:
    """``Mat::convertTo``: round half to even, clip to the type's range."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype)


def run(flags, szsrc, szref, szdst, scale, cubic, roi, insrc, inref):
    """``ResizeOnnx::run``: sizes are (width, height), ``roi`` is ``Rect2d(x, y, w, h)``."""
    mode, *extra = flags.split(" | ")
    kwargs = {"mode": MODES[mode], "cubic_a": cubic, "compat": "onnx"}
    for flag in extra:
        kwargs.update(ONNX_FLAGS[flag])
    if szdst:
        kwargs["size"] = szdst
    else:
        kwargs["scale"] = scale
    if roi:
        x, y, w, h = roi
        kwargs["roi"] = (x, y, x + w, y + h)
    source = np.array(insrc, np.float64).reshape(szsrc[1], szsrc[0])
    reference = np.array(inref, np.float64).reshape(szref[1], szref[0])
    for cn in range(1, 9):
        src = np.stack([ALPHA[k] * source + BETA[k] for k in range(cn)], axis=-1)
        ref = np.stack([ALPHA[k] * reference + BETA[k] for k in range(cn)], axis=-1)
        for depth in DEPTHS:
            got = upscale_cli.resize(saturate(src, depth), layout="hwc", **kwargs)
            expected = saturate(ref, depth)
            assert got.shape == expected.shape, f"fail on {np.dtype(depth)} × {cn}"
            difference = np.abs(got.astype(np.float64) - expected).max()
            if mode == "INTER_NEAREST":
                assert difference == 0, f"fail on {np.dtype(depth)} × {cn}"
            else:
                eps = 1.0 if np.issubdtype(depth, np.integer) else 1e-3
                assert difference <= eps, f"fail on {np.dtype(depth)} × {cn}: {difference}"


# (upstream TEST name, flags, szsrc, szref, szdst, scale, cubic, roi, insrc, inref)
CASES = [
    ("downsample_scales_cubic", "INTER_CUBIC", (4, 4), (3, 3), None, (0.8, 0.8), -0.75, None, ARANGE_16,
     [1.47119141, 2.78125, 4.08251953, 6.71142578, 8.02148438, 9.32275391, 11.91650391, 13.2265625, 14.52783203]),
    ("downsample_scales_cubic_align_corners", "INTER_CUBIC | INTER_ALIGN_CORNERS", (4, 4), (3, 3), None,
     (0.8, 0.8), -0.75, None, ARANGE_16,
     [1.0, 2.39519159, 3.79038317, 6.58076634, 7.97595793, 9.37114951, 12.16153268, 13.55672427, 14.95191585]),
    ("downsample_scales_cubic_antialias", "INTER_CUBIC | INTER_ANTIALIAS", (4, 4), (2, 2), None, (0.6, 0.6),
     -0.75, None, ARANGE_16, [2.5180721, 4.2858863, 9.589329, 11.357142]),
    ("downsample_scales_linear", "INTER_LINEAR", (4, 2), (2, 1), None, (0.6, 0.6), -0.75, None, ARANGE_8,
     [2.6666665, 4.3333331]),
    ("downsample_scales_linear_align_corners", "INTER_LINEAR | INTER_ALIGN_CORNERS", (4, 2), (2, 1), None,
     (0.6, 0.6), -0.75, None, ARANGE_8, [1.0, 3.142857]),
    ("downsample_scales_linear_antialias", "INTER_LINEAR | INTER_ANTIALIAS", (4, 4), (2, 2), None, (0.6, 0.6),
     -0.75, None, ARANGE_16, [2.875, 4.5, 9.375, 11.0]),
    ("downsample_scales_linear_half_pixel_symmetric", "INTER_LINEAR | INTER_HALF_PIXEL_SYMMETRIC", (4, 1), (2, 1),
     None, (0.6, 1.0), -0.75, None, [1, 2, 3, 4], [1.6666667, 3.3333333]),
    ("downsample_scales_nearest", "INTER_NEAREST", (4, 2), (2, 1), None, (0.6, 0.6), -0.75, None, ARANGE_8, [1, 3]),
    ("downsample_sizes_cubic", "INTER_CUBIC", (4, 4), (3, 3), (3, 3), None, -0.75, None, ARANGE_16,
     [1.63078704, 3.00462963, 4.37847222, 7.12615741, 8.5, 9.87384259, 12.62152778, 13.99537037, 15.36921296]),
    ("downsample_sizes_cubic_antialias", "INTER_CUBIC | INTER_ANTIALIAS", (4, 4), (3, 3), (3, 3), None, -0.75,
     None, ARANGE_16,
     [1.7750092, 3.1200073, 4.4650054, 7.1550016, 8.5, 9.844998, 12.534994, 13.8799925, 15.224991]),
    ("downsample_sizes_linear_antialias", "INTER_LINEAR | INTER_ANTIALIAS", (4, 4), (3, 3), (3, 3), None, -0.75,
     None, ARANGE_16,
     [2.3636363, 3.590909, 4.818182, 7.2727275, 8.5, 9.727273, 12.181818, 13.409091, 14.636364]),
    ("downsample_sizes_linear_pytorch_half_pixel", "INTER_LINEAR | INTER_HALF_PIXEL_PYTORCH", (4, 4), (1, 3),
     (1, 3), None, -0.75, None, ARANGE_16, [1.6666666, 7.0, 12.333333]),
    ("downsample_sizes_nearest", "INTER_NEAREST", (4, 2), (3, 1), (3, 1), None, -0.75, None, ARANGE_8, [1, 2, 4]),
    ("tf_crop_and_resize", "INTER_LINEAR | INTER_TF_CROP_RESIZE", (4, 4), (3, 3), (3, 3), None, -0.75,
     (0.6, 0.4, 0.2, 0.2), ARANGE_16, [7.6000004, 7.9, 8.2, 8.8, 9.1, 9.400001, 10.0, 10.3, 10.6]),
    ("upsample_scales_cubic", "INTER_CUBIC", (4, 4), (8, 8), None, (2.0, 2.0), -0.75, None, ARANGE_16, [
        0.47265625, 0.76953125, 1.24609375, 1.875, 2.28125, 2.91015625, 3.38671875, 3.68359375,
        1.66015625, 1.95703125, 2.43359375, 3.0625, 3.46875, 4.09765625, 4.57421875, 4.87109375,
        3.56640625, 3.86328125, 4.33984375, 4.96875, 5.375, 6.00390625, 6.48046875, 6.77734375,
        6.08203125, 6.37890625, 6.85546875, 7.484375, 7.890625, 8.51953125, 8.99609375, 9.29296875,
        7.70703125, 8.00390625, 8.48046875, 9.109375, 9.515625, 10.14453125, 10.62109375, 10.91796875,
        10.22265625, 10.51953125, 10.99609375, 11.625, 12.03125, 12.66015625, 13.13671875, 13.43359375,
        12.12890625, 12.42578125, 12.90234375, 13.53125, 13.9375, 14.56640625, 15.04296875, 15.33984375,
        13.31640625, 13.61328125, 14.08984375, 14.71875, 15.125, 15.75390625, 16.23046875, 16.52734375]),
    ("upsample_scales_cubic_align_corners", "INTER_CUBIC | INTER_ALIGN_CORNERS", (4, 4), (8, 8), None, (2.0, 2.0),
     -0.75, None, ARANGE_16, [
         1.0, 1.34110787, 1.80029155, 2.32944606, 2.67055394, 3.19970845, 3.65889213, 4.0,
         2.36443149, 2.70553936, 3.16472303, 3.69387755, 4.03498542, 4.56413994, 5.02332362, 5.36443149,
         4.20116618, 4.54227405, 5.00145773, 5.53061224, 5.87172012, 6.40087464, 6.86005831, 7.20116618,
         6.31778426, 6.65889213, 7.1180758, 7.64723032, 7.98833819, 8.51749271, 8.97667638, 9.31778426,
         7.68221574, 8.02332362, 8.48250729, 9.01166181, 9.35276968, 9.8819242, 10.34110787, 10.68221574,
         9.79883382, 10.13994169, 10.59912536, 11.12827988, 11.46938776, 11.99854227, 12.45772595, 12.79883382,
         11.63556851, 11.97667638, 12.43586006, 12.96501458, 13.30612245, 13.83527697, 14.29446064, 14.63556851,
         13.0, 13.34110787, 13.80029155, 14.32944606, 14.67055394, 15.19970845, 15.65889213, 16.0]),
    ("upsample_scales_cubic_asymmetric", "INTER_CUBIC | INTER_ASYMMETRIC", (4, 4), (8, 8), None, (2.0, 2.0), -0.75,
     None, ARANGE_16, [
         1.0, 1.40625, 2.0, 2.5, 3.0, 3.59375, 4.0, 4.09375,
         2.625, 3.03125, 3.625, 4.125, 4.625, 5.21875, 5.625, 5.71875,
         5.0, 5.40625, 6.0, 6.5, 7.0, 7.59375, 8.0, 8.09375,
         7.0, 7.40625, 8.0, 8.5, 9.0, 9.59375, 10.0, 10.09375,
         9.0, 9.40625, 10.0, 10.5, 11.0, 11.59375, 12.0, 12.09375,
         11.375, 11.78125, 12.375, 12.875, 13.375, 13.96875, 14.375, 14.46875,
         13.0, 13.40625, 14.0, 14.5, 15.0, 15.59375, 16.0, 16.09375,
         13.375, 13.78125, 14.375, 14.875, 15.375, 15.96875, 16.375, 16.46875]),
    ("upsample_scales_linear", "INTER_LINEAR", (2, 2), (4, 4), None, (2.0, 2.0), -0.75, None, [1, 2, 3, 4], [
        1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0]),
    ("upsample_scales_linear_align_corners", "INTER_LINEAR | INTER_ALIGN_CORNERS", (2, 2), (4, 4), None,
     (2.0, 2.0), -0.75, None, [1, 2, 3, 4], [
         1.0, 1.33333333, 1.66666667, 2.0, 1.66666667, 2.0, 2.33333333, 2.66666667,
         2.33333333, 2.66666667, 3.0, 3.33333333, 3.0, 3.33333333, 3.66666667, 4.0]),
    ("upsample_scales_linear_half_pixel_symmetric", "INTER_LINEAR | INTER_HALF_PIXEL_SYMMETRIC", (2, 2), (5, 4),
     None, (2.94, 2.3), -0.75, None, [1, 2, 3, 4], [
         1.0, 1.15986395, 1.5, 1.84013605, 2.0,
         1.56521738, 1.72508133, 2.06521738, 2.40535343, 2.56521738,
         2.43478262, 2.59464657, 2.93478262, 3.27491867, 3.43478262,
         3.0, 3.15986395, 3.5, 3.84013605, 4.0]),
    ("upsample_scales_nearest", "INTER_NEAREST", (2, 2), (6, 4), None, (3.0, 2.0), -0.75, None, [1, 2, 3, 4], [
        1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4]),
    ("upsample_sizes_cubic", "INTER_CUBIC", (4, 4), (10, 9), (10, 9), None, -0.75, None, ARANGE_16, [
        0.45507922, 0.64057922, 0.97157922, 1.42257922, 1.90732922, 2.22332922, 2.70807922, 3.15907922, 3.49007922,
        3.67557922,
        1.39437963, 1.57987963, 1.91087963, 2.36187963, 2.84662963, 3.16262963, 3.64737963, 4.09837963, 4.42937963,
        4.61487963,
        2.95130693, 3.13680693, 3.46780693, 3.91880693, 4.40355693, 4.71955693, 5.20430693, 5.65530693, 5.98630693,
        6.17180693,
        5.20525069, 5.39075069, 5.72175069, 6.17275069, 6.65750069, 6.97350069, 7.45825069, 7.90925069, 8.24025069,
        8.42575069,
        6.88975, 7.07525, 7.40625, 7.85725, 8.342, 8.658, 9.14275, 9.59375, 9.92475, 10.11025,
        8.57424931, 8.75974931, 9.09074931, 9.54174931, 10.02649931, 10.34249931, 10.82724931, 11.27824931,
        11.60924931, 11.79474931,
        10.82819307, 11.01369307, 11.34469307, 11.79569307, 12.28044307, 12.59644307, 13.08119307, 13.53219307,
        13.86319307, 14.04869307,
        12.38512037, 12.57062037, 12.90162037, 13.35262037, 13.83737037, 14.15337037, 14.63812037, 15.08912037,
        15.42012037, 15.60562037,
        13.32442078, 13.50992078, 13.84092078, 14.29192078, 14.77667078, 15.09267078, 15.57742078, 16.02842078,
        16.35942078, 16.54492078]),
    ("upsample_sizes_nearest", "INTER_NEAREST", (2, 2), (8, 7), (8, 7), None, -0.75, None, [1, 2, 3, 4],
     [1, 1, 1, 1, 2, 2, 2, 2] * 4 + [3, 3, 3, 3, 4, 4, 4, 4] * 3),
    ("upsample_sizes_nearest_ceil_half_pixel", "INTER_NEAREST | INTER_NEAREST_CEIL", (4, 4), (8, 8), (8, 8), None,
     -0.75, None, ARANGE_16,
     [1, 2, 2, 3, 3, 4, 4, 4] + [5, 6, 6, 7, 7, 8, 8, 8] * 2 + [9, 10, 10, 11, 11, 12, 12, 12] * 2
     + [13, 14, 14, 15, 15, 16, 16, 16] * 3),
    ("upsample_sizes_nearest_floor_align_corners", "INTER_NEAREST | INTER_NEAREST_FLOOR | INTER_ALIGN_CORNERS",
     (4, 4), (8, 8), (8, 8), None, -0.75, None, ARANGE_16,
     [1, 1, 1, 2, 2, 3, 3, 4] * 3 + [5, 5, 5, 6, 6, 7, 7, 8] * 2 + [9, 9, 9, 10, 10, 11, 11, 12] * 2
     + [13, 13, 13, 14, 14, 15, 15, 16]),
    ("downsample_scales_cubic_A_n0p5_exclude_outside", "INTER_CUBIC | INTER_EXCLUDE_OUTSIDE", (4, 4), (3, 3), None,
     (0.8, 0.8), -0.5, None, ARANGE_16,
     [1.36812675, 2.6695014, 4.0133367, 6.57362535, 7.875, 9.2188353, 11.94896657, 13.25034122, 14.59417652]),
    ("upsample_scales_cubic_A_n0p5_exclude_outside", "INTER_CUBIC | INTER_EXCLUDE_OUTSIDE", (4, 4), (8, 8), None,
     (2.0, 2.0), -0.5, None, ARANGE_16, [
         0.55882353, 0.81494204, 1.35698249, 1.89705882, 2.39705882, 2.93713516, 3.47917561, 3.73529412,
         1.58329755, 1.83941606, 2.38145651, 2.92153285, 3.42153285, 3.96160918, 4.50364964, 4.75976814,
         3.75145936, 4.00757787, 4.54961832, 5.08969466, 5.58969466, 6.12977099, 6.67181144, 6.92792995,
         5.91176471, 6.16788321, 6.70992366, 7.25, 7.75, 8.29007634, 8.83211679, 9.08823529,
         7.91176471, 8.16788321, 8.70992366, 9.25, 9.75, 10.29007634, 10.83211679, 11.08823529,
         10.07207005, 10.32818856, 10.87022901, 11.41030534, 11.91030534, 12.45038168, 12.99242213, 13.24854064,
         12.24023186, 12.49635036, 13.03839082, 13.57846715, 14.07846715, 14.61854349, 15.16058394, 15.41670245,
         13.26470588, 13.52082439, 14.06286484, 14.60294118, 15.10294118, 15.64301751, 16.18505796, 16.44117647]),
    ("downsample_scales_cubic_antialias_A_n0p5_exclude_outside",
     "INTER_CUBIC | INTER_ANTIALIAS | INTER_EXCLUDE_OUTSIDE", (4, 4), (3, 3), None, (0.8, 0.8), -0.5, None,
     ARANGE_16, [1.68342335, 2.90749817, 4.22822584, 6.57972264, 7.80379747, 9.12452513, 11.86263331, 13.08670813,
                 14.4074358]),
    ("downsample_scales_linear_antialias_exclude_outside", "INTER_LINEAR | INTER_ANTIALIAS | INTER_EXCLUDE_OUTSIDE",
     (4, 4), (3, 3), None, (0.8, 0.8), -0.75, None, ARANGE_16,
     [2.25, 3.41666667, 4.58333333, 6.91666667, 8.08333333, 9.25, 11.58333333, 12.75, 13.91666667]),
    ("upsample_sizes_nearest_round_prefer_ceil_asymmetric", "INTER_NEAREST | INTER_NEAREST_PREFER_CEIL | INTER_ASYMMETRIC",
     (4, 4), (8, 8), (8, 8), None, -0.75, None, ARANGE_16,
     [1, 2, 2, 3, 3, 4, 4, 4] + [5, 6, 6, 7, 7, 8, 8, 8] * 2 + [9, 10, 10, 11, 11, 12, 12, 12] * 2
     + [13, 14, 14, 15, 15, 16, 16, 16] * 3),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_resize_onnx(case):
    """``TEST(ResizeOnnx, <name>)`` of modules/imgproc/test/test_resize_onnx.cpp."""
    run(*case[1:])

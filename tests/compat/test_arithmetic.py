"""The libraries' integer arithmetic and the CLI surface of the presets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from upscale_cli import plan_for, resize, resize_image
from upscale_cli.cli.main import main
from upscale_cli.compat.pillow.arithmetic import pillow_fixed_weights
from upscale_cli.compat.torch.arithmetic import torch_fixed_weights
from upscale_cli.core.errors import UsageError
from upscale_cli.core.weights import TableKind
from upscale_cli.engine.apply import apply_plan


def test_pillow_weights_round_half_away_from_zero_on_22_bits():
    weights = np.array([0.5, -0.3, 1.0, 1 / 3, -1e-9])
    assert pillow_fixed_weights(weights).tolist() == [2097152, -1258291, 4194304, 1398101, 0]


def test_pillow_rgba_is_resized_premultiplied():
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 0]]], np.uint8)
    out = np.asarray(resize_image(Image.fromarray(rgba), size=(4, 1), mode="bilinear", compat="pillow"))
    # the transparent green never bleeds into the colour: pure red where alpha > 0
    assert out[0, :, 0].tolist() == [255, 255, 255, 0] and out[0, :, 1].tolist() == [0, 0, 0, 0]
    assert out[0, :, 3].tolist() == [255, 191, 64, 0]


def test_other_presets_treat_alpha_as_a_channel():
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 0]]], np.uint8)
    out = np.asarray(resize_image(Image.fromarray(rgba), size=(4, 1), mode="bilinear", compat="opencv"))
    assert out[0, 1, :].tolist() == [191, 64, 0, 191]


def test_an_image_resized_to_its_own_size_is_copied():
    x = np.random.default_rng(2).integers(0, 256, (3, 4), dtype=np.uint8)
    for compat in ("torch", "opencv", "pillow", "onnx", "onnxruntime"):
        mode = "linear" if compat.startswith("onnx") else "bilinear"
        out = resize(x, size=(4, 3), mode=mode, compat=compat)
        np.testing.assert_array_equal(out, x)
        assert out is not x


def test_opencv_uint8_cubic_uses_11_bit_weights():
    x = np.array([[217, 163, 130], [69, 78, 10]], np.uint8)
    out = resize(x, size=(5, 3), mode="bicubic", compat="opencv")
    # cv2.resize(x, (5, 3), interpolation=cv2.INTER_CUBIC); exact weights would give 236 and 138 in row 0
    assert out.tolist() == [[235, 209, 170, 148, 137], [145, 138, 121, 88, 65], [55, 67, 71, 28, 0]]


def test_fill_marks_all_zero_rows():
    plan = plan_for((1, 1, 1, 4), size=(5, 1), mode="nearest", align="tf-crop-and-resize",
                    roi=(-1 / 3, 0, 2 / 3, 1), extrapolation_value=9, compat="onnx")
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4)
    assert plan.fill == 9
    assert apply_plan(x, plan).ravel().tolist() == [9, 9, 0, 1, 2]


def test_cli_compat_torch(tmp_path):
    source = tmp_path / "x.npy"
    np.save(source, np.arange(31, dtype=np.float32).reshape(1, 1, 31))
    runner = CliRunner()
    result = runner.invoke(main, [str(source), "-o", str(tmp_path / "y.npy"), "--layout", "ncl", "--scale", "1.3",
                                  "--mode", "nearest", "--compat", "torch", "--explain"])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "y.npy")[0, 0, 39] == 30
    assert "r = 0.769230783" in result.output
    assert "torch scale_factor 1.3: n_out = floor(31 × 1.3) = 40, r = 1/1.3 in float32" in " ".join(result.output.split())


def test_cli_library_knobs(tmp_path):
    source = tmp_path / "x.npy"
    np.save(source, np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4))
    runner = CliRunner()
    args = [str(source), "-o", str(tmp_path / "y.npy"), "--size", "5x1", "--mode", "linear", "--compat", "onnx",
            "--align", "tf-crop-and-resize", "--roi", "-0.3333333,0,0.6666667,1", "--extrapolation-value", "-7"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(tmp_path / "y.npy").ravel(), [-7, -7, 0.5, 1.25, 2], atol=1e-5)
    bad = runner.invoke(main, [str(source), "--size", "5x1", "--roi", "a,b"])
    assert bad.exit_code == 2 and "expected numbers separated by commas" in bad.output


def test_opencv_linear_keeps_the_vertical_phase_at_the_top_border():
    x = np.array([[78, 10, 19], [4, 44, 208], [166, 233, 128]], np.uint8)
    out = resize(x, size=(4, 5), mode="bilinear", compat="opencv")
    # cv2.resize(x, (4, 5), interpolation=cv2.INTER_LINEAR): row 0 reads row 0 twice with weights
    # 0.3 and 0.7, each floored on its own, so 35 where one weight of 1 would give 36
    assert out.tolist() == [[78, 35, 13, 19], [48, 33, 50, 94], [4, 29, 106, 208],
                            [101, 136, 158, 160], [166, 208, 194, 128]]


def test_pillow_i16_rounds_and_clips_after_every_pass():
    x = np.array([[0, 65535, 0], [65535, 0, 65535]], np.uint16)
    out = np.asarray(resize_image(Image.fromarray(x), size=(7, 5), mode="bicubic", compat="pillow"))
    # Image.fromarray(x).resize((7, 5), Image.BICUBIC): the horizontal pass overshoots and is
    # clipped to 0…65535 before the vertical pass (exact 2-D arithmetic gives 0 and 65535 in the corners)
    assert out.tolist() == [
        [0, 1556, 42663, 65535, 42663, 1556, 0],
        [4296, 10132, 39944, 61239, 39944, 10132, 4296],
        [32768, 32768, 32768, 32768, 32768, 32768, 32768],
        [61239, 55403, 25591, 4296, 25591, 55403, 61239],
        [65535, 63979, 22872, 0, 22872, 63979, 65535],
    ]


def test_fixed_point_paths_equal_the_tap_by_tap_integer_definition():
    """The banded products (float32 and float64 BLAS) give the integer sums exactly, on strips of any size."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (301, 157, 3), dtype=np.uint8)
    cases = (("pillow", "lanczos", (389, 211)), ("pillow", "bicubic", (314, 602)), ("pillow", "lanczos", (314, 602)),
             ("opencv", "bilinear", (389, 211)), ("opencv", "bicubic", (389, 211)))
    for compat, mode, size in cases:
        plan = plan_for(x.shape, size=size, mode=mode, compat=compat, dtype=x.dtype, layout="hwc")
        values = x.astype(np.int64)
        bits = 22 if compat == "pillow" else 11
        for axis_plan in plan.axes:
            table = axis_plan.weights
            fixed = pillow_fixed_weights(table.weights) if compat == "pillow" else np.rint(table.weights * 2**bits).astype(np.int64)
            broadcast = [1, 1, 1]
            broadcast[axis_plan.axis] = table.n_out
            values = sum(np.take(values, table.taps[:, k], axis=axis_plan.axis) * fixed[:, k].reshape(broadcast)
                         for k in range(table.taps.shape[1]))
            if compat == "pillow":
                values = np.clip((values + (1 << 21)) >> 22, 0, 255)
        if compat == "opencv":
            values = np.clip((values + (1 << 21)) >> 22, 0, 255)
        out = apply_plan(x, plan).astype(np.int64)
        if compat == "pillow":
            np.testing.assert_array_equal(out, values)
        else:  # OpenCV's vertical steps floor or round in float32 on their own: within 1 of one rounding
            assert np.abs(out - values).max() <= 1


def test_torch_weights_take_16_bits_by_the_largest_weight():
    weights = np.array([[1.0, 0.5, -0.25], [0.9, 2.5 * 2**-14, -1.5 * 2**-14]])
    fixed, precision = torch_fixed_weights(weights, 1.0)
    # 1.0 would need 2**15 at 15 bits: 14 bits; halves of a unit round away from zero
    assert precision == 14
    assert fixed.tolist() == [[16384, 8192, -4096], [14746, 3, -2]]
    assert torch_fixed_weights(weights, 0.9)[1] == 15
    assert torch_fixed_weights(weights, 0.375)[1] == 16
    assert torch_fixed_weights(weights, 1e-9)[1] == 22


def test_torch_uint8_rounds_every_pass_to_8_bits():
    """``F.interpolate(torch.from_numpy(x), size=(5, 6), mode="bicubic")`` and ``size=(2, 3),
    mode="bilinear", antialias=True`` on this uint8 tensor, torch 2.13 (CPU)."""
    x = np.array([[[[12, 250, 3, 180], [255, 0, 97, 66], [40, 200, 255, 9]]]], np.uint8)
    cubic = resize(x, size=(6, 5), mode="bicubic", compat="torch")
    # float32 rounded at the end gives 158, 255 in row 0 and 120, 141, 122 in row 1
    assert cubic[0, 0].tolist() == [
        [0, 157, 254, 22, 66, 208],
        [115, 140, 126, 35, 74, 148],
        [255, 118, 0, 81, 91, 63],
        [133, 114, 122, 191, 121, 15],
        [4, 115, 248, 255, 141, 0],
    ]
    reduced = resize(x, size=(3, 2), mode="bilinear", antialias=True, compat="torch")
    assert reduced[0, 0].tolist() == [[119, 98, 108], [122, 161, 80]]


@pytest.mark.parametrize("size, mode, antialias", [
    ((389, 211), "bicubic", False),  # 14-bit weights: float32 sums
    ((389, 211), "bilinear", True),
    ((23, 17), "bicubic", True),  # ×1/7, 18-bit weights: float64 sums
])
def test_torch_8bit_passes_equal_the_tap_by_tap_integer_definition(size, mode, antialias):
    """``(Σ w·x + 2^(p−1)) >> p`` clipped, width then height, with the plan's integers (exact over 2²²)."""
    x = np.random.default_rng(6).integers(0, 256, (301, 157, 3), dtype=np.uint8)
    plan = plan_for(x.shape, size=size, mode=mode, antialias=antialias, compat="torch", dtype=x.dtype, layout="hwc")
    assert [p.axis for p in plan.axes] == [1, 0]
    values = x.astype(np.int64)
    for axis_plan in plan.axes:
        table = axis_plan.weights
        fixed = (table.weights * 2**22).astype(np.int64)
        assert np.array_equal(fixed, table.weights * 2**22)
        broadcast = [1, 1, 1]
        broadcast[axis_plan.axis] = table.n_out
        values = sum(np.take(values, table.taps[:, k], axis=axis_plan.axis) * fixed[:, k].reshape(broadcast)
                     for k in range(table.taps.shape[1]))
        values = np.clip((values + (1 << 21)) >> 22, 0, 255)
    np.testing.assert_array_equal(apply_plan(x, plan), values)


def pillow_float_recipe(x: np.ndarray, plan) -> np.ndarray:
    """``ImagingResample`` on ``F``, as ``Resample.c`` writes it: per pass ``ss = 0.0; ss += x·k`` tap after
    tap in double, stored as float32 (the table's padding taps add exact zeros)."""
    values = x
    for axis_plan in plan.axes:
        table = axis_plan.weights
        moved = np.moveaxis(values, axis_plan.axis, 0)
        out = np.empty((table.n_out,) + moved.shape[1:], np.float32)
        for d in range(table.n_out):
            total = np.zeros(moved.shape[1:])
            for tap, weight in zip(table.taps[d], table.weights[d]):
                total = total + moved[tap].astype(np.float64) * weight
            out[d] = total
        values = np.moveaxis(out, 0, axis_plan.axis)
    return values


def float_samples(rng, shape, kind: int) -> np.ndarray:
    """Samples that stress the float32 roundings: 8-bit levels (many exact ties), signs, exponents spread
    over 120 binades, zeros and values near the float32 subnormals."""
    if kind == 0:
        return (rng.integers(0, 256, shape) / 255).astype(np.float32)
    if kind == 1:
        return rng.standard_normal(shape).astype(np.float32)
    if kind == 2:
        return (rng.standard_normal(shape) * np.exp(rng.uniform(-40, 40, shape))).astype(np.float32)
    x = rng.random(shape).astype(np.float32)
    x[rng.random(shape) < 0.4] = 0
    x[rng.random(shape) < 0.05] = 1e-33
    return x


def test_pillow_float_passes_equal_pillows_recipe_bit_for_bit():
    """The banded double products, proven or summed again, store exactly what Pillow's tap-by-tap sums store."""
    rng = np.random.default_rng(11)
    for trial in range(160):
        h, w = (int(n) for n in rng.integers(1, 40, 2))
        size = tuple(int(n) for n in rng.integers(1, 90, 2))
        mode = ("bilinear", "bicubic", "lanczos", "box", "hamming")[trial % 5]
        x = float_samples(rng, (h, w), trial % 4)
        plan = plan_for(x.shape, size=size, mode=mode, compat="pillow", dtype=x.dtype)
        if not plan.axes:
            continue
        expected = pillow_float_recipe(x, plan)
        np.testing.assert_array_equal(apply_plan(x, plan).view(np.int32), expected.view(np.int32),
                                      err_msg=f"{mode} {x.shape} -> {size}")


@pytest.mark.parametrize("kind", range(6))
def test_pillow_float_box_halving_equals_pillows_recipe(kind):
    """Box ×½ (float32 pair sums, halved): every kind of sample, −0.0 pairs, samples near 2⁻¹⁰⁰ and below."""
    rng = np.random.default_rng(kind)
    if kind < 4:
        x = float_samples(rng, (34, 58), kind)
    elif kind == 4:
        x = (rng.standard_normal((34, 58)) * 2.0**-96).astype(np.float32)
    else:
        x = rng.choice(np.array([-0.0, 0.0, 1.5, -1.5, 2.0**-99, 3.0e37], np.float32), (34, 58))
    for size in ((29, 17), (58, 17), (29, 34)):
        plan = plan_for(x.shape, size=size, mode="box", compat="pillow", dtype=x.dtype)
        np.testing.assert_array_equal(apply_plan(x, plan).view(np.int32),
                                      pillow_float_recipe(x, plan).view(np.int32), err_msg=f"{kind} {size}")


def test_pillow_float_strips_and_threads_change_nothing():
    """Photo-sized jobs run in many strips on the pool: still Pillow's recipe, for every output."""
    rng = np.random.default_rng(12)
    x = float_samples(rng, (700, 300), 0)
    for mode, size in (("bilinear", (450, 1050)), ("lanczos", (641, 233)), ("bicubic", (150, 350))):
        plan = plan_for(x.shape, size=size, mode=mode, compat="pillow", dtype=x.dtype)
        np.testing.assert_array_equal(apply_plan(x, plan), pillow_float_recipe(x, plan))


def test_pillow_float_reduce_adds_pairs_of_columns_in_float32():
    """``ImagingReduceNxN_32bpc`` adds each 2×2 group in float first: 1 + 2⁻²⁴ + 2⁻²⁴ + 0 is 1 in float32
    (0.25 after the mean; Pillow 13), where a double sum gives 0.25 + 2⁻²⁵."""
    x = np.array([[1, 2**-24], [2**-24, 0]], np.float32)
    out = resize(x, size=(1, 1), mode="box", compat="pillow", reducing_gap=1.0)
    assert out.dtype == np.float32 and out.item() == 0.25


def test_pillow_mode_i_stores_out_of_range_sums_as_the_x86_conversion_does():
    """Bicubic overshoot beyond 2³¹ − 1 comes out of Pillow 13 (x86-64) as −2³¹, not saturated."""
    x = np.array([[0, 2**31 - 1, 2**31 - 1, 0]] * 3, np.int32)
    out = resize(x, size=(7, 3), mode="bicubic", compat="pillow")
    assert out[0].tolist() == [-170353270, 648654487, 2050278879, -2147483648, 2050278879, 648654487, -170353270]


def test_pillow_refuses_to_reduce_16_bit_images_as_pillow_does():
    x = np.zeros((40, 50), np.uint16)
    with pytest.raises(UsageError, match="I;16"):
        resize(x, size=(10, 10), mode="bicubic", compat="pillow", reducing_gap=2.0)


def test_pillow_float_reads_only_the_taps_of_each_row():
    """Pillow's loop stops at each row's last tap: an infinite sample beyond it is not multiplied by 0
    (which would make NaN). Values from Pillow 13."""
    x = np.array([[1, 2, 3, 4, 5, np.inf]], np.float32)
    assert resize(x, size=(3, 1), mode="bilinear", compat="pillow").tolist() == [[1.7142857313156128, 3.5, np.inf]]
    assert resize(x, size=(4, 1), mode="lanczos", compat="pillow").tolist() == [
        [1.256371021270752, np.inf, -np.inf, np.inf]
    ]


def test_onnx_rounds_integer_halves_to_even():
    """The ONNX reference stores integers with ``np.round``: a mean of 1.5 becomes 2, of 4.5 becomes 4
    (half up would give 5), 3.75 becomes 4 (values from onnx.reference 1.23)."""
    for samples, expected in (([[0, 1], [2, 3]], 2), ([[4, 5]], 4), ([[2, 3], [4, 6]], 4)):
        x = np.array([[samples]], np.uint8)
        assert resize(x, size=(1, 1), mode="linear", compat="onnx", layout="nchw").item() == expected


@pytest.mark.parametrize("mode, size", [("box", (10, 6)), ("bilinear", (10, 6)), ("bilinear", (3, 2)), ("lanczos", (7, 5))])
def test_pillow_float_sums_start_at_plus_zero(mode, size):
    """Pillow's ``ss = 0.0; ss += x·k``: an image of −0.0 comes out +0.0, even through a box enlargement's
    single tap (Pillow 13 gives +0.0 everywhere here)."""
    x = np.full((4, 5), -0.0, np.float32)
    out = resize(x, size=size, mode=mode, compat="pillow")
    assert not np.signbit(out).any()


def test_pillow_nearest_on_i16_multiplies_each_position_out():
    """Pillow 13 takes ``I;16`` through Geometry.c's generic affine path, ``f = r·(d + 0.5)``: 14 → 13 puts
    input 7 at output 6 (an exact 7.0), where 8-bit images' running sum (6.9999…) gives 6."""
    row = np.arange(14)[None, :]
    assert resize(row.astype(np.uint16), size=(13, 1), mode="nearest", compat="pillow")[0].tolist() == [
        0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]
    assert resize(row.astype(np.uint8), size=(13, 1), mode="nearest", compat="pillow")[0].tolist() == [
        0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_pillow_block_means_are_known_by_their_kind_not_their_words(dtype):
    x = np.random.default_rng(5).integers(0, 256, (13, 11)).astype(dtype)
    plan = plan_for(x.shape, size=(3, 2), mode="bilinear", compat="pillow", reducing_gap=1.0, dtype=x.dtype)
    kinds = [p.weights.kind for p in plan.axes]
    assert kinds == [TableKind.BLOCK_MEAN] * 2 + [TableKind.WEIGHTED] * 2
    reworded = replace(plan, axes=tuple(replace(p, weights=replace(p.weights, description="reworded")) for p in plan.axes))
    np.testing.assert_array_equal(apply_plan(x, reworded), apply_plan(x, plan))


def test_a_plan_defined_drops_the_library_arithmetic():
    plan = plan_for((4, 5), size=(3, 2), mode="bilinear", compat="opencv", dtype=np.uint8)
    defined = plan.defined()
    assert (plan.arithmetic, defined.arithmetic, defined.executor) == ("opencv-linear", "defined", None)
    assert defined.axes == plan.axes and defined.fill is None

"""The explain trace: numbers read from the plan, pixel values reached through the engine."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from upscale_cli import api
from upscale_cli.core.errors import UsageError
from upscale_cli.engine.apply import apply_plan
from upscale_cli.explain.tables import trace_json
from upscale_cli.explain.trace import build_trace, conversion_steps, mapping_formula, parse_pixel


def traced(array, pixels=(), **options):
    plan = api.plan_for(array.shape, **options)
    result = apply_plan(array, plan)
    return build_trace(plan, array, result, pixels=pixels), result


def test_seed_pixel_1_1_of_bilinear_x2_is_13_5(seed_b):
    trace, result = traced(seed_b, ("1,1",), scale=2, mode="bilinear")
    pixel = trace.pixels[0]
    assert pixel.rows["x"].weights == (0.75, 0.25) and pixel.rows["y"].weights == (0.75, 0.25)
    assert pixel.rows["x"].taps == (0, 1) and pixel.rows["x"].src == 0.25
    [channel] = pixel.channels
    assert [(t.source, t.weight, t.value) for t in channel.terms] == [
        ((0, 0), 0.5625, 9.0), ((0, 1), 0.1875, 11.0), ((1, 0), 0.1875, 25.0), ((1, 1), 0.0625, 27.0),
    ]
    assert channel.total == channel.written == result[1, 1] == 13.5
    np.testing.assert_array_equal(pixel.weights, [[0.5625, 0.1875, 0], [0.1875, 0.0625, 0], [0, 0, 0]])


def test_border_pixel_combines_clamped_taps(seed_b):
    trace, _ = traced(seed_b, ("0,0",), scale=2, mode="bilinear")
    pixel = trace.pixels[0]
    assert pixel.rows["x"].taps == (0, 0) and pixel.rows["x"].weights == (0.25, 0.75)
    assert [(t.source, t.weight) for t in pixel.channels[0].terms] == [((0, 0), 1.0)]


@pytest.mark.parametrize("rounding, table", [
    ("round", ["0 → round → 0", "0.75 → round → 1", "1.5 → round → 2", "2.25 → round → 2"]),
    ("floor", ["0 → floor → 0", "0.75 → floor → 0", "1.5 → floor → 1", "2.25 → floor → 2"]),
])
def test_nearest_rounding_steps_of_the_seed(seed_3x3, rounding, table):
    trace, _ = traced(seed_3x3, size="4x4", mode="nearest", align="asymmetric", rounding=rounding)
    for axis in trace.axes:
        assert [r.rounding for r in axis.rows] == table


def test_nearest_steps_show_the_clamp():
    trace, _ = traced(np.arange(4.0), size=8, mode="nearest", rounding="floor")
    assert trace.axes[0].rows[0].rounding == "-0.25 → floor → -1 → clamp → 0"
    assert trace.axes[0].rows[1].rounding == "0.25 → floor → 0"


def test_nearest_matrices_mark_each_output_cell_with_its_source(seed_3x3):
    trace, result = traced(seed_3x3, size="4x4", mode="nearest", align="asymmetric", rounding="floor")
    [plane] = trace.outputs
    np.testing.assert_array_equal(plane.values, result)
    sources = plane.sources
    np.testing.assert_array_equal(seed_3x3[sources[..., 0], sources[..., 1]], result)
    np.testing.assert_array_equal(sources[:, :, 1][0], [0, 0, 1, 2])


def test_matrices_only_for_small_inputs():
    small, _ = traced(np.zeros((16, 16)), scale=2, mode="bilinear")
    large, _ = traced(np.zeros((17, 16)), scale=2, mode="bilinear")
    assert small.inputs is not None and large.inputs is None


def test_planes_are_labelled_by_their_numpy_index():
    array = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    trace, result = traced(array, scale=2, mode="nearest")
    labels = [p.label for p in trace.outputs]
    assert labels[:4] == ["[0, 0, :, :]", "[0, 1, :, :]", "[0, 2, :, :]", "[1, 0, :, :]"]
    np.testing.assert_array_equal(trace.outputs[4].values, result[1, 1])


def test_volume_planes_are_depth_slices():
    volume = np.arange(8.0).reshape(2, 2, 2)
    trace, result = traced(volume, scale=2, mode="nearest", layout="dhw")
    assert [p.label for p in trace.outputs][:2] == ["[0, :, :]", "[1, :, :]"]
    assert trace.outputs[3].sources[0, 0].tolist() == [1, 0, 0]  # output z 3 copies source z 1


def test_integer_pixel_ends_with_rounding_and_clipping():
    array = np.array([[0, 255, 255, 0]], dtype=np.uint8)
    trace, result = traced(array, ("1,0",), size="3x1", mode="bicubic", antialias=False)
    [channel] = trace.pixels[0].channels
    assert [what for what, _ in channel.steps] == ["round half up", "clip to 0 … 255"]
    assert channel.steps[-1][1] == channel.written == result[0, 1]


def test_clipping_of_an_overshoot_is_shown():
    assert conversion_steps(262.4, np.dtype(np.uint8), None, None) == (("round half up", 262.0), ("clip to 0 … 255", 255.0))
    assert conversion_steps(-3.5, np.dtype(np.int16), None, None)[-1] == ("clip to -32768 … 32767", -3.0)
    assert conversion_steps(0.1, np.dtype(np.float32), None, None) == (("stored as float32", float(np.float32(0.1))),)
    assert conversion_steps(0.1, np.dtype(np.float64), None, None) == ()


def test_premultiplied_alpha_is_traced_honestly():
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., 0] = [[200, 10], [200, 200]]
    rgba[..., 3] = [[255, 0], [255, 255]]
    resized = api.resize_image_traced(Image.fromarray(rgba, "RGBA"), scale=2, mode="bilinear")
    assert resized.alpha_max == 255.0
    trace = build_trace(resized.plan, resized.source, resized.result, pixels=("1,1",), alpha_max=resized.alpha_max)
    pixel = trace.pixels[0]
    assert "premultiplied" in pixel.note
    red, _, _, alpha = pixel.channels
    # the transparent pixel's red (10) counts as 0: colour × alpha/255
    assert [t.value for t in red.terms] == [200.0, 0.0, 200.0, 200.0]
    assert red.total == 0.5625 * 200 + 0.1875 * 200 + 0.0625 * 200
    assert alpha.total == 255 * (1 - 0.1875)
    assert red.steps[0] == ("÷ resized alpha/255 = 0.8125", 200.0)
    assert red.written == 200 == resized.result[1, 1, 0]


def test_nearest_needs_no_premultiplication():
    resized = api.resize_image_traced(Image.new("RGBA", (2, 2)), scale=2, mode="nearest")
    assert resized.alpha_max is None


@pytest.mark.parametrize("spec, message", [
    ("1", "the output has 2 spatial axes"),
    ("a,b", "whole numbers"),
    ("8,0", "x must be 0 … 7"),
    ("0,-1", "y must be 0 … 7"),
])
def test_bad_pixels_are_usage_errors(seed_b, spec, message):
    plan = api.plan_for(seed_b.shape, scale=2, mode="bilinear")
    with pytest.raises(UsageError, match=message):
        parse_pixel(spec, plan)


MODES = ["nearest", "bilinear", "bicubic", "lanczos", "box", "hamming", "area"]
ALIGNS = ["half-pixel", "asymmetric", "align-corners", "pytorch-half-pixel", "tf-half-pixel-for-nn"]


@st.composite
def cases(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 6)) for _ in range(ndim))
    layout = {1: "l", 2: "hw", 3: draw(st.sampled_from(["hwc", "dhw"]))}[ndim]
    dtype = draw(st.sampled_from([np.uint8, np.int16, np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if np.dtype(dtype).kind == "f":
        array = rng.normal(0, 100, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(max(info.min, -1000), min(info.max, 1000) + 1, shape).astype(dtype)
    spatial = 1 if layout == "l" else 2 if layout == "hwc" else len(layout)
    size = [draw(st.integers(1, 9)) for _ in range(spatial)]
    options = {
        "mode": draw(st.sampled_from(MODES)), "align": draw(st.sampled_from(ALIGNS)),
        "antialias": draw(st.booleans()), "layout": layout, "size": size,
    }
    plan = api.plan_for(shape, **options)
    pixel = ",".join(str(draw(st.integers(0, n - 1))) for n in size)
    return array, plan, pixel


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_output_pixel_recomputed_from_the_printed_trace(case):
    """Read only the JSON output: Σ weight·value, then the printed steps, give the value written."""
    array, plan, pixel = case
    result = apply_plan(array, plan)
    printed = json.loads(trace_json(build_trace(plan, array, result, pixels=(pixel,))))
    for channel in printed["pixels"][0]["channels"]:
        value = sum(t["weight"] * t["value"] for t in channel["terms"])
        assert value == pytest.approx(channel["sum"], rel=1e-9, abs=1e-9 * float(np.abs(array).max(initial=1)))
        value = channel["steps"][-1]["value"] if channel["steps"] else channel["sum"]
        assert value == channel["written"] == result[tuple(channel["index"])]


@settings(max_examples=80, deadline=None)
@given(cases())
def test_printed_axis_tables_reproduce_the_whole_output(case):
    """The printed per-axis taps and weights, applied separably, give the engine's output."""
    array, plan, _ = case
    result = apply_plan(array, plan)
    printed = json.loads(trace_json(build_trace(plan, array, result)))
    values = array.astype(np.float64)
    for axis in printed["axes"]:
        matrix = np.zeros((axis["n_out"], axis["n_in"]))
        for row in axis["rows"]:
            assert sum(row["weights"]) == pytest.approx(1.0)
            np.add.at(matrix[row["dst"]], row["taps"], row["weights"])
        values = np.moveaxis(np.tensordot(matrix, values, axes=([1], [axis["array_axis"]])), 0, axis["array_axis"])
    expected = result.astype(np.float64)
    if array.dtype.kind in "ui":
        values = np.clip(values, np.iinfo(array.dtype).min, np.iinfo(array.dtype).max)
        assert np.abs(values - expected).max(initial=0) <= 0.5 + 1e-9 * np.abs(values).max(initial=1)
    else:
        np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-4)


def test_float_pixels_are_checked_bit_for_bit():
    """The engine stores the definition's floats: the trace reaches the written value, and a result one
    unit in the last place off is an error."""
    array = np.random.default_rng(4).normal(0, 100, (6, 7)).astype(np.float32)
    plan = api.plan_for(array.shape, size=(11, 9), mode="lanczos")
    defined = apply_plan(array, plan)
    [channel] = build_trace(plan, array, defined, pixels=("3,2",)).pixels[0].channels
    assert channel.steps == (("stored as float32", float(defined[2, 3])),)
    assert channel.written == defined[2, 3]
    near = defined.copy()
    near[2, 3] = np.nextafter(near[2, 3], np.float32(np.inf))
    with pytest.raises(AssertionError, match="the engine wrote"):
        build_trace(plan, array, near, pixels=("3,2",))


@pytest.mark.parametrize("compat, formula", [
    ("onnx", "srcX = dstX × (4 − 1)/(2.4 − 1) = dstX × 2.14286"),
    ("onnxruntime", "srcX = dstX × (4 − 1)/(2 − 1) = dstX × 3"),
])
def test_align_corners_formula_shows_the_resized_length_the_library_divides_by(compat, formula):
    # the ONNX standard with scales: 4 × 0.6 = 2.4 outputs wide, 2 of them kept
    plan = api.plan_for((1, 1, 2, 4), scale=0.6, mode="linear", align="align-corners", compat=compat)
    x_axis = next(p for p in plan.axes if p.name == "x")
    assert mapping_formula(x_axis, "linear", "align-corners") == formula

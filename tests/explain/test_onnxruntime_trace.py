"""``--explain-pixel`` under ``--compat onnxruntime`` on uint8, int8 and int32 tensors, in onnxruntime's own numbers:
the float32 corner sums truncated by ``static_cast`` (bilinear, trilinear), the 10-bit NHWC weights divided toward
zero, the 22-bit and float32 antialias passes, and ``extrapolation_value`` where ``tf_crop_and_resize`` leaves the
input. Every pass is recomputed from the JSON alone and the last one compared with live onnxruntime."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image
from test_library_trace import check_printed_passes, explained_lines, gradient

from upscale_cli import api
from upscale_cli.cli.main import main
from upscale_cli.core.errors import UsageError
from upscale_cli.engine.apply import apply_plan
from upscale_cli.explain.tables import trace_json
from upscale_cli.explain.trace import build_trace

#: The array axes of y and x in each layout.
SPATIAL = {"hw": (0, 1), "hwc": (0, 1), "nchw": (2, 3), "nhwc": (1, 2)}
ALIGNS = ("half-pixel", "asymmetric", "align-corners", "pytorch-half-pixel", "half-pixel-symmetric",
          "tf-half-pixel-for-nn", "tf-crop-and-resize", "tf-crop-and-resize")
ROUNDINGS = {"half-down": "round_prefer_floor", "round": "round_prefer_ceil", "floor": "floor", "ceil": "ceil"}
DTYPES = (np.uint8, np.int8, np.int32)


def onnxruntime_resize(x: np.ndarray, attributes: dict, roi: list, scales: list | None, sizes: list | None):
    """One ``Resize`` node (opset 19) run by onnxruntime's CPU kernels on one thread."""
    onnxruntime = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    helper = onnx.helper
    by_sizes = sizes is not None
    node = helper.make_node("Resize", ["X", "roi", "" if by_sizes else "scales", "sizes" if by_sizes else ""], ["Y"],
                            **attributes)
    element = helper.np_dtype_to_tensor_dtype(x.dtype)
    inputs = [helper.make_tensor_value_info("X", element, [None] * x.ndim),
              helper.make_tensor_value_info("roi", onnx.TensorProto.FLOAT, [None]),
              helper.make_tensor_value_info("sizes" if by_sizes else "scales",
                                            onnx.TensorProto.INT64 if by_sizes else onnx.TensorProto.FLOAT, [x.ndim])]
    graph = helper.make_graph([node], "resize", inputs, [helper.make_tensor_value_info("Y", element, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {"X": x, "roi": np.array(roi, np.float32)}
    feeds["sizes" if by_sizes else "scales"] = np.array(sizes, np.int64) if by_sizes else np.array(scales, np.float32)
    return session.run(None, feeds)[0]


def samples(rng: np.random.Generator, shape: tuple[int, ...], dtype, wide: bool) -> np.ndarray:
    """Random samples of ``dtype``; int32 either small or over its whole range (``wide``: sums leave it)."""
    info = np.iinfo(dtype)
    low, high = (-1000, 1000) if dtype == np.int32 and not wide else (info.min, info.max)
    return rng.integers(low, high, shape, dtype=dtype, endpoint=True)


#: Each kernel, and the modes, antialias and layouts that reach it.
FAMILIES = {
    "bilinear": (["bilinear"], [False], ["hw", "hwc", "nchw", "nhwc"]),
    "nhwc-fixed": (["bilinear"], [False], ["nhwc"]),
    "antialias": (["bilinear", "bicubic"], [True], ["hw", "hwc", "nchw", "nhwc"]),
    "nearest": (["nearest"], [False], ["hw", "hwc", "nchw", "nhwc"]),
}


@pytest.mark.skipif(not all(importlib.util.find_spec(name) for name in ("onnx", "onnxruntime")),
                    reason="onnx and onnxruntime are not installed")
@pytest.mark.parametrize("kernel", sorted(FAMILIES))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(seed=st.integers(0, 2**32 - 1), data=st.data(), width=st.integers(1, 10), height=st.integers(1, 10),
       align=st.sampled_from(ALIGNS), by_size=st.booleans(), wide=st.booleans(), cubic_a=st.sampled_from([-0.75, -0.5]),
       exclude_outside=st.booleans(), fill=st.sampled_from([0.0, 10.0, -7.0, 300.5, 2.7]),
       rounding=st.sampled_from(sorted(ROUNDINGS)))
def test_printed_onnxruntime_passes_reach_onnxruntimes_own_value(kernel, seed, data, width, height, align, by_size,
                                                                 wide, cubic_a, exclude_outside, fill, rounding):
    """Random shapes (1-pixel inputs and outputs too), layouts, coordinate transforms, ``sizes`` and ``scales``,
    ``exclude_outside`` where onnxruntime takes it, ``extrapolation_value`` that ``static_cast`` truncates or wraps:
    the preset's output is onnxruntime's, and the trace of a random output pixel recomputes to it pass by pass."""
    modes, antialiases, layouts = FAMILIES[kernel]
    mode, antialias, layout = (data.draw(st.sampled_from(choices)) for choices in (modes, antialiases, layouts))
    if kernel == "antialias" and mode == "bicubic" and layout == "nhwc":
        antialias = data.draw(st.booleans())  # enlarging NHWC runs the antialias kernel either way
    dtype = data.draw(st.sampled_from([np.uint8, np.int8] if kernel == "nhwc-fixed" else DTYPES))
    if kernel == "nearest":
        align = "tf-crop-and-resize"  # otherwise copies, traced as copies
    rng = np.random.default_rng(seed)
    batch, channels = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    shape = {"hw": (height, width), "hwc": (height, width, channels), "nchw": (batch, channels, height, width),
             "nhwc": (batch, height, width, channels)}[layout]
    x = samples(rng, shape, dtype, wide)
    y_axis, x_axis = SPATIAL[layout]
    keywords = {"mode": mode, "compat": "onnxruntime", "align": align, "antialias": antialias, "layout": layout}
    attributes = {"mode": {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode),
                  "coordinate_transformation_mode": align.replace("-", "_"), "antialias": int(antialias)}
    if mode == "bicubic":
        keywords["cubic_a"] = attributes["cubic_coeff_a"] = cubic_a
    if mode == "nearest":
        keywords["rounding"], attributes["nearest_mode"] = rounding, ROUNDINGS[rounding]
    if exclude_outside and (mode == "bicubic" or antialias):
        keywords["exclude_outside"], attributes["exclude_outside"] = True, 1
    roi = [0.0] * x.ndim + [1.0] * x.ndim
    if align == "tf-crop-and-resize":
        (x0, x1), (y0, y1) = (sorted(np.round(rng.uniform(-0.3, 1.3, 2), 2)) for _ in range(2))
        assume(x0 < x1 and y0 < y1)
        roi[x_axis], roi[y_axis], roi[x.ndim + x_axis], roi[x.ndim + y_axis] = x0, y0, x1, y1
        keywords.update(roi=(x0, y0, x1, y1), extrapolation_value=fill)
        attributes["extrapolation_value"] = fill
    scales = sizes = None
    if by_size:
        out_width, out_height = data.draw(st.integers(1, 14)), data.draw(st.integers(1, 14))
        keywords["size"] = (out_width, out_height)
        sizes = list(shape)
        sizes[x_axis], sizes[y_axis] = out_width, out_height
    else:
        factors = [float(np.float32(data.draw(st.sampled_from([0.5, 0.6, 0.75, 1.5, 1.7, 2.0, 3.0])))) for _ in "xy"]
        out_width, out_height = (int(np.float32(f) * np.float32(n)) for f, n in zip(factors, (width, height)))
        assume(out_width >= 1 and out_height >= 1)
        keywords["scale"] = tuple(factors)
        scales = [1.0] * x.ndim
        scales[x_axis], scales[y_axis] = factors
    assume((out_width, out_height) != (width, height))  # a copy
    try:
        plan = api.plan_for(shape, dtype=x.dtype, **keywords)
        result = apply_plan(x, plan)
    except UsageError:  # what onnxruntime refuses or fails on: cubic without antialias, int32 overshoot
        assume(False)
    # onnxruntime picks the kernel by rank and scaled axes: an NHWC tensor whose height keeps its length is resized
    # as NCHW (over its width and channels), 8-bit NHWC otherwise by the fixed-point kernel
    assume(plan.arithmetic == f"onnxruntime {kernel}")
    native = onnxruntime_resize(x, attributes, roi, scales, sizes)
    np.testing.assert_array_equal(result, native)
    pixel = f"{data.draw(st.integers(0, out_width - 1))},{data.draw(st.integers(0, out_height - 1))}"
    trace = build_trace(plan, x, result, pixels=(pixel,))
    assert all(channel.library for channel in trace.pixels[0].channels)
    check_printed_passes(trace, lambda index: native[tuple(index)], plan)


def test_cli_explains_onnxruntimes_corner_sum(tmp_path):
    """onnxruntime's bilinear 9×7 → 14×11 on a grey image stores 148 at (3, 2): the four corners in its order, each
    weight the float32 product ``dx·dy``, the float32 sum 148.75 truncated (rounding would give 149)."""
    source = gradient(tmp_path)
    lines = explained_lines(tmp_path, source, "--size", "14x11", "--mode", "bilinear", "--compat", "onnxruntime")
    assert lines[-3:] == [
        "  the library's floating-point steps: its weights, each pass as it sums, rounds and stores (at: output"
        " indices along the axes resampled so far, input indices along the others)",
        "  pass corners y·x at (x=3, y=2): float32 114·(0.25·0.9090908765792847) + 151·(0.75·0.9090908765792847)"
        " + 191·(0.25·0.09090912342071533) + 228·(0.75·0.09090912342071533) = 148.75"
        " → static_cast: truncate toward zero (outside the 32-bit range: −2147483648) → 148",
        "  written: 148",
    ]
    pixels = np.asarray(Image.open(source))
    native = onnxruntime_resize(pixels, {"mode": "linear"}, [0.0] * 2 + [1.0] * 2, None, [11, 14])
    assert native[2, 3] == 148


def pixel_lines(tmp_path, source, pixel, *args):
    """The lines ``upscale SOURCE -o OUT ARGS --explain-pixel PIXEL`` prints, after checking that it succeeded."""
    output = tmp_path / f"out{source.suffix}"
    result = CliRunner().invoke(main, [str(source), "-o", str(output), "--overwrite", *args, "--explain-pixel", pixel],
                                env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    return [line.rstrip() for line in result.stdout.splitlines()]


def test_cli_explains_extrapolation(tmp_path):
    """``tf_crop_and_resize`` puts output (0, 0) outside the input: onnxruntime stores
    ``static_cast<uint8_t>(-7.0f)``, 249, which is all the trace shows there."""
    source = gradient(tmp_path)
    assert pixel_lines(tmp_path, source, "0,0", "--size", "14x11", "--mode", "bilinear", "--compat", "onnxruntime",
                       "--align", "tf-crop-and-resize", "--roi", "-0.2,-0.1,1.1,1.2",
                       "--extrapolation-value", "-7")[-2:] == [
        "  pass extrapolation at (x=0, y=0): float32 (−7.0)·1 = -7.0 → static_cast: truncate toward zero"
        " (outside the 32-bit range: −2147483648), low 8 bits as uint8 → 249",
        "  written: 249",
    ]
    attributes = {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize", "extrapolation_value": -7.0}
    native = onnxruntime_resize(np.asarray(Image.open(source)), attributes, [-0.1, -0.2, 1.2, 1.1], None, [11, 14])
    assert native[0, 0] == 249


def test_cli_explains_int8_antialias_bytes(tmp_path):
    """onnxruntime's int8 antialias goes through its uint8 clip table: 143 is clipped to 0…255 and stored as the
    byte, −113."""
    source = tmp_path / "x.npy"
    x = np.array([[0, 127, 127, 0]], np.int8)
    np.save(source, x)
    assert pixel_lines(tmp_path, source, "1,0", "--size", "3x1", "--mode", "bicubic", "--antialias",
                       "--compat", "onnxruntime")[-2:] == [
        "  pass x at (x=1, y=0): (2097152 − 257733·0 + 2354886·127 + 2354886·127 − 257733·0) >> 22 = 143"
        " → clip to 0 … 255 → 143 → low 8 bits as int8 → -113",
        "  written: -113",
    ]
    native = onnxruntime_resize(x, {"mode": "cubic", "antialias": 1}, [0.0] * 2 + [1.0] * 2, None, [1, 3])
    assert native[0, 1] == -113


def test_an_int32_sum_is_rounded_in_a_double(tmp_path):
    """``std::round`` of the float32 sum 16362581.0 is 16362581; adding 0.5 in float32 would round to
    16362582 first (the trace did, and failed its own check). A tiny weight keeps its exponent readable."""
    source = tmp_path / "x.npy"
    x = np.array([[-1891053048, 1287972757, -899533277, -1133037592]], np.int32)
    np.save(source, x)
    assert pixel_lines(tmp_path, source, "0,0", "--size", "3x1", "--mode", "bilinear", "--antialias",
                       "--align", "tf-half-pixel-for-nn", "--compat", "onnxruntime")[-2:] == [
        "  pass x at (x=0, y=0): float32 (−1891053048)·0.3999999463558197 + 1287972757·0.6000000834465027"
        " + (−899533277)·4.7683716530855236e-08 = 16362581.0 → round half away from zero → 16362581",
        "  written: 16362581",
    ]
    attributes = {"mode": "linear", "antialias": 1, "coordinate_transformation_mode": "tf_half_pixel_for_nn"}
    assert onnxruntime_resize(x, attributes, [0.0] * 2 + [1.0] * 2, None, [1, 3])[0, 0] == 16362581


def test_json_gives_each_corners_factors():
    """The JSON of a corner sum: each term's weight with its factors (x's first), the store ``static_cast``."""
    x = (np.arange(7 * 9).reshape(7, 9) * 37 % 256).astype(np.uint8)
    plan = api.plan_for(x.shape, size=(14, 11), mode="bilinear", compat="onnxruntime", dtype=x.dtype)
    trace = build_trace(plan, x, apply_plan(x, plan), pixels=("3,2",))
    step, = json.loads(trace_json(trace))["pixels"][0]["channels"][0]["library"]
    assert step["factors"] == [[0.25, 0.9090908765792847], [0.75, 0.9090908765792847],
                               [0.25, 0.09090912342071533], [0.75, 0.09090912342071533]]
    assert [v for _, v in step["terms"]] == [114, 151, 191, 228]
    assert step["float"]["store"] == "static_cast" and step["wrap"] is None and step["stored"] == 148

"""``--explain-pixel`` in a library's own arithmetic (Pillow's 8-bit, premultiplied and wide passes, OpenCV's 8-bit
fixed point and float code, PyTorch's uint8 kernels), recomputed from the JSON and checked against the libraries."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from upscale_cli import api
from upscale_cli.cli.main import main
from upscale_cli.core.errors import UsageError
from upscale_cli.engine.apply import apply_plan
from upscale_cli.engine.reference import apply_axis, to_dtype
from upscale_cli.explain.tables import trace_json
from upscale_cli.explain.trace import build_trace, number

FILTERS = {"box": Image.BOX, "bilinear": Image.BILINEAR, "hamming": Image.HAMMING, "bicubic": Image.BICUBIC,
           "lanczos": Image.LANCZOS}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(sorted(FILTERS)), channels=st.sampled_from([None, 3]),
       width=st.integers(1, 24), height=st.integers(1, 24), out_width=st.integers(1, 30), out_height=st.integers(1, 30),
       data=st.data())
def test_printed_pillow_passes_reach_pillows_own_value(seed, mode, channels, width, height, out_width, out_height, data):
    """Read only the JSON: every pass is ``clip((2²¹ + Σ w·x) >> 22)`` of the samples shown, each later pass reads
    the values the earlier ones stored, and the last one is what ``Image.resize`` itself stores there.

    Both axes change length: Pillow skips a pass whose axis keeps it, and a pixel of such a plan is named
    by the resized axis alone."""
    assume(width != out_width and height != out_height)
    shape = (height, width) if channels is None else (height, width, channels)
    array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    image = Image.fromarray(array)
    traced = api.resize_image_traced(image, size=(out_width, out_height), mode=mode, compat="pillow")
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(traced.plan, traced.source, traced.result, pixels=(f"{x},{y}",))
    pillow = np.asarray(image.resize((out_width, out_height), FILTERS[mode]))
    check_printed_passes(trace, lambda index: pillow[(y, x, *index[2:])], traced.plan)


WIDE = {"I;16": (np.uint16, 0, 65535), "I": (np.int32, -2**31, 2**31 - 1), "F": (np.float32, -1e6, 1e6)}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(sorted(FILTERS)), image_mode=st.sampled_from(sorted(WIDE)),
       width=st.integers(1, 24), height=st.integers(1, 24), out_width=st.integers(1, 30), out_height=st.integers(1, 30),
       data=st.data())
def test_printed_pillow_wide_passes_reach_pillows_own_value(seed, mode, image_mode, width, height, out_width,
                                                            out_height, data):
    """Pillow's ``I;16``, ``I`` and ``F``: double weights, a double sum tap after tap, each pass stored as its mode
    stores (``ROUND_UP`` clipped to 16 bits; ``ROUND_UP`` to 32 bits, −2³¹ outside them; float32)."""
    assume(width != out_width and height != out_height)
    dtype, low, high = WIDE[image_mode]
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        array = rng.uniform(low, high, (height, width)).astype(np.float32)
    else:
        array = rng.integers(low, high, (height, width), dtype=dtype, endpoint=True)
    image = Image.fromarray(array)
    assert image.mode == image_mode
    traced = api.resize_image_traced(image, size=(out_width, out_height), mode=mode, compat="pillow")
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(traced.plan, traced.source, traced.result, pixels=(f"{x},{y}",))
    pillow = np.asarray(image.resize((out_width, out_height), FILTERS[mode]))
    check_printed_passes(trace, lambda index: pillow[(y, x, *index[2:])], traced.plan)


def check_printed_passes(trace, expected, plan):
    """Recompute every printed pass from the JSON alone, each later pass from the samples the earlier ones stored,
    and compare the last with the library's own output (``expected(index)``)."""
    for channel in json.loads(trace_json(trace))["pixels"][0]["channels"]:
        if "library" not in channel:  # one tap per output (a 1-pixel input): copied, traced as such
            assert all(p.weights.is_selection for p in plan.axes) and channel["written"] == expected(channel["index"])
            continue
        assert set(channel) == {"index", "neighbourhood", "terms", "sum", "steps", "written", "library"}
        alpha_steps = [step for step in channel["library"] if step["alpha"] is not None]
        for step in channel["library"]:
            assert set(step) == {"axis", "position", "terms", "rounding", "shift", "sum", "clip", "tap_shifts",
                                 "float", "alpha", "factors", "toward_zero", "wrap", "stored"}
            if step["alpha"] is not None:
                check_alpha_step(step, expected)
                continue
            if step["float"] is not None:  # products sample·(weight/2^shift) and their sum in the given type and order
                check_floating_pass(step)
                continue
            if step["factors"] is not None:  # integer weights: their factors' exact product
                assert [w for w, _ in step["terms"]] == [math.prod(f) for f in step["factors"]]
            if step["tap_shifts"] is None:
                total = step["rounding"] + sum(w * v for w, v in step["terms"])
            else:
                pre, post = step["tap_shifts"]
                total = step["rounding"] + sum((w * (v >> pre)) >> post for w, v in step["terms"])
            if step["toward_zero"]:  # C's integer division by 2^shift (exact in a double: the sums are small)
                stored = int(total / 2 ** step["shift"])
            else:
                stored = total >> step["shift"]
            if step["clip"] is not None:
                stored = min(max(stored, step["clip"][0]), step["clip"][1])
            assert total == step["sum"] and step["stored"] == low_bits(stored, step["wrap"])
        check_data_flow(channel["library"])
        last = channel["library"][-1]
        if alpha_steps:  # the result is divided by the resized alpha last
            assert last["axis"] == "unpremultiply"
        assert channel["written"] == last["stored"] == expected(channel["index"])


def check_data_flow(steps):
    """Each pass reads exactly what the passes before it stored: the steps are listed as computed, every pass
    after the samples it reads, so a pass of the k-th kind (kinds by first appearance: the first pass's,
    then the pass that reads it, ...) takes its inputs from the last values of kind k − 1 (of premultiplied
    samples, for the first kind of an RGBA trace)."""
    kinds = list(dict.fromkeys(step["axis"] for step in steps if step["alpha"] is None))
    stacks = {kind: [] for kind in ["premultiply", *kinds]}
    for step in steps:
        if step["axis"] == "unpremultiply":
            assert step["terms"][0][1] == steps[-2]["stored"]
            continue
        level = -1 if step["axis"] == "premultiply" else kinds.index(step["axis"])
        below = "premultiply" if level == 0 else kinds[level - 1] if level > 0 else None
        if below is not None and stacks[below]:
            read = stacks[below][-len(step["terms"]):]
            del stacks[below][-len(step["terms"]):]
            assert [v for _, v in step["terms"]] == read
        stacks[step["axis"]].append(step["stored"])


def check_alpha_step(step, expected):
    """Pillow's ``MULDIV255`` premultiplication, or its division by the resized alpha (``expected`` at alpha)."""
    (weight, value), = step["terms"]
    if step["axis"] == "premultiply":
        assert step["alpha"] == {"operation": "premultiply", "divisor": None}
        total = 128 + weight * value
        assert step["sum"] == total and step["stored"] == (total + (total >> 8)) >> 8
        return
    divisor = step["alpha"]["divisor"]
    assert step["axis"] == step["alpha"]["operation"] == "unpremultiply" and weight == 255 and step["sum"] == 255 * value
    assert step["stored"] == (min(255, 255 * value // divisor) if divisor else value)


def low_bits(value, dtype):
    """``value`` stored as the low bits of ``dtype`` (two's complement), or as it is (``dtype`` None)."""
    if dtype is None:
        return value
    info = np.iinfo(dtype)
    return (value - int(info.min)) % 2**info.bits + int(info.min)


def check_floating_pass(step):
    """A floating-point pass recomputed from its JSON: terms added from 0 in their order (or in groups, each
    summed in its own type first), scaled, the sum stored (by C's cast: truncated to 32 bits, −2³¹ outside
    them, then the low bits of ``wrap``). A weight given by its factors is their product in the pass's type,
    left to right."""
    rule = step["float"]
    assert set(rule) == {"dtype", "order", "store", "groups", "group_dtype", "scale"} and step["rounding"] == 0
    kind = np.dtype(rule["dtype"]).type
    if step["factors"] is not None:
        for (w, _), factors in zip(step["terms"], step["factors"], strict=True):
            product = kind(factors[0])
            for factor in factors[1:]:
                product = kind(product * kind(factor))
            assert w == float(product)
    total = kind(0)
    if rule["groups"]:
        samples = [v for _, v in step["terms"]]
        assert sum(rule["groups"]) == len(samples) and all(w == 1 for w, _ in step["terms"])
        for length in rule["groups"]:
            group, samples = samples[:length], samples[length:]
            if rule["group_dtype"] == "int64":
                part = sum(group)
            else:
                part = np.array(group, rule["group_dtype"]).cumsum(dtype=rule["group_dtype"])[-1]
            total = kind(total + kind(part))
    else:
        for w, v in step["terms"][::-1] if rule["order"] == "last first" else step["terms"]:
            total = kind(total + kind(v) * kind(w / 2 ** step["shift"]))
    assert step["sum"] == float(total) or (np.isnan(total) and np.isnan(step["sum"]))
    if rule["scale"] is not None:
        how, number = rule["scale"]
        total = kind(total * kind(number)) if how == "×" else kind(total / kind(number))
    if rule["store"] in ("kept", "float32"):
        assert step["clip"] is None
        assert step["stored"] == float(np.float32(total)) or (np.isnan(total) and np.isnan(step["stored"]))
        return
    if rule["store"] == "half to even":
        stored = int(np.rint(total))
    elif rule["store"] == "static_cast":
        stored = int(np.trunc(total)) if np.isfinite(total) and -2**31 <= np.trunc(total) < 2**31 else -2**31
    else:
        assert rule["store"] in ("half away from zero", "int32")
        stored = int(np.sign(total) * np.floor(abs(float(total)) + 0.5))  # in a double, as C's round
        if rule["store"] == "int32" and not -2**31 <= stored < 2**31:
            stored = -2**31
    if step["clip"] is not None:
        stored = min(max(stored, step["clip"][0]), step["clip"][1])
    assert step["stored"] == low_bits(stored, step["wrap"])


OPENCV_MODES = {"bilinear": ("opencv-linear", "INTER_LINEAR"), "bicubic": ("opencv-fixed", "INTER_CUBIC"),
                "lanczos": ("opencv-fixed", "INTER_LANCZOS4")}


@pytest.mark.parametrize("mode", sorted(OPENCV_MODES))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), channels=st.sampled_from([None, 1, 2, 3, 4]),
       width=st.integers(1, 24), height=st.integers(1, 24), out_width=st.integers(1, 40), out_height=st.integers(1, 40),
       data=st.data())
def test_printed_opencv_passes_reach_opencvs_own_value(mode, seed, channels, width, height, out_width, out_height,
                                                       data):
    """``cv2.resize`` (IPP off) on 8 bits: 11-bit weights, the horizontal sums kept whole, then the vertical step:
    ``INTER_LINEAR``'s ``(b·(S >> 4)) >> 16`` per tap and ``(… + 2) >> 2``; ``INTER_LANCZOS4``'s
    ``(acc + 2²¹) >> 22``; ``INTER_CUBIC``'s float32 vectors on a row's first ``8·⌊n/8⌋`` samples and
    ``(acc + 2²¹) >> 22`` on the rest (odd widths and channel counts reach both)."""
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)  # IPP's own arithmetic: see docs/compat.md
    arithmetic, flag = OPENCV_MODES[mode]
    shape = (height, width) if channels is None else (height, width, channels)
    array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    plan = api.plan_for(shape, size=(out_width, out_height), mode=mode, compat="opencv", dtype=array.dtype,
                        layout="hw" if channels is None else "hwc")
    assume(plan.arithmetic == arithmetic)  # halving both axes is INTER_AREA in cv2.resize
    result = apply_plan(array, plan)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(plan, array, result, pixels=(f"{x},{y}",))
    native = cv2.resize(array, (out_width, out_height), interpolation=getattr(cv2, flag)).reshape(result.shape)
    check_printed_passes(trace, lambda index: native[tuple(index)], plan)


OPENCV_FLOAT_MODES = {"bilinear": "INTER_LINEAR", "bicubic": "INTER_CUBIC", "lanczos": "INTER_LANCZOS4",
                      "area": "INTER_AREA"}


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(sorted(OPENCV_FLOAT_MODES)),
       channels=st.sampled_from([None, 1, 2, 3, 4]), width=st.integers(1, 24), height=st.integers(1, 24),
       out_width=st.integers(1, 40), out_height=st.integers(1, 40), data=st.data())
def test_printed_opencv_float_code_reaches_opencvs_own_value(dtype, seed, mode, channels, width, height, out_width,
                                                            out_height, data):
    """``cv2.resize``'s float code (IPP off): 16-bit samples in every mode and 8-bit ``INTER_AREA`` reductions by
    fractions; float32 weights and sums, left to right but for the cubic (and ``int16`` Lanczos4) vertical
    vectors, the last pass rounded half to even and saturated."""
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)
    shape = (height, width) if channels is None else (height, width, channels)
    info = np.iinfo(dtype)
    array = np.random.default_rng(seed).integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    plan = api.plan_for(shape, size=(out_width, out_height), mode=mode, compat="opencv", dtype=array.dtype,
                        layout="hw" if channels is None else "hwc")
    # 8 bits: only INTER_AREA's reductions by fractions; whole-number block sums are not traced
    assume(plan.arithmetic == "opencv-area" or (dtype != np.uint8 and plan.arithmetic != "opencv-linear-exact"
                                                and plan.arithmetic not in ("opencv-area-fast", "opencv-area-2x2")))
    result = apply_plan(array, plan)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(plan, array, result, pixels=(f"{x},{y}",))
    native = cv2.resize(array, (out_width, out_height), interpolation=getattr(cv2, OPENCV_FLOAT_MODES[mode]))
    check_printed_passes(trace, lambda index: native.reshape(result.shape)[tuple(index)], plan)


LIBRARY_LINES = """\
  pass x at (x=3, y=0): (2097152 − 98304·0 + 950272·37 + 3637248·74 − 294912·111) >> 22 = 65 → clip to 0 … 255 → 65
  pass x at (x=3, y=1): (2097152 − 98304·77 + 950272·114 + 3637248·151 − 294912·188) >> 22 = 142 → clip to 0 … 255 → 142
  pass x at (x=3, y=2): (2097152 − 98304·154 + 950272·191 + 3637248·228 − 294912·9) >> 22 = 237 → clip to 0 … 255 → 237
  pass x at (x=3, y=3): (2097152 − 98304·231 + 950272·12 + 3637248·49 − 294912·86) >> 22 = 34 → clip to 0 … 255 → 34
  pass y at (x=3, y=2): (2097152 − 157562·65 + 4112372·142 + 255251·237 − 15756·34) >> 22 = 151 → clip to 0 … 255 → 151
  written: 151"""


def gradient(tmp_path, mode="L"):
    values = (np.arange(7 * 9).reshape(7, 9) * 37 % 256).astype(np.uint8)
    path = tmp_path / "g.png"
    Image.fromarray(values).convert(mode).save(path)
    return path


def test_cli_explains_pillows_integers(tmp_path):
    """Pillow's bicubic 9×7 → 14×11 stores 151 at (3, 2): its 22-bit weights, four rows of the x pass, one y pass."""
    source = gradient(tmp_path)
    result = CliRunner().invoke(main, [str(source), "-o", str(tmp_path / "out.png"), "--size", "14x11",
                                       "--mode", "bicubic", "--compat", "pillow", "--explain-pixel", "3,2"],
                                env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert "\n".join(lines[-6:]) == LIBRARY_LINES
    assert np.asarray(Image.open(source).resize((14, 11), Image.BICUBIC))[2, 3] == 151


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(sorted(FILTERS)), image_mode=st.sampled_from(["LA", "RGBA"]),
       width=st.integers(1, 16), height=st.integers(1, 16), out_width=st.integers(1, 20), out_height=st.integers(1, 20),
       data=st.data())
def test_printed_pillow_premultiplied_passes_reach_pillows_own_value(seed, mode, image_mode, width, height, out_width,
                                                                     out_height, data):
    """Pillow's ``LA``/``RGBA``: every colour sample read premultiplied by ``MULDIV255``, the 8-bit passes, then
    ``min(255, 255·c // a)`` with the resized alpha (kept where it is 0); alpha itself is resized as it is."""
    assume(width != out_width and height != out_height)
    rng = np.random.default_rng(seed)
    array = rng.integers(0, 256, (height, width, len(image_mode)), dtype=np.uint8)
    array[..., -1] *= rng.integers(0, 2, (height, width), dtype=np.uint8)  # transparent pixels, alpha 0
    image = Image.fromarray(array, image_mode)
    traced = api.resize_image_traced(image, size=(out_width, out_height), mode=mode, compat="pillow")
    assert traced.alpha_max == 255  # premultiplied even where every output copies one pixel (a 1-pixel input)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(traced.plan, traced.source, traced.result, pixels=(f"{x},{y}",), alpha_max=traced.alpha_max)
    pillow = np.asarray(image.resize((out_width, out_height), FILTERS[mode]))
    check_printed_passes(trace, lambda index: pillow[(y, x, *index[2:])], traced.plan)


def test_cli_explains_an_extrapolated_pixel_in_the_definitions_terms(tmp_path):
    """The ONNX standard's ``tf_crop_and_resize``: an output whose y lies outside the input stores
    ``extrapolation_value`` (10) in place of the y pass's sum, and the trace says so; one inside sums as usual."""
    crop = ["--scale", "1.5", "--mode", "bilinear", "--compat", "onnx", "--align", "tf-crop-and-resize",
            "--roi", "-0.2,-0.1,1.1,1.2", "--extrapolation-value", "10"]
    lines = explained_lines(tmp_path, gradient(tmp_path), *crop, pixel="0,0")
    assert "  y: dstY 0 → srcY -0.6; outside the input: no taps" in lines
    assert ("  outside the input along y and x: the passes along them store the extrapolation value 10 in place of"
            " their sums") in lines
    assert lines[-2:] == ["  [0, 0] = 10 → round half to even → 10 → clip to 0 … 255 → 10", "  written: 10"]
    inside = explained_lines(tmp_path, gradient(tmp_path), *crop, pixel="3,2")
    assert not any(line.startswith("  outside the input") for line in inside)
    assert inside[-1] == "  written: 113"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), compat=st.sampled_from(["onnx", "onnxruntime"]),
       dtype=st.sampled_from([np.uint8, np.int8, np.int32, np.float32, np.float64]),
       mode=st.sampled_from(["nearest", "bilinear", "bicubic"]), height=st.integers(1, 7), width=st.integers(1, 7),
       out_height=st.integers(2, 8), out_width=st.integers(2, 8),
       roi=st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=4, max_size=4),
       fill=st.floats(-300, 300, allow_nan=False), data=st.data())
def test_every_extrapolated_pixel_is_traced_to_the_value_written(seed, compat, dtype, mode, height, width, out_height,
                                                                  out_width, roi, fill, data):
    """Every pixel of a ``tf_crop_and_resize`` plan is traced (the trace checks its value against the output):
    those outside the input along an axis hold the fill value, cast as the output stores it."""
    array = np.random.default_rng(seed).uniform(-50, 300, (1, 2, height, width)).astype(dtype)
    box = (min(roi[0], roi[2]), min(roi[1], roi[3]), max(roi[0], roi[2]) + 0.1, max(roi[1], roi[3]) + 0.1)
    keywords = dict(size=(out_width, out_height), mode=mode, compat=compat, align="tf-crop-and-resize", roi=box,
                    extrapolation_value=fill, layout="nchw")
    try:
        plan = api.plan_for(array.shape, dtype=array.dtype, **keywords)
        result = apply_plan(array, plan)
    except UsageError:  # onnxruntime refuses some kernels (8-bit cubic): so does its preset
        assume(False)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    pixel, = build_trace(plan, array, result, pixels=(f"{x},{y}",)).pixels
    outside = [name for name, row in pixel.rows.items() if not row.taps]
    if outside and compat == "onnx":
        assert pixel.note.startswith(f"outside the input along {' and '.join(outside)}: the pass")
        sums = "its sum" if len(outside) == 1 else "their sums"
        assert pixel.note.endswith(f" the extrapolation value {number(fill)} in place of {sums}")
        if plan.axes[-1].name in outside:  # the last pass stores the fill value itself, cast once
            expected = to_dtype(np.array([fill]), array.dtype, plan.ties)
            assert all(channel.written == expected.item() for channel in pixel.channels)


def test_a_reduced_array_of_a_type_pillow_lacks_is_resized_and_traced_pass_by_pass():
    """``reducing_gap`` on float64 and int16 arrays (no Pillow mode): Pillow's tables in the definition's
    arithmetic, float64 sums pass after pass (the block means, then the filter along the same axes) converted
    once; the resize failed with an IndexError, and the trace runs both passes on the pixel's window."""
    rng = np.random.default_rng(7)
    for array in (rng.uniform(-100, 100, (14, 18)), rng.integers(-3000, 3000, (14, 18), dtype=np.int16)):
        keywords = dict(scale=0.25, mode="bilinear", compat="pillow", reducing_gap=1.5)
        plan = api.plan_for(array.shape, dtype=array.dtype, **keywords)
        assert [p.name for p in plan.axes] == ["x", "y", "x", "y"]  # reduce x, reduce y, then the filter
        values = array.astype(np.float64)
        for axis_plan in plan.axes:
            values = apply_axis(values, axis_plan.axis, axis_plan.weights)
        result = api.resize(array, **keywords)
        assert np.array_equal(result, to_dtype(values, array.dtype, plan.ties))
        for x, y in ((0, 0), (4, 3), (2, 1)):
            pixel, = build_trace(plan, array, result, pixels=(f"{x},{y}",)).pixels
            assert pixel.channels[0].written == result[y, x]


def test_cli_explains_opencvs_linear_integers(tmp_path):
    """OpenCV's bilinear ×1.5 stores 157 at (3, 2): two horizontal sums with 11-bit weights, then the vertical
    step that shifts each tap on its own."""
    source = gradient(tmp_path)
    result = CliRunner().invoke(main, [str(source), "-o", str(tmp_path / "out.png"), "--scale", "1.5",
                                       "--mode", "bilinear", "--compat", "opencv", "--explain-pixel", "3,2"],
                                env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    assert [line.rstrip() for line in result.stdout.splitlines()][-4:] == [
        "  pass x at (x=3, y=1): 341·114 + 1707·151 = 296631",
        "  pass x at (x=3, y=2): 341·191 + 1707·228 = 454327",
        "  pass y at (x=3, y=2): (2 + ((1707·(296631 >> 4)) >> 16) + ((341·(454327 >> 4)) >> 16)) >> 2 = 157"
        " → clip to 0 … 255 → 157",
        "  written: 157",
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(["bilinear", "bicubic"]), antialias=st.booleans(),
       corners=st.booleans(), channels=st.sampled_from([1, 3, 5]), last=st.booleans(),
       width=st.integers(1, 20), height=st.integers(1, 20), out_width=st.integers(1, 30), out_height=st.integers(1, 30),
       data=st.data())
def test_printed_torch_passes_reach_torchs_own_value(seed, mode, antialias, corners, channels, last, width, height,
                                                     out_width, out_height, data):
    """``F.interpolate`` on uint8 (``bilinear``/``bicubic``, antialiased or not, either memory format): 16-bit weights
    over ``2^p``, each pass ``clamp((2^(p−1) + Σ w·x) >> p, 0, 255)``; an axis that keeps its length is skipped."""
    torch = pytest.importorskip("torch")
    array = np.random.default_rng(seed).integers(0, 256, (1, channels, height, width), dtype=np.uint8)
    layout = "nhwc" if last else "nchw"
    laid = array.transpose(0, 2, 3, 1).copy() if last else array
    align = "align-corners" if corners else "half-pixel"
    plan = api.plan_for(laid.shape, size=(out_width, out_height), mode=mode, compat="torch", dtype=laid.dtype,
                        layout=layout, antialias=antialias, align=align)
    result = apply_plan(laid, plan)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(plan, laid, result, pixels=(f"{x},{y}",))
    tensor = torch.from_numpy(array)
    if last:
        tensor = tensor.contiguous(memory_format=torch.channels_last)
    try:
        native = torch.nn.functional.interpolate(tensor, size=(out_height, out_width), mode=mode,
                                                 antialias=antialias, align_corners=corners).numpy()
    except RuntimeError as error:  # torch 2.13's AVX kernel asserts on some 1-pixel-wide contiguous tensors
        assume("INTERNAL ASSERT FAILED" not in str(error))
        raise
    if last:
        native = native.transpose(0, 2, 3, 1)
    check_printed_passes(trace, lambda index: native[tuple(index)], plan)


def explained_lines(tmp_path, source, *args, pixel="3,2"):
    """The lines ``upscale SOURCE ARGS --explain-pixel PIXEL`` prints, after checking that it succeeded."""
    result = CliRunner().invoke(main, [str(source), "-o", str(tmp_path / "out.png"), "--overwrite", *args,
                                       "--explain-pixel", pixel], env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    return [line.rstrip() for line in result.stdout.splitlines()]


def test_cli_explains_torchs_uint8_integers(tmp_path):
    """PyTorch's uint8 bicubic 9×7 → 14×11 stores 153 at (3, 2): its 16-bit weights over 2¹⁴ (a = −0.75), four rows
    of the x pass, one y pass, each rounded half up and clipped."""
    source = gradient(tmp_path)
    assert explained_lines(tmp_path, source, "--size", "14x11", "--mode", "bicubic", "--compat", "torch")[-6:] == [
        "  pass x at (x=3, y=0): (8192 − 576·0 + 4288·37 + 14400·74 − 1728·111) >> 14 = 63 → clip to 0 … 255 → 63",
        "  pass x at (x=3, y=1): (8192 − 576·77 + 4288·114 + 14400·151 − 1728·188) >> 14 = 140 → clip to 0 … 255 → 140",
        "  pass x at (x=3, y=2): (8192 − 576·154 + 4288·191 + 14400·228 − 1728·9) >> 14 = 244 → clip to 0 … 255 → 244",
        "  pass x at (x=3, y=3): (8192 − 576·231 + 4288·12 + 14400·49 − 1728·86) >> 14 = 29 → clip to 0 … 255 → 29",
        "  pass y at (x=3, y=2): (8192 − 923·63 + 16095·140 + 1305·244 − 92·29) >> 14 = 153 → clip to 0 … 255 → 153",
        "  written: 153",
    ]
    torch = pytest.importorskip("torch")
    pixels = torch.from_numpy(np.array(Image.open(source)))[None, None]
    assert torch.nn.functional.interpolate(pixels, size=(11, 14), mode="bicubic")[0, 0, 2, 3] == 153


def test_cli_explains_opencvs_cubic_and_lanczos_integers(tmp_path):
    """OpenCV's bicubic 9×7 → 14×11: a row of 14 samples is one vector of eight in float32 (x = 3) and an integer
    tail of six (x = 12); Lanczos4 rounds the exact sum of both passes once."""
    source = gradient(tmp_path)

    def last_lines(mode, *more):
        lines = explained_lines(tmp_path, source, "--size", "14x11", "--mode", mode, "--compat", "opencv", *more)
        return [line for line in lines if line.startswith(("  pass y", "  written"))]

    assert last_lines("bicubic", "--explain-pixel", "12,2") == [
        "  pass y at (x=12, y=2): (2097152 − 115·8303 + 2012·211311 + 163·369007 − 12·243567) >> 22 = 115"
        " → clip to 0 … 255 → 115",
        "  written: 115",
        "  pass y at (x=3, y=2): float32 129056·(−115/2^22) + (286752·(2012/2^22) + (499744·(163/2^22)"
        " + (59424·(−12/2^22)))) = 153.26708984375 → round half to even, clip to 0 … 255 → 153",
        "  written: 153",
    ]
    assert last_lines("lanczos") == [
        "  pass y at (x=3, y=2): (2097152 − 16·133348 + 53·133348 − 148·133348 + 2018·298980 + 185·507364"
        " − 64·48356 + 21·239844 − 1·376292) >> 22 = 163 → clip to 0 … 255 → 163",
        "  written: 163",
    ]
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)
    pixels = np.asarray(Image.open(source))
    assert list(cv2.resize(pixels, (14, 11), interpolation=cv2.INTER_CUBIC)[2, [3, 12]]) == [153, 115]
    assert cv2.resize(pixels, (14, 11), interpolation=cv2.INTER_LANCZOS4)[2, 3] == 163


def test_cli_explains_opencvs_float_code(tmp_path):
    """OpenCV's float code: a 16-bit bicubic 9×7 → 14×11 keeps float32 rows, sums the vertical vector from the last
    tap inward and rounds half to even (32694 at (3, 2)); an 8-bit INTER_AREA ×0.7 sums float32 fractions."""
    wide = tmp_path / "g16.png"
    Image.fromarray((np.arange(7 * 9).reshape(7, 9) * 9001 % 65536).astype(np.uint16)).save(wide)

    def last_lines(source, *args):
        return explained_lines(tmp_path, source, *args, "--compat", "opencv")[-2:]

    assert last_lines(wide, "--size", "14x11", "--mode", "bicubic") == [
        "  pass y at (x=3, y=2): float32 15329.828125·(−0.05634880065917969) + (30802.828125·0.9823440909385681"
        " + (46275.828125·0.07963937520980835 + (68660.828125·(−0.005634665489196777)))) = 32693.654296875"
        " → round half to even, clip to 0 … 65535 → 32694",
        "  written: 32694",
    ]
    assert last_lines(gradient(tmp_path), "--scale", "0.7", "--mode", "area") == [
        "  pass y at (x=3, y=2): float32 64.5·0.10000000149011612 + 141.5·0.699999988079071"
        " + 218.5·0.20000000298023224 = 149.1999969482422 → round half to even, clip to 0 … 255 → 149",
        "  written: 149",
    ]
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)
    assert cv2.resize(np.asarray(Image.open(wide)), (14, 11), interpolation=cv2.INTER_CUBIC)[2, 3] == 32694
    grey = np.asarray(Image.open(gradient(tmp_path)))
    assert cv2.resize(grey, (0, 0), fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)[2, 3] == 149


def test_cli_explains_pillows_wide_passes(tmp_path):
    """Pillow's ``I;16`` bicubic 9×7 → 14×11: double sums, each pass rounded half away from zero and clipped to 16
    bits; row 3 of the x pass overshoots to 66778.75 and is stored as 65535, which the y pass reads."""
    wide = tmp_path / "g16.png"
    Image.fromarray((np.arange(7 * 9).reshape(7, 9) * 9001 % 65536).astype(np.uint16)).save(wide)
    assert explained_lines(tmp_path, wide, "--size", "14x11", "--mode", "bicubic", "--compat", "pillow")[-3:] == [
        "  pass x at (x=3, y=3): float64 46419·(−0.0234375) + 55420·0.2265625 + 64421·0.8671875 + 7886·(−0.0703125)"
        " = 66778.75 → round half away from zero, clip to 0 … 65535 → 65535",
        "  pass y at (x=3, y=2): float64 15752·(−0.03756574004507883) + 31225·0.9804658151765586"
        " + 46698·0.06085649887302777 + 65535·(−0.0037565740045075718) = 32618.999248685213"
        " → round half away from zero, clip to 0 … 65535 → 32619",
        "  written: 32619",
    ]
    assert np.asarray(Image.open(wide).resize((14, 11), Image.BICUBIC))[2, 3] == 32619


def test_cli_explains_pillows_premultiplied_rgba(tmp_path):
    """Pillow's RGBA bilinear 9×7 → 14×11 stores red 154 at (3, 2): each red sample read is premultiplied by
    ``MULDIV255``, resized in 22-bit integers, and divided by the resized alpha, 61."""
    values = np.arange(7 * 9).reshape(7, 9)
    pixels = np.dstack([values * 37 % 256, 255 - values * 37 % 256, values * 111 % 256, values * 53 % 256])
    source = tmp_path / "rgba.png"
    Image.fromarray(pixels.astype(np.uint8), "RGBA").save(source)
    lines = explained_lines(tmp_path, source, "--size", "14x11", "--mode", "bilinear", "--compat", "pillow")
    red = lines.index("  written: 154")
    assert lines[red - 9:red] == [
        "  the library's integers: its integer weights, each pass as it rounds, shifts and clips (at: output indices"
        " along the axes resampled so far, input indices along the others)",
        "  premultiply at (x=1, y=1): t = 128 + 18·114 = 2180, (t + (t >> 8)) >> 8 = 8",
        "  premultiply at (x=2, y=1): t = 128 + 71·151 = 10849, (t + (t >> 8)) >> 8 = 42",
        "  pass x at (x=3, y=1): (2097152 + 1048576·8 + 3145728·42) >> 22 = 34 → clip to 0 … 255 → 34",
        "  premultiply at (x=1, y=2): t = 128 + 239·191 = 45777, (t + (t >> 8)) >> 8 = 179",
        "  premultiply at (x=2, y=2): t = 128 + 36·228 = 8336, (t + (t >> 8)) >> 8 = 32",
        "  pass x at (x=3, y=2): (2097152 + 1048576·179 + 3145728·32) >> 22 = 69 → clip to 0 … 255 → 69",
        "  pass y at (x=3, y=2): (2097152 + 3813004·34 + 381300·69) >> 22 = 37 → clip to 0 … 255 → 37",
        "  unpremultiply at (x=3, y=2): min(255, 255·37 // 61) = 154",
    ]
    assert list(np.asarray(Image.open(source).resize((14, 11), Image.BILINEAR))[2, 3]) == [154, 96, 175, 61]


def test_a_one_pixel_rgba_image_is_traced_premultiplied(tmp_path):
    """1×1 → 2×2: every output copies the one pixel, yet Pillow premultiplies around it (200 at alpha 128
    comes back 199); the trace shows that instead of failing on the difference."""
    Image.fromarray(np.array([[[200, 100, 50, 128]]], np.uint8), "RGBA").save(tmp_path / "one.png")
    result = CliRunner().invoke(main, [str(tmp_path / "one.png"), "-o", str(tmp_path / "out.png"), "--size", "2x2",
                                       "--mode", "bicubic", "--compat", "pillow", "--explain-pixel", "0,0"])
    assert result.exit_code == 0, result.output
    assert np.asarray(Image.open(tmp_path / "out.png"))[0, 0].tolist() == [199, 99, 49, 128]
    assert "written: 199" in result.output


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(seed=st.integers(0, 2**32 - 1), channels=st.sampled_from([None, 1, 2, 3, 4]), width=st.integers(1, 24),
       height=st.integers(1, 24), out_width=st.integers(1, 40), out_height=st.integers(1, 40), data=st.data())
def test_printed_opencv_linear_exact_reaches_opencvs_own_value(dtype, seed, channels, width, height, out_width,
                                                              out_height, data):
    """``INTER_LINEAR_EXACT``: weights rounded half to even to 8 bits (16 on 16-bit samples), the horizontal sums
    kept whole, one rounding ``(acc + 2^(2b−1)) >> 2b`` of the vertical sum, saturated."""
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)
    shape = (height, width) if channels is None else (height, width, channels)
    info = np.iinfo(dtype)
    array = np.random.default_rng(seed).integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    plan = api.plan_for(shape, size=(out_width, out_height), mode="bilinear", compat="opencv", dtype=array.dtype,
                        layout="hw" if channels is None else "hwc", linear_exact=True)
    assume(plan.arithmetic == "opencv-linear-exact")  # halving both axes is INTER_AREA's block sums
    result = apply_plan(array, plan)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(plan, array, result, pixels=(f"{x},{y}",))
    native = cv2.resize(array, (out_width, out_height), interpolation=cv2.INTER_LINEAR_EXACT)
    check_printed_passes(trace, lambda index: native.reshape(result.shape)[tuple(index)], plan)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), channels=st.sampled_from([None, 1, 2, 3, 4]), fx=st.integers(1, 5),
       fy=st.integers(1, 5), out_width=st.integers(1, 8), out_height=st.integers(1, 8), extra=st.integers(0, 4),
       data=st.data())
def test_printed_opencv_area_blocks_reach_opencvs_own_value(dtype, seed, channels, fx, fy, out_width, out_height,
                                                           extra, data):
    """``INTER_AREA`` by whole numbers (``resizeAreaFast``): ``(a + b + c + d + 2) >> 2`` for 2×2 on 1, 3 or 4
    channels, otherwise the block summed four samples at a time in integers, those sums added in float32, times
    ``1.f/n``; with ``fx`` given, a size that leaves a partial block at the right and bottom edges, whose samples
    are added in float32 and divided by their count."""
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)
    assume(fx * fy > 1)
    width, height = out_width * fx + extra % fx, out_height * fy + extra % fy
    shape = (height, width) if channels is None else (height, width, channels)
    info = np.iinfo(dtype)
    array = np.random.default_rng(seed).integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    plan = api.plan_for(shape, scale=(1 / fx, 1 / fy), mode="area", compat="opencv", dtype=array.dtype,
                        layout="hw" if channels is None else "hwc")
    assume(plan.arithmetic in ("opencv-area-fast", "opencv-area-2x2"))
    result = apply_plan(array, plan)
    out_height, out_width = result.shape[:2]
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(plan, array, result, pixels=(f"{x},{y}",))
    native = cv2.resize(array, (0, 0), fx=1 / fx, fy=1 / fy, interpolation=cv2.INTER_AREA)
    check_printed_passes(trace, lambda index: native.reshape(result.shape)[tuple(index)], plan)


REDUCED_MODES = {"L": (np.uint8, 0, 255), "RGB": (np.uint8, 0, 255), "LA": (np.uint8, 0, 255),
                 "RGBA": (np.uint8, 0, 255), "I": (np.int32, -2**31, 2**31 - 1), "F": (np.float32, -1e6, 1e6)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(sorted(FILTERS)), image_mode=st.sampled_from(sorted(REDUCED_MODES)),
       width=st.integers(1, 40), height=st.integers(1, 40), out_width=st.integers(1, 12), out_height=st.integers(1, 12),
       gap=st.sampled_from([1.0, 1.1, 1.5, 2.0, 3.0]), data=st.data())
def test_printed_pillow_reduced_passes_reach_pillows_own_value(seed, mode, image_mode, width, height, out_width,
                                                              out_height, gap, data):
    """``reducing_gap``: ``Image.reduce``'s block means first (8 bits: ``((Σ + ⌊n/2⌋)·m) >> 24``; ``I`` and ``F``:
    groups of two rows by two columns added in the sample type, a double sum times ``1.0/n``), then the filter's
    passes on the reduced samples; ``LA``/``RGBA`` premultiplied around both."""
    assume(width != out_width and height != out_height)
    dtype, low, high = REDUCED_MODES[image_mode]
    rng = np.random.default_rng(seed)
    channels = {"L": (), "I": (), "F": (), "LA": (2,), "RGB": (3,), "RGBA": (4,)}[image_mode]
    if dtype == np.float32:
        array = rng.uniform(low, high, (height, width)).astype(np.float32)
    else:
        array = rng.integers(low, high, (height, width, *channels), dtype=dtype, endpoint=True)
    image = Image.fromarray(array, image_mode if channels else None)
    assert image.mode == image_mode
    traced = api.resize_image_traced(image, size=(out_width, out_height), mode=mode, compat="pillow", reducing_gap=gap)
    x, y = data.draw(st.integers(0, out_width - 1)), data.draw(st.integers(0, out_height - 1))
    trace = build_trace(traced.plan, traced.source, traced.result, pixels=(f"{x},{y}",), alpha_max=traced.alpha_max)
    pillow = np.asarray(image.resize((out_width, out_height), FILTERS[mode], reducing_gap=gap))
    check_printed_passes(trace, lambda index: pillow[(y, x, *index[2:])], traced.plan)


def test_cli_explains_the_block_sums(tmp_path):
    """Whole-number reductions sum blocks: OpenCV's 2×2 ``INTER_AREA`` ``(a + b + c + d + 2) >> 2`` (75) and its
    ×⅓ groups of four added in float32 times ``1.f/9`` (143); ``INTER_LINEAR_EXACT``'s 8-bit weights and one
    rounding by 2¹⁶ (158); Pillow's ``reducing_gap`` block means of six samples, each times
    ``m = ⌊2³²/(256·6)⌋``, then its bilinear passes on the reduced samples (116)."""
    source = gradient(tmp_path)

    def opencv(*args, pixel="3,2"):
        return explained_lines(tmp_path, source, "--compat", "opencv", *args, pixel=pixel)

    assert opencv("--mode", "area", "--scale", "0.5")[-2:] == [
        "  pass area y·x at (x=3, y=2): (2 + 1·18 + 1·55 + 1·95 + 1·132) >> 2 = 75 → clip to 0 … 255 → 75",
        "  written: 75",
    ]
    assert opencv("--mode", "area", "--scale", "0.3333333333333333", pixel="1,1")[-2:] == [
        "  pass area y·x at (x=1, y=1): float32 [groups in int64] (86 + 123 + 160 + 163) + (200 + 237 + 240 + 21) + 58"
        " = 1288.0 × 0.1111111119389534 = 143.11111450195312 → round half to even, clip to 0 … 255 → 143",
        "  written: 143",
    ]
    assert opencv("--mode", "bilinear", "--linear-exact", "--scale", "1.5")[-4:] == [
        "  pass x at (x=3, y=1): 43·114 + 213·151 = 37065",
        "  pass x at (x=3, y=2): 43·191 + 213·228 = 56777",
        "  pass y at (x=3, y=2): (32768 + 213·37065 + 43·56777) >> 16 = 158 → clip to 0 … 255 → 158",
        "  written: 158",
    ]
    pillow = explained_lines(tmp_path, source, "--compat", "pillow", "--mode", "bilinear", "--reducing-gap", "1.5",
                             "--scale", "0.25", pixel="1,0")
    assert pillow[-4:] == [
        "  pass reduce y·x at (x=2, y=2): (2796202·(3 + 18 + 55 + 92 + 95 + 132 + 169)) >> 24 = 93",
        "  pass x at (x=1, y=2): (2097152 + 1572864·153 + 2621440·93) >> 22 = 116 → clip to 0 … 255 → 116",
        "  pass y at (x=1, y=0): (2097152 + 2197016·107 + 1797559·127 + 199729·116) >> 22 = 116"
        " → clip to 0 … 255 → 116",
        "  written: 116",
    ]
    grey = np.asarray(Image.open(source))
    assert np.asarray(Image.open(source).resize((2, 2), Image.BILINEAR, reducing_gap=1.5))[0, 1] == 116
    cv2 = pytest.importorskip("cv2")
    cv2.ipp.setUseIPP(False)
    assert cv2.resize(grey, (0, 0), fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)[2, 3] == 75
    assert cv2.resize(grey, (0, 0), fx=1 / 3, fy=1 / 3, interpolation=cv2.INTER_AREA)[1, 1] == 143
    assert cv2.resize(grey, (0, 0), fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR_EXACT)[2, 3] == 158

"""Library presets against the committed golden outputs of the real libraries.

Every PyTorch, OpenCV, Pillow, onnxruntime and ONNX case of
``tests/golden/manifest.json`` is translated from the library's own
vocabulary into one ``upscale_cli.resize(..., compat=...)`` (or
``resize_image``) call and compared within the case's tolerance. The ONNX
cases are the standard's 39 Resize backend node tests (expected outputs from
its reference implementation, run with ``compat="onnx"``); onnxruntime's
outputs on the same models are checked against ``compat="onnxruntime"``.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import upscale_cli
from upscale_cli.core.layouts import LAYOUTS

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
LIBRARIES = ("torch", "opencv", "pillow", "onnx", "onnxruntime")


def _cases():
    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    return [case for case in manifest["cases"] if case["library"] in LIBRARIES]


@functools.lru_cache(maxsize=None)
def _archive(name: str):
    return np.load(GOLDEN / name)


def _arrays(case):
    archive = _archive(case["file"])
    return archive[f"{case['id']}__input"], archive[f"{case['id']}__output"]


def _x_first(values):
    return None if values is None else tuple(reversed(values))


TORCH_MODULES = {
    "UpsamplingNearest2d": {"mode": "nearest"},
    "UpsamplingBilinear2d": {"mode": "bilinear", "align_corners": True},
}


def torch_call(params, x):
    """``F.interpolate`` / ``nn.Upsample*`` parameters as ``upscale_cli.resize`` keywords."""
    params = {**params, **TORCH_MODULES.get(params["function"], {})}
    kwargs = {"mode": params["mode"], "compat": "torch"}
    if params.get("align_corners"):
        kwargs["align"] = "align-corners"
    if params.get("antialias"):
        kwargs["antialias"] = True
    size, factors = params["size"], params["scale_factor"]
    if factors is not None and params.get("recompute_scale_factor"):
        # recompute_scale_factor=True is exactly a size request of floor(n·S)
        size = [math.floor(n * f) for n, f in zip(x.shape[2:], factors)]
    if size is not None:
        kwargs["size"] = _x_first(size)
    else:
        kwargs["scale"] = _x_first(factors)
    return kwargs


OPENCV_MODES = {
    "INTER_NEAREST": {"mode": "nearest"},
    "INTER_NEAREST_EXACT": {"mode": "nearest-exact"},
    "INTER_LINEAR": {"mode": "bilinear"},
    "INTER_LINEAR_EXACT": {"mode": "bilinear", "linear_exact": True},
    "INTER_CUBIC": {"mode": "bicubic"},
    "INTER_AREA": {"mode": "area"},
    "INTER_LANCZOS4": {"mode": "lanczos"},
}


def opencv_call(params, x):
    """``cv2.resize`` parameters as ``upscale_cli.resize`` keywords."""
    kwargs = {**OPENCV_MODES[params["interpolation"]], "compat": "opencv"}
    if params["dsize"] is not None:
        kwargs["size"] = tuple(params["dsize"])
    else:
        kwargs["scale"] = (params["fx"], params["fy"])
    return kwargs


PILLOW_MODES = {
    "NEAREST": "nearest", "BOX": "box", "BILINEAR": "bilinear",
    "HAMMING": "hamming", "BICUBIC": "bicubic", "LANCZOS": "lanczos",
}


def pillow_call(params, x):
    """``Image.resize`` parameters as ``upscale_cli.resize_image`` keywords."""
    assert params["box"] is None
    kwargs = {"size": tuple(params["size"]), "mode": PILLOW_MODES[params["resample"]], "compat": "pillow"}
    if params["reducing_gap"] is not None:
        kwargs["reducing_gap"] = params["reducing_gap"]
    return kwargs


ONNX_MODES = {"nearest": "nearest", "linear": "linear", "cubic": "bicubic"}
ONNX_ROUNDINGS = {"round_prefer_floor": "half-down", "round_prefer_ceil": "round", "floor": "floor", "ceil": "ceil"}
ONNX_FITS = {"stretch": "stretch", "not_larger": "contain", "not_smaller": "cover"}
#: Which preset reproduces the program that made an ONNX case's output.
ONNX_RUNTIMES = {"onnxruntime": "onnxruntime", "onnx.reference": "onnx"}


def _onnx_full_rank(params, x):
    """``roi``, ``scales`` and ``sizes`` over every axis of ``x`` (ONNX ``axes`` lists only some)."""
    axes, rank = params.get("axes"), x.ndim
    if axes is None:
        return params["roi"], params["scales"], params["sizes"]
    roi, scales, sizes = [0.0] * rank + [1.0] * rank, [1.0] * rank, list(x.shape)
    for i, axis in enumerate(axes):
        if params["roi"] is not None:
            roi[axis], roi[rank + axis] = params["roi"][i], params["roi"][len(axes) + i]
        if params["scales"] is not None:
            scales[axis] = params["scales"][i]
        if params["sizes"] is not None:
            sizes[axis] = params["sizes"][i]
    return (
        roi if params["roi"] is not None else None,
        scales if params["scales"] is not None else None,
        sizes if params["sizes"] is not None else None,
    )


def onnx_call(params, x, compat=None, layout="nchw"):
    """ONNX ``Resize`` attributes and inputs as ``upscale_cli.resize`` keywords.

    ``compat`` defaults to the preset of the program that made the output;
    ``layout`` names the tensor's resized axes (the other axes keep scale 1).
    """
    kwargs = {
        "mode": ONNX_MODES[params["mode"]], "compat": compat or ONNX_RUNTIMES[params["runtime"]],
        "align": params["coordinate_transformation_mode"].replace("_", "-"),
        "cubic_a": params["cubic_coeff_a"], "exclude_outside": bool(params["exclude_outside"]),
        "antialias": bool(params["antialias"]), "fit": ONNX_FITS[params.get("keep_aspect_ratio_policy", "stretch")],
    }
    if params["coordinate_transformation_mode"] == "tf_crop_and_resize":
        kwargs["extrapolation_value"] = params["extrapolation_value"]
    if params["mode"] == "nearest":
        kwargs["rounding"] = ONNX_ROUNDINGS[params["nearest_mode"]]
    spatial = LAYOUTS[layout]  # x first
    others = [axis for axis in range(x.ndim) if axis not in spatial]
    roi, scales, sizes = _onnx_full_rank(params, x)
    if roi is not None:
        starts, ends = roi[: x.ndim], roi[x.ndim:]
        kwargs["roi"] = (*(starts[axis] for axis in spatial), *(ends[axis] for axis in spatial))
    if sizes is not None:
        assert [sizes[axis] for axis in others] == [x.shape[axis] for axis in others]
        kwargs["size"] = tuple(sizes[axis] for axis in spatial)
    else:
        assert all(scales[axis] == 1.0 for axis in others)
        kwargs["scale"] = tuple(scales[axis] for axis in spatial)
    return kwargs


CALLS = {"torch": torch_call, "opencv": opencv_call, "pillow": pillow_call, "onnx": onnx_call, "onnxruntime": onnx_call}


def run_case(case):
    """What upscale_cli returns for one golden case."""
    x, _ = _arrays(case)
    if case["library"] in ("onnx", "onnxruntime"):
        kwargs = onnx_call(case["params"], x, layout=case["layout"])
    else:
        kwargs = CALLS[case["library"]](case["params"], x)
    if case["library"] == "pillow":
        return np.asarray(upscale_cli.resize_image(Image.fromarray(x), **kwargs))
    return upscale_cli.resize(x, layout=case["layout"], **kwargs)


def _case_id(case):
    return case.get("test_name", case["id"])


NEAREST_CALLS = ("nearest", "nearest-exact", "INTER_NEAREST", "INTER_NEAREST_EXACT", "NEAREST")


def documented_tolerance(case) -> dict:
    """The case's tolerance, tightened to 0 where docs/compat.md says "identical": every Pillow mode
    (``F`` included) and every nearest mode (a copied sample is the sample)."""
    params = case["params"]
    calls = (params.get("mode"), params.get("interpolation"), params.get("resample"))
    if case["library"] == "pillow" or any(call in NEAREST_CALLS for call in calls):
        return {"max_abs_diff": 0} if "max_abs_diff" in case["tolerance"] else {"atol": 0, "rtol": 0}
    return case["tolerance"]


@pytest.mark.parametrize("case", _cases(), ids=_case_id)
def test_golden(case):
    _, expected = _arrays(case)
    result = run_case(case)
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    tolerance = documented_tolerance(case)
    if "max_abs_diff" in tolerance:
        difference = np.abs(result.astype(np.int64) - expected.astype(np.int64))
        assert difference.max() <= tolerance["max_abs_diff"], f"have\n{result}\nexpected\n{expected}"
    else:
        np.testing.assert_allclose(result, expected, atol=tolerance["atol"], rtol=tolerance["rtol"])


def test_torch_uint8_cases_are_compared_bit_for_bit():
    uint8 = [case for case in _cases() if case["library"] == "torch" and case["input_dtype"] == "uint8"]
    assert len(uint8) >= 40
    assert all(case["tolerance"] == {"atol": 0, "rtol": 0} for case in uint8)
    assert {case["params"]["mode"] for case in uint8} == {"bilinear", "bicubic"}
    assert {case["params"]["antialias"] for case in uint8} == {False, True}


NODE_TESTS = [case for case in _cases() if case["library"] == "onnx"]


def test_every_resize_node_test_of_the_standard_is_vendored():
    names = {case["test_name"] for case in NODE_TESTS}
    assert len(NODE_TESTS) == len(names) == 39
    assert {"test_resize_downsample_scales_linear_align_corners", "test_resize_downsample_scales_cubic_align_corners",
            "test_resize_tf_crop_and_resize", "test_resize_tf_crop_and_resize_axes_3_2"} <= names


@pytest.mark.parametrize("case", NODE_TESTS, ids=_case_id)
def test_onnxruntime_preset_on_the_node_tests(case):
    """onnxruntime's own output on each node test's model (it accepts all 39)."""
    x, _ = _arrays(case)
    expected = _archive(case["file"])[f"{case['id']}__onnxruntime"]
    result = upscale_cli.resize(x, layout=case["layout"], **onnx_call(case["params"], x, compat="onnxruntime"))
    np.testing.assert_allclose(result, expected, atol=1e-5, rtol=0)


IPP_CUBIC = [case for case in _cases() if case["library"] == "opencv" and case["tolerance"].get("max_abs_diff")]


@pytest.mark.parametrize("case", IPP_CUBIC, ids=_case_id)
def test_opencv_cases_kept_with_ipp_are_identical_without_it(case):
    """The golden 8-bit bicubic cases were taken with Intel IPP on (±1, see docs/compat.md); OpenCV's own code,
    with IPP off, gives the preset's samples exactly."""
    cv2 = pytest.importorskip("cv2")
    x, _ = _arrays(case)
    params, before = case["params"], cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    try:
        expected = cv2.resize(x, tuple(params["dsize"]), interpolation=getattr(cv2, params["interpolation"]))
    finally:
        cv2.ipp.setUseIPP(before)
    result = run_case(case)
    assert result.tolist() == expected.reshape(result.shape).tolist()

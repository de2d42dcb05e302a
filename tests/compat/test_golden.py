"""Library presets against the committed golden outputs of the real libraries.

Every PyTorch, OpenCV, Pillow and ONNX case of ``tests/golden/manifest.json``
is translated from the library's own vocabulary into one
``upscale_cli.resize(..., compat=...)`` (or ``resize_image``) call and
compared within the case's tolerance.
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

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
LIBRARIES = ("torch", "opencv", "pillow", "onnx")


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


def onnx_call(params, x):
    """ONNX ``Resize`` attributes and inputs as ``upscale_cli.resize`` keywords."""
    kwargs = {
        "mode": ONNX_MODES[params["mode"]], "compat": "onnx",
        "align": params["coordinate_transformation_mode"].replace("_", "-"),
        "cubic_a": params["cubic_coeff_a"], "exclude_outside": bool(params["exclude_outside"]),
        "antialias": bool(params["antialias"]),
    }
    if params["coordinate_transformation_mode"] == "tf_crop_and_resize":
        kwargs["extrapolation_value"] = params["extrapolation_value"]
    if params["mode"] == "nearest":
        kwargs["rounding"] = ONNX_ROUNDINGS[params["nearest_mode"]]
    spatial = x.ndim - 2
    if params["roi"] is not None:
        roi = params["roi"]
        starts, ends = roi[: x.ndim][2:], roi[x.ndim:][2:]
        kwargs["roi"] = (*_x_first(starts), *_x_first(ends))
    if params["sizes"] is not None:
        assert list(params["sizes"][:2]) == list(x.shape[:2])
        kwargs["size"] = _x_first(params["sizes"][-spatial:])
    else:
        assert params["scales"][:2] == [1.0, 1.0]
        kwargs["scale"] = _x_first(params["scales"][-spatial:])
    return kwargs


CALLS = {"torch": torch_call, "opencv": opencv_call, "pillow": pillow_call, "onnx": onnx_call}


def run_case(case):
    """What upscale_cli returns for one golden case."""
    x, _ = _arrays(case)
    kwargs = CALLS[case["library"]](case["params"], x)
    if case["library"] == "pillow":
        return np.asarray(upscale_cli.resize_image(Image.fromarray(x), **kwargs))
    return upscale_cli.resize(x, layout=case["layout"], **kwargs)


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case["id"])
def test_golden(case):
    _, expected = _arrays(case)
    result = run_case(case)
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    tolerance = case["tolerance"]
    if "max_abs_diff" in tolerance:
        difference = np.abs(result.astype(np.int64) - expected.astype(np.int64))
        assert difference.max() <= tolerance["max_abs_diff"], f"have\n{result}\nexpected\n{expected}"
    else:
        np.testing.assert_allclose(result, expected, atol=tolerance["atol"], rtol=tolerance["rtol"])

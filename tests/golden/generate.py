#!/usr/bin/env python3
"""Golden-fixture generator for ``upscale``.

What it does
------------
Calls the REAL reference libraries -- PyTorch (``torch.nn.functional``,
``torch.nn``), OpenCV (``cv2.resize``), Pillow (``Image.resize``) and ONNX
``Resize`` (models built with ``onnx.helper``, executed with onnxruntime, and
the standard's own backend node tests) --
on small, deterministic random inputs (fixed seeds) and writes what they
return, so the test-suite can compare ``upscale``'s own implementation against
the libraries number for number without having any of them installed.

Outputs (all written next to this file, i.e. into ``tests/golden/``):

* ``torch.npz``, ``opencv.npz``, ``pillow.npz``, ``onnxruntime.npz``,
  ``onnx_node.npz`` (the ONNX standard's 39 Resize backend node tests, with
  onnxruntime's output on the same models), ``nn.npz``: one archive per
  library family.  Keys are ``<case_id>__input`` and
  ``<case_id>__output`` plus, for some cases, ``__indices``, ``__weight``,
  ``__bias``, ``__roi`` and ``__pool_input`` (see README.md).
* ``manifest.json``: library versions and one record per case (id, library,
  file, exact python call, machine-readable params in the library's own
  vocabulary, input dtype, layout, tolerance, note).

How to rerun
------------
From the repository root::

    pip install -e '.[golden]'
    python tests/golden/generate.py

The script is deterministic: rerunning it with the same library versions
rewrites byte-identical files (npz members carry the fixed 1980 zip
timestamp).  torch / cv2 / onnx / onnxruntime / PIL are imported lazily,
inside this script only; nothing in ``upscale_cli`` depends on them.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

F32_TOL = {"atol": 1e-5, "rtol": 0}
F64_TOL = {"atol": 1e-10, "rtol": 0}
EXACT_TOL = {"atol": 0, "rtol": 0}


def _fmt(v):
    """repr() that prints python-native values the way one types them."""
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return repr(v)


def _jsonable(v):
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


class Family:
    """Collects the cases and arrays of one npz file."""

    def __init__(self, library, filename, prefix):
        self.library = library
        self.file = filename
        self.prefix = prefix
        self.arrays = OrderedDict()
        self.cases = []

    def add(self, call, params, input_dtype, layout, tolerance, note="", arrays=None, **extra):
        cid = "%s-%04d" % (self.prefix, len(self.cases) + 1)
        for key, arr in (arrays or {}).items():
            self.arrays["%s__%s" % (cid, key)] = np.ascontiguousarray(arr)
        library = extra.pop("library_override", self.library)
        rec = OrderedDict(
            id=cid,
            library=library,
            file=self.file,
            call=call,
            params=_jsonable(params),
            input_dtype=input_dtype,
            layout=layout,
            tolerance=tolerance,
            note=note,
        )
        for k, v in extra.items():
            rec[k] = _jsonable(v)
        self.cases.append(rec)
        return cid

    def save(self):
        np.savez_compressed(os.path.join(HERE, self.file), **self.arrays)


# --------------------------------------------------------------------------
# PyTorch F.interpolate and nn upsampling modules
# --------------------------------------------------------------------------

def gen_torch(fam):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(0)
    rng = np.random.default_rng(1001)

    layouts = {3: "ncl", 4: "nchw", 5: "ncdhw"}

    def rand(shape, dtype="float32"):
        return rng.uniform(-1.0, 2.0, size=shape).astype(dtype)

    def interp(shape, mode, size=None, scale_factor=None, align_corners=None,
               antialias=False, recompute_scale_factor=None, dtype="float32", note="", x=None):
        if x is None:
            x = rand(shape, dtype)
        kw = OrderedDict()
        if size is not None:
            kw["size"] = size
        if scale_factor is not None:
            kw["scale_factor"] = scale_factor
        kw["mode"] = mode
        if align_corners is not None:
            kw["align_corners"] = align_corners
        if recompute_scale_factor is not None:
            kw["recompute_scale_factor"] = recompute_scale_factor
        if antialias:
            kw["antialias"] = True
        y = F.interpolate(torch.from_numpy(x), **kw).numpy()
        call = "F.interpolate(x, " + ", ".join("%s=%s" % (k, _fmt(v)) for k, v in kw.items()) + ")"
        nsp = x.ndim - 2

        def norm(v, conv):
            if v is None:
                return None
            if isinstance(v, (tuple, list)):
                return [conv(e) for e in v]
            return [conv(v)] * nsp

        params = OrderedDict(
            function="interpolate",
            mode=mode,
            size=norm(size, int),
            scale_factor=norm(scale_factor, float),
            align_corners=align_corners,
            antialias=bool(antialias),
            recompute_scale_factor=recompute_scale_factor,
        )
        tol = EXACT_TOL if dtype == "uint8" else F64_TOL if dtype == "float64" else F32_TOL
        fam.add(call, params, dtype, layouts[x.ndim], tol, note,
                {"input": x, "output": y}, output_shape=list(y.shape))

    # ---- nearest (asymmetric + floor, float32 index arithmetic)
    interp((1, 2, 4, 5), "nearest", size=(7, 9), note="enlarge, odd sizes")
    interp((1, 1, 9, 7), "nearest", size=(4, 3), note="reduce, odd sizes")
    interp((1, 2, 5, 6), "nearest", scale_factor=(1.7, 0.6),
           note="per-axis scale_factor; n_out = floor(n_in*S) -> (8, 3); r = 1/S")
    interp((1, 1, 31), "nearest", scale_factor=1.3,
           note="documented trap: 31*1.3 -> 40 outputs; d=39 maps to 30 (float32 index arithmetic)")
    interp((1, 1, 31), "nearest", scale_factor=1.3, dtype="float64",
           note="same trap on a float64 tensor: torch still computes the index in float32 -> d=39 gives 30")
    interp((1, 1, 6), "nearest", size=34, note="6 -> 34 via size (OpenCV's trap length, torch formula)")
    interp((1, 3, 1, 1), "nearest", size=(5, 4), note="1-pixel input")
    interp((1, 2, 7, 6), "nearest", size=(1, 1), note="1-pixel output")
    interp((1, 1, 3, 4, 5), "nearest", size=(5, 3, 7), note="5-D nearest, mixed enlarge/reduce")
    interp((2, 1, 3, 3), "nearest", scale_factor=2.0, dtype="float64", note="float64, integer scale")
    # ---- nearest-exact (half-pixel + round)
    interp((1, 1, 1, 2), "nearest-exact", size=(1, 41),
           note="documented trap, NCHW: 2 -> 41, d=20 gives index 0 (exact arithmetic gives 1)")
    interp((1, 1, 2), "nearest-exact", size=41,
           note="same 2 -> 41 on an NCL tensor: the 1-D kernel gives index 1 at d=20 (NOT 0 as the 2-D kernel)")
    interp((1, 1, 14), "nearest", size=46, dtype="float64",
           note="NCL float64: 1-D/3-D kernels compute the index in double -> d=23 gives 7 (NCHW or float32 give 6)")
    interp((1, 1, 4, 5), "nearest", scale_factor=1.1,
           note="NCHW: n_out == n_in (5*1.1 -> 5, 4*1.1 -> 4) -> torch copies the input (scale ignored)")
    interp((1, 1, 5), "nearest", scale_factor=1.1,
           note="NCL: same 5*1.1 -> 5 but the 1-D kernel applies r=1/1.1 -> indices 0,0,1,2,3")
    interp((1, 1, 4, 5), "bilinear", scale_factor=1.1, align_corners=False,
           note="n_out == n_in -> torch copies the input for linear modes (scale ignored)")
    interp((1, 1, 4, 5), "bicubic", scale_factor=1.1, align_corners=False,
           note="n_out == n_in but bicubic does NOT shortcut: uses r = 1/1.1")
    interp((1, 2, 5, 7), "nearest-exact", size=(13, 3), note="odd sizes, enlarge H, reduce W")
    interp((1, 1, 6, 5), "nearest-exact", scale_factor=(1.7, 0.6), note="per-axis fractional scale_factor")
    interp((1, 1, 2, 2), "nearest-exact", size=(7, 7), note="2 -> 7 (Pillow's trap length, torch formula)")
    interp((1, 1, 3, 4, 2), "nearest-exact", size=(2, 5, 3), note="5-D nearest-exact")
    interp((1, 1, 7, 1), "nearest-exact", size=(1, 4), dtype="float64", note="float64, 1-pixel output rows")
    # ---- linear (3-D)
    interp((1, 2, 5), "linear", size=11, align_corners=False, note="NCL enlarge")
    interp((1, 2, 5), "linear", size=11, align_corners=True, note="NCL enlarge align_corners")
    interp((1, 1, 13), "linear", scale_factor=0.45, align_corners=False,
           note="NCL reduce by fractional scale (no antialias for linear): n_out=floor(5.85)=5, r=1/0.45")
    interp((1, 1, 7), "linear", size=1, align_corners=True, note="1-pixel output, align_corners -> x=0")
    interp((1, 1, 1), "linear", size=6, align_corners=False, note="1-pixel input")
    # ---- bilinear
    interp((1, 2, 4, 5), "bilinear", size=(9, 7), align_corners=False, note="enlarge odd")
    interp((1, 2, 4, 5), "bilinear", size=(9, 7), align_corners=True, note="enlarge odd, align_corners")
    interp((1, 1, 5, 6), "bilinear", scale_factor=(1.7, 0.6), align_corners=False,
           note="per-axis scale_factor, r = 1/S (not n_in/n_out)")
    interp((1, 1, 5, 6), "bilinear", scale_factor=(1.7, 0.6), align_corners=False,
           recompute_scale_factor=True, note="recompute_scale_factor=True: r = n_in/n_out")
    interp((1, 1, 11, 13), "bilinear", size=(4, 5), align_corners=False, note="reduce without antialias")
    interp((1, 1, 8, 3), "bilinear", size=(1, 3), align_corners=False, note="1-pixel output height")
    interp((1, 3, 1, 1), "bilinear", size=(3, 4), align_corners=False, note="1-pixel input")
    interp((1, 1, 4, 4), "bilinear", scale_factor=2.0, align_corners=False, dtype="float64",
           note="float64 x2 (the seed-C pattern on random data)")
    interp((1, 1, 6, 9), "bilinear", size=(4, 4), antialias=True, note="antialias reduce both axes")
    interp((1, 2, 13, 7), "bilinear", size=(5, 10), antialias=True,
           note="antialias, H reduces, W enlarges (antialias formula on enlarging axis)")
    interp((1, 1, 12, 12), "bilinear", scale_factor=(0.3, 0.5), antialias=True,
           note="antialias with fractional scale_factor")
    interp((1, 1, 9, 8), "bilinear", size=(1, 3), antialias=True,
           note="antialias to 1 row (output width 3, so not the width-1 bug)")
    # ---- bicubic (a=-0.75, no clamp of x)
    interp((1, 2, 4, 5), "bicubic", size=(9, 11), align_corners=False, note="enlarge")
    interp((1, 2, 4, 5), "bicubic", size=(9, 11), align_corners=True, note="enlarge, align_corners")
    interp((1, 1, 6, 7), "bicubic", scale_factor=(1.7, 0.6), align_corners=False, note="per-axis scale_factor")
    interp((1, 1, 13, 11), "bicubic", size=(5, 4), align_corners=False, note="reduce without antialias")
    interp((1, 1, 3, 3), "bicubic", size=(8, 8), align_corners=False, dtype="float64", note="float64 enlarge")
    interp((1, 1, 2, 9), "bicubic", size=(1, 5), align_corners=True, note="1-pixel output rows, align_corners")
    interp((1, 1, 10, 11), "bicubic", size=(4, 3), antialias=True,
           note="antialias bicubic reduce (kernel a=-0.5 in antialias mode)")
    interp((1, 1, 13, 6), "bicubic", size=(7, 9), antialias=True, note="antialias bicubic, H reduces, W enlarges")
    interp((1, 1, 12, 12), "bicubic", size=(5, 5), antialias=True, dtype="float64", note="antialias float64")
    # ---- trilinear
    interp((1, 1, 3, 4, 5), "trilinear", size=(5, 7, 3), align_corners=False, note="5-D")
    interp((1, 2, 3, 2, 4), "trilinear", size=(4, 5, 7), align_corners=True, note="5-D align_corners")
    interp((1, 1, 4, 3, 5), "trilinear", scale_factor=(1.5, 0.7, 2.0), align_corners=False,
           note="5-D per-axis scale_factor")
    # ---- area (adaptive average pooling)
    interp((1, 2, 13), "area", size=5, note="NCL area reduce non-integer")
    interp((1, 1, 9, 12), "area", size=(4, 5), note="NCHW area reduce non-integer")
    interp((1, 1, 8, 6), "area", size=(4, 3), note="area integer reduce")
    interp((1, 1, 3, 4), "area", size=(7, 9), note="area enlarge (adaptive pooling windows overlap)")
    interp((1, 1, 5, 6, 7), "area", size=(2, 3, 4), note="NCDHW area")
    interp((1, 1, 10, 9), "area", scale_factor=0.35, note="area with scale_factor: n_out=floor(n_in*S)")
    # ---- nn modules
    def module(mod, call, params, shape, note=""):
        x = rand(shape)
        y = mod(torch.from_numpy(x)).detach().numpy()
        fam.add(call, params, "float32", layouts[x.ndim], F32_TOL, note,
                {"input": x, "output": y}, output_shape=list(y.shape))

    module(nn.UpsamplingNearest2d(scale_factor=2), "nn.UpsamplingNearest2d(scale_factor=2)(x)",
           {"function": "UpsamplingNearest2d", "size": None, "scale_factor": [2.0, 2.0]}, (1, 2, 3, 4))
    module(nn.UpsamplingNearest2d(size=(5, 7)), "nn.UpsamplingNearest2d(size=(5, 7))(x)",
           {"function": "UpsamplingNearest2d", "size": [5, 7], "scale_factor": None}, (1, 1, 3, 3),
           note="mode='nearest' (asymmetric floor)")
    module(nn.UpsamplingBilinear2d(scale_factor=2), "nn.UpsamplingBilinear2d(scale_factor=2)(x)",
           {"function": "UpsamplingBilinear2d", "size": None, "scale_factor": [2.0, 2.0]}, (1, 2, 3, 4),
           note="UpsamplingBilinear2d always uses align_corners=True")
    module(nn.UpsamplingBilinear2d(size=(6, 3)), "nn.UpsamplingBilinear2d(size=(6, 3))(x)",
           {"function": "UpsamplingBilinear2d", "size": [6, 3], "scale_factor": None}, (1, 1, 4, 5),
           note="align_corners=True, W reduces")
    module(nn.Upsample(scale_factor=1.5, mode="bilinear"), "nn.Upsample(scale_factor=1.5, mode='bilinear')(x)",
           {"function": "Upsample", "mode": "bilinear", "size": None, "scale_factor": [1.5, 1.5],
            "align_corners": None}, (1, 1, 5, 4), note="align_corners=None behaves as False")
    module(nn.Upsample(size=(7, 5), mode="nearest"), "nn.Upsample(size=(7, 5), mode='nearest')(x)",
           {"function": "Upsample", "mode": "nearest", "size": [7, 5], "scale_factor": None,
            "align_corners": None}, (1, 2, 3, 4))
    module(nn.Upsample(scale_factor=3, mode="bicubic", align_corners=True),
           "nn.Upsample(scale_factor=3, mode='bicubic', align_corners=True)(x)",
           {"function": "Upsample", "mode": "bicubic", "size": None, "scale_factor": [3.0, 3.0],
            "align_corners": True}, (1, 1, 3, 2))
    module(nn.Upsample(scale_factor=2, mode="trilinear"), "nn.Upsample(scale_factor=2, mode='trilinear')(x)",
           {"function": "Upsample", "mode": "trilinear", "size": None, "scale_factor": [2.0, 2.0, 2.0],
            "align_corners": None}, (1, 1, 2, 3, 2))
    module(nn.Upsample(size=9, mode="linear", align_corners=False),
           "nn.Upsample(size=9, mode='linear', align_corners=False)(x)",
           {"function": "Upsample", "mode": "linear", "size": [9], "scale_factor": None,
            "align_corners": False}, (1, 3, 4))

    # ---- uint8 bilinear / bicubic (Pillow's fixed point: int16 weights, every pass rounded to 8 bits)
    rng8 = np.random.default_rng(1013)

    def interp8(shape, mode, x=None, **kw):
        if x is None:
            x = rng8.integers(0, 256, size=shape, dtype=np.uint8)
        interp(shape, mode, dtype="uint8", x=x, **kw)

    interp8((1, 3, 4, 5), "bilinear", size=(9, 7), align_corners=False, note="uint8 enlarge odd, RGB")
    interp8((1, 3, 4, 5), "bilinear", size=(9, 7), align_corners=True, note="uint8 enlarge odd, align_corners")
    interp8((1, 1, 5, 6), "bilinear", scale_factor=(1.7, 0.6), align_corners=False,
            note="uint8 per-axis scale_factor: r = 1/S in double")
    interp8((1, 4, 11, 13), "bilinear", size=(4, 5), align_corners=False, note="uint8 reduce without antialias, RGBA")
    interp8((1, 3, 12, 12), "bilinear", size=(6, 6), antialias=True,
            note="uint8 antialias x1/2: weights 1/8, 3/8 (exact ties in the 8-bit rounding)")
    interp8((1, 1, 8, 3), "bilinear", size=(1, 3), align_corners=False, note="uint8 1-pixel output height")
    interp8((1, 3, 1, 1), "bilinear", size=(3, 4), align_corners=False, note="uint8 1-pixel input")
    interp8((1, 1, 9, 8), "bilinear", size=(4, 3), antialias=True, align_corners=True,
            note="uint8 antialias with align_corners: centre (d + 0.5)*(n_in - 1)/(n_out - 1)")
    interp8((1, 3, 4, 5), "bicubic", size=(9, 11), align_corners=False, note="uint8 bicubic enlarge, a = -0.75")
    interp8((1, 3, 4, 5), "bicubic", size=(9, 11), align_corners=True, note="uint8 bicubic enlarge, align_corners")
    interp8((1, 1, 6, 7), "bicubic", scale_factor=(1.7, 0.6), align_corners=False, note="uint8 bicubic scale_factor")
    interp8((1, 4, 13, 11), "bicubic", size=(5, 4), align_corners=False, note="uint8 bicubic reduce without antialias")
    interp8((1, 1, 4, 5), "bicubic", scale_factor=1.1, align_corners=False,
            note="uint8: n_out == n_in -> the 8-bit kernels skip the axis even for bicubic (floats do not)")
    interp8((1, 1, 2, 9), "bicubic", size=(1, 5), align_corners=True, note="uint8 1-pixel output rows, align_corners")
    interp8((1, 3, 10, 11), "bicubic", size=(4, 3), antialias=True, note="uint8 antialias bicubic reduce, a = -0.5")
    interp8((1, 1, 13, 6), "bicubic", size=(7, 9), antialias=True, note="uint8 antialias bicubic, H reduces, W enlarges")
    interp8((1, 3, 40, 50), "bicubic", size=(3, 4), antialias=True,
            note="uint8 antialias x1/13: 17-bit weights (sums beyond 2**24 units)")
    checker = (np.indices((6, 6)).sum(axis=0) % 2 * 255).astype(np.uint8)[None, None]
    interp8((1, 1, 6, 6), "bicubic", x=checker, size=(12, 12), align_corners=False,
            note="uint8 checkerboard x2: the width pass overshoots and is clipped before the height pass")
    for _ in range(24):
        channels = int(rng8.choice([1, 3, 4]))
        h, w = (int(v) for v in rng8.integers(1, 13, 2))
        mode = str(rng8.choice(["bilinear", "bicubic"]))
        antialias = bool(rng8.integers(2))
        corners = bool(rng8.integers(2))
        if rng8.integers(2):
            size = tuple(int(v) for v in rng8.integers(1, 21, 2))
            kw = {"size": size}
        else:
            factors = tuple(float(v) for v in rng8.choice([0.25, 0.5, 0.75, 1.5, 2.0, 3.0, 0.3, 1.3, 2.7], 2))
            size = tuple(math.floor(n * f) for n, f in zip((h, w), factors))
            kw = {"scale_factor": factors}
        if min(size) < 1 or (size == (1, 1) and channels == 3):
            continue  # torch refuses 3 contiguous channels resized to 1x1 (an internal assert)
        interp8((1, channels, h, w), mode, align_corners=corners, antialias=antialias,
                note="uint8 random lengths and factors", **kw)


# --------------------------------------------------------------------------
# OpenCV cv2.resize
# --------------------------------------------------------------------------

def _cv_resize(cv2, x, interp, dsize, fx, fy):
    """``cv2.resize`` with ``dsize`` or ``fx``/``fy``: the output, the call as text and its params."""
    flag = getattr(cv2, interp)
    if dsize is not None:
        y = cv2.resize(x, dsize, interpolation=flag)
        call = "cv2.resize(x, %s, interpolation=cv2.%s)" % (_fmt(tuple(dsize)), interp)
    else:
        y = cv2.resize(x, (0, 0), fx=fx, fy=fy, interpolation=flag)
        call = "cv2.resize(x, (0, 0), fx=%r, fy=%r, interpolation=cv2.%s)" % (fx, fy, interp)
    params = OrderedDict(function="resize", interpolation=interp,
                         dsize=list(dsize) if dsize is not None else None,
                         fx=fx if dsize is None else 0.0, fy=fy if dsize is None else 0.0)
    return y, call, params


def gen_opencv(fam):
    import cv2

    rng = np.random.default_rng(2002)

    def rand(shape, dtype):
        if dtype == "uint8":
            return rng.integers(0, 256, size=shape).astype(np.uint8)
        return rng.uniform(-1.0, 2.0, size=shape).astype(np.float32)

    def case(shape, dtype, interp, dsize=None, fx=None, fy=None, note="", x=None, tol=None):
        if x is None:
            x = rand(shape, dtype)
        y, call, params = _cv_resize(cv2, x, interp, dsize, fx, fy)
        if tol is None:
            if x.dtype == np.uint8:
                # 8-bit INTER_CUBIC goes to Intel IPP when cv2 has it (its own rounding, ±1); the rest is OpenCV's code
                tol = {"max_abs_diff": 1 if interp == "INTER_CUBIC" else 0}
            else:
                tol = F32_TOL
        fam.add(call, params, str(x.dtype), "hw" if x.ndim == 2 else "hwc", tol, note,
                {"input": x, "output": y}, output_shape=list(y.shape))

    # INTER_NEAREST (asymmetric floor, double)
    case((1, 6), "float32", "INTER_NEAREST", dsize=(34, 1), note="documented trap 6 -> 34: d=17 gives 2")
    case((5, 7), "float32", "INTER_NEAREST", dsize=(11, 3), note="odd enlarge W / reduce H")
    case((4, 31, 3), "float32", "INTER_NEAREST", fx=1.3, fy=0.5,
         note="fx=1.3 on 31: index = floor(d*(1/fx)) in double -> d=39 gives 29; fy 4*0.5 -> 2")
    case((6, 5), "uint8", "INTER_NEAREST", fx=0.5, fy=1.5, note="W 5*0.5=2.5 -> 2 (half to even)")
    case((3, 3, 3), "uint8", "INTER_NEAREST", dsize=(4, 4), note="3x3 -> 4x4, HxWx3 uint8")
    # INTER_NEAREST_EXACT (Pillow running sum, fx ignored)
    case((7, 2), "float32", "INTER_NEAREST_EXACT", dsize=(7, 1), note="2 -> 7 gives 0,0,0,0,1,1,1 (W)")
    case((5, 9, 3), "uint8", "INTER_NEAREST_EXACT", dsize=(4, 13), note="odd sizes HxWx3")
    case((7, 6), "float32", "INTER_NEAREST_EXACT", fx=1.7, fy=0.35,
         note="fx/fy given: OpenCV uses r = n_in/n_out, not 1/fx, for NEAREST_EXACT")
    # INTER_LINEAR
    case((4, 5), "float32", "INTER_LINEAR", dsize=(9, 7), note="enlarge")
    case((11, 13), "float32", "INTER_LINEAR", dsize=(5, 4), note="reduce (no antialias)")
    case((5, 6, 3), "float32", "INTER_LINEAR", fx=1.7, fy=0.6, note="fx/fy: n_out=round-half-even, r=1/fx")
    case((5, 5), "float32", "INTER_LINEAR", fx=0.5, fy=0.5, note="5*0.5 = 2.5 -> 2 outputs per axis")
    case((6, 7), "uint8", "INTER_LINEAR", dsize=(13, 3), note="uint8 fixed point")
    case((4, 4, 3), "uint8", "INTER_LINEAR", dsize=(2, 3), note="uint8 HxWx3, tiny output width 2")
    case((1, 7), "float32", "INTER_LINEAR", dsize=(3, 5), note="1-row input")
    # INTER_LINEAR_EXACT (uint8 only)
    case((5, 6), "uint8", "INTER_LINEAR_EXACT", dsize=(11, 9), note="8-bit weights, exact integer sum")
    case((9, 13, 3), "uint8", "INTER_LINEAR_EXACT", dsize=(4, 6), note="reduce, HxWx3")
    case((7, 7), "uint8", "INTER_LINEAR_EXACT", fx=1.3, fy=0.7, note="fx/fy")
    # INTER_CUBIC (a=-0.75)
    case((4, 5), "float32", "INTER_CUBIC", dsize=(9, 11), note="enlarge")
    case((12, 13), "float32", "INTER_CUBIC", dsize=(5, 4), note="reduce (no antialias)")
    case((5, 6, 3), "float32", "INTER_CUBIC", fx=2.5, fy=1.5, note="fx/fy")
    case((6, 6), "uint8", "INTER_CUBIC", dsize=(11, 11), note="uint8, overshoot clipped")
    x = (rng.integers(0, 2, size=(5, 5)) * 255).astype(np.uint8)
    case(None, "uint8", "INTER_CUBIC", dsize=(12, 9), x=x, note="uint8 0/255 checkerboard-ish: heavy clipping")
    # INTER_LANCZOS4
    case((5, 4), "float32", "INTER_LANCZOS4", dsize=(9, 13), note="enlarge")
    case((13, 12), "float32", "INTER_LANCZOS4", dsize=(5, 7), note="reduce, no antialias")
    case((4, 6, 3), "uint8", "INTER_LANCZOS4", dsize=(11, 7), note="uint8 HxWx3")
    # INTER_AREA
    case((6, 6), "float32", "INTER_AREA", dsize=(3, 3), note="exact integer-ratio downscale (special path)")
    case((12, 12, 3), "uint8", "INTER_AREA", dsize=(4, 3), note="integer ratios 3 and 4 (special path), uint8")
    x = np.array([[1, 2, 3, 4, 10, 12], [0, 3, 1, 2, 7, 9]], dtype=np.uint8)
    case(None, "uint8", "INTER_AREA", dsize=(3, 1), x=x, tol={"max_abs_diff": 0},
         note="uint8 2x2 blocks averaging exactly 1.5, 2.5, 9.5 -> 2, 3, 10: the exact 2x2 path rounds "
              "half UP ((sum+2)>>2), unlike every other integer ratio (half to even)")
    x = np.array([[1, 2, 3, 6, 10, 11], [5, 8, 2, 4, 0, 255]], dtype=np.uint8)
    case(None, "uint8", "INTER_AREA", dsize=(3, 2), x=x, tol={"max_abs_diff": 0},
         note="uint8 1x2 blocks averaging 1.5, 4.5, 10.5, 6.5, 3, 127.5 -> half to even (2, 4, 10, 6, 3, 128)")
    case((13, 11), "float32", "INTER_AREA", dsize=(5, 4), note="non-integer reduce (general area path)")
    case((9, 10), "uint8", "INTER_AREA", dsize=(4, 7), note="non-integer reduce uint8")
    case((5, 5), "float32", "INTER_AREA", fx=0.5, fy=0.5, note="fx=0.5 on 5 -> 2; r = 1/fx = 2 (not 2.5)")
    case((10, 10), "float32", "INTER_AREA", fx=0.3, fy=0.3, note="fx=0.3 -> 3 outputs, r = 1/0.3")
    case((3, 4), "float32", "INTER_AREA", dsize=(10, 7), note="enlargement formula")
    case((4, 3, 3), "uint8", "INTER_AREA", dsize=(7, 9), note="enlargement uint8")
    case((13, 6), "float32", "INTER_AREA", dsize=(8, 3),
         note="mixed: W enlarges, H reduces -> OpenCV uses the ENLARGEMENT formula on BOTH axes")
    case((8, 8), "float32", "INTER_AREA", dsize=(8, 8), note="same size: plain copy")
    case((4, 3), "float32", "INTER_LINEAR", fx=1.1, fy=1.1,
         note="round(3.3)=3, round(4.4)=4: dsize equals src size -> plain copy, fx ignored")
    case((2, 9), "float32", "INTER_AREA", dsize=(1, 1), note="1x1 output")
    case((1, 1, 3), "float32", "INTER_CUBIC", dsize=(3, 2), note="1x1 input")


# --------------------------------------------------------------------------
# Pillow Image.resize
# --------------------------------------------------------------------------

def gen_pillow(fam):
    from PIL import Image

    rng = np.random.default_rng(3003)

    def make(mode, h, w, kind="random"):
        if mode == "F":
            return rng.uniform(-1.0, 2.0, size=(h, w)).astype(np.float32)
        ch = {"L": None, "RGB": 3, "RGBA": 4}[mode]
        shape = (h, w) if ch is None else (h, w, ch)
        if kind == "binary":
            return (rng.integers(0, 2, size=shape) * 255).astype(np.uint8)
        a = rng.integers(0, 256, size=shape).astype(np.uint8)
        if mode == "RGBA":
            alpha = rng.integers(0, 256, size=(h, w)).astype(np.uint8)
            alpha[rng.random((h, w)) < 0.3] = 0      # fully transparent pixels, random colour
            alpha[rng.random((h, w)) < 0.2] = 255
            a[..., 3] = alpha
        return a

    def case(mode, insize, outsize, resample, kind="random", reducing_gap=None, note="", x=None):
        w, h = insize
        if x is None:
            x = make(mode, h, w, kind)
        img = Image.fromarray(x, mode=mode) if mode != "F" else Image.fromarray(x)
        assert img.mode == mode, (img.mode, mode)
        kw = "" if reducing_gap is None else ", reducing_gap=%r" % reducing_gap
        out = img.resize(tuple(outsize), getattr(Image.Resampling, resample), reducing_gap=reducing_gap)
        y = np.asarray(out).copy()
        call = "Image.fromarray(x).resize(%s, Image.Resampling.%s%s)" % (_fmt(tuple(outsize)), resample, kw)
        params = OrderedDict(function="resize", resample=resample, size=list(outsize), mode=mode,
                             reducing_gap=reducing_gap, box=None)
        # Pillow's 8-bit fixed point is reproduced exactly
        tol = F32_TOL if mode == "F" else {"max_abs_diff": 0}
        fam.add(call, params, "float32" if mode == "F" else "uint8",
                "hw" if x.ndim == 2 else "hwc", tol, note, {"input": x, "output": y},
                output_shape=list(y.shape))

    filters = ["NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS"]
    # trap
    case("L", (2, 1), (7, 1), "NEAREST", x=np.array([[10, 200]], np.uint8),
         note="documented trap 2 -> 7: 0,0,0,0,1,1,1")
    case("F", (2, 2), (7, 7), "NEAREST", note="2 -> 7 on both axes, float")
    # F mode: every filter, enlarge + reduce + mixed
    shapes_f = [((4, 5), (9, 11)), ((13, 11), (5, 4)), ((7, 9), (12, 4)), ((5, 13), (3, 6))]
    for i, flt in enumerate(filters):
        for j, (ins, outs) in enumerate(shapes_f[:3] if flt != "NEAREST" else shapes_f[:2]):
            case("F", ins, outs, flt, note="float32 image, %s" % ("enlarge" if j == 0 else "reduce" if j == 1 else "W enlarges, H reduces"))
    case("F", (13, 2), (6, 11), "BICUBIC", note="W reduces, H enlarges")
    case("F", (1, 1), (3, 4), "LANCZOS", note="1x1 input")
    case("F", (9, 8), (1, 1), "BILINEAR", note="1x1 output")
    # L mode uint8
    case("L", (5, 4), (11, 9), "BILINEAR", note="uint8 enlarge")
    case("L", (13, 12), (5, 7), "HAMMING", note="uint8 reduce")
    case("L", (6, 6), (13, 11), "BICUBIC", kind="binary",
         note="0/255 data: per-pass rounding+clipping to 0..255 (2-D exact result differs by >10 levels)")
    case("L", (7, 7), (12, 3), "LANCZOS", kind="binary",
         note="W enlarges, H reduces: Pillow runs the VERTICAL pass first here; per-pass clipping")
    case("L", (12, 13), (5, 3), "BICUBIC", kind="binary",
         note="both reduce, (h-H)=10 > 2*(w-W)=14? no -> horizontal pass first")
    case("L", (12, 12), (10, 3), "LANCZOS", kind="binary",
         note="both reduce, (h-H)=9 > 2*(w-W)=4 -> Pillow runs the VERTICAL pass first")
    case("L", (9, 7), (4, 3), "BOX", note="BOX reduce, odd ratios")
    case("L", (3, 4), (10, 13), "BOX", note="BOX enlarge")
    case("L", (5, 3), (2, 7), "NEAREST", note="nearest mixed")
    case("L", (12, 12), (5, 5), "BICUBIC", reducing_gap=2.0,
         note="reducing_gap=2.0: Pillow first does Image.reduce(factor) (box average) then resamples the rest")
    case("L", (13, 11), (3, 2), "LANCZOS", reducing_gap=1.5, note="reducing_gap=1.5 (reduce path)")
    # RGB
    case("RGB", (4, 3), (9, 7), "BICUBIC", note="RGB enlarge")
    case("RGB", (13, 10), (6, 4), "LANCZOS", note="RGB reduce")
    case("RGB", (5, 6), (11, 3), "BILINEAR", note="RGB mixed")
    case("RGB", (7, 5), (3, 12), "HAMMING", note="RGB mixed other way")
    case("RGB", (6, 6), (13, 13), "NEAREST", note="RGB nearest enlarge odd")
    case("RGB", (11, 9), (4, 4), "BOX", note="RGB box reduce")
    # RGBA (premultiplied internally)
    case("RGBA", (5, 4), (11, 9), "BICUBIC", note="RGBA with fully transparent pixels: premultiplied alpha")
    case("RGBA", (12, 11), (5, 4), "LANCZOS", note="RGBA reduce, transparent pixels")
    case("RGBA", (6, 7), (9, 3), "BILINEAR", note="RGBA mixed")
    case("RGBA", (7, 6), (3, 9), "BOX", note="RGBA box mixed")
    case("RGBA", (4, 4), (9, 9), "NEAREST", note="RGBA nearest: no premultiplication effects")
    case("RGBA", (9, 8), (4, 4), "HAMMING", note="RGBA hamming reduce")


# --------------------------------------------------------------------------
# Bit-exactness cases: where the presets used to be off by one (or more)
# --------------------------------------------------------------------------

def gen_exact(fam):
    """cv2.resize with IPP switched off (OpenCV's own 8-bit code) and Pillow's I;16 and RGBA hamming."""
    import cv2
    from PIL import Image

    rng = np.random.default_rng(4004)
    cv2.ipp.setUseIPP(False)
    cv_version = cv2.__version__

    def cv_case(shape, interp, dsize=None, fx=None, fy=None, note="", binary=False):
        x = rng.integers(0, 256, size=shape).astype(np.uint8)
        if binary:
            x = ((x > 127) * 255).astype(np.uint8)
        y, call, params = _cv_resize(cv2, x, interp, dsize, fx, fy)
        call = "cv2.ipp.setUseIPP(False); " + call
        params["ipp"] = False
        fam.add(call, params, "uint8", "hw" if x.ndim == 2 else "hwc", {"max_abs_diff": 0},
                note + " (OpenCV %s's own code: IPP off)" % cv_version, {"input": x, "output": y},
                output_shape=list(y.shape), library_override="opencv")

    for interp in ("INTER_LINEAR", "INTER_CUBIC", "INTER_LANCZOS4"):
        cv_case((23, 31, 3), interp, dsize=(67, 49), note="RGB enlarge, odd sizes: vertical phase kept at the borders")
        cv_case((37, 29), interp, dsize=(13, 11), note="grey reduce, no antialias")
        cv_case((9, 40, 4), interp, dsize=(17, 25), note="RGBA, W reduces, H enlarges")
        cv_case((1, 19, 3), interp, dsize=(45, 6), note="1-row input")
        cv_case((15, 1), interp, dsize=(7, 33), note="1-column input, 1→7 wide")
        cv_case((12, 14, 3), interp, fx=1.37, fy=2.61, note="fx/fy: r = 1/fx")
        cv_case((16, 21), interp, dsize=(35, 40), binary=True, note="0/255 data: overshoot clipped")
    cv_case((19, 37, 3), "INTER_CUBIC", dsize=(41, 23),
            note="row of 123 samples: 120 in float32 vectors (half to even), the last 3 in integers")
    cv_case((11, 13, 3), "INTER_AREA", dsize=(29, 24), note="enlarging area: the linear code, vertical phase kept")
    cv2.ipp.setUseIPP(True)

    def pil_case(x, mode, outsize, resample, note):
        img = Image.fromarray(x) if mode != "RGBA" else Image.fromarray(x, "RGBA")
        assert img.mode == mode, (img.mode, mode)
        y = np.asarray(img.resize(tuple(outsize), getattr(Image.Resampling, resample))).copy()
        call = "Image.fromarray(x).resize(%s, Image.Resampling.%s)" % (_fmt(tuple(outsize)), resample)
        params = OrderedDict(function="resize", resample=resample, size=list(outsize), mode=mode,
                             reducing_gap=None, box=None)
        fam.add(call, params, str(x.dtype), "hw" if x.ndim == 2 else "hwc", {"max_abs_diff": 0}, note,
                {"input": x, "output": y}, output_shape=list(y.shape), library_override="pillow")

    binary16 = ((rng.integers(0, 2, size=(9, 11)) * 65535)).astype(np.uint16)
    for resample in ("BICUBIC", "LANCZOS"):
        pil_case(binary16, "I;16", (23, 17), resample,
                 "I;16 0/65535: every pass rounds half away from zero and clips to 0..65535")
        pil_case(binary16, "I;16", (5, 4), resample, "I;16 reduce with overshoot")
    ramp = rng.integers(0, 65536, size=(13, 10)).astype(np.uint16)
    pil_case(ramp, "I;16", (21, 6), "BILINEAR", "I;16 random, mixed")
    pil_case(ramp, "I;16", (7, 29), "HAMMING", "I;16 random, hamming")
    # found by search: the first seed whose RGBA hamming reduction Pillow and a double 0.54/0.46 window disagree on
    seeded = np.random.default_rng(3736)
    w, h = seeded.integers(8, 40, 2)
    ow, oh = seeded.integers(2, w), seeded.integers(2, h)
    x = seeded.integers(0, 256, (h, w, 4)).astype(np.uint8)
    pil_case(x, "RGBA", (int(ow), int(oh)), "HAMMING",
             "RGBA hamming reduce: Pillow's window is 0.54f + 0.46f·cos (C floats); doubles move a 22-bit weight")


# --------------------------------------------------------------------------
# ONNX Resize as onnxruntime runs it
# --------------------------------------------------------------------------

def gen_onnx(fam):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(4004)
    so = ort.SessionOptions()
    so.log_severity_level = 3

    def build(x_shape, opset, roi, scales, sizes, attrs, elem_type=TensorProto.FLOAT):
        inits = []
        names = ["X"]
        if opset < 13:   # Resize-11: roi and scales are required inputs (may be empty)
            r = np.zeros((0,), np.float32) if roi is None else np.asarray(roi, np.float32)
            s = np.zeros((0,), np.float32) if scales is None else np.asarray(scales, np.float32)
            inits += [helper.make_tensor("roi", TensorProto.FLOAT, r.shape, r.tolist()),
                      helper.make_tensor("scales", TensorProto.FLOAT, s.shape, s.tolist())]
            names += ["roi", "scales"]
            if sizes is not None:
                inits.append(helper.make_tensor("sizes", TensorProto.INT64, [len(sizes)], list(sizes)))
                names.append("sizes")
        else:
            names += ["roi" if roi is not None else "", "scales" if scales is not None else "",
                      "sizes" if sizes is not None else ""]
            while names[-1] == "":
                names.pop()
            if roi is not None:
                inits.append(helper.make_tensor("roi", TensorProto.FLOAT, [len(roi)], list(roi)))
            if scales is not None:
                inits.append(helper.make_tensor("scales", TensorProto.FLOAT, [len(scales)], list(scales)))
            if sizes is not None:
                inits.append(helper.make_tensor("sizes", TensorProto.INT64, [len(sizes)], list(sizes)))
        node = helper.make_node("Resize", names, ["Y"], **attrs)
        graph = helper.make_graph(
            [node], "resize",
            [helper.make_tensor_value_info("X", elem_type, list(x_shape))],
            [helper.make_tensor_value_info("Y", elem_type, [None] * len(x_shape))],
            initializer=inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model

    def case(shape, mode, ctm, scales=None, sizes=None, nearest_mode="round_prefer_floor",
             cubic_coeff_a=-0.75, exclude_outside=0, antialias=0, roi=None,
             extrapolation_value=0.0, opset=19, note="", x=None, layout="nchw"):
        if x is None:
            x = rng.uniform(-1.0, 2.0, size=shape).astype(np.float32)
        elem_type = helper.np_dtype_to_tensor_dtype(x.dtype)
        attrs = OrderedDict(mode=mode, coordinate_transformation_mode=ctm, nearest_mode=nearest_mode,
                            cubic_coeff_a=float(cubic_coeff_a), exclude_outside=int(exclude_outside),
                            extrapolation_value=float(extrapolation_value))
        if opset >= 18:
            attrs["antialias"] = int(antialias)
        model = build(x.shape, opset, roi, scales, sizes, attrs, elem_type)
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        y = sess.run(None, {"X": x})[0]
        try:
            yr = ReferenceEvaluator(model).run(None, {"X": x})[0]
            if yr.shape != y.shape:
                ref = {"agrees": False, "shape": list(yr.shape)}
            else:
                d = float(np.abs(yr.astype(np.float64) - y).max()) if y.size else 0.0
                ref = {"agrees": d <= 1e-5, "max_abs_diff": d}
                if d > 1e-5 and yr.size <= 64:
                    ref["reference_output"] = yr.reshape(-1).tolist()
        except Exception as e:  # noqa: BLE001 - record, do not fail
            ref = {"agrees": False, "error": str(e).splitlines()[0][:200]}
        params = OrderedDict(op="Resize", opset=opset, runtime="onnxruntime", mode=mode,
                             coordinate_transformation_mode=ctm, nearest_mode=nearest_mode,
                             cubic_coeff_a=float(cubic_coeff_a), exclude_outside=int(exclude_outside),
                             antialias=int(antialias) if opset >= 18 else None,
                             extrapolation_value=float(extrapolation_value),
                             roi=list(roi) if roi is not None else None,
                             scales=[float(np.float32(s)) for s in scales] if scales is not None else None,
                             sizes=list(sizes) if sizes is not None else None)
        inputs = "x, roi, scales, sizes"
        call = ("onnxruntime.InferenceSession(<model: Resize-%d(%s) %s>).run(None, {'X': x})"
                % (opset, inputs, ", ".join("%s=%r" % kv for kv in attrs.items())))
        if not ref["agrees"]:
            extra = "reference evaluator (onnx.reference) disagrees: %s" % json.dumps(
                {k: v for k, v in ref.items() if k != "reference_output"})
            note = (note + "; " if note else "") + extra
        arrays = {"input": x, "output": y}
        if roi is not None:
            arrays["roi"] = np.asarray(roi, np.float32)
        integer = x.dtype.kind in "ui"  # onnxruntime's own integer kernels: reproduced bit for bit
        fam.add(call, params, str(x.dtype), layout, EXACT_TOL if integer else F32_TOL, note, arrays,
                output_shape=list(y.shape), reference_evaluator=ref)

    ctms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"]
    # nearest: every nearest_mode with every ctm (sizes and scales alternate)
    for i, ctm in enumerate(ctms):
        for j, nm in enumerate(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]):
            if (i + j) % 2 == 0:
                case((1, 1, 5, 6), "nearest", ctm, sizes=[1, 1, 9, 4], nearest_mode=nm)
            else:
                case((1, 2, 4, 7), "nearest", ctm, scales=[1, 1, 1.5, 0.6], nearest_mode=nm)
    # exact ties
    case((1, 1, 1, 7), "nearest", "half_pixel", sizes=[1, 1, 1, 1], nearest_mode="floor",
         note="documented trap: 7 -> 1, float32 scale makes x=2.9999998 -> floor gives index 2 (exact: 3)")
    case((1, 1, 1, 7), "nearest", "half_pixel", sizes=[1, 1, 1, 1], nearest_mode="ceil",
         note="7 -> 1, ceil of x=2.9999998 -> 3")
    case((1, 1, 2, 2), "nearest", "asymmetric", scales=[1, 1, 4.0, 4.0], nearest_mode="round_prefer_floor",
         note="x = d/4: exact ties at d=2 (x=0.5) -> floor side")
    case((1, 1, 2, 2), "nearest", "asymmetric", scales=[1, 1, 4.0, 4.0], nearest_mode="round_prefer_ceil",
         note="x = d/4: exact ties at d=2 (x=0.5) -> ceil side")
    case((1, 1, 4, 4), "nearest", "half_pixel", scales=[1, 1, 0.5, 0.5], nearest_mode="round_prefer_floor",
         note="half_pixel 0.5x: x = 2d + 0.5, every output an exact tie")
    case((1, 1, 4, 4), "nearest", "half_pixel", scales=[1, 1, 0.5, 0.5], nearest_mode="round_prefer_ceil",
         note="half_pixel 0.5x: every output an exact tie, ceil side")
    case((1, 1, 3, 3), "nearest", "asymmetric", sizes=[1, 1, 4, 4], nearest_mode="round_prefer_ceil",
         x=np.array([[234, 38, 22], [67, 44, 12], [89, 65, 63]], np.float32).reshape(1, 1, 3, 3),
         note="worked example 3x3 -> 4x4 asymmetric, round half up")
    case((1, 1, 3, 3), "nearest", "asymmetric", sizes=[1, 1, 4, 4], nearest_mode="floor",
         x=np.array([[234, 38, 22], [67, 44, 12], [89, 65, 63]], np.float32).reshape(1, 1, 3, 3),
         note="worked example 3x3 -> 4x4 asymmetric, floor")
    # linear
    for i, ctm in enumerate(ctms):
        case((1, 2, 4, 5), "linear", ctm, sizes=[1, 2, 9, 7])
        case((1, 1, 6, 5), "linear", ctm, scales=[1, 1, 0.6, 1.7])
    case((1, 1, 8, 3), "linear", "pytorch_half_pixel", sizes=[1, 1, 1, 3],
         note="pytorch_half_pixel with n_out=1: x=0")
    case((1, 1, 13, 12), "linear", "half_pixel", sizes=[1, 1, 5, 4], antialias=1, note="antialias linear reduce")
    case((1, 1, 11, 9), "linear", "half_pixel", scales=[1, 1, 0.4, 0.7], antialias=1,
         note="antialias linear reduce via scales")
    case((1, 1, 12, 7), "linear", "half_pixel", sizes=[1, 1, 5, 11], antialias=1,
         note="antialias with one enlarging axis")
    # cubic
    for a in (-0.75, -0.5):
        for ex in (0, 1):
            case((1, 1, 5, 6), "cubic", "half_pixel", sizes=[1, 1, 11, 9], cubic_coeff_a=a, exclude_outside=ex,
                 note="enlarge")
            case((1, 1, 13, 12), "cubic", "half_pixel", sizes=[1, 1, 5, 4], cubic_coeff_a=a, exclude_outside=ex,
                 antialias=1, note="antialias reduce")
    case((1, 1, 12, 11), "cubic", "half_pixel", sizes=[1, 1, 5, 4], cubic_coeff_a=-0.75, antialias=0,
         note="reduce without antialias")
    for ctm in ["pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"]:
        case((1, 1, 4, 5), "cubic", ctm, scales=[1, 1, 1.7, 0.6])
    case((1, 1, 8, 3), "cubic", "pytorch_half_pixel", sizes=[1, 1, 1, 3],
         note="pytorch_half_pixel n_out=1: spec/onnxruntime x=0")
    # tf_crop_and_resize with roi and extrapolation
    case((1, 1, 5, 6), "linear", "tf_crop_and_resize", sizes=[1, 1, 7, 8],
         roi=[0, 0, 0.2, -0.25, 1, 1, 0.9, 1.2], extrapolation_value=-7.0,
         note="roi partly outside [0,1] -> extrapolation_value")
    case((1, 1, 6, 6), "nearest", "tf_crop_and_resize", scales=[1, 1, 1.5, 0.5],
         roi=[0, 0, -0.1, 0.3, 1, 1, 0.8, 1.1], extrapolation_value=5.0, nearest_mode="round_prefer_ceil",
         note="nearest, roi crop with extrapolation")
    case((1, 1, 5, 5), "cubic", "tf_crop_and_resize", sizes=[1, 1, 6, 4],
         roi=[0, 0, 0.1, 0.1, 1, 1, 0.7, 0.9], extrapolation_value=0.0,
         note="cubic crop inside the image")
    # tf_half_pixel_for_nn on an opset-11 model
    case((1, 1, 3, 4), "nearest", "tf_half_pixel_for_nn", scales=[1, 1, 2.0, 1.5], opset=11,
         note="Resize-11 only mode (x = (d+0.5)/scale); onnxruntime also accepts it in opset 13+ with a warning")
    # random lengths and factors: every mode and transform, 1-pixel outputs, exact ties
    modes = ["nearest", "linear", "cubic"]
    nearest_modes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
    for k in range(36):
        mode, ctm = modes[k % 3], ctms[k % len(ctms)]
        n_in = [int(v) for v in rng.integers(1, 12, size=2)]
        if k % 4 == 0:   # a 1-pixel output on one axis
            sizes = [1, 1, 1, int(rng.integers(1, 15))]
            scales = None
        elif k % 4 == 1:  # factors k/4: exact ties of the nearest modes and of half_pixel
            sizes = None
            scales = [1, 1] + [float(v) / 4 for v in rng.integers(1, 13, size=2)]
            if any(math.floor(n * f) < 1 for n, f in zip(n_in, scales[2:])):
                scales[2:] = [2.0, 0.5]
                n_in = [max(n, 2) for n in n_in]
        elif k % 4 == 2:
            sizes = [1, 1] + [int(v) for v in rng.integers(1, 20, size=2)]
            scales = None
        else:
            sizes = None
            scales = [1, 1] + [round(float(v), 3) for v in rng.uniform(0.3, 3.0, size=2)]
            n_in = [max(n, 4) for n in n_in]
        kwargs = dict(nearest_mode=nearest_modes[k % 4]) if mode == "nearest" else {}
        if mode != "nearest" and k % 5 == 0:
            kwargs.update(antialias=1, exclude_outside=k % 2)
        case((1, 1, *n_in), mode, ctm, scales=scales, sizes=sizes, note="random lengths and factors", **kwargs)
    gen_onnx_integers(case, rng, ctms, nearest_modes)


def gen_onnx_integers(case, rng, ctms, nearest_modes):
    """uint8 (and some int8, int32) tensors: onnxruntime's integer kernels, compared with tolerance 0.

    Linear sums float32 corner terms and truncates (static_cast), antialias
    uses 22-bit fixed point per pass, 4-D NHWC 8-bit linear 10-bit weights;
    cubic without antialias fails inside onnxruntime 1.32, so it has no case.
    """
    def samples(shape, dtype, flat=False):
        info = np.iinfo(dtype)
        low, high = (-5000, 5000) if dtype == np.int32 else (info.min, info.max)
        x = rng.integers(low, high, size=shape, endpoint=True).astype(dtype)
        if flat:  # one value everywhere: the float32 sums land on or just below an integer
            x[...] = x.flat[0]
        return x

    fixed = [  # (layout, dtype, mode, ctm, kwargs, note)
        ("nchw", np.uint8, "linear", "half_pixel", dict(sizes=[1, 3, 16, 18]), "x2 linear: 1/16 weights, every sum exact"),
        ("nchw", np.uint8, "linear", "half_pixel", dict(sizes=[1, 3, 12, 13]), "x1.5 linear: float32 corner terms, truncated"),
        ("nchw", np.uint8, "linear", "half_pixel", dict(scales=[1, 1, 0.5, 0.5]), "x1/2 linear: ties of 0.5"),
        ("nchw", np.uint8, "linear", "asymmetric", dict(sizes=[1, 2, 1, 1]), "1-pixel output"),
        ("nchw", np.uint8, "linear", "align_corners", dict(sizes=[1, 2, 9, 1]), "align_corners, 1-pixel width"),
        ("nchw", np.uint8, "linear", "tf_crop_and_resize",
         dict(sizes=[1, 2, 7, 9], roi=[0, 0, -0.2, 0.1, 1, 1, 0.8, 1.3], extrapolation_value=-7.0),
         "extrapolation_value -7.0 stored in uint8: static_cast wraps it to 249"),
        ("nchw", np.uint8, "linear", "tf_crop_and_resize",
         dict(sizes=[1, 1, 6, 8], roi=[0, 0, 0.3, -0.3, 1, 1, 1.2, 0.9], extrapolation_value=300.5),
         "extrapolation_value 300.5 in uint8: 44"),
        ("nchw", np.uint8, "nearest", "tf_crop_and_resize",
         dict(scales=[1, 1, 1.5, 0.5], roi=[0, 0, -0.1, 0.3, 1, 1, 0.8, 1.1], extrapolation_value=2.7),
         "nearest, extrapolation_value 2.7 in uint8: 2"),
        ("nchw", np.uint8, "linear", "half_pixel", dict(sizes=[1, 2, 5, 4], antialias=1), "antialias linear reduce: 22-bit weights"),
        ("nchw", np.uint8, "cubic", "half_pixel", dict(sizes=[1, 2, 5, 14], antialias=1),
         "antialias cubic: overshoot clipped after every pass"),
        ("nchw", np.uint8, "cubic", "pytorch_half_pixel", dict(sizes=[1, 1, 4, 7], antialias=1, exclude_outside=1),
         "antialias cubic, exclude_outside"),
        ("nchw", np.int8, "cubic", "half_pixel", dict(sizes=[1, 2, 6, 9], antialias=1),
         "int8 antialias: onnxruntime clips through its uint8 table, negative results become 0"),
        ("nchw", np.int8, "linear", "half_pixel", dict(sizes=[1, 2, 9, 11]), "int8 linear: truncated toward zero"),
        ("nchw", np.int32, "linear", "asymmetric", dict(sizes=[1, 2, 9, 11]), "int32 linear"),
        ("nchw", np.int32, "cubic", "half_pixel", dict(sizes=[1, 2, 4, 9], antialias=1), "int32 antialias: float32 sums, std::round"),
        ("nhwc", np.uint8, "linear", "half_pixel", dict(sizes=[1, 9, 11, 3]), "NHWC: NhwcUpsampleBilinearInteger, 10-bit weights"),
        ("nhwc", np.uint8, "linear", "tf_crop_and_resize",
         dict(sizes=[1, 8, 9, 2], roi=[0, -0.2, 0.1, 0, 1, 0.9, 1.2, 1], extrapolation_value=100.0, antialias=1),
         "NHWC antialias: the extrapolation is written where an NCHW tensor would have it"),
        ("nhwc", np.uint8, "cubic", "half_pixel", dict(sizes=[1, 9, 13, 3]),
         "NHWC cubic without antialias, enlarging: the antialias kernel (folded edges)"),
        ("hwc", np.uint8, "linear", "half_pixel", dict(sizes=[11, 13, 3]), "3-D: UpsampleTrilinear, the channel axis too"),
        ("hw", np.uint8, "linear", "half_pixel", dict(sizes=[10, 3], antialias=1), "2-D antialias"),
    ]
    shapes = {"nchw": (1, 2, 6, 7), "nhwc": (1, 5, 6, 3), "hwc": (6, 7, 3), "hw": (6, 7)}
    for layout, dtype, mode, ctm, kwargs, note in fixed:
        shape = list(shapes[layout])
        if layout == "nchw" and kwargs.get("sizes"):
            shape[1] = kwargs["sizes"][1]
        if layout == "nhwc" and kwargs.get("sizes"):
            shape[3] = kwargs["sizes"][3]
        case(tuple(shape), mode, ctm, note=note, layout=layout, x=samples(shape, dtype), **kwargs)
    case((1, 1, 4, 4), "nearest", "half_pixel", scales=[1, 1, 0.5, 0.5], nearest_mode="round_prefer_ceil",
         x=samples((1, 1, 4, 4), np.uint8), note="uint8 nearest: exact ties")
    case((1, 1, 5, 6), "linear", "half_pixel", sizes=[1, 1, 9, 13], x=samples((1, 1, 5, 6), np.uint8, flat=True),
         note="one value everywhere: float32 sums just below it are truncated one level down")
    # random lengths, factors and transforms, uint8 NCHW
    for k in range(48):
        mode = ("linear", "linear", "nearest")[k % 3]
        ctm = ctms[k % len(ctms)]
        n_in = [int(v) for v in rng.integers(1, 14, size=2)]
        if k % 4 == 0:
            sizes, scales = [1, 2, 1, int(rng.integers(1, 15))], None
        elif k % 4 == 1:
            sizes, scales = None, [1, 1] + [float(v) / 4 for v in rng.integers(1, 13, size=2)]
            n_in = [max(n, 4) for n in n_in]
        else:
            sizes, scales = [1, 2] + [int(v) for v in rng.integers(1, 24, size=2)], None
        kwargs = dict(nearest_mode=nearest_modes[k % 4]) if mode == "nearest" else {}
        if mode == "linear" and k % 5 == 0:
            kwargs.update(antialias=1, exclude_outside=k % 2)
        shape = (1, 2 if sizes else 1, *n_in)
        if scales is None and sizes[2:] == n_in:
            sizes[3] += 1
        case(shape, mode, ctm, scales=scales, sizes=sizes, x=samples(shape, np.uint8, flat=k % 7 == 3),
             note="uint8: random lengths and factors", **kwargs)


# --------------------------------------------------------------------------
# ONNX Resize backend node tests (the standard's own conformance data)
# --------------------------------------------------------------------------

def gen_onnx_node(fam):
    """The 39 Resize node tests of onnx/backend/test/case/node/resize.py.

    Their expected outputs come from the ONNX reference implementation.
    Importing the module runs every ``export_*`` function, which records
    (model, inputs, outputs); onnxruntime's output on the same model is
    stored beside them (``__onnxruntime``) for the onnxruntime preset.
    """
    import onnx
    import onnx.backend.test.case.node as node_cases
    import onnx.backend.test.case.node.resize  # noqa: F401 - running the exports fills the list
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    for test in node_cases._NodeTestCases:
        if test.model.graph.node[0].op_type != "Resize":
            continue
        node = test.model.graph.node[0]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
        (inputs, outputs), = test.data_sets
        given = dict(zip([name for name in node.input if name], inputs))
        arrays = {"input": given["X"], "output": outputs[0]}
        sess = ort.InferenceSession(test.model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        y = sess.run(None, {v.name: a for v, a in zip(test.model.graph.input, inputs)})[0]
        arrays["onnxruntime"] = y
        d = float(np.abs(y.astype(np.float64) - outputs[0]).max()) if y.shape == outputs[0].shape else None
        params = OrderedDict(
            op="Resize", opset=test.model.opset_import[0].version, runtime="onnx.reference",
            mode=attrs.get("mode", "nearest"),
            coordinate_transformation_mode=attrs.get("coordinate_transformation_mode", "half_pixel"),
            nearest_mode=attrs.get("nearest_mode", "round_prefer_floor"),
            cubic_coeff_a=float(attrs.get("cubic_coeff_a", -0.75)),
            exclude_outside=int(attrs.get("exclude_outside", 0)),
            antialias=int(attrs.get("antialias", 0)),
            extrapolation_value=float(attrs.get("extrapolation_value", 0.0)),
            keep_aspect_ratio_policy=attrs.get("keep_aspect_ratio_policy", "stretch"),
            axes=attrs.get("axes"),
            roi=[float(v) for v in given["roi"]] if "roi" in given else None,
            scales=[float(v) for v in given["scales"]] if "scales" in given else None,
            sizes=[int(v) for v in given["sizes"]] if "sizes" in given else None)
        call = "onnx %s backend node test %s (onnx/backend/test/case/node/resize.py)" % (onnx.__version__, test.name)
        note = "expected output: the ONNX reference implementation; __onnxruntime: onnxruntime on the same model"
        fam.add(call, params, "float32", "nchw", F32_TOL, note, arrays, output_shape=list(outputs[0].shape),
                test_name=test.name, onnx_version=onnx.__version__,
                onnxruntime={"accepted": True, "max_abs_diff_to_expected": d})


# --------------------------------------------------------------------------
# NN operators (torch)
# --------------------------------------------------------------------------

def fcn_bilinear_kernel(s):
    k = 2 * s - s % 2
    f = math.ceil(k / 2)
    c = f - 1 if k % 2 == 1 else f - 0.5
    t = np.array([1 - abs(i - c) / f for i in range(k)])
    return k, np.outer(t, t), (s - s % 2) // 2


def gen_nn(fam):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(5005)
    rng = np.random.default_rng(5005)
    layouts = {3: "ncl", 4: "nchw", 5: "ncdhw"}

    def rand(shape):
        return rng.uniform(-1.0, 2.0, size=shape).astype(np.float32)

    # ---- max pool + unpool
    def unpool(x, k, s=None, p=0, output_size=None, note=""):
        nd = x.ndim - 2
        pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd]
        unp = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}[nd]
        t = torch.from_numpy(x)
        pooled, idx = pool(t, k, stride=s, padding=p, return_indices=True)
        kw = {} if output_size is None else {"output_size": output_size}
        y = unp(pooled, idx, k, stride=s, padding=p, **kw)
        name = {1: "MaxUnpool1d", 2: "MaxUnpool2d", 3: "MaxUnpool3d"}[nd]
        pname = {1: "MaxPool1d", 2: "MaxPool2d", 3: "MaxPool3d"}[nd]
        call = ("pooled, indices = nn.%s(%r, stride=%r, padding=%r, return_indices=True)(pool_input); "
                "nn.%s(%r, stride=%r, padding=%r)(pooled, indices%s)"
                % (pname, k, s, p, name, k, s, p,
                   "" if output_size is None else ", output_size=%s" % _fmt(list(output_size))))
        params = OrderedDict(function=name, kernel_size=k, stride=s if s is not None else k, padding=p,
                             output_size=list(output_size) if output_size is not None else None)
        fam.add(call, params, "float32", layouts[x.ndim], F32_TOL,
                note + ("; " if note else "") + "__input = pooled values (input of the unpool), "
                "__pool_input = tensor that was max-pooled",
                {"pool_input": x, "input": pooled.numpy(), "indices": idx.numpy(), "output": y.numpy()},
                output_shape=list(y.shape))

    unpool(np.arange(64, dtype=np.float32).reshape(1, 1, 8, 8), 2,
           note="seed example A=arange(64) 8x8, pool 2x2 -> B, unpool puts B at odd rows/cols")
    unpool(rand((1, 2, 7, 7)), 3, 2, 1, note="kernel 3 stride 2 padding 1")
    unpool(rand((1, 1, 6, 5)), 2, 1, 0, note="overlapping windows (stride 1): duplicate indices possible")
    unpool(rand((2, 2, 9, 9)), 3, 3, 0, output_size=[10, 11], note="output_size larger than default")
    unpool(rand((1, 1, 7, 8)), (2, 3), (2, 1), (1, 1), output_size=[7, 8],
           note="rectangular kernel/stride/padding; default size (n-1)s-2p+k = 6x8 would be too small for "
           "the indices (torch raises 'Found an invalid max index'), so output_size=[7, 8] is required")
    unpool(rand((1, 3, 11)), 3, 2, 1, note="1-D")
    unpool(rand((1, 1, 4, 6, 6)), 2, note="3-D")

    # ---- pixel shuffle / unshuffle
    for q, shape in [(2, (1, 8, 3, 2)), (3, (2, 9, 2, 3)), (2, (1, 4, 1, 1))]:
        x = rand(shape)
        y = F.pixel_shuffle(torch.from_numpy(x), q).numpy()
        fam.add("F.pixel_shuffle(x, %d)" % q, {"function": "pixel_shuffle", "upscale_factor": q},
                "float32", "nchw", EXACT_TOL, "", {"input": x, "output": y}, output_shape=list(y.shape))
    for q, shape in [(2, (1, 2, 6, 4)), (3, (2, 1, 6, 9))]:
        x = rand(shape)
        y = F.pixel_unshuffle(torch.from_numpy(x), q).numpy()
        fam.add("F.pixel_unshuffle(x, %d)" % q, {"function": "pixel_unshuffle", "downscale_factor": q},
                "float32", "nchw", EXACT_TOL, "", {"input": x, "output": y}, output_shape=list(y.shape))

    # ---- transposed convolutions (random weights and bias)
    def convt(nd, n, cin, cout, spatial, k, stride=1, padding=0, output_padding=0, groups=1,
              dilation=1, bias=True, note=""):
        fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]
        x = rand((n, cin) + tuple(spatial))
        ks = (k,) * nd if isinstance(k, int) else tuple(k)
        w = rand((cin, cout // groups) + ks)
        b = rand((cout,)) if bias else None
        y = fn(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
               stride=stride, padding=padding, output_padding=output_padding, groups=groups,
               dilation=dilation).numpy()
        call = ("F.conv_transpose%dd(x, weight, %s, stride=%s, padding=%s, output_padding=%s, groups=%d, dilation=%s)"
                % (nd, "bias" if bias else "None", _fmt(stride), _fmt(padding), _fmt(output_padding),
                   groups, _fmt(dilation)))

        def lst(v):
            return list(v) if isinstance(v, tuple) else [v] * nd
        params = OrderedDict(function="conv_transpose%dd" % nd, stride=lst(stride), padding=lst(padding),
                             output_padding=lst(output_padding), groups=groups, dilation=lst(dilation),
                             kernel_size=list(ks), bias=bias)
        arrays = {"input": x, "weight": w, "output": y}
        if bias:
            arrays["bias"] = b
        fam.add(call, params, "float32", layouts[x.ndim], {"atol": 1e-4, "rtol": 0},
                note + ("; " if note else "") + "weight layout (C_in, C_out/groups, k...)",
                arrays, output_shape=list(y.shape))

    convt(1, 1, 2, 3, (5,), 3, stride=2, padding=1, output_padding=1)
    convt(1, 2, 4, 2, (4,), 4, stride=3, padding=0, groups=2, dilation=2)
    convt(2, 1, 2, 3, (3, 4), 3, stride=2, padding=1, output_padding=1)
    convt(2, 1, 3, 2, (4, 3), (2, 3), stride=(2, 1), padding=(0, 1))
    convt(2, 2, 4, 4, (3, 3), 3, stride=2, padding=0, groups=2, dilation=2, output_padding=1)
    convt(2, 1, 2, 2, (5, 5), 4, stride=1, padding=2, bias=False, note="stride 1: shrinks with padding")
    convt(2, 1, 6, 3, (2, 3), 2, stride=3, padding=0, groups=3, note="stride > kernel: gaps get bias only")
    convt(2, 1, 1, 1, (1, 1), 5, stride=2, padding=1, note="1x1 input")
    convt(3, 1, 2, 2, (2, 3, 2), 3, stride=2, padding=1, output_padding=1)
    convt(3, 1, 2, 4, (2, 2, 3), (2, 3, 2), stride=(1, 2, 3), padding=(0, 1, 0), groups=2, dilation=(1, 1, 2))

    # ---- fixed FCN bilinear kernel (per channel, groups=C)
    for s, shape in [(2, (1, 2, 4, 5)), (3, (1, 3, 3, 4)), (4, (1, 2, 3, 3))]:
        k, K, p = fcn_bilinear_kernel(s)
        C = shape[1]
        x = rand(shape)
        w = np.broadcast_to(K.astype(np.float32), (C, 1, k, k)).copy()
        y = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), None, stride=s, padding=p,
                               groups=C).numpy()
        fam.add("F.conv_transpose2d(x, weight, None, stride=%d, padding=%d, groups=%d)" % (s, p, C),
                OrderedDict(function="conv_transpose2d", stride=[s, s], padding=[p, p], output_padding=[0, 0],
                            groups=C, dilation=[1, 1], kernel_size=[k, k], bias=False,
                            fcn_bilinear_factor=s),
                "float32", "nchw", F32_TOL,
                "fixed FCN bilinear kernel k=%d p=%d (docs/definition.md §7): equals half-pixel bilinear "
                "except the first/last %d outputs per axis (darker: zero padding)" % (k, p, s // 2),
                {"input": x, "weight": w, "output": y}, output_shape=list(y.shape))


# --------------------------------------------------------------------------

def versions():
    import cv2
    import onnx
    import onnxruntime
    import PIL
    import torch
    return OrderedDict(torch=torch.__version__, opencv=cv2.__version__, pillow=PIL.__version__,
                       onnx=onnx.__version__, onnxruntime=onnxruntime.__version__, numpy=np.__version__)


def main(argv=None):
    """Regenerate every family, or only those named on the command line (``generate.py torch``).

    The other families keep their archives and manifest records as they are.
    """
    fams = [
        (Family("torch", "torch.npz", "torch"), gen_torch),
        (Family("opencv", "opencv.npz", "opencv"), gen_opencv),
        (Family("pillow", "pillow.npz", "pillow"), gen_pillow),
        (Family("onnxruntime", "onnxruntime.npz", "onnxruntime"), gen_onnx),
        (Family("onnx", "onnx_node.npz", "onnx-node"), gen_onnx_node),
        (Family("nn", "nn.npz", "nn"), gen_nn),
        (Family("exact", "exact.npz", "exact"), gen_exact),
    ]
    chosen = set(sys.argv[1:] if argv is None else argv) or {fam.library for fam, _ in fams}
    unknown = chosen - {fam.library for fam, _ in fams}
    if unknown:
        print("unknown families: %s" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    kept = []
    if chosen != {fam.library for fam, _ in fams}:
        with open(os.path.join(HERE, "manifest.json")) as fh:
            kept = json.load(fh, object_pairs_hook=OrderedDict)["cases"]
    cases = []
    for fam, gen in fams:
        if fam.library not in chosen:
            cases += [case for case in kept if case["file"] == fam.file]
            continue
        gen(fam)
        fam.save()
        cases += fam.cases
        print("%-7s %3d cases -> %s" % (fam.library, len(fam.cases), fam.file))
    manifest = OrderedDict(versions=versions(), cases=cases)
    with open(os.path.join(HERE, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")
    print("total   %3d cases -> manifest.json" % len(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())

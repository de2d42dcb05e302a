"""Pillow ``Image.resize`` (13.x), value for value.

* Output length: the ``size`` given (Pillow has no scale factor; a
  ``--scale`` uses upscale's own rule ``floor(n·S + 0.5)``).
* ``NEAREST``: a running double sum ``f = r/2; f += r``, index ``floor(f)``
  (2 → 7 gives ``0,0,0,0,1,1,1``, where exact arithmetic gives
  ``0,0,0,1,1,1,1``); ``I;16``, which Pillow's fixed-point affine loop does
  not take, multiplies each position out, ``f = r·(d + 0.5)`` (14 → 13:
  output 6 is input 7, where the running sum gives 6).
* Filters (``BOX``, ``BILINEAR``, ``HAMMING``, ``BICUBIC`` a = −0.5,
  ``LANCZOS`` 3 lobes): ``precompute_coeffs`` — centre ``(d + 0.5)·r``,
  kernel stretched by ``max(r, 1)``, taps outside the input dropped and
  the rest renormalised, all in double, each kernel evaluated as
  ``Resample.c`` writes it (Hamming's window has C float constants).
* Pass order: horizontal first, except that the vertical pass goes first
  when the height shrinks and ``h − H > 2·(w − W)`` (input ``w×h``, output
  ``W×H``); a pass whose axis keeps its length is skipped. The order
  matters for 8-bit images, which are rounded and clipped after each pass.
* ``reducing_gap``: first ``Image.reduce`` by ``int(n_in/n_out/gap)`` per
  axis (block means), then the filter on the reduced image's box.
* ``RGBA``/``LA`` are resized premultiplied (see :mod:`.arithmetic`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ...core.errors import UsageError
from ...core.kernels import BOX, HAMMING, TRIANGLE, Kernel
from ...core.plan import ResizeOptions, ResizePlan
from ...core.sizes import AxisSize
from ...core.weights import AxisWeights, TableKind
from ..base.planning import (
    Request,
    build_plan,
    check_knobs,
    round_coordinates,
    running_sum_index,
    selection,
    unsupported,
)
from .arithmetic import PILLOW_REDUCE_16_BIT, execute

LIBRARY = "pillow"
MODES = ("nearest", "box", "bilinear", "linear", "hamming", "bicubic", "lanczos")


#: Pillow's window constants are C floats (``0.54f``, ``0.46f``), widened to double.
_F054, _F046 = float(np.float32(0.54)), float(np.float32(0.46))


def _libm(function, x: np.ndarray) -> np.ndarray:
    """``function`` (``math.sin`` or ``math.cos``: the C library's, as Pillow calls it) of every element.

    NumPy's own ``sin`` may use vector code that differs from the C library
    in the last bit on some processors, and the last bit of a weight
    decides some roundings.
    """
    return np.fromiter(map(function, x.tolist()), np.float64, len(x))


def _sinc(x: np.ndarray) -> np.ndarray:
    """``sinc_filter``: ``sin(πx)/(πx)``, 1 at 0."""
    result = np.ones_like(x)
    nonzero = x != 0.0
    t = x[nonzero] * math.pi
    result[nonzero] = _libm(math.sin, t) / t
    return result


def _hamming(x: np.ndarray) -> np.ndarray:
    """``hamming_filter``: ``sin(πx)/(πx)·(0.54f + 0.46f·cos(πx))`` inside ``|x| < 1``."""
    x = np.abs(x)
    result = np.where(x == 0.0, 1.0, 0.0)
    inside = (x != 0.0) & (x < 1.0)
    t = x[inside] * math.pi
    result[inside] = _libm(math.sin, t) / t * (_F054 + _F046 * _libm(math.cos, t))
    return result


def _lanczos(x: np.ndarray) -> np.ndarray:
    """``lanczos_filter``: ``sinc(x)·sinc(x/3)`` on ``[−3, 3)``."""
    result = np.zeros_like(x)
    inside = (-3.0 <= x) & (x < 3.0)
    t = x[inside]
    result[inside] = _sinc(t) * _sinc(t / 3)
    return result


def _elementwise(function):
    """A kernel function of any shape of array from one of flat arrays."""
    return lambda x: function(np.asarray(x, np.float64).ravel()).reshape(np.shape(x))


@functools.lru_cache(maxsize=8)  # one kernel per a, so that its tables are found again (see coefficients)
def _pillow_cubic(a: float) -> Kernel:
    """``bicubic_filter`` with its own operation order (the last bit of a weight decides some roundings)."""

    def function(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1
        far = (((x - 5) * x + 8) * x - 4) * a
        return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))

    return Kernel("cubic", 2.0, function, f"Keys cubic, a = {a:g}")


#: Pillow's own kernels: the same functions as upscale's, evaluated as ``Resample.c`` does,
#: so that every weight is the library's to the last bit.
KERNELS = {
    "box": BOX,
    "bilinear": TRIANGLE,
    "hamming": Kernel(HAMMING.name, HAMMING.support, _elementwise(_hamming), HAMMING.formula),
    "lanczos": Kernel("lanczos3", 3.0, _elementwise(_lanczos), "sinc(t)·sinc(t/3)"),
}


def _kernel(mode: str, cubic_a: float) -> Kernel:
    return KERNELS.get(mode) or _pillow_cubic(cubic_a)


@functools.lru_cache(maxsize=16)
def coefficients(n_in: int, n_out: int, kernel: Kernel, start: float, stop: float, antialias: bool) -> AxisWeights:
    """Pillow's ``precompute_coeffs`` for the source interval ``[start, stop)``, in its own double arithmetic.

    The box edges are C floats: ``stop − start`` is a float32 difference.
    Kept for the next image of the same size (a batch): Lanczos and Hamming
    call the C library's sine once per tap, milliseconds per table. The
    tables are read-only.
    """
    start, stop = np.float32(start), np.float32(stop)
    scale = float(stop - start) / n_out
    start = float(start)
    filter_scale = max(scale, 1.0) if antialias else 1.0
    support = kernel.support * filter_scale
    centre = start + (np.arange(n_out) + 0.5) * scale
    first = np.maximum(np.trunc(centre - support + 0.5), 0).astype(np.int64)
    count = np.minimum(np.trunc(centre + support + 0.5), n_in).astype(np.int64) - first
    width = max(int(count.max()), 1)
    window = first[:, None] + np.arange(width)
    weights = kernel((window - centre[:, None] + 0.5) * (1.0 / filter_scale))
    weights[np.arange(width) >= count[:, None]] = 0.0
    total = np.cumsum(weights, axis=1)[:, -1:]  # summed left to right, as Pillow does
    weights = np.divide(weights, total, out=weights, where=total != 0)
    taps, coordinates = np.clip(window, 0, n_in - 1), centre - 0.5
    for array in (taps, weights, coordinates, count):
        array.flags.writeable = False
    return AxisWeights(
        n_in, n_out, taps, weights, coordinates,
        f"pillow {kernel.name} ({kernel.formula}): centre (d + 0.5)·r, kernel stretched ×{filter_scale:.6g}, "
        "outside taps dropped",
        counts=count,
    )


def reduce_weights(n_in: int, factor: int) -> AxisWeights:
    """``Image.reduce``: the mean of each block of ``factor`` samples (the last block may be short)."""
    n_out = -(-n_in // factor)
    start = np.arange(n_out) * factor
    count = np.minimum(start + factor, n_in) - start
    window = start[:, None] + np.arange(factor)
    weights = (np.arange(factor) < count[:, None]) / count[:, None]
    return AxisWeights(
        n_in, n_out, np.minimum(window, n_in - 1), weights, start + (count - 1) / 2,
        f"pillow reduce ×{factor}: mean of each block of {factor}", kind=TableKind.BLOCK_MEAN,
    )


def vertical_first(w: int, h: int, out_w: int, out_h: int) -> bool:
    """Pillow 13's pass order, measured: vertical first iff ``H < h`` and ``h − H > 2·(w − W)``.

    ``w × h`` is the size of the image being resampled (after any
    ``reduce``), not of its box.
    """
    return out_h < h and (h - out_h) > 2 * (w - out_w)


def plan(request: Request) -> ResizePlan:
    """The plan ``Image.resize`` follows for ``request``."""
    check_knobs(LIBRARY, request.knobs, ("--reducing-gap",))
    mode = "bilinear" if request.mode == "linear" else request.mode
    if mode not in MODES:
        raise unsupported(LIBRARY, "mode", mode, MODES)
    if len(request.spatial) != 2:
        raise UsageError("--compat pillow resizes images: give a 2-D layout (hw, hwc, chw, nchw or nhwc)")
    align = request.align or "half-pixel"
    if align != "half-pixel":
        raise unsupported(LIBRARY, "alignment", align, ("half-pixel",))
    options = ResizeOptions(
        mode=mode, align=align, rounding=request.rounding or "round", antialias=request.antialias is not False,
        cubic_a=-0.5 if request.cubic_a is None else request.cubic_a,
    )
    sizes = [AxisSize(s.n_in, s.n_out, f"pillow size {s.n_out}: r = {s.n_in}/{s.n_out}", s.n_in / s.n_out)
             for s in request.sized_lengths()]
    if mode == "nearest":
        passes = []
        for i, s in enumerate(sizes):
            if request.dtype == np.uint16:
                # I;16 takes Geometry.c's generic affine path: each position multiplied out, not summed
                f = (s.n_in / s.n_out) * (np.arange(s.n_out) + 0.5)
                index, x, how = np.floor(f).astype(np.int64), f - 0.5, "pillow nearest (I;16): f = r·(d + 0.5) in double"
            else:
                index, x = running_sum_index(s.n_in, s.n_out)
                how = "pillow nearest: f = r/2, f += r in double"
            if options.rounding != "round":
                index = round_coordinates(x, options.rounding)
            passes.append((i, s, selection(s.n_in, index, x, how)))
        return build_plan(request, LIBRARY, options, passes, arithmetic="pillow", executor=execute)
    passes = []
    lengths = [s.n_in for s in sizes]
    stops = [float(n) for n in lengths]
    gap = request.knobs.reducing_gap
    if gap is not None:
        if gap < 1:
            raise UsageError(f"bad --reducing-gap {gap}: must be at least 1")
        factors = [int(s.n_in / s.n_out / gap) or 1 for s in sizes]
        if any(f > 1 for f in factors) and request.dtype == np.uint16:
            raise UsageError(PILLOW_REDUCE_16_BIT)
        if any(f > 1 for f in factors):
            for i, (s, factor) in enumerate(zip(sizes, factors)):
                if factor > 1:
                    weights = reduce_weights(s.n_in, factor)
                    passes.append((i, AxisSize(s.n_in, weights.n_out, f"pillow reducing_gap {gap:g}: reduce ×{factor}"), weights))
                    lengths[i], stops[i] = weights.n_out, s.n_in / factor
    kernel = _kernel(mode, options.cubic_a)
    resample = []
    for i, s in enumerate(sizes):
        if s.n_out != lengths[i] or stops[i] != lengths[i]:
            weights = coefficients(lengths[i], s.n_out, kernel, 0.0, stops[i], options.antialias)
            ratio = stops[i] / s.n_out
            resample.append((i, AxisSize(lengths[i], s.n_out, f"{s.reason} (box 0…{stops[i]:g})" if stops[i] != s.n_in else s.reason, ratio), weights))
    (w, h), (out_w, out_h) = lengths, (sizes[0].n_out, sizes[1].n_out)
    if len(resample) == 2 and vertical_first(w, h, out_w, out_h):
        resample.reverse()
    return build_plan(request, LIBRARY, options, passes + resample, arithmetic="pillow", executor=execute)

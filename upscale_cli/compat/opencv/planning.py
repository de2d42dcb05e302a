"""OpenCV ``cv2.resize`` (5.x), value for value.

* Output length: ``dsize`` as given; ``fx`` gives ``round(n_in · fx)``
  rounded half to even (5 × 0.5 → 2); an empty output is an error. The
  ratio is ``r = 1/fx``, or ``1/(n_out/n_in)`` in double for a ``dsize``.
  When the output size equals the input size the image is copied, whatever
  ``fx`` was.
* ``INTER_NEAREST``: ``floor(d · r)`` in double (6 → 34, d = 17 gives 2).
* ``INTER_NEAREST_EXACT``: Pillow's running double sum
  ``f = r/2, f += r`` with ``r = n_in/n_out`` (``fx`` ignored).
* ``INTER_LINEAR``, ``INTER_CUBIC`` (a = −0.75), ``INTER_LANCZOS4`` (8 taps,
  ``sinc(t)·sinc(t/4)`` normalised): half-pixel coordinate rounded to float32,
  weights computed in float32 as OpenCV does, edge replicated, no
  antialiasing.
* ``INTER_AREA``: when no axis enlarges, exact box averaging (weights in
  float32, slivers under 1e-3 dropped, as ``computeResizeAreaTab``); when
  any axis enlarges, OpenCV's enlargement formula on **every** axis.
* uint8: 11-bit fixed-point weights (see :mod:`.arithmetic`).
* uint16 and int16: OpenCV's float32 code (:func:`float_code`): the
  float32 weights above, each pass summed in float32 in OpenCV's order,
  stored rounded half to even and saturated. Reducing ``INTER_AREA`` runs
  the same float code for 8-bit images too.
* ``INTER_LINEAR`` halving both axes exactly (``fx = fy = 0.5``, or a
  ``dsize`` of exactly half) is ``INTER_AREA`` in ``cv::resize``, and so is
  ``INTER_LINEAR_EXACT`` but on 2 channels.
"""

from __future__ import annotations

import math

import numpy as np

from ...core.errors import UsageError
from ...core.kernels import TRIANGLE, keys_cubic, lanczos
from ...core.plan import ResizeOptions, ResizePlan
from ...core.sizes import AxisSize
from ...core.weights import AxisWeights, filter_weights
from ..base.planning import (
    Request,
    build_plan,
    check_knobs,
    round_coordinates,
    running_sum_index,
    selection,
    unsupported,
)
from .arithmetic import FLOAT_CODE, execute

LIBRARY = "opencv"
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "lanczos", "area")
ALIGNS = ("half-pixel", "asymmetric")
NEAREST = {"nearest": ("asymmetric", "floor"), "nearest-exact": ("half-pixel", "round")}


def _sizes(request: Request) -> list[AxisSize]:
    if request.size is not None:
        return [
            AxisSize(s.n_in, s.n_out, f"opencv dsize {s.n_out}: r = 1/({s.n_out}/{s.n_in})", 1.0 / (s.n_out / s.n_in))
            for s in request.sized_lengths()
        ]
    sizes = []
    for n_in, factor in zip(request.in_lengths, request.factors()):
        n_out = round(n_in * factor)  # Python's round is cvRound's half-to-even
        if n_out < 1:
            raise UsageError(f"scale {factor:g} leaves no pixels on an axis of {n_in} (OpenCV rounds n_in × fx to {n_out})")
        sizes.append(AxisSize(
            n_in, n_out, f"opencv fx {factor:g}: n_out = round_half_even({n_in} × {factor:g}) = {n_out}, r = 1/{factor:g}",
            1.0 / factor,
        ))
    return sizes


def _float32_coordinates(n_out: int, ratio: float, align: str) -> np.ndarray:
    d = np.arange(n_out)
    x = d * ratio if align == "asymmetric" else (d + 0.5) * ratio - 0.5
    return x.astype(np.float32).astype(np.float64)


def area_reduce_weights(n_in: int, n_out: int, ratio: float) -> AxisWeights:
    """``computeResizeAreaTab``: overlap of ``[d·r, (d+1)·r]`` with each pixel, over the cell width."""
    start = np.arange(n_out) * ratio
    stop = start + ratio
    cell = np.minimum(ratio, n_in - start)
    last = np.minimum(np.floor(stop), n_in - 1).astype(np.int64)
    first = np.minimum(np.ceil(start).astype(np.int64), last)
    left = first - start > 1e-3  # a sliver of the pixel before ``first``
    right = stop - last > 1e-3  # a sliver of pixel ``last``
    count = left + (last - first) + right
    k = np.arange(max(int(count.max()), 1))
    taps = np.minimum(first - left, n_in - 1)[:, None] + np.minimum(k, count[:, None] - 1)
    weights = np.where(k < count[:, None], (1.0 / cell)[:, None], 0.0)
    weights[left, 0] = ((first - start) / cell)[left]
    rows = np.flatnonzero(right)
    weights[rows, count[rows] - 1] = np.minimum(np.minimum(stop - last, 1.0), cell)[rows] / cell[rows]
    weights = weights.astype(np.float32).astype(np.float64)
    centres = (np.arange(n_out) + 0.5) * ratio - 0.5
    return AxisWeights(
        n_in, n_out, taps, weights, centres,
        "opencv area: overlap of [d·r, (d+1)·r] with each pixel ÷ cell width (float32, slivers < 1e-3 dropped)",
    )


def area_enlarge_weights(n_in: int, n_out: int, ratio: float, inverse: float, horizontal: bool = True) -> AxisWeights:
    """OpenCV's ``INTER_AREA`` when some axis enlarges: linear taps with ``g`` from the cell edge.

    ``inverse`` is OpenCV's ``inv_scale`` (``fx``, or ``n_out/n_in``), ``ratio`` its reciprocal.
    As for ``INTER_LINEAR``, only the horizontal pass sets ``g = 0`` on the
    last pixel; vertically the rows are clamped and ``g`` kept.
    """
    d = np.arange(n_out)
    start = np.floor(d * ratio).astype(np.int64)
    g = ((d + 1) - (start + 1) * inverse).astype(np.float32)
    g = np.where(g <= 0, np.float32(0), g - np.floor(g)).astype(np.float64)
    if horizontal:
        g[start >= n_in - 1] = 0.0
    start = np.minimum(start, n_in - 1)
    if not g.any():  # an integer enlargement: every pixel repeated
        return selection(n_in, start, start, "opencv area (enlarging by an integer): sx = floor(d·r), copied")
    taps = np.stack([start, np.minimum(start + 1, n_in - 1)], axis=1)
    weights = np.stack([1.0 - g, g], axis=1).astype(np.float32).astype(np.float64)
    return AxisWeights(
        n_in, n_out, taps, weights, start + g,
        "opencv area (enlarging): sx = floor(d·r), g = frac((d+1) − (sx+1)/r), weights 1 − g, g",
    )


def float32_weights(x: np.ndarray, n_in: int, mode: str, cubic_a: float, horizontal: bool) -> tuple[np.ndarray, np.ndarray]:
    """Taps and weights of ``INTER_LINEAR``, ``INTER_CUBIC`` or ``INTER_LANCZOS4`` as OpenCV computes them.

    The weights are float32 functions of ``t = x − floor(x)``: linear
    ``1.f − t, t``; cubic ``interpolateCubic``, the last weight
    ``1 − c₀ − c₁ − c₂``; Lanczos4 ``interpolateLanczos4``. The 8-bit
    arithmetic rounds these float32 values (held exactly in float64) to
    ``cvRound(w · 2¹¹)``. Only the horizontal linear pass moves a
    coordinate left of the first pixel or right of the last onto it
    (``t = 0``); vertically ``t`` is kept and the rows are clamped, which
    changes the 8-bit result (each tap is floored on its own). Taps are
    clamped to the image (edge replicated).
    """
    start = np.floor(x).astype(np.int64)
    t = (x - start).astype(np.float32)
    one = np.float32(1)
    if mode == "bilinear":
        if horizontal:
            outside = (start < 0) | (start >= n_in - 1)
            t[outside] = 0
            start = np.clip(start, 0, n_in - 1)
        weights = np.stack([one - t, t], axis=1)
        first = start
    elif mode == "lanczos":
        # a rational ratio repeats a few phases: each distinct one computed once, scalar as OpenCV does
        phases, index = np.unique(t, return_inverse=True)
        weights = np.array([_lanczos4(value) for value in phases], dtype=np.float32).reshape(len(phases), 8)[index]
        first = start - 3
    else:
        a = np.float32(cubic_a)
        u, v = t + one, one - t
        c0 = ((a * u - np.float32(5) * a) * u + np.float32(8) * a) * u - np.float32(4) * a
        c1 = ((a + np.float32(2)) * t - (a + np.float32(3))) * t * t + one
        c2 = ((a + np.float32(2)) * v - (a + np.float32(3))) * v * v + one
        weights = np.stack([c0, c1, c2, one - c0 - c1 - c2], axis=1)
        first = start - 1
    taps = np.clip(first[:, None] + np.arange(weights.shape[1]), 0, n_in - 1)
    return taps, weights.astype(np.float64)


_S45 = 0.70710678118654752440084436210485
#: ``interpolateLanczos4``'s table: tap ``k``'s numerator is ``a·sin(y₀) + b·cos(y₀)``.
_PHASES = [(1, 0), (-_S45, -_S45), (0, 1), (_S45, -_S45), (-1, 0), (_S45, _S45), (0, -1), (-_S45, _S45)]


def _lanczos4(t: np.float32) -> list[np.float32]:
    """``interpolateLanczos4(t)``: ``sin(πy)·sin(πy/4)/(π²y²/4)`` from one sine and cosine, float32 sum."""
    start = np.float32(t + np.float32(3))
    y0 = -float(start) * math.pi * 0.25
    s0, c0 = math.sin(y0), math.cos(y0)
    coefficients = []
    total = np.float32(0)
    for k, (a, b) in enumerate(_PHASES):
        distance = np.float32(start - np.float32(k))
        if abs(distance) >= np.float32(1e-6):
            y = -float(distance) * math.pi * 0.25
            value = np.float32((a * s0 + b * c0) / (y * y))
        else:  # the sample itself: every other weight vanishes after normalising
            value = np.float32(1e30)
        coefficients.append(value)
        total = np.float32(total + value)
    scale = np.float32(np.float32(1) / total)
    return [np.float32(c * scale) for c in coefficients]


#: ``INTER_LINEAR_EXACT``'s fractional weight bits by sample size in bytes (``ufixedpoint16``, ``[u]fixedpoint32``).
LINEAR_EXACT_BITS = {1: 8, 2: 16}


def linear_exact_weights(n_in: int, n_out: int, ratio: float, bits: int) -> AxisWeights:
    """``INTER_LINEAR_EXACT``'s table: half-pixel in double, weights rounded half to even to ``bits`` bits.

    Outputs left of the first pixel or right of the last copy the edge pixel.
    """
    x = (np.arange(n_out) + 0.5) * ratio - 0.5
    start = np.floor(x).astype(np.int64)
    upper = np.rint((x - start) * 2.0**bits) * 2.0**-bits
    inside = (start >= 0) & (start < n_in - 1) & (n_in > 1)
    left = np.where(inside, start, np.where(start < 0, 0, n_in - 1))
    taps = np.stack([left, np.minimum(left + 1, n_in - 1)], axis=1)
    weights = np.stack([np.where(inside, 1 - upper, 1.0), np.where(inside, upper, 0.0)], axis=1)
    return AxisWeights(
        n_in, n_out, taps, weights, x,
        f"opencv linear exact: x = (d + 0.5)·r − 0.5 in double, weights rounded to 1/2^{bits}",
    )


def axis_weights(
    size: AxisSize, inverse: float, options: ResizeOptions, area_reduces: bool, linear_exact: int,
    horizontal: bool = True,
) -> AxisWeights:
    """The weight table of one axis; ``inverse`` is OpenCV's ``inv_scale`` (``1/r``), ``linear_exact``
    ``INTER_LINEAR_EXACT``'s weight bits (0: not that mode)."""
    n_in, n_out, ratio = size.n_in, size.n_out, size.ratio
    mode = options.mode
    if mode in NEAREST:
        if (options.align, options.rounding) == NEAREST[mode]:
            if mode == "nearest-exact":
                index, x = running_sum_index(n_in, n_out)
                return selection(n_in, index, x, "opencv nearest-exact: f = r/2, f += r in double, r = n_in/n_out")
            x = np.arange(n_out) * ratio
            return selection(n_in, np.floor(x), x, "opencv nearest: floor(d × r) in double")
        x = _float32_coordinates(n_out, ratio, options.align)
        return selection(n_in, round_coordinates(x, options.rounding), x, f"opencv nearest, {options.align}, {options.rounding}")
    if mode == "area":
        return area_reduce_weights(n_in, n_out, ratio) if area_reduces else area_enlarge_weights(n_in, n_out, ratio, inverse, horizontal)
    if linear_exact:
        return linear_exact_weights(n_in, n_out, ratio, linear_exact)
    x = _float32_coordinates(n_out, ratio, options.align)
    if not options.exclude_outside:
        taps, weights = float32_weights(x, n_in, mode, options.cubic_a, horizontal)
        how = {"bilinear": "linear", "lanczos": "lanczos4, 8 taps"}.get(mode, f"cubic a = {options.cubic_a:g}")
        return AxisWeights(
            n_in, n_out, taps, weights, x,
            f"opencv {how}: x = f32((d + 0.5)·r − 0.5), weights in float32, edge replicated",
        )
    if mode == "bicubic":
        kernel, how = keys_cubic(options.cubic_a), f"cubic a = {options.cubic_a:g}"
    elif mode == "lanczos":
        kernel, how = lanczos(4), "lanczos4, 8 taps"
    else:
        kernel, how = TRIANGLE, "linear"
        x = np.clip(x, 0, n_in - 1)
    weights = filter_weights(x, n_in, kernel, border="renormalize" if options.exclude_outside else "clamp")
    return AxisWeights(
        n_in, n_out, weights.taps, weights.weights, weights.coordinates,
        f"opencv {how}: x = f32((d + 0.5)·r − 0.5), edge replicated",
    )


def plan(request: Request) -> ResizePlan:
    """The plan ``cv2.resize`` follows for ``request``."""
    knobs = request.knobs
    check_knobs(LIBRARY, knobs, ("--linear-exact", "--exclude-outside"))
    mode = "bilinear" if request.mode == "linear" else request.mode
    if mode not in MODES:
        raise unsupported(LIBRARY, "mode", mode, MODES)
    if knobs.linear_exact and mode != "bilinear":
        raise UsageError("--linear-exact is OpenCV's INTER_LINEAR_EXACT: use it with --mode bilinear")
    default_align, default_rounding = NEAREST.get(mode, ("half-pixel", "round"))
    align = request.align or default_align
    if align not in ALIGNS:
        raise unsupported(LIBRARY, "alignment", align, ALIGNS)
    sizes = _sizes(request)
    whole = [round(s.ratio) if abs(s.ratio - round(s.ratio)) < np.finfo(float).eps else 0 for s in sizes]
    if mode == "bilinear" and align == "half-pixel" and whole == [2, 2]:
        # cv::resize halves both axes with INTER_AREA's resizeAreaFast for INTER_LINEAR, and for
        # INTER_LINEAR_EXACT but on 2 channels (there "not bit-exact")
        channels = math.prod(request.shape[max(request.spatial) + 1:])
        if not knobs.linear_exact or channels != 2:
            mode = "area"
    options = ResizeOptions(
        mode=mode, align=align, rounding=request.rounding or default_rounding, antialias=False,
        cubic_a=-0.75 if request.cubic_a is None else request.cubic_a,
        exclude_outside=bool(knobs.exclude_outside),
    )
    if all(s.n_in == s.n_out for s in sizes):
        passes = [(i, s, selection(s.n_in, np.arange(s.n_in), np.arange(s.n_in), "opencv: same size, copied"))
                  for i, s in enumerate(sizes)]
        return build_plan(request, LIBRARY, options, passes)
    area_reduces = all(s.ratio >= 1 for s in sizes)
    inverses = [s.n_out / s.n_in for s in sizes] if request.size is not None else request.factors()
    # INTER_LINEAR_EXACT exists for integer images only; floats fall back to INTER_LINEAR
    integer = request.dtype is None or np.dtype(request.dtype).kind in "ui"
    itemsize = 1 if request.dtype is None else np.dtype(request.dtype).itemsize
    linear_exact = LINEAR_EXACT_BITS.get(itemsize, 0) if knobs.linear_exact and integer else 0
    passes = [
        (i, s, axis_weights(s, inverse, options, area_reduces, linear_exact, horizontal=i == 0))
        for i, (s, inverse) in enumerate(zip(sizes, inverses))
    ]
    if mode == "area" and area_reduces:
        # resizeAreaFast: whole-number scales on both axes (within DBL_EPSILON, as OpenCV tests them)
        if whole == [2, 2]:
            arithmetic = "opencv-area-2x2"
        else:
            arithmetic = "opencv-area-fast" if all(whole) else "opencv-area"
    elif linear_exact:
        arithmetic = "opencv-linear-exact"
    elif itemsize == 2 and integer and request.dtype is not None:
        arithmetic = FLOAT_CODE
    elif mode in ("bilinear", "area") and len(sizes) == 2:  # enlarging INTER_AREA runs the linear code
        arithmetic = "opencv-linear"
    else:
        arithmetic = "opencv-fixed"
    return build_plan(request, LIBRARY, options, passes, arithmetic=arithmetic, executor=execute)

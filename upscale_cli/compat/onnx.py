"""ONNX ``Resize`` (opset 19) as the standard defines it.

The standard is the operator's text, its reference implementation
(``onnx.reference.ops.op_resize``) and the 39 Resize backend node tests
generated from it; this preset passes all of them. onnxruntime computes in
float32 and differs in places (see :mod:`upscale_cli.compat.onnxruntime`).

* Arithmetic in float64. ``scales`` S are float32 tensors: the factor is
  ``f32(S)`` as a double, ``n_out = floor(f32(S) · n_in)`` in double, and
  the resized length the coordinate transforms see is the *non-integer*
  ``output_width = f32(S) · n_in`` (``align_corners`` divides by
  ``output_width − 1``, not ``n_out − 1``; so do ``tf_crop_and_resize`` and
  the ``== 1`` tests). ``sizes`` give the factor ``n_out/n_in`` in double.
* ``keep_aspect_ratio_policy`` (``--fit contain`` = ``not_larger``,
  ``cover`` = ``not_smaller``): one factor ``min`` (``max``) of
  ``n_out/n_in`` for every axis, ``n_out = floor(factor · n_in + 0.5)``,
  and that factor (not ``n_out/n_in``) maps the coordinates.
* ``pytorch_half_pixel`` with ``output_width == 1`` maps to 0 as the
  operator's text says (the reference implementation uses −0.5; the two
  agree on every backend test because edge taps are replicated).
* Weights: ``t = x − floor(x)``, except that an integer ``x`` counts as
  ``x − 1`` with ``t = 1`` (the reference "prefers the pixel on the
  left"); linear ``1 − t, t``; cubic Keys with ``cubic_coeff_a`` (default
  −0.75) on 4 taps; antialias the kernel stretched by ``1/min(S, 1)`` on
  ``2 − 2·(⌊−support/min(S, 1)⌋ + 1)`` taps, normalised. The taps are the
  ones nearest ``x`` found in the edge-padded input at ``x + pad``, a sum
  that rounds, as the reference finds them. Taps outside the input are
  replicated from the edge, or dropped and the rest renormalised with
  ``exclude_outside``.
* ``nearest_mode``: ``round_prefer_floor`` = ``half-down`` (default),
  ``round_prefer_ceil`` = ``round``, ``floor``, ``ceil``, on the double
  coordinate (exact ties stay ties).
* An axis is skipped only when its factor is 1 (to ``math.isclose``), its
  length unchanged and its ``roi`` the whole axis; ``tf_crop_and_resize``
  outputs whose coordinate leaves ``[0, n_in − 1]`` take
  ``extrapolation_value``.
* ``tf_half_pixel_for_nn`` left the standard in opset 13 (use
  ``--compat onnxruntime``).
* Passes run in the order of the tensor's axes (rows before columns), as
  the reference resizes one axis after the other; each sum adds its taps
  in order. Integer tensors are rounded half to even and clipped, as the
  reference's ``saturate_cast`` does (``np.round``).
* Cubic weights in double, as the backend node tests were generated. The
  reference run under NumPy 2 computes them in float32, because
  ``cubic_coeff_a`` reaches it as a float32 scalar and NumPy 2 keeps
  float32 when one meets a Python float: about 1e-7 apart, and 0.4 % of
  integer cubic outputs round to the other integer. Linear and nearest
  integer outputs equal the reference's (600,000 samples of int8, uint8,
  uint16 and int32 tensors, three coordinate modes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import UsageError
from ..core.plan import ResizeOptions, ResizePlan
from ..core.sizes import AxisSize, match_axes, parse_size
from ..core.weights import AxisWeights
from .base.planning import Request, build_plan, check_knobs, selection, unsupported

LIBRARY = "onnx"
MODES = ("nearest", "linear", "bilinear", "trilinear", "bicubic")
ALIGNS = (
    "half-pixel", "asymmetric", "pytorch-half-pixel", "align-corners",
    "half-pixel-symmetric", "tf-crop-and-resize",
)
KNOBS = ("--exclude-outside", "--extrapolation-value", "--roi")


def resolve_options(request: Request, library: str, aligns: tuple[str, ...]) -> ResizeOptions:
    """The ONNX attributes of ``request`` (defaults filled in), checked against ``library``."""
    knobs = request.knobs
    check_knobs(library, knobs, KNOBS)
    mode = request.mode
    if mode not in MODES:
        raise unsupported(library, "mode", mode, MODES)
    align = request.align or "half-pixel"
    if align not in aligns:
        raise unsupported(library, "alignment", align, aligns)
    if (knobs.roi is not None or knobs.extrapolation_value is not None) and align != "tf-crop-and-resize":
        raise UsageError("--roi and --extrapolation-value belong to --align tf-crop-and-resize")
    return ResizeOptions(
        mode=mode, align=align, rounding=request.rounding or "half-down",
        antialias=bool(request.antialias) and mode != "nearest",
        cubic_a=-0.75 if request.cubic_a is None else request.cubic_a,
        exclude_outside=bool(knobs.exclude_outside),
    )


def roi_pairs(request: Request) -> list[tuple[float, float]]:
    """``(start, end)`` of every spatial axis, x first (the whole axis without ``--roi``)."""
    n_axes = len(request.spatial)
    roi = request.knobs.roi
    if roi is None:
        return [(0.0, 1.0)] * n_axes
    if len(roi) != 2 * n_axes:
        raise UsageError(f"--roi needs {2 * n_axes} numbers (starts then ends, x first), got {len(roi)}")
    return list(zip(roi[:n_axes], roi[n_axes:]))


#: ``--fit`` → ONNX ``keep_aspect_ratio_policy`` and how it picks the one factor of every axis.
ASPECT_POLICIES = {"contain": ("not_larger", min), "cover": ("not_smaller", max)}


def aspect_policy(request: Request):
    """``(policy name, min or max, target lengths)`` when ``sizes`` keep the aspect ratio, else ``None``.

    ONNX applies ``keep_aspect_ratio_policy`` only to a full ``sizes``; an
    axis left free (``800x``) keeps upscale's own rule.
    """
    if request.size is None or request.fit == "stretch":
        return None
    lengths = match_axes(parse_size(request.size), len(request.spatial), "size", request.size)
    if None in lengths:
        return None
    name, pick = ASPECT_POLICIES[request.fit]
    return name, pick, lengths


def check_length(n_in: int, n_out: int, rule: str) -> int:
    """``n_out``, or a usage error if ``rule`` leaves the axis empty (ONNX would return an empty tensor)."""
    if n_out < 1:
        raise UsageError(f"{rule} leaves no pixels on an axis of {n_in}")
    return n_out


@dataclass(frozen=True)
class AxisScale:
    """One axis as the reference implementation sees it.

    Attributes
    ----------
    size : AxisSize
        ``n_in``, the integer ``n_out`` and why; ``size.ratio = 1/factor``.
    factor : float
        The scale factor of the coordinate transforms (a double).
    width : float
        ``factor · n_in``: the resized length the transforms use, not
        always an integer.
    """

    size: AxisSize
    factor: float
    width: float


def _scales(request: Request) -> list[AxisScale]:
    """Output lengths and factors: ``scales`` in float32, ``sizes`` with ``keep_aspect_ratio_policy``."""
    n_ins = request.in_lengths
    if request.size is None:
        axes = []
        for n_in, given in zip(n_ins, request.factors()):
            factor = float(np.float32(given))
            n_out = check_length(n_in, math.floor(factor * n_in), f"scale {factor:g} (ONNX floors n_in × S)")
            why = f"onnx scales {factor:.8g}: n_out = floor({n_in} × f32(S)) = {n_out}"
            axes.append((n_in, n_out, factor, why))
    elif (policy := aspect_policy(request)) is not None:
        name, pick, lengths = policy
        factor = pick(n_out / n_in for n_out, n_in in zip(lengths, n_ins))
        why = f"onnx keep_aspect_ratio_policy {name}: one scale {factor:.8g}, n_out = floor(n_in × scale + 0.5)"
        axes = [(n_in, check_length(n_in, int(factor * n_in + 0.5), f"keep_aspect_ratio_policy {name}"), factor, why)
                for n_in in n_ins]
    else:
        axes = [(s.n_in, s.n_out, s.n_out / s.n_in, f"onnx sizes {s.n_out}: scale = {s.n_out}/{s.n_in}")
                for s in request.sized_lengths()]
    scales = []
    for n_in, n_out, factor, why in axes:
        width = factor * n_in
        if width != n_out:  # what align_corners, tf_crop_and_resize and the "== 1" tests divide by
            why += f", resized length {n_in} × scale = {width:.8g}"
        scales.append(AxisScale(AxisSize(n_in, n_out, f"{why}, r = 1/scale", 1 / factor), factor, width))
    return scales


def coordinates(axis: AxisScale, align: str, roi: tuple[float, float]) -> np.ndarray:
    """The reference implementation's ``_compute_x_ori`` in double, for every output index."""
    n_in, n_out = axis.size.n_in, axis.size.n_out
    scale, width = axis.factor, axis.width
    d = np.arange(n_out, dtype=np.float64)
    if align == "align-corners":
        return np.zeros(n_out) if width == 1 else d * (n_in - 1) / (width - 1)
    if align == "asymmetric":
        return d / scale
    if align == "tf-crop-and-resize":
        start, end = roi
        if width == 1:
            x = np.full(n_out, (end - start) * (n_in - 1) / 2)
        else:
            x = d * (end - start) * (n_in - 1) / (width - 1)
        return x + start * (n_in - 1)
    if align == "pytorch-half-pixel" and width == 1:
        return np.zeros(n_out)
    if align == "half-pixel-symmetric":
        offset = n_in / 2 * (1 - n_out / width)
        return offset + (d + 0.5) / scale - 0.5
    return (d + 0.5) / scale - 0.5


def _keys(t: np.ndarray, a: float) -> np.ndarray:
    """``_cubic_coeffs_antialias``'s kernel on ``t ≥ 0``, in its order of operations."""
    t2 = t * t
    t3 = t * t2
    return np.where(t <= 1, (a + 2) * t3 - (a + 3) * t2 + 1,
                    np.where(t < 2, a * t3 - 5 * a * t2 + 8 * a * t - 4 * a, 0.0))


NEAREST = {  # nearest_mode: whether the right tap of the pair is taken, from the fraction r in (0, 1)
    "half-down": lambda r: r > 0.5,
    "round": lambda r: r >= 0.5,
    "floor": lambda r: np.zeros(r.shape, dtype=bool),
    "ceil": lambda r: np.ones(r.shape, dtype=bool),
}


def _coefficients(ratio: np.ndarray, factor: float, options: ResizeOptions) -> tuple[int, np.ndarray]:
    """First tap offset (from the window's base) and the coefficients, one row per output.

    ``ratio`` is in ``(0, 1]``, 1 for an integer coordinate; rows are
    normalised as the reference does (antialias only: the other rows sum to
    1 by construction).
    """
    a = options.cubic_a
    if options.mode == "nearest":
        right = (ratio == 1) | NEAREST[options.rounding](ratio)
        return 0, np.stack([~right, right], axis=1).astype(np.float64)
    if options.antialias:
        stretch = min(factor, 1.0)
        support = 2 if options.mode == "bicubic" else 1
        start = int(np.floor(-support / stretch) + 1)
        args = (np.arange(start, 2 - start)[None, :] - ratio[:, None]) * stretch
        values = _keys(np.abs(args), a) if support == 2 else np.clip(1 - np.abs(args), 0, 1)
        total = np.zeros(len(ratio))
        for column in values.T:  # Python's sum(): in order
            total = total + column
        return start, values / total[:, None]
    if options.mode == "bicubic":
        r, s = ratio, 1 - ratio
        return -1, np.stack([
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
        ], axis=1)
    return 0, np.stack([1 - ratio, ratio], axis=1)


def _window(x: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` taps nearest ``x`` (ties to the left), found as the reference finds them.

    It looks in the input padded by ``p = ⌈count/2⌉`` on each side, at
    ``x + p``: that sum rounds, so a coordinate a few ulps above an integer
    can get the window of the integer itself.
    """
    pad = -(-count // 2)
    shifted = x + pad
    below = np.floor(shifted)
    start = below.astype(np.int64) - count // 2 + (shifted != below)
    return start[:, None] - pad + np.arange(count)


def table(x: np.ndarray, n_in: int, factor: float, options: ResizeOptions) -> AxisWeights:
    """Taps and weights of ``_interpolate_1d_along_axis`` (nearest: one tap of weight 1)."""
    below = np.floor(x)
    ratio = np.where(x == below, 1.0, x - below)
    start, weights = _coefficients(ratio, factor, options)
    window = _window(x, weights.shape[1])
    if options.mode == "nearest":
        chosen = window[np.arange(len(x)), weights.argmax(axis=1)]
        return selection(n_in, chosen, x, options.rounding)
    border = "edge replicated"
    if options.exclude_outside:
        weights = np.where((window < 0) | (window >= n_in), 0.0, weights)
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.where(total == 0, 1.0, total)
        border = "outside taps dropped"
    kernel = "Keys cubic a = %g" % options.cubic_a if options.mode == "bicubic" else "triangle"
    if options.antialias:
        kernel += f" stretched ×{1 / min(factor, 1.0):.6g} (antialias)"
    return AxisWeights(n_in, len(x), np.clip(window, 0, n_in - 1), weights, x, f"{kernel}, {border}")


def axis_weights(axis: AxisScale, options: ResizeOptions, roi: tuple[float, float]) -> AxisWeights:
    """The weight table of one axis; rows of outputs to extrapolate are all zero."""
    n_in, n_out = axis.size.n_in, axis.size.n_out
    if math.isclose(axis.factor, 1.0) and n_in == n_out and math.isclose(roi[0], 0) and math.isclose(roi[1], 1):
        return selection(n_in, np.arange(n_in), np.arange(n_in, dtype=np.float64), "onnx: scale 1, axis skipped")
    x = coordinates(axis, options.align, roi)
    weights = table(x, n_in, axis.factor, options)
    how = f"onnx {options.mode}, {options.align} in double: {weights.description}"
    weights = AxisWeights(n_in, n_out, weights.taps, weights.weights, x, how)
    if options.align != "tf-crop-and-resize":
        return weights
    outside = (x < 0) | (x > n_in - 1)
    return AxisWeights(
        n_in, n_out, weights.taps, np.where(outside[:, None], 0.0, weights.weights), x,
        weights.description + "; outputs outside the input take the extrapolation value",
    )


def plan(request: Request) -> ResizePlan:
    """The plan the ONNX reference implementation follows for ``request``."""
    options = resolve_options(request, LIBRARY, ALIGNS)
    if options.exclude_outside and request.mode == "nearest":
        raise UsageError("--exclude-outside with --compat onnx needs a linear or cubic mode")
    axes = _scales(request)
    passes = [(i, axis.size, axis_weights(axis, options, roi)) for i, (axis, roi) in enumerate(zip(axes, roi_pairs(request)))]
    # the reference resizes one tensor axis after the other, in their order: the rounding of every
    # sum (and so which integer a halfway value becomes) follows it
    passes.sort(key=lambda p: request.spatial[p[0]])
    crop = options.align == "tf-crop-and-resize"
    fill = (request.knobs.extrapolation_value or 0.0) if crop else None
    # the reference converts to integer types with ``saturate_cast``: ``np.round`` (halves to even), then clip
    return build_plan(request, LIBRARY, options, passes, fill=fill, ties="even")

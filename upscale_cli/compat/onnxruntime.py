"""ONNX ``Resize`` (opset 19 semantics) as onnxruntime's CPU kernels compute it.

The attributes and their checks are the standard's (:mod:`.onnx`); what
differs is the arithmetic (float32), the integer resized length in every
coordinate transform, and the shortcuts below.

* Output length: ``sizes`` as given, with the scale ``f32(n_out)/f32(n_in)``;
  ``scales`` S gives ``floor(f32(S) · n_in)`` (the ``roi`` does not change
  it) and the ratio ``1/f32(S)``.
* Every coordinate transform (``--align``) is evaluated in float32 exactly
  as onnxruntime writes it, e.g. half_pixel ``(d + 0.5f)/S − 0.5f``, so
  exact ties can break: half_pixel + floor, 7 → 1 gives index 2, not 3. An
  axis whose scale is exactly 1 maps ``d`` to itself (even with a ``roi``),
  and an output shape equal to the input shape is a copy.
* ``nearest_mode`` (``--rounding``): ``round_prefer_floor`` = ``half-down``
  (default), ``round_prefer_ceil`` = ``round``, ``floor``, ``ceil``; the two
  round modes count a coordinate within 1e-6 of a half as a tie.
* ``linear``: coordinate clamped to the input, two taps. ``cubic``: Keys
  with ``cubic_coeff_a`` (default −0.75), edge replicated, or with
  ``exclude_outside`` outside taps dropped and the rest renormalised.
* ``antialias``: the kernel stretched by ``max(r, 1)`` around the
  transformed coordinate; outside taps folded onto the edge (or dropped
  with ``exclude_outside``, which is then Pillow's convolution); an axis
  that keeps its length is copied.
* ``exclude_outside`` is accepted only for ``cubic``, or ``linear`` with
  ``antialias`` (onnxruntime refuses the rest).
* ``tf_crop_and_resize``: maps the ``roi`` onto the output; outputs whose
  coordinate leaves ``[0, n_in − 1]`` take ``extrapolation_value``.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import UsageError
from ..core.kernels import TRIANGLE
from ..core.plan import ResizeOptions, ResizePlan
from ..core.sizes import AxisSize
from ..core.weights import AxisWeights, filter_weights
from .base import Request, build_plan, round_coordinates, selection
from .onnx import ALIGNS as STANDARD_ALIGNS
from .onnx import aspect_policy, check_length, resolve_options, roi_pairs

LIBRARY = "onnxruntime"
#: onnxruntime still accepts Resize-11's ``tf_half_pixel_for_nn``.
ALIGNS = (*STANDARD_ALIGNS, "tf-half-pixel-for-nn")
F32 = np.float32


def _sizes(request: Request) -> tuple[list[AxisSize], list[np.float32]]:
    """Output lengths and onnxruntime's float32 scales ``n_out/n_in`` (one scale with ``--fit``)."""
    if (policy := aspect_policy(request)) is not None:
        name, pick, lengths = policy
        scale = pick(F32(n_out) / F32(n_in) for n_out, n_in in zip(lengths, request.in_lengths))
        n_ins = request.in_lengths
        scales = [scale] * len(n_ins)
        # std::round of the float32 product: half away from zero
        rule = f"keep_aspect_ratio_policy {name}"
        sizes = [AxisSize(n_in, check_length(n_in, int(np.floor(scale * F32(n_in) + F32(0.5))), rule), "")
                 for n_in in n_ins]
        reasons = [f"onnxruntime keep_aspect_ratio_policy {name}: one scale {float(scale):.8g}, "
                   f"n_out = round({s.n_in} × scale) = {s.n_out}" for s in sizes]
    elif request.size is not None:
        sizes = request.sized_lengths()
        scales = [F32(s.n_out) / F32(s.n_in) for s in sizes]
        reasons = [f"onnxruntime sizes {s.n_out}: scale = f32({s.n_out})/f32({s.n_in})" for s in sizes]
    else:
        scales = [F32(f) for f in request.factors()]
        sizes, reasons = [], []
        for n_in, scale in zip(request.in_lengths, scales):
            n_out = check_length(n_in, int(scale * F32(n_in)), f"scale {float(scale):g} (ONNX floors n_in × S)")
            sizes.append(AxisSize(n_in, n_out, ""))
            reasons.append(f"onnxruntime scales {float(scale):.8g}: n_out = floor({n_in} × f32(S)) = {n_out}")
    sizes = [
        AxisSize(s.n_in, s.n_out, f"{reason}, r = 1/f32(S)", float(F32(1) / scale))
        for s, scale, reason in zip(sizes, scales, reasons)
    ]
    return sizes, scales


def coordinates(n_in: int, n_out: int, scale: np.float32, align: str, roi: tuple[float, float]) -> np.ndarray:
    """onnxruntime's ``get_original_coordinate`` for every output index, in float32."""
    d = np.arange(n_out, dtype=F32)
    length_in, length_out = F32(n_in), F32(n_out)
    half = F32(0.5)
    if scale == 1:  # even for tf_crop_and_resize: the roi of that axis is ignored
        return d
    if align == "asymmetric":
        return d / scale
    if align == "tf-half-pixel-for-nn":
        return (d + half) / scale
    if align == "align-corners":
        return np.zeros(1, F32) if n_out == 1 else d * (length_in - 1) / (length_out - 1)
    if align == "pytorch-half-pixel" and n_out == 1:
        return np.zeros(1, F32)
    if align == "tf-crop-and-resize":
        start, end = F32(roi[0]), F32(roi[1])
        if n_out == 1:
            return np.array([0.5 * (float(start) + float(end)) * (n_in - 1)], dtype=F32)
        return start * (length_in - 1) + (d * (end - start) * (length_in - 1)) / (length_out - 1)
    if align == "half-pixel-symmetric":
        adjustment = length_out / (scale * length_in)
        offset = length_in / 2 * (1 - adjustment)
        # the last three operations are done in double, then rounded to float32
        return (float(offset) + (d.astype(np.float64) + 0.5) / float(scale) - 0.5).astype(F32)
    return (d + half) / scale - half


def nearest_index(x: np.ndarray, rounding: str) -> np.ndarray:
    """``get_nearest_pixel``: onnxruntime 1.32 treats a float32 coordinate within
    1e-6 of a half as a tie (measured: 18/2.4f = 7.4999995 gives 8 with
    ``round_prefer_ceil``, and 14.500001 gives 14 with ``round_prefer_floor``)."""
    if rounding not in ("round", "half-down"):
        return round_coordinates(x, rounding)
    below = np.floor(x)
    tie = np.abs((x - below) - 0.5) < 1e-6
    return np.where(tie, below + (rounding == "round"), np.floor(x + 0.5))


def cubic_weights(x: np.ndarray, n_in: int, a: float, exclude_outside: bool) -> AxisWeights:
    """``GetCubicCoeffs`` in float32 (its cancellations matter at 1e-5), taps ``floor(x) − 1 … + 2``."""
    a = F32(a)
    start = np.floor(x)
    s = (x - start).astype(F32)
    near, far = 1 - s, 2 - s
    s1 = s + 1
    coefficients = np.stack([
        ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a,
        ((a + 2) * s - (a + 3)) * s * s + 1,
        ((a + 2) * near - (a + 3)) * near * near + 1,
        ((a * far - 5 * a) * far + 8 * a) * far - 4 * a,
    ], axis=1).astype(F32)
    window = start.astype(np.int64)[:, None] + np.arange(-1, 3)
    if exclude_outside:
        coefficients[(window < 0) | (window >= n_in)] = 0
        total = coefficients[:, 0] + coefficients[:, 1] + coefficients[:, 2] + coefficients[:, 3]
        coefficients = coefficients / total[:, None]
    border = "outside taps dropped" if exclude_outside else "edge replicated"
    return AxisWeights(
        n_in, len(x), np.clip(window, 0, n_in - 1), coefficients.astype(np.float64), x,
        f"Keys cubic a = {float(a):g} on s = x − floor(x) in float32, {border}",
    )


def antialias_weights(x: np.ndarray, n_in: int, scale: np.float32, options: ResizeOptions) -> AxisWeights:
    """``SetupUpsampleFilterAntiAlias`` in float32: Pillow's window around ``x``,
    outside taps folded onto the edge pixel (or dropped with ``exclude_outside``)."""
    cubic = options.mode == "bicubic"
    r = F32(1) / scale
    support = F32(2 if cubic else 1) * (r if r >= 1 else F32(1))
    inverse = F32(1) / r if r >= 1 else F32(1)
    centre = x.astype(F32) + F32(0.5)
    first = np.floor(centre - support + F32(0.5)).astype(np.int64)
    count = np.floor(centre + support + F32(0.5)).astype(np.int64) - first
    window = first[:, None] + np.arange(max(int(count.max()), 1))
    t = np.abs((window.astype(F32) - centre[:, None] + F32(0.5)) * inverse).astype(F32)
    if cubic:
        a = F32(options.cubic_a)
        values = np.where(t < 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                          np.where(t < 2, (((t - 5) * t + 8) * t - 4) * a, F32(0)))
    else:
        values = np.where(t < 1, 1 - t, F32(0))
    values = np.where(np.arange(window.shape[1]) < count[:, None], values, F32(0)).astype(F32)
    if options.exclude_outside:
        values[(window < 0) | (window >= n_in)] = 0
    total = np.zeros(len(x), F32)
    for k in range(values.shape[1]):  # summed in order, in float32
        total = total + values[:, k]
    weights = values * np.where(total == 0, F32(1), F32(1) / total)[:, None]
    border = "outside taps dropped" if options.exclude_outside else "outside taps folded onto the edge"
    return AxisWeights(
        n_in, len(x), np.clip(window, 0, n_in - 1), weights.astype(np.float64), x,
        f"antialias, kernel stretched ×{float(max(r, 1)):.6g} around x in float32, {border}",
    )


def axis_weights(size: AxisSize, scale: np.float32, options: ResizeOptions, roi, extrapolate: bool) -> AxisWeights:
    """The weight table of one axis; rows of outputs to extrapolate are all zero."""
    n_in, n_out = size.n_in, size.n_out
    x = coordinates(n_in, n_out, scale, options.align, roi)
    outside = (x < 0) | (x > n_in - 1) if extrapolate else np.zeros(n_out, dtype=bool)
    x = x.astype(np.float64)
    mode = options.mode
    how = f"onnxruntime {mode}, {options.align} in float32"
    if mode == "nearest":
        weights = selection(n_in, nearest_index(x, options.rounding), x, f"{how}, {options.rounding}")
    else:
        if options.antialias and n_in == n_out:
            weights = selection(n_in, np.arange(n_in), x, "same length, copied")
        elif options.antialias:
            weights = antialias_weights(x, n_in, scale, options)
        elif mode == "bicubic":
            weights = cubic_weights(x, n_in, options.cubic_a, options.exclude_outside)
        else:
            weights = filter_weights(np.clip(x, 0, n_in - 1), n_in, TRIANGLE)
    values = np.where(outside[:, None], 0.0, weights.weights)
    description = weights.description if mode == "nearest" else f"{how}: {weights.description}"
    if extrapolate:
        description += "; outputs outside the input take the extrapolation value"
    return AxisWeights(n_in, n_out, weights.taps, values, weights.coordinates, description)


def plan(request: Request) -> ResizePlan:
    """The plan onnxruntime's ``Resize`` follows for ``request``."""
    options = resolve_options(request, LIBRARY, ALIGNS)
    mode = options.mode
    if options.exclude_outside and not (mode == "bicubic" or options.antialias):
        raise UsageError("--exclude-outside with --compat onnxruntime needs --mode bicubic, or a linear mode with --antialias")
    sizes, scales = _sizes(request)
    if all(s.n_in == s.n_out for s in sizes):
        passes = [(i, s, selection(s.n_in, np.arange(s.n_in), np.arange(s.n_in), "onnxruntime: same shape, copied"))
                  for i, s in enumerate(sizes)]
        return build_plan(request, LIBRARY, options, passes)
    crop = options.align == "tf-crop-and-resize"
    passes = [
        (i, s, axis_weights(s, scale, options, roi, crop))
        for i, (s, scale, roi) in enumerate(zip(sizes, scales, roi_pairs(request)))
    ]
    fill = (request.knobs.extrapolation_value or 0.0) if crop else None
    return build_plan(request, LIBRARY, options, passes, fill=fill)

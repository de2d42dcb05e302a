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
* Integer tensors (uint8, int8, int32; onnxruntime has no ``Resize`` for
  other integer types) follow the integer kernel onnxruntime picks by rank
  and scaled axes (:func:`integer_kernel`): float32 corner sums truncated by
  ``static_cast`` (bilinear, trilinear), 10-bit weights (4-D NHWC, 8 bits),
  22-bit fixed point per pass (antialias); ``extrapolation_value`` cast as
  x86-64 casts a float. Bicubic without antialias, which fails inside
  onnxruntime 1.32, is refused.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from ...core.errors import UsageError
from ...core.kernels import TRIANGLE
from ...core.plan import ResizeOptions, ResizePlan
from ...core.sizes import AxisSize
from ...core.weights import AxisWeights, filter_weights
from ..base.planning import Request, build_plan, round_coordinates, selection
from ..onnx import ALIGNS as STANDARD_ALIGNS
from ..onnx import aspect_policy, check_length, resolve_options, roi_pairs
from .arithmetic import F32, IntegerKernel, antialias_window, integer_resize, inverse_totals, kernel_values

LIBRARY = "onnxruntime"
#: onnxruntime still accepts Resize-11's ``tf_half_pixel_for_nn``.
ALIGNS = (*STANDARD_ALIGNS, "tf-half-pixel-for-nn")
#: The integer tensors onnxruntime's CPU ``Resize`` takes.
INTEGER_TYPES = (np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.int32))


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
            # roi_start + roi_end adds two floats; the rest is double, rounded to float32 at the end
            return np.array([0.5 * float(start + end) * (n_in - 1)], dtype=F32)
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
        with np.errstate(invalid="ignore"):  # a window wholly outside (0/0): tf_crop_and_resize extrapolates it
            coefficients = coefficients / total[:, None]
    border = "outside taps dropped" if exclude_outside else "edge replicated"
    return AxisWeights(
        n_in, len(x), np.clip(window, 0, n_in - 1), coefficients.astype(np.float64), x,
        f"Keys cubic a = {float(a):g} on s = x − floor(x) in float32, {border}",
    )


def antialias_weights(x: np.ndarray, n_in: int, scale: np.float32, options: ResizeOptions) -> AxisWeights:
    """``SetupUpsampleFilterAntiAlias`` in float32: Pillow's window around ``x``,
    outside taps folded onto the edge pixel (or dropped with ``exclude_outside``)."""
    r, support, inverse, centre, first = antialias_window(x, scale, options)
    count = np.floor(centre + support + F32(0.5)).astype(np.int64) - first
    window = first[:, None] + np.arange(max(int(count.max()), 1))
    values = kernel_values(window, count, centre, inverse, options)
    if options.exclude_outside:
        values[(window < 0) | (window >= n_in)] = 0
    weights = values * inverse_totals(values)[:, None]
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
    rois = roi_pairs(request)
    kernel = None
    if request.dtype is not None and request.dtype.kind in "ui":  # before the copy: its refusals hold for copies too
        kernel = integer_kernel(request, options, sizes, scales, rois)
    if all(s.n_in == s.n_out for s in sizes):
        passes = [(i, s, selection(s.n_in, np.arange(s.n_in), np.arange(s.n_in), "onnxruntime: same shape, copied"))
                  for i, s in enumerate(sizes)]
        return build_plan(request, LIBRARY, options, passes)
    crop = options.align == "tf-crop-and-resize"
    passes = [
        (i, s, axis_weights(s, scale, options, roi, crop))
        for i, (s, scale, roi) in enumerate(zip(sizes, scales, rois))
    ]
    fill = (request.knobs.extrapolation_value or 0.0) if crop else None
    resize_plan = build_plan(request, LIBRARY, options, passes, fill=fill)
    if kernel is None:
        return resize_plan
    if kernel.axes[0] == 0 and 0 in request.spatial:
        kernel = replace(kernel, rows=next(p.weights for p in resize_plan.axes if p.axis == 0))
    executor = partial(integer_resize, kernel=kernel)
    # an axis 0 the kernel interpolates without resizing it weights its last row 0.5 + 0.5: no band has it
    bands = not (kernel.axes[0] == 0 and kernel.rows is None)
    return replace(resize_plan, arithmetic=f"onnxruntime {kernel.name}", executor=executor, bands=bands)


def integer_kernel_of(plan: ResizePlan) -> IntegerKernel | None:
    """The integer kernel a plan of this preset runs (:func:`plan` hands it to its executor), or ``None``:
    a float tensor's plan, or one that copies every sample."""
    executor = plan.executor
    if isinstance(executor, partial) and executor.func is integer_resize:
        return executor.keywords["kernel"]
    return None


def integer_kernel(request: Request, options: ResizeOptions, sizes, scales, rois) -> IntegerKernel:
    """The kernel onnxruntime 1.32 picks for ``request`` on an integer tensor, or a usage error where it fails."""
    if request.dtype not in INTEGER_TYPES:
        raise UsageError(f"--compat onnxruntime cannot resize {request.dtype} samples: onnxruntime 1.32 has no CPU "
                         f"Resize kernel for them (it takes uint8, int8, int32 and float32)")
    rank = len(request.shape)
    axis_scale = [F32(1)] * rank
    for axis, scale in zip(request.spatial, scales):
        axis_scale[axis] = scale
    mode = options.mode
    name = "nearest" if mode == "nearest" else "antialias" if options.antialias else "bilinear"
    outer_ones = rank >= 4 and axis_scale[0] == 1 and axis_scale[1] == 1
    nhwc = rank == 4 and axis_scale[0] == 1 and axis_scale[3] == 1 and not outer_ones
    if mode != "nearest":
        # Upsample's ScalesValidation, which fails even when no length changes
        if rank == 2 or (rank == 4 and outer_ones):
            axes = (rank - 2, rank - 1)
        elif nhwc and (mode != "bicubic" or options.antialias or (axis_scale[1] >= 1 and axis_scale[2] >= 1)):
            axes = (1, 2)
            if name == "bilinear" and mode == "bicubic":  # NhwcResizeBiCubicAntiAlias, enlarging: nothing to stretch
                name = "antialias"
            elif name == "bilinear" and request.dtype.itemsize == 1:
                name = "nhwc-fixed"
        elif (rank == 3 or (rank == 5 and outer_ones)) and mode != "bicubic":
            axes = (rank - 3, rank - 2, rank - 1)
        else:
            raise UsageError(f"--compat onnxruntime cannot resize a {rank}-D integer tensor with --mode {mode} on "
                             f"these axes: onnxruntime 1.32 refuses it; use --mode linear or nearest, or a float array")
        changes = any(s.n_in != s.n_out for s in sizes)
        if mode == "bicubic" and not options.antialias and changes and not nhwc:
            raise UsageError("--compat onnxruntime cannot resize integer samples with --mode bicubic: onnxruntime 1.32 "
                             "fails on it (\"Tensor type mismatch\"); use --antialias, a float array or another mode")
    else:
        axes = tuple(sorted(request.spatial))
    roi_of = {axis: roi for axis, roi in zip(request.spatial, rois)}
    size_of = {axis: s for axis, s in zip(request.spatial, sizes)}
    coords = []
    for axis in axes:
        if axis in size_of and axis_scale[axis] != 1:
            s = size_of[axis]
            coords.append(coordinates(s.n_in, s.n_out, axis_scale[axis], options.align, roi_of[axis]))
        else:
            coords.append(np.arange(request.shape[axis], dtype=F32))
    crop = options.align == "tf-crop-and-resize"
    fill = (request.knobs.extrapolation_value or 0.0) if crop else None
    lengths = tuple(request.shape[a] for a in axes)
    out_lengths = tuple(len(x) for x in coords)
    return IntegerKernel(name, axes, tuple(axis_scale[a] for a in axes), tuple(coords), fill, lengths, out_lengths)

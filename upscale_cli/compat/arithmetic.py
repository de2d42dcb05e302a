"""The libraries' own integer arithmetic, selected by ``ResizePlan.arithmetic``.

Float samples are combined exactly (float64, converted once) whatever the
library, which reproduces float32 results to about 1e-7. For 8-bit samples
each library has its own fixed point, and that is what decides the last
level of every output:

* ``pillow``: weights rounded half away from zero to 22 fractional bits;
  **every pass** rounds half up and clips to 0…255 (so a clipped
  intermediate row can change the result by tens of levels). Leading
  ``Image.reduce`` passes (``reducing_gap``) sum whole blocks and round
  once, ``((sum + area/2) · ⌊2³²/(256·area)⌋) >> 24``.
* ``opencv-fixed`` (``INTER_CUBIC``, ``INTER_LANCZOS4``): weights ``cvRound(w · 2¹¹)``, exact integer sums over
  both passes, one final ``(acc + 2²¹) >> 22``.
* ``opencv-linear`` (``INTER_LINEAR``, enlarging ``INTER_AREA``): the same
  horizontal pass, then the
  vertical step of OpenCV's SIMD code, which drops low bits on the way:
  ``((b₀·(S₀ >> 4)) >> 16 + (b₁·(S₁ >> 4)) >> 16 + 2) >> 2``. OpenCV's
  8-bit ``INTER_LINEAR`` and ``INTER_CUBIC`` still differ by 1 on some
  pixels (about 1 in 80 for linear, 1 in 35 for cubic), never more.
* ``opencv-linear-exact`` (``INTER_LINEAR_EXACT``): weights rounded half to
  even to 8 bits, exact integer sums, ``(acc + 2¹⁵) >> 16``: bit exact.
* ``opencv-area`` / ``opencv-area-2x2`` (reducing ``INTER_AREA``): float32
  sums in OpenCV's order rounded half to even, except the exact 2×2
  reduction, which rounds half up (``(a + b + c + d + 2) >> 2``).

A plan with a ``fill`` value (ONNX ``extrapolation_value``) marks outputs
whose source lies outside the input by an all-zero weight row.
"""

from __future__ import annotations

import numpy as np

from ..core.plan import ResizePlan
from ..core.weights import AxisWeights
from ..engine.apply import apply_axis, to_dtype

#: Fractional bits of each fixed-point arithmetic's weights.
WEIGHT_BITS = {"pillow": 22, "opencv-fixed": 11, "opencv-linear-exact": 8}
#: How the descriptions of Pillow's ``Image.reduce`` passes begin.
PILLOW_REDUCE = "pillow reduce"


def apply_library_arithmetic(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Resize ``array`` by ``plan`` with the arithmetic the plan names."""
    selections_only = all(p.weights.is_selection for p in plan.axes)
    if array.dtype == np.uint8 and not selections_only:
        if plan.arithmetic == "pillow":
            return _pillow_8bit(array, plan)
        if plan.arithmetic == "opencv-linear":
            return _opencv_linear(array, plan)
        if plan.arithmetic in WEIGHT_BITS:
            return _opencv_fixed(array, plan, WEIGHT_BITS[plan.arithmetic])
        if plan.arithmetic.startswith("opencv-area"):
            values = _float32_passes(array, plan)
            rounded = np.floor(values + 0.5) if plan.arithmetic.endswith("2x2") else np.rint(values)
            return np.clip(rounded, 0, 255).astype(np.uint8)
    if selections_only and plan.fill is None:
        result = _float_passes(array, plan)
        return array.copy() if result is array else result
    return to_dtype(_float_passes(array.astype(np.float64), plan), array.dtype)


def _outside(weights: AxisWeights) -> np.ndarray:
    return ~np.any(weights.weights != 0, axis=1)


def _float_passes(values: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Every pass in turn; outputs outside the input take the plan's fill value."""
    for axis_plan in plan.axes:
        values = apply_axis(values, axis_plan.axis, axis_plan.weights)
        if plan.fill is not None:
            index = [slice(None)] * values.ndim
            index[axis_plan.axis] = _outside(axis_plan.weights)
            values[tuple(index)] = plan.fill
    return values


def _float32_passes(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Every pass in float32 with float32 weights, taps summed in order (OpenCV's ``INTER_AREA`` buffers)."""
    values = array.astype(np.float32)
    for axis_plan in plan.axes:
        weights = axis_plan.weights
        values = _weighted_sum(values, axis_plan.axis, weights.taps, weights.weights.astype(np.float32))
    return values


def _weighted_sum(values: np.ndarray, axis: int, taps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``Σ_k weights[d, k] · values[taps[d, k]]`` along ``axis``, taps added in order.

    In the dtype of ``values`` and ``weights`` (int64 for the fixed-point
    arithmetics, float32 for OpenCV's area buffers), so every library's own
    rounding happens where it happens in the library.
    """
    broadcast = [1] * values.ndim
    broadcast[axis] = taps.shape[0]
    total = np.zeros(1, dtype=np.result_type(values, weights))
    for k in range(taps.shape[1]):
        total = total + np.take(values, taps[:, k], axis=axis) * weights[:, k].reshape(broadcast)
    return total


def pillow_fixed_weights(weights: np.ndarray) -> np.ndarray:
    """Pillow's ``normalize_coeffs_8bpc``: ``(int)(w·2²² ± 0.5)``, truncated toward zero."""
    scaled = weights * (1 << 22)
    return np.trunc(scaled + np.where(scaled < 0, -0.5, 0.5)).astype(np.int64)


def _pillow_reduce(values: np.ndarray, passes) -> np.ndarray:
    """``Image.reduce`` on 8-bit samples: block sums over every reduced axis, one rounding."""
    area = np.ones(1, dtype=np.int64)
    for axis_plan in passes:
        weights = axis_plan.weights
        ones = (weights.weights != 0).astype(np.int64)
        values = _weighted_sum(values, axis_plan.axis, weights.taps, ones)
        broadcast = [1] * values.ndim
        broadcast[axis_plan.axis] = weights.n_out
        area = area * ones.sum(axis=1).reshape(broadcast)
    # division_UINT32: a float32 quotient, truncated
    multiplier = (np.float32(4294967296.0) / (256 * area).astype(np.float32)).astype(np.int64)
    return ((values + area // 2) * multiplier) >> 24


def _pillow_8bit(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    values = array.astype(np.int64)
    reduces = [p for p in plan.axes if p.weights.description.startswith(PILLOW_REDUCE)]
    if reduces:
        values = _pillow_reduce(values, reduces)
    for axis_plan in plan.axes[len(reduces):]:
        weights = axis_plan.weights
        if weights.is_selection:
            values = np.take(values, weights.taps[:, 0], axis=axis_plan.axis)
            continue
        total = (1 << 21) + _weighted_sum(values, axis_plan.axis, weights.taps, pillow_fixed_weights(weights.weights))
        values = np.clip(total >> 22, 0, 255)
    return values.astype(np.uint8)


def _opencv_fixed(array: np.ndarray, plan: ResizePlan, bits: int) -> np.ndarray:
    """Integer passes with ``round(w · 2^bits)`` weights and one final rounding shift."""
    values = array.astype(np.int64)
    shift = 0
    for axis_plan in plan.axes:
        weights = axis_plan.weights
        fixed = np.rint(weights.weights * (1 << bits)).astype(np.int64)
        values = _weighted_sum(values, axis_plan.axis, weights.taps, fixed)
        shift += bits
    return np.clip((values + (1 << (shift - 1))) >> shift, 0, 255).astype(np.uint8)


def _opencv_linear(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """``INTER_LINEAR`` on 8 bits: integer horizontal pass, SIMD-style vertical step."""
    *first, last = plan.axes
    values = array.astype(np.int64)
    for axis_plan in first:
        weights = axis_plan.weights
        values = _weighted_sum(values, axis_plan.axis, weights.taps, np.rint(weights.weights * 2048).astype(np.int64))
    weights = last.weights
    fixed = np.rint(weights.weights * 2048).astype(np.int64)
    broadcast = [1] * values.ndim
    broadcast[last.axis] = weights.n_out
    total = np.full(1, 2, dtype=np.int64)
    for k in range(weights.taps.shape[1]):
        rows = np.take(values, weights.taps[:, k], axis=last.axis) >> 4
        total = total + ((fixed[:, k].reshape(broadcast) * rows) >> 16)
    return np.clip(total >> 2, 0, 255).astype(np.uint8)


def opencv_linear_exact_weights(n_in: int, n_out: int, ratio: float) -> AxisWeights:
    """``INTER_LINEAR_EXACT``'s table: half-pixel in double, weights on 8 bits (half to even).

    Outputs left of the first pixel or right of the last copy the edge pixel.
    """
    x = (np.arange(n_out) + 0.5) * ratio - 0.5
    start = np.floor(x).astype(np.int64)
    upper = np.rint((x - start) * 256) / 256
    inside = (start >= 0) & (start < n_in - 1) & (n_in > 1)
    left = np.where(inside, start, np.where(start < 0, 0, n_in - 1))
    taps = np.stack([left, np.minimum(left + 1, n_in - 1)], axis=1)
    weights = np.stack([np.where(inside, 1 - upper, 1.0), np.where(inside, upper, 0.0)], axis=1)
    return AxisWeights(
        n_in, n_out, taps, weights, x,
        "opencv linear exact: x = (d + 0.5)·r − 0.5 in double, weights rounded to 1/256",
    )


def pillow_premultiplied(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Pillow's RGBA resize: ``RGBA → RGBa``, resize every channel, ``RGBa → RGBA``.

    Premultiplying rounds ``c·a/255`` to nearest (Pillow's ``MULDIV255``);
    unpremultiplying is ``min(255, c·255 // a)`` (kept as is where alpha is 0).
    ``NEAREST`` moves whole pixels and skips both conversions, and an image
    resized to its own size is copied as it is.
    """
    if plan.options.mode == "nearest" or not plan.axes:
        return apply_library_arithmetic(array, plan)
    values = array.astype(np.int64)
    alpha = values[..., -1:]
    product = values[..., :-1] * alpha + 128
    values[..., :-1] = (product + (product >> 8)) >> 8
    resized = apply_library_arithmetic(values.astype(array.dtype), plan).astype(np.int64)
    alpha = resized[..., -1:]
    colour = np.minimum(resized[..., :-1] * 255 // np.maximum(alpha, 1), 255)
    colour = np.where(alpha > 0, colour, resized[..., :-1])
    resized[..., :-1] = colour
    return resized.astype(array.dtype)

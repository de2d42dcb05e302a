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

import math
from dataclasses import replace

import numpy as np

from ..core.plan import ResizePlan
from ..core.weights import AxisWeights
from ..engine.apply import apply_axis, banded_sum, in_strips, to_dtype

#: Fractional bits of each fixed-point arithmetic's weights.
WEIGHT_BITS = {"pillow": 22, "opencv-fixed": 11, "opencv-linear": 11, "opencv-linear-exact": 8}
#: How the descriptions of Pillow's ``Image.reduce`` passes begin.
PILLOW_REDUCE = "pillow reduce"


def apply_library_arithmetic(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Resize ``array`` by ``plan`` with the arithmetic the plan names."""
    selections_only = all(p.weights.is_selection for p in plan.axes)
    if array.dtype == np.uint8 and not selections_only:
        if plan.arithmetic == "pillow":
            return _pillow_8bit(array, plan)
        if plan.arithmetic in ("opencv-linear", "opencv-fixed", "opencv-linear-exact"):
            return _opencv_8bit(array, plan)
        if plan.arithmetic.startswith("opencv-area"):
            values = _float32_passes(array, plan)
            rounded = np.floor(values + 0.5) if plan.arithmetic.endswith("2x2") else np.rint(values)
            return np.clip(rounded, 0, 255).astype(np.uint8)
    if plan.arithmetic == "pillow" and array.dtype in PILLOW_STORES and not selections_only:
        return _pillow_wide(array, plan)
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
    """``ImagingResample`` on 8-bit samples: every pass rounds half up and clips to 0…255."""
    reduces = [p for p in plan.axes if p.weights.description.startswith(PILLOW_REDUCE)]
    passes = plan.axes[len(reduces):]
    if reduces:
        array = _pillow_reduce(array.astype(np.int64), reduces).astype(np.uint8)
    if not passes:
        return array
    fixed = {p.axis: replace(p.weights, weights=pillow_fixed_weights(p.weights.weights).astype(np.float64)) for p in passes}
    out_shape = list(array.shape)
    for p in passes:
        out_shape[p.axis] = p.weights.n_out

    def compute(item, start, stop, out, lead):
        values, tables = _strip_input(item, passes, fixed, start, stop, lead)
        for axis_plan in passes:
            total = banded_sum(values, axis_plan.axis - lead, tables[axis_plan.axis])
            values = np.floor((total + (1 << 21)) * 2.0**-22)
            np.clip(values, 0, 255, out=values)
        out[...] = values

    return _strips(array, passes, tuple(out_shape), compute)


def _store_i16(values: np.ndarray) -> np.ndarray:
    """``I;16`` passes: ``ROUND_UP`` (half away from zero), clipped to 0…65535 after every pass."""
    return np.clip(_store_i32(values), 0, 65535)


def _store_i32(values: np.ndarray) -> np.ndarray:
    """``ROUND_UP`` (half away from zero) to 32-bit integers, as mode ``I`` stores every pass."""
    rounded = np.trunc(values + np.where(values >= 0, 0.5, -0.5))
    return np.clip(rounded, -(2.0**31), 2.0**31 - 1)


#: How Pillow stores each pass of its wider modes (``I;16``, ``I``, ``F``): sums are doubles, tap by tap.
PILLOW_STORES = {
    np.dtype(np.uint16): _store_i16,
    np.dtype(np.int32): _store_i32,
    np.dtype(np.float32): lambda values: values.astype(np.float32).astype(np.float64),
}


def _pillow_wide(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Pillow's 16-bit, 32-bit integer and float passes: a double sum in tap order, stored after every pass."""
    store = PILLOW_STORES[array.dtype]
    values = array.astype(np.float64)
    for axis_plan in plan.axes:
        values = store(apply_axis(values, axis_plan.axis, axis_plan.weights))
    return values.astype(array.dtype)


def _strips(array: np.ndarray, passes, out_shape, compute) -> np.ndarray:
    """``compute(item, start, stop, out, lead)`` over strips of the first resized axis, on the thread pool."""
    lead = min(p.axis for p in passes)
    return in_strips(array, lead, out_shape, lambda item, start, stop, out: compute(item, start, stop, out, lead), rows=8)


def _strip_input(item: np.ndarray, passes, tables: dict, start: int, stop: int, lead: int):
    """The input rows that outputs ``start:stop`` of axis ``lead`` read, as float64, and the tables
    with the lead axis's restricted to those outputs and rows."""
    table = tables[lead]
    taps = table.taps[start:stop]
    low, high = int(taps.min()), int(taps.max()) + 1
    values = item[low:high].astype(np.float64)
    strip = replace(table, n_in=high - low, n_out=stop - start, taps=taps - low, weights=table.weights[start:stop],
                    coordinates=table.coordinates[start:stop])
    return values, {**tables, lead: strip}


def _opencv_8bit(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """OpenCV's 8-bit ``resizeGeneric``: exact integer passes, then the library's own vertical step.

    Every pass but the last sums integers with ``cvRound(w · 2^bits)``
    weights exactly. The last (vertical) pass is OpenCV's: ``INTER_LINEAR``
    floors each tap, ``((b·(S >> 4)) >> 16)``, and rounds the pair with
    ``(… + 2) >> 2``; ``INTER_CUBIC`` computes the first ``8·⌊n/8⌋``
    samples of each row (128-bit vectors of eight 16-bit lanes) in float32,
    ``S₀b₀ + (S₁b₁ + (S₂b₂ + S₃b₃))`` with ``b = beta/2²²``, separate
    multiplies and adds, rounded half to even, and the rest of the row in
    integers, ``(Σ Sₖbₖ + 2²¹) >> 22``; the other arithmetics round the
    exact sum once.
    """
    bits = WEIGHT_BITS[plan.arithmetic]
    *first, last = plan.axes
    fixed = {p.axis: replace(p.weights, weights=np.rint(p.weights.weights * (1 << bits))) for p in plan.axes}
    shift = bits * len(plan.axes)
    cubic = plan.arithmetic == "opencv-fixed" and plan.options.mode == "bicubic"

    def compute(item, start, stop, out, lead):
        values, tables = _strip_input(item, plan.axes, fixed, start, stop, lead)
        for axis_plan in first:
            values = banded_sum(values, axis_plan.axis - lead, tables[axis_plan.axis])
        axis, table = last.axis - lead, tables[last.axis]
        if plan.arithmetic == "opencv-linear":
            result = _opencv_linear_step(values, axis, table)
        else:
            result = np.floor((banded_sum(values, axis, table) + (1 << (shift - 1))) * 2.0**-shift)
            if cubic:
                _opencv_cubic_vectors(values, axis, table, bits, result)
        np.clip(result, 0, 255, out=result)
        out[...] = result

    return _strips(array, plan.axes, plan.out_shape, compute)


def _opencv_linear_step(values: np.ndarray, axis: int, table: AxisWeights) -> np.ndarray:
    """``INTER_LINEAR``'s vertical step: ``(Σ (bₖ·(Sₖ >> 4)) >> 16 + 2) >> 2`` in 32-bit integers."""
    shifted = values.astype(np.int32) >> 4
    broadcast = [1] * values.ndim
    broadcast[axis] = table.n_out
    total = np.full(1, 2, dtype=np.int32)
    for k in range(table.taps.shape[1]):
        product = np.take(shifted, table.taps[:, k], axis=axis) * table.weights[:, k].astype(np.int32).reshape(broadcast)
        total = total + (product >> 16)
    return (total >> 2).astype(np.float64)


def _opencv_cubic_vectors(values: np.ndarray, axis: int, table: AxisWeights, bits: int, result: np.ndarray) -> None:
    """Overwrite the vectorised part of each row of ``result`` with OpenCV's float32 cubic step."""
    row = math.prod(values.shape[axis + 1:])
    vectorised = row // 8 * 8
    if not vectorised:
        return
    flat = values.reshape(values.shape[:axis + 1] + (row,))[..., :vectorised].astype(np.float32)
    broadcast = [1] * flat.ndim
    broadcast[axis] = table.n_out
    beta = (table.weights * 2.0 ** (-2 * bits)).astype(np.float32)
    total = None
    for k in reversed(range(table.taps.shape[1])):
        term = np.take(flat, table.taps[:, k], axis=axis) * beta[:, k].reshape(broadcast)
        total = term if total is None else term + total
    target = result.reshape(result.shape[:axis + 1] + (row,))
    target[..., :vectorised] = np.clip(np.rint(total), -32768, 32767)


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

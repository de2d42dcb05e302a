"""OpenCV's own arithmetic (``cv2.resize`` 5.x), bit for bit (with Intel IPP on, ``cv2.resize`` hands 8-bit
bicubic to IPP, which rounds otherwise).

* ``opencv-fixed``: weights ``cvRound(w · 2¹¹)`` of OpenCV's float32
  coefficients, exact integer sums; ``INTER_LANCZOS4`` rounds the sum of
  both passes once, ``(acc + 2²¹) >> 22``; ``INTER_CUBIC``'s vertical step
  is OpenCV's float32 vector code on the first ``8·⌊n/8⌋`` samples of a
  row and the integer rounding on the rest.
* ``opencv-linear`` (``INTER_LINEAR``, enlarging ``INTER_AREA``): the same
  horizontal pass, then the vertical step of OpenCV's code, which floors
  each tap: ``((b₀·(S₀ >> 4)) >> 16 + (b₁·(S₁ >> 4)) >> 16 + 2) >> 2``.
* ``opencv-linear-exact`` (``INTER_LINEAR_EXACT``): weights rounded half to
  even to 8 bits, exact integer sums, ``(acc + 2¹⁵) >> 16``.
* ``opencv-area-2x2``, ``opencv-area-fast``, ``opencv-area`` (reducing
  ``INTER_AREA``), and OpenCV on 16-bit samples: OpenCV's float code
  (:func:`float_code`).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import replace

import numpy as np

from ...core.plan import ResizePlan
from ...core.weights import AxisWeights
from ...engine.apply import apply_plan
from ..base.arithmetic import banded, fixed_passes, selects_only, strip_rows, strip_table, strips
from ..base.arithmetic import execute as shared_execute

#: Fractional bits of the weights of each 8-bit fixed-point arithmetic.
WEIGHT_BITS = {"opencv-fixed": 11, "opencv-linear": 11, "opencv-linear-exact": 8}
#: The arithmetics of reducing ``INTER_AREA``: OpenCV's float code for every integer type.
AREA_ARITHMETICS = ("opencv-area", "opencv-area-fast", "opencv-area-2x2")
#: The arithmetic of a plan made for 16-bit samples (a plan made without a dtype finds out when applied).
FLOAT_CODE = "opencv-float32"


def execute(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Apply a ``cv2.resize`` plan: reducing ``INTER_AREA`` and 16-bit samples by :func:`float_code`, the
    8-bit samples by OpenCV's fixed point."""
    filtered = array.dtype.kind in "ui" and not selects_only(plan)
    sixteen = array.dtype.itemsize == 2 and plan.arithmetic != "opencv-linear-exact"
    if filtered and (sixteen or plan.arithmetic in AREA_ARITHMETICS + (FLOAT_CODE,)):
        return float_code(array, plan)
    if array.dtype == np.uint8 and not selects_only(plan) and plan.arithmetic in WEIGHT_BITS:
        return _opencv_8bit(array, plan)
    return shared_execute(array, plan)


#: Samples of a row that OpenCV's vertical vector steps take at a time (eight 16-bit lanes of SSE).
VECTOR_SAMPLES = 8
#: Blocks of ``INTER_AREA``'s whole-number reductions are summed this many samples at a time in integers.
AREA_GROUP = 4


def float_code(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """``cv2.resize``'s float code on integer samples: ``uint16`` and ``int16`` (``CV_16U``, ``CV_16S``), and
    reducing ``INTER_AREA`` on every integer type.

    OpenCV resizes 16-bit images with its float code (no fixed point):
    the horizontal pass sums ``S[x₀]·α₀ + S[x₁]·α₁ + …`` in float32, left
    to right, into a float32 row; the vertical pass sums the rows the same
    way, except that ``INTER_CUBIC`` (and ``INTER_LANCZOS4`` on ``int16``)
    takes the first ``8·⌊n/8⌋`` samples of each output row (``n`` = width ×
    channels) in vectors, ``S₀β₀ + (S₁β₁ + (… + S₇β₇))``; ``uint16``
    Lanczos4's vector code (SSE4.1) adds left to right like the scalar
    code. Each output is rounded half to even and saturated. With Intel
    IPP on (the wheels' default) ``cv2.resize`` hands 16-bit
    ``INTER_LINEAR`` and ``INTER_CUBIC`` to IPP, whose rounding differs.

    ``INTER_AREA`` reductions sum float32 weights in the same order, or, by
    whole numbers, sum each block (in integers four samples at a time, those
    added in float32) times ``1.f/n``; the 2×2 reduction of 1, 3 or 4
    channels is ``(a + b + c + d + 2) >> 2``; a block cut short by the bottom
    or right edge is its sum over its count. 8-bit ``INTER_AREA`` reductions
    take the same code (their block sums are integers, exact in float32
    below 2²⁴).
    """
    info = np.iinfo(array.dtype)
    if plan.arithmetic in ("opencv-area-fast", "opencv-area-2x2"):
        values = _area_blocks(array, plan)
    else:
        values = array.astype(np.float32)
        lead = min(p.axis for p in plan.axes)
        vectors = plan.options.mode == "bicubic" or (plan.options.mode == "lanczos" and array.dtype.kind == "i")
        for axis_plan in plan.axes:
            table = axis_plan.weights
            if vectors and axis_plan.axis == lead:
                values = _vertical_vectors(values, lead, table)
            else:
                values = _float32_sum(values, axis_plan.axis, table.taps, table.weights.astype(np.float32))
        values = np.rint(values)
    return np.clip(values, info.min, info.max).astype(array.dtype)


def _float32_sum(values: np.ndarray, axis: int, taps: np.ndarray, weights: np.ndarray, order=None) -> np.ndarray:
    """``Σ_k weights[d, k]·values[taps[d, k]]`` along ``axis`` in float32, taps added in ``order`` (left to right)."""
    broadcast = [1] * values.ndim
    broadcast[axis] = taps.shape[0]
    total = None
    for k in range(taps.shape[1]) if order is None else order:
        term = np.take(values, taps[:, k], axis=axis) * weights[:, k].reshape(broadcast)
        total = term if total is None else total + term
    return total


def _vertical_vectors(values: np.ndarray, axis: int, table: AxisWeights) -> np.ndarray:
    """The cubic and Lanczos vertical pass: vectors from the last tap inward on each row's head, the tail in order."""
    shape = values.shape
    rows = values.reshape(shape[:axis + 1] + (-1,))
    head = rows.shape[-1] // VECTOR_SAMPLES * VECTOR_SAMPLES
    weights = table.weights.astype(np.float32)
    last = rows.ndim - 2
    out = np.concatenate([
        _float32_sum(rows[..., :head], last, table.taps, weights, order=reversed(range(table.taps.shape[1]))),
        _float32_sum(rows[..., head:], last, table.taps, weights),
    ], axis=-1)
    return out.reshape(shape[:axis] + (table.n_out,) + shape[axis + 1:])


def _area_blocks(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """``resizeAreaFast``: whole blocks summed four samples at a time then times ``1.f/n``, cut blocks ``sum/count``.

    A block's samples are taken row by row (the first array axis outermost),
    as OpenCV's offsets list them.
    """
    passes = sorted(plan.axes, key=lambda p: p.axis)
    offsets = list(itertools.product(*(range(p.weights.taps.shape[1]) for p in passes)))
    area = len(offsets)
    channels = math.prod(array.shape[passes[-1].axis + 1:])

    def along(mask: np.ndarray, axis: int) -> np.ndarray:
        shape = [1] * array.ndim
        shape[axis] = len(mask)
        return mask.reshape(shape)

    # integers are only ever summed four at a time (a 2×2 block, a group): four 8-bit samples fit 16 bits, four
    # 16-bit ones 32 bits
    narrow = {1: np.int16, 2: np.int32}.get(array.dtype.itemsize, np.int64)

    def sample(offset) -> np.ndarray:
        values = array
        for p, k in zip(passes, offset):
            taps = p.weights.taps[:, k]
            step = int(taps[1] - taps[0]) if len(taps) > 1 else 1
            if step > 0 and np.array_equal(taps, taps[0] + step * np.arange(len(taps))):
                # whole blocks side by side: a strided view instead of a gathered copy
                index = [slice(None)] * values.ndim
                index[p.axis] = slice(int(taps[0]), int(taps[-1]) + 1, step)
                values = values[tuple(index)]
            else:
                values = np.take(values, taps, axis=p.axis)
        return values.astype(narrow)

    def present(offset) -> np.ndarray:
        return functools.reduce(np.logical_and, (along(p.weights.weights[:, k] != 0, p.axis)
                                                 for p, k in zip(passes, offset)))

    # one pass over the block's samples, keeping four at a time: a block of n samples would be n arrays
    whole = functools.reduce(np.logical_and, (along((p.weights.weights != 0).all(axis=1), p.axis) for p in passes))
    shape = tuple(plan.out_shape)
    two_by_two = plan.arithmetic == "opencv-area-2x2" and channels in (1, 3, 4)
    if two_by_two and whole.all():
        return _halved(array, passes, narrow)
    exact, grouped = np.zeros(shape, narrow), np.zeros(shape, np.float32)
    # blocks cut short by the bottom or right edge: their samples one at a time, divided by their count
    cut = not whole.all()
    partial, count = np.zeros(shape if cut else (), np.float32), np.zeros(shape if cut else (), np.float32)
    group = []
    for offset in offsets:
        value = sample(offset)
        if cut:
            inside = present(offset)
            partial += np.where(inside, value, 0).astype(np.float32)
            count += inside
        if two_by_two:
            exact += value
            continue
        group.append(value)
        if len(group) == AREA_GROUP:
            grouped += sum(group).astype(np.float32)
            group = []
    for value in group:
        grouped += value.astype(np.float32)
    means = (exact + 2) >> 2 if two_by_two else np.rint(grouped * np.float32(1 / area))
    return np.where(whole, means, np.rint(partial / np.maximum(count, 1))) if cut else means


def _halved(array: np.ndarray, passes, narrow: type) -> np.ndarray:
    """Whole 2×2 blocks, ``(a + b + c + d + 2) >> 2``: rows added in pairs while they are contiguous, then
    columns (an exact integer sum, in any order)."""
    (rows, columns) = (p.axis for p in passes)
    lengths = {rows: 2 * passes[0].weights.n_out, columns: 2 * passes[1].weights.n_out}
    values = array[tuple(slice(lengths.get(axis)) for axis in range(array.ndim))]

    def half(values: np.ndarray, axis: int, start: int) -> np.ndarray:
        index = [slice(None)] * values.ndim
        index[axis] = slice(start, None, 2)
        return values[tuple(index)]

    pairs = np.add(half(values, rows, 0), half(values, rows, 1), dtype=narrow)
    total = half(pairs, columns, 0) + half(pairs, columns, 1)
    total += 2
    total >>= 2
    return total


def _opencv_8bit(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """OpenCV's 8-bit ``resizeGeneric``: exact integer passes, then the library's own vertical step.

    Every pass sums integers with ``cvRound(w · 2^bits)`` weights exactly.
    ``INTER_LANCZOS4`` and ``INTER_LINEAR_EXACT`` round the exact sum of
    both passes once. ``INTER_LINEAR`` (and enlarging ``INTER_AREA``)
    floors each vertical tap on its own, ``(b·(S >> 4)) >> 16``, and rounds
    the pair with ``(… + 2) >> 2``. ``INTER_CUBIC`` computes the first
    ``8·⌊n/8⌋`` samples of each row (128-bit vectors of eight 16-bit lanes)
    in float32, ``S₀b₀ + (S₁b₁ + (S₂b₂ + S₃b₃))`` with ``b = beta/2²²``,
    separate multiplies and adds, rounded half to even, and the rest of the
    row in integers, ``(Σ Sₖbₖ + 2²¹) >> 22``.
    """
    bits = WEIGHT_BITS[plan.arithmetic]
    fixed = fixed_passes(plan.axes, lambda w: np.rint(w * (1 << bits)))
    cubic = plan.arithmetic == "opencv-fixed" and plan.options.mode == "bicubic"
    if plan.arithmetic != "opencv-linear" and not cubic:
        # one rounding of the exact sum: the engine's own definition, with the weights scaled back
        scaled = [replace(p, weights=replace(p.weights, weights=p.weights.weights * 2.0**-bits)) for p in fixed]
        return apply_plan(array, plan.defined(axes=tuple(scaled)))
    *first, last = fixed
    lead = min(p.axis for p in fixed)
    if last.axis != lead:
        raise ValueError("OpenCV's vertical step runs on the first array axis it resizes")
    step = _opencv_linear_step if plan.arithmetic == "opencv-linear" else _opencv_cubic_step

    def compute(item, start, stop, out, sums):
        values, low = strip_rows(item, sums, start, stop)
        for axis_plan in first:
            values = banded(values, sums, axis_plan.axis - lead, start, stop, low)
        step(values, strip_table(last.weights, 0, start, stop, low), out)

    # 8-bit samples times 11-bit weights: every horizontal sum is an integer below 2**24, exact in float32
    return strips(array, fixed, plan.out_shape, compute, np.float32)


def _opencv_linear_step(values: np.ndarray, table: AxisWeights, out: np.ndarray) -> None:
    """``INTER_LINEAR``'s vertical step along axis 0 into the 8-bit ``out``: ``(Σ (bₖ·(Sₖ >> 4)) >> 16 + 2) >> 2``."""
    shifted = values.astype(np.int32) >> 4
    broadcast = (-1,) + (1,) * (values.ndim - 1)
    total = None
    for k in range(table.taps.shape[1]):
        product = np.take(shifted, table.taps[:, k], axis=0)
        product *= table.weights[:, k].astype(np.int32).reshape(broadcast)
        product >>= 16
        total = product if total is None else np.add(total, product, out=total)
    total += 2
    total >>= 2
    np.clip(total, 0, 255, out=out, casting="unsafe")


def _opencv_cubic_step(values: np.ndarray, table: AxisWeights, out: np.ndarray) -> None:
    """``INTER_CUBIC``'s vertical step along axis 0 into the 8-bit ``out``: float32 vectors, then each row's integer tail."""
    row = math.prod(values.shape[1:])
    flat = values.reshape(len(values), row)
    target = out.reshape(table.n_out, row)
    vectorised = row // 8 * 8
    broadcast = (-1, 1)
    head = flat[:, :vectorised].astype(np.float32)
    beta = (table.weights * 2.0**-22).astype(np.float32)
    total = None
    for k in reversed(range(table.taps.shape[1])):
        term = np.take(head, table.taps[:, k], axis=0)
        term *= beta[:, k].reshape(broadcast)
        total = term if total is None else np.add(term, total, out=total)
    np.rint(total, out=total)
    np.clip(total, 0, 255, out=target[:, :vectorised], casting="unsafe")
    tail = flat[:, vectorised:].astype(np.int64)
    exact = sum(np.take(tail, table.taps[:, k], axis=0) * table.weights[:, k].astype(np.int64).reshape(broadcast)
                for k in range(table.taps.shape[1]))
    target[:, vectorised:] = np.clip((exact + (1 << 21)) >> 22, 0, 255)


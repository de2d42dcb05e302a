"""Which passes each library runs on integer samples, in its own numbers (:mod:`.arithmetic`'s terms).

Each function here mirrors a preset's arithmetic in
:mod:`upscale_cli.compat`, one output sample at a time, so that
``--explain-pixel`` can show the numbers the library multiplies and the
integer it stores; the trace checks the stored value against the preset's
output, and the tests check both against the live library.
"""

from __future__ import annotations

import math

import numpy as np

from ..compat.base.arithmetic import fixed_weights
from ..compat.opencv.arithmetic import AREA_GROUP, VECTOR_SAMPLES, WEIGHT_BITS
from ..compat.opencv.arithmetic import FLOAT_CODE as OPENCV_FLOAT_CODE
from ..compat.opencv.planning import LINEAR_EXACT_BITS
from ..compat.pillow.arithmetic import (
    leading_reduces,
    pillow_fixed_weights,
    reduce_groups,
    reduce_layout,
    reduce_multiplier,
)
from ..compat.torch.arithmetic import TORCH_8BIT
from ..compat.torch.planning import uint8_precision
from ..core.plan import AxisPlan, ResizeOptions, ResizePlan
from ..core.weights import TableKind
from .arithmetic import (
    DIVIDE,
    FLOAT32,
    HALF_AWAY,
    HALF_EVEN,
    IN_ORDER,
    INT32,
    KEEP,
    LAST_FIRST,
    MULTIPLY,
    FixedRule,
    FloatRule,
    LibraryPass,
    axis_pass,
    block_name,
    block_positions,
)
from .onnxruntime import onnxruntime_passes

#: Pillow's ``ImagingResample`` on 8 bits: 22-bit weights (``PRECISION_BITS``), every pass ``clip8``.
PILLOW_RULE = FixedRule(pillow_fixed_weights, 1 << 21, 22)


def opencv_fixed_weights(weights: np.ndarray) -> np.ndarray:
    """``cvRound(w·2¹¹)``: OpenCV's 11-bit weights, halves to even."""
    return np.rint(weights * 2048).astype(np.int64)


#: OpenCV's ``INTER_LINEAR`` on 8 bits: the horizontal sums kept whole, then the vertical step of
#: ``VResizeLinear``, which shifts each tap on its own.
OPENCV_HORIZONTAL = FixedRule(opencv_fixed_weights, 0, 0, clip=None)
OPENCV_VERTICAL = FixedRule(opencv_fixed_weights, 2, 2, tap_shifts=(4, 16))
#: OpenCV's ``INTER_LANCZOS4`` (and ``INTER_CUBIC`` on a row's tail) on 8 bits: the exact sum of both passes,
#: ``(acc + 2²¹) >> 22``, saturated.
OPENCV_ROUNDED = FixedRule(opencv_fixed_weights, 1 << 21, 22)
#: OpenCV's ``INTER_CUBIC`` vertical step on a row's first ``8·⌊n/8⌋`` samples: float32 vectors.
OPENCV_CUBIC_VECTORS = FixedRule(opencv_fixed_weights, 0, 22, floating=FloatRule("float32", LAST_FIRST, HALF_EVEN))


def torch_rule(axis_plan: AxisPlan, options: ResizeOptions) -> FixedRule:
    """PyTorch's uint8 pass (``ImagingResampleHorizontal``/``Vertical`` ported): 16-bit weights over ``2^p``,
    ``p`` chosen per axis, ``(2^(p−1) + Σ w·x) >> p`` saturated to 0…255."""
    precision = uint8_precision(axis_plan.size, options)
    return FixedRule(lambda weights: fixed_weights(weights, precision), (1 << precision) >> 1, precision)


def _vector_head(plan: ResizePlan, index: tuple[int, ...]) -> bool:
    """Whether OpenCV's vertical vector code computes output ``index``: the first ``8·⌊n/8⌋`` samples of each
    output row (``n`` = every sample after the first resized axis) take vectors, the rest the scalar code
    (:func:`upscale_cli.compat.opencv.arithmetic._opencv_cubic_step`, ``_vertical_vectors``)."""
    lead = min(p.axis for p in plan.axes)
    row = plan.out_shape[lead + 1:]
    within = int(np.ravel_multi_index(index[lead + 1:], row)) if row else 0
    return within < math.prod(row) // VECTOR_SAMPLES * VECTOR_SAMPLES


def _clip(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def opencv_float_code(plan: ResizePlan, dtype: np.dtype) -> bool:
    """Whether ``cv2.resize`` computes these integer samples with float32 weights and sums (as
    :func:`upscale_cli.compat.opencv.arithmetic.execute` decides): 16-bit samples, and reducing ``INTER_AREA``
    by fractions."""
    if not plan.arithmetic.startswith("opencv") or dtype.kind not in "ui":
        return False
    if plan.arithmetic in ("opencv-area-fast", "opencv-area-2x2", "opencv-linear-exact"):
        return False
    return dtype.itemsize == 2 or plan.arithmetic in ("opencv-area", OPENCV_FLOAT_CODE)


def float32_weights(weights: np.ndarray) -> np.ndarray:
    """OpenCV's float coefficients as the float code holds them."""
    return weights.astype(np.float32)


def _opencv_float_passes(plan: ResizePlan, dtype: np.dtype) -> list[LibraryPass]:
    """The float code's passes: float32 sums of float32 weights, left to right, except the vertical pass of
    ``INTER_CUBIC`` (and ``INTER_LANCZOS4`` on ``int16``) on a row's vector head; the last pass rounded half to
    even and saturated to the dtype."""
    lead = min(p.axis for p in plan.axes)
    mode = plan.options.mode
    vectors = mode == "bicubic" or (mode == "lanczos" and dtype.kind == "i")
    passes = []
    for k, axis_plan in enumerate(plan.axes):
        last = k == len(plan.axes) - 1
        in_order, last_first = (FixedRule(float32_weights, 0, 0, _clip(dtype) if last else None,
                                          floating=FloatRule("float32", order, HALF_EVEN if last else KEEP))
                                for order in (IN_ORDER, LAST_FIRST))
        vertical = vectors and axis_plan.axis == lead
        passes.append(axis_pass(axis_plan, _by_vector_head(plan, last_first, in_order) if vertical else in_order))
    return passes


def _by_vector_head(plan: ResizePlan, vectors: FixedRule, scalar: FixedRule):
    """The rule of OpenCV's vertical step at each output: ``vectors`` on a row's vector head, ``scalar`` on the
    rest of the row (:func:`_vector_head`)."""
    return lambda at: vectors if _vector_head(plan, at) else scalar


def _opencv_area_blocks(plan: ResizePlan, dtype: np.dtype) -> LibraryPass:
    """``resizeAreaFast`` on one block: a whole 2×2 block of 1, 3 or 4 channels ``(a + b + c + d + 2) >> 2``;
    a whole block summed in integers :data:`AREA_GROUP` samples at a time, each group added in float32 (the
    last ones one by one), times ``1.f/n``; a block cut short by an edge, its samples added in float32 over
    their count; rounded half to even and saturated."""
    axes = list(plan.axes)
    channels = math.prod(plan.in_shape[max(p.axis for p in axes) + 1:])
    two_by_two = plan.arithmetic == "opencv-area-2x2" and channels in (1, 3, 4)
    area = math.prod(p.weights.taps.shape[1] for p in axes)
    clip = _clip(dtype)

    def reads(at: tuple[int, ...]):
        positions = block_positions(axes, at)
        terms = [(1, position) for position in positions]
        if len(positions) < area:  # cut short by the bottom or right edge
            rule = FloatRule("float32", IN_ORDER, HALF_EVEN, (1,) * len(positions), "float32",
                             (DIVIDE, float(len(positions))))
        elif two_by_two:
            return FixedRule(np.asarray, 2, 2, clip), terms
        else:
            whole, rest = divmod(area, AREA_GROUP)
            rule = FloatRule("float32", IN_ORDER, HALF_EVEN, (AREA_GROUP,) * whole + (1,) * rest, "int64",
                             (MULTIPLY, float(np.float32(1 / area))))
        return FixedRule(np.asarray, 0, 0, clip, floating=rule), terms

    return LibraryPass(block_name("area", axes), reads)


def _opencv_passes(plan: ResizePlan, dtype: np.dtype) -> list[LibraryPass] | None:
    if plan.axes[-1].axis != min(p.axis for p in plan.axes):
        return None  # OpenCV's vertical step is its last
    if plan.arithmetic in ("opencv-area-fast", "opencv-area-2x2"):
        return [_opencv_area_blocks(plan, dtype)]
    if opencv_float_code(plan, dtype):
        return _opencv_float_passes(plan, dtype)
    if plan.arithmetic == "opencv-linear-exact":
        # ufixedpoint16/32: weights to 8 or 16 bits, the horizontal sums kept whole, one rounding at the end
        bits = LINEAR_EXACT_BITS[dtype.itemsize]

        def fixed(weights: np.ndarray) -> np.ndarray:
            return np.rint(weights * (1 << bits)).astype(np.int64)

        first = FixedRule(fixed, 0, 0, clip=None)
        last = FixedRule(fixed, 1 << (2 * bits - 1), 2 * bits, _clip(dtype))
        return [axis_pass(p, first) for p in plan.axes[:-1]] + [axis_pass(plan.axes[-1], last)]
    if dtype != np.uint8 or plan.arithmetic not in WEIGHT_BITS:
        return None
    *first, last = plan.axes
    if plan.arithmetic == "opencv-linear":
        vertical = OPENCV_VERTICAL
    elif plan.options.mode == "bicubic":
        vertical = _by_vector_head(plan, OPENCV_CUBIC_VECTORS, OPENCV_ROUNDED)
    else:
        vertical = OPENCV_ROUNDED
    return [axis_pass(p, OPENCV_HORIZONTAL) for p in first] + [axis_pass(last, vertical)]


#: Pillow's wider modes (``ImagingResampleHorizontal_32bpc`` and its ``I;16`` twin): double weights, a double
#: sum tap after tap, stored after every pass.
PILLOW_WIDE = {
    np.dtype(np.uint16): FixedRule(np.asarray, 0, 0, (0, 65535), floating=FloatRule("float64", IN_ORDER, HALF_AWAY)),
    np.dtype(np.int32): FixedRule(np.asarray, 0, 0, None, floating=FloatRule("float64", IN_ORDER, INT32)),
    np.dtype(np.float32): FixedRule(np.asarray, 0, 0, None, floating=FloatRule("float64", IN_ORDER, FLOAT32)),
}


def _pillow_reduce_8bit(reduces: list[AxisPlan]) -> LibraryPass:
    """``Image.reduce`` on 8 bits: the block's integer sum, rounded once, ``((Σ + ⌊n/2⌋)·m) >> 24``
    (:func:`~upscale_cli.compat.pillow.arithmetic.reduce_multiplier`): each sample's weight is ``m``, the
    rounding ``m·⌊n/2⌋``."""
    def reads(at: tuple[int, ...]):
        positions = block_positions(reduces, at)
        n = len(positions)
        multiplier = int(reduce_multiplier(n))
        return FixedRule(np.asarray, multiplier * (n // 2), 24, clip=None), [(multiplier, p) for p in positions]

    return LibraryPass(block_name("reduce", reduces), reads)


def _pillow_reduce_wide(reduces: list[AxisPlan], dtype: np.dtype) -> LibraryPass:
    """``ImagingReduceNxN_32bpc``/``ImagingReduceCorners_32bpc`` (``I`` and ``F``) on one block, as
    :func:`upscale_cli.compat.pillow.arithmetic._pillow_reduce_32bpc` computes it: a whole block in the
    groups of :func:`~upscale_cli.compat.pillow.arithmetic.reduce_groups`, each added in the sample type and
    then to a double sum; a block cut short adds its samples one by one; the sum times ``1.0/n``, stored as
    the mode stores."""
    rows_axis, columns_axis, fy, fx = reduce_layout(reduces)
    groups = reduce_groups(fy, fx)
    store = PILLOW_WIDE[dtype].floating.store

    def reads(at: tuple[int, ...]):
        positions = block_positions(reduces, at)
        n = len(positions)
        if n < fy * fx:
            lengths = (1,) * n
        else:
            start = positions[0]
            positions = []
            for group in groups:
                for dy, dx in group:
                    moved = list(start)
                    moved[rows_axis] += dy
                    moved[columns_axis] += dx
                    positions.append(tuple(moved))
            lengths = tuple(len(group) for group in groups)
        rule = FloatRule("float64", IN_ORDER, store, lengths, dtype.name, (MULTIPLY, 1.0 / n))
        return FixedRule(np.asarray, 0, 0, PILLOW_WIDE[dtype].clip, floating=rule), [(1, p) for p in positions]

    return LibraryPass(block_name("reduce", reduces), reads)


def _pillow_passes(plan: ResizePlan, dtype: np.dtype) -> list[LibraryPass] | None:
    """``Image.reduce``'s block means first (``reducing_gap``), then the filter passes."""
    reduces = leading_reduces(plan)
    filters = plan.axes[len(reduces):]
    if any(p.weights.kind is not TableKind.WEIGHTED for p in filters):
        return None
    if dtype == np.uint8:
        passes = [_pillow_reduce_8bit(reduces)] if reduces else []
        return passes + [axis_pass(p, PILLOW_RULE) for p in filters]
    if dtype not in PILLOW_WIDE or (reduces and dtype == np.uint16):
        return None
    passes = [_pillow_reduce_wide(reduces, dtype)] if reduces else []
    return passes + [axis_pass(p, PILLOW_WIDE[dtype]) for p in filters]


def library_plan_passes(plan: ResizePlan, dtype: np.dtype, premultiplied: bool = False) -> list[LibraryPass] | None:
    """The passes a library runs for ``plan`` on ``dtype`` samples, or ``None`` where a pixel trace follows the
    definition instead (floats the preset computes as defined, copies) or the arithmetic is not traced.

    Pillow's 8-bit filters (``RGBA``/``LA`` premultiplied: ``premultiplied``), block means and wide modes;
    OpenCV's 8-bit fixed point, ``INTER_LINEAR_EXACT``, whole-number ``INTER_AREA`` blocks and float code,
    each with its vertical step on the first array axis; PyTorch's uint8 kernels; onnxruntime's integer
    kernels (:mod:`.onnxruntime`).
    """
    if not plan.axes:
        return None
    if premultiplied:  # even where every output copies a pixel, Pillow premultiplies and sums it
        return _pillow_passes(plan, dtype) if plan.arithmetic == "pillow" and dtype == np.uint8 else None
    if plan.arithmetic.startswith("onnxruntime"):  # before copies: its nearest kernel may extrapolate
        return onnxruntime_passes(plan, dtype)
    if all(p.weights.is_selection for p in plan.axes):
        return None
    if plan.arithmetic == "pillow":
        return _pillow_passes(plan, dtype)
    if plan.arithmetic.startswith("opencv") and dtype.kind in "ui":
        return _opencv_passes(plan, dtype)
    if plan.arithmetic == TORCH_8BIT and dtype == np.uint8:
        # PyTorch skips an axis that keeps its length
        return [axis_pass(p, torch_rule(p, plan.options)) for p in plan.axes if not p.weights.is_identity]
    return None

"""onnxruntime's integer kernels as passes in its own numbers (:mod:`.arithmetic`'s terms).

The kernel is the one the preset runs (:func:`upscale_cli.compat.onnxruntime.integer_kernel_of`), and every
number is read from its own tables (:mod:`upscale_cli.compat.onnxruntime.arithmetic`): the float32 weights of
``SetupUpsampleBilinear``, the 10-bit ones of ``SetupUpsampleBilinearInteger`` and the bounds and float32
weights of ``SetupUpsampleFilterAntiAlias``, not the plan's tables, which fold and round differently.

* ``bilinear`` (``UpsampleBilinear``, ``UpsampleTrilinear``, ``NhwcUpsampleBilinear``): one pass over the
  kernel's axes, the 2ⁿ corner terms ``dx·dy·dz·X`` in onnxruntime's order (x varying fastest, zero
  weights included, as it adds them all), each weight the float32 product of its axes' weights, the
  float32 sum truncated by ``static_cast``.
* ``nhwc-fixed`` (``NhwcUpsampleBilinearInteger``): the same four corners with integer weights
  ``dx·dy`` (10 bits each), the sum divided by 2²⁰ toward zero.
* ``antialias`` (``UpsampleBaseAntiAlias``): a pass per axis, innermost first, an axis that keeps its
  length skipped; uint8 and int8 ``(2²¹ + Σ X·w) >> 22`` with ``round(w·2²²)``, clipped to 0…255 (int8
  stores that byte), int32 a float32 sum in tap order rounded half away from zero.
* ``nearest`` copies; it is traced here only when ``tf_crop_and_resize`` extrapolates (else the copies
  are traced as copies).

An output that ``tf_crop_and_resize`` puts outside the input (where the kernel fills it, the NHWC
antialias quirk included) is one step, ``extrapolation``: ``extrapolation_value`` stored by
``static_cast`` (truncated, its low bits kept), since that is all onnxruntime stores there.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..compat.base.arithmetic import fixed_weights
from ..compat.onnxruntime import integer_kernel_of
from ..compat.onnxruntime.arithmetic import (
    IntegerKernel,
    antialias_table,
    extrapolated,
    linear_params,
    nhwc_fixed_params,
)
from ..core.plan import AxisPlan, ResizePlan
from ..core.sizes import AxisSize
from ..core.weights import AxisWeights
from .arithmetic import C_CAST, HALF_AWAY, IN_ORDER, FixedRule, FloatRule, LibraryPass, axis_pass, block_name

#: ``UpsampleBilinear``'s store: the float32 sum of the corners, ``static_cast<T>``.
CORNER_SUM = FixedRule(np.asarray, 0, 0, clip=None, floating=FloatRule("float32", IN_ORDER, C_CAST))
#: ``NhwcUpsampleBilinearInteger``: the integer sum of 20-bit weights, ``/ (1 << 20)``.
NHWC_FIXED = FixedRule(np.asarray, 0, 20, clip=None, toward_zero=True)
#: The antialias passes' weights on 8 bits, ``round(w·2²²)``, and ``mag_factor``, 2²¹.
ANTIALIAS_BITS = 22


def onnxruntime_passes(plan: ResizePlan, dtype: np.dtype) -> list[LibraryPass] | None:
    """The passes of the integer kernel ``plan`` runs on ``dtype`` samples, or ``None`` (floats, copies)."""
    kernel = integer_kernel_of(plan)
    if kernel is None or dtype.kind not in "ui":
        return None
    if kernel.name == "nearest":
        passes = [_copies(plan)] if kernel.fill is not None else []
    elif kernel.name == "antialias":
        passes = _antialias_passes(plan, kernel, dtype)
    else:
        passes = [_corners(plan, kernel)]
    if not passes:
        return None
    if kernel.fill is not None:
        passes[-1] = _extrapolating(passes[-1], kernel, plan.out_shape, dtype)
    return passes


def _corners(plan: ResizePlan, kernel: IntegerKernel) -> LibraryPass:
    """The corner sum: the terms in onnxruntime's order, each weight given by its factors, x's first."""
    fixed = kernel.name == "nhwc-fixed"
    setup = nhwc_fixed_params if fixed else linear_params
    params = [setup(x, n_in) for x, n_in in zip(kernel.coordinates, kernel.lengths)]
    rule = NHWC_FIXED if fixed else CORNER_SUM

    def reads(at: tuple[int, ...]):
        corners = []
        for picks in itertools.product((0, 1), repeat=len(kernel.axes)):  # the innermost axis varies fastest
            moved, factors = list(at), []
            for axis, (i1, i2, w1, w2), pick in zip(kernel.axes, params, picks):
                d = at[axis]
                moved[axis] = int((i1, i2)[pick][d])
                factors.append((w1, w2)[pick][d].item())
            corners.append((tuple(reversed(factors)), tuple(moved)))
        return rule, corners

    return LibraryPass(block_name("corners", [p for p in plan.axes if p.axis in kernel.axes]), reads)


def _antialias_passes(plan: ResizePlan, kernel: IntegerKernel, dtype: np.dtype) -> list[LibraryPass]:
    """One pass per resized axis of the kernel, innermost first, over the taps ``low … high − 1`` of
    ``antialias_table``."""
    if dtype.itemsize == 1:
        rule = FixedRule(lambda weights: fixed_weights(weights, ANTIALIAS_BITS), 1 << (ANTIALIAS_BITS - 1),
                         ANTIALIAS_BITS, (0, 255), wrap="int8" if dtype == np.int8 else None)
    else:
        rule = FixedRule(np.asarray, 0, 0, clip=None, floating=FloatRule("float32", IN_ORDER, HALF_AWAY))
    names = {p.axis: p.name for p in plan.axes}
    passes = []
    for axis, scale, x, n_in, n_out in reversed(list(zip(kernel.axes, kernel.scales, kernel.coordinates,
                                                         kernel.lengths, kernel.out_lengths))):
        if n_out == n_in:
            continue
        low, high, weights = antialias_table(x, n_in, scale, plan.options)
        taps = np.minimum(low[:, None] + np.arange(weights.shape[1]), n_in - 1)  # beyond high: padding
        table = AxisWeights(n_in, n_out, taps, weights.astype(np.float64), x.astype(np.float64),
                            "onnxruntime's antialias table", counts=high - low)
        passes.append(axis_pass(AxisPlan(axis, names[axis], AxisSize(n_in, n_out, ""), table), rule))
    return passes


def _copies(plan: ResizePlan) -> LibraryPass:
    """``UpsampleNearest``: each output copies the input sample at its nearest index (the plan's table)."""
    rule = FixedRule(np.asarray, 0, 0, clip=None)

    def reads(at: tuple[int, ...]):
        moved = list(at)
        for p in plan.axes:
            moved[p.axis] = int(p.weights.taps[at[p.axis], 0])
        return rule, [(1, tuple(moved))]

    return LibraryPass(block_name("copy", list(plan.axes)), reads)


def _extrapolating(last: LibraryPass, kernel: IntegerKernel, shape: tuple[int, ...], dtype: np.dtype) -> LibraryPass:
    """``last``, except at the outputs the kernel fills: there ``extrapolation_value`` (a float32) is read and
    stored by ``static_cast``: truncated to a 32-bit integer, its low bits kept for 8-bit types."""
    rule = FixedRule(np.asarray, 0, 0, clip=None, floating=FloatRule("float32", IN_ORDER, C_CAST),
                     wrap=dtype.name if dtype.itemsize < 4 else None, name="extrapolation")
    value = float(np.float32(kernel.fill))

    def reads(at: tuple[int, ...]):
        return (rule, [(1, value)]) if extrapolated(kernel, shape, at) else last.reads(at)

    return LibraryPass(last.name, reads)

"""The arithmetic every preset shares, and the mechanism of the libraries' own.

A plan whose arithmetic is a library's own carries that library's executor
(``ResizePlan.executor``, from the library's ``arithmetic`` module). What is
left to all of them is here: float samples summed in float64 pass after pass
and converted once (the engine's own definition, which reproduces the
libraries' float32 results to about 1e-7), outputs outside the input set to
the plan's ``fill`` value (ONNX ``extrapolation_value``, marked by an
all-zero weight row), and the strips in which the fixed-point arithmetics
run on the engine's fast path: banded matrix products
(:class:`~upscale_cli.engine.banded.BandedSum`), exact because every
product and partial sum is an integer that the float type holds, on the
engine's thread pool.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...core.plan import ResizePlan
from ...core.weights import AxisWeights
from ...engine.apply import apply_plan
from ...engine.banded import BandedSum
from ...engine.certify import row_gain
from ...engine.reference import apply_axis, to_dtype
from ...engine.strips import in_strips


def execute(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Apply ``plan`` in the arithmetic every library shares: float64 sums, converted once, and the fill value."""
    if plan.fill is None:
        # float64 sums pass after pass, converted once: the engine's own definition, in strips on its pool
        return apply_plan(array, plan.defined())
    return to_dtype(_float_passes(array.astype(np.float64), plan), array.dtype, plan.ties)


def selects_only(plan: ResizePlan) -> bool:
    """Whether every pass of ``plan`` copies samples (nearest): no library arithmetic to follow."""
    return all(p.weights.is_selection for p in plan.axes)


def fixed_weights(weights: np.ndarray, bits: int) -> np.ndarray:
    """C's ``(int)(w·2^bits ± 0.5)``: weights to ``bits`` fractional bits, halves away from zero."""
    return round_half_away(weights * (1 << bits)).astype(np.int64)


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


def round_half_away(values: np.ndarray) -> np.ndarray:
    """C's ``(int)(v ± 0.5)`` with the sign of ``v`` (Pillow's ``ROUND_UP``, the libraries' weight
    quantisation): halves away from zero, as floats."""
    return np.trunc(values + np.where(values < 0, -0.5, 0.5))


def strips(array: np.ndarray, axis_plans, out_shape, compute, dtype=np.float64, itemsize: int = 8) -> np.ndarray:
    """``compute(item, start, stop, out, sums)`` over strips of the first resized axis, on the thread pool.

    ``sums`` maps each pass's axis, counted from the first resized one, to
    its :class:`~upscale_cli.engine.banded.BandedSum` in ``dtype``, built
    once for all strips. Strips are sized as if each output sample took
    ``itemsize`` bytes of the computation's temporaries.
    """
    lead = min(p.axis for p in axis_plans)
    sums = {p.axis - lead: BandedSum(p.weights, p.axis - lead, dtype) for p in axis_plans}
    return in_strips(array, lead, out_shape, lambda item, start, stop, out: compute(item, start, stop, out, sums),
                     rows=sums[0].block, itemsize=itemsize)


def strip_rows(item: np.ndarray, sums: dict, start: int, stop: int) -> tuple[np.ndarray, int]:
    """The input rows that outputs ``start:stop`` of the first resized axis read, and the first one's index."""
    low, high = sums[0].span(start, stop)
    return item[low:high].astype(sums[0].step.matrix.dtype), low


def banded(values: np.ndarray, sums: dict, axis: int, start: int, stop: int, low: int) -> np.ndarray:
    """One exact pass of a strip: outputs ``start:stop`` along the first axis, every output along another."""
    return sums[axis](values, start, stop, low) if axis == 0 else sums[axis](values)


def fixed_passes(axis_plans, weights) -> list:
    """The passes with their weights replaced by ``weights(w)`` (the fixed-point integers)."""
    return [replace(p, weights=replace(p.weights, weights=weights(p.weights.weights).astype(np.float64))) for p in axis_plans]


def rounded_strip(passes, lead: int):
    """The ``compute`` of :func:`strips` for 8-bit fixed-point passes (Pillow's, PyTorch's): exact sums of
    8-bit samples times the integer weights over ``2^bits``, each pass rounded half up and clipped to 0…255."""

    # without negative weights a pass mostly stays within 0…255: rounded weights sum to 1 within half a
    # unit per tap, usually far less than the half level the rounding leaves
    signed = {p.axis: bool((p.weights.weights < 0).any()) or 255 * row_gain(p.weights) + 0.5 >= 256 for p in passes}

    def compute(item, start, stop, out, sums):
        values, low = strip_rows(item, sums, start, stop)
        for axis_plan in passes:
            values = banded(values, sums, axis_plan.axis - lead, start, stop, low)
            values += 0.5
            np.floor(values, out=values)
            if signed[axis_plan.axis]:
                np.clip(values, 0, 255, out=values)
        np.copyto(out, values, casting="unsafe")

    return compute


def strip_table(table: AxisWeights, axis: int, start: int, stop: int, low: int) -> AxisWeights:
    """``table`` as a strip sees it: along axis 0, outputs ``start:stop`` of the inputs from ``low``."""
    if axis:
        return table
    return table.cut(start, stop, low)


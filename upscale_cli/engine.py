"""Apply a resize plan to an array: multiply and add, nothing else.

All decisions (which taps, which weights) are in the plan; this module only
moves numbers. Selections (nearest neighbour) copy samples in the input
dtype, so they are exact for every dtype. Filters accumulate in float64 and
convert back once at the end: floats to their own dtype, integers rounded
half up (``floor(v + 0.5)``, the rule of Pillow's and OpenCV's fixed point)
and clipped to the dtype's range, because bicubic and Lanczos overshoot.
"""

from __future__ import annotations

import numpy as np

from .errors import UsageError
from .plan import ResizePlan
from .weights import AxisWeights


def check_dtype(array: np.ndarray) -> None:
    """Reject dtypes that have no meaningful resampling (bool, complex, object...)."""
    if array.dtype.kind not in "uif":
        raise UsageError(f"cannot resize an array of dtype {array.dtype}: use an integer or float dtype")


def apply_axis(array: np.ndarray, axis: int, weights: AxisWeights) -> np.ndarray:
    """Resample ``array`` along ``axis`` with one weight table.

    Output sample ``d`` is ``Σ_k weights[d, k] · array[taps[d, k]]`` along
    the axis. Selections are a plain gather in the input dtype.
    """
    if weights.is_selection:
        return np.take(array, weights.taps[:, 0], axis=axis)
    broadcast = [1] * array.ndim
    broadcast[axis] = weights.n_out
    result = None
    for k in range(weights.taps.shape[1]):
        column = weights.weights[:, k].reshape(broadcast)
        term = np.take(array, weights.taps[:, k], axis=axis) * column
        if result is None:
            result = term
        else:
            result += term
    return result


def to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Convert computed samples to ``dtype``: integers rounded half up and clipped."""
    if values.dtype == dtype:
        return values
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        rounded = np.floor(values + 0.5)
        return np.clip(rounded, info.min, info.max).astype(dtype)
    return values.astype(dtype)


def apply_plan(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Resize ``array`` (of shape ``plan.in_shape``) by ``plan``; a new array."""
    check_dtype(array)
    if array.shape != plan.in_shape:
        raise ValueError(f"plan is for shape {plan.in_shape}, array has shape {array.shape}")
    if plan.arithmetic != "exact" or plan.fill is not None:
        from .compat.arithmetic import apply_library_arithmetic

        return apply_library_arithmetic(array, plan)
    passes = [p for p in plan.axes if not p.weights.is_identity]
    needs_arithmetic = any(not p.weights.is_selection for p in passes)
    result = array.astype(np.float64) if needs_arithmetic else array
    for axis_plan in passes:
        result = apply_axis(result, axis_plan.axis, axis_plan.weights)
    if result is array:
        return array.copy()
    return to_dtype(result, array.dtype)

"""Apply a resize plan to an array: multiply and add, nothing else.

All decisions (which taps, which weights) are in the plan; this module only
moves numbers. Selections (nearest neighbour) copy samples in the input
dtype, so they are exact for every dtype. Filters accumulate in float64 and
convert back once at the end: floats to their own dtype, integers rounded
half up (``floor(v + 0.5)``, the rule of Pillow's and OpenCV's fixed point)
and clipped to the dtype's range, because bicubic and Lanczos overshoot.

How the numbers move (results are identical to the plain definition, term
by term in the same order, so only speed and memory depend on this):

- The output is made in strips of rows of its first resized axis, each
  strip from just the input rows it needs, so temporaries stay small
  (they fit in the CPU cache) and whole-output float64 copies never exist.
  Strips run on a thread pool: NumPy releases the GIL inside its loops.
- Along an axis whose samples are long contiguous rows, every tap is one
  multiply-add of whole rows. Where the weight table repeats with a period
  (integer and small rational ratios: polyphase), a tap is a strided slice
  of rows times a scalar; elsewhere the rows are gathered first.
- An axis with short rows (x of an RGB image: three samples per pixel) is
  transposed in front, resampled as rows, and transposed back, moving whole
  pixels at a time.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np

from .errors import UsageError
from .plan import AxisPlan, ResizePlan
from .weights import AxisWeights

#: Target size of one strip's float64 intermediate: fits in a core's L2 cache.
STRIP_BYTES = 1 << 20
#: Rows shorter than this (in samples) are transposed before an axis pass.
MIN_ROW = 64
#: Below this many output samples the work is done on the calling thread.
THREAD_THRESHOLD = 1 << 18
#: Polyphase is used when the weight table repeats within this many rows.
MAX_PERIOD = 64


def check_dtype(array: np.ndarray) -> None:
    """Reject dtypes that have no meaningful resampling (bool, complex, object...)."""
    if array.dtype.kind not in "uif":
        raise UsageError(f"cannot resize an array of dtype {array.dtype}: use an integer or float dtype")


def apply_axis(array: np.ndarray, axis: int, weights: AxisWeights) -> np.ndarray:
    """Resample ``array`` along ``axis`` with one weight table.

    Output sample ``d`` is ``Σ_k weights[d, k] · array[taps[d, k]]`` along
    the axis, accumulated in float64 in the order of ``k``. Selections are a
    plain gather in the input dtype.
    """
    if weights.is_selection:
        return _select_axis(array, axis, weights.taps[:, 0])
    moved = np.moveaxis(array, axis, 0)
    rows = moved.reshape(moved.shape[0], -1)
    result = _resample_rows(rows, weights.taps, weights.weights, _period(weights))
    return np.moveaxis(result.reshape((weights.n_out,) + moved.shape[1:]), 0, axis)


def to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Convert computed samples to ``dtype``: integers rounded half up and clipped."""
    if values.dtype == dtype:
        return values
    out = np.empty(values.shape, dtype)
    _store(values, out)
    return out


def apply_plan(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Resize ``array`` (of shape ``plan.in_shape``) by ``plan``; a new array."""
    check_dtype(array)
    if array.shape != plan.in_shape:
        raise ValueError(f"plan is for shape {plan.in_shape}, array has shape {array.shape}")
    if plan.arithmetic != "exact" or plan.fill is not None:
        from .compat.arithmetic import apply_library_arithmetic

        return apply_library_arithmetic(array, plan)
    passes = [p for p in plan.axes if not p.weights.is_identity]
    if not passes:
        return array.copy()
    if all(p.weights.is_selection for p in passes):
        return _select(array, passes)
    return _filter(array, passes, plan.out_shape)


# -- selections --------------------------------------------------------------


def _select(array: np.ndarray, passes: list[AxisPlan]) -> np.ndarray:
    """Nearest neighbour: gathers in the input dtype, slices and repeats where possible."""
    result = array
    for axis_plan in passes:
        result = _select_axis(result, axis_plan.axis, axis_plan.weights.taps[:, 0])
    return result.copy() if np.may_share_memory(result, array) else result


def _select_axis(array: np.ndarray, axis: int, index: np.ndarray) -> np.ndarray:
    """``np.take(array, index, axis)``, as a slice or a repeat when ``index`` is one."""
    n_out = len(index)
    step = int(index[1] - index[0]) if n_out > 1 else 1
    if step > 0 and np.array_equal(index, index[0] + step * np.arange(n_out)):
        where = [slice(None)] * array.ndim
        where[axis] = slice(int(index[0]), int(index[0]) + step * (n_out - 1) + 1, step)
        return array[tuple(where)]
    factor = n_out // array.shape[axis]
    if factor * array.shape[axis] == n_out and np.array_equal(index, np.arange(n_out) // factor):
        return _as_items(np.repeat, array, axis, factor)
    return _as_items(np.take, array, axis, index)


def _as_items(function, array: np.ndarray, axis: int, argument) -> np.ndarray:
    """Apply a gather along ``axis`` moving whole trailing blocks (pixels) at once.

    The samples after ``axis`` are viewed as one opaque item, so NumPy copies
    ``C`` channels per index instead of looping over them.
    """
    trailing = array.shape[axis + 1:]
    if not trailing or not array.flags.c_contiguous or array.size == 0:
        return function(array, argument, axis=axis)
    item = np.dtype((np.void, array.dtype.itemsize * math.prod(trailing)))
    packed = array.reshape(array.shape[:axis + 1] + (-1,)).view(item)[..., 0]
    gathered = function(packed, argument, axis=axis)
    return gathered[..., None].view(array.dtype).reshape(gathered.shape + trailing)


# -- filters -----------------------------------------------------------------


def _filter(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...]) -> np.ndarray:
    """Separable filtering in strips of the first resized axis, on a thread pool."""
    lead = min(p.axis for p in passes)
    batch = math.prod(array.shape[:lead])
    items = np.ascontiguousarray(array).reshape((batch,) + array.shape[lead:])
    out = np.empty((batch,) + tuple(out_shape[lead:]), array.dtype)
    steps = [(p.axis - lead, p.weights, _period(p.weights)) for p in passes]
    first = next(w for axis, w, _ in steps if axis == 0)
    row_bytes = 8 * max(math.prod(items.shape[2:]), math.prod(out.shape[2:]))
    strip = max(1, STRIP_BYTES // max(row_bytes, 1))
    jobs = [(b, start, min(start + strip, first.n_out)) for b in range(batch) for start in range(0, first.n_out, strip)]

    def run(job):
        b, start, stop = job
        _store(_strip(items[b], steps, start, stop), out[b, start:stop])

    workers = min(len(jobs), _cpu_count())
    if workers > 1 and out.size >= THREAD_THRESHOLD:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, jobs))
    else:
        for job in jobs:
            run(job)
    return out.reshape(out_shape)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _strip(item: np.ndarray, steps, start: int, stop: int) -> np.ndarray:
    """Output rows ``start:stop`` (axis 0) of one item, in float64.

    Passes along other axes commute with slicing axis 0, so they run on just
    the input rows this strip needs, in the plan's order.
    """
    taps = next(w for axis, w, _ in steps if axis == 0).taps[start:stop]
    low = int(taps.min())
    data = item[low:int(taps.max()) + 1]
    for axis, weights, period in steps:
        if axis == 0:
            rows = data.reshape(data.shape[0], -1)
            result = _resample_rows(rows, taps - low, weights.weights[start:stop], period)
            data = result.reshape((stop - start,) + data.shape[1:])
        else:
            data = _resample_inner(data, axis, weights, period)
    return data


def _resample_inner(data: np.ndarray, axis: int, weights: AxisWeights, period) -> np.ndarray:
    """Resample along an axis other than the first."""
    if weights.is_selection:
        return _select_axis(data, axis, weights.taps[:, 0])
    run = math.prod(data.shape[axis + 1:])
    if run >= MIN_ROW:
        # each index before the axis holds long rows: resample them in place
        blocks = data.reshape((-1,) + data.shape[axis:])
        outs = [
            _resample_rows(block.reshape(block.shape[0], -1), weights.taps, weights.weights, period)
            for block in blocks
        ]
        return np.stack(outs).reshape(data.shape[:axis] + (weights.n_out,) + data.shape[axis + 1:])
    # short rows (pixels): bring the axis to the front as whole pixels, and back
    front = _transpose_items(np.ascontiguousarray(data), axis)
    result = _resample_rows(front.reshape(front.shape[0], -1), weights.taps, weights.weights, period)
    shape = (weights.n_out,) + data.shape[:axis] + data.shape[axis + 1:]
    return _transpose_items(result.reshape(shape), 0, axis)


def _transpose_items(data: np.ndarray, source: int, destination: int = 0) -> np.ndarray:
    """Move axis ``source`` to ``destination``; the axes after the moved ones travel as whole items."""
    last = max(source, destination)
    trailing = data.shape[last + 1:]
    item = np.dtype((np.void, data.itemsize * math.prod(trailing)))
    packed = np.ascontiguousarray(data).reshape(data.shape[:last + 1] + (-1,)).view(item)[..., 0]
    moved = np.ascontiguousarray(np.moveaxis(packed, source, destination))
    return moved[..., None].view(data.dtype).reshape(moved.shape + trailing)


def _period(weights: AxisWeights) -> tuple[int, int] | None:
    """``(p, q)`` with ``n_in/n_out = p/q`` when the table is polyphase-friendly.

    Output ``d + q`` then uses the taps of ``d`` moved by ``p`` and the same
    weights, except near the borders (checked strip by strip).
    """
    ratio = Fraction(weights.n_in, weights.n_out)
    if ratio.denominator > MAX_PERIOD or weights.n_out < 2 * ratio.denominator:
        return None
    return ratio.numerator, ratio.denominator


def _resample_rows(rows: np.ndarray, taps: np.ndarray, weights: np.ndarray, period) -> np.ndarray:
    """``out[d] = Σ_k weights[d, k] · rows[taps[d, k]]`` for 2-D ``rows``, in float64.

    Each term is one product of whole rows, added in the order of ``k``, as
    in the definition.
    """
    n_out, n_taps = taps.shape
    out = np.empty((n_out, rows.shape[1]), np.float64)
    phases = _phases(taps, weights, period)
    if phases is None:
        term = np.empty_like(out)
        np.multiply(rows[taps[:, 0]], weights[:, :1], out=out)
        for k in range(1, n_taps):
            np.multiply(rows[taps[:, k]], weights[:, k:k + 1], out=term)
            out += term
        return out
    p, q = phases
    term = np.empty(((n_out + q - 1) // q, rows.shape[1]), np.float64)
    for phase in range(min(q, n_out)):
        target = out[phase::q]
        count = len(target)
        for k in range(n_taps):
            start = int(taps[phase, k])
            source = rows[start:start + p * (count - 1) + 1:p]
            weight = weights[phase, k]
            if k == 0:
                np.multiply(source, weight, out=target)
            else:
                np.multiply(source, weight, out=term[:count])
                target += term[:count]
    return out


def _phases(taps: np.ndarray, weights: np.ndarray, period):
    """``(p, q)`` if rows ``d`` and ``d + q`` of this part of the table differ only by a shift ``p``."""
    if period is None:
        return None
    p, q = period
    if len(taps) <= q:
        return None
    shifted = taps[q:] - taps[:-q]
    if not (np.all(shifted == p) and np.array_equal(weights[q:], weights[:-q])):
        return None
    return p, q


def _store(values: np.ndarray, out: np.ndarray) -> None:
    """Write float64 ``values`` into ``out``: floats cast, integers rounded half up and clipped.

    ``values`` is overwritten (it is a temporary).
    """
    if out.dtype.kind == "f":
        np.copyto(out, values, casting="unsafe")
        return
    info = np.iinfo(out.dtype)
    values += 0.5
    np.clip(values, info.min, info.max, out=values)
    if info.min < 0:  # truncation equals floor only for non-negative values
        np.floor(values, out=values)
    np.copyto(out, values, casting="unsafe")

"""Apply a resize plan to an array: multiply and add, nothing else.

All decisions (which taps, which weights) are in the plan; this module only
moves numbers. Selections (nearest neighbour) copy samples in the input
dtype, so they are exact for every dtype. Filters are defined as float64
sums, tap by tap, converted back once at the end: floats to their own dtype,
integers rounded half up (``floor(v + 0.5)``, the rule of Pillow's and
OpenCV's fixed point) and clipped to the dtype's range, because bicubic and
Lanczos overshoot. :func:`apply_axis` is that definition, one axis at a time.

:func:`apply_plan` computes the same integers, and floats within a proven
bound of the definition (:func:`float_error_bound`), faster:

- The output is made in strips of rows of its first resized axis, each from
  just the input rows it needs, so temporaries stay small and no
  whole-output float64 copy exists. Strips run on a thread pool (NumPy and
  BLAS release the GIL).
- Each pass is a product with a banded matrix in blocks (BLAS does the
  multiply-adds). Interleaved channels (RGB) ride along through a Kronecker
  product with the identity, so pixels are never transposed.
- 8-bit integers are computed in float32, other integers in float64, and
  both give exactly the definition's integers: outputs whose weights are
  short dyadic fractions are computed exactly, and every other output whose
  ``v + 0.5`` lies within a proven error bound of an integer is recomputed
  tap by tap as defined (about one output in a thousand for Lanczos).
- Floats are computed in their own precision (:func:`float_working_dtype`),
  within :func:`float_error_bound` of the definition; non-finite outputs
  and outputs near overflow are recomputed as defined. With ``exact=True``
  floats follow the definition itself, in strips on the pool, as integers
  beyond 2**52, which float64 cannot hold, always do.
"""

from __future__ import annotations

import functools
import math
import threading
from fractions import Fraction

import numpy as np

from ..core.errors import UsageError
from ..core.plan import AxisPlan, ResizePlan
from ..core.weights import AxisWeights
from .workers import cpu_count, shared_pool

#: Target size of one strip's output in the working dtype (measured best:
#: big enough for efficient matrix products, small enough to stay near cache).
STRIP_BYTES = 1 << 22
#: The same for nearest neighbour, a plain copy.
SELECT_STRIP_BYTES = 1 << 22
#: Unsigned integers by size: items of these sizes copy fastest as one number.
UNITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
#: Pixels of these odd sizes (RGB) are selected as the larger unsigned integers that start with them.
WIDE = {3: np.dtype(np.uint32), 5: np.dtype(np.uint64), 6: np.dtype(np.uint64), 7: np.dtype(np.uint64)}
#: Arrays with at most this many samples on the last axis are copied channel by channel.
MAX_CHANNELS = 4
#: Largest period of a selection copied as one strided copy per phase (a ratio p/q with p at most this).
MAX_PERIOD = 8
#: Below this many samples after an axis, it is resampled with a Kronecker product.
MIN_ROW = 16
#: Below this many output samples the work is done on the calling thread
#: (handing strips to the pool's threads and waiting for them costs about 0.1 ms).
THREAD_THRESHOLD = 1 << 18
#: The same for nearest neighbour, whose plain copies are over sooner (this many take about 0.2 ms).
SELECT_THREAD_THRESHOLD = 1 << 19
#: Outputs per block of a banded matrix when enlarging.
BLOCK = 16
#: Extra inputs in every block's window, so that runs of blocks can share one step.
SLACK = 2
#: Largest matrix product (m·k·n) OpenBLAS still runs on one thread.
BLAS_SIZE = 1 << 18
#: Integers up to this size convert to float64 exactly.
EXACT_INTEGERS = 2.0**52


def check_dtype(array: np.ndarray) -> None:
    """Reject dtypes that have no meaningful resampling (bool, complex, object...)."""
    if array.dtype.kind not in "uif":
        raise UsageError(f"cannot resize an array of dtype {array.dtype}: use an integer or float dtype")


def apply_axis(array: np.ndarray, axis: int, weights: AxisWeights) -> np.ndarray:
    """Resample ``array`` along ``axis`` with one weight table: the definition.

    Output sample ``d`` is ``Σ_k weights[d, k] · array[taps[d, k]]`` along
    the axis, in float64, the terms added in the order of ``k``. Selections
    are a plain gather in the input dtype.
    """
    if weights.is_selection:
        return np.take(array, weights.taps[:, 0], axis=axis)
    broadcast = [1] * array.ndim
    broadcast[axis] = weights.n_out
    result = np.take(array, weights.taps[:, 0], axis=axis) * weights.weights[:, 0].reshape(broadcast)
    term = None  # one buffer for every later term
    for k in range(1, weights.taps.shape[1]):
        samples = np.take(array, weights.taps[:, k], axis=axis)
        term = np.multiply(samples, weights.weights[:, k].reshape(broadcast), out=term)
        result += term
    return result


def to_dtype(values: np.ndarray, dtype: np.dtype, ties: str = "up") -> np.ndarray:
    """Convert computed samples to ``dtype``: integers rounded (halves ``up`` or to ``even``) and clipped."""
    dtype = np.dtype(dtype)
    if values.dtype == dtype:
        return values
    if dtype.kind not in "ui":
        return values.astype(dtype)
    out = np.empty(values.shape, dtype)
    _round_shifted((np.rint(values) if ties == "even" else values) + 0.5, out)
    return out


def apply_plan(array: np.ndarray, plan: ResizePlan, *, exact: bool = False) -> np.ndarray:
    """Resize ``array`` (of shape ``plan.in_shape``) by ``plan``; a new array.

    Integer and selected (nearest) outputs are the definition's exactly
    (halfway integers rounded as ``plan.ties`` says); filtered float
    outputs are within :func:`float_error_bound` of it, or, with ``exact``,
    the definition's bit for bit (for callers that round float results to
    integers afterwards, and must round the definition's). Samples in the
    other byte order (a big-endian ``.npy`` here) are resized in this
    host's order and returned in theirs.
    """
    check_dtype(array)
    if not array.dtype.isnative:  # the libraries' arithmetic works on the host's float32 and integers
        return apply_plan(array.astype(array.dtype.newbyteorder("=")), plan, exact=exact).astype(array.dtype)
    if array.shape != plan.in_shape:
        raise ValueError(f"plan is for shape {plan.in_shape}, array has shape {array.shape}")
    if array.size == 0:  # no samples to move (a batch or channel axis of length 0), in any arithmetic
        return np.empty(plan.out_shape, array.dtype)
    if plan.arithmetic != "exact" or plan.fill is not None:
        if plan.executor is None:
            raise ValueError(f"a plan with {plan.arithmetic} arithmetic or a fill value needs an executor")
        return plan.executor(array, plan)
    passes = [p for p in plan.axes if not p.weights.is_identity]
    if not passes:
        return array.copy()
    if all(p.weights.is_selection for p in passes):
        return _select(array, passes, plan.out_shape)
    return _filter(array, passes, plan.out_shape, exact, plan.ties)


class BandedSum:
    """``Σ_k weights[d, k] · values[taps[d, k]]`` along one axis, as banded products in ``dtype``.

    Built once per table and applied to many strips. Nothing is rounded or
    clipped, and the terms are added in BLAS's order: the sums are exact
    when every product and partial sum is representable (integer samples
    times fixed-point weights, below 2**53 in float64 or 2**24 in float32);
    otherwise the caller bounds the error. That is how the presets compute
    the libraries' integer arithmetic pass by pass on the fast path.
    """

    def __init__(self, table: AxisWeights, axis: int, dtype=np.float64):
        self.step = Step(axis, table, dtype)
        #: Strips of axis 0 start at multiples of this many outputs.
        self.block = self.step.band.size

    def span(self, start: int, stop: int) -> tuple[int, int]:
        """The input rows ``low, high`` that outputs ``start:stop`` of axis 0 read."""
        return self.step.band.span(start, stop)

    def __call__(self, values: np.ndarray, start: int = 0, stop: int | None = None, low: int = 0) -> np.ndarray:
        """Outputs ``start:stop`` of the axis; along axis 0, ``values`` holds the input rows from ``low``."""
        step = self.step
        if step.axis:
            return _resample_inner(values, step)
        stop = step.band.n_out if stop is None else stop
        rows = step.band.rows(values.reshape(values.shape[0], -1), start, stop, low)
        return rows.reshape((stop - start,) + values.shape[1:])


def in_strips(array: np.ndarray, lead: int, out_shape: tuple[int, ...], compute, rows: int = 1,
              itemsize: int = 8) -> np.ndarray:
    """A new array of ``out_shape`` and ``array``'s dtype, filled in strips on the thread pool.

    The axes before ``lead`` are flattened into items; ``compute(item,
    start, stop, out)`` fills rows ``start:stop`` (a multiple of ``rows``
    apart) of axis ``lead`` of one item's output ``out``, working in
    samples of ``itemsize`` bytes.
    """
    return _in_strips(array, lead, out_shape, itemsize, rows, compute, rows)


def _largest(array: np.ndarray) -> float:
    """The largest magnitude of an integer array's samples (its dtype's for 8 bits)."""
    info = np.iinfo(array.dtype)
    if array.itemsize == 1 or array.size == 0:
        return float(max(-info.min, info.max))
    return max(-float(array.min()), float(array.max()))


# -- selections --------------------------------------------------------------


def _select(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...]) -> np.ndarray:
    """Nearest neighbour: copies in the input dtype, in strips of the first selected axis (rows).

    A strip reads each input row it needs once: the other axes are selected
    on those rows, straight into the output when no row repeats, and rows
    that repeat (an enlargement) are then copied whole, which is cheaper
    than selecting their samples again.
    """
    lead = min(p.axis for p in passes)
    rows = Selection(next(p for p in passes if p.axis == lead).weights.taps[:, 0])
    others = [(p.axis - lead, Selection(p.weights.taps[:, 0])) for p in passes if p.axis != lead]

    def compute(item, start, stop, out):
        block, repeat = rows.distinct(item, start, stop)
        if not others:
            if repeat is None:
                _copy(out, block)
            else:
                np.take(block, repeat, axis=0, out=out, mode="wrap")
            return
        for axis, selection in others[:-1]:
            block = selection.apply(block, axis)
        axis, selection = others[-1]
        target = out if repeat is None else np.empty((len(block),) + out.shape[1:], out.dtype)
        selection.apply(block, axis, target)
        if repeat is not None:
            np.take(target, repeat, axis=0, out=out, mode="wrap")  # whole rows; mode="raise" would copy out twice

    return _in_strips(
        array, lead, out_shape, array.itemsize, 1, compute, 1, SELECT_STRIP_BYTES, SELECT_THREAD_THRESHOLD
    )


class Selection:
    """The index of a selection along one axis, and the fastest way to copy it.

    Its shape is read off the index itself: an arithmetic progression with
    a positive step (an integer reduction) is a slice, a view; every input
    index repeated ``factor`` times in order (an integer enlargement) is a
    few whole copies; an index that advances by ``shift`` every ``period``
    outputs (a ratio with a small numerator, ×1.5 or ×⅔) is one strided
    copy per phase; anything else is a gather. Pixels of an odd size
    (:data:`WIDE`: 8-bit RGB), which NumPy would move byte by byte, are
    first widened to 4- or 8-byte numbers, selected, and narrowed back.
    """

    def __init__(self, index: np.ndarray):
        self.index = index
        self.first, n = int(index[0]), len(index)
        step = int(index[1]) - self.first if n > 1 else 1
        arithmetic = step > 0 and np.array_equal(index, self.first + step * np.arange(n))
        self.step = step if arithmetic else 0
        factor = int(np.searchsorted(index, index[0] + 1))  # the length of the first run
        repeats = not self.step and self.first == 0 and 1 < factor <= n and n % factor == 0
        self.factor = factor if repeats and np.array_equal(index, np.arange(n) // factor) else 0
        self.period, self.shift = (0, 0) if self.step or self.factor else _period(index)

    def distinct(self, array: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The input rows (axis 0) outputs ``start:stop`` read, each once, and which one each output copies.

        Consecutive outputs that read the same row share it. The second value
        is ``None`` when every output reads a row of its own, in order: then
        the rows are the outputs. Otherwise the rows are a C-contiguous array.
        """
        if self.step:
            first = self.first + self.step * start
            return array[first:first + self.step * (stop - start - 1) + 1:self.step], None
        index = self.index[start:stop]
        new = np.empty(len(index), bool)
        new[0] = True
        np.not_equal(index[1:], index[:-1], out=new[1:])
        reads = index[new]
        low = int(reads[0])
        if np.array_equal(reads, np.arange(low, low + len(reads))):
            rows = np.ascontiguousarray(array[low:low + len(reads)])
        else:
            rows = np.take(array, reads, axis=0)
        return rows, None if len(reads) == len(index) else np.cumsum(new) - 1

    def view(self, array: np.ndarray, axis: int) -> np.ndarray:
        """A slice's selection along ``axis``: a view of ``array``."""
        last = self.first + self.step * (len(self.index) - 1)
        return array[(slice(None),) * axis + (slice(self.first, last + 1, self.step),)]

    def apply(self, array: np.ndarray, axis: int, out: np.ndarray | None = None) -> np.ndarray:
        """``np.take(array, index, axis)``, into C-contiguous ``out`` if given, else a new array (a slice's: a view)."""
        if self.step and out is None:
            return self.view(array, axis)
        if out is None:
            out = np.empty(array.shape[:axis] + (len(self.index),) + array.shape[axis + 1:], array.dtype)
        if (array.size and _pixel_bytes(array, axis) in WIDE and array.shape[axis] > 1 and len(self.index) > 1
                and overlapping_copies_in_order()):
            # odd-sized pixels (RGB), which NumPy moves byte by byte, as wider numbers (a slice's: only those selected)
            wide = _widen(self.view(array, axis), axis) if self.step else self.apply(_widen(array, axis), axis)
            _narrow(wide, out, axis)
        elif self.step:
            _copy(out, self.view(array, axis))
        elif self.factor:
            # an integer enlargement: every factor-th place, ``factor`` times
            array = array[(slice(None),) * axis + (slice(0, len(self.index) // self.factor),)]
            copies = out.reshape(array.shape[:axis + 1] + (self.factor,) + array.shape[axis + 1:])
            for copy in range(self.factor):
                _copy(copies[(slice(None),) * (axis + 1) + (copy,)], array)
        elif self.period:
            _phases(np.ascontiguousarray(array), self.index, axis, self.period, self.shift, out)
        else:
            _gather(np.ascontiguousarray(array), self.index, axis, out)
        return out


def _gather(array: np.ndarray, index: np.ndarray, axis: int, out: np.ndarray) -> None:
    """``np.take(array, index, axis, out=out)`` for C-contiguous ``array`` and ``out``, whole pixels at a time."""
    items, targets = _items(array, axis), _items(out, axis)
    if items.dtype.kind == "V" and array.itemsize == 1:
        # NumPy copies odd-sized items one byte at a time, slower than a gather of the bytes
        trailing = items.itemsize
        flat = (index[:, None] * trailing + np.arange(trailing)).reshape(-1)
        items, index, targets = array.reshape(array.shape[:axis] + (-1,)), flat, out.reshape(out.shape[:axis] + (-1,))
    np.take(items, index, axis=axis, out=targets, mode="wrap")  # mode="raise" would gather into a copy of out


def _pixel_bytes(array: np.ndarray, axis: int) -> int:
    """The size in bytes of the samples after ``axis`` (a pixel)."""
    return array.itemsize * math.prod(array.shape[axis + 1:])


def _widen(array: np.ndarray, axis: int) -> np.ndarray:
    """The pixels of ``array`` along ``axis`` (:data:`WIDE` sizes) as one 4- or 8-byte number each.

    The number is the pixel's bytes followed by arbitrary ones: each pixel but
    the last of a row is read with the first bytes of the next, which lie in
    the row; the last one's bytes are copied alone. ``axis`` has at least two
    pixels.
    """
    size = _pixel_bytes(array, axis)
    if array.strides[axis] < size or not array[(0,) * (axis + 1)].flags.c_contiguous:
        array = np.ascontiguousarray(array)  # pixels in increasing addresses, each one contiguous
    lead, n = array.shape[:axis], array.shape[axis]
    unit = WIDE[size]
    wide = np.empty(lead + (n,), unit)
    np.copyto(wide[..., :-1], _reinterpret(array, unit, lead + (n - 1,), array.strides[:axis + 1]))
    last = array[(slice(None),) * axis + (n - 1,)]
    wide.view(np.uint8).reshape(lead + (n, unit.itemsize))[..., -1, :size] = last.view(np.uint8).reshape(lead + (size,))
    return wide


@functools.lru_cache(maxsize=None)
def overlapping_copies_in_order() -> bool:
    """Whether this NumPy copies into overlapping items in increasing addresses, as :func:`_narrow` needs.

    NumPy does so, but does not promise it: checked once per process on
    small arrays of every :data:`WIDE` size, against ``np.take``; where it
    fails, odd-sized pixels are copied the slower way.
    """
    rng = np.random.default_rng(0)
    for size in WIDE:
        pixels = rng.integers(0, 256, (5, 9, size), dtype=np.uint8)
        index = np.array([8, 0, 3, 3, 7, 1, 2])
        out = np.empty((5, len(index), size), np.uint8)
        _narrow(np.take(_widen(pixels, 1), index, axis=1), out, 1)
        if not np.array_equal(out, np.take(pixels, index, axis=1)):
            return False
    return True


def _narrow(wide: np.ndarray, out: np.ndarray, axis: int) -> None:
    """Store the pixels :func:`_widen` made into C-contiguous ``out`` (pixels along ``axis``).

    Each number is written whole: its spare bytes land on the next pixel of
    the row, which the copy (in increasing addresses along the row) writes
    after. The last pixel of a row, whose spare bytes would leave the row,
    is stored alone.
    """
    lead, n = out.shape[:axis], out.shape[axis]
    size = _pixel_bytes(out, axis)
    np.copyto(_reinterpret(out, wide.dtype, lead + (n - 1,), out.strides[:axis + 1]), wide[..., :-1])
    last = _reinterpret(out, np.uint8, lead + (size,), out.strides[:axis] + (1,), (n - 1) * out.strides[axis])
    np.copyto(last, wide.view(np.uint8).reshape(lead + (n, wide.itemsize))[..., -1, :size])


class _Memory:
    """Exposes an array's memory to NumPy through the array interface, with another dtype and strides."""

    def __init__(self, array: np.ndarray, interface: dict):
        self.array = array  # kept alive as long as the view
        self.__array_interface__ = interface


def _reinterpret(array: np.ndarray, dtype, shape: tuple, strides: tuple, offset: int = 0) -> np.ndarray:
    """A view of ``array``'s memory from byte ``offset``, as items of ``dtype`` at byte ``strides``.

    The items may be unaligned and overlap. The caller guarantees that every
    item lies inside memory ``array`` may use. (A view, unlike ``reshape``,
    can never silently be a copy that writes would miss.)
    """
    interface = {
        "version": 3, "shape": tuple(shape), "strides": tuple(strides), "typestr": np.dtype(dtype).str,
        "data": (array.ctypes.data + offset, not array.flags.writeable),
    }
    return np.asarray(_Memory(array, interface))


def _period(index: np.ndarray) -> tuple[int, int]:
    """The least ``period`` up to :data:`MAX_PERIOD` and its ``shift > 0`` with
    ``index[d + period] = index[d] + shift`` for every ``d``; ``(0, 0)`` if none."""
    for period in range(1, min(MAX_PERIOD, len(index) - 1) + 1):
        shift = int(index[period] - index[0])
        if shift > 0 and np.array_equal(index[period:], index[:-period] + shift):
            return period, shift
    return 0, 0


def _phases(array: np.ndarray, index: np.ndarray, axis: int, period: int, shift: int, out: np.ndarray | None = None):
    """``np.take(array, index, axis)`` (into ``out``) for an index of :func:`_period` ``(period, shift)``.

    Outputs ``r, r + period, ...`` read inputs ``index[r], index[r] + shift, ...``:
    one strided copy per phase ``r``. ``array`` and ``out`` are C-contiguous.
    """
    n = len(index)
    if out is None:
        out = np.empty(array.shape[:axis] + (n,) + array.shape[axis + 1:], array.dtype)
    source, target = _items(array, axis), _items(out, axis)  # whole pixels (rows) as one item each
    lead = (slice(None),) * axis
    for phase in range(min(period, n)):
        count, first = len(range(phase, n, period)), int(index[phase])
        _copy(target[lead + (slice(phase, None, period),)], source[lead + (slice(first, first + shift * (count - 1) + 1, shift),)])
    return out


def _items(array: np.ndarray, axis: int) -> np.ndarray:
    """C-contiguous ``array`` with the samples after ``axis`` viewed as one item.

    NumPy then copies a pixel or a whole row as one unit instead of looping
    over its samples.
    """
    trailing = math.prod(array.shape[axis + 1:])
    if trailing == 1:  # one sample already (NumPy gathers floats faster than their bits as integers)
        return array.reshape(array.shape[:axis + 1])
    size = array.itemsize * trailing
    return array.reshape(array.shape[:axis + 1] + (trailing,)).view(UNITS.get(size, np.dtype((np.void, size))))


def _copy(destination: np.ndarray, source: np.ndarray) -> None:
    """``np.copyto`` of same-shape arrays, fast when the last axis (channels) is short.

    Pixels of 2, 4 or 8 bytes are copied as one number each; otherwise a
    strided copy whose innermost loop would run over three channels is
    made one channel at a time, over whole rows: several times faster.
    """
    size = destination.itemsize * destination.shape[-1] if destination.ndim > 1 else 0
    if size in UNITS and size > destination.itemsize and all(a.strides[-1] == a.itemsize for a in (destination, source)):
        np.copyto(destination.view(UNITS[size]), source.view(UNITS[size]))
    elif destination.ndim > 1 and destination.shape[-1] <= MAX_CHANNELS and not (
        destination.flags.c_contiguous and source.flags.c_contiguous
    ):
        for channel in range(destination.shape[-1]):
            np.copyto(destination[..., channel], source[..., channel])
    else:
        np.copyto(destination, source)


# -- filters -----------------------------------------------------------------


def _filter(
    array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...], exact: bool, ties: str = "up",
) -> np.ndarray:
    """Separable filtering in strips of the first resized axis; ``exact`` floats as defined, halfway integers
    rounded as ``ties`` says."""
    lead = min(p.axis for p in passes)
    floats = array.dtype.kind == "f"
    largest = math.inf if floats else _largest(array)
    if (largest > EXACT_INTEGERS and not floats) or (floats and exact):  # integers float64 cannot hold, or asked for
        return _define(array, passes, out_shape, ties)
    # the cheaper order: an axis reduced before the others, an enlarged one after;
    # the integers are the same in any order, the certification follows the plan's,
    # and the floats' error bound does not depend on it
    order = sorted(passes, key=lambda p: (p.axis == lead) == (p.size.n_out >= p.size.n_in))
    if floats:
        arithmetic = FloatArithmetic(array.dtype)
    else:
        arithmetic = Arithmetic.choose(array.dtype, largest, [(p.axis - lead, p.weights) for p in order])
        arithmetic.ties = ties
    dtypes = dict(zip((p.axis for p in order), arithmetic.pass_dtypes(len(order))))
    steps = {p.axis: Step(p.axis - lead, p.weights, dtypes[p.axis]) for p in passes}
    fast = [steps[p.axis] for p in order]
    definition = [steps[p.axis] for p in passes]
    first = steps[lead]

    def compute(item, start, stop, out):
        # float blocks multiply non-finite samples by their zeros: the NaN made is recomputed, not worth a
        # warning, and non-finite results are the definition's, as a float result should be
        with np.errstate(invalid="ignore", over="ignore"):
            values = _strip(item, fast, start, stop)
            arithmetic.store(values, out, start, lambda where: _exact(item, definition, start, where))

    # strips long enough that the taps one shares with the next are few, in whole blocks
    min_rows = 2 * first.table.taps.shape[1]
    return _in_strips(array, lead, out_shape, arithmetic.dtype.itemsize, min_rows, compute, first.band.size)


def _define(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...], ties: str = "up") -> np.ndarray:
    """The definition (:func:`apply_axis`, pass after pass in the plan's order), in strips."""
    lead = min(p.axis for p in passes)
    first = next(p.weights for p in passes if p.axis == lead)

    def compute(item, start, stop, out):
        taps = first.taps[start:stop]
        low = int(taps.min())
        values = item[low:int(taps.max()) + 1].astype(np.float64)
        for p in passes:
            table = p.weights
            if p.axis == lead:
                table = table.cut(start, stop, low)
            values = apply_axis(values, p.axis - lead, table)
        out[...] = to_dtype(values, out.dtype, ties)

    return _in_strips(array, lead, out_shape, 8, 2 * first.taps.shape[1], compute, 1)


def _in_strips(
    array: np.ndarray, lead: int, out_shape: tuple[int, ...], itemsize: int, min_rows: int, compute,
    block: int, strip_bytes: int = STRIP_BYTES, thread_threshold: int | None = None,
) -> np.ndarray:
    """Make the output in strips of rows of axis ``lead`` (the first resized axis), on a thread pool.

    The axes before ``lead`` are flattened into items; ``compute(item,
    start, stop, out)`` fills rows ``start:stop`` of one item's output
    ``out``. Strips hold about ``strip_bytes`` of ``itemsize`` samples, in
    whole blocks of ``block`` rows; threads start from ``thread_threshold``
    output samples (default :data:`THREAD_THRESHOLD`).
    """
    batch = math.prod(array.shape[:lead])
    items = np.ascontiguousarray(array).reshape((batch,) + array.shape[lead:])
    out = np.empty((batch,) + tuple(out_shape[lead:]), array.dtype)
    row_bytes = itemsize * max(math.prod(items.shape[2:]), math.prod(out.shape[2:]))
    n_rows = out.shape[1]
    threshold = THREAD_THRESHOLD if thread_threshold is None else thread_threshold
    workers = cpu_count() if out.size >= threshold else 1
    # at least two strips per worker, so that none waits long for the last one
    strip = min(strip_bytes // max(row_bytes, 1), -(-batch * n_rows // (2 * workers)))
    strip = -(-max(strip, min_rows) // block) * block
    jobs = [(b, start, min(start + strip, n_rows)) for b in range(batch) for start in range(0, n_rows, strip)]

    def run(job):
        b, start, stop = job
        compute(items[b], start, stop, out[b, start:stop])

    _run_jobs(run, jobs, min(workers, len(jobs)))
    return out.reshape(out_shape)


def _run_jobs(run, jobs: list, workers: int) -> None:
    """``run(job)`` for every job: on the calling thread and ``workers - 1`` pool threads, each taking the next job.

    When the calling thread stops (Ctrl-C reaches it between two NumPy
    calls), the pool threads take no further job: the interruption is felt
    within one strip, not after the whole image. The pool threads follow the
    calling thread's floating-point error handling (``np.errstate`` is per
    thread).
    """
    pending, lock, stopped = iter(jobs), threading.Lock(), threading.Event()
    errors = np.geterr()

    def work():
        while not stopped.is_set():
            with lock:
                job = next(pending, None)
            if job is None:
                return
            run(job)

    def helper_work():
        with np.errstate(**errors):
            work()

    helpers = [shared_pool().submit(helper_work) for _ in range(workers - 1)]
    try:
        work()
    except BaseException:
        stopped.set()
        raise
    finally:
        for helper in helpers:  # wait for all (the output is theirs to fill); the first error is raised
            helper.result()


class Step:
    """One filter pass: its axis within an item, its table, and the table as a band in ``dtype``."""

    def __init__(self, axis: int, table: AxisWeights, dtype):
        self.axis = axis
        self.table = table
        self.band = Band(table, dtype)
        # for recomputing outputs as defined: one row per tap
        self.weights_by_tap = np.ascontiguousarray(table.weights.T)
        self.taps_by_tap = np.ascontiguousarray(table.taps.T)


class Arithmetic:
    """The working dtype of a filter and how its results become the output.

    Integers come out exactly as defined (float64 sums, tap by tap, rounded
    half up) although the sums are made in another order, and for 8-bit
    inputs in float32:

    - an output whose weights (in every pass) are dyadic fractions, few
      enough bits that the working dtype computes every sum exactly, is
      exact (for bilinear and bicubic at ×2 and ×½ that is every output
      away from the borders);
    - every other output carries a proven bound ``tolerance`` on its error:
      where ``v + 0.5`` lies that close to an integer (the rounding could go
      either way) it is recomputed tap by tap as defined.
    """

    def __init__(self, dtype, tolerance: float = 0.0, exact_rows: dict | None = None, clip: bool = True,
                 float32_passes: int = 0):
        self.dtype = np.dtype(dtype)
        self.tolerance = tolerance
        self.exact_rows = exact_rows or {}
        self.clip = clip
        #: The first passes run in float32 while their sums are exact there, the rest in ``dtype``.
        self.float32_passes = float32_passes
        #: How halfway values are rounded: ``up``, or to ``even`` (see :func:`to_dtype`).
        self.ties = "up"

    def pass_dtypes(self, count: int) -> list[np.dtype]:
        """The working dtype of each of ``count`` passes, in the order they run."""
        return [np.dtype(np.float32) if i < self.float32_passes else self.dtype for i in range(count)]

    @classmethod
    def choose(
        cls, dtype: np.dtype, largest: float, passes: list[tuple[int, AxisWeights]], widen: bool = True,
    ) -> Arithmetic:
        """The arithmetic for input samples of ``dtype`` up to ``largest`` in magnitude,
        filtered by ``(axis, table)`` in turn; ``widen=False`` keeps 8-bit samples in float32
        (for a caller that proves more of its rows exact there than the choice can)."""
        gains = [float(np.abs(t.weights).sum(axis=1).max()) for _, t in passes]
        # without negative weights, and with rows summing to 1 (give or take
        # rounding), no output leaves the input's range: no need to clip
        negative = any(bool(np.any(t.weights < 0)) for _, t in passes)
        clip = negative or largest * (math.prod(gains) * (1 + 2.0**-20) - 1) >= 0.5
        work = np.dtype(np.float32 if dtype.itemsize == 1 else np.float64)
        digits = np.finfo(work).nmant + 1
        bits = [row_bits(t.weights) for _, t in passes]
        # exact rows: their weights' bits, the values' and the gains' all fit in the significand
        needed = sum(int(b[b <= digits].max(initial=0)) for b in bits)
        fits = largest * math.prod(gains) * 2.0**needed < 2.0**digits
        exact_rows = {axis: (b <= digits) & fits for (axis, _), b in zip(passes, bits)}
        if all(rows.all() for rows in exact_rows.values()):
            return cls(work, clip=clip)
        proven = math.prod(float(rows.mean()) for rows in exact_rows.values())
        if widen and work == np.float32 and proven < 0.5 and all(bool((b <= 53).all()) for b in bits):
            # most outputs inexact in float32 but all exact in float64 (8-bit samples, weights of up to
            # ~28 bits in all): the leading passes whose sums still fit float32 stay there, the rest run
            # in float64, with nothing to check
            totals = np.cumsum([int(b.max()) for b in bits])
            magnitudes = largest * np.cumprod(gains)
            if magnitudes[-1] * 2.0 ** totals[-1] < 2.0**53:
                fits = magnitudes * 2.0**totals < 2.0**24
                return cls(np.float64, clip=clip, float32_passes=int(np.argmin(fits)) if not fits.all() else len(bits))
        taps = [t.taps.shape[1] for _, t in passes]
        tolerance = _rounding_error(largest, gains, taps, work) + _rounding_error(largest, gains, taps, np.float64)
        return cls(work, 1.25 * tolerance, exact_rows, clip)

    def store(self, values: np.ndarray, out: np.ndarray, start: int, exact) -> None:
        """Write strip ``values`` (overwritten) into the integer ``out``; ``exact(where)`` recomputes uncertain outputs."""
        if self.ties == "even":
            # the same boundaries (halves) are uncertain; outputs off them round alike either way
            uncertain = self._uncertain(values + 0.5, start) if self.tolerance else None
            np.rint(values, out=values)
        else:
            values += 0.5
            uncertain = self._uncertain(values, start) if self.tolerance else None
        _round_shifted(values, out, self.clip)
        if uncertain is not None:
            out[uncertain] = to_dtype(exact(uncertain), out.dtype, self.ties)

    def _uncertain(self, values: np.ndarray, start: int) -> tuple | None:
        """Indices of the strip ``values`` (from row ``start``) whose rounding is not proven.

        Only outputs with an inexact index along some axis count: just those
        rows and columns are checked when they are few (the borders),
        otherwise everything, the exact outputs left out afterwards.
        """
        exact = {axis: rows[start:start + values.shape[0]] if axis == 0 else rows for axis, rows in self.exact_rows.items()}
        if all(rows.all() for rows in exact.values()):
            return None
        if math.prod(rows.mean() for rows in exact.values()) < 0.75:
            near = _near_integers(values, self.tolerance)
            # outputs exact along every axis need no recomputation (many lie exactly on a tie)
            rows, rest = np.divmod(near, math.prod(values.shape[1:]))
            proven = np.ones(values.shape[1:], bool)  # along the axes after the first (axis 0 always has a pass)
            for axis, exact_rows in exact.items():
                if axis:
                    proven &= exact_rows.reshape((-1,) + (1,) * (values.ndim - axis - 1))
            near = near[~(exact[0][rows] & proven.reshape(-1)[rest])]
            return np.unravel_index(near, values.shape) if near.size else None
        found = []
        for axis, rows in exact.items():
            inexact = np.flatnonzero(~rows)
            if inexact.size:
                taken = np.take(values, inexact, axis=axis)
                near = np.unravel_index(_near_integers(taken, self.tolerance), taken.shape)
                found.append(near[:axis] + (inexact[near[axis]],) + near[axis + 1:])
        found = tuple(np.concatenate(coords) for coords in zip(*found))
        return found if found[0].size else None


class FloatArithmetic:
    """Float inputs: banded products in their own precision (float64 for wider floats).

    The result is within :func:`float_error_bound` of the definition; see
    that function for the proof. Outputs that come out non-finite or near
    the largest float of the output dtype are recomputed as defined: a
    non-finite input sample reaches every output of a band block through
    the block's zero weights (``0 · inf`` is NaN), more than the taps the
    definition reads, and the working precision may overflow where float64
    does not.
    """

    def __init__(self, dtype):
        self.output = np.dtype(dtype)
        self.dtype = float_working_dtype(self.output)
        self.limit = float(np.finfo(self.output).max) / 2

    def pass_dtypes(self, count: int) -> list[np.dtype]:
        """Every pass in the working dtype."""
        return [self.dtype] * count

    def store(self, values: np.ndarray, out: np.ndarray, start: int, exact) -> None:
        """Write strip ``values`` into ``out``; ``exact(where)`` recomputes the outputs the bound does not cover."""
        np.copyto(out, values, casting="same_kind")
        # NaN fails both comparisons, so one check of the extremes finds every kind of output to redo
        if not (-self.limit <= values.min() and values.max() <= self.limit):
            where = np.nonzero(~(np.abs(values) <= self.limit))
            out[where] = exact(where).astype(out.dtype)


def float_working_dtype(dtype) -> np.dtype:
    """The dtype float arrays of ``dtype`` are filtered in: float32 up to 32 bits (BLAS has no float16), else float64."""
    return np.dtype(np.float32 if np.dtype(dtype).itemsize <= 4 else np.float64)


def float_error_bound(tables: list[AxisWeights], dtype) -> tuple[float, float]:
    """The accuracy contract of float outputs: ``(relative, absolute)``.

    For float inputs of ``dtype`` resampled by the passes ``tables`` (in
    any order), every finite output ``y`` of :func:`apply_plan` and the
    definition's ``y₀`` (:func:`apply_axis` pass after pass in float64,
    then converted to ``dtype``) satisfy
    ``|y − y₀| ≤ relative · A + absolute``, where ``A`` is the definition
    applied to ``|x|`` with the weights ``|w|``: the sum of the magnitudes
    of the terms (``A = |y₀|`` up to rounding when weights and samples
    are non-negative, as for bilinear, area and box on images).

    Proof. Let ``u`` be the unit roundoff of the working dtype (float32
    for inputs of up to 32 bits, else float64), ``k_p`` the taps of pass
    ``p``. One output of a pass is an inner product of at most ``k_p``
    non-zero terms (a band block's zeros add nothing exactly, and repeated
    border taps are merged into one weight); computed in any order, with or
    without fused multiply-adds, its error is at most ``γ(k_p)·Σ|w||z|``
    with ``γ(k) = k·u/(1 − k·u)`` (Higham, *Accuracy and Stability of
    Numerical Algorithms*, §3.1), and rounding the weights to the working
    dtype adds ``u·Σ|w||z|``. An error ``e_i`` in the pass's inputs
    reaches the output as at most ``Σ|w_i||e_i|``; the magnitudes
    ``Σ|w||z|`` of successive passes nest into ``A``. So the fast result
    is within ``Σ_p (k_p + 1)·u·A`` of the exact sum (to first order), the
    float64 definition within ``Σ_p k_p·u₆₄·A`` of it, and the final
    conversion of either to ``dtype`` adds at most its unit roundoff times
    ``A`` (once when the working dtype is the output's, twice otherwise).
    The second-order terms are covered by a factor ``1 + 2⁻¹⁰``.
    ``absolute`` covers underflow: every rounding that produces a
    subnormal may add half the smallest subnormal of its dtype.
    """
    output = np.finfo(dtype)
    work = np.finfo(float_working_dtype(output.dtype))
    taps = [t.taps.shape[1] for t in tables]
    conversions = 1 if work.dtype == output.dtype else 2
    relative = (sum(k + 1 for k in taps) * float(work.eps) / 2 + sum(taps) * float(np.finfo(np.float64).eps) / 2
                + conversions * float(output.eps) / 2) * (1 + 2.0**-10)
    gain = math.prod(max(1.0, float(np.abs(t.weights).sum(axis=1).max())) for t in tables)
    absolute = (sum(k + 1 for k in taps) * float(work.smallest_subnormal) + 2 * float(output.smallest_subnormal)) * gain
    return relative, absolute


class Band:
    """An axis's weight table as dense blocks of a banded matrix.

    Block ``i`` maps inputs ``low[i]:low[i] + width`` to outputs
    ``i·m:(i + 1)·m``; taps repeated by the border clamp are summed into one
    entry. Blocks are short (:data:`BLOCK` outputs when enlarging, half that
    when reducing, whose rows are wider; a multiple of the ratio's
    denominator when that is at most as long) so that few of the products are with the zeros
    outside the band. Runs of blocks whose windows advance by a constant
    step (all of them away from the borders, thanks to :data:`SLACK`) are
    one batched product over strided windows of the input. Every single product stays
    under :data:`BLAS_SIZE` multiply-adds so that OpenBLAS runs it on the
    calling thread: its own threads would compete with the strip threads.
    """

    def __init__(self, table: AxisWeights, dtype):
        self.dtype = np.dtype(dtype)
        base = BLOCK if table.n_out >= table.n_in else BLOCK // 2
        period = Fraction(table.n_in, table.n_out).denominator
        # a multiple of a short period keeps every block's window at one step from the last; a longer
        # period is not worth its wider blocks (a product with more zeros per output: measured slower)
        self.size = m = period * max(1, round(base / period)) if period <= base else base
        n_blocks = -(-table.n_out // m)
        block = np.arange(table.n_out) // m
        starts = np.arange(0, table.n_out, m)
        low = np.minimum.reduceat(table.taps.min(axis=1), starts)
        high = np.maximum.reduceat(table.taps.max(axis=1), starts) + 1
        # one width for all blocks (the widest, and a little room for windows
        # that advance by a rounded step), so they are built and batched at once
        self.width = width = min(int(np.max(high - low)) + SLACK, table.n_in)
        step = round(m * table.n_in / table.n_out)
        low, self.runs = _runs(low, high, step, width, table.n_out // m, table.n_in)
        matrices = np.zeros((n_blocks, m, width))
        np.add.at(matrices, (block[:, None], np.arange(table.n_out)[:, None] % m, table.taps - low[block][:, None]), table.weights)
        self.low = low
        self.matrices = matrices.astype(dtype)
        self.n_out = table.n_out
        self._kron = {}

    def span(self, start: int, stop: int) -> tuple[int, int]:
        """The input rows ``lo, hi`` that outputs ``start:stop`` (``start`` a multiple of the block) read."""
        low = self.low[start // self.size:-(-stop // self.size)]
        return int(low.min()), int(low.max()) + self.width

    def _runs(self, start: int, stop: int):
        """``(first block, number of blocks, outputs per block, step)`` covering outputs ``start:stop``."""
        first, last = start // self.size, -(-stop // self.size)
        for i0, i1, step in self.runs:
            a, b = max(i0, first), min(i1, last)
            if a < b:
                yield a, b - a, min(self.size, self.n_out - a * self.size), step

    def rows(self, rows: np.ndarray, start: int, stop: int, offset: int) -> np.ndarray:
        """Outputs ``start:stop`` from the rows of 2-D ``rows``, whose row 0 is input ``offset``.

        ``start`` is a multiple of the block size.
        """
        rows = rows.astype(self.dtype, copy=False)
        out = np.empty((stop - start, rows.shape[1]), self.dtype)
        chunk = max(1, BLAS_SIZE // (self.size * self.width))
        for first, count, size, step in self._runs(start, stop):
            matrices = self.matrices[first:first + count, :size]
            source = rows[self.low[first] - offset:]
            target = out[first * self.size - start:]
            for c in range(0, rows.shape[1], chunk):
                windows = _windows(source[:, c:c + chunk], count, self.width, step, 0)
                np.matmul(matrices, windows, out=_windows(target[:, c:c + chunk], count, size, self.size, 0))
        return out

    def columns(self, rows: np.ndarray, channels: int) -> np.ndarray:
        """Resample along the columns of ``rows``, ``channels`` interleaved samples per index.

        Each block is a product with ``kron(matrixᵀ, I)``: the channels stay
        interleaved, at the cost of multiplying the zeros between them.
        """
        rows = rows.astype(self.dtype, copy=False)
        out = np.empty((rows.shape[0], self.n_out * channels), self.dtype)
        c = channels
        kron = self._kron.get(c)
        if kron is None:  # built once per call of the engine (a race only builds it twice)
            kron = np.zeros((len(self.matrices), self.width * c, self.size * c), self.dtype)
            for channel in range(c):
                kron[:, channel::c, channel::c] = self.matrices.transpose(0, 2, 1)
            self._kron[c] = kron
        chunk = max(1, BLAS_SIZE // kron[0].size)
        for first, count, size, step in self._runs(0, self.n_out):
            matrices = kron[first:first + count, :, :size * c]
            for r in range(0, rows.shape[0], chunk):
                source = rows[r:r + chunk, self.low[first] * c:]
                target = out[r:r + chunk, first * self.size * c:]
                np.matmul(
                    _windows(source, count, self.width * c, step * c, 1), matrices,
                    out=_windows(target, count, size * c, self.size * c, 1),
                )
        return out


def _runs(low: np.ndarray, high: np.ndarray, step: int, width: int, full: int, n_in: int):
    """Window starts for blocks reading inputs ``low[i]:high[i]``, and the runs they form.

    A run ``(i0, i1, step)`` of full blocks has windows ``c + i·step`` (one
    batched product over strided windows): it grows while every block's
    inputs still fit in its window of ``width``. Other blocks are runs of
    one, their window moved inside the input. Returns the starts and runs.
    """
    starts = np.minimum(low, n_in - width)
    runs, i = [], 0
    while i < len(low):
        j = i + 1
        if i < full and step > 0:
            first, last = low[i] - i * step, high[i] - i * step  # window start and end needed, shifted back
            while j < full:
                first_j, last_j = min(first, low[j] - j * step), max(last, high[j] - j * step)
                if last_j - first_j > width or first_j + i * step < 0 or first_j + j * step + width > n_in:
                    break
                first, last, j = first_j, last_j, j + 1
            if j > i + 1:
                starts[i:j] = first + np.arange(i, j) * step
        runs.append((i, j, step if j > i + 1 else 0))
        i = j
    return starts, runs


def _windows(array: np.ndarray, count: int, length: int, step: int, axis: int) -> np.ndarray:
    """``count`` windows of ``length`` along ``axis`` of 2-D ``array``, ``step`` apart: a view.

    Window ``i`` is ``array[i·step : i·step + length]`` along ``axis``; the
    result has shape ``(count,) + window shape``.
    """
    shape, strides = list(array.shape), list(array.strides)
    if count < 1 or step < 0 or (count - 1) * step + length > shape[axis]:  # never outside ``array``
        raise ValueError(f"{count} windows of {length} every {step} do not fit in {shape[axis]}")
    shape[axis] = length
    return np.lib.stride_tricks.as_strided(array, (count, *shape), (step * strides[axis], *strides))


def row_bits(weights: np.ndarray) -> np.ndarray:
    """Per row, the least ``b >= 0`` with its weights multiples of ``2**-b``."""
    mantissa, exponent = np.frexp(weights)
    numerator = (mantissa * 2.0**53).astype(np.int64)  # exact: 53-bit significands
    lowest = numerator & -numerator
    trailing = np.log2(np.where(lowest == 0, 1, lowest)).astype(np.int64)
    bits = np.where(weights == 0, 0, 53 - trailing - exponent)
    return np.maximum(bits.max(axis=1), 0)


def _rounding_error(largest: float, gains: list[float], taps: list[int], dtype) -> float:
    """A bound on the rounding error of ``v + 0.5`` after a chain of passes in ``dtype``.

    A pass of ``k`` taps with row gain ``g = max Σ|w|`` on values bounded by
    ``B`` carrying an error ``e`` leaves ``g·e + (k + 1)·u·g·B`` (weights
    rounded to ``dtype``, then at most ``k`` roundings of products and sums
    in any order, each within the unit roundoff ``u``; zero weights add
    exactly), plus one rounding for ``+ 0.5``.
    """
    unit = float(np.finfo(dtype).eps) / 2
    bound, error = largest, 0.0
    for gain, k in zip(gains, taps):
        error = gain * error + (k + 1) * unit * gain * bound
        bound *= gain
    return error + unit * (bound + 1.0)


def _near_integers(values: np.ndarray, tolerance: float) -> np.ndarray:
    """Flat indices of ``values`` within ``tolerance`` of an integer."""
    distance = np.rint(values)
    np.subtract(values, distance, out=distance)
    np.abs(distance, out=distance)
    return np.flatnonzero(distance <= tolerance)


def _exact(item: np.ndarray, steps: list[Step], start: int, where: tuple) -> np.ndarray:
    """Float64 values of the outputs ``where`` of the strip from ``start``, as defined.

    All input samples the points need are gathered at once from the flat
    item, into shape ``(k_last, …, k_first, points)`` (tap-major, so that
    each tap's samples are contiguous); then each pass, first to last, sums
    its taps in order, each product and sum the definition's.
    """
    coords = [where[0] + start, *where[1:]]
    strides = [stride // item.itemsize for stride in item.strides]
    tapped = {step.axis for step in steps}
    flat = np.zeros(len(coords[0]), np.intp)
    for axis, (index, stride) in enumerate(zip(coords, strides)):
        if axis not in tapped:
            flat += index * stride
    weights = []
    for step in reversed(steps):
        index = coords[step.axis]
        weights.append(np.take(step.weights_by_tap, index, axis=1))
        flat = np.expand_dims(flat, -2) + np.take(step.taps_by_tap, index, axis=1) * strides[step.axis]
    values = np.take(item.reshape(-1), flat).astype(np.float64)
    for w in reversed(weights):
        total = values[..., 0, :] * w[0]
        for k in range(1, len(w)):
            total += values[..., k, :] * w[k]
        values = total
    return values


def _strip(item: np.ndarray, steps: list[Step], start: int, stop: int) -> np.ndarray:
    """Output rows ``start:stop`` (axis 0) of one item, in the working dtype.

    Passes along other axes commute with slicing axis 0, so they run on just
    the input rows this strip needs.
    """
    band = next(step for step in steps if step.axis == 0).band
    low, high = band.span(start, stop)
    data = item[low:high]
    for step in steps:
        if step.axis == 0:
            rows = step.band.rows(data.reshape(data.shape[0], -1), start, stop, low)
            data = rows.reshape((stop - start,) + data.shape[1:])
        else:
            data = _resample_inner(data, step)
    return data


def _resample_inner(data: np.ndarray, step: Step) -> np.ndarray:
    """Resample along an axis other than the first."""
    axis, band = step.axis, step.band
    shape = data.shape[:axis] + (band.n_out,) + data.shape[axis + 1:]
    run = math.prod(data.shape[axis + 1:])
    if run < MIN_ROW:
        # short rows (pixels): channels stay interleaved
        return band.columns(data.reshape(-1, data.shape[axis] * run), run).reshape(shape)
    # long rows after the axis: resample each block of them as they are
    blocks = data.reshape((-1,) + data.shape[axis:])
    flat = [band.rows(b.reshape(b.shape[0], -1), 0, band.n_out, 0) for b in blocks]
    return np.stack(flat).reshape(shape)


def _round_shifted(values: np.ndarray, out: np.ndarray, clip: bool = True) -> None:
    """Store ``floor(values)`` clipped to the range of the integer ``out`` (``values`` is overwritten).

    ``clip=False`` when ``values`` cannot leave ``[min, max + 1)``.
    """
    info = np.iinfo(out.dtype)
    top, over = float(info.max), None
    if clip and top > info.max:
        # 64 bits: ``info.max`` rounds up to 2**63 or 2**64, which overflows the
        # cast; clip to the float just below, then saturate what reached it
        over = values >= top
        top = np.nextafter(top, 0.0)
    if clip:
        np.clip(values, info.min, top, out=values)
    if info.min < 0:  # truncation equals floor only for non-negative values
        np.floor(values, out=values)
    np.copyto(out, values, casting="unsafe")
    if over is not None:
        out[over] = info.max

"""Nearest neighbour: selected samples copied in the input dtype, exact for every dtype.

A selection changes no value, so the only question is how to move the
bytes fast. :class:`Selection` reads the shape of an index (a slice, whole
repeats, a short period, or a gather) and copies accordingly; pixels of an
odd size (8-bit RGB) are moved as wider numbers.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..core.plan import AxisPlan
from .strips import in_strips

#: Target size of one strip of a selection (a plain copy).
SELECT_STRIP_BYTES = 1 << 22
#: Below this many output samples a selection is copied on the calling thread (this many take about 0.2 ms).
SELECT_THREAD_THRESHOLD = 1 << 19
#: Unsigned integers by size: items of these sizes copy fastest as one number.
UNITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
#: Pixels of these odd sizes (RGB) are selected as the larger unsigned integers that start with them.
WIDE = {3: np.dtype(np.uint32), 5: np.dtype(np.uint64), 6: np.dtype(np.uint64), 7: np.dtype(np.uint64)}
#: Arrays with at most this many samples on the last axis are copied channel by channel.
MAX_CHANNELS = 4
#: Largest period of a selection copied as one strided copy per phase (a ratio p/q with p at most this).
MAX_PERIOD = 8


def select(array: np.ndarray, passes: list[AxisPlan], out_shape: tuple[int, ...]) -> np.ndarray:
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

    return in_strips(array, lead, out_shape, compute, itemsize=array.itemsize, strip_bytes=SELECT_STRIP_BYTES,
                     thread_threshold=SELECT_THREAD_THRESHOLD)


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

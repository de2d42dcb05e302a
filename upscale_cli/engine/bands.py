"""Resize in horizontal bands: a plan's output, a few rows of axis 0 at a time.

A band of output rows ``start:stop`` reads only the input rows its taps
reach. :func:`band_plan` cuts the plan down to that band: every pass along
axis 0 keeps just the weight rows of the band (the last such pass the band
itself, an earlier one the rows the later one reads), with its taps moved
to the input rows the band reads; passes along other axes are unchanged.
Applying the cut plan to those input rows gives exactly the band's rows of
the whole output, because every output is a sum over its own taps only:
the engine's outputs, all the definition's bit for bit, and each library's
fixed point (a pass along x rounds each row by itself; a pass along y
rounds each output row from its taps) are all computed output by output,
whatever else is in the array. Only memory changes: the decoded input, one
band and the encoder's state, instead of the input and the whole output.

An executor of a plan (:attr:`~upscale_cli.core.plan.ResizePlan.executor`)
must keep that property: each output computed from the inputs its taps
name, in whatever passes the plan lists. Every preset's does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import numpy as np

from ..core.plan import ResizePlan
from .apply import apply_plan

#: Bytes of output in one band (with the engine's strips of 4 MiB, a band
#: keeps both cores busy; the encoder's blocks are 1 MiB).
BAND_BYTES = 1 << 23
#: Bytes of output in one band when the input is read in bands: the band's float intermediates are
#: then most of the memory, and a quarter of :data:`BAND_BYTES` costs no time (docs/streaming.md).
STREAMED_BAND_BYTES = BAND_BYTES // 4
#: Fewest output rows in a band, so that the taps shared with the next band are few.
MIN_ROWS = 16


def band_plan(plan: ResizePlan, start: int, stop: int) -> tuple[ResizePlan, int, int]:
    """The plan making output rows ``start:stop`` (axis 0), and the input rows ``low:high`` it reads.

    The returned plan has ``in_shape[0] == high - low`` and
    ``out_shape[0] == stop - start``; applied to ``array[low:high]`` it gives
    ``apply_plan(array, plan)[start:stop]`` exactly. The passes' sizes
    (:attr:`~upscale_cli.core.plan.AxisPlan.size`) are left as they are:
    they describe the whole resize.
    """
    if not 0 <= start < stop <= plan.out_shape[0]:
        raise ValueError(f"rows {start}:{stop} are not inside the {plan.out_shape[0]} output rows")
    axes = list(plan.axes)
    low, high = start, stop
    for index in reversed(range(len(axes))):  # the last pass along axis 0 first: it names the rows before it
        axis_plan = axes[index]
        if axis_plan.axis != 0:
            continue
        table = axis_plan.weights
        taps = table.taps[low:high]
        first, last = int(taps.min()), int(taps.max()) + 1
        axes[index] = replace(axis_plan, weights=table.cut(low, high, first, last - first))
        low, high = first, last
    in_shape = (high - low,) + tuple(plan.in_shape[1:])
    out_shape = (stop - start,) + tuple(plan.out_shape[1:])
    return replace(plan, in_shape=in_shape, out_shape=out_shape, axes=tuple(axes)), low, high


def band_rows(plan: ResizePlan, itemsize: int, band_bytes: int | None = None) -> int:
    """Output rows per band: about ``band_bytes`` of output (default :data:`BAND_BYTES`), at least :data:`MIN_ROWS`."""
    row_bytes = itemsize * math.prod(plan.out_shape[1:])
    return max(MIN_ROWS, (band_bytes or BAND_BYTES) // max(row_bytes, 1))


def streamed_band_rows(plan: ResizePlan, itemsize: int) -> int:
    """Output rows per band when the input is read in bands too: about :data:`STREAMED_BAND_BYTES` of
    output, fewer when the input rows a band reads (its rows times the reduction along axis 0) would
    pass :data:`BAND_BYTES`, and at least :data:`MIN_ROWS`."""
    in_row_bytes = itemsize * math.prod(plan.in_shape[1:])
    reduction = plan.in_shape[0] / max(plan.out_shape[0], 1)
    by_input = int(BAND_BYTES // max(in_row_bytes * reduction, 1))
    return max(MIN_ROWS, min(band_rows(plan, itemsize, STREAMED_BAND_BYTES), by_input))


@dataclass
class Bands:
    """The output of ``resample(source, plan)``, made band by band when iterated.

    ``resample(array, plan)`` is :func:`~upscale_cli.engine.apply.apply_plan`
    or any function that computes each output row from the input rows the
    plan's taps name and keeps the dtype (premultiplied alpha, linear light
    and the presets' arithmetic all do). Iterating yields the output rows
    (axis 0) in order, ``rows`` at a time; :meth:`whole` is the same
    output in one piece, the whole-image path.

    Attributes
    ----------
    source : ndarray or array-like
        The input, of shape ``plan.in_shape``: an array, or anything with
        ``shape`` and ``dtype`` whose slices of rows (``source[low:high]``)
        are arrays (:class:`~upscale_cli.io.images.ImageRows` reads them out
        of a decoded image as they are needed).
    plan : ResizePlan
    resample : callable
    rows : int or None
        Output rows per band; ``None``: :func:`band_rows`.
    """

    source: np.ndarray
    plan: ResizePlan
    resample: Callable[[np.ndarray, ResizePlan], np.ndarray] = apply_plan
    rows: int | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.plan.out_shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.source.dtype)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def __iter__(self) -> Iterator[np.ndarray]:
        if not self.plan.bands:
            yield self.whole()
            return
        n_rows = self.plan.out_shape[0]
        rows = self.rows or band_rows(self.plan, self.dtype.itemsize)
        for start in range(0, n_rows, rows):
            cut, low, high = band_plan(self.plan, start, min(start + rows, n_rows))
            yield self.resample(self.source[low:high], cut)

    def whole(self) -> np.ndarray:
        """The whole output at once."""
        return self.resample(self.source[0:self.plan.in_shape[0]], self.plan)

"""The fast sums: a pass as products with a banded matrix, in BLAS.

A weight table is a banded matrix; cut into short dense blocks, a pass is a
few batched matrix products (:class:`Band`). BLAS adds the terms in an
order of its own, which changes with the CPU's kernel and the build, so
these sums are never an output by themselves: an integer pass whose
products and partial sums are all representable is exact in any order,
and everything else goes through :mod:`.certify`, which proves that the
order did not change the stored result or recomputes it as defined.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..core.weights import AxisWeights

#: Below this many samples after an axis, it is resampled with a Kronecker product.
MIN_ROW = 16
#: Outputs per block of a banded matrix when enlarging.
BLOCK = 16
#: Extra inputs in every block's window, so that runs of blocks can share one step.
SLACK = 2
#: Largest matrix product (m·k·n) OpenBLAS still runs on one thread.
BLAS_SIZE = 1 << 18


class Step:
    """One filter pass of the fast path: its axis within an item, its table, and the table as a banded matrix in ``dtype``."""

    def __init__(self, axis: int, table: AxisWeights, dtype):
        self.axis = axis
        self.table = table
        self.matrix = BandedMatrix(table, dtype)


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
        self.block = self.step.matrix.size

    def span(self, start: int, stop: int) -> tuple[int, int]:
        """The input rows ``low, high`` that outputs ``start:stop`` of axis 0 read."""
        return self.step.matrix.span(start, stop)

    def __call__(self, values: np.ndarray, start: int = 0, stop: int | None = None, low: int = 0) -> np.ndarray:
        """Outputs ``start:stop`` of the axis; along axis 0, ``values`` holds the input rows from ``low``."""
        step = self.step
        if step.axis:
            return _resample_inner(values, step)
        stop = step.matrix.n_out if stop is None else stop
        rows = step.matrix.rows(values.reshape(values.shape[0], -1), start, stop, low)
        return rows.reshape((stop - start,) + values.shape[1:])


class BandedMatrix:
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



def strip(samples: np.ndarray, low: int, steps: list[Step], start: int, stop: int) -> np.ndarray:
    """Output rows ``start:stop`` (axis 0) of one item, in the working dtype, from its input rows
    ``low:low + len(samples)`` (at least those that :meth:`BandedMatrix.span` names).

    Passes along other axes commute with slicing axis 0, so they run on just
    the input rows this strip needs.
    """
    data = samples if samples.flags.c_contiguous else _contiguous(samples, steps[0].matrix.dtype)
    for step in steps:
        if step.axis == 0:
            rows = step.matrix.rows(data.reshape(data.shape[0], -1), start, stop, low)
            data = rows.reshape((stop - start,) + data.shape[1:])
        else:
            data = _resample_inner(data, step)
    return data


def _contiguous(samples: np.ndarray, dtype) -> np.ndarray:
    """A contiguous copy of ``samples`` in ``dtype``, as the first pass would convert them (a decoded
    image's samples are a view that skips a byte a pixel, see docs/performance.md).

    Converting first costs nothing extra: the pass converts its input anyway, and reshaping the
    strided view would copy it once more. Channels are converted one at a time: NumPy converts a
    long strided run several times faster than runs of three samples.
    """
    out = np.empty(samples.shape, dtype)
    if samples.ndim > 2 and samples.shape[-1] <= 4:
        for channel in range(samples.shape[-1]):
            out[..., channel] = samples[..., channel]
    else:
        out[...] = samples
    return out


def _resample_inner(data: np.ndarray, step: Step) -> np.ndarray:
    """Resample along an axis other than the first."""
    axis, matrix = step.axis, step.matrix
    shape = data.shape[:axis] + (matrix.n_out,) + data.shape[axis + 1:]
    run = math.prod(data.shape[axis + 1:])
    if run < MIN_ROW:
        # short rows (pixels): channels stay interleaved
        return matrix.columns(data.reshape(-1, data.shape[axis] * run), run).reshape(shape)
    # long rows after the axis: resample each block of them as they are
    blocks = data.reshape((-1,) + data.shape[axis:])
    flat = [matrix.rows(b.reshape(b.shape[0], -1), 0, matrix.n_out, 0) for b in blocks]
    return np.stack(flat).reshape(shape)


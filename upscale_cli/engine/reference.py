"""The definition: what every output sample of a filter is, bit for bit (docs/definition.md).

- One pass along one axis (:func:`apply_axis`): output ``d`` is
  ``Σ_k weights[d, k] · samples[taps[d, k]]`` in float64, each product
  rounded, then added to the running sum in the order of ``k``.
- The passes in the plan's order, float64 from one to the next.
- One conversion at the end (:func:`to_dtype`): floats rounded to nearest,
  ties to even, into their own dtype; integers rounded half up (or half to
  even where the plan says so) and clipped to their dtype's range.
- Selections (nearest neighbour) copy the selected sample.

Every faster path of the engine stores exactly these bits. This module is
what they are checked against, and what the engine falls back on wherever
a proof cannot decide an output (:mod:`.certify`). It uses only NumPy's
elementwise products and sums, which IEEE 754 rounds the same way on every
machine, whatever its vector units or BLAS.
"""

from __future__ import annotations

import numpy as np

from ..core.weights import AxisWeights


def apply_axis(array: np.ndarray, axis: int, weights: AxisWeights) -> np.ndarray:
    """Resample ``array`` along ``axis`` with one weight table: the definition of one pass.

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
    """Convert float64 sums to ``dtype``: floats to nearest even, integers rounded (halves ``up`` or to ``even``)
    and clipped."""
    dtype = np.dtype(dtype)
    if values.dtype == dtype:
        return values
    if dtype.kind not in "ui":
        with np.errstate(over="ignore"):  # beyond the dtype's range is ±inf, as IEEE 754 rounds it
            return values.astype(dtype)
    out = np.empty(values.shape, dtype)
    round_shifted((np.rint(values) if ties == "even" else values) + 0.5, out)
    return out


def round_shifted(values: np.ndarray, out: np.ndarray, clip: bool = True) -> None:
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


class Definition:
    """The definition's passes over one item, in the plan's order, ready to give any of its outputs.

    ``passes`` are ``(axis, table)`` with the axis counted within the item,
    whose axis 0 (the first resized axis) is the one cut into strips; it has
    exactly one pass.
    """

    def __init__(self, passes: list[tuple[int, AxisWeights]]):
        self.passes = passes
        self.lead = next(table for axis, table in passes if axis == 0)
        # for single outputs: one row per tap, so that each tap's weights are contiguous
        self._by_tap = [(axis, np.ascontiguousarray(t.weights.T), np.ascontiguousarray(t.taps.T)) for axis, t in passes]

    def rows(self, item: np.ndarray, start: int, stop: int, apply=apply_axis) -> np.ndarray:
        """Float64 values of output rows ``start:stop`` of ``item``, pass after pass.

        ``apply`` makes each pass: :func:`apply_axis`, or a function equal to
        it bit for bit.
        """
        taps = self.lead.taps[start:stop]
        low = int(taps.min())
        values = item[low:int(taps.max()) + 1].astype(np.float64)
        for axis, table in self.passes:
            values = apply(values, axis, table.cut(start, stop, low) if axis == 0 else table)
        return values

    def points(self, item: np.ndarray, start: int, where: tuple) -> np.ndarray:
        """Float64 values of the outputs ``where`` (indices into the rows from ``start``), one by one.

        All input samples the points need are gathered at once from the flat
        item, into shape ``(k_last, …, k_first, points)``; then each pass,
        first to last, sums its taps in order: the same products and sums as
        :meth:`rows`, for just these outputs.
        """
        coords = [where[0] + start, *where[1:]]
        memory, strides = _memory(item)
        tapped = {axis for axis, _ in self.passes}
        flat = np.zeros(len(coords[0]), np.intp)
        for axis, (index, stride) in enumerate(zip(coords, strides)):
            if axis not in tapped:
                flat += index * stride
        weights = []
        for axis, weights_by_tap, taps_by_tap in reversed(self._by_tap):
            index = coords[axis]
            weights.append(np.take(weights_by_tap, index, axis=1))
            flat = np.expand_dims(flat, -2) + np.take(taps_by_tap, index, axis=1) * strides[axis]
        values = np.take(memory, flat).astype(np.float64)
        for w in reversed(weights):
            total = values[..., 0, :] * w[0]
            for k in range(1, len(w)):
                total += values[..., k, :] * w[k]
            values = total
        return values


def _memory(item: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The memory ``item`` lies in, as a 1-D array, and ``item``'s strides in its elements.

    A view where ``item`` steps forward by whole elements (a decoded
    image's samples skip the unused fourth byte of each pixel, see
    docs/performance.md), so a few points never copy the whole item; a
    contiguous copy otherwise.
    """
    size = item.itemsize
    if item.size and all(stride >= 0 and stride % size == 0 for stride in item.strides):
        extent = sum((n - 1) * stride for n, stride in zip(item.shape, item.strides)) // size + 1
        return np.lib.stride_tricks.as_strided(item, (extent,), (size,)), [stride // size for stride in item.strides]
    item = np.ascontiguousarray(item)
    return item.reshape(-1), [stride // size for stride in item.strides]

"""Pillow's own arithmetic (``Image.resize`` 13.x), bit for bit, on the fast path.

* 8-bit samples: weights rounded half away from zero to 22 fractional
  bits; **every pass** rounds half up and clips to 0…255 (so a clipped
  intermediate row can change the result by tens of levels).
* ``I;16`` and ``I``: sums in double, rounded half away from zero after
  every pass (``I;16`` clipped to 0…65535); ``F`` stores float32 after
  every pass.
* Leading ``Image.reduce`` passes (``reducing_gap``, tables of kind
  :attr:`~upscale_cli.core.weights.TableKind.BLOCK_MEAN`) sum whole blocks
  and round once, ``((sum + area/2) · ⌊2³²/(256·area)⌋) >> 24`` on 8 bits.
* ``RGBA``/``LA``: premultiplied around the resize
  (:func:`pillow_premultiplied`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np

from ...core.errors import UsageError
from ...core.plan import ResizePlan
from ...core.weights import AxisWeights, TableKind
from ...engine.apply import apply_plan
from ...engine.banded import BandedSum
from ...engine.certify import IntegerCertificate, near_midpoints, row_bits, row_gain, sample_quantum, smallest_magnitude
from ...engine.reference import apply_axis, to_dtype
from ...engine.strips import in_strips
from ..base.arithmetic import (
    banded,
    fixed_passes,
    fixed_weights,
    round_half_away,
    rounded_strip,
    selects_only,
    strip_rows,
    strip_table,
    strips,
)
from ..base.arithmetic import execute as shared_execute


def execute(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Apply an ``Image.resize`` plan with the arithmetic of the samples' Pillow mode."""
    if selects_only(plan):
        if array.dtype == np.float32 and plan.options.mode != "nearest" and plan.axes:
            # Pillow's filters sum even a box enlargement's one tap, ``0.0 + x·1.0``: −0.0 comes out +0.0
            copied = apply_plan(array, plan.defined())
            copied += np.float32(0.0)
            return copied
        return shared_execute(array, plan)
    if array.dtype == np.uint8:
        return _pillow_8bit(array, plan)
    if array.dtype == np.float32:
        return _pillow_float32(array, plan)
    if array.dtype in PILLOW_STORES:
        return _pillow_wide(array, plan)
    return _defined(array, plan)


def _defined(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Samples of a type Pillow has no mode for: Pillow's tables in the definition's arithmetic, float64 sums
    pass after pass, converted once. The ``Image.reduce`` passes, a second pass along the same axes, run
    first as a plan of their own, kept in float64 (the engine runs one pass per axis at a time)."""
    reduces = leading_reduces(plan)
    if not reduces:
        return shared_execute(array, plan)
    reduced_shape = list(plan.in_shape)
    for p in reduces:
        reduced_shape[p.axis] = p.weights.n_out
    reduced = apply_plan(array.astype(np.float64), plan.defined(out_shape=tuple(reduced_shape), axes=tuple(reduces)))
    rest = plan.defined(in_shape=reduced.shape, axes=plan.axes[len(reduces):])
    return to_dtype(apply_plan(reduced, rest), array.dtype, plan.ties)


#: Pillow's ``Image.reduce`` refuses ``I;16``; so does the preset (also at planning, where the dtype is known).
PILLOW_REDUCE_16_BIT = ("--compat pillow cannot reduce 16-bit images: Pillow's Image.reduce refuses mode I;16 "
                        "(\"image has wrong mode\"); leave out --reducing-gap")


def pillow_fixed_weights(weights: np.ndarray) -> np.ndarray:
    """Pillow's ``normalize_coeffs_8bpc``: ``(int)(w·2²² ± 0.5)``, truncated toward zero."""
    return fixed_weights(weights, 22)


def _weighted_sum(values: np.ndarray, axis: int, taps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``Σ_k weights[d, k] · values[taps[d, k]]`` along ``axis``, taps added in order.

    In the dtype of ``values`` and ``weights`` (int64 for the fixed-point
    arithmetics), so every library's own rounding happens where it happens
    in the library.
    """
    broadcast = [1] * values.ndim
    broadcast[axis] = taps.shape[0]
    total = np.zeros(1, dtype=np.result_type(values, weights))
    for k in range(taps.shape[1]):
        total = total + np.take(values, taps[:, k], axis=axis) * weights[:, k].reshape(broadcast)
    return total


def _block_sums(values: np.ndarray, passes) -> tuple[np.ndarray, np.ndarray]:
    """``Image.reduce``'s block sums over every reduced axis, and each block's number of samples."""
    area = np.ones(1, dtype=np.int64)
    for axis_plan in passes:
        weights = axis_plan.weights
        ones = (weights.weights != 0).astype(values.dtype)
        values = _weighted_sum(values, axis_plan.axis, weights.taps, ones)
        broadcast = [1] * values.ndim
        broadcast[axis_plan.axis] = weights.n_out
        area = area * ones.sum(axis=1).astype(np.int64).reshape(broadcast)
    return values, area


def _pillow_reduce(values: np.ndarray, passes) -> np.ndarray:
    """``Image.reduce`` on 8-bit samples: block sums over every reduced axis, one rounding."""
    values, area = _block_sums(values, passes)
    return ((values + area // 2) * reduce_multiplier(area)) >> 24


def leading_reduces(plan: ResizePlan) -> list:
    """The plan's ``Image.reduce`` passes (``reducing_gap``), which come before its filter passes."""
    return [p for p in plan.axes if p.weights.kind is TableKind.BLOCK_MEAN]


def reduce_multiplier(area):
    """``division_UINT32``'s multiplier for blocks of ``area`` samples: ``2³²/(256·area)`` as a float32
    quotient, truncated; a block's mean on 8 bits is ``((Σ + ⌊area/2⌋)·m) >> 24``."""
    return (np.float32(4294967296.0) / (256 * np.asarray(area)).astype(np.float32)).astype(np.int64)


def reduce_layout(reduces) -> tuple[int, int, int, int]:
    """The rows and columns axes ``Image.reduce`` works on and its factors ``fy, fx`` along them: with one axis
    reduced, the other is reduced by 1, where any other axis serves."""
    factors = {p.axis: p.weights.taps.shape[1] for p in reduces}
    rows_axis, columns_axis = sorted(factors if len(factors) == 2 else (reduces[0].axis, int(reduces[0].axis == 0)))
    return rows_axis, columns_axis, factors.get(rows_axis, 1), factors.get(columns_axis, 1)


def reduce_groups(fy: int, fx: int) -> list[list[tuple[int, int]]]:
    """The offsets ``(dy, dx)`` of a whole ``fy × fx`` block in the groups ``ImagingReduceNxN_32bpc`` adds in the
    sample type, ``((a + b) + c) + d``, before each group joins the double sum: two rows and two columns at a
    time, then an odd column's pairs, an odd row's pairs and the odd corner."""
    groups = []
    for dy in range(0, fy - 1, 2):
        groups += [[(dy, dx), (dy, dx + 1), (dy + 1, dx), (dy + 1, dx + 1)] for dx in range(0, fx - 1, 2)]
        if fx % 2:
            groups.append([(dy, fx - 1), (dy + 1, fx - 1)])
    if fy % 2:
        groups += [[(fy - 1, dx), (fy - 1, dx + 1)] for dx in range(0, fx - 1, 2)]
        if fx % 2:
            groups.append([(fy - 1, fx - 1)])
    return groups


def _store_i16(values: np.ndarray) -> np.ndarray:
    """``I;16`` passes: ``ROUND_UP`` (half away from zero), clipped to 0…65535 after every pass."""
    return np.clip(_store_i32(values), 0, 65535)


def _store_i32(values: np.ndarray) -> np.ndarray:
    """``ROUND_UP`` (half away from zero) to 32-bit integers, as mode ``I`` stores every pass.

    C's conversion of a double outside the 32-bit range is undefined; on
    x86-64, where Pillow's wheels mostly run, it gives ``−2³¹`` (the
    "integer indefinite" of ``cvttsd2si``), and so does this. ARM builds
    saturate instead.
    """
    rounded = round_half_away(values)
    return np.where((rounded >= -(2.0**31)) & (rounded < 2.0**31), rounded, -(2.0**31))


#: How Pillow stores each pass of its wider modes (``I;16``, ``I``, ``F``): sums are doubles, tap by tap.
PILLOW_STORES = {
    np.dtype(np.uint16): _store_i16,
    np.dtype(np.int32): _store_i32,
    np.dtype(np.float32): lambda values: values.astype(np.float32).astype(np.float64),
}


def _read_taps_sum(values: np.ndarray, axis: int, table: AxisWeights) -> np.ndarray:
    """:func:`~upscale_cli.engine.reference.apply_axis` over the taps each row reads (``table.counts``), in order.

    Padding taps add nothing, not even ``0·inf``, as in Pillow's loop ``for (x = 0; x < xmax; x++)``.
    """
    if table.counts is None:
        return apply_axis(values, axis, table)
    broadcast = [1] * values.ndim
    broadcast[axis] = table.n_out
    total = np.zeros(values.shape[:axis] + (table.n_out,) + values.shape[axis + 1:])
    for k in range(table.taps.shape[1]):
        term = np.take(values, table.taps[:, k], axis=axis) * table.weights[:, k].reshape(broadcast)
        total += np.where((k < table.counts).reshape(broadcast), term, 0.0)
    return total


def _pillow_reduced(array: np.ndarray, plan: ResizePlan) -> tuple[np.ndarray, ResizePlan]:
    """``I``, ``I;16`` and ``F`` samples after the plan's leading ``Image.reduce`` passes, and the passes left."""
    reduces = leading_reduces(plan)
    if not reduces:
        return array, plan
    if array.dtype == np.uint16:
        raise UsageError(PILLOW_REDUCE_16_BIT)
    array = _pillow_reduce_32bpc(array, reduces)
    return array, replace(plan, in_shape=array.shape, axes=plan.axes[len(reduces):])


@np.errstate(over="ignore", invalid="ignore")  # float32 pairs overflow to inf (or inf − inf) as in Pillow
def _pillow_reduce_32bpc(array: np.ndarray, reduces) -> np.ndarray:
    """``ImagingReduceNxN_32bpc`` and ``ImagingReduceCorners_32bpc``: ``I`` and ``F`` block means.

    A whole block is summed in double two rows at a time: each pair of
    columns of the two rows is first added in the sample type (float32,
    or wrapping 32-bit integers), ``((a + b) + c) + d``, then added to the
    sum; an odd column or row adds its pairs the same way. Blocks cut short
    by the right or bottom edge add their samples one at a time. The sum
    times ``1.0/n`` is stored as ``F`` does (float32) or as ``I`` does
    (rounded half away from zero).
    """
    rows_axis, columns_axis, fy, fx = reduce_layout(reduces)
    x = np.moveaxis(array, (rows_axis, columns_axis), (0, 1))
    height, width = x.shape[:2]
    ny, nx = height // fy, width // fx
    sums = np.zeros((ny, nx) + x.shape[2:])

    def block(dy: int, dx: int) -> np.ndarray:  # the samples at offset (dy, dx) of every whole block
        return x[dy:dy + fy * ny:fy, dx:dx + fx * nx:fx]

    for group in reduce_groups(fy, fx):
        sums += functools.reduce(np.add, (block(dy, dx) for dy, dx in group))
    result = np.empty((-(-height // fy), -(-width // fx)) + x.shape[2:], array.dtype)
    store = PILLOW_STORES[array.dtype]
    result[:ny, :nx] = store(sums * (1.0 / (fx * fy)))
    # the blocks cut short: right column, bottom row, corner, each sample added in turn
    for rows, columns in ((slice(0, ny), slice(nx, None)), (slice(ny, None), slice(0, nx)), (slice(ny, None), slice(nx, None))):
        edge = x[rows.start * fy:None if rows.stop is None else rows.stop * fy,
                 columns.start * fx:None if columns.stop is None else columns.stop * fx]
        if edge.size == 0:
            continue
        bh, bw = min(fy, edge.shape[0]), min(fx, edge.shape[1])
        count_y, count_x = -(-edge.shape[0] // fy), -(-edge.shape[1] // fx)
        total = np.zeros((count_y, count_x) + x.shape[2:])
        for dy in range(bh):
            for dx in range(bw):
                total += edge[dy::fy][:count_y, dx::fx][:, :count_x]
        result[rows, columns] = store(total * (1.0 / (bh * bw)))
    return np.moveaxis(result, (0, 1), (rows_axis, columns_axis))


@np.errstate(over="ignore", invalid="ignore")  # non-finite samples and float32 overflow are Pillow's results too
def _pillow_wide(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Pillow's 16-bit, 32-bit integer and float passes: a double sum in tap order, stored after every pass."""
    store = PILLOW_STORES[array.dtype]
    array, plan = _pillow_reduced(array, plan)
    if not plan.axes:
        return array
    lead = min(p.axis for p in plan.axes)
    table = next(p.weights for p in plan.axes if p.axis == lead)

    def compute(item, start, stop, out):
        taps = table.taps[start:stop]
        low = int(taps.min())
        values = item[low:int(taps.max()) + 1].astype(np.float64)
        for axis_plan in plan.axes:
            weights = axis_plan.weights
            if axis_plan.axis == lead:
                weights = weights.cut(start, stop, low)
            values = store(_read_taps_sum(values, axis_plan.axis - lead, weights))
        out[...] = values

    return in_strips(array, lead, plan.out_shape, compute)


#: With signed weights or samples, float32 outputs whose double sum lies within this many units in the
#: last place (of the double) of a float32 rounding boundary are summed again in Pillow's order (about
#: one output in 4,000; without, the bound itself, a few units).
SIGNED_ULPS = 1 << 16


#: Below this magnitude an output's float32 rounding is not judged by its dropped bits (float32 subnormals).
FLOAT32_TINY = 2.0**-100


#: Proven passes sum their unproven rows and columns again outright while they are at most this share.
BORDER_SHARE = 1 / 16


#: Passes of at most this many taps are summed in Pillow's order directly.
DIRECT_TAPS = 2


#: Beyond this share of a strip's outputs on a rounding boundary (or near 0), they are sorted out further.
MANY_TIES = 1 / 128


def _pillow_float32(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Pillow's ``F`` passes, ``(float) Σ x·w`` summed in double tap after tap, on the fast path.

    Each pass is a float64 banded product, then stored as float32. The
    product adds the same terms in another order, so it differs from
    Pillow's sum by at most ``2γₖ·A`` (``A = Σ|w||x|``, ``γₖ = k·u/(1 − k·u)``
    for ``k`` taps, ``u = 2⁻⁵³``): the two round to the same float32 unless
    a float32 rounding boundary lies that close. An output is therefore
    kept when it is proven, and summed again in Pillow's order otherwise:

    * exact: when the pass's weights are short dyadic fractions and the
      samples' exponents span little (both checked), every product and
      partial sum is a multiple of one quantum below ``2⁵³`` of them, so
      both orders give the exact sum (the whole image away from the
      borders at ×2 and ×½ with bilinear, bicubic and box);
    * otherwise, when the dropped bits of the double are at least
      :data:`SIGNED_ULPS` units (signed weights or samples; a few units otherwise) from the halfway pattern, which covers
      ``2γₖ·A`` while ``A`` stays below a few thousand times ``|sum|``;
      outputs with more cancellation than that (signed weights or
      samples, judged with ``A`` from a float32 product of ``|w|`` and
      ``|x|``) and tiny ones are summed again too.

    Inputs with non-finite samples, and passes whose intermediate values
    could overflow float32, take the tap-by-tap definition itself.
    """
    array, plan = _pillow_reduced(array, plan)
    if not plan.axes:
        return array
    passes = plan.axes
    lowest, highest = (float(array.min()), float(array.max())) if array.size else (0.0, 0.0)
    largest = max(-lowest, highest)
    gains = [row_gain(p.weights) for p in passes]
    if not math.isfinite(largest) or largest * math.prod(gains[:-1]) >= 2.0**127:
        return _pillow_wide(array, plan)
    nearest_zero = lowest if lowest > 0 else -highest if highest < 0 else None
    if all(_halves(p.weights) for p in passes) and largest < 2.0**126:
        if nearest_zero is None:
            nearest_zero = smallest_magnitude(array)
        if nearest_zero >= 2.0**-100:
            return _pillow_float32_halves(array, passes)
    lead = min(p.axis for p in passes)
    # exactness is worth proving when the outputs outnumber the inputs (the check reads every output)
    prove = math.prod(plan.out_shape) >= array.size
    if nearest_zero is None and (prove or lowest >= 0):
        nearest_zero = smallest_magnitude(array)
    proven = _exact_indices(passes, nearest_zero, largest) if prove else {}
    # non-negative samples: each pass's smallest non-zero result is bounded below
    smallest = nearest_zero if lowest >= 0 else None
    checks = {}
    for index, p in enumerate(passes):
        axis = p.axis - lead
        signed = smallest is None or bool((p.weights.weights < 0).any())
        exact = {a - lead: rows for a, rows in proven.items() if a in {q.axis for q in passes[:index + 1]}}
        checks[axis] = _Float32Check(p.weights, axis, exact, largest, None if signed else smallest)
        largest *= gains[index]
        if not signed:
            smallest *= float(np.min(p.weights.weights, where=p.weights.weights > 0, initial=1.0))
        else:
            smallest = None

    def compute(item, start, stop, out, sums):
        low, high = sums[0].span(start, stop)
        values = item[low:high]  # float32: converted where a product needs it (the banded ones, as they start)
        for axis_plan in passes:
            axis = axis_plan.axis - lead
            check = checks[axis]
            table = strip_table(axis_plan.weights, axis, start, stop, low)
            if check.direct:
                values = _tap_sums(values, axis, table, out if axis_plan is passes[-1] else None)
                continue
            summed = banded(values, sums, axis, start, stop, low)
            target = out if axis_plan is passes[-1] else np.empty(summed.shape, np.float32)
            np.copyto(target, summed, casting="same_kind")
            near = check.uncertain(summed, target, values, start, stop, low)
            if near.size:
                np.put(target, near, _exact_sums(values, axis, table, near, summed.shape))
            values = target

    return strips(array, passes, plan.out_shape, compute)


def _halves(table: AxisWeights) -> bool:
    """Whether every output of a pass is ``0.5·x[2d] + 0.5·x[2d + 1]`` (a box filter halving the length)."""
    if table.n_in != 2 * table.n_out or table.taps.shape[1] < 2:
        return False
    pairs = 2 * np.arange(table.n_out)
    return bool((table.taps[:, 0] == pairs).all() and (table.taps[:, 1] == pairs + 1).all()
                and (table.weights[:, :2] == 0.5).all() and (table.weights[:, 2:] == 0).all())


def _pillow_float32_halves(array: np.ndarray, passes) -> np.ndarray:
    """Pillow's ``F`` passes that each halve a length with a box filter, in float32: ``(x[2d] + x[2d + 1])·0.5``.

    Pillow stores ``(float)(0.0 + x₀·0.5 + x₁·0.5)``: the halves are exact,
    and their double sum rounds to float32 as the float32 sum does (it is
    exact in double unless one sample is below 2⁻²⁸ of the other, too
    little to move a float32 rounding), so both round once, to the same
    value. Halving after the rounding is the same as before it while the
    results stay normal, which samples of at least 2⁻¹⁰⁰ (or 0) and below
    2¹²⁶ guarantee; the ``+ 0.0`` gives Pillow's +0.0 for a sum of −0.0.
    """
    values = array
    for p in passes:
        index = (slice(None),) * p.axis
        total = np.add(values[index + (slice(0, None, 2),)], values[index + (slice(1, None, 2),)])
        total += np.float32(0.0)
        total *= np.float32(0.5)
        values = total
    return values


def _tap_sums(values: np.ndarray, axis: int, table: AxisWeights, out: np.ndarray | None) -> np.ndarray:
    """Pillow's ``(float)(0.0 + Σ x·w)`` along ``axis``, tap after tap in double (:func:`apply_axis`), stored
    into float32 ``out`` (or a new array) as the ``+ 0.0`` is added: a sum of −0.0 terms is +0.0."""
    summed = apply_axis(values, axis, table)
    if out is None:
        out = np.empty(summed.shape, np.float32)
    np.add(summed, 0.0, out=out, casting="same_kind")
    return out


def _exact_indices(passes, smallest: float, largest: float) -> dict:
    """Per pass axis, the output indices whose sums are exact in double in any order, after the passes before,
    for float32 samples of magnitudes ``smallest`` (non-zero) to ``largest``.

    Every float32 sample is a multiple of ``q = ulp(smallest non-zero |x|)``;
    a row whose weights are multiples of ``2⁻ᵇ`` makes multiples of
    ``q·2⁻ᵇ``, exact while below ``2⁵³`` of them. An exact pass's float32
    results are multiples of the same quantum, the next pass's input.
    """
    if not math.isfinite(smallest):  # all zero: every sum is exact
        return {p.axis: np.ones(p.weights.n_out, bool) for p in passes}
    quantum = sample_quantum(smallest, np.float32)
    bound, found = largest, {}
    for p in passes:
        bits = row_bits(p.weights.weights)
        gains = np.abs(p.weights.weights).sum(axis=1)
        exact = found[p.axis] = _provably_exact(bits, gains, bound, quantum)
        quantum *= 2.0 ** -int(bits[exact].max(initial=0))
        bound *= float(gains.max())
    return found


def _slices(shape: tuple, indices: dict) -> np.ndarray:
    """Flat indices of an array of ``shape``: every one whose index along some axis ``a`` is in ``indices[a]``."""
    chosen = np.zeros(shape, bool)
    for axis, index in indices.items():
        chosen[(slice(None),) * axis + (index,)] = True
    return np.flatnonzero(chosen)


class _Float32Check:
    """Which float32 outputs of one pass are not proven equal to Pillow's (see :func:`_pillow_float32`).

    ``largest`` bounds the pass's input samples, ``smallest`` their smallest
    non-zero magnitude (``None`` for signed weights or samples).
    """

    def __init__(self, table: AxisWeights, axis: int, exact: dict, largest: float, smallest: float | None):
        self.axis = axis
        taps = table.taps.shape[1]
        gamma = 2 * taps * 2.0**-53 / (1 - taps * 2.0**-53) * (1 + 2.0**-10)
        self.bits = row_bits(table.weights)
        self.gains = np.abs(table.weights).sum(axis=1)
        if smallest is None:
            # |sum| at least ``cancellation``·A keeps 2γ·A within SIGNED_ULPS units of the sum; A is at
            # most the gain times the largest sample, or, where that is not enough, a float32 product
            self.ulps = SIGNED_ULPS
            self.cancellation = gamma * 2.0**53 / SIGNED_ULPS
            self.small = self.cancellation * float(self.gains.max()) * largest + FLOAT32_TINY
            self.magnitudes = table.magnitudes()
            self.proven_rows = None
        else:  # A is the sum itself, at least 2⁵² units of its last place; no sum but 0 is below this
            self.ulps = math.ceil(gamma * 2.0**53)
            lowest = smallest * float(np.min(np.abs(table.weights), where=table.weights != 0, initial=1.0))
            self.small = FLOAT32_TINY if lowest < FLOAT32_TINY else 0.0
            # every non-zero sample is at least ``smallest``: a multiple of that float32's last place
            quantum = sample_quantum(smallest, np.float32) if math.isfinite(smallest) else 1.0
            self.proven_rows = _provably_exact(self.bits, self.gains, largest, quantum)
            self.magnitudes = None
        # the samples this pass reads are Pillow's own (earlier passes are exact or summed again), so
        # without a proof over all passes, this pass's own one serves
        self.exact = exact or ({} if self.proven_rows is None else {axis: self.proven_rows})
        # enlarging with two taps, not proven exact: Pillow's own two products and one sum cost less
        # than checking (and, on samples with few distinct values, than summing again the many near ties)
        proven = self.exact and sum(np.mean(~rows) for rows in self.exact.values()) <= BORDER_SHARE
        self.direct = taps <= DIRECT_TAPS and table.n_out >= table.n_in and not proven

    def uncertain(self, summed, stored, values, start, stop, low) -> np.ndarray:
        """Flat indices of the strip's outputs ``summed`` (rows from ``start``, ``stored`` as float32) to sum again."""
        exact = {a: rows[start:start + summed.shape[0]] if a == 0 else rows for a, rows in self.exact.items()}
        inexact = {a: np.flatnonzero(~rows) for a, rows in exact.items()}
        if exact and sum(len(i) / len(exact[a]) for a, i in inexact.items()) <= BORDER_SHARE:
            # proven but for a few rows and columns (the borders): those are summed again, all of them
            return _slices(summed.shape, inexact)
        flags = self._flags(summed, stored, values, start, stop, low)
        few_proven = exact and math.prod(float(rows.mean()) for rows in exact.values()) < 0.5
        if np.count_nonzero(flags) > summed.size * MANY_TIES and not few_proven:
            # many outputs on a rounding boundary are exact ties: drop those whose sums are proven exact
            # (where few are proven, summing the ties again costs less than sorting them out)
            if not exact:
                rows = self._exact_rows(values)
                exact = {self.axis: rows[start:stop] if self.axis == 0 else rows}
            proven = True
            for a, rows in exact.items():
                proven = proven & rows.reshape((-1,) + (1,) * (summed.ndim - a - 1))
            flags &= ~proven
        return np.flatnonzero(flags)

    def _exact_rows(self, values: np.ndarray) -> np.ndarray:
        """Outputs of this pass whose sums are exact in any order on ``values`` (float32 samples)."""
        smallest, largest = _magnitudes(values)
        if not math.isfinite(smallest):
            return np.ones(len(self.bits), bool)
        return _provably_exact(self.bits, self.gains, largest, sample_quantum(smallest, np.float32))

    def _flags(self, summed, stored, values, start, stop, low) -> np.ndarray:
        """Outputs near a float32 rounding boundary, or too small for the test (judged on the float32 ``stored``)."""
        flags = near_midpoints(summed, self.ulps, np.float32)
        if self.small:
            # |sum| < small implies |float32(sum)| <= float32(small) rounded up
            small = np.abs(stored) <= np.nextafter(np.float32(self.small), np.float32(np.inf))
            if self.magnitudes is not None and np.count_nonzero(small) > summed.size * MANY_TIES:
                # much cancellation (or many zeros): the magnitudes themselves tell which sums are near 0;
                # the margin covers their float32 product's own error
                product = BandedSum(self.magnitudes, self.axis, np.float32)
                magnitude = product(np.abs(values), start, stop, low) if self.axis == 0 else product(np.abs(values))
                magnitude *= self.cancellation * (1 + 2.0**-12)
                magnitude += FLOAT32_TINY
                small = np.abs(stored) <= magnitude
            flags |= small
        return flags


def _magnitudes(values: np.ndarray) -> tuple[float, float]:
    """The smallest non-zero magnitude of ``values`` (infinite when all are 0) and the largest."""
    return smallest_magnitude(values), float(np.abs(values).max(initial=0.0))


def _provably_exact(bits: np.ndarray, gains: np.ndarray, largest: float, quantum: float) -> np.ndarray:
    """Rows whose weights (multiples of ``2⁻ᵇⁱᵗˢ``, ``Σ|w| = gains``) sum samples that are multiples of
    ``quantum`` up to ``largest`` exactly: every term and partial sum is a multiple of ``quantum·2⁻ᵇⁱᵗˢ``
    below ``2⁵³`` of them."""
    return (bits <= 53) & (gains * largest * 2.0 ** np.minimum(bits, 53) < 2.0**53 * quantum)


def _pillow_8bit(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """``ImagingResample`` on 8-bit samples: every pass rounds half up and clips to 0…255.

    A pass is ``floor(Σ x·w/2²² + 0.5)`` with Pillow's integer weights
    ``w``: the engine's own rounding of its own sum, so each pass runs as
    the engine's filters do, in float32 with a proven error bound, and the
    few outputs too close to a rounding boundary are summed again exactly.
    Where most of a pass's rows are not exact in float32 (bilinear at ×1.5:
    22-bit thirds), nearly every output would be summed again; the passes
    run in float64 instead, where every product ``x·w`` is below 2³⁰ and
    every sum far below 2⁵³, so the banded products are Pillow's integer
    accumulator exactly, in any order, with nothing to check.
    """
    reduces = leading_reduces(plan)
    if reduces:
        array = _pillow_reduce(array.astype(np.int64), reduces).astype(np.uint8)
    passes = fixed_passes(plan.axes[len(reduces):], lambda w: pillow_fixed_weights(w) * 2.0**-22)
    if not passes:
        return array
    out_shape = list(array.shape)
    for p in passes:
        out_shape[p.axis] = p.weights.n_out
    lead = min(p.axis for p in passes)
    rounding = {}
    for p in passes:
        axis = p.axis - lead
        arithmetic = rounding[axis] = IntegerCertificate.choose(array.dtype, 255.0, [(axis, p.weights)], widen=False)
        if arithmetic.tolerance:
            # exact in float32: rows whose weights have at most 15 fractional bits and whose every
            # partial sum stays under 512 (255·Σ|w| < 2⁹, so multiples of 2⁻¹⁵ fit 24 bits); the
            # choice above counts the border's 22-bit rows against every row
            fixed = np.rint(p.weights.weights * 2.0**22).astype(np.int64)
            lowest = np.where(fixed == 0, 1 << 22, fixed & -fixed)
            small = 255 * np.abs(p.weights.weights).sum(axis=1) < 512
            exact = arithmetic.exact_rows[axis] = (np.log2(lowest.min(axis=1)) >= 22 - 15) & small
            if not exact.mean() > 0.5:
                # measured: the float64 products cost less than checking most outputs of a pass
                return strips(array, passes, tuple(out_shape), rounded_strip(passes, lead))
            if axis:  # the rows of a strip that another axis's pass crosses have no inexact index
                arithmetic.exact_rows[0] = np.ones(max(array.shape[lead], out_shape[lead]), bool)

    def compute(item, start, stop, out, sums):
        values, low = strip_rows(item, sums, start, stop)
        for axis_plan in passes:
            axis = axis_plan.axis - lead
            summed = banded(values, sums, axis, start, stop, low)
            table = strip_table(axis_plan.weights, axis, start, stop, low)
            target = out if axis_plan is passes[-1] else np.empty(summed.shape, np.uint8)
            rounding[axis].store(summed, target, 0 if axis else start,
                                 lambda where, v=values, shape=summed.shape: _exact_sums(v, axis, table, where, shape))
            values = target.astype(np.float32)

    # float32 sums stored as 8-bit samples: strips twice as long as for float64 work (measured: 20 % faster at
    # bicubic ×2, where OpenCV's passes, with their wider temporaries, are faster in the shorter ones)
    return strips(array, passes, tuple(out_shape), compute, np.float32, itemsize=4)


def _exact_sums(values: np.ndarray, axis: int, table: AxisWeights, where, shape: tuple) -> np.ndarray:
    """``Σ_k weights · values[taps]`` along ``axis`` in float64, taps in order, at the outputs ``where`` only.

    ``where`` holds flat indices (or a tuple of coordinates) into the pass's output, of ``shape``.
    """
    if isinstance(where, tuple):
        where = np.ravel_multi_index(where, shape)
    inner = math.prod(shape[axis + 1:])
    outer, rest = np.divmod(where, shape[axis] * inner)
    index, rest = np.divmod(rest, inner)
    base = outer * (values.shape[axis] * inner) + rest
    flat = np.ascontiguousarray(values).reshape(-1)
    total = np.zeros(len(where))
    # one tap at a time from contiguous columns: gathering whole rows of the table is several times slower
    for taps, weights in zip(np.ascontiguousarray(table.taps.T), np.ascontiguousarray(table.weights.T)):
        total += np.take(flat, base + np.take(taps, index) * inner) * np.take(weights, index)
    return total


def premultiplies(plan: ResizePlan) -> bool:
    """Whether Pillow's RGBA resize premultiplies for ``plan``: every filter does, even where each output
    copies one pixel (a 1-pixel input); ``NEAREST`` and an image resized to its own size do not."""
    return plan.options.mode != "nearest" and bool(plan.axes)


def pillow_premultiplied(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Pillow's RGBA resize: ``RGBA → RGBa``, resize every channel, ``RGBa → RGBA``.

    Premultiplying rounds ``c·a/255`` to nearest (Pillow's ``MULDIV255``);
    unpremultiplying is ``min(255, c·255 // a)`` (kept as is where alpha is 0).
    ``NEAREST`` moves whole pixels and skips both conversions, and an image
    resized to its own size is copied as it is.
    """
    if not premultiplies(plan):
        return execute(array, plan)
    values = array.astype(np.int64)
    alpha = values[..., -1:]
    product = values[..., :-1] * alpha + 128
    values[..., :-1] = (product + (product >> 8)) >> 8
    resized = execute(values.astype(array.dtype), plan).astype(np.int64)
    alpha = resized[..., -1:]
    colour = np.minimum(resized[..., :-1] * 255 // np.maximum(alpha, 1), 255)
    colour = np.where(alpha > 0, colour, resized[..., :-1])
    resized[..., :-1] = colour
    return resized.astype(array.dtype)


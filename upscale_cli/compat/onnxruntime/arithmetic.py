"""onnxruntime's own arithmetic (1.32, CPU): the float32 steps of its antialiased filter, and the kernels
it runs on integer tensors, bit for bit."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ...core.errors import UsageError
from ...core.plan import AxisPlan, ResizeOptions, ResizePlan
from ...core.sizes import AxisSize
from ...core.weights import AxisWeights
from ...engine.apply import apply_plan
from ...engine.certify import row_bits
from ...engine.strips import in_strips
from ..base.arithmetic import banded, fixed_weights, round_half_away, strip_rows, strips
from ..base.arithmetic import execute as shared_execute

F32 = np.float32
#: Output samples per chunk of an antialiased pass on integers (its int64 sums: 4 MiB).
STRIP_SAMPLES = 1 << 19


def _filter(t: np.ndarray, options: ResizeOptions) -> np.ndarray:
    """The antialias kernels' ``Filter`` on float32 ``|t|``: Keys with ``cubic_coeff_a``, or the triangle."""
    if options.mode == "bicubic":
        a = F32(options.cubic_a)
        return np.where(t < 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                        np.where(t < 2, (((t - 5) * t + 8) * t - 4) * a, F32(0)))
    return np.where(t < 1, 1 - t, F32(0))


def antialias_window(x: np.ndarray, scale: np.float32, options: ResizeOptions) -> tuple:
    """Where ``SetupUpsampleFilterAntiAlias`` starts, in float32: ``(r, support, inverse, centre, first)``, the
    inverse scale, the kernel's half-width, its argument's factor, each output's centre and first tap."""
    r = F32(1) / scale
    support = F32(2 if options.mode == "bicubic" else 1) * (r if r >= 1 else F32(1))
    inverse = F32(1) / r if r >= 1 else F32(1)
    centre = x.astype(F32) + F32(0.5)
    return r, support, inverse, centre, np.floor(centre - support + F32(0.5)).astype(np.int64)


def kernel_values(window: np.ndarray, count: np.ndarray, centre: np.ndarray, inverse, options: ResizeOptions):
    """The float32 kernel at every tap of ``window`` (one row per output), 0 beyond each row's ``count`` taps."""
    t = np.abs((window.astype(F32) - centre[:, None] + F32(0.5)) * inverse).astype(F32)
    return np.where(np.arange(window.shape[1]) < count[:, None], _filter(t, options), F32(0)).astype(F32)


def inverse_totals(values: np.ndarray) -> np.ndarray:
    """``1 / Σ values`` per row, summed tap after tap in float32 (1 where the sum is 0)."""
    total = np.zeros(len(values), F32)
    for k in range(values.shape[1]):
        total = total + values[:, k]
    return F32(1) / np.where(total == 0, F32(1), total)


# -- integer tensors ----------------------------------------------------------
#
# onnxruntime resizes uint8, int8 and int32 tensors with kernels of their own (measured against 1.32):
# which one depends on the rank and on which axes have a scale other than 1, as in ``Upsample::BaseCompute``.


@dataclass(frozen=True)
class IntegerKernel:
    """The onnxruntime CPU kernel that resizes an integer tensor, and what it needs.

    Attributes
    ----------
    name : str
        ``nearest``, ``bilinear`` (float32 sum of the 2ⁿ corner terms),
        ``nhwc-fixed`` (10-bit weights, uint8/int8 ``NhwcUpsampleBilinearInteger``)
        or ``antialias`` (a fixed-point or float32 pass per axis).
    axes : tuple of int
        The array axes the kernel interpolates, outermost first (the
        kernel's z, y, x); axes among them whose scale is 1 map ``d`` to ``d``.
    scales : tuple of float32
        onnxruntime's scale of each of ``axes``.
    coordinates : tuple of ndarray
        The float32 source coordinate of every output along each of ``axes``.
    fill : float or None
        ``extrapolation_value`` (``tf_crop_and_resize``).
    lengths, out_lengths : tuple of int
        The input and output lengths of each of ``axes`` (a band of rows has fewer).
    rows : AxisWeights or None
        The plan's table along array axis 0, when it is one of ``axes``: it
        tells which output rows a band (:func:`~upscale_cli.engine.bands.band_plan`)
        makes and from which input row its input starts.
    """

    name: str
    axes: tuple[int, ...]
    scales: tuple
    coordinates: tuple
    fill: float | None
    lengths: tuple[int, ...] = ()
    out_lengths: tuple[int, ...] = ()
    rows: AxisWeights | None = None

    def band(self, plan: ResizePlan) -> tuple[IntegerKernel, int]:
        """This kernel cut to ``plan``, a band of output rows of the whole, and the band's first input row.

        The band's table is rows ``start:stop`` of the whole one: the first
        ``start`` whose rows have the band's coordinates and weights (rows
        that agree on both give equal outputs).
        """
        if self.axes[0] != 0 or (plan.in_shape[0], plan.out_shape[0]) == (self.lengths[0], self.out_lengths[0]):
            return self, 0
        if self.rows is None:
            # an outer axis of the kernel that is not resized: its last row is weighted 0.5 + 0.5
            raise ValueError("onnxruntime's integer kernels resize this layout whole, not in bands")
        cut = next(p.weights for p in plan.axes if p.axis == 0)
        count = cut.n_out
        for start in np.flatnonzero(self.rows.coordinates == cut.coordinates[0]):
            stop = start + count
            if (np.array_equal(self.rows.coordinates[start:stop], cut.coordinates)
                    and np.array_equal(self.rows.weights[start:stop], cut.weights)):
                break
        else:
            raise ValueError("the plan is not a band of this kernel's rows")
        coordinates = (self.coordinates[0][start:stop], *self.coordinates[1:])
        return replace(self, coordinates=coordinates), int(self.rows.taps[start:stop].min())


def c_cast(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``static_cast<T>`` of float32 values as x86-64 compiles it: truncated to a 32-bit integer
    (``cvttss2si``; out of range gives −2³¹), then its low bits (so −7.0 in uint8 is 249)."""
    t = np.trunc(values.astype(np.float64))
    t = np.where((t >= -(2.0**31)) & (t < 2.0**31), t, -(2.0**31)).astype(np.int64)
    return t.astype(dtype)


def linear_params(x: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``SetupUpsampleBilinear`` for one axis: taps ``i1, i2`` and float32 weights ``w1`` (of ``i1``), ``w2``.

    The coordinate is clamped to the input; at the last pixel both taps are
    that pixel, weighted 0.5 each (as onnxruntime writes it, not 1 and 0).
    """
    x = np.clip(x.astype(F32), F32(0), F32(n_in - 1))
    i1 = np.minimum(x.astype(np.int64), n_in - 1)
    i2 = np.minimum(i1 + 1, n_in - 1)
    w1 = np.abs(i2.astype(F32) - x).astype(F32)  # dx2: the weight of i1
    w2 = np.abs(x - i1.astype(F32)).astype(F32)
    same = i1 == i2
    w1[same] = F32(0.5)
    w2[same] = F32(0.5)
    return i1, i2, w1, w2


def _corner_sum(item: np.ndarray, params: list, axes: tuple[int, ...]) -> np.ndarray:
    """``UpsampleBilinear`` / ``UpsampleTrilinear``: the float32 sum of the 2ⁿ corner terms
    ``fl(fl(wx·wy)·wz)·X`` (each rounded), x varying fastest, added in that order.

    ``params`` holds :func:`linear_params` of each of ``axes`` (outermost first).
    """
    n = len(axes)
    convert = item.dtype.itemsize > 2  # int32 · float32 would promote to float64: convert first, as C does
    last = axes[-1]
    if n > 1 and last == item.ndim - 1:
        i1, i2, w1, w2 = params[-1]
        plain = (len(i1) == item.shape[-1]) & (i1 == np.arange(len(i1))) & (w1 == 1) & (w2 == 0)
        if plain.any():
            # an innermost axis copied (an H×W×C tensor's channels, scale 1): where one tap weighs 1 and the
            # other 0, the other's terms are zeros, which leave the sum (but the sign of a zero sum, which
            # the integer store drops), so the sum over the other axes in the same order is onnxruntime's;
            # the rest (the last channel: itself twice, at 0.5) is summed over every axis
            total = _corner_sum(item, params[:-1], axes[:-1])
            rest = np.flatnonzero(~plain)
            if rest.size:
                total[..., rest] = _corner_sum(item, [*params[:-1], tuple(p[rest] for p in params[-1])], axes)
            return total
    trailing = item.shape[last + 1:]
    if trailing:
        # the samples after the innermost axis (channels) join it: every product then runs along long
        # contiguous rows instead of a few channels at a time (3× the work on RGB, measured)
        count = math.prod(trailing)
        i1, i2, w1, w2 = params[-1]
        spread = np.arange(count)
        merged = [*params[:-1], ((i1[:, None] * count + spread).ravel(), (i2[:, None] * count + spread).ravel(),
                                 np.repeat(w1, count), np.repeat(w2, count))]
        total = _corner_sum(item.reshape(item.shape[:last] + (item.shape[last] * count,)), merged, axes)
        return total.reshape(total.shape[:last] + (len(i1),) + trailing)
    # samples and weights of every choice of taps along x, then (x, y), ...: each gathered once
    level = {(): (item, None)}
    for k in reversed(range(n)):
        i1, i2, w1, w2 = params[k]
        shape = [1] * item.ndim
        shape[axes[k]] = len(i1)
        following = {}
        for picks, (samples, weight) in level.items():
            for pick, (index, w) in enumerate(((i1, w1), (i2, w2))):
                w = w.reshape(shape)
                following[(pick, *picks)] = (np.take(samples, index, axis=axes[k]),
                                             w if weight is None else np.multiply(weight, w, dtype=F32))
        level = following
    total = None
    for picks in sorted(level):  # (z, y, x) picks: the innermost axis varies fastest
        samples, weight = level[picks]
        term = np.multiply(weight, samples.astype(F32) if convert else samples, dtype=F32)
        total = term if total is None else np.add(total, term, out=total)
    return total


def _copies(i1: np.ndarray, i2: np.ndarray, w2: np.ndarray, n_in: int) -> bool:
    """Whether an axis's taps and weights give every input sample back, unchanged (a scale-1 axis)."""
    return len(i1) == n_in and np.array_equal(i1, np.arange(n_in)) and bool(np.all((w2 == 0) | (i1 == i2)))


def _bilinear(array: np.ndarray, kernel: IntegerKernel, offset: int = 0) -> np.ndarray:
    """``UpsampleBilinear`` / ``UpsampleTrilinear`` on uint8, int8 or int32, truncated as ``static_cast<T>``.

    When every weight product, term and partial sum is exact in float32 (8-bit samples, weights with at
    most 16 fractional bits between them: ×2, ×½), the float32 sum is the exact separable sum: it is
    computed as the engine's banded passes and truncated. Otherwise each corner term is formed as
    onnxruntime forms it, in strips of the first axis on the engine's thread pool. ``offset`` is the
    first input row of a band (:meth:`IntegerKernel.band`).
    """
    params = [linear_params(x, n_in) for x, n_in in zip(kernel.coordinates, kernel.lengths)]
    if kernel.axes[0] == 0 and offset:
        i1, i2, w1, w2 = params[0]
        params[0] = (i1 - offset, i2 - offset, w1, w2)
    if kernel.axes[0] == 0:  # a band's input may end before a tap of weight 0
        i1, i2, w1, w2 = params[0]
        params[0] = (i1, np.minimum(i2, array.shape[0] - 1), w1, w2)
    out_shape = list(array.shape)
    for axis, (i1, _, _, _) in zip(kernel.axes, params):
        out_shape[axis] = len(i1)
    # the fractional bits of the float32 weights (more than 24 count as 25)
    bits = sum(min(int(row_bits(np.concatenate([w1, w2]).astype(np.float64).reshape(1, -1))[0]), 25)
               for _, _, w1, w2 in params)
    if array.dtype.itemsize == 1 and bits <= 16:
        passes = [
            AxisPlan(axis, "", AxisSize(array.shape[axis], len(i1), ""),
                     AxisWeights(array.shape[axis], len(i1), np.stack([i1, i2], axis=1),
                                 np.stack([w1, w2], axis=1).astype(np.float64), x, ""))
            for axis, x, (i1, i2, w1, w2) in zip(kernel.axes, kernel.coordinates, params)
            if not _copies(i1, i2, w2, array.shape[axis])
        ]
        if not passes:
            return array.copy()
        return truncated_sums(array, passes, tuple(out_shape))
    lead = kernel.axes[0]
    inner = tuple(axis - lead for axis in kernel.axes)

    def compute(item, start, stop, out):
        i1, i2, w1, w2 = params[0]
        low = int(min(i1[start:stop].min(), i2[start:stop].min()))
        high = int(max(i1[start:stop].max(), i2[start:stop].max())) + 1
        strip = [(i1[start:stop] - low, i2[start:stop] - low, w1[start:stop], w2[start:stop]), *params[1:]]
        total = _corner_sum(item[low:high], strip, inner)
        if array.dtype.itemsize == 1:  # within the type's range: C's conversion is NumPy's, truncation
            np.copyto(out, total, casting="unsafe")
        else:
            out[...] = c_cast(total, array.dtype)

    return in_strips(array, lead, tuple(out_shape), compute)


def nhwc_fixed_params(x: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``SetupUpsampleBilinearInteger`` for one axis: the taps of :func:`linear_params` and their 10-bit
    weights ``|⌊x·2¹⁰⌋ − i·2¹⁰|`` (``w1`` of ``i1``, ``w2``; 512 each at the last pixel)."""
    i1, i2, _, _ = linear_params(x, n_in)
    scaled = (np.clip(x.astype(F32), F32(0), F32(n_in - 1)) * F32(1024)).astype(np.int64)
    w1 = np.abs(scaled - i2 * 1024)
    w2 = np.abs(scaled - i1 * 1024)
    w1[i1 == i2] = 512
    w2[i1 == i2] = 512
    return i1, i2, w1, w2


def _nhwc_fixed(array: np.ndarray, kernel: IntegerKernel) -> np.ndarray:
    """``NhwcUpsampleBilinearInteger`` (uint8/int8, 4-D, scales on axes 1 and 2): the 10-bit weights of
    :func:`nhwc_fixed_params`, integer sum divided by 2²⁰ toward zero."""
    taps = []
    for axis, x in zip(kernel.axes, kernel.coordinates):
        i1, i2, w1, w2 = nhwc_fixed_params(x, array.shape[axis])
        taps.append(((i1, w1), (i2, w2)))
    (ya, yb), (xa, xb) = taps
    out_shape = (array.shape[0], len(ya[0]), len(xa[0]), array.shape[3])

    def compute(item, start, stop, out):  # in strips of output rows: the int64 sums stay small
        total = np.zeros(1, np.int64)
        for y_index, y_weight in (ya, yb):
            rows = np.take(item, y_index[start:stop], axis=0).astype(np.int64) * y_weight[start:stop, None, None]
            for x_index, x_weight in (xa, xb):
                total = total + np.take(rows, x_index, axis=1) * x_weight[:, None]
        out[...] = np.sign(total) * (np.abs(total) >> 20)

    return in_strips(array, 1, out_shape, compute)


def antialias_table(
    x: np.ndarray, n_in: int, scale: np.float32, options: ResizeOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``SetupUpsampleFilterAntiAlias`` as onnxruntime keeps it: the taps ``low … high − 1`` of every
    output (its ``bound``) and their float32 weights (zero-padded), outside taps folded onto the edge in
    float32 *before* normalising (or dropped with ``exclude_outside``)."""
    r, support, inverse, centre, first = antialias_window(x, scale, options)
    window = int(np.ceil(support)) * 2 + 1
    last = first + np.clip(np.floor(centre + support + F32(0.5)).astype(np.int64) - first, 0, window)
    low, high = np.clip(first, 0, n_in), np.clip(last, 0, n_in)
    start = low if options.exclude_outside else first
    count = (high if options.exclude_outside else last) - start
    width = max(int(count.max()), 1)
    values = kernel_values(start[:, None] + np.arange(width), count, centre, inverse, options)
    totals = inverse_totals(values)  # of the kernel's values before folding, as onnxruntime divides
    rows = np.arange(len(x))
    if not options.exclude_outside:
        fold = low < high
        left = np.where(fold, np.clip(-start, 0, count - 1), 0)
        for k in range(int(left.max(initial=0))):
            add = k < left
            values[rows[add], left[add]] += values[rows[add], k]
        right = np.where(fold, np.clip(count + start - n_in, 0, count - 1), 0)
        edge = count - right - 1
        for k in range(width):
            add = (k >= count - right) & (k < count) & (right > 0)
            values[rows[add], edge[add]] += values[rows[add], k]
        shifted = np.zeros_like(values)
        for k in range(width):
            source = np.minimum(k + left, width - 1)
            shifted[:, k] = values[rows, source]
        values = shifted
    values = np.where(np.arange(width) < (high - low)[:, None], values, F32(0)).astype(F32)
    weights = (values * totals[:, None]).astype(F32)
    return low, high, weights


def _antialias_pass(array: np.ndarray, axis: int, low: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One pass of ``ComputeInterpolationAtLevel1/2``, stored in the tensor's type.

    uint8/int8: weights ``round(w·2²²)``, ``(2²¹ + Σ X·w) >> 22`` clipped to 0…255 (the uint8 table,
    for int8 too: negative results become 0); int32: a float32 sum in tap order, ``std::round``.
    """
    values = np.moveaxis(array, axis, -1)
    result = np.empty(values.shape[:-1] + (len(low),), array.dtype)
    # a few lines of the other axes at a time: the wide sums of the whole tensor would be several times its size
    lines = values.reshape(-1, values.shape[-1])
    out = result.reshape(-1, len(low))
    step = max(1, STRIP_SAMPLES // max(len(low), 1))
    for start in range(0, len(lines), step):
        out[start:start + step] = _antialias_lines(lines[start:start + step], low, weights)
    return np.moveaxis(result, -1, axis)


def _antialias_lines(lines: np.ndarray, low: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`_antialias_pass` along the rows of 2-D ``lines``."""
    width = weights.shape[1]
    padded = np.concatenate([lines, np.zeros((len(lines), width), lines.dtype)], axis=-1)
    if lines.dtype.itemsize == 1:
        fixed = fixed_weights(weights.astype(np.float64), 22)
        total = np.full((len(lines), len(low)), 1 << 21, np.int64)
        for k in range(width):
            total += np.take(padded, low + k, axis=-1).astype(np.int64) * fixed[:, k]
        return np.clip(total >> 22, 0, 255)
    total = np.zeros((len(lines), len(low)), F32)
    for k in range(width):
        total = total + np.take(padded, low + k, axis=-1).astype(F32) * weights[:, k]
    rounded = round_half_away(total.astype(np.float64))
    if rounded.size and (rounded.min() < -(2.0**31) or rounded.max() >= 2.0**31):
        raise UsageError("--compat onnxruntime: onnxruntime 1.32 fails on this int32 resize (narrowing_error: "
                         "the cubic overshoot leaves the int32 range)")
    return rounded


def _antialias(array: np.ndarray, kernel: IntegerKernel, options: ResizeOptions, offset: int = 0) -> np.ndarray:
    """``UpsampleBaseAntiAlias``: x, then y, then z, each pass stored in the tensor's type; an axis
    that keeps its length is copied."""
    for axis, scale, x, n_in, n_out in reversed(list(zip(kernel.axes, kernel.scales, kernel.coordinates,
                                                         kernel.lengths, kernel.out_lengths))):
        if n_out == n_in:
            continue
        low, _, weights = antialias_table(x, n_in, scale, options)
        array = _antialias_pass(array, axis, low - (offset if axis == 0 else 0), weights)
    return array


def integer_resize(array: np.ndarray, plan: ResizePlan, kernel: IntegerKernel) -> np.ndarray:
    """Resize an integer ``array`` as onnxruntime's kernel ``kernel`` does (floats: the preset's float plan)."""
    if array.dtype.kind not in "ui":
        return shared_execute(array, plan.defined())
    kernel, offset = kernel.band(plan)
    if kernel.name == "nearest":
        result = apply_plan(array, plan.defined(fill=None))
    elif kernel.name == "nhwc-fixed":
        result = _nhwc_fixed(array, kernel)
    elif kernel.name == "antialias":
        result = _antialias(array, kernel, plan.options, offset)
    else:
        result = _bilinear(array, kernel, offset)
    if kernel.fill is not None:
        value = c_cast(np.array([kernel.fill], F32), array.dtype)[0]
        result = np.ascontiguousarray(result)
        target = result.reshape(_extrapolation_shape(kernel, result.shape))  # a view: contiguous
        for axis, outside in _outside(kernel):
            index = [slice(None)] * target.ndim
            index[axis] = outside
            target[tuple(index)] = value
    return result


def _extrapolation_shape(kernel: IntegerKernel, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape onnxruntime fills the extrapolated outputs of a ``shape`` output in.

    ``NhwcUpsampleBasicAntiAlias`` hands its N, H, W, C output to
    ``HandleExtrapolation``, which fills it as if it were N·C planes of H×W:
    the extrapolation lands where NCHW would put it.
    """
    if kernel.name == "antialias" and kernel.axes == (1, 2):
        n, height, width, channels = shape
        return n * channels, height, width
    return shape


def _outside(kernel: IntegerKernel) -> list[tuple[int, np.ndarray]]:
    """Each axis of the kernel (of :func:`_extrapolation_shape`) that is resized, and which of its outputs
    lie outside the input: those take ``extrapolation_value``."""
    return [(axis, (x < 0) | (x > n_in - 1))
            for axis, scale, x, n_in in zip(kernel.axes, kernel.scales, kernel.coordinates, kernel.lengths)
            if scale != 1]


def extrapolated(kernel: IntegerKernel, shape: tuple[int, ...], index: tuple[int, ...]) -> bool:
    """Whether output ``index`` of a whole ``shape`` output takes ``extrapolation_value`` (where
    :func:`integer_resize` fills it)."""
    if kernel.fill is None:
        return False
    view = np.unravel_index(np.ravel_multi_index(index, shape), _extrapolation_shape(kernel, shape))
    return any(bool(outside[view[axis]]) for axis, outside in _outside(kernel))


def truncated_sums(array: np.ndarray, passes, out_shape: tuple[int, ...]) -> np.ndarray:
    """The passes' banded sums in float32, truncated toward zero once (C's ``static_cast`` of a float).

    For callers that have proven every sum exact in float32 (8-bit samples,
    weights with few fractional bits): then the order of the additions
    does not matter and the result is the library's bit for bit.
    """
    lead = min(p.axis for p in passes)

    def compute(item, start, stop, out, sums):
        values, low = strip_rows(item, sums, start, stop)
        for axis_plan in passes:
            values = banded(values, sums, axis_plan.axis - lead, start, stop, low)
        np.trunc(values, out=values)
        np.copyto(out, values, casting="unsafe")

    return strips(array, passes, out_shape, compute, np.float32)


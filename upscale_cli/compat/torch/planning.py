"""PyTorch ``F.interpolate`` (CPU, ``torch`` 2.x), value for value.

* Output length: ``size`` as given; ``scale_factor`` S gives
  ``floor(n_in · S)`` (computed in double by ``F.interpolate``) and the
  ratio ``r = 1/S``, not ``n_in/n_out``.
* Precision: ratios and coordinates are computed in the tensor's "opmath"
  type (float64 for float64 tensors, float32 otherwise), except that the
  nearest modes round their source coordinate to float32 for every dtype,
  and their "small 2-D" recipe computes the ratio in float32 too.
* The nearest modes have two recipes. The "small 2-D" one serves
  contiguous 2-D tensors whose output lengths add up to at most 128
  (``out_h + out_w ≤ 128``) and channels-last tensors of 4 or more
  channels (an ``nhwc`` layout here); every other tensor (1-D, 3-D, larger
  2-D, channels-last with up to 3 channels) takes the general one.
  Measured on torch 2.13 CPU, whatever the dtype and batch.
* ``nearest`` = asymmetric + floor, ``floorf(f32(d · r))`` (a float64
  tensor's ``r`` is a double, the product still a float); the small 2-D kernel
  short-cuts ``n_out = n_in`` (copy) and ``n_out = 2·n_in`` (``d >> 1``),
  whatever the scale factor (12 rows at ``scale_factor`` 2.037 become 24
  rows ``d >> 1``, not ``floorf(d / 2.037)``).
* ``nearest-exact`` = half-pixel + round. The small 2-D kernel computes
  ``floorf(f32((d + 0.5) · r))``, the others
  ``floor(f32((d + 0.5) · r − 0.5) + 0.5)``; they differ at float32 ties
  (2 → 41, d = 20: index 0 in a small 2-D resize, 1 otherwise).
* ``linear``/``bilinear``/``trilinear``: half-pixel (``align_corners=False``)
  or align-corners, edge replicated; an axis whose length does not change is
  copied even when ``scale_factor`` is not 1.
* ``bicubic``: Keys a = −0.75, edge replicated, never copied (a same-length
  axis with ``scale_factor`` 1.1 is still resampled with ``r = 1/1.1``).
* ``antialias=True`` (bilinear, bicubic): Pillow's convolution with
  ``r`` as above and a = −0.5, outside taps dropped, on every axis that
  changes length; with ``align_corners=True`` the centre is still
  ``(d + 0.5)·r``, with ``r = (n_in − 1)/(n_out − 1)``. The float kernels
  of contiguous tensors share the generic 8-bit kernel's bug below: when
  the height pass reads a width of 1 (a width resized to 1, or an input 1
  wide), every output row repeats the first one (3 rows of width 3 → 6 × 1:
  six copies of the first output row, whatever ``size`` or
  ``scale_factor`` says); channels-last tensors (``nhwc``) are spared.
* ``area``: adaptive average pooling, ``in[floor(d·n_in/n_out) :
  ceil((d+1)·n_in/n_out)]`` averaged.
* uint8 ``bilinear``/``bicubic`` (2-D only; torch has no 8-bit ``linear``
  or ``trilinear``): a port of Pillow's ``ImagingResample``. Weights in
  double (``r`` too), the antialiased ones by Pillow's formula, the others
  by the float recipe with outside taps added into the edge tap; quantised
  to 16 bits (:func:`.arithmetic.torch_fixed_weights`); the width pass, then
  the height pass, each rounded and clipped to 8 bits; an axis whose length
  does not change is skipped, whatever the scale factor. This is the AVX2
  kernel's result (up to 4 channels on x86-64); the generic kernel (more
  channels, other CPUs) computes the same but for its bug: a contiguous
  tensor resized to a width of 1 repeats the first row's value. The preset
  follows x86-64 with AVX2: contiguous tensors of 5 or more channels
  repeat the first row, others do not.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ...core.errors import UsageError
from ...core.kernels import TRIANGLE, Kernel, keys_cubic
from ...core.plan import ResizeOptions, ResizePlan
from ...core.sizes import AxisSize
from ...core.weights import AxisWeights, filter_weights
from ..base.planning import Request, build_plan, check_knobs, round_coordinates, selection, unsupported
from .arithmetic import TORCH_8BIT, execute, torch_fixed_weights

LIBRARY = "torch"
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")
ALIGNS = ("half-pixel", "asymmetric", "align-corners")
LINEAR_MODES = ("linear", "bilinear", "trilinear")
#: The coordinate convention of each nearest mode.
NEAREST = {"nearest": ("asymmetric", "floor"), "nearest-exact": ("half-pixel", "round")}


#: The small 2-D nearest recipe's limit on ``out_h + out_w``.
SMALL_2D_OUTPUT = 128
#: Channels-last tensors of at least this many channels always take the small 2-D nearest recipe.
CHANNELS_LAST_KERNEL = 4


def small_2d(request: Request) -> bool:
    """True when torch's nearest kernels resize ``request`` with their small 2-D recipe.

    Channels after the spatial axes (``nhwc``) are a channels-last tensor.
    """
    if len(request.spatial) != 2:
        return False
    if _channels_last(request) >= CHANNELS_LAST_KERNEL:
        return True
    return sum(s.n_out for s in _sizes(request, np.float64)) <= SMALL_2D_OUTPUT


def _precision(request: Request, mode: str, small: bool):
    """float32, unless the tensor is float64 and the kernel computes in opmath (not the small 2-D nearest recipe)."""
    float32_nearest = mode.startswith("nearest") and small
    if float32_nearest or request.dtype is None or np.dtype(request.dtype) != np.float64:
        return np.float32
    return np.float64


def _sizes(request: Request, precision) -> list[AxisSize]:
    """Output lengths and the ratio ``r`` PyTorch maps with."""
    name = precision.__name__
    if request.size is not None:
        return [
            AxisSize(s.n_in, s.n_out, f"torch size {s.n_out}: r = {s.n_in}/{s.n_out} in {name}",
                     float(precision(s.n_in) / precision(s.n_out)))
            for s in request.sized_lengths()
        ]
    sizes = []
    for n_in, factor in zip(request.in_lengths, request.factors()):
        n_out = math.floor(n_in * factor)
        if n_out < 1:
            raise UsageError(f"scale {factor:g} leaves no pixels on an axis of {n_in} (torch floors n_in × S)")
        ratio = float(precision(1.0 / factor))
        sizes.append(AxisSize(
            n_in, n_out, f"torch scale_factor {factor:g}: n_out = floor({n_in} × {factor:g}) = {n_out}, r = 1/{factor:g} in {name}",
            ratio,
        ))
    return sizes


def coordinates(n_in: int, n_out: int, ratio: float, align: str, precision) -> np.ndarray:
    """``area_pixel_compute_source_index``: the source coordinate in ``precision``."""
    d = np.arange(n_out)
    if align == "align-corners":
        if n_out == 1:
            return np.zeros(1, dtype=precision)
        step = precision(n_in - 1) / precision(n_out - 1)
        return d.astype(precision) * step
    if align == "asymmetric":
        return d.astype(precision) * precision(ratio)
    # (d + 0.5) is a double in C++, so the product is rounded once, at the end.
    return ((d + 0.5) * float(precision(ratio)) - 0.5).astype(precision)


def nearest_index(n_in: int, n_out: int, ratio: float, mode: str, small: bool, precision) -> np.ndarray:
    """Index of the copied sample, exactly as PyTorch's CPU kernels compute it (``small``: the small 2-D kernel).

    The ratio is in ``precision``; the source coordinate is rounded to
    float32 whatever that precision (a float64 tensor's ratio is a double,
    its coordinate a float).
    """
    d = np.arange(n_out)
    r = float(precision(ratio))
    if mode == "nearest":
        if small and n_out == n_in:
            return d
        if small and n_out == 2 * n_in:
            return d >> 1
        return np.floor((d * r).astype(np.float32))
    if small:
        return np.floor(((d + 0.5) * r).astype(np.float32))
    return np.floor(((d + 0.5) * r - 0.5).astype(np.float32) + np.float32(0.5))


def area_weights(n_in: int, n_out: int) -> AxisWeights:
    """Adaptive average pooling: equal weights over ``[floor(d·n_in/n_out), ceil((d+1)·n_in/n_out))``."""
    d = np.arange(n_out, dtype=np.int64)
    start = (d * n_in) // n_out
    stop = -((-(d + 1) * n_in) // n_out)
    width = int(np.max(stop - start))
    window = start[:, None] + np.arange(width)
    inside = window < stop[:, None]
    weights = inside / (stop - start)[:, None]
    centres = (start + stop - 1) / 2
    return AxisWeights(
        n_in, n_out, np.minimum(window, n_in - 1), weights, centres,
        "torch area: adaptive average pooling over [floor(d·n_in/n_out), ceil((d+1)·n_in/n_out))",
    )


def _kernel(mode: str, cubic_a: float) -> Kernel:
    return TRIANGLE if mode in LINEAR_MODES else keys_cubic(cubic_a)


def axis_weights(size: AxisSize, options: ResizeOptions, precision, small: bool, copy: bool) -> AxisWeights:
    """The weight table of one axis (``small``: the small 2-D nearest kernel)."""
    n_in, n_out, ratio = size.n_in, size.n_out, size.ratio
    mode = options.mode
    if mode == "area":
        return area_weights(n_in, n_out)
    if mode in NEAREST:
        if (options.align, options.rounding) == NEAREST[mode]:
            index = nearest_index(n_in, n_out, ratio, mode, small, precision)
            formula = {"nearest": "floor(f32(d × r))", "nearest-exact": "floor(f32((d + 0.5) × r − 0.5) + 0.5)"}
            if small:
                formula = {"nearest": "floor(f32(d × r)), d itself at ×1 and d >> 1 at ×2",
                           "nearest-exact": "floor(f32((d + 0.5) × r))"}
            how = f"{formula[mode]}, r in {precision.__name__}{' (small 2-D recipe)' if small else ''}"
        else:
            x = coordinates(n_in, n_out, ratio, options.align, precision)
            index = round_coordinates(x, options.rounding)
            how = f"{options.align} in {precision.__name__}, {options.rounding}"
        x = coordinates(n_in, n_out, ratio, options.align, precision)
        return selection(n_in, index, x, f"torch {mode}: {how}")
    kernel = _kernel(mode, options.cubic_a)
    if copy:
        return selection(n_in, np.arange(n_in), np.arange(n_in), f"torch {mode}: same length, copied")
    if options.antialias:
        if options.align == "align-corners":  # the centre stays (d + 0.5)·r with the corner ratio
            ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        x = ((np.arange(n_out) + 0.5) * float(precision(ratio))).astype(precision) - 0.5
        weights = filter_weights(x.astype(np.float64), n_in, kernel, filter_scale=max(ratio, 1.0), border="renormalize")
        return _described(weights, f"torch antialias {mode}")
    x = coordinates(n_in, n_out, ratio, options.align, precision)
    border = "renormalize" if options.exclude_outside else "clamp"
    return _described(filter_weights(x.astype(np.float64), n_in, kernel, border=border), f"torch {mode}")


def _described(weights: AxisWeights, prefix: str) -> AxisWeights:
    return AxisWeights(weights.n_in, weights.n_out, weights.taps, weights.weights, weights.coordinates,
                       f"{prefix}: {weights.description}")


def plan(request: Request) -> ResizePlan:
    """The plan PyTorch's ``F.interpolate`` follows for ``request``."""
    check_knobs(LIBRARY, request.knobs, ("--exclude-outside",))
    mode = request.mode
    if mode not in MODES:
        raise unsupported(LIBRARY, "mode", mode, MODES)
    default_align, default_rounding = NEAREST.get(mode, ("half-pixel", "round"))
    align = request.align or default_align
    if align not in ALIGNS:
        raise unsupported(LIBRARY, "alignment", align, ALIGNS)
    antialias = bool(request.antialias) and mode in ("bilinear", "bicubic", "linear", "trilinear")
    options = ResizeOptions(
        mode=mode, align=align, rounding=request.rounding or default_rounding, antialias=antialias,
        cubic_a=request.cubic_a if request.cubic_a is not None else (-0.5 if antialias else -0.75),
        exclude_outside=bool(request.knobs.exclude_outside),
    )
    if _integer_kernels(request, mode):
        return _uint8_plan(request, options)
    small = small_2d(request)
    precision = _precision(request, mode, small)
    sizes = _sizes(request, precision)
    copies = [s.n_in == s.n_out and (mode in LINEAR_MODES or antialias) for s in sizes]
    tables = [axis_weights(size, options, precision, small, copy) for size, copy in zip(sizes, copies)]
    if antialias and len(sizes) == 2 and sizes[0].n_out == 1 and not copies[1] and _channels_last(request) < 2:
        tables[1] = _first_row_repeated(tables[1])
    return build_plan(request, LIBRARY, options, list(zip(range(len(sizes)), sizes, tables)))


def _first_row_repeated(weights: AxisWeights) -> AxisWeights:
    """The height pass over a width of 1 in torch's antialiased float and generic 8-bit kernels: row 0 everywhere."""
    def repeat(rows: np.ndarray) -> np.ndarray:
        return np.repeat(rows[:1], weights.n_out, axis=0)

    return replace(
        weights, taps=repeat(weights.taps), weights=repeat(weights.weights),
        counts=None if weights.counts is None else repeat(weights.counts),
        description=f"{weights.description}; a width of 1: every row repeats the first (torch's kernel)",
    )


def _integer_kernels(request: Request, mode: str) -> bool:
    """True when PyTorch resizes ``request`` with its 8-bit kernels (uint8, 2-D, bilinear or bicubic).

    ``--exclude-outside``, which PyTorch does not have, keeps the float
    plan (its sums rounded once).
    """
    filtering = mode in LINEAR_MODES or mode == "bicubic"
    torch_only = not request.knobs.exclude_outside
    return filtering and torch_only and request.dtype == np.uint8 and len(request.spatial) == 2


def _uint8_plan(request: Request, options: ResizeOptions) -> ResizePlan:
    """The 8-bit kernels' plan: width first, then height, a same-length axis skipped."""
    passes = []
    for i, size in enumerate(_sizes(request, np.float64)):
        if size.n_in == size.n_out:
            table = selection(size.n_in, np.arange(size.n_in), np.arange(size.n_in),
                              f"torch uint8 {options.mode}: same length, skipped")
        else:
            table = uint8_weights(size, options)
            if i == 1 and passes[0][1].n_out == 1 and _generic_uint8_kernel(request):
                table = _first_row_repeated(table)
        passes.append((i, size, table))
    return build_plan(request, LIBRARY, options, passes, arithmetic=TORCH_8BIT, executor=execute)


#: The most channels PyTorch's vector 8-bit kernel takes; more go to the generic kernel.
VECTOR_UINT8_CHANNELS = 4


def _generic_uint8_kernel(request: Request) -> bool:
    """Whether a contiguous tensor (channels before the spatial axes) has too many channels for the vector kernel."""
    first = min(request.spatial)
    return _channels_last(request) < 2 and first > 0 and request.shape[first - 1] > VECTOR_UINT8_CHANNELS


def _channels_last(request: Request) -> int:
    """The channels after the spatial axes (an ``nhwc`` array is a channels-last tensor); 1 when there are none.

    A tensor of one channel is contiguous in both memory formats; PyTorch
    then takes its contiguous kernels.
    """
    return math.prod(request.shape[max(request.spatial) + 1:])


def uint8_weights(size: AxisSize, options: ResizeOptions) -> AxisWeights:
    """One axis of ``compute_index_ranges_int16_weights``: torch's double weights, quantised.

    The ratio is torch's double ``r`` (``1/S`` with a scale factor,
    ``(n_in − 1)/(n_out − 1)`` with align-corners, else ``n_in/n_out``).
    The table's weights are the 16-bit integers over ``2^precision``, exact
    dyadic fractions; rows sum to 1 within half a unit per tap.
    """
    n_in, n_out = size.n_in, size.n_out
    ratio, kernel, (first, weights, largest, x) = _uint8_rows(size, options)
    if options.antialias:
        how = "antialias: centre (d + 0.5)·r, taps by Pillow's bounds, normalised"
    else:
        how = "taps outside the input added into the edge tap"
    fixed, precision = torch_fixed_weights(weights, largest)
    taps = np.minimum(first[:, None] + np.arange(weights.shape[1]), n_in - 1)
    return AxisWeights(
        n_in, n_out, taps, fixed * 2.0**-precision, x,
        f"torch uint8 {options.mode} ({kernel.formula}), r = {ratio:.17g} in double, {how}; "
        f"weights rounded to 16-bit integers over 2^{precision}, every pass rounded and clipped to 8 bits",
    )


def uint8_precision(size: AxisSize, options: ResizeOptions) -> int:
    """The fractional bits of :func:`uint8_weights`' integers (``--explain-pixel`` shows them): the table
    alone cannot tell them, since rows of dyadic weights would read as fewer bits."""
    _, _, (_, weights, largest, _) = _uint8_rows(size, options)
    return torch_fixed_weights(weights, largest)[1]


def _uint8_rows(size: AxisSize, options: ResizeOptions):
    """torch's double ratio, its kernel, and its rows (first taps, double weights, largest, coordinates)."""
    n_in, n_out = size.n_in, size.n_out
    if options.align == "align-corners":
        ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        ratio = size.ratio
    kernel = _kernel(options.mode, options.cubic_a)
    if options.antialias:
        return ratio, kernel, _antialias_rows(n_in, n_out, ratio, kernel)
    return ratio, kernel, _interpolation_rows(n_in, n_out, ratio, kernel, options.align == "align-corners")


def _antialias_rows(n_in: int, n_out: int, ratio: float, kernel: Kernel):
    """``_compute_indices_min_size_weights_aa`` for every output: first taps, normalised weights, their maximum, centres.

    Pillow's bounds ``trunc(centre ± support + 0.5)`` and weights
    ``K((j − centre + 0.5)/f)``, each row divided by its sum added tap
    after tap, all in double as torch computes them.
    """
    support = kernel.support * ratio if ratio >= 1.0 else kernel.support
    longest = math.ceil(support) * 2 + 1
    centre = ratio * (np.arange(n_out) + 0.5)
    inverse = 1.0 / ratio if ratio >= 1.0 else 1.0
    first = np.maximum(np.trunc(centre - support + 0.5).astype(np.int64), 0)
    count = np.clip(np.minimum(np.trunc(centre + support + 0.5).astype(np.int64), n_in) - first, 0, longest)
    j = np.arange(max(int(count.max()), 1))
    weights = kernel(((j + first[:, None]) - centre[:, None] + 0.5) * inverse)
    weights[j >= count[:, None]] = 0.0
    total = np.zeros(n_out)
    for column in weights.T:  # torch's order, not NumPy's pairwise sum
        total += column
    normalised = total != 0.0
    weights[normalised] /= total[normalised, None]
    largest = float(weights[normalised].max(initial=0.0))
    return first, weights, largest, centre - 0.5


def _interpolation_rows(n_in: int, n_out: int, ratio: float, kernel: Kernel, corners: bool):
    """``_compute_indices_min_size_weights`` for every output: first taps, weights, the largest partial sum, coordinates.

    The float kernels' source index in double (linear clamped at 0),
    ``i₀ = floorf(x)`` (rounded to float32 first) and ``λ = x − i₀`` in
    ``[0, 1]``; taps ``i₀ − s + 1 … i₀ + s`` weighted ``K(k − λ)``, those
    outside the input added into the first or last tap inside, in order.
    torch's precision follows the largest of the partial sums, which at the
    far border exceeds the final weight (two positive taps, then a
    negative one).
    """
    taps = int(2 * kernel.support)
    d = np.arange(n_out)
    if corners:
        x = ratio * d
    else:
        x = ratio * (d + 0.5) - 0.5
        if taps == 2:
            x = np.maximum(x, 0.0)
    index = np.minimum(np.floor(x.astype(np.float32)).astype(np.int64), n_in - 1)
    fraction = np.minimum(np.maximum(x - index, 0.0), 1.0)
    support = taps // 2
    lowest = index - support + 1
    first = np.maximum(lowest, 0)
    count = np.clip(np.minimum(index + support + 1, n_in) - first, 0, taps)
    weights = np.zeros((n_out, taps))
    largest = 0.0
    for k in range(taps):
        column = np.clip(lowest + k - first, 0, np.maximum(count - 1, 0))
        weights[d, column] += kernel(float(k + 1 - support) - fraction)
        largest = max(largest, float(weights[d, column].max()))
    return first, weights, largest, x

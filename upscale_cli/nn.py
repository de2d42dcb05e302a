"""Neural-network upsampling operators in NumPy, equal to their PyTorch namesakes.

Arrays are channels first with a batch axis, ``(N, C, *spatial)`` with one,
two or three spatial axes (layouts ``ncl``, ``nchw``, ``ncdhw``), as in
``torch.nn.functional``. Per-axis parameters (``kernel_size``, ``stride`` ...)
are an int for every axis or a tuple in array order (depth, height, width),
also as in PyTorch. See RESIZE_CONVENTIONS §5 for the formulas.

- :func:`max_pool_with_indices` / :func:`max_unpool`: ``max_poolNd(...,
  return_indices=True)`` and ``max_unpoolNd``.
- :func:`bed_of_nails`: unpooling without indices, each value at a fixed
  place in its block.
- :func:`pixel_shuffle` / :func:`pixel_unshuffle`.
- :func:`conv_transpose`: ``conv_transpose1d/2d/3d``; :func:`bilinear_kernel`
  and :func:`bilinear_deconv` for the fixed bilinear kernel of fully
  convolutional networks (FCN).
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Optional, Sequence, Union

import numpy as np

from .choices import UNPOOL_POSITIONS as POSITIONS
from .errors import UsageError

IntOrTuple = Union[int, Sequence[int]]


def per_axis(value: IntOrTuple, dims: int, name: str, minimum: int = 0) -> tuple[int, ...]:
    """``value`` (an int or ``dims`` ints) as one int per spatial axis, each at least ``minimum``."""
    values = (value,) * dims if isinstance(value, Integral) else tuple(value)
    if len(values) != dims or not all(isinstance(v, Integral) for v in values):
        raise UsageError(f"{name} must be an integer or {dims} integers, got {value!r}")
    if any(v < minimum for v in values):
        raise UsageError(f"{name} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def _spatial_dims(kernel_size: IntOrTuple, dims: Optional[int]) -> int:
    if dims is None:
        return 2 if isinstance(kernel_size, Integral) else len(kernel_size)
    if dims not in (1, 2, 3):
        raise UsageError(f"dims must be 1, 2 or 3, got {dims!r}")
    return dims


def _check_rank(array: np.ndarray, dims: int, what: str) -> None:
    if array.ndim not in (dims, dims + 1, dims + 2):
        raise UsageError(
            f"{what} needs {dims} spatial axes, optionally after N and C axes "
            f"({dims}, {dims + 1} or {dims + 2} dimensions), got shape {array.shape}"
        )


def _check_numeric(array: np.ndarray, what: str) -> None:
    if array.dtype.kind not in "uif":
        raise UsageError(f"{what} must have an integer or float dtype, got {array.dtype}")


# ---------------------------------------------------------------- max pooling


def max_pool_with_indices(
    x,
    kernel_size: IntOrTuple,
    stride: Optional[IntOrTuple] = None,
    padding: IntOrTuple = 0,
    *,
    dims: Optional[int] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling that also returns where each maximum came from.

    The same as ``torch.nn.functional.max_pool{1,2,3}d(x, kernel_size,
    stride, padding, return_indices=True)``.

    Parameters
    ----------
    x : array_like, shape (N, C, *S), (C, *S) or (*S)
        Integer or float samples; ``S`` has ``dims`` axes.
    kernel_size, stride, padding : int or tuple of int
        Per spatial axis in array order. ``stride`` defaults to
        ``kernel_size``; ``padding`` (at most half the kernel) adds positions
        that never win.
    dims : {1, 2, 3}, optional
        Number of spatial axes; default ``len(kernel_size)``, or 2 for an int.

    Returns
    -------
    values : ndarray, shape (..., *S_out), dtype of ``x``
        ``S_out = floor((S + 2·padding − kernel_size) / stride) + 1``.
    indices : ndarray of int64, same shape
        Flat index ``Σ position · (row-major stride)`` of each maximum inside
        its own unpadded ``(n, c)`` plane of shape ``S``. Ties go to the first
        maximum in row-major window order; a NaN wins over any number, and the
        last NaN of a window over earlier ones (PyTorch's CPU rule).
    """
    x = np.asarray(x)
    _check_numeric(x, "the input of max pooling")
    dims = _spatial_dims(kernel_size, dims)
    _check_rank(x, dims, "max pooling")
    kernel = per_axis(kernel_size, dims, "kernel_size", 1)
    strides = kernel if stride is None else per_axis(stride, dims, "stride", 1)
    pads = per_axis(padding, dims, "padding", 0)
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise UsageError(f"padding must be at most half the kernel size, got padding {pads} for kernel {kernel}")
    spatial = x.shape[x.ndim - dims:]
    out_spatial = tuple((n + 2 * p - k) // s + 1 for n, p, k, s in zip(spatial, pads, kernel, strides))
    if any(n < 1 for n in out_spatial):
        raise UsageError(f"max pooling of spatial size {spatial} with kernel {kernel} and padding {pads} leaves nothing")

    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    lead_pad = [(0, 0)] * (x.ndim - dims)
    space_pad = [(p, p) for p in pads]
    padded = np.pad(x, lead_pad + space_pad, constant_values=fill)
    # Flat index of every padded position in the unpadded plane; -1 marks padding.
    positions = np.pad(np.arange(math.prod(spatial)).reshape(spatial), space_pad, constant_values=-1)

    def windows(array: np.ndarray) -> np.ndarray:
        view = np.lib.stride_tricks.sliding_window_view(array, kernel, axis=tuple(range(-dims, 0)))
        view = view[(..., *(slice(None, n * s, s) for n, s in zip(out_spatial, strides)), *([slice(None)] * dims))]
        return view.reshape(view.shape[: view.ndim - dims] + (-1,))

    values = windows(padded)
    places = windows(positions)
    # Padding never wins, so the maximum over the whole window is the maximum
    # over its real positions; take the first real position that reaches it.
    winners = (values == values.max(axis=-1, keepdims=True)) & (places >= 0)
    choice = winners.argmax(axis=-1)
    if x.dtype.kind == "f":
        nan = np.isnan(values)
        last_nan = nan.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
        choice = np.where(nan.any(axis=-1), last_nan, choice)
    choice = choice[..., None]
    pooled = np.take_along_axis(values, choice, axis=-1)[..., 0]
    indices = np.take_along_axis(np.broadcast_to(places, values.shape), choice, axis=-1)[..., 0]
    return pooled, indices.astype(np.int64)


def unpool_output_size(
    in_spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    output_size: Optional[Sequence[int]] = None,
) -> tuple[int, ...]:
    """Spatial output size of max-unpooling, validated like PyTorch.

    The default is ``(n − 1)·stride − 2·padding + kernel`` per axis. A given
    ``output_size`` (``dims`` or ``dims + 2`` entries) must lie strictly
    within ``stride`` of that default.
    """
    dims = len(kernel)
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(in_spatial, strides, pads, kernel))
    if output_size is None:
        size = default
    else:
        size = tuple(int(n) for n in output_size)
        if len(size) == dims + 2:
            size = size[2:]
        if len(size) != dims:
            raise UsageError(f"output size must have {dims} entries, got {tuple(output_size)}")
        for axis, (n, d, s) in enumerate(zip(size, default, strides)):
            if not d - s < n < d + s:
                raise UsageError(
                    f"output size {size} is not possible for this unpooling: axis {axis} must be "
                    f"between {d - s + 1} and {d + s - 1} (default {d})"
                )
    if any(n < 1 for n in size):
        raise UsageError(f"max-unpooling would give an empty output of spatial size {size}")
    return size


def max_unpool(
    x,
    indices,
    kernel_size: IntOrTuple,
    stride: Optional[IntOrTuple] = None,
    padding: IntOrTuple = 0,
    output_size: Optional[Sequence[int]] = None,
    *,
    dims: Optional[int] = None,
) -> np.ndarray:
    """Max-unpooling: put every value at its index, zeros elsewhere.

    The same as ``torch.nn.functional.max_unpool{1,2,3}d``.

    Parameters
    ----------
    x : array_like, shape (..., *S)
        Pooled values (any numeric dtype); the leading axes (N, C) are kept.
    indices : array_like of int, same shape as ``x``
        Flat index of each value inside its own output plane of shape
        ``S_out``, as returned by :func:`max_pool_with_indices`.
    kernel_size, stride, padding : int or tuple of int
        As given to the pooling; ``stride`` defaults to ``kernel_size``.
    output_size : sequence of int, optional
        Spatial output size (``S_out``, or with N and C in front). Default
        ``(S − 1)·stride − 2·padding + kernel_size``; needed when the pooled
        input was larger than that (e.g. an odd size pooled with padding).
    dims : {1, 2, 3}, optional
        Number of spatial axes; default ``len(kernel_size)``, or 2 for an int.

    Returns
    -------
    ndarray, shape (..., *S_out), dtype of ``x``
        Where two values share an index, the later one (row-major order) wins.
    """
    x = np.asarray(x)
    indices = np.asarray(indices)
    dims = _spatial_dims(kernel_size, dims)
    _check_rank(x, dims, "max-unpooling")
    if indices.shape != x.shape:
        raise UsageError(f"indices must have the shape of the values {x.shape}, got {indices.shape}")
    if indices.dtype.kind not in "ui":
        raise UsageError(f"indices must be integers, got dtype {indices.dtype}")
    kernel = per_axis(kernel_size, dims, "kernel_size", 1)
    strides = kernel if stride is None else per_axis(stride, dims, "stride", 1)
    pads = per_axis(padding, dims, "padding", 0)
    lead, in_spatial = x.shape[: x.ndim - dims], x.shape[x.ndim - dims:]
    size = unpool_output_size(in_spatial, kernel, strides, pads, output_size)
    plane = math.prod(size)
    flat_indices = indices.reshape(-1, math.prod(in_spatial))
    bad = (flat_indices < 0) | (flat_indices >= plane)
    if bad.any():
        raise UsageError(
            f"index {int(flat_indices[bad][0])} is outside the output plane of size "
            f"{'x'.join(map(str, size))} ({plane} positions): give the size of the pooled input as output size"
        )
    out = np.zeros((flat_indices.shape[0], plane), dtype=x.dtype)
    # NumPy assigns repeated indices in order, so the last value wins as in PyTorch.
    out[np.arange(flat_indices.shape[0])[:, None], flat_indices] = x.reshape(flat_indices.shape)
    return out.reshape(lead + size)


def nail_offsets(factors: Sequence[int], position: str) -> tuple[int, ...]:
    """Offset inside each block (array order) where :func:`bed_of_nails` puts a value.

    ``left``/``right`` choose along the last axis (x), ``top``/``bottom``
    along every other axis (y, and depth for volumes); ``center`` is
    ``factor // 2`` on every axis (the lower of the two middles for even
    factors, i.e. ``bottom-right`` for factor 2).
    """
    if position not in POSITIONS:
        raise UsageError(f"unknown position {position!r}; choose from {', '.join(POSITIONS)}")
    if position == "center":
        return tuple(f // 2 for f in factors)
    vertical, horizontal = position.split("-")
    offsets = [0 if vertical == "top" else f - 1 for f in factors[:-1]]
    offsets.append(0 if horizontal == "left" else factors[-1] - 1)
    return tuple(offsets)


def bed_of_nails(x, factor: IntOrTuple, position: str = "top-left") -> np.ndarray:
    """Unpool without indices: each value at one fixed place of its block.

    Parameters
    ----------
    x : array_like, shape (N, C, *S)
        Any numeric dtype.
    factor : int or tuple of int
        Block size per spatial axis (array order). An int applies to the
        ``x.ndim − 2`` spatial axes; a tuple to the last ``len(factor)`` axes.
    position : str
        One of :data:`POSITIONS`, see :func:`nail_offsets`.

    Returns
    -------
    ndarray, shape (N, C, *(S·factor)), dtype of ``x``
        ``out[..., i·f + o] = x[..., i]`` for the offsets ``o`` of ``position``,
        zeros elsewhere.
    """
    x = np.asarray(x)
    dims = max(x.ndim - 2, 1) if isinstance(factor, Integral) else len(factor)
    if x.ndim < dims:
        raise UsageError(f"bed-of-nails unpooling needs {dims} spatial axes, got shape {x.shape}")
    factors = per_axis(factor, dims, "factor", 1)
    offsets = nail_offsets(factors, position)
    lead, spatial = x.shape[: x.ndim - dims], x.shape[x.ndim - dims:]
    out = np.zeros(lead + tuple(n * f for n, f in zip(spatial, factors)), dtype=x.dtype)
    out[(..., *(slice(o, None, f) for o, f in zip(offsets, factors)))] = x
    return out


# -------------------------------------------------------------- pixel shuffle


def _check_factor(q, name: str) -> int:
    if not isinstance(q, Integral) or q < 1:
        raise UsageError(f"{name} must be a positive integer, got {q!r}")
    return int(q)


def pixel_shuffle(x, q: int) -> np.ndarray:
    """Rearrange channels into space: ``(*, C·q², H, W) → (*, C, H·q, W·q)``.

    ``out[..., c, h·q + i, w·q + j] = x[..., c·q² + i·q + j, h, w]``, the same
    as ``torch.nn.functional.pixel_shuffle``. Any dtype; a new array.
    """
    x = np.asarray(x)
    q = _check_factor(q, "upscale factor")
    if x.ndim < 3:
        raise UsageError(f"pixel shuffle needs (*, C, H, W) input, got shape {x.shape}")
    *lead, channels, height, width = x.shape
    if channels % (q * q):
        raise UsageError(f"pixel shuffle by {q} needs a channel count divisible by {q * q}, got {channels}")
    blocks = x.reshape(*lead, channels // (q * q), q, q, height, width)
    n = len(lead)
    order = (*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return blocks.transpose(order).reshape(*lead, channels // (q * q), height * q, width * q)


def pixel_unshuffle(x, q: int) -> np.ndarray:
    """Inverse of :func:`pixel_shuffle`: ``(*, C, H·q, W·q) → (*, C·q², H, W)``.

    The same as ``torch.nn.functional.pixel_unshuffle``.
    """
    x = np.asarray(x)
    q = _check_factor(q, "downscale factor")
    if x.ndim < 3:
        raise UsageError(f"pixel unshuffle needs (*, C, H, W) input, got shape {x.shape}")
    *lead, channels, height, width = x.shape
    if height % q or width % q:
        raise UsageError(f"pixel unshuffle by {q} needs height and width divisible by {q}, got {height}x{width}")
    blocks = x.reshape(*lead, channels, height // q, q, width // q, q)
    n = len(lead)
    order = (*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return blocks.transpose(order).reshape(*lead, channels * q * q, height // q, width // q)


# ----------------------------------------------------- transposed convolution


def conv_transpose_size(
    n_in: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int
) -> int:
    """``(n_in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1``."""
    return (n_in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def tap_range(n_in: int, n_out: int, offset: int, stride: int) -> Optional[tuple[int, int]]:
    """Inputs ``i`` (first, last) whose output ``i·stride + offset`` lies in ``[0, n_out)``.

    ``offset = tap·dilation − padding``; ``None`` when no input lands inside.
    """
    first = max(0, -(offset // stride))
    last = min(n_in - 1, (n_out - 1 - offset) // stride)
    return (first, last) if first <= last else None


def conv_transpose(
    x,
    weight,
    bias=None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """Transposed convolution, the same as ``torch.nn.functional.conv_transpose{1,2,3}d``.

    ``out[n, co, y] = bias[co] + Σ x[n, ci, i] · weight[ci, co mod C_out/groups, k]``
    over the input channels ``ci`` of ``co``'s group and all ``i, k`` with
    ``y = i·stride − padding + k·dilation`` (per spatial axis).

    Parameters
    ----------
    x : array_like, shape (N, C_in, *S) or (C_in, *S)
    weight : array_like, shape (C_in, C_out/groups, *K)
        PyTorch's ``ConvTranspose`` layout; ``len(K)`` (1, 2 or 3) is the
        number of spatial axes.
    bias : array_like, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or tuple of int
        Per spatial axis in array order. ``output_padding`` (extra outputs
        at the end) must be smaller than the stride or the dilation.
    groups : int
        ``C_in`` and ``C_out`` are split into this many independent groups.

    Returns
    -------
    ndarray, shape (N, C_out, *S_out) (no N for unbatched input)
        ``S_out = (S − 1)·stride − 2·padding + dilation·(K − 1) + output_padding + 1``.
        Computed in the floating dtype common to the arguments (float64 when
        they are all integers): float32 in, float32 out, like PyTorch.

    Notes
    -----
    One matrix product over the channels per kernel tap, added into the
    output with a strided slice: no loop over pixels.
    """
    x = np.asarray(x)
    weight = np.asarray(weight)
    arrays = [x, weight] if bias is None else [x, weight, np.asarray(bias)]
    for array, what in zip(arrays, ("input", "weight", "bias")):
        _check_numeric(array, f"the {what} of a transposed convolution")
    dims = weight.ndim - 2
    if dims not in (1, 2, 3):
        raise UsageError(f"weight must have shape (C_in, C_out/groups, *kernel) with 1 to 3 kernel axes, got {weight.shape}")
    if x.ndim not in (dims + 1, dims + 2):
        raise UsageError(f"input must have shape (N, C, *S) or (C, *S) with {dims} spatial axes for this weight, got {x.shape}")
    unbatched = x.ndim == dims + 1
    if unbatched:
        x = x[None]
    batch, c_in, *spatial = x.shape
    if not isinstance(groups, Integral) or groups < 1:
        raise UsageError(f"groups must be a positive integer, got {groups!r}")
    if c_in % groups:
        raise UsageError(f"input channels ({c_in}) must be divisible by groups ({groups})")
    if weight.shape[0] != c_in:
        raise UsageError(f"weight of shape {weight.shape} expects {weight.shape[0]} input channels, the input has {c_in}")
    c_out_group, *kernel = weight.shape[1:]
    c_out = c_out_group * groups
    strides = per_axis(stride, dims, "stride", 1)
    pads = per_axis(padding, dims, "padding", 0)
    extra = per_axis(output_padding, dims, "output_padding", 0)
    dilations = per_axis(dilation, dims, "dilation", 1)
    if any(o >= s and o >= d for o, s, d in zip(extra, strides, dilations)):
        raise UsageError(f"output_padding {extra} must be smaller than either the stride {strides} or the dilation {dilations}")
    out_spatial = tuple(
        conv_transpose_size(n, k, s, p, o, d) for n, k, s, p, o, d in zip(spatial, kernel, strides, pads, extra, dilations)
    )
    if any(n < 1 for n in out_spatial):
        raise UsageError(f"transposed convolution of spatial size {tuple(spatial)} would give {out_spatial}: padding too large")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (c_out,):
            raise UsageError(f"bias must have shape ({c_out},), one value per output channel, got {bias.shape}")

    dtype = np.result_type(*arrays)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    c_in_group = c_in // groups
    pixels = math.prod(spatial)
    # Group-major layouts so that one batched matrix product serves all groups:
    # columns (G, C_in/G, N·S) and, per tap, weights (G, C_out/G, C_in/G).
    columns = x.reshape(batch, groups, c_in_group, pixels).transpose(1, 2, 0, 3).reshape(groups, c_in_group, batch * pixels)
    columns = columns.astype(dtype, copy=False)
    taps = weight.reshape(groups, c_in_group, c_out_group, -1).transpose(3, 0, 2, 1).astype(dtype)
    out = np.zeros((groups, c_out_group, batch, *out_spatial), dtype=dtype)
    for tap, position in enumerate(np.ndindex(*kernel)):
        ranges = [
            tap_range(n, m, k * d - p, s)
            for n, m, k, d, p, s in zip(spatial, out_spatial, position, dilations, pads, strides)
        ]
        if None in ranges:
            continue
        # With one input channel per group (depthwise, e.g. the FCN kernel) the
        # product is a broadcast multiply, much faster than tiny matrix products.
        product = taps[tap] * columns if c_in_group == 1 else np.matmul(taps[tap], columns)
        product = product.reshape(groups, c_out_group, batch, *spatial)
        source = tuple(slice(first, last + 1) for first, last in ranges)
        target = tuple(
            slice(first * s + k * d - p, last * s + k * d - p + 1, s)
            for (first, last), k, d, p, s in zip(ranges, position, dilations, pads, strides)
        )
        out[(..., *target)] += product[(..., *source)]
    result = np.moveaxis(out.reshape(c_out, batch, *out_spatial), 0, 1)
    if bias is not None:
        result = result + bias.astype(dtype).reshape(c_out, *([1] * dims))
    result = np.ascontiguousarray(result)
    return result[0] if unbatched else result


def bilinear_taps(factor: int) -> np.ndarray:
    """The 1-D FCN bilinear kernel for upsampling by ``factor``.

    Length ``k = 2·factor − factor mod 2``; ``f = ceil(k/2)``; centre
    ``c = f − 1`` (``k`` odd) or ``f − 0.5`` (``k`` even); taps
    ``1 − |i − c|/f``. Factor 2 gives ``[0.25, 0.75, 0.75, 0.25]``.
    """
    factor = _check_factor(factor, "bilinear factor")
    size = 2 * factor - factor % 2
    half = (size + 1) // 2
    centre = half - 1 if size % 2 else half - 0.5
    return 1 - np.abs(np.arange(size) - centre) / half


def bilinear_padding(factor: int) -> int:
    """Padding that makes the FCN bilinear deconvolution exactly ``factor·n`` long."""
    return (factor - factor % 2) // 2


def bilinear_kernel(stride: IntOrTuple, channels: int, dims: int = 2, dtype=np.float64) -> np.ndarray:
    """The fixed FCN "bilinear" deconvolution weight, one kernel per channel.

    Parameters
    ----------
    stride : int or tuple of int
        Upsampling factor per spatial axis (array order); an int for all
        ``dims`` axes.
    channels : int
        Number of channels; use with ``groups=channels``.
    dims : {1, 2, 3}
        Number of spatial axes when ``stride`` is an int.

    Returns
    -------
    ndarray, shape (channels, 1, *K)
        The outer product of :func:`bilinear_taps` of every axis, the same
        for every channel: the weight of ``ConvTranspose(channels, channels,
        K, stride, padding=bilinear_padding(stride), groups=channels)``.
    """
    dims = dims if isinstance(stride, Integral) else len(stride)
    factors = per_axis(stride, dims, "stride", 1)
    if not isinstance(channels, Integral) or channels < 1:
        raise UsageError(f"channels must be a positive integer, got {channels!r}")
    kernel = np.ones((), dtype=np.float64)
    for factor in factors:
        kernel = np.multiply.outer(kernel, bilinear_taps(factor))
    return np.broadcast_to(kernel.astype(dtype), (channels, 1, *kernel.shape)).copy()


def bilinear_deconv_arguments(x, factor: IntOrTuple) -> dict:
    """Keyword arguments of :func:`conv_transpose` for the FCN bilinear upsampling of ``x``.

    ``weight`` (:func:`bilinear_kernel`, float32 for float32 ``x``, else
    float64), ``stride`` (the factors), ``padding`` (:func:`bilinear_padding`)
    and ``groups`` (one kernel per channel).
    """
    x = np.asarray(x)
    dims = x.ndim - 2 if isinstance(factor, Integral) else len(factor)
    if x.ndim != dims + 2 or dims not in (1, 2, 3):
        raise UsageError(f"bilinear deconvolution needs (N, C, *S) input with 1 to 3 spatial axes, got shape {x.shape}")
    factors = per_axis(factor, dims, "factor", 1)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    return {
        "weight": bilinear_kernel(factors, x.shape[1], dtype=dtype),
        "stride": factors,
        "padding": tuple(bilinear_padding(f) for f in factors),
        "groups": x.shape[1],
    }


def bilinear_deconv(x, factor: IntOrTuple) -> np.ndarray:
    """Upsample ``(N, C, *S)`` by ``factor`` with the fixed FCN bilinear deconvolution.

    Output shape ``(N, C, *(S·factor))``. Half-pixel bilinear with zero
    padding: it equals edge-clamped bilinear interpolation except in the
    first and last ``factor // 2`` outputs of each axis, which are darker
    (for factor 2 the border rows and columns get weight 0.75 in total).
    Computed in float32 for float32 input, otherwise float64.
    """
    return conv_transpose(x, **bilinear_deconv_arguments(x, factor))

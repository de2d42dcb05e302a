"""Max pooling with indices, max-unpooling and bed-of-nails unpooling (``max_poolNd``/``max_unpoolNd``)."""

from __future__ import annotations

import math
from numbers import Integral
from typing import Optional, Sequence

import numpy as np

from ..core.choices import UNPOOL_POSITIONS as POSITIONS
from ..core.errors import UsageError
from .arguments import IntOrTuple, check_numeric, check_rank, per_axis, spatial_dims


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
    check_numeric(x, "the input of max pooling")
    dims = spatial_dims(kernel_size, dims)
    check_rank(x, dims, "max pooling")
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
    dims = spatial_dims(kernel_size, dims)
    check_rank(x, dims, "max-unpooling")
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



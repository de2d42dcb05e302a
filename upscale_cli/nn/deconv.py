"""Transposed convolution (``conv_transposeNd``) and the fixed bilinear kernel of FCNs."""

from __future__ import annotations

import math
from numbers import Integral
from typing import Optional

import numpy as np

from ..core.errors import UsageError
from .arguments import IntOrTuple, check_factor, check_numeric, per_axis


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
    Per kernel tap, the channels' products are summed in channel order with
    elementwise NumPy operations (BLAS would add them in an order that
    depends on the CPU), then added into the output with a strided slice,
    taps in order: the same bits on every machine. No loop over pixels.
    """
    x = np.asarray(x)
    weight = np.asarray(weight)
    arrays = [x, weight] if bias is None else [x, weight, np.asarray(bias)]
    for array, what in zip(arrays, ("input", "weight", "bias")):
        check_numeric(array, f"the {what} of a transposed convolution")
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
        product = _in_channel_order(taps[tap], columns).reshape(groups, c_out_group, batch, *spatial)
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
    factor = check_factor(factor, "bilinear factor")
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
    dtype = np.float32 if x.dtype.newbyteorder("=") == np.float32 else np.float64  # big-endian float32 too
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


def _in_channel_order(weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``Σ_c weights[g, o, c] · columns[g, c, :]`` for every group ``g`` and output channel ``o``, the input
    channels ``c`` added in order, each product and sum rounded in the arrays' dtype."""
    total = weights[:, :, 0, None] * columns[:, None, 0, :]
    term = None
    for c in range(1, weights.shape[2]):
        term = np.multiply(weights[:, :, c, None], columns[:, None, c, :], out=term)
        total += term
    return total


def conv_transpose2d_in_order(x, weight, bias=None, stride: int = 1) -> np.ndarray:
    """:func:`conv_transpose` in 2-D with no padding, every sum made in one fixed order: the definition.

    Each output starts at its bias; then, for input channel ``c``, kernel
    row ``i`` and column ``j`` ascending, ``x[:, c] · weight[c, :, i, j]`` is
    added where tap ``(i, j)`` puts it (one input reaches an output through
    at most one tap per channel), every product and addition rounded to
    float64 by elementwise NumPy operations: the same bits on every machine.
    ``x`` is ``(N, C_in, H, W)``, ``weight`` ``(C_in, C_out, KH, KW)``; the
    output is ``(N, C_out, (H − 1)·stride + KH, (W − 1)·stride + KW)``.

    Notes
    -----
    Taps whose rows differ modulo the stride write disjoint outputs, and so
    do columns: the ``t``-th row and ``u``-th column of every phase are added
    in one operation (``stride²`` taps at once), still in ``(i, j)`` order
    for every output. A phase with fewer taps adds exact zeros.
    """
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    batch, c_in, height, width = x.shape
    c_out, kh, kw = weight.shape[1:]
    s = check_factor(stride, "stride")
    bias = np.zeros(c_out) if bias is None else np.asarray(bias, dtype=np.float64)
    rounds_y, rounds_x = -(-kh // s), -(-kw // s)
    # the kernel padded to whole rounds, as (C_in, C_out, round_y, phase_y, round_x, phase_x)
    padded = np.zeros((c_in, c_out, rounds_y * s, rounds_x * s))
    padded[:, :, :kh, :kw] = weight
    taps = padded.reshape(c_in, c_out, rounds_y, s, rounds_x, s)
    blocks_y, blocks_x = height - 1 + rounds_y, width - 1 + rounds_x
    out = np.broadcast_to(bias[None, :, None, None, None, None], (batch, c_out, blocks_y, s, blocks_x, s)).copy()
    term = np.empty((batch, c_out, height, s, width, s))
    for c in range(c_in):
        column = x[:, c, None, :, None, :, None]
        for t in range(rounds_y):
            for u in range(rounds_x):
                np.multiply(column, taps[c, None, :, t, None, :, u, None, :], out=term)
                out[:, :, t:t + height, :, u:u + width, :] += term
    out = out.reshape(batch, c_out, blocks_y * s, blocks_x * s)
    return out[:, :, :(height - 1) * s + kh, :(width - 1) * s + kw]

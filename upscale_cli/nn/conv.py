"""Two-dimensional convolution (``conv2d``, stride 1): a fast form and a fixed-order definition."""

from __future__ import annotations

import numpy as np

from ..core.errors import UsageError
from ..engine.banded import BLAS_SIZE
from .arguments import check_numeric


def products(weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``weights @ columns`` (``(M, K) @ (..., K, P)``) as a stack of products small enough that
    OpenBLAS runs each on the calling thread.

    A large product would start BLAS's own threads, which fight the
    caller's pool (and other processes) for the cores: on a busy machine
    that made a tile 5× slower. Cutting ``P`` into blocks keeps every
    product under :data:`~upscale_cli.engine.apply.BLAS_SIZE` multiply-adds;
    NumPy loops over the stack in C.
    """
    m, k = weights.shape
    *lead, _, p = columns.shape
    block = max(1, min(p, BLAS_SIZE // (m * k)))
    whole = p - p % block
    out = np.empty((*lead, m, p))
    stacked = columns[..., :whole].reshape(*lead, k, whole // block, block).swapaxes(-3, -2)  # a view
    out[..., :whole] = np.matmul(weights, stacked).swapaxes(-3, -2).reshape(*lead, m, whole)
    if whole < p:
        out[..., whole:] = np.matmul(weights, columns[..., whole:])
    return out


def _operands(x, weight, bias, padding: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """``x`` as float64 ``(N, C, H, W)`` zero-padded by ``padding``, the weight, the bias and whether ``x`` had no N."""
    x, weight = np.asarray(x), np.asarray(weight)
    check_numeric(x, "the input of a convolution")
    check_numeric(weight, "the weight of a convolution")
    if weight.ndim != 4:
        raise UsageError(f"a 2-D convolution needs a weight of shape (C_out, C_in, KH, KW), got {weight.shape}")
    if x.ndim not in (3, 4):
        raise UsageError(f"a 2-D convolution needs input of shape (N, C, H, W) or (C, H, W), got {x.shape}")
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    if x.shape[1] != weight.shape[1]:
        raise UsageError(f"weight of shape {weight.shape} expects {weight.shape[1]} input channels, "
                         f"the input has {x.shape[1]}")
    if not isinstance(padding, (int, np.integer)) or padding < 0:
        raise UsageError(f"padding must be a whole number of at least 0, got {padding!r}")
    bias = np.zeros(weight.shape[0]) if bias is None else np.asarray(bias, dtype=np.float64)
    if bias.shape != (weight.shape[0],):
        raise UsageError(f"bias must have shape ({weight.shape[0]},), one value per output channel, got {bias.shape}")
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    if padded.shape[2] < weight.shape[2] or padded.shape[3] < weight.shape[3]:
        raise UsageError(f"a kernel of {weight.shape[2]}x{weight.shape[3]} does not fit an input of "
                         f"{x.shape[2]}x{x.shape[3]} padded by {padding}")
    return padded, weight.astype(np.float64), bias, unbatched


def conv2d(x, weight, bias=None, padding: int = 0) -> np.ndarray:
    """``torch.nn.functional.conv2d(x, weight, bias, padding=padding)`` (stride 1), in float64.

    ``out[n, o, y, x] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · xp[n, c, y + i, x + j]``
    where ``xp`` is ``x`` with ``padding`` zeros around each spatial axis (a
    cross-correlation, as in PyTorch).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in, KH, KW)
    bias : array_like, shape (C_out,), optional
    padding : int

    Returns
    -------
    ndarray of float64, shape (N, C_out, H + 2·padding − KH + 1, W + 2·padding − KW + 1)
        (no N for unbatched input). The sums are one matrix product over
        ``(c, i, j)`` (BLAS chooses the order of the terms); see
        :func:`conv2d_in_order` for the same sums in a fixed order.

    Notes
    -----
    Each row of the padded input is laid out flat, so the input seen by one
    kernel tap is a plain offset into it: the ``KH·KW`` shifted copies are
    stacked once into a column matrix with no per-pixel loop, and the
    positions that wrap around a row end are dropped afterwards.
    """
    padded, weight, bias, unbatched = _operands(x, weight, bias, padding)
    batch, channels, height, width = padded.shape
    c_out, _, kh, kw = weight.shape
    out_h, out_w = height - kh + 1, width - kw + 1
    span = (out_h - 1) * width + out_w  # flat positions from the first output to the last
    flat = padded.reshape(batch, channels, height * width)
    columns = np.empty((batch, channels, kh * kw, span))
    for tap in range(kh * kw):
        offset = (tap // kw) * width + tap % kw
        columns[:, :, tap] = flat[:, :, offset:offset + span]
    sums = products(weight.reshape(c_out, channels * kh * kw), columns.reshape(batch, channels * kh * kw, span))
    out = np.empty((batch, c_out, out_h * width))
    np.add(sums, bias[:, None], out=out[..., :span])
    out = out.reshape(batch, c_out, out_h, width)[..., :out_w]
    out = np.ascontiguousarray(out)
    return out[0] if unbatched else out


def conv2d_in_order(x, weight, bias=None, padding: int = 0) -> np.ndarray:
    """:func:`conv2d` with every sum made in one fixed order: the definition.

    ``out = bias``, then ``+= weight[o, c, i, j] · xp[c, y + i, x + j]`` for
    ``c``, then ``i``, then ``j`` ascending, each product and each addition
    rounded to float64 (elementwise NumPy operations, which are correctly
    rounded on every machine). The result is the same bits everywhere;
    :func:`conv2d` is within the error bound of a sum of that many terms of it.
    """
    padded, weight, bias, unbatched = _operands(x, weight, bias, padding)
    batch, channels, height, width = padded.shape
    c_out, _, kh, kw = weight.shape
    out_h, out_w = height - kh + 1, width - kw + 1
    out = np.broadcast_to(bias[None, :, None, None], (batch, c_out, out_h, out_w)).copy()
    term = np.empty_like(out)
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                window = padded[:, c:c + 1, i:i + out_h, j:j + out_w]
                np.multiply(window, weight[None, :, c, i, j, None, None], out=term)
                out += term
    return out[0] if unbatched else out

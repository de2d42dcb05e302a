"""Pixel shuffle and unshuffle (``pixel_shuffle``/``pixel_unshuffle``)."""

from __future__ import annotations

import numpy as np

from ..core.errors import UsageError
from .arguments import check_factor


def pixel_shuffle(x, q: int) -> np.ndarray:
    """Rearrange channels into space: ``(*, C·q², H, W) → (*, C, H·q, W·q)``.

    ``out[..., c, h·q + i, w·q + j] = x[..., c·q² + i·q + j, h, w]``, the same
    as ``torch.nn.functional.pixel_shuffle``. Any dtype; a new array.
    """
    x = np.asarray(x)
    q = check_factor(q, "upscale factor")
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
    q = check_factor(q, "downscale factor")
    if x.ndim < 3:
        raise UsageError(f"pixel unshuffle needs (*, C, H, W) input, got shape {x.shape}")
    *lead, channels, height, width = x.shape
    if height % q or width % q:
        raise UsageError(f"pixel unshuffle by {q} needs height and width divisible by {q}, got {height}x{width}")
    blocks = x.reshape(*lead, channels, height // q, q, width // q, q)
    n = len(lead)
    order = (*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return blocks.transpose(order).reshape(*lead, channels * q * q, height // q, width // q)



"""PyTorch's own arithmetic on uint8 tensors (``bilinear``/``bicubic``, antialiased or not), bit for bit:
16-bit integer weights, every pass rounded half up and clipped to 0…255. Other samples follow the shared
arithmetic (:mod:`upscale_cli.compat.base.arithmetic`)."""

from __future__ import annotations

import numpy as np

from ...core.plan import ResizePlan
from ...engine.certify import row_bits, row_gain
from ..base.arithmetic import execute as shared_execute
from ..base.arithmetic import fixed_weights, rounded_strip, selects_only, strips

#: The arithmetic of PyTorch's separable uint8 kernels.
TORCH_8BIT = "torch-8bit"


def execute(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Apply a PyTorch plan: uint8 samples by the 8-bit kernels' arithmetic, the rest as every library does."""
    if array.dtype == np.uint8 and not selects_only(plan) and plan.arithmetic == TORCH_8BIT:
        return _torch_8bit(array, plan)
    return shared_execute(array, plan)


def torch_fixed_weights(weights: np.ndarray, largest: float) -> tuple[np.ndarray, int]:
    """PyTorch's ``_compute_index_ranges_int16_weights``: 16-bit integer weights and their fractional bits.

    The precision is the first ``p`` (at most 22) for which ``largest``, the
    table's largest weight, would reach ``2¹⁵`` at ``p + 1`` bits,
    ``(int)(0.5 + largest·2^(p+1)) >= 2¹⁵``; every weight becomes
    ``(int)(w·2^p ± 0.5)``, rounded half away from zero.
    """
    precision = 0
    while precision < 22 and int(0.5 + largest * (1 << (precision + 1))) < 1 << 15:
        precision += 1
    return fixed_weights(weights, precision), precision


def _torch_8bit(array: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """PyTorch's uint8 ``bilinear``/``bicubic`` passes: ``clamp((Σ x·w + 2^(p−1)) >> p, 0, 255)`` each.

    The plan's weights are the 16-bit integers over ``2^p``, so a pass is
    ``floor(Σ x·w + 0.5)`` of its own weights, clipped: banded products in
    float32 when every sum and the added half stay below ``2²⁴`` units of
    ``2^-p`` (``255·Σ|w|·2^p``, interpolation and antialiased reductions up
    to about ×2), in float64 otherwise; exact in any order either way.
    """
    passes = [p for p in plan.axes if not p.weights.is_identity]
    if not passes:
        return array.copy()
    lead = min(p.axis for p in passes)
    units = [(255 * row_gain(p.weights) + 0.5) * 2.0 ** max(int(row_bits(p.weights.weights).max()), 1) for p in passes]
    dtype = np.float32 if max(units) <= 2.0**24 else np.float64
    compute = rounded_strip(passes, lead)
    return strips(array, passes, plan.out_shape, compute, dtype, itemsize=np.dtype(dtype).itemsize)


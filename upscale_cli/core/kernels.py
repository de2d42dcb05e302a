"""Interpolation kernels: each a function of the distance ``t`` plus its support.

A kernel is zero for ``|t| >= support`` (the box kernel's edge follows Pillow:
1 on ``-0.5 < t <= 0.5``). Formulas in docs/definition.md §4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import UsageError


@dataclass(frozen=True)
class Kernel:
    """A separable filter kernel.

    Attributes
    ----------
    name : str
    support : float
        Half-width: the kernel is zero for ``|t| >= support``.
    function : callable
        Maps a float64 array of distances to a float64 array of weights.
    formula : str
        Human-readable formula, shown by ``--explain``.
    """

    name: str
    support: float
    function: Callable[[np.ndarray], np.ndarray]
    formula: str

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.function(np.asarray(t, dtype=np.float64))


def _triangle(t: np.ndarray) -> np.ndarray:
    return np.maximum(1.0 - np.abs(t), 0.0)


def _box(t: np.ndarray) -> np.ndarray:
    return ((t > -0.5) & (t <= 0.5)).astype(np.float64)


def _sinc(t: np.ndarray) -> np.ndarray:
    """sin(πt)/(πt), exactly 0 at non-zero integers so integer shifts copy exactly."""
    return np.where((t == np.round(t)) & (t != 0), 0.0, np.sinc(t))


def _hamming(t: np.ndarray) -> np.ndarray:
    window = 0.54 + 0.46 * np.cos(np.pi * t)
    return np.where(np.abs(t) < 1.0, _sinc(t) * window, 0.0)


def lanczos(lobes: int) -> Kernel:
    """Lanczos kernel ``sinc(t) · sinc(t / lobes)`` with support ``lobes``."""

    def function(t: np.ndarray) -> np.ndarray:
        return np.where(np.abs(t) < lobes, _sinc(t) * _sinc(t / lobes), 0.0)

    return Kernel(f"lanczos{lobes}", float(lobes), function, f"sinc(t)·sinc(t/{lobes})")


def keys_cubic(a: float) -> Kernel:
    """Keys' cubic convolution kernel with coefficient ``a`` (support 2)."""

    def function(t: np.ndarray) -> np.ndarray:
        t = np.abs(t)
        near = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
        far = ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a
        return np.where(t <= 1.0, near, np.where(t < 2.0, far, 0.0))

    return Kernel("cubic", 2.0, function, f"Keys cubic, a = {a:g}")


TRIANGLE = Kernel("triangle", 1.0, _triangle, "1 − |t|")
BOX = Kernel("box", 0.5, _box, "1 for −0.5 < t ≤ 0.5")
HAMMING = Kernel("hamming", 1.0, _hamming, "sinc(t)·(0.54 + 0.46·cos(πt))")


def kernel_for_mode(mode: str, cubic_a: float = -0.5) -> Kernel:
    """The kernel of a filter mode (the linear family shares the triangle)."""
    if mode in ("linear", "bilinear", "trilinear"):
        return TRIANGLE
    if mode == "bicubic":
        return keys_cubic(cubic_a)
    if mode == "lanczos":
        return lanczos(3)
    if mode == "box":
        return BOX
    if mode == "hamming":
        return HAMMING
    raise UsageError(f"mode {mode!r} has no kernel")

"""Coordinate transforms: where output sample ``d`` falls on the input axis.

Every transform maps an output index ``d`` to a source coordinate ``x`` in
input-pixel units, pixel centres at integers (docs/definition.md §2). The
native engine works in exact rational arithmetic: ``x`` is returned as an
integer numerator array over one positive integer denominator, so rounding
for nearest neighbour is decided exactly, never by a floating-point accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .choices import ALIGNS, ROUNDINGS
from .errors import UsageError

#: The formula of each transform, as printed by ``--explain``.
ALIGN_FORMULAS = {
    "half-pixel": "src = (dst + 0.5) × r − 0.5",
    "asymmetric": "src = dst × r",
    "align-corners": "src = dst × (n_in − 1)/(n_out − 1)",
    "pytorch-half-pixel": "src = (dst + 0.5) × r − 0.5, and 0 when n_out = 1",
    "tf-half-pixel-for-nn": "src = (dst + 0.5) × r",
    "half-pixel-symmetric": "src = c·(1 − n_out/(S·n_in)) + (dst + 0.5)/S − 0.5, c = n_in/2 (half-pixel when r = n_in/n_out)",
    "tf-crop-and-resize": "src = start·(n_in − 1) + dst × (end − start)·(n_in − 1)/(n_out − 1)",
}


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a UsageError."""
    if value not in choices:
        raise UsageError(f"unknown {what} {value!r}; choose from {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class SourceCoordinates:
    """Exact source coordinates ``x[d] = numerators[d] / denominator``.

    Attributes
    ----------
    numerators : ndarray of int64, shape (n_out,)
    denominator : int, > 0
    """

    numerators: np.ndarray
    denominator: int

    def as_float(self) -> np.ndarray:
        """The coordinates as float64 (correctly rounded quotients)."""
        return self.numerators / self.denominator

    def as_fractions(self) -> list[Fraction]:
        return [Fraction(int(n), self.denominator) for n in self.numerators]

    def nearest(self, rounding: str, n_in: int) -> np.ndarray:
        """Index of the sample nearest neighbour copies: ``clamp(R(x), 0, n_in - 1)``."""
        return np.minimum(np.maximum(self.rounded(rounding), 0), n_in - 1)

    def rounded(self, rounding: str) -> np.ndarray:
        """Round every coordinate exactly with ``rounding`` (int64 array, unclamped)."""
        num, den = self.numerators, self.denominator
        check_choice(rounding, ROUNDINGS, "rounding")
        if rounding == "floor":
            return num // den
        if rounding == "ceil":
            return -((-num) // den)
        if rounding == "round":  # floor(x + 1/2)
            return (2 * num + den) // (2 * den)
        if rounding == "half-down":  # ceil(x - 1/2)
            return -((den - 2 * num) // (2 * den))
        floor = num // den
        twice_remainder = 2 * (num - floor * den)
        up = (twice_remainder > den) | ((twice_remainder == den) & (floor % 2 == 1))
        return floor + up


def source_coordinates(n_in: int, n_out: int, align: str) -> SourceCoordinates:
    """Map every output index of an axis onto the input axis, exactly.

    The ratio is ``r = n_in / n_out`` (docs/definition.md §1: the picture
    exactly fills the output whether a size or a scale was given), so
    ``half-pixel-symmetric`` (ONNX's correction for a scale whose output
    length was rounded) is ``half-pixel`` here, and ``tf-crop-and-resize``
    maps the whole input (its ``roi`` needs ``--compat onnx``).

    Parameters
    ----------
    n_in, n_out : int, >= 1
    align : str, one of :data:`ALIGNS`

    Returns
    -------
    SourceCoordinates
        ``n_out`` exact coordinates; they may lie outside ``[0, n_in - 1]``
        (half-pixel near the borders), clamping is the caller's business.
    """
    check_choice(align, ALIGNS, "alignment")
    d = np.arange(n_out, dtype=np.int64)
    if align == "asymmetric":
        return SourceCoordinates(d * n_in, n_out)
    if align == "tf-half-pixel-for-nn":
        return SourceCoordinates((2 * d + 1) * n_in, 2 * n_out)
    if align == "tf-crop-and-resize":  # ONNX's crop transform with the whole input as its roi
        if n_out == 1:
            return SourceCoordinates(np.array([n_in - 1], dtype=np.int64), 2)
        return SourceCoordinates(d * (n_in - 1), n_out - 1)
    if align == "align-corners" or (align == "pytorch-half-pixel" and n_out == 1):
        if n_out == 1:
            return SourceCoordinates(np.zeros(1, dtype=np.int64), 1)
        return SourceCoordinates(d * (n_in - 1), n_out - 1)
    return SourceCoordinates((2 * d + 1) * n_in - n_out, 2 * n_out)


def nearest_indices(n_in: int, n_out: int, align: str, rounding: str) -> np.ndarray:
    """Index of the source sample that nearest neighbour copies, per output.

    ``clamp(R(x), 0, n_in - 1)`` with ``R`` the rounding mode, decided in
    integers (half-pixel + round is ``((2d + 1) n_in) // (2 n_out)``).
    """
    return source_coordinates(n_in, n_out, align).nearest(rounding, n_in)

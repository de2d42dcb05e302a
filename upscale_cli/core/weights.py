"""Per-axis taps and weights: the whole resampling decision for one axis.

Every mode, from nearest neighbour to Lanczos and area averaging, reduces to
the same table (Pillow's ``precompute_coeffs`` shape): for each output index
``d`` a short row of source indices and the weights to apply to them. The
engine only multiplies and adds; ``--explain`` prints these very tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction

import numpy as np

from .coords import check_choice, source_coordinates
from .kernels import Kernel

BORDERS = ("clamp", "renormalize")


class TableKind(Enum):
    """What a weight table stands for, where the arithmetic that applies it depends on it.

    ``WEIGHTED``: each output is its row's weighted sum, whatever the
    weights are (every native table, and the libraries' filters).
    ``BLOCK_MEAN``: each output is the mean of one block of inputs, which a
    library computes as a block sum divided once (Pillow's ``Image.reduce``),
    not as a sum of weighted samples.
    """

    WEIGHTED = "weighted"
    BLOCK_MEAN = "block-mean"


@dataclass(frozen=True)
class AxisWeights:
    """Taps and weights of one resized axis.

    Attributes
    ----------
    n_in, n_out : int
        Input and output lengths.
    taps : ndarray of int64, shape (n_out, k)
        Source indices, already inside ``[0, n_in - 1]`` (border handled).
    weights : ndarray of float64, shape (n_out, k)
        Weight of each tap; every row sums to 1 (zero-weight taps pad rows
        whose window is shorter than ``k``).
    coordinates : ndarray of float64, shape (n_out,)
        The source coordinate each output index maps to (area: the centre
        of the integrated interval).
    description : str
        How the table was made, in words, for ``--explain``.
    counts : ndarray of int64, shape (n_out,), optional
        The taps a library really reads per row (the rest are padding), where
        that matters: a padding tap multiplies its sample by 0, which is not
        0 for an infinite or NaN sample.
    kind : TableKind
        What the table stands for (the arithmetic is chosen by it, never by
        the description's words).
    """

    n_in: int
    n_out: int
    taps: np.ndarray
    weights: np.ndarray
    coordinates: np.ndarray
    description: str
    counts: np.ndarray | None = None
    kind: TableKind = TableKind.WEIGHTED

    def cut(self, start: int, stop: int, first: int = 0, n_in: int | None = None) -> AxisWeights:
        """The table of outputs ``start:stop`` alone, reading inputs from ``first`` on (``n_in`` of them)."""
        return replace(
            self, n_in=self.n_in if n_in is None else n_in, n_out=stop - start, taps=self.taps[start:stop] - first,
            weights=self.weights[start:stop], coordinates=self.coordinates[start:stop],
            counts=None if self.counts is None else self.counts[start:stop],
        )

    def magnitudes(self) -> AxisWeights:
        """The same table with every weight's magnitude ``|w|`` (for bounds on sums of ``|w|·|x|``)."""
        return replace(self, weights=np.abs(self.weights))

    @property
    def is_selection(self) -> bool:
        """True when every output copies one source sample (nearest)."""
        return self.taps.shape[1] == 1

    @property
    def is_identity(self) -> bool:
        """True when every output copies the input sample of its own index."""
        if self.n_in != self.n_out:
            return False
        rows = np.arange(self.n_out)
        strongest = self.weights.argmax(axis=1)
        return bool(
            np.count_nonzero(self.weights) == self.n_out
            and np.all(self.weights[rows, strongest] == 1.0)
            and np.array_equal(self.taps[rows, strongest], rows)
        )


def nearest_weights(n_in: int, n_out: int, align: str, rounding: str) -> AxisWeights:
    """Nearest neighbour: one tap of weight 1, chosen by exact rounding."""
    coordinates = source_coordinates(n_in, n_out, align)
    index = coordinates.nearest(rounding, n_in)
    return AxisWeights(
        n_in, n_out, index[:, None], np.ones((n_out, 1)), coordinates.as_float(),
        f"nearest, {align}, rounding {rounding}",
    )


def filter_weights(
    coordinates: np.ndarray,
    n_in: int,
    kernel: Kernel,
    *,
    filter_scale: float = 1.0,
    border: str = "clamp",
    normalize: bool = True,
) -> AxisWeights:
    """Kernel weights around each source coordinate.

    Output ``d`` takes the source samples ``j`` with
    ``floor(x - s·f) < j <= floor(x + s·f)`` (``s`` the kernel support,
    ``f`` the filter scale) with weight ``K((j - x) / f)``. With ``f = 1``
    this is plain interpolation (docs/definition.md §5); with ``f = r > 1``
    it is antialiased convolution (docs/definition.md §5, antialiased reduction), the kernel stretched over the
    footprint of an output sample.

    Parameters
    ----------
    coordinates : ndarray of float64, shape (n_out,)
    n_in : int
    kernel : Kernel
    filter_scale : float, >= 1
    border : {"clamp", "renormalize"}
        ``clamp`` replicates the edge sample for taps outside the input;
        ``renormalize`` drops them and rescales the rest to sum 1.
    normalize : bool
        Divide every row by its sum (exact kernels already sum to 1; a
        Lanczos window does not).
    """
    x = np.asarray(coordinates, dtype=np.float64)
    reach = kernel.support * filter_scale
    first = np.floor(x - reach).astype(np.int64) + 1
    last = np.floor(x + reach).astype(np.int64)
    window = _window(first, last)
    distances = (window - x[:, None]) / filter_scale
    return _tabulate(window, last, distances, x, n_in, kernel, filter_scale, border, normalize)


def _window(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Rows ``first[d], first[d] + 1, ...`` as long as the longest window."""
    width = int(np.max(last - first)) + 1
    return first[:, None] + np.arange(width)


def _tabulate(window, last, distances, coordinates, n_in, kernel, filter_scale, border, normalize) -> AxisWeights:
    """Kernel weights of a window, with the border rule and normalisation applied."""
    weights = kernel(distances)
    weights[window > last[:, None]] = 0.0
    if check_choice(border, BORDERS, "border") == "renormalize":
        weights[(window < 0) | (window >= n_in)] = 0.0
    if normalize:
        weights /= weights.sum(axis=1, keepdims=True)
    scale_note = "interpolation" if filter_scale == 1 else f"antialiased, kernel stretched ×{float(filter_scale):.6g}"
    return AxisWeights(
        n_in, len(coordinates), np.clip(window, 0, n_in - 1), weights, coordinates,
        f"{kernel.name} ({kernel.formula}), {scale_note}, border {border}",
    )


def kernel_weights(
    n_in: int, n_out: int, kernel: Kernel, align: str, *, antialias: bool, exclude_outside: bool = False
) -> AxisWeights:
    """Native kernel resampling of one axis, with exact windows and distances.

    When reducing with ``antialias`` the kernel is stretched by the ratio
    ``f = n_in/n_out`` and taps outside the input are dropped (Pillow's
    convolution); otherwise ``f = 1`` and it interpolates with edge
    replication, or with ``exclude_outside`` drops the outside taps and
    renormalises. Window bounds ``floor(x ± s·f)`` are decided in integers and
    each distance ``(j − x)/f`` is one correctly rounded division, so a
    distance that is exactly on the box kernel's edge is seen as such.
    """
    coordinates = source_coordinates(n_in, n_out, align)
    reduce = antialias and n_in > n_out
    scale = Fraction(n_in, n_out) if reduce else Fraction(1)
    reach = Fraction(kernel.support) * scale
    numerators, denominator = coordinates.numerators, coordinates.denominator
    low = numerators * reach.denominator - reach.numerator * denominator
    high = numerators * reach.denominator + reach.numerator * denominator
    span = denominator * reach.denominator
    first, last = low // span + 1, high // span
    window = _window(first, last)
    distances = (window * denominator - numerators[:, None]) * scale.denominator / (denominator * scale.numerator)
    border = "renormalize" if reduce or exclude_outside else "clamp"
    return _tabulate(window, last, distances, coordinates.as_float(), n_in, kernel, scale, border, True)


def area_weights(n_in: int, n_out: int) -> AxisWeights:
    """Exact area averaging: each output is the mean of the input over its footprint.

    Output ``d`` covers ``[d·r, (d + 1)·r]`` of the input (``r = n_in/n_out``);
    input sample ``j`` covers ``[j, j + 1]``; the weight is the length of the
    overlap divided by ``r``. Computed in integers (units of ``1/n_out``),
    so the weights are exact rationals rounded once.
    """
    d = np.arange(n_out, dtype=np.int64)
    start, stop = d * n_in, (d + 1) * n_in
    first = start // n_out
    last = -((-stop) // n_out) - 1
    width = int(np.max(last - first)) + 1
    window = first[:, None] + np.arange(width)
    overlap = np.minimum((window + 1) * n_out, stop[:, None]) - np.maximum(window * n_out, start[:, None])
    weights = np.maximum(overlap, 0) / n_in
    centres = (2 * d + 1) * n_in / (2 * n_out) - 0.5
    return AxisWeights(
        n_in, n_out, np.clip(window, 0, n_in - 1), weights, centres,
        "area: overlap of [d·r, (d+1)·r] with each source pixel, divided by r",
    )

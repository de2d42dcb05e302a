"""Certification: proofs that a fast sum stores the definition's result, and recomputation where none decides.

The fast paths (:mod:`.banded`) add the terms of each output in BLAS's
order, which differs between CPUs, kernels and builds. An output is stored
from them only where a bound proves that no order could change the stored
value; every other output is recomputed as defined (:mod:`.reference`).
Whatever the machine, the stored bits are the definition's.

- Integers (:class:`IntegerCertificate`): outputs whose weights are short
  dyadic fractions are exact sums in any order; the others carry a bound
  on their error and are recomputed where ``v + 0.5`` lies within it of an
  integer (a rounding that could go either way).
- Floats of up to 32 bits (:class:`FloatCertificate`): float64 sums carry
  a bound on their distance from the definition's float64 value; where the
  two ends of that interval round to different values of the output dtype,
  the output is recomputed.

The presets reuse the same tools for the libraries' own rounding
(:func:`row_bits`, :func:`row_gain`, :func:`near_integers`).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.weights import AxisWeights
from .reference import round_shifted, to_dtype

#: Integers up to this size convert to float64 exactly.
EXACT_INTEGERS = 2.0**52
#: Unit roundoff of float64.
UNIT = 2.0**-53
#: Above this share of undecided outputs a strip is computed as defined outright (cheaper than point by point).
MOST_UNDECIDED = 1 / 8
#: Above this share of outputs undecided by the strip's bound, each output is bounded by its own magnitudes
#: (a second banded sum, cheaper than recomputing that many points).
LOCAL_SHARE = 1 / 128


def row_bits(weights: np.ndarray) -> np.ndarray:
    """Per row, the least ``b >= 0`` with its weights multiples of ``2**-b``."""
    mantissa, exponent = np.frexp(weights)
    numerator = (mantissa * 2.0**53).astype(np.int64)  # exact: 53-bit significands
    lowest = numerator & -numerator
    trailing = np.log2(np.where(lowest == 0, 1, lowest)).astype(np.int64)
    bits = np.where(weights == 0, 0, 53 - trailing - exponent)
    return np.maximum(bits.max(axis=1), 0)


def row_gain(table: AxisWeights) -> float:
    """The largest ``Σ_k |w[d, k]|`` of a table: how much one pass can multiply a magnitude."""
    return float(np.abs(table.weights).sum(axis=1).max())


def largest_magnitude(samples: np.ndarray) -> float:
    """The largest ``|x|`` of ``samples``: ``inf`` or NaN when any is not finite."""
    return max(-float(samples.min()), float(samples.max()))


def integer_bound(array: np.ndarray) -> float:
    """A bound on the magnitude of an integer array's samples (its dtype's for 8 bits, not worth a scan)."""
    info = np.iinfo(array.dtype)
    if array.itemsize == 1 or array.size == 0:
        return float(max(-info.min, info.max))
    return largest_magnitude(array)


def rounding_error(largest: float, gains: list[float], taps: list[int], dtype) -> float:
    """A bound on the rounding error of ``v + 0.5`` after a chain of passes in ``dtype``.

    A pass of ``k`` taps with row gain ``g = max Σ|w|`` on values bounded by
    ``B`` carrying an error ``e`` leaves ``g·e + (k + 1)·u·g·B`` (weights
    rounded to ``dtype``, then at most ``k`` roundings of products and sums
    in any order, each within the unit roundoff ``u``; zero weights add
    exactly), plus one rounding for ``+ 0.5``.
    """
    unit = float(np.finfo(dtype).eps) / 2
    bound, error = largest, 0.0
    for gain, k in zip(gains, taps):
        error = gain * error + (k + 1) * unit * gain * bound
        bound *= gain
    return error + unit * (bound + 1.0)


def near_integers(values: np.ndarray, tolerance: float) -> np.ndarray:
    """Flat indices of ``values`` within ``tolerance`` of an integer."""
    distance = np.rint(values)
    np.subtract(values, distance, out=distance)
    np.abs(distance, out=distance)
    return np.flatnonzero(distance <= tolerance)


def smallest_magnitude(values: np.ndarray) -> float:
    """The smallest non-zero ``|x|`` of finite float ``values``, infinite when all are 0.

    Magnitudes order as their bit patterns with the sign bit cleared; one
    less wraps 0 round to the largest pattern, out of the minimum's way (a
    masked minimum costs several times as much).
    """
    unsigned = np.dtype(f"u{values.itemsize}")
    bits = np.bitwise_and(values.view(unsigned), np.iinfo(unsigned).max >> 1)
    bits -= 1
    least = bits.min(initial=np.iinfo(unsigned).max)
    if least == np.iinfo(unsigned).max:
        return math.inf
    return float(np.array(least + 1, unsigned).view(values.dtype))


def sample_quantum(smallest: float, dtype) -> float:
    """The last place of ``smallest`` in the float ``dtype``: every sample of ``dtype`` at least as large is a
    multiple of it."""
    info = np.finfo(dtype)
    return max(2.0 ** (math.frexp(smallest)[1] - info.nmant - 1), float(info.smallest_subnormal))


def has_negative_zero(values: np.ndarray) -> bool:
    """Whether any of the float ``values`` is −0."""
    unsigned = np.dtype(f"u{values.itemsize}")
    return bool(np.any(values.view(unsigned) == unsigned.type(1 << (8 * values.itemsize - 1))))


#: Outputs this many float64 units in the last place from a rounding boundary of their dtype are looked at
#: closely; the others are decided by their bits alone wherever the bound is at most this many units.
SLACK = 1 << 16


def near_midpoints(flat: np.ndarray, units: int, dtype) -> np.ndarray:
    """Which of the float64 ``flat`` lie within ``units`` float64 units in the last place of a midpoint between
    two neighbours of the float ``dtype`` (judged on the bits that rounding drops; meaningful where the
    rounded value is normal)."""
    dropped = 52 - np.finfo(dtype).nmant
    distance = np.add(flat.view(np.int64), units - (1 << (dropped - 1)))
    np.bitwise_and(distance, (1 << dropped) - 1, out=distance)
    return np.less_equal(distance, 2 * units)


def near_boundaries(flat: np.ndarray, tolerance: float, dtype, overflow: bool = False) -> np.ndarray:
    """Indices of the float64 ``flat`` that may lie within ``tolerance`` of a rounding boundary of ``dtype``.

    A superset, found from the bits: where ``|y| >= small``, one float64
    unit in the last place of ``y`` is at least ``|y|·2⁻⁵³``, so a bound of
    ``tolerance`` is at most :data:`SLACK` units, and ``y`` is decided when
    the bits rounding drops are more than that many units from a half
    (boundaries in the binade below lie 2²⁷ units or more away). Smaller
    outputs, subnormal ones of ``dtype`` among them, are all returned; so
    are those that may overflow, with ``overflow``.
    """
    info = np.finfo(dtype)
    small = max(2 * tolerance * 2.0**53 / SLACK, 2 * float(info.smallest_normal))
    flags = near_midpoints(flat, SLACK, dtype)
    middle = np.less(flat, small)
    middle &= np.greater(flat, -small)
    flags |= middle
    if overflow:
        flags |= ~(np.abs(flat) < float(info.max) / 2)
    return np.flatnonzero(flags)


class FloatCertificate:
    """float16 and float32 outputs stored from float64 banded sums, bit for bit the definition's.

    Proof. Let ``u = 2⁻⁵³`` and ``A`` the definition applied to ``|x|`` with
    the weights ``|w|`` (the sum of the magnitudes of every term), at most
    ``B·Π_p g_p`` for inputs bounded by ``B`` and passes of row gain
    ``g_p``. One output of a pass of ``k_p`` taps is an inner product of at
    most ``k_p`` non-zero terms; in any order, with or without fused
    multiply-adds, its error is at most ``γ(k_p)·Σ|w||z|`` (Higham,
    *Accuracy and Stability of Numerical Algorithms*, §3.1), and merging
    border taps into one weight adds ``u·Σ|w||z|``. An error in a pass's
    inputs reaches its output as at most ``Σ|w_i||e_i|``, so the magnitudes
    nest into ``A``, whatever the order of the passes. Both the banded sum
    and the definition are therefore within ``Σ_p (k_p + 1)·u·A`` of the
    real-number result, and within ``T = Σ_p (2k_p + 1)·u·A`` of each other
    (the factor ``1 + 2⁻¹⁰`` covers second-order terms; two more units
    cover the rounding of ``y ± T`` itself, and ``2⁻¹⁰⁷⁴`` per unit any
    float64 underflow). Rounding to the output dtype is monotonic, so where
    ``y − T`` and ``y + T`` round to the same bits, the definition's value,
    which lies between them, rounds to them too.

    That leaves the outputs whose value is a rounding boundary (a tie) or
    zero, whose sign no bound decides. Where the weights of an output's rows
    are short dyadic fractions (bilinear, bicubic and area at ×2 and ×½) and
    the strip's samples span few enough binades, every product and partial
    sum is exact in float64 in any order (each a multiple of the samples'
    quantum times ``2⁻ᵇⁱᵗˢ``, below ``2⁵³`` of them): the banded sum is the
    definition's value itself. Its zeros are then +0, as the definition's
    are, when every row has a positive weight and no sample is −0 (a sum in
    round-to-nearest is −0 only when every term is).
    """

    #: The working dtype of every pass.
    dtype = np.dtype(np.float64)

    def __init__(self, passes: list[tuple[int, AxisWeights]], output):
        self.output = np.dtype(output)
        units = sum(2 * t.taps.shape[1] + 1 for _, t in passes) + 2
        self.unit_error = units * UNIT * (1 + 2.0**-10)
        self.gain = math.prod(max(1.0, row_gain(t)) for _, t in passes)
        self.absolute = units * 2.0**-1074 * self.gain
        #: The relative error of a banded sum of non-negative terms (the magnitudes): ``Σ_p (k_p + 1)·u``.
        self.magnitude_error = sum(t.taps.shape[1] + 1 for _, t in passes) * UNIT * (1 + 2.0**-10)
        bits = {axis: row_bits(t.weights) for axis, t in passes}
        self.short = {axis: b <= 53 for axis, b in bits.items()}
        #: Fractional bits of the weights an output of short rows in every pass combines.
        self.bits = sum(int(b[self.short[axis]].max(initial=0)) for axis, b in bits.items())
        #: Whether some output has short rows in every pass (otherwise no strip's sums are exact).
        self.bits_possible = all(bool(rows.any()) for rows in self.short.values())
        self.positive_rows = all(bool(np.all(np.any(t.weights > 0, axis=1))) for _, t in passes)
        # the least non-zero term of a magnitude sum; while a float64 holds it, a sum of 0 means no term but 0
        tiniest = float(np.finfo(self.output).smallest_subnormal)
        for _, t in passes:
            tiniest *= float(np.min(np.abs(t.weights), where=t.weights != 0, initial=1.0))
        self.zeros_show = tiniest >= 2.0**-1022
        self.output_max = float(np.finfo(self.output).max)

    def tolerance(self, largest: float) -> float:
        """``T`` of the proof for inputs of magnitude at most ``largest``."""
        return self.unit_error * self.gain * largest + self.absolute

    def store(self, values: np.ndarray, out: np.ndarray, start: int, samples: np.ndarray, largest: float,
              recompute, magnitudes) -> bool:
        """Write the float64 strip ``values`` (rows from ``start``) into ``out``.

        ``samples`` are the finite inputs the strip reads, ``largest`` their
        largest magnitude; ``recompute(where)`` gives the definition's
        float64 values of the outputs ``where``, and ``magnitudes()`` the
        banded sums of ``|w|·|x|`` of the whole strip (``A`` output by
        output, for a tighter bound where the strip's own is not enough).
        Returns ``False``, having stored nothing certain, when so many
        outputs are undecided that the caller should compute the strip as
        defined instead.
        """
        exact = self._exact_rows(samples, largest)
        positive = exact is not None and self._positive_zeros(samples)
        if positive:
            values += 0.0  # −0 becomes +0, the definition's zero; every other value stays
        np.copyto(out, values, casting="same_kind")
        flat = values.reshape(-1)
        tolerance = self.tolerance(largest)
        overflow = largest * self.gain >= self.output_max / 2
        candidates = self._unproven(values.shape, start, exact) if positive else None
        if candidates is None:  # every output a candidate; the exact ones sorted out after
            undecided = self._straddling(flat, near_boundaries(flat, tolerance, out.dtype, overflow), tolerance, out.dtype)
            if undecided.size and exact is not None:
                undecided = self._inexact(undecided, values, out, start, exact, positive)
        else:
            near = candidates[near_boundaries(flat[candidates], tolerance, out.dtype, overflow)]
            undecided = self._straddling(flat, near, tolerance, out.dtype)
        # a bound of its own helps an output far smaller than the strip's largest (cancellation, zeros), not a tie
        small = np.abs(flat[undecided]) < largest * self.gain * 2.0**-8
        if np.count_nonzero(small) > LOCAL_SHARE * values.size:
            rest = self._locally_undecided(undecided[small], flat, out, magnitudes().reshape(-1), samples)
            undecided = np.concatenate([undecided[~small], rest])  # in any order: each is recomputed by itself
        if undecided.size > MOST_UNDECIDED * values.size:
            return False
        if undecided.size:
            where = np.unravel_index(undecided, values.shape)
            out[where] = to_dtype(recompute(where), out.dtype)
        return True

    @staticmethod
    def _straddling(flat: np.ndarray, index: np.ndarray, tolerance, dtype) -> np.ndarray:
        """The ``index`` entries whose ``flat`` values ± ``tolerance`` round to different bits of ``dtype``."""
        bits = f"u{dtype.itemsize}"  # bit patterns, so that −0 and +0 differ
        chosen = flat[index]
        low = (chosen - tolerance).astype(dtype).view(bits)
        high = (chosen + tolerance).astype(dtype).view(bits)
        return index[low != high]

    def _positive_zeros(self, samples: np.ndarray) -> bool:
        """Whether an output whose every term is ±0 is +0 in the definition, as in every order of the sum."""
        return self.positive_rows and not has_negative_zero(samples)

    def _unproven(self, shape: tuple, start: int, exact: dict | None) -> np.ndarray | None:
        """Flat indices of the strip's outputs not exact along every axis, when they are few; else ``None``."""
        if exact is None:
            return None
        rows = {axis: r[start:start + shape[0]] if axis == 0 else r for axis, r in exact.items()}
        if math.prod(float(r.mean()) for r in rows.values()) < 0.5:
            return None
        chosen = np.zeros(shape, bool)
        for axis, r in rows.items():
            chosen[(slice(None),) * axis + (~r,)] = True
        return np.flatnonzero(chosen)

    def _inexact(self, undecided, values, out, start, exact: dict, positive: bool) -> np.ndarray:
        """The ``undecided`` flat indices whose banded sums are not proven exact (an exact zero only counts
        as proven where the definition's zeros are +0, as ``positive`` says and the stored value already is)."""
        where = np.unravel_index(undecided, values.shape)
        proven = np.ones(undecided.size, bool)
        for axis, rows in exact.items():
            proven &= rows[where[axis] + (start if axis == 0 else 0)]
        if not positive:
            proven &= values.reshape(-1)[undecided] != 0
        return undecided[~proven]

    def _locally_undecided(self, undecided, flat, out, magnitudes, samples) -> np.ndarray:
        """The ``undecided`` flat indices still undecided with each output's own ``A``; zeros of ``A = 0`` stored
        as +0."""
        local = magnitudes[undecided]
        # the computed magnitudes are sums of non-negative terms, low by at most their own relative error
        tolerance = self.unit_error * local * (1 + 2 * self.magnitude_error) + self.absolute
        if self.zeros_show:
            nothing = local == 0  # every term ±0
            if nothing.any() and self._positive_zeros(samples):
                out.reshape(-1)[undecided[nothing]] = 0.0
                undecided, tolerance = undecided[~nothing], tolerance[~nothing]
        return self._straddling(flat, undecided, tolerance, out.dtype)

    def _exact_rows(self, samples: np.ndarray, largest: float) -> dict | None:
        """Per axis, the rows whose sums are exact in float64 in any order on ``samples``; ``None`` for none."""
        if not self.bits_possible:
            return None
        smallest = smallest_magnitude(samples)
        if math.isfinite(smallest) and largest * self.gain * 2.0**self.bits >= 2.0**53 * sample_quantum(smallest, samples.dtype):
            return None
        return self.short


class IntegerCertificate:
    """The working dtype of a filter and how its results become the output.

    Integers come out exactly as defined (float64 sums, tap by tap, rounded
    half up) although the sums are made in another order, and for 8-bit
    inputs in float32:

    - an output whose weights (in every pass) are dyadic fractions, few
      enough bits that the working dtype computes every sum exactly, is
      exact (for bilinear and bicubic at ×2 and ×½ that is every output
      away from the borders);
    - every other output carries a proven bound ``tolerance`` on its error:
      where ``v + 0.5`` lies that close to an integer (the rounding could go
      either way) it is recomputed tap by tap as defined.
    """

    def __init__(self, dtype, tolerance: float = 0.0, exact_rows: dict | None = None, clip: bool = True,
                 float32_passes: int = 0):
        self.dtype = np.dtype(dtype)
        self.tolerance = tolerance
        self.exact_rows = exact_rows or {}
        self.clip = clip
        #: The first passes run in float32 while their sums are exact there, the rest in ``dtype``.
        self.float32_passes = float32_passes
        #: How halfway values are rounded: ``up``, or to ``even`` (see :func:`to_dtype`).
        self.ties = "up"

    def pass_dtypes(self, count: int) -> list[np.dtype]:
        """The working dtype of each of ``count`` passes, in the order they run."""
        return [np.dtype(np.float32) if i < self.float32_passes else self.dtype for i in range(count)]

    @classmethod
    def choose(
        cls, dtype: np.dtype, largest: float, passes: list[tuple[int, AxisWeights]], widen: bool = True,
    ) -> IntegerCertificate:
        """The arithmetic for input samples of ``dtype`` up to ``largest`` in magnitude,
        filtered by ``(axis, table)`` in turn; ``widen=False`` keeps 8-bit samples in float32
        (for a caller that proves more of its rows exact there than the choice can)."""
        gains = [row_gain(t) for _, t in passes]
        # without negative weights, and with rows summing to 1 (give or take
        # rounding), no output leaves the input's range: no need to clip
        negative = any(bool(np.any(t.weights < 0)) for _, t in passes)
        clip = negative or largest * (math.prod(gains) * (1 + 2.0**-20) - 1) >= 0.5
        work = np.dtype(np.float32 if dtype.itemsize == 1 else np.float64)
        digits = np.finfo(work).nmant + 1
        bits = [row_bits(t.weights) for _, t in passes]
        # exact rows: their weights' bits, the values' and the gains' all fit in the significand
        needed = sum(int(b[b <= digits].max(initial=0)) for b in bits)
        fits = largest * math.prod(gains) * 2.0**needed < 2.0**digits
        exact_rows = {axis: (b <= digits) & fits for (axis, _), b in zip(passes, bits)}
        if all(rows.all() for rows in exact_rows.values()):
            return cls(work, clip=clip)
        proven = math.prod(float(rows.mean()) for rows in exact_rows.values())
        if widen and work == np.float32 and proven < 0.5 and all(bool((b <= 53).all()) for b in bits):
            # most outputs inexact in float32 but all exact in float64 (8-bit samples, weights of up to
            # ~28 bits in all): the leading passes whose sums still fit float32 stay there, the rest run
            # in float64, with nothing to check
            totals = np.cumsum([int(b.max()) for b in bits])
            magnitudes = largest * np.cumprod(gains)
            if magnitudes[-1] * 2.0 ** totals[-1] < 2.0**53:
                fits = magnitudes * 2.0**totals < 2.0**24
                return cls(np.float64, clip=clip, float32_passes=int(np.argmin(fits)) if not fits.all() else len(bits))
        taps = [t.taps.shape[1] for _, t in passes]
        tolerance = rounding_error(largest, gains, taps, work) + rounding_error(largest, gains, taps, np.float64)
        return cls(work, 1.25 * tolerance, exact_rows, clip)

    def store(self, values: np.ndarray, out: np.ndarray, start: int, exact) -> None:
        """Write strip ``values`` (overwritten) into the integer ``out``; ``exact(where)`` recomputes uncertain outputs."""
        if self.ties == "even":
            # the same boundaries (halves) are uncertain; outputs off them round alike either way
            uncertain = self._uncertain(values + 0.5, start) if self.tolerance else None
            np.rint(values, out=values)
        else:
            values += 0.5
            uncertain = self._uncertain(values, start) if self.tolerance else None
        round_shifted(values, out, self.clip)
        if uncertain is not None:
            out[uncertain] = to_dtype(exact(uncertain), out.dtype, self.ties)

    def _uncertain(self, values: np.ndarray, start: int) -> tuple | None:
        """Indices of the strip ``values`` (from row ``start``) whose rounding is not proven.

        Only outputs with an inexact index along some axis count: just those
        rows and columns are checked when they are few (the borders),
        otherwise everything, the exact outputs left out afterwards.
        """
        exact = {axis: rows[start:start + values.shape[0]] if axis == 0 else rows for axis, rows in self.exact_rows.items()}
        if all(rows.all() for rows in exact.values()):
            return None
        if math.prod(rows.mean() for rows in exact.values()) < 0.75:
            near = near_integers(values, self.tolerance)
            # outputs exact along every axis need no recomputation (many lie exactly on a tie)
            rows, rest = np.divmod(near, math.prod(values.shape[1:]))
            proven = np.ones(values.shape[1:], bool)  # along the axes after the first (axis 0 always has a pass)
            for axis, exact_rows in exact.items():
                if axis:
                    proven &= exact_rows.reshape((-1,) + (1,) * (values.ndim - axis - 1))
            near = near[~(exact[0][rows] & proven.reshape(-1)[rest])]
            return np.unravel_index(near, values.shape) if near.size else None
        found = []
        for axis, rows in exact.items():
            inexact = np.flatnonzero(~rows)
            if inexact.size:
                taken = np.take(values, inexact, axis=axis)
                near = np.unravel_index(near_integers(taken, self.tolerance), taken.shape)
                found.append(near[:axis] + (inexact[near[axis]],) + near[axis + 1:])
        found = tuple(np.concatenate(coords) for coords in zip(*found))
        return found if found[0].size else None



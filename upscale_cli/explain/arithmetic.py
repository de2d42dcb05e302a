"""A library's own arithmetic for one output sample, pass by pass, as ``--explain-pixel`` prints it.

A library computes an output sample through a chain of passes. A sample of
one pass reads samples of the pass before it (of the source, for the first
pass) and combines them by a rule: integer weights, a rounding constant, a
shift and a clip (:class:`FixedRule`), or a floating-point sum in the
library's type and order, stored as the library stores it
(:class:`FloatRule`). A :class:`LibraryPass` says which samples a pass reads
for a given output and with which rule; :func:`library_passes` follows the
chain back from one output sample and records every pass it needed
(:class:`FixedPass`), each after the samples it reads. Which passes each
library runs is :mod:`upscale_cli.explain.libraries`'s business.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.plan import AxisPlan

#: Orders of a floating-point pass's sum: OpenCV's vectors, ``S₀b₀ + (S₁b₁ + (S₂b₂ + S₃b₃))``, and the scalar codes.
LAST_FIRST, IN_ORDER = "last first", "in order"
#: How a floating-point pass stores its sum: as it is in the sum's type, cast to float32, rounded half to even
#: (OpenCV's ``saturate_cast``), rounded half away from zero (Pillow's ``ROUND_UP``), or that to a 32-bit
#: integer, whose conversion gives ``−2³¹`` outside its range (Pillow's mode ``I`` on x86-64); or C's
#: ``static_cast`` of a float to an integer as x86-64 compiles it: truncated toward zero to a 32-bit integer,
#: ``−2³¹`` outside its range (onnxruntime's stores; :attr:`FixedRule.wrap` keeps its low bits).
KEEP, FLOAT32, HALF_EVEN, HALF_AWAY, INT32 = "kept", "float32", "half to even", "half away from zero", "int32"
C_CAST = "static_cast"
#: How a floating-point sum is scaled before it is stored (:attr:`FloatRule.scale`).
MULTIPLY, DIVIDE = "×", "÷"


def _group_sum(values: list, dtype: str):
    """Samples added left to right in ``dtype``; ``int32`` wraps as C's 32-bit additions do on x86-64."""
    if dtype == "int64":
        return sum(int(v) for v in values)
    kind = np.dtype(dtype).type
    total = kind(values[0])
    with np.errstate(over="ignore"):
        for value in values[1:]:
            total = kind(total + kind(value))
    return total


@dataclass(frozen=True)
class FloatRule:
    """A floating-point pass: products and sum in ``dtype`` (``"float32"``, ``"float64"``), terms added in
    ``order`` from 0, the sum stored by ``store`` and clipped where the pass clips.

    ``groups``, when given, splits the terms (each a sample of weight 1) into consecutive runs of those
    lengths: each run is summed first in ``group_dtype`` (``"int64"``: exactly; ``"int32"``: wrapping;
    ``"float32"``) and the run's sum is added to the ``dtype`` sum. ``scale``, ``(MULTIPLY, m)`` or
    ``(DIVIDE, n)``, is applied to the whole sum in ``dtype`` before it is stored.
    """

    dtype: str
    order: str
    store: str
    groups: tuple[int, ...] = ()
    group_dtype: str | None = None
    scale: tuple[str, float] | None = None

    def total(self, terms: list[tuple], shift: int):
        """The sum before :attr:`scale`, in ``dtype``."""
        kind = np.dtype(self.dtype).type
        total = kind(0)
        if self.groups:
            start = 0
            for length in self.groups:
                group = _group_sum([sample for _, sample in terms[start:start + length]], self.group_dtype)
                total = kind(total + kind(group))
                start += length
            return total
        for weight, sample in reversed(terms) if self.order == LAST_FIRST else terms:
            total = kind(total + kind(sample) * kind(weight * 2.0**-shift))
        return total

    def scaled(self, total):
        """The sum as it is stored: times or over :attr:`scale`'s number, in ``dtype``."""
        if self.scale is None:
            return total
        kind = np.dtype(self.dtype).type
        how, number = self.scale
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return kind(total * kind(number)) if how == MULTIPLY else kind(total / kind(number))

    def product(self, factors: tuple) -> float:
        """A weight given as its factors: their product in ``dtype``, left to right."""
        kind = np.dtype(self.dtype).type
        weight = kind(factors[0])
        for factor in factors[1:]:
            weight = kind(weight * kind(factor))
        return weight.item()

    def apply(self, terms: list[tuple], shift: int, clip: tuple[int, int] | None):
        """The sum (before :attr:`scale`) and the value stored."""
        total = self.total(terms, shift)
        value = float(self.scaled(total))  # rounded in a double: ``x + 0.5`` in float32 would round again
        if self.store in (KEEP, FLOAT32):
            return float(total), float(np.float32(value))
        if self.store == C_CAST:
            value = math.trunc(value) if math.isfinite(value) else math.nan
        elif self.store == HALF_EVEN:
            value = float(np.rint(value))
        else:
            value = math.copysign(math.floor(abs(value) + 0.5), value)
        if self.store in (INT32, C_CAST) and not -(2**31) <= value < 2**31:  # nan too
            value = -(2**31)
        stored = int(value)
        return float(total), stored if clip is None else min(max(stored, clip[0]), clip[1])


def shifted(total: int, shift: int, toward_zero: bool = False) -> int:
    """``total >> shift`` (toward −∞), or with ``toward_zero`` C's division by ``2^shift``."""
    return -(-total >> shift) if toward_zero and total < 0 else total >> shift


def wrapped(value: int, dtype: str) -> int:
    """The low bits of ``value`` as an integer of ``dtype`` (two's complement), as C converts to a narrower type."""
    info = np.iinfo(dtype)
    return (value - int(info.min)) % (1 << info.bits) + int(info.min)


@dataclass(frozen=True)
class FixedRule:
    """How a library computes one pass: its integer weights and what it does with their sum.

    ``toward_zero``: the sum is divided by ``2^shift`` toward zero (C's ``/``) instead of shifted.
    ``wrap``: the clipped integer is stored as its low bits in that dtype (onnxruntime's int8 antialias
    clips to 0…255 and stores the byte as int8). ``name``: what the trace calls this step where it is not
    the pass (onnxruntime's ``"extrapolation"``, which stores ``extrapolation_value`` instead of the sum).
    """

    weights: Callable[[np.ndarray], np.ndarray]
    rounding: int
    shift: int
    clip: tuple[int, int] | None = (0, 255)
    tap_shifts: tuple[int, int] | None = None
    floating: FloatRule | None = None
    toward_zero: bool = False
    wrap: str | None = None
    name: str | None = None

    def product(self, factors: tuple) -> int | float:
        """A weight given as its factors: their product as the pass forms it (exact for integers)."""
        return self.floating.product(factors) if self.floating is not None else math.prod(factors)

    def apply(self, terms: list[tuple]) -> tuple[int | float, int | float]:
        """The sum before the final shift and the sample stored."""
        if self.floating is not None:
            total, stored = self.floating.apply(terms, self.shift, self.clip)
        else:
            if self.tap_shifts is None:
                total = self.rounding + sum(w * x for w, x in terms)
            else:
                pre, post = self.tap_shifts
                total = self.rounding + sum((w * (x >> pre)) >> post for w, x in terms)
            stored = shifted(total, self.shift, self.toward_zero)
            stored = stored if self.clip is None else min(max(stored, self.clip[0]), self.clip[1])
        return total, stored if self.wrap is None else wrapped(stored, self.wrap)


@dataclass(frozen=True)
class AlphaStep:
    """Pillow's premultiplication around an ``RGBA``/``LA`` resize, one sample at a time.

    ``"premultiply"`` (``MULDIV255``): the pass's one term is ``(alpha,
    colour)``, ``total = 128 + alpha·colour`` and ``stored = (total + (total
    >> 8)) >> 8``. ``"unpremultiply"``: the one term is ``(255, colour)``,
    ``total = 255·colour`` and ``stored = min(255, total // divisor)``, the
    resized alpha; a colour whose alpha is 0 is kept as it is.
    """

    operation: str
    divisor: int | None = None


@dataclass(frozen=True)
class FixedPass:
    """One sample of one pass of a library's arithmetic, in the library's own numbers.

    The sample at ``position`` (every spatial axis, the ones not yet
    resampled in input indices) is ``(rounding + Σ term) >> shift``, clipped
    to ``low … high`` where the library clips (``None``: kept as it is), over
    ``terms``, each ``(integer weight, sample)``: a term is ``weight·sample``,
    or ``(weight·(sample >> t₁)) >> t₂`` with ``tap_shifts = (t₁, t₂)``.
    With ``floating`` the pass is a floating-point one instead
    (:class:`FloatRule`): ``total`` is the sum of ``sample·(weight/2^shift)``
    (or of its groups) in its type and order, starting from 0, before the
    rule's scale; ``rounding`` is 0, and ``stored`` the scaled sum as the
    library stores it. ``factors``, when given, holds for each term the
    factors whose product (in the pass's arithmetic, left to right) is its
    weight (onnxruntime's ``dx·dy·dz``). ``toward_zero`` and ``wrap`` are
    :class:`FixedRule`'s.
    """

    axis: str
    position: dict[str, int]
    terms: tuple[tuple[int, int], ...]
    rounding: int
    shift: int
    total: int
    low: int | None
    high: int | None
    stored: int | float
    tap_shifts: tuple[int, int] | None = None
    floating: FloatRule | None = None
    alpha: AlphaStep | None = None
    factors: tuple[tuple[int | float, ...], ...] | None = None
    toward_zero: bool = False
    wrap: str | None = None


#: What a pass reads for one of its samples: the rule, and each term's weight (or the tuple of its factors, see
#: :meth:`FixedRule.product`) with the index (every array axis) of the sample of the pass before that it
#: multiplies, or with a number: a constant the pass reads instead of a sample (``extrapolation_value``).
Reads = tuple[FixedRule, list[tuple[float | tuple, tuple[int, ...] | float]]]


@dataclass(frozen=True)
class LibraryPass:
    """One pass of a library: its name in the trace (``"x"``, ``"y·x"`` for a block) and what a sample reads."""

    name: str
    reads: Callable[[tuple[int, ...]], Reads]


def axis_pass(axis_plan: AxisPlan, rule: FixedRule | Callable[[tuple[int, ...]], FixedRule]) -> LibraryPass:
    """A pass along one axis that reads the taps of its plan's weight table, each weight mapped by the rule's.

    ``rule`` may depend on the output sample (OpenCV's vector head). A fixed-point rule reads the taps
    whose integer weight is not 0; a floating-point one every tap in the row's range, zeros too (``0·inf``
    is nan), but not the table's padding.
    """
    table = axis_plan.weights

    def reads(at: tuple[int, ...]) -> Reads:
        chosen = rule(at) if callable(rule) else rule
        d = at[axis_plan.axis]
        count = table.taps.shape[1] if chosen.floating is None or table.counts is None else int(table.counts[d])
        terms = []
        for tap, weight in zip(table.taps[d][:count], chosen.weights(table.weights[d])[:count]):
            if weight or chosen.floating is not None:
                moved = list(at)
                moved[axis_plan.axis] = int(tap)
                terms.append((weight.item(), tuple(moved)))
        return chosen, terms

    return LibraryPass(axis_plan.name, reads)


def block_positions(axis_plans: list[AxisPlan], at: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The input samples of output ``at``'s block (taps of nonzero weight), the first array axis outermost."""
    ordered = sorted(axis_plans, key=lambda p: p.axis)
    per_axis = [[int(t) for t, w in zip(p.weights.taps[at[p.axis]], p.weights.weights[at[p.axis]]) if w]
                for p in ordered]
    positions = []
    for taps in itertools.product(*per_axis):
        moved = list(at)
        for p, tap in zip(ordered, taps):
            moved[p.axis] = tap
        positions.append(tuple(moved))
    return positions


def block_name(what: str, axis_plans: list[AxisPlan]) -> str:
    """``"reduce y·x"``: a pass over blocks of one or more axes, the first array axis first."""
    return f"{what} " + "·".join(p.name for p in sorted(axis_plans, key=lambda p: p.axis))


def _muldiv255(colour: int, alpha: int, position: dict[str, int]) -> FixedPass:
    """Pillow's ``rgbA2rgba`` on one sample: ``MULDIV255(colour, alpha)``."""
    total = 128 + alpha * colour
    return FixedPass("premultiply", position, ((alpha, colour),), 128, 8, total, None, None,
                     (total + (total >> 8)) >> 8, alpha=AlphaStep("premultiply"))


def _unpremultiplied(colour: int, alpha: int, position: dict[str, int]) -> FixedPass:
    """Pillow's ``rgba2rgbA`` on one sample: ``CLIP8(255·colour / alpha)``, alpha 0 kept as it is."""
    total = 255 * colour
    stored = min(255, total // alpha) if alpha else colour
    return FixedPass("unpremultiply", position, ((255, colour),), 0, 0, total, None, None, stored,
                     alpha=AlphaStep("unpremultiply", alpha))


def library_passes(passes: list[LibraryPass], source: np.ndarray, index: tuple[int, ...],
                   names: dict[int, str], premultiplied: bool = False) -> tuple[FixedPass, ...]:
    """Output sample ``index`` of ``passes`` run in order on ``source``, every pass sample it needs traced
    before the one that reads it. ``names`` maps the spatial array axes to their names (positions are
    printed by name). ``premultiplied``: Pillow's ``RGBA``/``LA``, colour premultiplied by alpha (the
    last channel) first and divided by the resized alpha last."""
    traced: list[FixedPass] = []
    alpha = source.shape[-1] - 1
    colour = premultiplied and index[-1] != alpha
    ordered_names = sorted(names.items(), key=lambda item: item[1])

    def position_of(at: tuple[int, ...]) -> dict[str, int]:
        return {name: int(at[axis]) for axis, name in ordered_names}

    def sample(count: int, at: tuple[int, ...]) -> int | float:
        if count == 0:
            if colour:
                traced.append(_muldiv255(source[at].item(), source[at[:-1] + (alpha,)].item(), position_of(at)))
                return traced[-1].stored
            return source[at].item()
        library_pass = passes[count - 1]
        rule, reads = library_pass.reads(at)
        factors = tuple(weight for weight, _ in reads) if reads and isinstance(reads[0][0], tuple) else None
        terms = [(rule.product(weight) if factors else weight,
                  sample(count - 1, moved) if isinstance(moved, tuple) else moved) for weight, moved in reads]
        total, stored = rule.apply(terms)
        low, high = rule.clip or (None, None)
        traced.append(FixedPass(rule.name or library_pass.name, position_of(at), tuple(terms), rule.rounding,
                                rule.shift, total, low, high, stored, rule.tap_shifts, rule.floating,
                                factors=factors, toward_zero=rule.toward_zero, wrap=rule.wrap))
        return stored

    resized = sample(len(passes), index)
    if colour:
        resized_alpha = library_passes(passes, source, index[:-1] + (alpha,), names)[-1].stored
        traced.append(_unpremultiplied(resized, resized_alpha, position_of(index)))
    return tuple(traced)

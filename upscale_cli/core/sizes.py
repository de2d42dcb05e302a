"""Size and scale specifications, and the output length of every axis.

``upscale``'s own rule (docs/definition.md §1): a scale ``S`` gives
``n_out = floor(n_in · S + 0.5)`` and the mapping ratio is then always
``r = n_in / n_out``, so the picture exactly fills the output. Scales are
exact decimals (``1.333`` is 1333/1000, not the nearest binary float), so
ties such as ``5 × 0.5`` round the same way on every machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Sequence, Union

from .choices import FITS
from .errors import UsageError

SizeSpec = Union[str, int, Sequence[Union[int, None]]]
ScaleSpec = Union[str, Real, Sequence[Real]]


@dataclass(frozen=True)
class AxisSize:
    """Output length of one axis and why it has that length.

    ``ratio`` is the mapping ratio a library preset really used (for example
    PyTorch's ``1/scale_factor`` in float32); ``None`` means ``n_in/n_out``.
    """

    n_in: int
    n_out: int
    reason: str
    ratio: float | None = None


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


def _exact(number: Real | str, what: str, spec=None) -> Fraction:
    """A positive number as an exact fraction of its decimal spelling.

    Its float must be finite and non-zero too: plans compute coordinates in
    float64, so ``1e400`` is refused here rather than overflowing later.
    ``spec`` is the whole specification ``number`` came from, for the message.
    """
    shown = number if spec is None else spec
    try:
        value = Fraction(str(number).strip())
    except (ValueError, ZeroDivisionError):
        detail = "not a number" if spec is None else f"{str(number).strip()!r} is not a number"
        raise UsageError(f"bad {what} {shown!r}: {detail}") from None
    if value <= 0:
        raise UsageError(f"bad {what} {shown!r}: must be positive")
    try:
        if float(value) == 0:
            raise UsageError(f"bad {what} {shown!r}: too small")
    except OverflowError:
        raise UsageError(f"bad {what} {shown!r}: too large") from None
    return value


def parse_scale(spec: ScaleSpec) -> tuple[Fraction, ...]:
    """Parse ``2``, ``1.5x2`` (per axis, x first) or ``150%`` into exact factors."""
    if isinstance(spec, str):
        text = spec.strip().lower()
        percent = text.endswith("%")
        parts = (text[:-1] if percent else text).split("x")
        if len(parts) > 1 and not all(p.strip() for p in parts):
            raise UsageError(f"bad scale {spec!r}: expected a number (2, 1.5, 150%) or one per axis, x first (1.5x2)")
        factors = tuple(_exact(p, "scale", spec if len(parts) > 1 or percent else None) for p in parts)
        return tuple(f / 100 for f in factors) if percent else factors
    if isinstance(spec, Real):
        return (_exact(spec, "scale"),)
    return tuple(_exact(s, "scale") for s in spec)


_SIZE_PART = re.compile(r"\d*")


def parse_size(spec: SizeSpec) -> tuple[int | None, ...]:
    """Parse ``800x600``, ``800x`` / ``x600`` (keep aspect), ``4x4x4`` or ``7``.

    Returns one entry per axis, x first; ``None`` marks an axis whose length
    follows from the others by keeping the aspect ratio.
    """
    if isinstance(spec, str):
        parts = spec.strip().lower().split("x")
        if not all(_SIZE_PART.fullmatch(p) for p in parts):
            raise UsageError(f"bad size {spec!r}: expected WxH, Wx, xH or N (whole numbers)")
        lengths = tuple(int(p) if p else None for p in parts)
    elif isinstance(spec, int):
        lengths = (spec,)
    else:
        lengths = tuple(None if n is None else int(n) for n in spec)
    if all(n is None for n in lengths):
        raise UsageError(f"bad size {spec!r}: give at least one length")
    if any(n is not None and n < 1 for n in lengths):
        raise UsageError(f"bad size {spec!r}: lengths must be at least 1")
    return lengths


def match_axes(values: tuple, n_axes: int, what: str, spec) -> tuple:
    """``values`` parsed from ``spec`` as one per spatial axis; one scale serves every axis.

    ``what`` is ``"scale"`` or ``"size"``; a count that does not match is a usage error.
    """
    if len(values) == 1 and what == "scale":
        return values * n_axes
    if len(values) != n_axes:
        noun = ("factor" if what == "scale" else "length") + ("" if len(values) == 1 else "s")
        axes = "axis" if n_axes == 1 else "axes"
        raise UsageError(f"{what} {spec!r} has {len(values)} {noun} but the input has {n_axes} spatial {axes}")
    return values


def output_sizes(
    in_lengths: Sequence[int],
    *,
    size: SizeSpec | None = None,
    scale: ScaleSpec | None = None,
    fit: str = "stretch",
) -> tuple[AxisSize, ...]:
    """Output length of each spatial axis (x first) and the reason for it.

    Parameters
    ----------
    in_lengths : sequence of int
        Input lengths, x (width) first.
    size : str or sequence, optional
        Target lengths; ``None`` entries keep the aspect ratio.
    scale : str, number or sequence, optional
        One factor for all axes or one per axis.
    fit : {"stretch", "contain", "cover"}
        With every length given: ``stretch`` uses them as they are,
        ``contain`` scales uniformly to fit inside, ``cover`` to cover them.
    """
    if (size is None) == (scale is None):
        raise UsageError("give either a size or a scale (exactly one)")
    if fit not in FITS:
        raise UsageError(f"unknown fit {fit!r}; choose from {', '.join(FITS)}")
    if 0 in in_lengths:
        raise UsageError(f"cannot resize an image of {' × '.join(map(str, in_lengths))} samples: it has none to "
                         "interpolate from")
    n_axes = len(in_lengths)
    if scale is not None:
        factors = match_axes(parse_scale(scale), n_axes, "scale", scale)
        sizes = []
        for n_in, factor in zip(in_lengths, factors):
            n_out = _round_half_up(n_in * factor)
            if n_out < 1:
                raise UsageError(f"scale {float(factor):g} leaves no pixels on an axis of {n_in}")
            sizes.append(AxisSize(n_in, n_out, f"scale {float(factor):g}: floor({n_in} × {float(factor):g} + 0.5) = {n_out}"))
        return tuple(sizes)
    lengths = match_axes(parse_size(size), n_axes, "size", size)
    given = [(n_out, n_in) for n_out, n_in in zip(lengths, in_lengths) if n_out is not None]
    if len(given) == n_axes and fit == "stretch":
        return tuple(AxisSize(n_in, n_out, f"size {n_out}") for n_in, n_out in zip(in_lengths, lengths))
    ratios = [Fraction(n_out, n_in) for n_out, n_in in given]
    if len(given) == n_axes:
        factor = min(ratios) if fit == "contain" else max(ratios)
        why = f"{fit}: uniform factor {float(factor):.6g}"
        return tuple(AxisSize(n, max(1, _round_half_up(n * factor)), why) for n in in_lengths)
    factor = ratios[0]
    return tuple(
        AxisSize(n_in, n_out, f"size {n_out}") if n_out is not None
        else AxisSize(n_in, max(1, _round_half_up(n_in * factor)), f"keeps aspect ratio (factor {float(factor):.6g})")
        for n_in, n_out in zip(in_lengths, lengths)
    )

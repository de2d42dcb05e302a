"""What every library preset shares: the request it answers and the plan it builds.

A preset turns a request (shape, spatial axes, size or scale, the user's
options with ``None`` meaning "the library's default", and the library's own
knobs) into an ordinary :class:`~upscale_cli.core.plan.ResizePlan`: output lengths
by the library's rule, per-axis weight tables computed with the library's own
floating-point recipe, and the library's pass order.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from ...core.errors import UsageError
from ...core.layouts import AXIS_NAMES
from ...core.plan import DEFINED, AxisPlan, ResizeOptions, ResizePlan
from ...core.sizes import AxisSize, ScaleSpec, SizeSpec, match_axes, output_sizes, parse_scale
from ...core.weights import AxisWeights
from .arithmetic import execute


@dataclass(frozen=True)
class Knobs:
    """Options that only some libraries have (``None``: the library's default).

    Attributes
    ----------
    exclude_outside : bool or None
        ONNX ``exclude_outside``: drop taps outside the input, renormalise.
    extrapolation_value : float or None
        ONNX ``extrapolation_value`` for ``tf-crop-and-resize`` outputs
        whose source lies outside the input (default 0).
    roi : sequence of float or None
        ONNX ``roi`` of the spatial axes, x first: starts then ends in
        normalised coordinates, e.g. ``(x0, y0, x1, y1)``.
    reducing_gap : float or None
        Pillow ``reducing_gap``: box-reduce by an integer factor first.
    linear_exact : bool or None
        OpenCV ``INTER_LINEAR_EXACT`` instead of ``INTER_LINEAR``.
    """

    exclude_outside: bool | None = None
    extrapolation_value: float | None = None
    roi: tuple[float, ...] | None = None
    reducing_gap: float | None = None
    linear_exact: bool | None = None

    def given(self) -> list[str]:
        """Names of the knobs set, as on the command line."""
        return [f"--{name.replace('_', '-')}" for name, value in vars(self).items() if value not in (None, False)]


@dataclass(frozen=True)
class Request:
    """One resize as a preset sees it.

    Attributes
    ----------
    shape : tuple of int
    spatial : tuple of int
        Array axes resized, x (width) first.
    size, scale, fit
        As given to :func:`upscale_cli.resize` (exactly one of size, scale).
    mode : str
    align, rounding : str or None
    antialias : bool or None
    cubic_a : float or None
    knobs : Knobs
    dtype : numpy dtype or None
        Dtype of the samples, when known: some libraries pick their
        coordinate precision by it (PyTorch computes in float64 for float64
        tensors, float32 otherwise).
    """

    shape: tuple[int, ...]
    spatial: tuple[int, ...]
    size: SizeSpec | None
    scale: ScaleSpec | None
    fit: str
    mode: str
    align: str | None
    rounding: str | None
    antialias: bool | None
    cubic_a: float | None
    knobs: Knobs
    dtype: np.dtype | None = None

    @property
    def in_lengths(self) -> tuple[int, ...]:
        return tuple(self.shape[a] for a in self.spatial)

    def factors(self) -> tuple[float, ...]:
        """The scale factors, one per spatial axis (x first), as binary doubles.

        Libraries receive a Python float, so ``1.7`` here is the double
        nearest to 1.7, exactly what ``scale_factor=1.7`` would pass.
        """
        factors = match_axes(parse_scale(self.scale), len(self.spatial), "scale", self.scale)
        return tuple(float(Fraction(f)) for f in factors)

    def sized_lengths(self) -> tuple[AxisSize, ...]:
        """Output lengths by upscale's own rule: a size (aspect and fit as natively) or ``floor(n·S + 0.5)``.

        Presets whose library has no scale factor (Pillow) use it for scales too.
        """
        return output_sizes(self.in_lengths, size=self.size, scale=self.scale, fit=self.fit)


def unsupported(library: str, what: str, value, choices: Sequence[str]) -> UsageError:
    return UsageError(f"--compat {library} has no {what} {value!r}; it has {', '.join(choices)}")


def check_knobs(library: str, knobs: Knobs, allowed: Sequence[str]) -> None:
    """Reject knobs that the library does not have."""
    foreign = [name for name in knobs.given() if name not in allowed]
    if foreign:
        raise UsageError(f"{', '.join(foreign)} has no meaning for --compat {library}")


def selection(n_in: int, index: np.ndarray, coordinates: np.ndarray, description: str) -> AxisWeights:
    """A nearest-neighbour table: one tap of weight 1 per output, index clamped."""
    index = np.clip(np.asarray(index, dtype=np.int64), 0, n_in - 1)
    n_out = len(index)
    return AxisWeights(n_in, n_out, index[:, None], np.ones((n_out, 1)), np.asarray(coordinates, dtype=np.float64), description)


def round_coordinates(x: np.ndarray, rounding: str) -> np.ndarray:
    """Round library-precision coordinates (already floats) by a rounding name."""
    if rounding == "floor":
        return np.floor(x)
    if rounding == "ceil":
        return np.ceil(x)
    if rounding == "round":
        return np.floor(x + 0.5)
    if rounding == "half-down":
        return np.ceil(x - 0.5)
    return np.rint(x)


def running_sum_index(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Pillow's and OpenCV's nearest: ``f = r/2``, then ``f += r`` in double.

    Returns the indices and the coordinates ``f − 0.5`` they were taken from.
    """
    ratio = n_in / n_out
    # np.cumsum adds left to right in double, the same sums as the C loop
    centres = np.cumsum(np.concatenate(([ratio / 2], np.full(n_out - 1, ratio))))
    return np.floor(centres).astype(np.int64), centres - 0.5


def build_plan(
    request: Request,
    library: str,
    options: ResizeOptions,
    passes: Sequence[tuple[int, AxisSize, AxisWeights]],
    *,
    arithmetic: str = DEFINED,
    fill: float | None = None,
    ties: str = "up",
    executor=execute,
) -> ResizePlan:
    """Assemble a plan from passes ``(spatial index, size, weights)`` in application order.

    ``executor`` applies a plan whose arithmetic is the library's own (or that has a ``fill``).
    """
    out_shape = list(request.shape)
    axes = []
    for index, size, weights in passes:
        axis = request.spatial[index]
        out_shape[axis] = weights.n_out
        axes.append(AxisPlan(axis, AXIS_NAMES[index], size, weights))
    executor = None if arithmetic == DEFINED and fill is None else executor
    return ResizePlan(
        tuple(request.shape), tuple(out_shape), options, tuple(axes),
        compat=library, arithmetic=arithmetic, fill=fill, ties=ties, executor=executor,
    )

"""A resize plan: for every resized axis, its output length and its weight table.

Planning is separate from applying so that one plan serves the engine, the
``--explain`` traces and the tests: the numbers printed are the numbers used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Callable

import numpy as np

from .choices import ALIGNS, MODES, ROUNDINGS
from .coords import check_choice
from .errors import UsageError
from .kernels import kernel_for_mode
from .layouts import AXIS_NAMES, spatial_axes
from .sizes import AxisSize, ScaleSpec, SizeSpec, output_sizes
from .weights import AxisWeights, area_weights, kernel_weights, nearest_weights

#: Largest ``|a|`` of Keys' cubic. Its weights reach about 8·|a| and cancel
#: to rows summing to 1, which float arithmetic does only to about
#: ``|a|·ε``: at 1000 that is 6e-5 in float32, past about 2e307 the values
#: overflow (an all-NaN result). Useful values lie between −1 and 0.
MAX_CUBIC_A = 1000.0


#: The arithmetic of a plan computed as defined (docs/definition.md), by the engine itself.
DEFINED = "defined"


@dataclass(frozen=True)
class ResizeOptions:
    """How to resample, independent of sizes.

    Attributes
    ----------
    mode : str
        One of :data:`MODES`. ``nearest-exact`` is ``nearest`` with
        half-pixel alignment and round-half-up (PyTorch's name for it).
    align : str
        Coordinate transform, one of :data:`upscale_cli.core.coords.ALIGNS`.
    rounding : str
        Nearest-neighbour rounding, one of :data:`upscale_cli.core.coords.ROUNDINGS`.
    antialias : bool or None
        Stretch the kernel over the footprint when an axis is reduced.
        ``None`` means yes; it never changes an enlarged axis.
    cubic_a : float
        Keys' coefficient for ``bicubic``, at most :data:`MAX_CUBIC_A` in
        magnitude.
    exclude_outside : bool
        Drop kernel taps outside the input and renormalise the rest (ONNX's
        ``exclude_outside``) instead of replicating the edge sample.
    """

    mode: str = "bicubic"
    align: str = "half-pixel"
    rounding: str = "round"
    antialias: bool | None = None
    cubic_a: float = -0.5
    exclude_outside: bool = False

    def __post_init__(self):
        check_choice(self.mode, MODES, "mode")
        check_choice(self.align, ALIGNS, "alignment")
        check_choice(self.rounding, ROUNDINGS, "rounding")
        if not (math.isfinite(self.cubic_a) and abs(self.cubic_a) <= MAX_CUBIC_A):
            raise UsageError(f"bad cubic coefficient {self.cubic_a!r}: it must lie between -{MAX_CUBIC_A:g} and {MAX_CUBIC_A:g}")
        if self.mode == "nearest-exact" and (self.align, self.rounding) != ("half-pixel", "round"):
            raise UsageError("nearest-exact is half-pixel with rounding 'round'; use --mode nearest to change them")


def axis_weights(n_in: int, n_out: int, options: ResizeOptions) -> AxisWeights:
    """The weight table of one axis under ``options`` (native, exact conventions)."""
    mode = options.mode
    if mode in ("nearest", "nearest-exact"):
        return nearest_weights(n_in, n_out, options.align, options.rounding)
    if mode == "area":
        return area_weights(n_in, n_out)
    kernel = kernel_for_mode(mode, options.cubic_a)
    return kernel_weights(
        n_in, n_out, kernel, options.align,
        antialias=options.antialias is not False, exclude_outside=options.exclude_outside,
    )


@dataclass(frozen=True)
class AxisPlan:
    """One resized axis: where it is, how long it becomes, how it is sampled."""

    axis: int
    name: str
    size: AxisSize
    weights: AxisWeights

    @property
    def ratio(self) -> Fraction | float:
        """The mapping ratio: ``n_in / n_out`` exactly, or the one a preset used."""
        if self.size.ratio is not None:
            return self.size.ratio
        return Fraction(self.size.n_in, self.size.n_out)


@dataclass(frozen=True)
class ResizePlan:
    """Everything needed to resize arrays of one shape.

    Attributes
    ----------
    in_shape, out_shape : tuple of int
    options : ResizeOptions
    axes : tuple of AxisPlan
        The passes in the order the engine applies them: natively the most
        reduced axis first (less data for the later passes), then x before
        y; a library preset uses the library's order (and may resample one
        axis twice, as Pillow's ``reducing_gap`` does).
    compat : str or None
        The library preset that made the plan (``--compat``), if any.
    arithmetic : str
        How samples are combined: :data:`DEFINED` (the definition,
        docs/definition.md: float64 sums in tap order, converted once) or a
        library's own arithmetic (each library's ``arithmetic`` module under
        :mod:`upscale_cli.compat`).
    fill : float or None
        Value of outputs whose source lies outside the input (ONNX
        ``extrapolation_value``); their weight rows are all zero.
    bands : bool
        Whether the output can be made a band of rows at a time
        (:mod:`upscale_cli.engine.bands`); ``False`` for a library kernel that
        needs the whole input (onnxruntime's integer kernels over an axis 0
        that keeps its length).
    ties : str
        How an integer output whose exact value lies halfway between two
        integers is rounded: ``up`` (the rule of fixed-point libraries and
        of the engine) or ``even`` (the ONNX reference's ``np.round``).
    executor : callable or None
        ``executor(array, plan)`` applies a plan whose ``arithmetic`` is not
        :data:`DEFINED` or that has a ``fill``. Whoever makes such a plan supplies
        it, so that the engine, which sits below the presets, never needs to
        know one.
    """

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    options: ResizeOptions
    axes: tuple[AxisPlan, ...] = field(default_factory=tuple)
    compat: str | None = None
    arithmetic: str = DEFINED
    fill: float | None = None
    ties: str = "up"
    bands: bool = True
    executor: Callable[[np.ndarray, ResizePlan], np.ndarray] | None = field(default=None, compare=False, repr=False)

    def defined(self, **changes) -> ResizePlan:
        """The same resize in the engine's own arithmetic (docs/definition.md), which needs no executor.

        ``changes`` replace other fields as :func:`dataclasses.replace` does
        (a library's fixed-point weights as ``axes``, no ``fill``).
        """
        return replace(self, arithmetic=DEFINED, executor=None, **changes)


def plan_resize(
    shape: tuple[int, ...],
    *,
    size: SizeSpec | None = None,
    scale: ScaleSpec | None = None,
    fit: str = "stretch",
    layout: str | None = None,
    options: ResizeOptions = ResizeOptions(),
) -> ResizePlan:
    """Plan the resize of an array of ``shape``; see :func:`upscale_cli.resize`."""
    spatial = spatial_axes(len(shape), layout)
    sizes = output_sizes([shape[a] for a in spatial], size=size, scale=scale, fit=fit)
    out_shape = list(shape)
    axes = []
    for axis, name, axis_size in zip(spatial, AXIS_NAMES, sizes):
        out_shape[axis] = axis_size.n_out
        axes.append(AxisPlan(axis, name, axis_size, axis_weights(axis_size.n_in, axis_size.n_out, options)))
    axes.sort(key=lambda p: p.size.n_out / p.size.n_in)
    return ResizePlan(tuple(shape), tuple(out_shape), options, tuple(axes))

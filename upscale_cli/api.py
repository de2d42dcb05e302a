"""The public library API: resize NumPy arrays and Pillow images.

Both functions validate and normalise their arguments, build one
:class:`~upscale_cli.core.plan.ResizePlan` and hand it to the engine.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, Sequence

import numpy as np

from .compat.base.planning import Knobs, Request
from .core.errors import UsageError
from .core.layouts import spatial_axes
from .core.plan import ResizeOptions, ResizePlan, plan_resize
from .core.sizes import ScaleSpec, SizeSpec
from .engine.apply import apply_plan, check_dtype, to_dtype
from .engine.bands import Bands
from .io.images import image_of


@dataclass(frozen=True)
class ResizeArguments:
    """The keyword arguments of :func:`resize` and :func:`plan_for`, as given (see :func:`resize`).

    ``None`` means "the default for this mode", or the preset's with ``compat``.
    """

    size: SizeSpec | None = None
    scale: ScaleSpec | None = None
    mode: str = "bicubic"
    align: str | None = None
    rounding: str | None = None
    antialias: bool | None = None
    cubic_a: float | None = None
    layout: str | None = None
    fit: str = "stretch"
    compat: str | None = None
    exclude_outside: bool | None = None
    extrapolation_value: float | None = None
    roi: Sequence[float] | None = None
    reducing_gap: float | None = None
    linear_exact: bool | None = None

    @classmethod
    def given(cls, function: str, arguments: dict[str, Any]) -> ResizeArguments:
        """The arguments ``function`` was called with, refused as Python refuses an unknown keyword."""
        unknown = sorted(set(arguments) - {f.name for f in fields(cls)})
        if unknown:
            raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")
        return cls(**arguments)

    def options(self) -> ResizeOptions:
        """The native resize options, defaults filled in."""
        return ResizeOptions(
            mode=self.mode,
            align=self.align or "half-pixel",
            rounding=self.rounding or "round",
            antialias=self.antialias,
            cubic_a=-0.5 if self.cubic_a is None else self.cubic_a,
            exclude_outside=bool(self.exclude_outside),
        )

    def knobs(self) -> Knobs:
        """The library-only options as :class:`~upscale_cli.compat.base.planning.Knobs`.

        Without a ``compat`` preset only ``exclude_outside`` has a native
        meaning; the others are a usage error.
        """
        knobs = Knobs(
            exclude_outside=self.exclude_outside, extrapolation_value=self.extrapolation_value,
            roi=None if self.roi is None else tuple(float(v) for v in self.roi),
            reducing_gap=self.reducing_gap, linear_exact=self.linear_exact,
        )
        foreign = [name for name in knobs.given() if name != "--exclude-outside"]
        if self.compat is None and foreign:
            raise UsageError(f"{', '.join(foreign)} belongs to a library preset: add --compat")
        return knobs

    def plan(self, shape: tuple[int, ...], dtype: Any = None) -> ResizePlan:
        """The plan for an array of ``shape`` (and ``dtype``, which some presets choose their arithmetic by)."""
        shape = tuple(shape)
        knobs = self.knobs()
        if self.compat is not None:
            from .compat import plan_compat

            request = Request(
                shape, spatial_axes(len(shape), self.layout), self.size, self.scale, self.fit, self.mode, self.align,
                self.rounding, self.antialias, self.cubic_a, knobs,
                # the presets choose their arithmetic by the samples' type, whatever their byte order
                None if dtype is None else np.dtype(dtype).newbyteorder("="),
            )
            return plan_compat(self.compat, request)
        return plan_resize(shape, size=self.size, scale=self.scale, fit=self.fit, layout=self.layout, options=self.options())


def _with_arguments(function):
    """Show ``function``'s ``**arguments`` as the keywords of :class:`ResizeArguments` (``help``, ``inspect``)."""
    signature = inspect.signature(function)
    keywords = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=f.type)
                for f in fields(ResizeArguments)]
    parameters = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    function.__signature__ = signature.replace(parameters=parameters + keywords)
    return function


def make_options(
    mode: str = "bicubic",
    align: str | None = None,
    rounding: str | None = None,
    antialias: bool | None = None,
    cubic_a: float | None = None,
    exclude_outside: bool | None = None,
) -> ResizeOptions:
    """Resize options with ``None`` meaning "the default for this mode" (:meth:`ResizeArguments.options`)."""
    return ResizeArguments(mode=mode, align=align, rounding=rounding, antialias=antialias, cubic_a=cubic_a,
                           exclude_outside=exclude_outside).options()


def library_knobs(
    compat: str | None,
    exclude_outside: bool | None = None,
    extrapolation_value: float | None = None,
    roi: Sequence[float] | None = None,
    reducing_gap: float | None = None,
    linear_exact: bool | None = None,
) -> Knobs:
    """The library-only options (:meth:`ResizeArguments.knobs`)."""
    return ResizeArguments(compat=compat, exclude_outside=exclude_outside, extrapolation_value=extrapolation_value,
                           roi=roi, reducing_gap=reducing_gap, linear_exact=linear_exact).knobs()


@_with_arguments
def plan_for(shape: tuple[int, ...], *, dtype: Any = None, **arguments) -> ResizePlan:
    """The plan :func:`resize` would follow for an array of ``shape`` (and ``dtype``); keywords as for :func:`resize`."""
    return ResizeArguments.given("plan_for", arguments).plan(shape, dtype)


@_with_arguments
def resize(array, **arguments) -> np.ndarray:
    """Resize the spatial axes of an array.

    Parameters
    ----------
    array : array_like
        Integer or float samples. Which axes are spatial follows ``layout``.
    size : str or sequence of int, optional
        Output lengths, x (width) first like Pillow: ``(W, H)``, ``(W, H, D)``
        or ``(n,)``; ``None`` entries keep the aspect ratio. Strings as on the
        command line (``"800x600"``, ``"800x"``).
    scale : float, str or sequence, optional
        Factor for every axis or per axis; ``n_out = floor(n_in·S + 0.5)``.
        Exactly one of ``size`` and ``scale`` is required.
    mode : str
        ``nearest``, ``nearest-exact``, ``linear``, ``bilinear``,
        ``trilinear``, ``bicubic``, ``lanczos``, ``box``, ``hamming``, ``area``.
        The linear family is one triangle kernel applied to every spatial axis.
    align : str, optional
        Coordinate transform; default ``half-pixel``. Ignored by ``area``,
        which integrates each output's footprint.
    rounding : str, optional
        Nearest-neighbour rounding; default ``round`` (half up).
    antialias : bool, optional
        For reduced axes, stretch the kernel over each output's footprint
        (default). Enlarged axes always interpolate.
    cubic_a : float, optional
        Keys' coefficient for ``bicubic`` (default −0.5, or the preset's).
    layout : str, optional
        ``l``, ``ncl``, ``hw``, ``hwc``, ``chw``, ``nchw``, ``nhwc``, ``dhw``,
        ``ncdhw``; default by number of dimensions (1 → l, 2 → hw, 3 → hwc,
        4 → nchw, 5 → ncdhw).
    fit : {"stretch", "contain", "cover"}
        How a full ``size`` is honoured (default: exactly, ``stretch``).
    compat : {"torch", "opencv", "pillow", "onnx", "onnxruntime"}, optional
        Reproduce that library value for value (``onnx``: the ONNX standard's
        reference implementation; ``onnxruntime``: its CPU kernels, integer ones included): its output-length rule,
        ratio, coordinates, rounding, kernel, borders and arithmetic (see
        :mod:`upscale_cli.compat`). The options above, when given, override
        the preset's defaults; ``None`` means "the library's default".
    exclude_outside : bool, optional
        Drop kernel taps outside the input and renormalise (ONNX
        ``exclude_outside``); natively too.
    extrapolation_value : float, optional
        ONNX ``tf-crop-and-resize``: value of outputs outside the input.
    roi : sequence of float, optional
        ONNX ``tf-crop-and-resize`` region, x first: ``(x0, y0, x1, y1)``.
    reducing_gap : float, optional
        Pillow: box-reduce by an integer factor first (``Image.resize``'s
        ``reducing_gap``).
    linear_exact : bool, optional
        OpenCV: ``INTER_LINEAR_EXACT`` for ``bilinear``.

    Returns
    -------
    ndarray
        A new array of the same dtype. Without ``compat``, every sample is
        the definition's (docs/definition.md), bit for bit on every machine:
        float64 sums in tap order, converted once, integers rounded half up
        and clipped to their range, floats rounded to nearest even into
        their dtype. With ``compat``, the library's own arithmetic.

    Examples
    --------
    >>> import numpy as np, upscale_cli
    >>> upscale_cli.resize(np.array([[0.0, 1.0]]), size=(4, 1), mode="bilinear")
    array([[0.  , 0.25, 0.75, 1.  ]])
    """
    array = np.asarray(array)
    check_dtype(array)
    return apply_plan(array, ResizeArguments.given("resize", arguments).plan(array.shape, array.dtype))


def needs_premultiplication(plan: ResizePlan) -> bool:
    """True when ``plan`` mixes samples, so alpha must be premultiplied.

    Selections (nearest) move whole pixels and need none of it, except
    with ``compat="pillow"``, whose filters premultiply whatever their taps.
    """
    if plan.compat == "pillow":
        from .compat.pillow.arithmetic import premultiplies

        return premultiplies(plan)
    return not all(p.weights.is_selection for p in plan.axes)


def premultiply(array: np.ndarray, alpha_max: float) -> np.ndarray:
    """Colour channels multiplied by alpha/alpha_max (float64; alpha, the last channel, unchanged)."""
    values = array.astype(np.float64)
    values[..., :-1] *= values[..., -1:] / alpha_max
    return values


def unpremultiply(resized: np.ndarray, alpha_max: float, dtype: np.dtype) -> np.ndarray:
    """Inverse of :func:`premultiply` after resizing; colour 0 where alpha is 0; cast to ``dtype``."""
    resized_alpha = resized[..., -1:] / alpha_max
    straight = np.zeros_like(resized)
    np.divide(resized[..., :-1], resized_alpha, out=straight[..., :-1], where=resized_alpha > 0)
    straight[..., -1:] = resized[..., -1:]
    return to_dtype(straight, dtype)


def apply_premultiplied(array: np.ndarray, plan: ResizePlan, alpha_max: float) -> np.ndarray:
    """Resize an ``hwc`` array whose last channel is alpha, without colour bleeding.

    Colour is multiplied by alpha before filtering and divided after, so a
    fully transparent pixel contributes nothing to its neighbours' colour.
    """
    if not needs_premultiplication(plan):
        return apply_plan(array, plan)
    return unpremultiply(apply_plan(premultiply(array, alpha_max), plan), alpha_max, array.dtype)


#: Modes whose samples are sRGB-encoded light, with their largest sample value;
#: the modes ``linear=True`` accepts.
LINEAR_LIGHT_MODES = {"L": 255, "LA": 255, "RGB": 255, "RGBA": 255, "I;16": 65535, "I;16L": 65535, "I;16B": 65535,
                      "LA;16": 65535, "RGB;16": 65535, "RGBA;16": 65535}
#: Modes with straight (not premultiplied) alpha as their last channel → alpha's full-scale value
#: (``LA;16`` and ``RGBA;16``: 16-bit colour, :mod:`upscale_cli.io.images`).
STRAIGHT_ALPHA_MODES = {"LA": 255.0, "RGBA": 255.0, "LA;16": 65535.0, "RGBA;16": 65535.0}


def apply_linear_light(array: np.ndarray, plan: ResizePlan, maximum: int, *, alpha: bool) -> np.ndarray:
    """Resize sRGB-encoded samples in linear light, then encode them back.

    The colour channels are decoded with :func:`upscale_cli.io.srgb.to_linear`
    (alpha, if ``alpha``, is already linear and stays as it is), filtered
    (premultiplied when there is alpha), and encoded with
    :func:`upscale_cli.io.srgb.from_linear`; the result has ``array``'s dtype.
    """
    from .io.srgb import from_linear, to_linear

    values = array.astype(np.float64) / maximum
    colour = values[..., :-1] if alpha else values
    colour[...] = to_linear(colour)
    resized = apply_premultiplied(values, plan, 1.0) if alpha else apply_plan(values, plan)
    colour = resized[..., :-1] if alpha else resized
    colour[...] = from_linear(colour)
    return to_dtype(resized * maximum, array.dtype)


@dataclass(frozen=True)
class ImageResize:
    """A resized image with the plan and the sample arrays on both sides."""

    image: Any
    plan: ResizePlan
    source: np.ndarray
    result: np.ndarray
    #: alpha's full-scale value when colour was premultiplied by alpha, else None.
    alpha_max: float | None = None


def resize_image(image, **kwargs):
    """Resize a Pillow image; keyword arguments as for :func:`resize` (no ``layout``).

    Modes ``L``, ``RGB``, ``CMYK``, ``I;16``, ``I``, ``F`` and the
    premultiplied ``La``/``RGBa`` are resized as they are; ``LA`` and
    ``RGBA`` with premultiplied alpha. ``1``, ``P`` and ``PA`` keep their
    mode with nearest neighbour and are converted to ``L`` and
    ``RGB``/``RGBA`` for every other mode. ``linear=True`` resizes ``L``,
    ``LA``, ``RGB``, ``RGBA`` and ``I;16`` images in linear light
    (:func:`apply_linear_light`).

    Returns
    -------
    PIL.Image.Image
        A new image of the same mode (or the converted one, see above).
    """
    return resize_image_traced(image, **kwargs).image


def resize_image_traced(image, *, linear: bool = False, **kwargs) -> ImageResize:
    """:func:`resize_image`, also returning the plan and arrays it used."""
    if "layout" in kwargs:
        raise UsageError("resize_image takes no layout: images are always height × width (× channels)")
    image = resizable(image, kwargs.get("mode", "bicubic"))
    source = image.convert("L") if image.mode == "1" else image
    array = np.asarray(source)
    plan, resized, alpha_max = resize_samples(array, source.mode, linear=linear, **kwargs)
    result = image_of(resized, source.mode)
    if image.mode == "1":
        result = result.convert("1")  # nearest kept the values exactly 0 or 255
    elif image.mode in ("P", "PA"):
        result.putpalette(image.getpalette(rawmode=image.palette.mode), rawmode=image.palette.mode)
        if "transparency" in image.info:
            result.info["transparency"] = image.info["transparency"]
    return ImageResize(result, plan, array, resized, alpha_max)


def resize_samples(array: np.ndarray, image_mode: str, *, linear: bool = False, **kwargs) -> tuple:
    """Resize the samples of an image of Pillow mode ``image_mode`` as :func:`resize_image` does.

    Returns
    -------
    plan : ResizePlan
    resized : ndarray
        The resized samples, in ``array``'s dtype.
    alpha_max : float or None
        Alpha's full-scale value when colour was premultiplied by alpha.
    """
    plan, bands, alpha_max = banded_samples(array, image_mode, linear=linear, **kwargs)
    return plan, bands.whole(), alpha_max


def banded_samples(array: np.ndarray, image_mode: str, *, linear: bool = False, **kwargs) -> tuple:
    """:func:`resize_samples` with the resized samples still to be made, band by band.

    The options are checked here; the samples are resized when the returned
    :class:`~upscale_cli.engine.bands.Bands` is iterated (or made
    :meth:`~upscale_cli.engine.bands.Bands.whole`), each band equal to those
    rows of :func:`resize_samples`' result.
    """
    plan = plan_for(array.shape, layout="hw" if array.ndim == 2 else "hwc", dtype=array.dtype, **kwargs)
    _check_resample(plan, image_mode, linear)
    premultiplied = plan.compat in (None, "pillow") and image_mode in STRAIGHT_ALPHA_MODES
    alpha_max = STRAIGHT_ALPHA_MODES[image_mode] if premultiplied and needs_premultiplication(plan) else None
    return plan, Bands(array, plan, partial(_resample, mode=image_mode, linear=linear)), alpha_max


def _check_resample(plan: ResizePlan, mode: str, linear: bool) -> None:
    """Refuse what :func:`_resample` cannot do, before any sample is computed."""
    if plan.compat is not None and linear:
        raise UsageError("--linear cannot be combined with --compat: the libraries filter the encoded values")
    if plan.compat == "pillow" and mode in ("LA;16", "RGBA;16"):
        raise UsageError(f"--compat pillow cannot resize 16-bit colour with alpha ({mode}): Pillow has no such mode")
    if linear and needs_premultiplication(plan) and mode not in LINEAR_LIGHT_MODES:
        raise UsageError(f"linear light needs an 8- or 16-bit L, LA, RGB or RGBA image, not mode {mode}")


def _resample(array: np.ndarray, plan: ResizePlan, mode: str, linear: bool) -> np.ndarray:
    """The samples of an image of ``mode`` resized by ``plan`` (options checked by :func:`_check_resample`)."""
    if mode == "LAB":
        # Pillow hands a* and b* out as signed bytes (−1 is 255) and resizes them offset (0 is 128), as averaging needs
        offset = np.array([0, 128, 128], np.uint8)
        return _resample(array ^ offset, plan, "RGB", linear) ^ offset
    alpha = mode in STRAIGHT_ALPHA_MODES
    if plan.compat is not None:
        if alpha and plan.compat == "pillow":
            from .compat.pillow.arithmetic import pillow_premultiplied

            return pillow_premultiplied(array, plan)
        return apply_plan(array, plan)  # PyTorch, OpenCV and ONNX treat alpha as one more channel
    if linear and needs_premultiplication(plan):
        return apply_linear_light(array, plan, LINEAR_LIGHT_MODES[mode], alpha=alpha)
    if alpha:
        return apply_premultiplied(array, plan, STRAIGHT_ALPHA_MODES[mode])
    return apply_plan(array, plan)


#: Modes an image keeps through nearest neighbour, with its palette or two levels.
KEPT_MODES = ("1", "P", "PA")


def resizable(image, mode: str = "bicubic"):
    """``image`` in the mode whose samples resize ``mode`` works on.

    Nearest neighbour moves samples as they are; every other mode averages
    them, so bilevel and palette images are converted (:func:`averageable`).
    """
    return image if mode in ("nearest", "nearest-exact") else averageable(image)


def averageable(image):
    """Bilevel and palette images in a mode whose values can be averaged (``L``, ``RGB`` or ``RGBA``).

    Other images are returned as they are. A palette keeps its transparency
    (a ``transparency`` entry or an ``RGBA`` palette) as an alpha channel.
    """
    if image.mode == "1":
        return image.convert("L")
    if image.mode not in ("P", "PA"):
        return image
    has_alpha = image.mode == "PA" or "transparency" in image.info or image.palette.mode == "RGBA"
    return image.convert("RGBA" if has_alpha else "RGB")

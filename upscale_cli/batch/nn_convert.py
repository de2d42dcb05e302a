"""The neural-network modes of the command line, as a library.

``upscale x.npy --mode deconv --kernel bilinear --scale 2`` and its siblings:
this module checks which options apply, loads the extra ``.npy`` operands
(indices, kernel, bias), brings the input to ``(N, C, *spatial)``, calls one
operator of :mod:`upscale_cli.nn` and brings the result back to the input's
layout. It returns everything ``--explain`` shows, so the explanation reads
the arrays that produced the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Optional

import numpy as np

from .. import nn
from ..api import averageable
from ..core.choices import NN_MODES, NN_OPTION_FLAGS, UNPOOL_POSITIONS
from ..core.errors import UsageError
from ..core.sizes import match_axes, parse_scale, parse_size
from ..engine.apply import check_dtype, to_dtype
from ..io.decode import read_input
from ..io.encode import format_for, write_output
from ..io.images import DEFAULT_MAX_PIXELS, STDIO, Loaded, Samples
from .convert import default_output

#: The request fields each variant of the NN modes uses.
VARIANT_OPTIONS = {
    "unpool": ("indices", "kernel_size", "stride", "padding", "size"),
    "bed-of-nails": ("scale", "position"),
    "pixel-shuffle": ("scale",),
    "pixel-unshuffle": ("scale",),
    "deconv-bilinear": ("kernel", "scale", "stride"),
    "deconv": ("kernel", "bias", "stride", "padding", "output_padding", "dilation", "groups"),
}
REQUIRED_OPTIONS = {
    "unpool": ("kernel_size",),
    "bed-of-nails": ("scale",),
    "pixel-shuffle": ("scale",),
    "pixel-unshuffle": ("scale",),
    "deconv-bilinear": (),  # --scale or --stride, checked in NNRequest.check
    "deconv": (),
}
#: What to use instead of an option that does not apply.
HINTS = {
    ("deconv", "scale"): "; the factor of a kernel file is --stride",
    ("unpool", "scale"): "; with --indices the size follows from --kernel-size, --stride, --padding or --size",
    ("bed-of-nails", "kernel_size"): "; give --indices, or --scale alone for bed of nails",
}
VARIANT_NAMES = {
    "unpool": "--mode unpool with --indices",
    "bed-of-nails": "--mode unpool without --indices (bed of nails)",
    "pixel-shuffle": "--mode pixel-shuffle",
    "pixel-unshuffle": "--mode pixel-unshuffle",
    "deconv-bilinear": "--mode deconv --kernel bilinear",
    "deconv": "--mode deconv with a kernel file",
}

#: Layouts an NN mode accepts; images are ``hw`` or ``hwc``.
NN_LAYOUTS = ("ncl", "nchw", "ncdhw", "hw", "chw", "hwc")
DEFAULT_NN_LAYOUTS = {2: "hw", 3: "ncl", 4: "nchw", 5: "ncdhw"}


@dataclass(frozen=True)
class NNRequest:
    """The options of one neural-network operation; ``None`` means not given.

    Per-axis options (``kernel_size``, ``stride``, ``padding``,
    ``output_padding``, ``dilation``) are text in PyTorch's order: ``2`` or
    ``2,3`` (height, width). ``scale`` (integer factors) and ``size`` (the
    unpooling output size) are x first, like every size in ``upscale``.
    ``indices``, ``bias`` and ``kernel`` (unless ``"bilinear"``) name ``.npy``
    files.
    """

    mode: str
    scale: Optional[str] = None
    size: Optional[str] = None
    indices: Optional[str] = None
    kernel_size: Optional[str] = None
    stride: Optional[str] = None
    padding: Optional[str] = None
    position: Optional[str] = None
    kernel: Optional[str] = None
    bias: Optional[str] = None
    output_padding: Optional[str] = None
    dilation: Optional[str] = None
    groups: Optional[int] = None
    layout: Optional[str] = None

    @property
    def variant(self) -> str:
        """``mode`` refined by the options: a key of :data:`VARIANT_OPTIONS`."""
        if self.mode == "unpool":
            return "unpool" if self.indices is not None else "bed-of-nails"
        if self.mode == "deconv":
            return "deconv-bilinear" if self.kernel == "bilinear" else "deconv"
        return self.mode

    def check(self) -> None:
        """Raise a :class:`UsageError` for a missing option or one that does not apply."""
        if self.mode not in NN_MODES:
            raise UsageError(f"unknown neural-network mode {self.mode!r}; choose from {', '.join(NN_MODES)}")
        if self.mode == "deconv" and self.kernel is None:
            raise UsageError("--mode deconv needs --kernel bilinear or --kernel FILE.npy")
        if self.position is not None and self.position not in UNPOOL_POSITIONS:
            raise UsageError(f"unknown unpool position {self.position!r}; choose from {', '.join(UNPOOL_POSITIONS)}")
        if self.layout is not None and self.layout not in NN_LAYOUTS:
            raise UsageError(f"--mode {self.mode} takes the layouts {', '.join(NN_LAYOUTS)}, not {self.layout!r}")
        variant = self.variant
        given = [f.name for f in fields(self) if f.name not in ("mode", "layout") and getattr(self, f.name) is not None]
        for name in given:
            if name not in VARIANT_OPTIONS[variant]:
                hint = HINTS.get((variant, name), "")
                raise UsageError(f"{NN_OPTION_FLAGS[name]} does not apply to {VARIANT_NAMES[variant]}{hint}")
        for name in REQUIRED_OPTIONS[variant]:
            if getattr(self, name) is None:
                raise UsageError(f"{VARIANT_NAMES[variant]} needs {NN_OPTION_FLAGS[name]}")
        if variant == "deconv-bilinear" and self.scale is None and self.stride is None:
            raise UsageError(f"{VARIANT_NAMES[variant]} needs --scale or --stride (the factor)")


@dataclass
class NNOperation:
    """One operator call: its arguments and result, channels first.

    ``source`` and ``result`` are ``(N, C, *spatial)`` exactly as given to
    and returned by the :mod:`upscale_cli.nn` function (before conversion to
    the input's dtype and layout); ``call`` is the equivalent PyTorch call.
    """

    variant: str
    call: str
    source: np.ndarray
    result: np.ndarray
    params: dict = field(default_factory=dict)
    indices: Optional[np.ndarray] = None
    weight: Optional[np.ndarray] = None
    bias: Optional[np.ndarray] = None


def _axis_ints(text: Optional[str], option: str, default=None):
    """``"2"`` → 2, ``"2,3"`` → (2, 3); ``None`` gives ``default``."""
    if text is None:
        return default
    try:
        values = tuple(int(part) for part in str(text).split(","))
    except ValueError:
        raise UsageError(f"bad {option} {text!r}: expected N or N,N,... (whole numbers, PyTorch order)") from None
    return values[0] if len(values) == 1 else values


def integer_factors(scale: str, dims: int) -> tuple[int, ...]:
    """Whole-number factors per spatial axis in array order from ``--scale`` (x first)."""
    factors = match_axes(parse_scale(scale), dims, "scale", scale)
    if any(f.denominator != 1 for f in factors):
        raise UsageError(f"scale {scale!r}: this mode needs whole-number factors")
    return tuple(int(f) for f in reversed(factors))


def bilinear_factors(request: NNRequest, dims: int) -> tuple[int, ...]:
    """The factors of the FCN bilinear kernel in array order: ``--scale`` (x first) or ``--stride``.

    A PyTorch user writes the stride (``ConvTranspose2d(..., stride=2)``),
    which for this kernel is the factor; both may be given if they agree.
    ``request.check()`` has made sure that one of them is given.
    """
    by_scale = None if request.scale is None else integer_factors(request.scale, dims)
    by_stride = None
    if request.stride is not None:
        by_stride = nn.per_axis(_axis_ints(request.stride, "--stride"), dims, "--stride", 1)
    if by_scale is not None and by_stride is not None and by_scale != by_stride:
        raise UsageError(f"--stride {request.stride} and --scale {request.scale} disagree: the stride of the bilinear "
                         f"kernel is its factor ({_text(by_stride)} against {_text(by_scale)} in PyTorch order)")
    return by_scale or by_stride


def _text(values) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def load_operands(request: NNRequest) -> dict[str, np.ndarray]:
    """The ``.npy`` files named by ``indices``, ``kernel`` (unless bilinear) and ``bias``."""
    paths = {"indices": request.indices, "kernel": None if request.kernel == "bilinear" else request.kernel,
             "bias": request.bias}
    operands = {}
    for name, path in paths.items():
        if path is None:
            continue
        loaded = read_input(path)
        if not loaded.is_array:
            raise UsageError(f"{path}: {NN_OPTION_FLAGS[name]} needs a .npy array")
        operands[name] = loaded.data
    return operands


def apply_nn(x: np.ndarray, request: NNRequest, operands: Optional[dict] = None) -> NNOperation:
    """Run the operator of ``request`` on ``x`` of shape ``(N, C, *spatial)``.

    ``operands`` holds the arrays of the ``indices``, ``kernel`` and ``bias``
    files (default: read them, see :func:`load_operands`).
    """
    request.check()
    operands = load_operands(request) if operands is None else operands
    dims = x.ndim - 2
    variant = request.variant
    if variant == "unpool":
        indices = operands["indices"]
        kernel = _axis_ints(request.kernel_size, "--kernel-size")
        stride = _axis_ints(request.stride, "--stride")
        padding = _axis_ints(request.padding, "--padding", 0)
        size = None if request.size is None else tuple(reversed(parse_size(request.size)))
        if size is not None and None in size:
            raise UsageError(f"--size {request.size!r}: give every length of the unpooling output")
        result = nn.max_unpool(x, indices, kernel, stride, padding, size, dims=dims)
        call = (f"F.max_unpool{dims}d(x, indices, kernel_size={kernel}, stride={stride}, "
                f"padding={padding}, output_size={result.shape[2:]})")
        params = _per_axis_params(
            {"kernel_size": kernel, "stride": kernel if stride is None else stride, "padding": padding}, dims)
        return NNOperation(variant, call, x, result, params, indices=indices)
    if variant == "bed-of-nails":
        factors = integer_factors(request.scale, dims)
        position = request.position or "top-left"
        result = nn.bed_of_nails(x, factors, position)
        params = {"factors": factors, "position": position, "offsets": nn.nail_offsets(factors, position)}
        return NNOperation(variant, f"bed of nails: factor {_text(factors)}, {position}", x, result, params)
    if variant in ("pixel-shuffle", "pixel-unshuffle"):
        factors = set(integer_factors(request.scale, dims))
        if dims != 2 or len(factors) != 1:
            raise UsageError(f"--mode {variant} needs (N, C, H, W) input and one whole-number --scale for both axes")
        q = factors.pop()
        operator = nn.pixel_shuffle if variant == "pixel-shuffle" else nn.pixel_unshuffle
        name = variant.replace("-", "_")
        return NNOperation(variant, f"F.{name}(x, {q})", x, operator(x, q), {"q": q})
    if variant == "deconv-bilinear":
        factors = bilinear_factors(request, dims)
        arguments = nn.bilinear_deconv_arguments(x, factors)
        result = nn.conv_transpose(x, **arguments)
        weight, padding, groups = arguments["weight"], arguments["padding"], arguments["groups"]
        params = {"stride": factors, "padding": padding, "output_padding": (0,) * dims,
                  "dilation": (1,) * dims, "groups": groups, "factors": factors}
        call = (f"F.conv_transpose{dims}d(x, weight, stride={_text(factors)}, padding={_text(padding)}, "
                f"groups={groups})  # weight: FCN bilinear, shape {weight.shape}")
        return NNOperation(variant, call, x, result, params, weight=weight)
    weight, bias = operands["kernel"], operands.get("bias")
    params = {
        "stride": _axis_ints(request.stride, "--stride", 1),
        "padding": _axis_ints(request.padding, "--padding", 0),
        "output_padding": _axis_ints(request.output_padding, "--output-padding", 0),
        "dilation": _axis_ints(request.dilation, "--dilation", 1),
        "groups": 1 if request.groups is None else request.groups,
    }
    result = nn.conv_transpose(x, weight, bias, **params)
    arguments = ", ".join(f"{key}={value}" for key, value in params.items())
    call = f"F.conv_transpose{dims}d(x, weight, {'bias' if bias is not None else 'None'}, {arguments})"
    return NNOperation(variant, call, x, result, _per_axis_params(params, dims), weight=weight, bias=bias)


def _per_axis_params(params: dict, dims: int) -> dict:
    """Per-axis parameters as one int per spatial axis (``groups`` stays an int)."""
    return {key: value if key == "groups" else nn.per_axis(value, dims, key) for key, value in params.items()}


def nn_layout(array: np.ndarray, layout: Optional[str]) -> str:
    """The layout of an NN-mode input: given, or by dimensions (2 → hw, 3 → ncl, 4 → nchw, 5 → ncdhw)."""
    if layout is None:
        if array.ndim not in DEFAULT_NN_LAYOUTS:
            raise UsageError(f"cannot use a {array.ndim}-dimensional array: give 2 to 5 dimensions")
        return DEFAULT_NN_LAYOUTS[array.ndim]
    if len(layout) != array.ndim:
        raise UsageError(f"layout {layout!r} needs a {len(layout)}-dimensional array, got {array.ndim} dimensions")
    return layout


def to_channels_first(array: np.ndarray, layout: str) -> np.ndarray:
    """``(N, C, *spatial)`` view of an array in ``layout`` (``hw``/``chw``/``hwc`` get N = 1)."""
    if layout == "hw":
        return array[None, None]
    if layout == "chw":
        return array[None]
    if layout == "hwc":
        return np.moveaxis(array, -1, 0)[None]
    return array


def from_channels_first(array: np.ndarray, layout: str) -> np.ndarray:
    """Back to ``layout``; an ``hw``/``hwc`` input gives ``hw`` for one channel, else ``hwc``."""
    if layout == "chw":
        return array[0]
    if layout in ("hw", "hwc"):
        return array[0, 0] if array.shape[1] == 1 else np.moveaxis(array[0], 0, -1)
    return array


def _tensor_image(image):
    """A Pillow image whose pixels are a plain ``hw`` or ``hwc`` array of channels."""
    if image.mode in ("L", "LA", "RGB", "RGBA", "I", "I;16", "F", "LA;16", "RGB;16", "RGBA;16"):
        return image
    if image.mode in ("1", "P", "PA"):
        return averageable(image)
    return image.convert("RGBA" if "A" in image.mode.upper() else "RGB")  # CMYK, YCbCr, La, RGBa ...


@dataclass
class NNConversion:
    """The outcome of one NN-mode conversion: the operation and the written array."""

    source: Loaded
    operation: NNOperation
    layout: str
    result: Any = field(repr=False)
    output: Optional[str] = None
    #: What writing the output's format lost, one line each (see :func:`upscale_cli.io.modes.prepare`).
    notes: list = field(default_factory=list)
    #: The image mode of ``result`` when it is an image's samples (its channels kept), else ``None``: an array.
    mode: Optional[str] = None


def nn_convert_loaded(loaded: Loaded, request: NNRequest) -> NNConversion:
    """Apply an NN operation to an image or array in memory.

    Images are treated as ``1 × C × H × W`` (channels as they are stored,
    alpha included, no premultiplication). Unpooling and shuffles keep the
    dtype; a deconvolution of integer samples is rounded half up and clipped.
    """
    request.check()
    operands = load_operands(request)
    try:
        if loaded.is_array:
            array = loaded.data
            layout = nn_layout(array, request.layout)
        else:
            if request.layout is not None:
                raise UsageError("--layout applies to .npy arrays only")
            image = _tensor_image(loaded.data)
            array = np.asarray(image)
            layout = "hw" if array.ndim == 2 else "hwc"
        check_dtype(array)
        operation = apply_nn(to_channels_first(array, layout), request, operands)
    except UsageError as error:
        raise UsageError(f"{loaded.name}: {error}") from None
    result = from_channels_first(to_dtype(operation.result, array.dtype), layout)
    mode = None if loaded.is_array or result.shape[2:] != array.shape[2:] else image.mode
    return NNConversion(loaded, operation, layout, result, mode=mode)


def nn_convert_file(
    path: str,
    request: NNRequest,
    *,
    output: Optional[str] = None,
    fmt: Optional[str] = None,
    overwrite: bool = False,
    before_write: Optional[Callable[[NNConversion], None]] = None,
    max_pixels: Optional[int] = DEFAULT_MAX_PIXELS,
) -> NNConversion:
    """Read ``path``, apply the NN operation and write the result safely.

    The default output is ``NAME@<mode>-WxH.EXT`` beside the input (output
    size x first), standard output for standard input. ``before_write``
    sees the conversion before anything is written, so a problem it raises
    leaves no output behind. An input over ``max_pixels`` is not decoded.
    """
    loaded = read_input(path, max_pixels=max_pixels)
    conversion = nn_convert_loaded(loaded, request)
    if before_write is not None:
        before_write(conversion)
    if output is None:
        spatial = conversion.operation.result.shape[2:]
        tag = request.mode + "-" + "x".join(str(n) for n in reversed(spatial))
        output = STDIO if path == STDIO else default_output(path, tag, fmt, loaded.format)
    result = conversion.result if conversion.mode is None else Samples(conversion.result, conversion.mode)
    write_output(result, output, format_for(output, fmt, loaded.format), overwrite=overwrite, notes=conversion.notes)
    conversion.output = output
    return conversion

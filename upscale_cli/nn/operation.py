"""One neural-network operator from a request: which options apply, and the call.

:class:`NNRequest` holds the options of ``upscale --mode unpool|pixel-shuffle|
pixel-unshuffle|deconv`` as given (text, x first where a size is), checks
which of them apply to the variant the options select, and :func:`apply_nn`
calls the operator of this package they select on an array of shape
``(N, C, *spatial)``, recording everything ``--explain`` shows. Reading the
operand files and the input, and its layout, are the batch layer's
(:mod:`upscale_cli.batch.nn_convert`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Optional

import numpy as np

from ..core.choices import NN_MODES, NN_OPTION_FLAGS, UNPOOL_POSITIONS
from ..core.errors import UsageError
from ..core.sizes import match_axes, parse_scale, parse_size
from .arguments import per_axis
from .deconv import bilinear_deconv_arguments, conv_transpose
from .pooling import bed_of_nails, max_unpool, nail_offsets
from .shuffle import pixel_shuffle, pixel_unshuffle

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
        by_stride = per_axis(_axis_ints(request.stride, "--stride"), dims, "--stride", 1)
    if by_scale is not None and by_stride is not None and by_scale != by_stride:
        raise UsageError(f"--stride {request.stride} and --scale {request.scale} disagree: the stride of the bilinear "
                         f"kernel is its factor ({_text(by_stride)} against {_text(by_scale)} in PyTorch order)")
    return by_scale or by_stride


def _text(values) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def apply_nn(x: np.ndarray, request: NNRequest, operands: Optional[dict] = None) -> NNOperation:
    """Run the operator of ``request`` on ``x`` of shape ``(N, C, *spatial)``.

    ``operands`` holds the arrays of the files the request names
    (``indices``, ``kernel`` unless bilinear, ``bias``); reading them is
    the caller's job, this layer has no files.
    """
    request.check()
    operands = operands or {}
    missing = [name for name in operand_files(request) if name not in operands]
    if missing:
        raise ValueError(f"apply_nn: the {', '.join(missing)} array of the request was not given")
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
        result = max_unpool(x, indices, kernel, stride, padding, size, dims=dims)
        call = (f"F.max_unpool{dims}d(x, indices, kernel_size={kernel}, stride={stride}, "
                f"padding={padding}, output_size={result.shape[2:]})")
        params = _per_axis_params(
            {"kernel_size": kernel, "stride": kernel if stride is None else stride, "padding": padding}, dims)
        return NNOperation(variant, call, x, result, params, indices=indices)
    if variant == "bed-of-nails":
        factors = integer_factors(request.scale, dims)
        position = request.position or "top-left"
        result = bed_of_nails(x, factors, position)
        params = {"factors": factors, "position": position, "offsets": nail_offsets(factors, position)}
        return NNOperation(variant, f"bed of nails: factor {_text(factors)}, {position}", x, result, params)
    if variant in ("pixel-shuffle", "pixel-unshuffle"):
        factors = set(integer_factors(request.scale, dims))
        if dims != 2 or len(factors) != 1:
            raise UsageError(f"--mode {variant} needs (N, C, H, W) input and one whole-number --scale for both axes")
        q = factors.pop()
        operator = pixel_shuffle if variant == "pixel-shuffle" else pixel_unshuffle
        name = variant.replace("-", "_")
        return NNOperation(variant, f"F.{name}(x, {q})", x, operator(x, q), {"q": q})
    if variant == "deconv-bilinear":
        factors = bilinear_factors(request, dims)
        arguments = bilinear_deconv_arguments(x, factors)
        result = conv_transpose(x, **arguments)
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
    result = conv_transpose(x, weight, bias, **params)
    arguments = ", ".join(f"{key}={value}" for key, value in params.items())
    call = f"F.conv_transpose{dims}d(x, weight, {'bias' if bias is not None else 'None'}, {arguments})"
    return NNOperation(variant, call, x, result, _per_axis_params(params, dims), weight=weight, bias=bias)


def operand_files(request: NNRequest) -> dict[str, str]:
    """The ``.npy`` files ``request`` names, by operand: ``indices``, ``kernel`` (unless bilinear), ``bias``."""
    paths = {"indices": request.indices, "kernel": None if request.kernel == "bilinear" else request.kernel,
             "bias": request.bias}
    return {name: path for name, path in paths.items() if path is not None}


def _per_axis_params(params: dict, dims: int) -> dict:
    """Per-axis parameters as one int per spatial axis (``groups`` stays an int)."""
    return {key: value if key == "groups" else per_axis(value, dims, key) for key, value in params.items()}

"""The neural-network modes of the command line, as a library.

``upscale x.npy --mode deconv --kernel bilinear --scale 2`` and its siblings:
this module loads the extra ``.npy`` operands (indices, kernel, bias), brings
the input to ``(N, C, *spatial)``, has :func:`upscale_cli.nn.operation.apply_nn`
check the options and call the operator, and brings the result back to the
input's layout. It returns everything ``--explain`` shows, so the explanation reads
the arrays that produced the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from ..api import averageable
from ..core.choices import NN_OPTION_FLAGS
from ..core.errors import UsageError
from ..engine.apply import check_dtype, to_dtype
from ..io.decode import read_input
from ..io.encode import format_for, write_output
from ..io.images import DEFAULT_MAX_PIXELS, STDIO, Loaded, Samples
from ..nn.operation import NNOperation, NNRequest, apply_nn, operand_files
from .convert import default_output

#: The layout of an NN-mode input by its number of dimensions, when not given.
DEFAULT_NN_LAYOUTS = {2: "hw", 3: "ncl", 4: "nchw", 5: "ncdhw"}


def load_operands(request: NNRequest) -> dict[str, np.ndarray]:
    """The ``.npy`` files named by ``indices``, ``kernel`` (unless bilinear) and ``bias``."""
    operands = {}
    for name, path in operand_files(request).items():
        loaded = read_input(path)
        if not loaded.is_array:
            raise UsageError(f"{path}: {NN_OPTION_FLAGS[name]} needs a .npy array")
        operands[name] = loaded.data
    return operands


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

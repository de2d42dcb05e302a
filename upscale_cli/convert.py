"""Convert one file: read, resize, name the output, write it safely.

This is the unit of work of the command line (and of a batch worker); it
returns everything ``--explain`` needs, so the trace shows the plan that
actually produced the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from .api import plan_for, resize_image_traced
from .engine import apply_plan
from .image_io import STDIO, Loaded, format_for, read_input, write_output
from .plan import ResizePlan
from .sizes import parse_scale


@dataclass(frozen=True)
class ResizeRequest:
    """Everything about a resize except the files: the keyword arguments of
    :func:`upscale_cli.resize` (``layout`` applies to arrays only)."""

    size: Any = None
    scale: Any = None
    fit: str = "stretch"
    mode: str = "bicubic"
    align: str | None = None
    rounding: str | None = None
    antialias: bool | None = None
    cubic_a: float = -0.5
    layout: str | None = None

    def resize_kwargs(self) -> dict:
        return {
            "size": self.size, "scale": self.scale, "fit": self.fit, "mode": self.mode,
            "align": self.align, "rounding": self.rounding, "antialias": self.antialias,
            "cubic_a": self.cubic_a,
        }


@dataclass
class Conversion:
    """The outcome of converting one input."""

    source: Loaded
    plan: ResizePlan
    source_array: np.ndarray
    result_array: np.ndarray
    result: Any = field(repr=False)
    output: str | None = None
    #: alpha's full-scale value when colour was premultiplied by alpha, else None.
    alpha_max: float | None = None


def resize_loaded(loaded: Loaded, request: ResizeRequest) -> Conversion:
    """Resize an image or array already in memory."""
    if loaded.is_array:
        plan = plan_for(loaded.data.shape, layout=request.layout, **request.resize_kwargs())
        result = apply_plan(loaded.data, plan)
        return Conversion(loaded, plan, loaded.data, result, result)
    traced = resize_image_traced(loaded.data, **request.resize_kwargs())
    return Conversion(loaded, traced.plan, traced.source, traced.result, traced.image, alpha_max=traced.alpha_max)


def output_tag(request: ResizeRequest, conversion: Conversion) -> str:
    """``2x`` for one uniform scale, otherwise the output size ``WxH``."""
    if request.scale is not None:
        factors = set(parse_scale(request.scale))
        if len(factors) == 1:
            factor = factors.pop()
            return f"{_decimal(factor)}x"
    lengths = [p.size.n_out for p in sorted(conversion.plan.axes, key=lambda p: p.name)]
    return "x".join(str(n) for n in lengths)


def _decimal(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def default_output(path: str, tag: str, fmt: str | None) -> str:
    """``photo.png`` → ``photo@2x.png`` beside the input (extension of ``fmt`` if given)."""
    stem, extension = os.path.splitext(path)
    if fmt:
        extension = ".npy" if fmt.lower() == "npy" else "." + fmt.lower().replace("jpeg", "jpg")
    return f"{stem}@{tag}{extension}"


def convert_file(
    path: str,
    request: ResizeRequest,
    *,
    output: str | None = None,
    fmt: str | None = None,
    overwrite: bool = False,
    before_write: Callable[[Conversion], None] | None = None,
) -> Conversion:
    """Read ``path``, resize it and write the result; returns the conversion.

    ``output`` defaults to :func:`default_output` beside the input (standard
    output when the input is standard input). ``fmt`` forces the output
    format (``png``, ``jpeg``, ``npy`` ...), otherwise the extension decides.
    ``before_write`` sees the conversion before anything is written, so a
    problem it raises leaves no output behind.
    """
    loaded = read_input(path)
    conversion = resize_loaded(loaded, request)
    if before_write is not None:
        before_write(conversion)
    if output is None:
        output = STDIO if path == STDIO else default_output(path, output_tag(request, conversion), fmt)
    write_output(conversion.result, output, format_for(output, fmt, loaded.format), overwrite=overwrite)
    conversion.output = output
    return conversion

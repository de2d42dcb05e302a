"""Convert one file: read, resize, name the output, write it safely.

This is the unit of work of the command line (and of a batch worker); it
returns everything ``--explain`` needs, so the trace shows the plan that
actually produced the file.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from itertools import chain
from typing import Any, Callable

import numpy as np

from ..api import (
    KEPT_MODES,
    ResizeArguments,
    banded_samples,
    library_knobs,
    make_options,
    plan_for,
    resizable,
    resize_image_traced,
)
from ..core.choices import LEARNED_MODES, NN_MODES
from ..core.errors import InputError, UpscaleError, UsageError
from ..core.plan import ResizePlan
from ..core.sizes import output_sizes, parse_scale, parse_size
from ..engine.apply import apply_plan, check_dtype
from ..engine.bands import Bands, streamed_band_rows
from ..io.decode import array_axes, open_streamed, read_input
from ..io.encode import SaveOptions, format_for, write_output
from ..io.images import (
    DEFAULT_MAX_OUTPUT_PIXELS,
    DEFAULT_MAX_PIXELS,
    STDIO,
    Frame,
    Loaded,
    Samples,
    Streamed,
    check_pixels,
)
from ..io.modes import WHITE
from ..io.pixels import image_samples, single_block
from ..io.window import RowWindow
from .learned import learned_image, learned_scale
from .shrink import ShrinkOnLoad


@dataclass(frozen=True)
class ResizeRequest(ResizeArguments):
    """Everything about a resize except the files: the keyword arguments of
    :func:`upscale_cli.resize` (``layout`` applies to arrays only), and
    ``linear`` (resize images in linear light)."""

    linear: bool = False

    def __post_init__(self):
        # Mistakes in the options themselves are found once, before any file is read.
        if self.size is not None:
            parse_size(self.size)
        if self.scale is not None:
            parse_scale(self.scale)
        if self.mode in LEARNED_MODES:
            learned_scale(self)
            return
        make_options(self.mode, self.align, self.rounding, self.antialias, self.cubic_a)
        library_knobs(self.compat, self.exclude_outside, self.extrapolation_value, self.roi, self.reducing_gap,
                      self.linear_exact)

    def output_lengths(self, in_lengths: tuple[int, ...]) -> tuple[int, ...]:
        """Output lengths (x first) for spatial input lengths ``in_lengths`` (x first)."""
        return tuple(s.n_out for s in output_sizes(in_lengths, size=self.size, scale=self.scale, fit=self.fit))

    def resize_kwargs(self) -> dict:
        """The keyword arguments of :func:`upscale_cli.resize_image` (no ``layout``: images have theirs)."""
        return {f.name: getattr(self, f.name) for f in fields(ResizeArguments) if f.name != "layout"}


@dataclass(frozen=True)
class ImageOptions:
    """How files are read and written, apart from their names and format.

    Attributes
    ----------
    auto_orient : bool
        Turn images upright by their EXIF orientation (and reset the tag).
    strip : bool
        Write no metadata (ICC profile, EXIF, DPI, PNG text).
    max_pixels, max_output_pixels : int or None
        Refuse inputs, and outputs, with more pixels (all frames); ``None``: no limit.
    quality, compress_level : int or None
        JPEG/WebP quality and PNG zlib level; ``None``: the defaults of
        :mod:`upscale_cli.io.encode`.
    background : tuple of int
        RGB colour that alpha is flattened over for formats without alpha.
    shrink_on_load : bool
        Decode JPEGs reduced enough at 1/2, 1/4 or 1/8 of their size
        (:mod:`upscale_cli.batch.shrink`); not the exact definition.
    """

    auto_orient: bool = True
    strip: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    max_output_pixels: int | None = DEFAULT_MAX_OUTPUT_PIXELS
    quality: int | None = None
    compress_level: int | None = None
    background: tuple[int, int, int] = WHITE
    shrink_on_load: bool = False


@dataclass
class Conversion:
    """The outcome of converting one input (the first frame's plan and arrays).

    ``source_array`` and ``result_array`` are ``None`` when the input was
    let go (:func:`resize_loaded` with ``keep_source=False``): the result is
    then made band by band as it is written, and ``result`` holds
    :class:`~upscale_cli.engine.bands.Bands`.
    """

    source: Loaded
    plan: ResizePlan
    source_array: np.ndarray | None
    result_array: np.ndarray | None
    result: Any = field(repr=False)
    output: str | None = None
    n_bytes: int = 0
    #: alpha's full-scale value when colour was premultiplied by alpha, else None.
    alpha_max: float | None = None
    #: What writing the output's format lost (alpha, precision, colour space), one line each.
    notes: list = field(default_factory=list)

    @property
    def lengths(self) -> tuple[tuple[int, int], ...]:
        """``(n_in, n_out)`` of every resized axis, x first."""
        return tuple((p.size.n_in, p.size.n_out) for p in sorted(self.plan.axes, key=lambda p: p.name))


def resize_loaded(loaded: Loaded, request: ResizeRequest, *, max_pixels: int | None = None,
                  keep_source: bool = True) -> Conversion:
    """Resize an image, animation or array already in memory.

    The output size is checked against ``max_pixels`` before anything is
    allocated. Errors name the input. A single image's result is
    :class:`~upscale_cli.io.images.Samples` (written without a Pillow copy
    when it can be). With ``keep_source=False`` the decoded image is let go
    (``loaded.data`` becomes ``None``) as soon as its samples are taken, and
    a single image's or an array's result is
    :class:`~upscale_cli.engine.bands.Bands`: it is made band by band while
    it is written, so the whole output is never in memory for the formats
    that stream (:mod:`upscale_cli.io.stream`), and in one piece for the others.
    """
    try:
        # NaN and infinities go through the sums of the definition as IEEE arithmetic has them
        # (docs/formats.md); NumPy's warnings about it would print a line of our source.
        with np.errstate(all="ignore"):
            return _resize_loaded(loaded, request, max_pixels, keep_source)
    except UpscaleError as error:
        raise type(error)(f"{loaded.name}: {error}") from None


def _resize_loaded(loaded: Loaded, request: ResizeRequest, max_pixels: int | None, keep_source: bool) -> Conversion:
    if loaded.is_array:
        if request.mode in LEARNED_MODES:
            raise UsageError(f"--mode {request.mode} enlarges images, not .npy arrays")
        if request.linear:
            raise UsageError("linear light applies to images, not arrays")
        axes = array_axes(loaded.data.shape, request.layout)
        in_lengths = tuple(loaded.data.shape[a] for a in axes)
        others = loaded.data.size // max(1, int(np.prod(in_lengths)))
        check_pixels(loaded.name, others * int(np.prod(request.output_lengths(in_lengths))), max_pixels, "the output")
        plan = plan_for(loaded.data.shape, layout=request.layout, dtype=loaded.data.dtype, **request.resize_kwargs())
        if keep_source:
            result = apply_plan(loaded.data, plan)
            return Conversion(loaded, plan, loaded.data, result, result)
        check_dtype(loaded.data)
        return Conversion(loaded, plan, None, None, Bands(loaded.data, plan))
    width, height = request.output_lengths(loaded.data.size)
    count = len(loaded.animation.frames) if loaded.animation else 1
    check_pixels(loaded.name, width * height * count, max_pixels, "the output")
    if request.mode in LEARNED_MODES:
        return _learned(loaded, request, keep_source)
    if not loaded.animation:
        conversion = _resize_samples(loaded, request, keep_source)
        if conversion is not None:
            return conversion
    frames = loaded.animation.frames if loaded.animation else [Frame(loaded.data)]
    traces = [resize_image_traced(f.image, linear=request.linear, **request.resize_kwargs()) for f in frames]
    first = traces[0]
    result = first.image
    if loaded.animation:
        resized = [Frame(t.image, f.duration, f.disposal, f.blend) for t, f in zip(traces, frames)]
        result = replace(loaded.animation, frames=resized)
    return Conversion(loaded, first.plan, first.source, first.result, result, alpha_max=first.alpha_max)


def _learned(loaded: Loaded, request: ResizeRequest, keep_source: bool) -> Conversion:
    """Enlarge a single image with a trained network (:mod:`upscale_cli.batch.learned`)."""
    if loaded.animation:
        raise UsageError(f"--mode {request.mode} enlarges still images, not animations")
    plan, samples, result, mode = learned_image(loaded.data, request.mode, learned_scale(request))
    if not keep_source:
        loaded.data = None
        samples = None
    return Conversion(loaded, plan, samples, result if samples is not None else None, Samples(result, mode))


def _resize_samples(loaded: Loaded, request: ResizeRequest, keep_source: bool) -> Conversion | None:
    """Resize a single image into :class:`Samples` (of :class:`Bands` without
    ``keep_source``); ``None`` for a palette or bilevel image that nearest
    neighbour keeps (it needs its palette)."""
    image = resizable(loaded.data, request.mode)
    if image.mode in KEPT_MODES:
        return None
    mode, kwargs = image.mode, request.resize_kwargs()
    if not keep_source:
        loaded.data = None  # the image's rows are read out a band at a time, never copied whole
        rows = image_samples(image, whole=False)
        plan, bands, alpha_max = banded_samples(rows, mode, linear=request.linear, **kwargs)
        return Conversion(loaded, plan, None, None, Samples(bands, mode), alpha_max=alpha_max)
    array = image_samples(image)
    plan, bands, alpha_max = banded_samples(array, mode, linear=request.linear, **kwargs)
    resized = bands.whole()
    return Conversion(loaded, plan, array, resized, Samples(resized, mode), alpha_max=alpha_max)


def save_options(loaded: Loaded, conversion: Conversion, options: ImageOptions) -> SaveOptions:
    """Encoder settings and metadata for writing ``conversion``."""
    metadata = None
    if not (options.strip or loaded.is_array):
        size = tuple(n_out for _, n_out in conversion.lengths)
        metadata = loaded.metadata.edited(size=size, oriented=loaded.oriented)
    return SaveOptions(options.quality, options.compress_level, metadata, loaded.jpeg_subsampling, options.background,
                       loaded.metadata.icc_profile)


def output_tag(request: ResizeRequest, out_lengths: tuple[int, ...]) -> str:
    """``2x`` for one uniform scale, otherwise the output size ``WxH`` (x first)."""
    if request.scale is not None:
        factors = set(parse_scale(request.scale))
        if len(factors) == 1:
            factor = factors.pop()
            return f"{_decimal(factor)}x"
    return "x".join(str(n) for n in out_lengths)


def _decimal(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def format_extension(fmt: str) -> str:
    """The usual file extension (without the dot) of ``--format`` ``fmt``."""
    fmt = fmt.lower()
    return {"jpeg": "jpg", "tiff": "tif"}.get(fmt, fmt)


#: Name of an output beside its input.
BESIDE_TEMPLATE = "{stem}@{tag}.{ext}"
#: Every ``{tag}`` this tool writes: a scale (``2x``, ``1.5x``), a size
#: (``640x480``, ``7`` for 1-D) or an NN mode's output size (``unpool-8x8``).
TAG_PATTERN = r"(?:(?:{modes})-)?\d+(?:x\d+)*|\d[\d.e+-]*x".format(modes="|".join(map(re.escape, NN_MODES)))
_FIELD_PATTERNS = {"ext": r"[^./\\]+", "width": r"\d+", "height": r"\d+", "tag": TAG_PATTERN}


def output_name_pattern(template: str) -> re.Pattern | None:
    """A pattern matching every name :func:`output_name` can give with
    ``template``, the input's stem in the group ``stem``.

    ``None`` when the template has no ``{stem}`` or adds nothing to the
    stem but the extension (``{stem}.{ext}``): its names cannot be told
    apart from inputs.
    """
    if template.format(stem="", ext="", width="", height="", tag="") in ("", "."):
        return None
    parts, has_stem = [], False
    for literal, field_name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field_name == "stem":
            parts.append("(?P=stem)" if has_stem else "(?P<stem>.+)")
            has_stem = True
        elif field_name is not None:
            parts.append(f"(?:{_FIELD_PATTERNS[field_name]})")
    return re.compile("".join(parts)) if has_stem else None


def output_name(path: str, template: str, *, tag: str, fmt: str | None, fallback_fmt: str, lengths=()) -> str:
    """The file name ``template`` gives the output of ``path``.

    ``template`` uses ``{stem}``, ``{ext}``, ``{width}``, ``{height}`` (of
    ``lengths``, x first) and ``{tag}``. ``ext`` is that of ``fmt`` when a
    format is forced, else the input's own, else that of ``fallback_fmt``
    (the format the input's content was found to be).
    """
    stem, extension = os.path.splitext(os.path.basename(path))
    ext = format_extension(fmt) if fmt else (extension[1:] or format_extension(fallback_fmt))
    width, height = (list(lengths) + [None, None])[:2]
    return template.format(stem=stem, ext=ext, width=width, height=height, tag=tag)


def default_output(path: str, tag: str, fmt: str | None, fallback_fmt: str) -> str:
    """``photo.png`` → ``photo@2x.png`` beside the input; see :func:`output_name`."""
    name = output_name(path, BESIDE_TEMPLATE, tag=tag, fmt=fmt, fallback_fmt=fallback_fmt)
    return os.path.join(os.path.dirname(path), name)


def _read_in_bands(path: str, request: ResizeRequest, options: ImageOptions) -> Loaded | None:
    """``path`` opened to be read in bands (:func:`~upscale_cli.io.decode.open_streamed`) when this
    request resizes it band by band; ``None`` when it is decoded whole.

    Besides the files read whole, a request streams no array whose first
    axis is not resized (its bands would be whole channels or images) and
    no palette or bilevel image that nearest neighbour keeps in its mode
    (resized through Pillow). The samples a band of the image gives are
    those of :func:`~upscale_cli.api.resizable`, band by band (a palette
    made colour, bits made bytes: each pixel by itself). The learned modes
    run in tiles of their own over the whole decoded image.
    """
    if request.mode in LEARNED_MODES:
        return None
    loaded = open_streamed(path, auto_orient=options.auto_orient, max_pixels=options.max_pixels)
    if loaded is None:
        return None
    stream: Streamed = loaded.data
    if stream.mode is None:
        window = stream.window()
        try:
            axes = array_axes(window.shape, request.layout)
        except (InputError, UsageError):
            return None  # said when the array is read whole
        if 0 not in axes:
            return None
        loaded.data = window
        return loaded
    if stream.samples:
        loaded.data = Samples(stream.window(), stream.mode)
        return loaded
    bands = iter(stream.bands)
    first = resizable(next(bands), request.mode)
    if first.mode in KEPT_MODES:
        return None
    rows = chain([np.asarray(first)], (np.asarray(resizable(band, request.mode)) for band in bands))
    loaded.data = Samples(stream.window(rows), first.mode)
    return loaded


def _read_in_bands_of(conversion: Conversion) -> Bands | None:
    """The bands of ``conversion`` when its input is read in bands, else ``None``."""
    result = conversion.result
    bands = result.array if isinstance(result, Samples) else result
    return bands if isinstance(bands, Bands) and isinstance(bands.source, RowWindow) else None


def _reads_in_order(plan: ResizePlan) -> bool:
    """Whether the input rows the output's bands read never go back (every resize's taps move forward
    with the output row; a library's region of interest given from its end to its start would not)."""
    for axis_plan in plan.axes:
        taps = axis_plan.weights.taps
        if axis_plan.axis == 0 and len(taps) and not (np.diff(taps.min(axis=1)) >= 0).all():
            return False
    return True


def _size_bands_by_input(conversion: Conversion) -> None:
    """Bands of an input read in bands are as many output rows as keep the input rows they read
    about as small as an output band (a large reduction reads many rows for each output row)."""
    bands = _read_in_bands_of(conversion)
    if bands is not None:
        bands.rows = streamed_band_rows(bands.plan, bands.dtype.itemsize)


def convert_file(
    path: str,
    request: ResizeRequest,
    *,
    output: str | None = None,
    fmt: str | None = None,
    overwrite: bool = False,
    options: ImageOptions = ImageOptions(),
    before_write: Callable[[Conversion], None] | None = None,
    keep_source: bool = False,
) -> Conversion:
    """Read ``path``, resize it and write the result; returns the conversion.

    ``output`` defaults to :func:`default_output` beside the input (standard
    output when the input is standard input). ``fmt`` forces the output
    format (``png``, ``jpeg``, ``npy`` ...), otherwise the extension decides.
    ``options`` says how images are oriented, limited, encoded and which
    metadata they keep. ``before_write`` sees the conversion before anything
    is written, so a problem it raises leaves no output behind. The input's
    samples (``Conversion.source_array``) are kept only with
    ``keep_source`` (see :func:`resize_loaded`).
    """
    shrink = ShrinkOnLoad(request, options.auto_orient) if options.shrink_on_load else None

    def read_whole() -> Loaded:
        with single_block():  # the decoded image is then shared with the engine, not copied (io/pixels.py)
            return read_input(path, auto_orient=options.auto_orient, max_pixels=options.max_pixels, draft=shrink)

    # only JPEGs shrink on load, and they are never read in bands: the request is settled before resizing
    loaded = None if keep_source else _read_in_bands(path, request, options)
    if loaded is None:
        loaded = read_whole()
    resized_by = shrink.request if shrink else request
    conversion = resize_loaded(loaded, resized_by, max_pixels=options.max_output_pixels, keep_source=keep_source)
    if _read_in_bands_of(conversion) and not _reads_in_order(conversion.plan):
        loaded = read_whole()
        conversion = resize_loaded(loaded, resized_by, max_pixels=options.max_output_pixels, keep_source=keep_source)
    _size_bands_by_input(conversion)
    if before_write is not None:
        before_write(conversion)
    if output is None:
        tag = output_tag(request, tuple(n_out for _, n_out in conversion.lengths))
        output = STDIO if path == STDIO else default_output(path, tag, fmt, loaded.format)
    with np.errstate(all="ignore"):  # a streamed result is computed while written (see resize_loaded)
        conversion.n_bytes = write_output(
            conversion.result, output, format_for(output, fmt, loaded.format), overwrite=overwrite,
            options=save_options(loaded, conversion, options), notes=conversion.notes,
        )
    conversion.output = output
    return conversion

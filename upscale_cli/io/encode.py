"""Writing outputs: each format in a mode it holds, written atomically or to standard output.

Images are converted to a mode the format holds (what that loses is one
line); PNG is written by :mod:`upscale_cli.io.png`, outputs made band by band
by :mod:`upscale_cli.io.stream` where the format allows, everything else by
Pillow; the file is then written by :func:`upscale_cli.io.atomic.atomic_write`.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

from ..core.errors import InputError, UsageError
from .atomic import atomic_write, run_writer
from .images import PAGED_FORMATS, STDIO, Animation, Samples
from .metadata import FORMAT_FIELDS, Metadata
from .modes import HOLDS, WHITE, Prepared, prepare
from .stdout import write_stdout

# Encoder defaults, in one place. PNG level 1 instead of Pillow's 6: on a
# 3840×2160 photograph level 1 wrote 13.5 MB in 0.21 s, level 6 10.7 MB in
# 1.8 s (upscale_cli.io.png on 2 cores: 9× the time for 21 % smaller files).
PNG_COMPRESS_LEVEL = 1
JPEG_QUALITY = 95
WEBP_QUALITY = 90


@dataclass(frozen=True)
class SaveOptions:
    """How outputs are encoded; ``None`` means the defaults above."""

    quality: int | None = None
    compress_level: int | None = None
    metadata: Metadata | None = None
    jpeg_subsampling: int | None = None
    #: The colour alpha is flattened over where a format has no alpha.
    background: tuple[int, int, int] = WHITE
    #: The ICC profile of the samples, for converting their colour space (even with no metadata written).
    profile: bytes | None = None

    def kwargs(self, fmt: str) -> dict:
        """``Image.save`` keyword arguments for Pillow format ``fmt``."""
        kwargs = {}
        if fmt == "PNG":
            kwargs["compress_level"] = PNG_COMPRESS_LEVEL if self.compress_level is None else self.compress_level
        elif fmt == "JPEG":
            kwargs["quality"] = JPEG_QUALITY if self.quality is None else self.quality
            if self.jpeg_subsampling is not None:
                kwargs["subsampling"] = self.jpeg_subsampling
        elif fmt == "WEBP":
            kwargs["quality"] = WEBP_QUALITY if self.quality is None else self.quality
        if self.metadata is not None:
            kwargs.update(self.metadata.save_kwargs(fmt))
        return kwargs



def format_for(path: str, requested: str | None, fallback: str) -> str:
    """Output format: ``requested``, else from the extension, else ``fallback``.

    Returns ``"npy"`` or a Pillow format name such as ``"PNG"``.
    """
    if requested:
        return output_format(requested)
    if path == STDIO:
        return fallback
    extension = os.path.splitext(path)[1].lower()
    if extension == ".npy":
        return "npy"
    from PIL import Image

    fmt = Image.registered_extensions().get(extension)
    if fmt not in Image.SAVE:
        raise UsageError(f"{path}: unknown output format {extension or '(no extension)'!r}; give --format")
    return fmt


def output_format(name: str) -> str:
    """``--format`` ``name`` (``png``, ``jpg``, ``tif``, ``JPEG``, ``npy`` ...) as ``"npy"`` or a Pillow format Pillow can write."""
    from PIL import Image

    cleaned = name.strip().lower().lstrip(".")
    if cleaned == "npy":
        return "npy"
    # An extension (jpg, tif) or a format name (jpeg, tiff): Pillow knows both.
    fmt = Image.registered_extensions().get("." + cleaned, cleaned.upper())
    if fmt not in Image.SAVE:
        raise UsageError(f"unknown --format {name!r}; e.g. png, jpeg, webp, tiff, gif, bmp, npy")
    return fmt


def encode(data: Any, fmt: str, name: str, options: SaveOptions | None = None,
           notes: list | None = None) -> Callable[[Any], None]:
    """A function that writes ``data`` as ``fmt`` to a binary file.

    ``data`` is a Pillow image, :class:`Samples`, an :class:`Animation` or an
    array. Images are first converted to a mode ``fmt`` holds
    (:func:`upscale_cli.io.modes.prepare`); what that loses is appended to
    ``notes`` as one line. Single PNG images of the modes
    :mod:`upscale_cli.io.png` writes are written by it (faster, from the
    array), everything else by Pillow. An array (alone or in
    :class:`Samples`) may be :class:`~upscale_cli.engine.bands.Bands`, an
    output still to be made: PNG, TIFF, PPM and ``.npy`` are written band by
    band as they are made (:mod:`upscale_cli.io.stream`), other formats, and
    modes a format does not hold, from the whole output.
    """
    options = options or SaveOptions()
    kwargs = options.kwargs(fmt)
    data = _whole_unless_streamed(data, fmt, kwargs)
    if fmt == "npy":
        array = data.array if isinstance(data, Samples) else data
        if _is_bands(array):
            from . import stream

            return lambda handle: stream.write_npy(handle, array)
        import numpy as np

        array = np.asarray(array)
        return lambda handle: np.save(handle, array, allow_pickle=False)
    if isinstance(data, Animation):
        from PIL import Image

        Image.init()  # every plugin registered, so SAVE_ALL is complete
        if data.pages and fmt not in PAGED_FORMATS:
            raise InputError(f"{name}: {fmt} cannot hold the {len(data.frames)} pages of a TIFF; write .tif to keep them")
        if fmt not in Image.SAVE_ALL:
            raise InputError(f"{name}: {fmt} cannot hold the {len(data.frames)} frames of an animation; choose --format gif, png or webp")
        frames = [_prepared(f.image, fmt, name, options, kwargs) for f in data.frames]
        _note(notes, next((p.note for p in frames if p.note), None))
        if fmt in PAGED_FORMATS and not data.pages:
            _note(notes, f"{name}: the {len(frames)} frames written as pages, without their timing ({fmt} has none)")
        kwargs.update(data.save_kwargs())
        kwargs["append_images"] = [p.image for p in frames[1:]]
        return lambda handle: frames[0].image.save(handle, format=fmt, **kwargs)
    if not (isinstance(data, Samples) or hasattr(data, "save")):
        data = array_to_image(data, name)
    if not (isinstance(data, Samples) and _holds(fmt, data.mode)):
        prepared = _prepared(data.image() if isinstance(data, Samples) else data, fmt, name, options, kwargs)
        _note(notes, prepared.note)
        data = prepared.image
    if fmt == "PNG":
        from . import png

        if png.can_write(data.mode, kwargs):
            samples = data if isinstance(data, Samples) else Samples.of(data)
            return lambda handle: png.write_png(handle, samples.array, samples.mode, kwargs, samples.info)
    if isinstance(data, Samples) and _is_bands(data.array):
        from . import stream

        writer = stream.write_tiff if fmt == "TIFF" else stream.write_ppm
        extra = (kwargs, data.info) if fmt == "TIFF" else ()
        return lambda handle: writer(handle, data.array, data.mode, *extra)
    image = data.image() if isinstance(data, Samples) else data
    return lambda handle: image.save(handle, format=fmt, **kwargs)


def _is_bands(array) -> bool:
    """Whether ``array`` is an output still to be made band by band (:class:`~upscale_cli.engine.bands.Bands`)."""
    return hasattr(array, "whole")


def _whole_unless_streamed(data: Any, fmt: str, kwargs: dict) -> Any:
    """``data`` with an output made band by band made whole, unless ``fmt`` is written band by band.

    PNG streams in the modes :mod:`upscale_cli.io.png` writes; TIFF, PPM and
    ``.npy`` as :func:`upscale_cli.io.stream.streams` says; JPEG, WebP and
    the rest are encoded by Pillow from the whole image.
    """
    array = data.array if isinstance(data, Samples) else data
    if not _is_bands(array):
        return data
    from . import png, stream

    mode = data.mode if isinstance(data, Samples) else None
    streamed = stream.streams(fmt, mode, kwargs) or (fmt == "PNG" and mode is not None and png.can_write(mode, kwargs))
    if streamed and (mode is None or _holds(fmt, mode)):
        return data
    whole = array.whole()
    return Samples(whole, data.mode, data.info) if isinstance(data, Samples) else whole


def _holds(fmt: str, mode: str) -> bool:
    """Whether samples of ``mode`` are written as ``fmt`` as they are (see :mod:`upscale_cli.io.modes`)."""
    return mode in HOLDS.get(fmt, ()) or fmt not in HOLDS


def _prepared(image, fmt: str, name: str, options: SaveOptions, kwargs: dict) -> Prepared:
    """``image`` in a mode ``fmt`` holds; ``kwargs`` get the ICC profile that now describes it
    (unless no metadata is written)."""
    prepared = prepare(image, fmt, name, options.background, options.profile)
    if prepared.icc_profile is not None:
        prepared.image.info.pop("icc_profile", None)
        kwargs.pop("icc_profile", None)
        if prepared.icc_profile and options.metadata is not None and "icc_profile" in FORMAT_FIELDS.get(fmt, ()):
            kwargs["icc_profile"] = prepared.icc_profile
    return prepared


def _note(notes: list | None, note: str | None) -> None:
    if note and notes is not None:
        notes.append(note)


def array_to_image(array, name: str):
    """A Pillow image from an ``hw``/``hwc`` array, or a clear error."""
    from PIL import Image

    try:
        return Image.fromarray(array)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name}: cannot store an array of shape {array.shape} and dtype {array.dtype} as an image: {error}") from None


def write_output(data: Any, path: str, fmt: str, *, overwrite: bool = False, options: SaveOptions | None = None,
                 notes: list | None = None) -> int:
    """Write ``data`` to ``path`` atomically (``-``: standard output); returns the bytes written.

    What converting to ``fmt`` loses is appended to ``notes`` (see :func:`encode`).
    """
    if path == STDIO and sys.stdout.isatty():
        raise UsageError("refusing to write image data to a terminal: give -o FILE or redirect standard output")
    writer = encode(data, fmt, "standard output" if path == STDIO else path, options, notes)
    if path == STDIO:
        buffer = io.BytesIO()
        run_writer(writer, buffer, path)
        data = buffer.getvalue()
        write_stdout(data)
        return len(data)
    return atomic_write(path, writer, overwrite=overwrite)


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
from .images import PAGED_FORMATS, SIXTEEN_BIT_COLOUR, STDIO, Animation, Samples
from .metadata import FORMAT_FIELDS, Metadata
from .modes import HOLDS, REDUCED_TO_8_BITS, WHITE, Prepared, eight_bit, prepare
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
    (:func:`upscale_cli.io.modes.prepare`; 16-bit colour reduced to 8 bits
    where ``fmt`` holds no 16-bit colour); what that loses is appended to
    ``notes`` as one line. Arrays are never converted: written as the
    samples of the mode they are where ``fmt`` holds it, as TIFF of their
    own dtype, or refused (:class:`~upscale_cli.core.errors.InputError`). Single PNG images of the modes
    :mod:`upscale_cli.io.png` writes are written by it (faster, from the
    array), everything else by Pillow. An array (alone or in
    :class:`Samples`) may be :class:`~upscale_cli.engine.bands.Bands`, an
    output still to be made: PNG, TIFF, PPM and ``.npy`` are written band by
    band as they are made (:mod:`upscale_cli.io.stream`), other formats, and
    modes a format does not hold, from the whole output.
    """
    options = options or SaveOptions()
    kwargs = options.kwargs(fmt)
    if fmt != "npy" and not (isinstance(data, (Samples, Animation)) or hasattr(data, "save")):
        data = _array_samples(data, fmt, name)
        if not isinstance(data, Samples):
            from . import stream

            return lambda handle: stream.write_array_tiff(handle, data)
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
        _big_tiff_if_needed(fmt, [p.image for p in frames], kwargs)
        return lambda handle: frames[0].image.save(handle, format=fmt, **kwargs)
    if isinstance(data, Samples) and data.mode in SIXTEEN_BIT_COLOUR and not _holds(fmt, data.mode):
        data = Samples(eight_bit(data.array), SIXTEEN_BIT_COLOUR[data.mode], data.info)
        _note(notes, f"{name}: " + REDUCED_TO_8_BITS.format(fmt=fmt))
    if not (isinstance(data, Samples) and _holds(fmt, data.mode)):
        prepared = _prepared(data.image() if isinstance(data, Samples) else data, fmt, name, options, kwargs)
        _note(notes, prepared.note)
        data = prepared.image
    if fmt == "PNG":
        from . import png

        if png.can_write(data.mode, kwargs):
            samples = data if isinstance(data, Samples) else Samples.of(data)
            return lambda handle: png.write_png(handle, samples.array, samples.mode, kwargs, samples.info)
    if isinstance(data, Samples) and (_is_bands(data.array) or data.mode in SIXTEEN_BIT_COLOUR):
        from . import stream

        writer = stream.write_tiff if fmt == "TIFF" else stream.write_ppm
        extra = (kwargs, data.info) if fmt == "TIFF" else ()
        return lambda handle: writer(handle, data.array, data.mode, *extra)
    image = data.image() if isinstance(data, Samples) else data
    _big_tiff_if_needed(fmt, [image], kwargs)
    return lambda handle: image.save(handle, format=fmt, **kwargs)


#: Array dtypes (kind and bytes) and channels (``None``: an ``hw`` array) → the mode whose samples they are.
ARRAY_MODES = {
    ("u1", None): "L", ("u1", 2): "LA", ("u1", 3): "RGB", ("u1", 4): "RGBA", ("u2", None): "I;16", ("i4", None): "I",
    ("f4", None): "F", ("u2", 2): "LA;16", ("u2", 3): "RGB;16", ("u2", 4): "RGBA;16",
}


def _array_samples(array, fmt: str, name: str):
    """An array (or :class:`~upscale_cli.engine.bands.Bands`) as the samples of the mode they are exactly,
    where ``fmt`` holds that mode (:data:`upscale_cli.io.modes.HOLDS`); as it is for TIFF, which holds
    every integer and float dtype.

    Arrays are never converted: any other format is refused, those outside
    the table too. JPEG and WebP hold 8-bit ``L``/``RGB``(``A``) arrays as
    the pictures they are, with the loss of their encoding (``--quality``).
    """
    import numpy as np

    dtype, shape = np.dtype(array.dtype), tuple(array.shape)
    channels = shape[2] if len(shape) == 3 else None
    mode = ARRAY_MODES.get((f"{dtype.kind}{dtype.itemsize}", channels)) if len(shape) in (2, 3) else None
    if mode is not None and mode in HOLDS.get(fmt, ()):
        if not dtype.isnative:  # Pillow's modes, and the writers of their samples, take them in this machine's order
            array = (array.whole() if _is_bands(array) else np.asarray(array)).astype(dtype.newbyteorder("="))
        return Samples(array, mode)
    if fmt == "TIFF" and len(shape) in (2, 3):
        from .tiff import array_header

        try:
            array_header(shape, dtype)
            return array
        except ValueError:
            pass  # no TIFF sample format for it: refused below
    raise InputError(f"{name}: cannot write: {fmt} cannot hold an array of shape {shape} and dtype {dtype} as it is "
                     "(arrays are never converted); write .tif or .npy to keep its values")


def _big_tiff_if_needed(fmt: str, images: list, kwargs: dict) -> None:
    """Have Pillow write BigTIFF when the samples of ``images`` alone pass what 32-bit offsets reach."""
    from .tiff import BIGTIFF_ABOVE

    if fmt == "TIFF" and sum(_sample_bytes(image) for image in images) > BIGTIFF_ABOVE:
        kwargs["big_tiff"] = True


def _sample_bytes(image) -> int:
    """Bytes of ``image``'s samples (for a bilevel image, an upper bound)."""
    depth = 4 if image.mode in ("I", "F") else 2 if "16" in image.mode else 1
    return image.width * image.height * len(image.getbands()) * depth


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


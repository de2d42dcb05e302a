"""Reading inputs and writing outputs: images through Pillow, arrays as ``.npy``.

Outputs are never half-written and never clobbered by accident: data goes to
a temporary file in the target folder, is flushed to disk, and only then
takes the final name (``os.replace`` with ``overwrite``, otherwise a hard
link, which fails if the name exists, so even a file created meanwhile is
safe).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import tokenize
from dataclasses import dataclass, field
from typing import Any, Callable

from ..core.errors import InputError, UsageError, in_units, out_of_memory
from .integrity import truncation
from .metadata import FORMAT_FIELDS, ORIENTATION, Metadata, orientation, upright, upright_size
from .modes import HOLDS, WHITE, Prepared, prepare
from .stdout import write_stdout

STDIO = "-"
NPY_MAGIC = b"\x93NUMPY"

# Encoder defaults, in one place. PNG level 1 instead of Pillow's 6: on a
# 3840×2160 photograph level 1 wrote 13.5 MB in 0.21 s, level 6 10.7 MB in
# 1.8 s (upscale_cli.io.png on 2 cores: 9× the time for 21 % smaller files).
PNG_COMPRESS_LEVEL = 1
JPEG_QUALITY = 95
WEBP_QUALITY = 90
#: Largest image read, in pixels over all frames (arrays: elements): a
#: decompression bomb is refused from its header.
DEFAULT_MAX_PIXELS = 200_000_000
#: Largest image written, the same way. Outputs are written band by band
#: (PNG, TIFF, PPM, .npy), so memory does not bound them; this only catches
#: absurd sizes (a mistyped scale) before they fill a disk.
DEFAULT_MAX_OUTPUT_PIXELS = 2_000_000_000
#: Formats whose extra frames are an animation (resized and kept).
ANIMATED_FORMATS = ("GIF", "PNG", "WEBP")
#: Formats whose extra frames are pages (resized and kept; only a format of pages holds them).
PAGED_FORMATS = ("TIFF",)


@dataclass
class Frame:
    """One frame of an animation and how long and how it is shown."""

    image: Any
    duration: float | None = None
    disposal: int | None = None
    blend: int | None = None


@dataclass
class Animation:
    """Every frame of an animated GIF, APNG or WebP, as Pillow composes them,
    or every page of a multi-page TIFF (``pages``: no timing)."""

    frames: list
    loop: int | None = None
    pages: bool = False

    def save_kwargs(self) -> dict:
        """``Image.save`` arguments for the frames after the first and their timing."""
        kwargs = {"save_all": True, "append_images": [f.image for f in self.frames[1:]]}
        for name in ("duration", "disposal", "blend"):
            values = [getattr(f, name) for f in self.frames]
            if all(v is not None for v in values):
                kwargs[name] = values
        if self.loop is not None:
            kwargs["loop"] = self.loop
        return kwargs


@dataclass
class Loaded:
    """One input: a Pillow image or a NumPy array, its format and what came with it.

    ``data`` is the (first) image, upright unless orientation was switched
    off; ``animation`` holds every frame of an animation.
    """

    name: str
    data: Any
    format: str
    animation: Animation | None = None
    metadata: Metadata = field(default_factory=Metadata)
    oriented: bool = False
    jpeg_subsampling: int | None = None
    n_bytes: int = 0

    @property
    def is_array(self) -> bool:
        return self.format == "npy"


@dataclass(frozen=True)
class Samples:
    """An image still held as a NumPy array: its samples and their Pillow mode.

    Results are kept like this until they are written, so PNG files are
    written straight from the array (:mod:`upscale_cli.io.png`) and no Pillow
    copy of a large image is made for them. ``info`` is what Pillow's
    ``Image.info`` would hold.
    """

    array: Any
    mode: str
    info: dict = field(default_factory=dict)

    @classmethod
    def of(cls, image) -> "Samples":
        """The samples of a Pillow image (a copy)."""
        import numpy as np

        return cls(np.asarray(image), image.mode, dict(image.info))

    def image(self):
        """A Pillow image of these samples."""
        image = image_of(self.array, self.mode)
        image.info.update(self.info)
        return image


class ImageRows:
    """The samples of a Pillow image, taken a band of rows at a time.

    ``rows[low:high]`` equals ``np.asarray(image)[low:high]``: only those
    rows are copied out of the image, so the decoded image is the one copy
    of the input (``np.asarray`` of a whole image briefly holds two more).
    ``shape`` and ``dtype`` are those of ``np.asarray(image)``.
    """

    def __init__(self, image):
        import numpy as np

        self.image = image
        width, height = image.size
        first = np.asarray(image.crop((0, 0, width, 1)))
        self.shape = (height,) + first.shape[1:]
        self.dtype = first.dtype
        self.ndim = len(self.shape)

    def __getitem__(self, rows: slice):
        import numpy as np

        start, stop, step = rows.indices(self.shape[0])
        if step != 1:
            raise IndexError("rows of an image are taken in order, one band at a time")
        return np.asarray(self.image.crop((0, start, self.shape[1], stop)))


def image_of(array, mode: str):
    """A Pillow image of ``mode`` made from an ``hw``/``hwc`` array of its samples."""
    import numpy as np
    from PIL import Image

    size = (array.shape[1], array.shape[0])
    # straight from the array's memory where Pillow's layout allows: no intermediate bytes copy
    return Image.frombuffer(mode, size, np.ascontiguousarray(array), "raw", mode, 0, 1)


@dataclass(frozen=True)
class Probe:
    """What an input's header says: spatial lengths (x first, upright) and frames."""

    lengths: tuple
    frames: int
    format: str


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


def check_pixels(name: str, count: int, limit: int | None, what: str) -> None:
    """Refuse ``count`` pixels over ``limit`` (``None``: no limit) before anything is allocated.

    Even without a limit, a picture whose samples (one byte per pixel at
    the very least) exceed this machine's memory is refused as out of memory.
    """
    if limit is not None and count > limit:
        raise InputError(
            f"{name}: {what} has {_megapixels(count)} megapixels, over the limit of "
            f"{_megapixels(limit)} (--max-pixels)"
        )
    if count > _memory_bytes():
        raise out_of_memory(name, estimate=count)


def _memory_bytes() -> float:
    """This machine's physical memory in bytes (infinite when it cannot be known)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return math.inf


def _megapixels(count: int) -> str:
    return in_units(count, 6, 4)


def _read_bytes(path: str) -> bytes:
    if path == STDIO:
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise _open_error(path, error) from None


def _open_error(path: str, error: OSError) -> InputError:
    if isinstance(error, FileNotFoundError):
        return InputError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return InputError(f"{path}: is a folder, not a file")
    if isinstance(error, PermissionError):
        return InputError(f"{path}: cannot read: permission denied")
    return InputError(f"{path}: cannot read: {error.strerror or error}")


@contextlib.contextmanager
def _strict_decoding(name: str):
    """Decode with our own bomb check (``--max-pixels``) and never a partial image.

    Pillow's global ``ImageFile.LOAD_TRUNCATED_IMAGES`` makes its decoders
    return whatever they got before a stream broke off, without an error;
    whoever else in this process switched it on, it is off while we decode,
    and an image decoded while it was switched back on is refused.
    """
    import logging
    import warnings

    from PIL import Image, ImageFile

    # Pillow also logs some damage before raising ("More samples per pixel than can be decoded"),
    # which Python prints as a bare line when nothing handles its log: the error says it already.
    log = logging.getLogger("PIL")
    saved = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, log.level
    Image.MAX_IMAGE_PIXELS = None
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    log.setLevel(logging.CRITICAL + 1)
    try:
        # Pillow warns about damaged metadata it then skips ("Corrupt EXIF data"), in two lines
        # with a line of its source; what it skips is dropped, as unreadable EXIF is.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
        if ImageFile.LOAD_TRUNCATED_IMAGES:
            raise InputError(f"{name}: refused: Pillow's LOAD_TRUNCATED_IMAGES was switched on while it was decoded")
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, level = saved
        log.setLevel(level)


def _open_image(source, name: str):
    from PIL import Image, UnidentifiedImageError

    try:
        with _strict_decoding(name):
            return Image.open(source)
    except UnidentifiedImageError:
        raise InputError(f"{name}: not an image or .npy array Pillow can read") from None
    except OSError as error:
        if isinstance(source, str) and error.errno is not None:
            raise _open_error(name, error) from None
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None
    except (SyntaxError, ValueError) as error:
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None


def _frame_count(image) -> int:
    return getattr(image, "n_frames", 1) if image.format in ANIMATED_FORMATS + PAGED_FORMATS else 1


def probe(path: str, *, auto_orient: bool = True, layout: str | None = None, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Probe:
    """Read only the header of ``path``: its lengths, frames and format.

    Raises :class:`~upscale_cli.core.errors.InputError` for unreadable files and
    images over ``max_pixels``.
    """
    with open_header(path) as header:
        if header is None:
            return _probe_array(path, layout, max_pixels)
        return _image_probe(header, path, auto_orient, max_pixels)


@contextlib.contextmanager
def open_header(path: str):
    """A lazily opened Pillow image for ``path``, or ``None`` for a ``.npy`` file."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(NPY_MAGIC))
    except OSError as error:
        raise _open_error(path, error) from None
    if not magic:
        raise InputError(f"{path}: empty file")
    if magic == NPY_MAGIC:
        yield None
        return
    image = _open_image(path, path)
    try:
        yield image
    finally:
        image.close()


def _image_probe(image, name: str, auto_orient: bool, max_pixels: int | None) -> Probe:
    frames = _try(lambda: _frame_count(image), name)
    width, height = image.size
    check_pixels(name, width * height * frames, max_pixels, "the image")
    # A decode error met while looking for the orientation fails the file when it is read.
    turn = _try(lambda: orientation(image), name) if auto_orient else 1
    tags = getattr(image, "tag_v2", None)
    if tags is not None and image.size != (tags.get(256), tags.get(257)):
        turn = 1  # Pillow reports this TIFF's upright size already (see _turned_by_pillow)
    return Probe(upright_size(image.size, turn), frames, image.format or "PNG")


#: What ``np.load`` raises for a damaged file: a header cut inside a bracket fails in Python's
#: tokenizer (TokenError), a length too large for C in the shape check (OverflowError).
_NPY_ERRORS = (ValueError, OSError, EOFError, OverflowError, tokenize.TokenError)


def _probe_array(path: str, layout: str | None, max_pixels: int | None) -> Probe:
    import numpy as np

    try:
        shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
    except _NPY_ERRORS as error:
        raise InputError(f"{path}: corrupt .npy file: {error}") from None
    check_pixels(path, int(np.prod(shape, dtype=np.int64)), max_pixels, "the array")
    try:
        axes = array_axes(shape, layout)
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    return Probe(tuple(shape[a] for a in axes), 1, "npy")


def array_axes(shape: tuple[int, ...], layout: str | None) -> tuple[int, ...]:
    """The spatial axes of an array of ``shape`` read from a file (see
    :func:`~upscale_cli.core.layouts.spatial_axes`).

    Dimensions that fit no layout, and a spatial axis of length 0 (no
    samples to interpolate from), are a failure of that file
    (:class:`~upscale_cli.core.errors.InputError`, for the caller to name),
    not a usage error.
    """
    from ..core.layouts import spatial_axes

    try:
        axes = spatial_axes(len(shape), layout)
    except UsageError as error:
        raise InputError(str(error)) from None
    if any(shape[axis] == 0 for axis in axes):
        raise InputError(f"cannot resize an array of shape {tuple(shape)}: it has no samples to interpolate from")
    return axes


def _try(function: Callable[[], Any], name: str):
    """Run a Pillow decoding step, turning its many exception types into one line."""
    import struct

    from PIL import Image

    try:
        with _strict_decoding(name):
            return function()
    # Pillow's readers meet damaged data with whatever the failing step raises: a broken
    # second TIFF page is a TypeError ("Missing dimensions"), a bad tag table a KeyError...
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError,
            struct.error, Image.DecompressionBombError) as error:
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None


def read_input(path: str, *, auto_orient: bool = True, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Loaded:
    """Load an image or a ``.npy`` array; the content decides, not the name.

    Images are turned upright by their EXIF orientation unless
    ``auto_orient`` is false (a TIFF always is: Pillow 13 turns it as it
    loads it); every frame of an animated GIF, APNG or WebP and every page
    of a TIFF is read. Nothing over ``max_pixels`` pixels (all frames) is
    decoded. A file that does not decode completely is an
    :class:`~upscale_cli.core.errors.InputError`, never a partial image.
    """
    raw = _read_bytes(path)
    name = "<stdin>" if path == STDIO else path
    if raw.startswith(NPY_MAGIC):
        import numpy as np

        try:
            array = np.load(io.BytesIO(raw), allow_pickle=False)
        except _NPY_ERRORS as error:
            raise InputError(f"{name}: corrupt .npy file: {error}") from None
        check_pixels(name, array.size, max_pixels, "the array")
        return Loaded(name, array, "npy", n_bytes=len(raw))
    if not raw:
        raise InputError(f"{name}: empty file")
    buffer = io.BytesIO(raw)
    image = _open_image(buffer, name)
    cut = truncation(raw)
    if cut:
        raise InputError(f"{name}: corrupt or truncated image: {cut}")
    frames, stored, metadata = _try(lambda: _decode(image, name, max_pixels), name)
    by_pillow = _turned_by_pillow(image)  # then upright already, whatever was asked: its tag is reset too
    turn = stored if auto_orient or by_pillow else 1
    for frame in frames:
        frame.image = upright(frame.image, 1 if by_pillow else turn)
    animation = None
    if len(frames) > 1:
        animation = Animation(frames, image.info.get("loop"), pages=image.format in PAGED_FORMATS)
    loaded = Loaded(
        name, frames[0].image, image.format or "PNG", animation=animation, metadata=metadata,
        oriented=turn != 1, jpeg_subsampling=_jpeg_subsampling(image), n_bytes=len(raw),
    )
    # Everything is decoded: the file's bytes, which the image would keep for seeking, go
    # (for a large PNG they are the next largest thing in memory after the image).
    buffer.close()
    return loaded


def _decode(image, name: str, max_pixels: int | None) -> tuple[list, int, Metadata]:
    """Every frame of ``image``, its EXIF orientation and its metadata.

    Pillow reads a PNG's EXIF and text only by decoding the image (their
    chunks may follow the pixels), so a PNG's pixels are decoded first: the
    metadata readers forgive unreadable EXIF, and a broken stream met inside
    them would pass for "no EXIF" and leave a half-decoded image that a
    second ``load()`` accepts. Other formats' metadata is read first, from
    the header (a TIFF's tags come from the open file, which ``load()``
    lets go), and of the first page.
    """
    count = _frame_count(image)
    width, height = image.size
    check_pixels(name, width * height * count, max_pixels, "the image")
    after_pixels = image.format == "PNG"
    with _libtiff_quiet() if image.format == "TIFF" else contextlib.nullcontext():
        if not after_pixels:
            stored, metadata = orientation(image), Metadata.of(image)
        image.load()
        frames = _read_frames(image, count, name, max_pixels)
    if after_pixels:
        stored, metadata = orientation(image), Metadata.of(image)
    return frames, stored, metadata


def _turned_by_pillow(image) -> bool:
    """Whether Pillow turned ``image`` upright itself as it loaded it.

    Pillow 13 does for TIFF: it reports the upright size from the start, and
    loading transposes the pixels and drops the Orientation tag (whose value
    was read before); earlier versions leave both to us.
    """
    tags = getattr(image, "tag_v2", None)
    return tags is not None and ORIENTATION not in tags


@contextlib.contextmanager
def _libtiff_quiet():
    """Keep what libtiff prints on file descriptor 2 off the terminal.

    Pillow decodes compressed TIFF through libtiff, whose error handler
    prints each problem ("ZIPDecode: Decoding error at scanline 0") straight
    to the process's stderr before Pillow raises its own error, which then
    becomes our one line. Whatever else reaches file descriptor 2 meanwhile
    (only a progress display redrawing itself) is dropped with it.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no standard error at all: nothing to keep quiet
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _read_frames(image, count: int, name: str, max_pixels: int | None) -> list:
    """Every frame; the pages of a TIFF may differ in size, so the limit is checked page by page."""
    if count == 1:
        return [Frame(image)]
    frames, pixels = [], 0
    for index in range(count):
        image.seek(index)
        pixels += image.size[0] * image.size[1]
        check_pixels(name, pixels, max_pixels, f"the image (up to page {index + 1})")
        image.load()
        frames.append(Frame(
            image.copy(), image.info.get("duration"),
            getattr(image, "disposal_method", None) if image.format == "GIF" else image.info.get("disposal"),
            image.info.get("blend"),
        ))
    return frames


def _jpeg_subsampling(image) -> int | None:
    if image.format != "JPEG":
        return None
    from PIL import JpegImagePlugin

    sampling = JpegImagePlugin.get_sampling(image)
    return sampling if sampling >= 0 else None


def has_signature(prefix: bytes, fmt: str) -> bool:
    """Whether a file starting with ``prefix`` is of format ``fmt`` (``"npy"`` or a Pillow format) by its signature."""
    if fmt == "npy":
        return prefix.startswith(NPY_MAGIC)
    from PIL import Image

    Image.init()
    accept = Image.OPEN.get(fmt, (None, None))[1]
    return bool(accept and accept(prefix))


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
        _run_writer(writer, buffer, path)
        data = buffer.getvalue()
        write_stdout(data)
        return len(data)
    return atomic_write(path, writer, overwrite=overwrite)


class _WritesOnly:
    """A file object without its descriptor, so that writers go through its ``write``.

    Given a descriptor, Pillow's encoders (JPEG, GIF, BMP, raw TIFF) write to it
    themselves and take a short write (the last bytes that fit on a full disk)
    for success; a file object's ``write`` writes everything or raises.
    """

    def __init__(self, handle):
        self._handle = handle

    def fileno(self):
        raise io.UnsupportedOperation("fileno")

    def __getattr__(self, name):
        return getattr(self._handle, name)


def _run_writer(writer: Callable[[Any], None], handle, path: str) -> None:
    try:
        writer(_WritesOnly(handle))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: cannot write: {error}") from None


#: Temporary files being written by this process, for :func:`remove_temporaries`.
_TEMPORARIES: set = set()
#: Names of temporary files: the prefix, the writing process's id, ``-``, random letters, the suffix.
TEMPORARY_PREFIX = ".upscale-"
TEMPORARY_SUFFIX = ".part"
_TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + r"(\d+)-[^/]*" + re.escape(TEMPORARY_SUFFIX))


def atomic_write(path: str, writer: Callable[[Any], None], *, overwrite: bool = False) -> int:
    """Write through a temporary file in the same folder, then give it its name.

    Returns the size of the file written.
    """
    if not overwrite and os.path.lexists(path):
        raise InputError(f"{path}: already exists (use --overwrite to replace it)")
    if _is_special(path):
        # the rename would replace the device or pipe itself (/dev/null, for one), not write into it
        raise InputError(f"{path}: not a regular file (a device or a pipe): give a file name or -o - for standard output")
    folder = os.path.dirname(os.path.abspath(path))
    made = []
    try:
        # a Ctrl-C between creating the file and recording it would leave it behind; one noted meanwhile
        # is raised at the end of the block, inside this ``try``, whose ``finally`` removes the file
        with _interrupts_held():
            try:
                descriptor, temporary = new_temporary(folder)
            except OSError as error:
                raise InputError(f"{path}: cannot write in {folder}: {error.strerror or error}") from None
            _TEMPORARIES.add(temporary)
            made.append(temporary)
        _lock(descriptor)
        # readable too: Pillow reads back what it wrote to append the pages of a TIFF
        with os.fdopen(descriptor, "w+b") as handle:
            _run_writer(writer, handle, path)
            handle.flush()
            os.fsync(handle.fileno())
            size = handle.tell()
        os.chmod(temporary, 0o666 & ~_umask())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
        return size
    except FileExistsError:
        raise InputError(f"{path}: already exists (use --overwrite to replace it)") from None
    except OSError as error:  # a full disk, a folder in the way, a file system without hard links
        raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        remove_temporaries(made)


def new_temporary(folder: str) -> tuple[int, str]:
    """A new empty file in ``folder`` (descriptor and path), named as a temporary
    file of this process so that a later run removes it if this process dies first."""
    return tempfile.mkstemp(dir=folder, prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", suffix=TEMPORARY_SUFFIX)


@contextlib.contextmanager
def _interrupts_held():
    """Delay SIGINT and SIGTERM until the block ends.

    On the main thread the handlers are swapped for ones that only note the
    signal, which is raised again at the end: masking alone is not enough,
    because the system may hand the signal to another thread (the engine's,
    a watcher's), and Python then runs the handler on the main thread all
    the same. Elsewhere (handlers never run there) the signals are masked
    for this thread, where the system allows it.
    """
    held = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        noted = []
        previous = {signum: signal.getsignal(signum) for signum in held}
        for signum in held:
            signal.signal(signum, lambda number, frame: noted.append(number))
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
            if noted:
                signal.raise_signal(noted[0])
        return
    try:
        masked = signal.pthread_sigmask(signal.SIG_BLOCK, set(held))
    except (AttributeError, OSError, ValueError):  # no signal masks on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, masked)


def _is_special(path: str) -> bool:
    """Whether ``path`` exists and is neither a regular file, a folder nor a link."""
    try:
        kind = os.lstat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind) or stat.S_ISLNK(kind))


def remove_temporaries(paths=None) -> None:
    """Delete temporary files of unfinished writes (default: all of this process's).

    Safe to call from a signal handler: a process told to stop removes its
    ``.part`` files before it exits.
    """
    for temporary in list(_TEMPORARIES if paths is None else paths):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        _TEMPORARIES.discard(temporary)


def _lock(descriptor: int) -> None:
    """Hold a lock on a temporary file while it is written; the system lets
    go of it when the writer dies, however it dies."""
    with contextlib.suppress(ImportError, OSError):  # no locks there: the process id alone tells
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlocked(path: str) -> bool:
    try:
        import fcntl
    except ImportError:
        return True
    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # locked (a live writer), or gone
        return False
    return True


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, alive
        return True
    return True


def remove_stale_temporaries(folder: str) -> list[str]:
    """Delete the temporary files that runs killed before they could clean up left in ``folder``.

    A temporary file is stale when the process named in it is not running
    and nobody holds its lock: another live run's files are never touched.
    Returns the paths removed.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        match = _TEMPORARY_NAME.fullmatch(name)
        path = os.path.join(folder, name)
        if match and not _running(int(match[1])) and _unlocked(path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                removed.append(path)
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

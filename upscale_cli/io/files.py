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
import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable

from ..core.errors import InputError, UsageError
from .metadata import Metadata, orientation, upright, upright_size

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


@dataclass
class Frame:
    """One frame of an animation and how long and how it is shown."""

    image: Any
    duration: float | None = None
    disposal: int | None = None
    blend: int | None = None


@dataclass
class Animation:
    """Every frame of an animated GIF, APNG or WebP, as Pillow composes them."""

    frames: list
    loop: int | None = None

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
    """Refuse ``count`` pixels over ``limit`` (``None``: no limit) before anything is allocated."""
    if limit is not None and count > limit:
        raise InputError(
            f"{name}: {what} has {_megapixels(count)} megapixels, over the limit of "
            f"{_megapixels(limit)} (--max-pixels)"
        )


def _megapixels(count: int) -> str:
    return f"{count / 1e6:.4g}"


def _source(path: str) -> tuple[Any, bytes, int]:
    """What to decode ``path`` from, its first bytes and its size.

    A file is decoded from its name, so that no copy of its bytes stays in
    memory beside the decoded image; standard input from its bytes.
    """
    if path == STDIO:
        raw = sys.stdin.buffer.read()
        return io.BytesIO(raw), raw[:len(NPY_MAGIC)], len(raw)
    try:
        with open(path, "rb") as handle:
            return path, handle.read(len(NPY_MAGIC)), os.fstat(handle.fileno()).st_size
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
def _own_pixel_limit():
    """Switch off Pillow's global bomb check while we apply ours (``--max-pixels``)."""
    from PIL import Image

    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _open_image(source, name: str):
    from PIL import Image, UnidentifiedImageError

    try:
        with _own_pixel_limit():
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
    return getattr(image, "n_frames", 1) if image.format in ANIMATED_FORMATS else 1


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
    frames, turn = _checked_header(image, name, auto_orient, max_pixels)
    return Probe(upright_size(image.size, turn), frames, image.format or "PNG")


def _checked_header(image, name: str, auto_orient: bool, max_pixels: int | None) -> tuple[int, int]:
    """Frame count and EXIF orientation (1 if ``auto_orient`` is off), within the pixel limit."""
    frames = _try(lambda: _frame_count(image), name)
    width, height = image.size
    check_pixels(name, width * height * frames, max_pixels, "the image")
    return frames, orientation(image) if auto_orient else 1


def _probe_array(path: str, layout: str | None, max_pixels: int | None) -> Probe:
    import numpy as np

    from ..core.layouts import spatial_axes

    try:
        shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
    except (ValueError, OSError, EOFError) as error:
        raise InputError(f"{path}: corrupt .npy file: {error}") from None
    check_pixels(path, int(np.prod(shape, dtype=np.int64)), max_pixels, "the array")
    return Probe(tuple(shape[a] for a in spatial_axes(len(shape), layout)), 1, "npy")


def _try(function: Callable[[], Any], name: str):
    """Run a Pillow decoding step, turning its many exception types into one line."""
    import struct

    from PIL import Image

    try:
        with _own_pixel_limit():
            return function()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, Image.DecompressionBombError) as error:
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None


def read_input(path: str, *, auto_orient: bool = True, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Loaded:
    """Load an image or a ``.npy`` array; the content decides, not the name.

    Images are turned upright by their EXIF orientation unless
    ``auto_orient`` is false; every frame of an animated GIF, APNG or WebP
    is read. Nothing over ``max_pixels`` pixels (all frames) is decoded.
    """
    source, magic, size = _source(path)
    name = "<stdin>" if path == STDIO else path
    if magic == NPY_MAGIC:
        import numpy as np

        try:
            array = np.load(source, allow_pickle=False)
        except (ValueError, OSError, EOFError) as error:
            raise InputError(f"{name}: corrupt .npy file: {error}") from None
        check_pixels(name, array.size, max_pixels, "the array")
        return Loaded(name, array, "npy", n_bytes=size)
    if not size:
        raise InputError(f"{name}: empty file")
    image = _open_image(source, name)
    count, turn = _checked_header(image, name, auto_orient, max_pixels)
    frames = _try(lambda: _read_frames(image, count), name)
    metadata = _try(lambda: Metadata.of(image), name)
    for frame in frames:
        frame.image = upright(frame.image, turn)
    animation = Animation(frames, image.info.get("loop")) if len(frames) > 1 else None
    return Loaded(
        name, frames[0].image, image.format or "PNG", animation=animation, metadata=metadata,
        oriented=turn != 1, jpeg_subsampling=_jpeg_subsampling(image), n_bytes=size,
    )


def _read_frames(image, count: int) -> list:
    if count == 1:
        image.load()
        return [Frame(image)]
    frames = []
    for index in range(count):
        image.seek(index)
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


def encode(data: Any, fmt: str, name: str, options: SaveOptions | None = None) -> Callable[[Any], None]:
    """A function that writes ``data`` as ``fmt`` to a binary file.

    ``data`` is a Pillow image, :class:`Samples`, an :class:`Animation` or an
    array. Single PNG images of the modes :mod:`upscale_cli.io.png` writes are
    written by it (faster, from the array), everything else by Pillow. An
    array (alone or in :class:`Samples`) may be
    :class:`~upscale_cli.engine.bands.Bands`, an output still to be made: PNG,
    TIFF, PPM and ``.npy`` are written band by band as they are made
    (:mod:`upscale_cli.io.stream`), other formats from the whole output.
    """
    kwargs = (options or SaveOptions()).kwargs(fmt)
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

        if fmt not in Image.SAVE_ALL:
            raise InputError(f"{name}: {fmt} cannot hold the {len(data.frames)} frames of an animation; choose --format gif, png or webp")
        image = data.frames[0].image
        kwargs.update(data.save_kwargs())
        return lambda handle: image.save(handle, format=fmt, **kwargs)
    if not (isinstance(data, Samples) or hasattr(data, "save")):
        data = array_to_image(data, name)
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
    if stream.streams(fmt, mode, kwargs) or (fmt == "PNG" and mode is not None and png.can_write(mode, kwargs)):
        return data
    whole = array.whole()
    return Samples(whole, data.mode, data.info) if isinstance(data, Samples) else whole


def array_to_image(array, name: str):
    """A Pillow image from an ``hw``/``hwc`` array, or a clear error."""
    from PIL import Image

    try:
        return Image.fromarray(array)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name}: cannot store an array of shape {array.shape} and dtype {array.dtype} as an image: {error}") from None


def write_output(data: Any, path: str, fmt: str, *, overwrite: bool = False, options: SaveOptions | None = None) -> int:
    """Write ``data`` to ``path`` atomically (``-``: standard output); returns the bytes written."""
    if path == STDIO and sys.stdout.isatty():
        raise UsageError("refusing to write image data to a terminal: give -o FILE or redirect standard output")
    writer = encode(data, fmt, path, options)
    if path == STDIO:
        buffer = io.BytesIO()
        _run_writer(writer, buffer, path)
        data = buffer.getvalue()
        try:
            written = sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except OSError as error:
            raise InputError(f"standard output: cannot write: {error.strerror or error}") from None
        # A reader that went away (``| head``) can cut a write short without an error.
        if written is not None and written < len(data):
            raise InputError(f"standard output: cannot write: only {written} of {len(data)} bytes were taken")
        return len(data)
    return atomic_write(path, writer, overwrite=overwrite)


def _run_writer(writer: Callable[[Any], None], handle, path: str) -> None:
    try:
        writer(handle)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: cannot write: {error}") from None


#: Temporary files being written by this process, for :func:`remove_temporaries`.
_TEMPORARIES: set = set()


def atomic_write(path: str, writer: Callable[[Any], None], *, overwrite: bool = False) -> int:
    """Write through a temporary file in the same folder, then give it its name.

    Returns the size of the file written.
    """
    if not overwrite and os.path.lexists(path):
        raise InputError(f"{path}: already exists (use --overwrite to replace it)")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upscale-", suffix=".part")
    except OSError as error:
        raise InputError(f"{path}: cannot write in {folder}: {error.strerror or error}") from None
    _TEMPORARIES.add(temporary)
    try:
        with os.fdopen(descriptor, "wb") as handle:
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
        remove_temporaries({temporary})


def remove_temporaries(paths=None) -> None:
    """Delete temporary files of unfinished writes (default: all of this process's).

    Safe to call from a signal handler: a process told to stop removes its
    ``.part`` files before it exits.
    """
    for temporary in list(_TEMPORARIES if paths is None else paths):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        _TEMPORARIES.discard(temporary)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

"""Reading inputs: images through Pillow, arrays as ``.npy``; never a partial image.

The content decides the format, not the name. Nothing larger than the
pixel limit is decoded (it is refused from the header), and a file that does
not decode completely fails with one line.
"""

from __future__ import annotations

import contextlib
import io
import math
import mmap
import os
import stat
import struct
import sys
import tokenize
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable

from ..core.errors import InputError, UsageError
from . import heif
from .images import (
    ANIMATED_FORMATS,
    DEFAULT_MAX_PIXELS,
    PAGED_FORMATS,
    STDIO,
    Animation,
    Frame,
    Loaded,
    Samples,
    Streamed,
    check_pixels,
    same_bytes,
    unpacked,
)
from .integrity import PNG_SIGNATURE, truncation
from .metadata import ORIENTATION, Metadata, orientation, upright, upright_size
from .png_samples import PngSamples, is_sixteen_bit_colour
from .tiff import TiffSamples, TiffStrips, needs_own_reading
from .window import named_errors

NPY_MAGIC = b"\x93NUMPY"
#: The first four bytes of TIFF and BigTIFF files, either byte order.
TIFF_SIGNATURES = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")


@dataclass(frozen=True)
class Probe:
    """What an input's header says: spatial lengths (x first, upright) and frames, and whether the input
    can be read in bands (:func:`open_streamed`: then only a few of its rows are in memory at once)."""

    lengths: tuple
    frames: int
    format: str
    in_bands: bool = False



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
    images over ``max_pixels``; an input read in bands (:func:`open_streamed`)
    only for a row over ``max_pixels`` (the rows held at once are limited as
    they are read: docs/streaming.md).
    """
    streamed = open_streamed(path, auto_orient=auto_orient)
    if streamed is not None:
        check_pixels(path, streamed.data.size[0], max_pixels, "a row of the image")
        max_pixels = None
    with open_header(path) as header:
        if header is None:
            found = _probe_array(path, layout, max_pixels)
        elif isinstance(header, TiffSamples):
            check_pixels(path, header.shape[0] * header.shape[1], max_pixels, "the image")
            found = Probe(upright_size(header.shape[1::-1], header.orientation), 1, "TIFF")
        else:
            found = _image_probe(header, path, auto_orient, max_pixels)
    return replace(found, in_bands=streamed is not None)


@contextlib.contextmanager
def open_header(path: str):
    """A lazily opened Pillow image for ``path``, ``None`` for a ``.npy`` file,
    or :class:`~upscale_cli.io.tiff.TiffSamples` for a TIFF whose samples Pillow would change."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(heif.PREFIX_BYTES)
            if magic[:4] in TIFF_SIGNATURES:
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                    if needs_own_reading(mapped):
                        yield _tiff_samples(mapped, path)
                        return
    except OSError as error:
        raise _open_error(path, error) from None
    if not magic:
        raise InputError(f"{path}: empty file")
    if magic.startswith(NPY_MAGIC):
        yield None
        return
    if heif.is_heif(magic):
        heif.enable(path)
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
    from PIL import Image

    try:
        with _strict_decoding(name):
            return function()
    # Pillow's readers meet damaged data with whatever the failing step raises: a broken
    # second TIFF page is a TypeError ("Missing dimensions"), a bad tag table a KeyError...
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError,
            struct.error, Image.DecompressionBombError) as error:
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None


def read_input(path: str, *, auto_orient: bool = True, max_pixels: int | None = DEFAULT_MAX_PIXELS,
               draft: Callable[[Any], None] | None = None) -> Loaded:
    """Load an image or a ``.npy`` array; the content decides, not the name.

    Images are turned upright by their EXIF orientation unless
    ``auto_orient`` is false (a TIFF always is: Pillow 13 turns it as it
    loads it); every frame of an animated GIF, APNG or WebP and every page
    of a TIFF is read. Nothing over ``max_pixels`` pixels (all frames) is
    decoded. A file that does not decode completely is an
    :class:`~upscale_cli.core.errors.InputError`, never a partial image.
    ``draft`` sees the opened image before it is decoded (to ask Pillow for
    a smaller decode, :mod:`upscale_cli.batch.shrink`).
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
    if raw[:4] in TIFF_SIGNATURES and needs_own_reading(raw):
        return _read_tiff_samples(raw, name, max_pixels)
    if heif.is_heif(raw):
        heif.enable(name)
    buffer = io.BytesIO(raw)
    image = _open_image(buffer, name)
    cut = truncation(raw)
    if cut:
        raise InputError(f"{name}: corrupt or truncated image: {cut}")
    if draft is not None:
        _try(lambda: draft(image), name)
    frames, stored, metadata = _try(lambda: _decode(image, name, max_pixels), name)
    if is_sixteen_bit_colour(raw):
        # Pillow has decoded the file (so it is whole) and its metadata, but kept 8 of the 16 bits
        samples = _own(lambda: PngSamples(raw), name)
        frames = [Frame(Samples(_try(samples.read, name), samples.mode))]
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


#: What a header read for streaming may raise: the file is then decoded whole, and its damage reported there.
_HEADER_ERRORS = (SyntaxError, IndexError, KeyError, TypeError, struct.error, InputError) + _NPY_ERRORS
#: What reading a streamed input's bands may raise (Pillow's unpacker: ValueError; zlib: its error).
_BAND_ERRORS = (ValueError, OSError, EOFError, struct.error, zlib.error)
#: Pillow modes of TIFF files read here in strips; others (palette, YCbCr...) are decoded whole.
_TIFF_PHOTOMETRICS = (0, 1, 2, 5)


def open_streamed(path: str, *, auto_orient: bool = True, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> Loaded | None:
    """The input at ``path`` as :class:`~upscale_cli.io.images.Streamed`, its rows still to be read;
    ``None`` when it is decoded whole (:func:`read_input`).

    Read in bands (docs/streaming.md): non-interlaced, single-image PNG;
    TIFF in strips or tiles (one page, no turn by its Orientation field,
    compression none, LZW, deflate or PackBits); binary PPM/PGM; ``.npy`` files in C
    order. Everything else, standard input, and an image that
    ``auto_orient`` would turn, are decoded whole, as is a file whose
    header is damaged (:func:`read_input` says how). Only the header is
    read here; the bands are read, and their damage reported (one line
    naming the file), as the resize asks for their rows. ``max_pixels``
    limits the pixels of rows held at once.
    """
    if path == STDIO:
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a pipe's bytes would be gone once its header is read: decoded whole, read once
        with open(path, "rb") as handle:
            magic = handle.read(8)
        n_bytes = os.path.getsize(path)
        openers = ((NPY_MAGIC, _streamed_npy), (PNG_SIGNATURE, _streamed_png), (b"P5", _streamed_ppm), (b"P6", _streamed_ppm))
        opener = next((open_ for prefix, open_ in openers if magic.startswith(prefix)), None)
        if magic[:4] in TIFF_SIGNATURES:
            opener = _streamed_tiff
        found = opener(path, auto_orient, max_pixels) if opener else None
    except _HEADER_ERRORS:
        return None
    if found is None:
        return None
    stream, fmt, metadata = found
    stream.bands = named_errors(stream.bands, path, _BAND_ERRORS)
    stream.limit = max_pixels
    return Loaded(path, stream, fmt, metadata=metadata, n_bytes=n_bytes)


def _streamed_npy(path: str, auto_orient: bool, limit: int | None):
    from .raw_rows import NpyRows

    rows = NpyRows(path)
    if not rows.streams:
        return None
    return Streamed(path, (rows.shape[1], rows.shape[0]), None, iter(rows)), "npy", Metadata()


def _streamed_png(path: str, auto_orient: bool, limit: int | None):
    from .png_rows import PngRows

    rows = PngRows(path)
    if not rows.streams:
        return None
    # the skeleton holds a row: one over the limit is refused (by the whole path) before Pillow allocates it
    check_pixels(path, rows.size[0], limit, "a row of the image")
    with _strict_decoding(path):
        image = rows.open_skeleton()
        turn, metadata = orientation(image), Metadata.of(image)
    if auto_orient and turn != 1:
        return None
    return Streamed(path, rows.size, rows.sixteen_bit or image.mode, iter(rows), rows.samples), "PNG", metadata


def _streamed_ppm(path: str, auto_orient: bool, limit: int | None):
    from .raw_rows import PpmRows

    with _strict_decoding(path):
        image = _open_image(path, path)
    rows = PpmRows(path, image)
    if not rows.streams:
        return None
    return Streamed(path, rows.size, image.mode, iter(rows), rows.samples), "PPM", Metadata()


def _streamed_tiff(path: str, auto_orient: bool, limit: int | None):
    """A TIFF's strips: samples Pillow would change as :class:`TiffSamples` gives them, the others as Pillow's
    images of each band (its mode, unpacked by its raw mode)."""
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    strips = TiffStrips(mapped)
    if strips.problem is not None or strips.doubtful() is not None or strips.orientation != 1:
        return None
    if strips.compression != 1 and limit is not None and strips.rows_per_strip * strips.width > limit:
        return None  # a compressed strip (or row of tiles) is unpacked whole: as large as a whole image
    if needs_own_reading(mapped):
        samples = TiffSamples(mapped)
        metadata = Metadata()
        with contextlib.suppress(InputError):  # Pillow opens no 16-bit grey-and-alpha TIFF: no metadata then
            with _open_image(path, path) as image:
                metadata = _try(lambda: Metadata.of(image), path)
        return Streamed(path, (strips.width, strips.height), samples.mode, _quiet(samples, strips)), "TIFF", metadata
    with _strict_decoding(path):
        image = _open_image(path, path)
    with image:
        tiles = image.tile
        if (_try(lambda: _frame_count(image), path) != 1 or image.size != (strips.width, strips.height)
                or len(tiles) < 1 or tiles[0].codec_name not in ("raw", "libtiff")
                or strips.one(262, 1) not in _TIFF_PHOTOMETRICS):
            return None
        mode, rawmode = image.mode, tiles[0].args[0]
        metadata = _try(lambda: Metadata.of(image), path)
    bands = _quiet(_tiff_bands(strips, mode, rawmode), strips)
    return Streamed(path, image.size, mode, bands, same_bytes(mode, rawmode)), "TIFF", metadata


def _tiff_bands(strips: TiffStrips, mode: str, rawmode: str):
    for rows, data in strips.bands():
        yield unpacked(mode, rawmode, (strips.width, rows), data)


def _quiet(bands, strips: TiffStrips):
    """``bands`` with libtiff's messages kept off the terminal while each compressed strip is unpacked."""
    if strips.compression == 1:
        yield from bands
        return
    bands = iter(bands)
    while True:
        with _libtiff_quiet():
            band = next(bands, None)
        if band is None:
            return
        yield band


def _read_tiff_samples(raw: bytes, name: str, max_pixels: int | None) -> Loaded:
    """A TIFF whose samples Pillow would change, read by :class:`~upscale_cli.io.tiff.TiffSamples`.

    16-bit colour is an image (with the metadata Pillow reads from the
    header); other samples are an array, as from a ``.npy`` file. It is
    turned upright by its Orientation field, as Pillow turns every TIFF.
    """
    samples = _tiff_samples(raw, name)
    if samples.mode is None:  # counted as a .npy array's elements are
        check_pixels(name, math.prod(samples.shape), max_pixels, "the array")
    else:
        check_pixels(name, samples.shape[0] * samples.shape[1], max_pixels, "the image")
    with _libtiff_quiet():
        array = _try(samples.read, name)
    # an array is turned as the samples of an image are
    turned = upright(Samples(array, samples.mode or "array"), samples.orientation)
    if samples.mode is None:
        return Loaded(name, turned.array, "TIFF", n_bytes=len(raw))
    try:
        image = _open_image(io.BytesIO(raw), name)
        metadata = _try(lambda: Metadata.of(image), name)
    except InputError:  # Pillow opens no 16-bit grey-and-alpha TIFF: its samples are read, its metadata is not kept
        metadata = Metadata()
    return Loaded(name, turned, "TIFF", metadata=metadata, oriented=samples.orientation != 1, n_bytes=len(raw))


def _tiff_samples(raw, name: str) -> TiffSamples:
    return _own(lambda: TiffSamples(raw), name)


def _own(reader: Callable[[], Any], name: str):
    """A reader of samples Pillow would change; what it does not read (a layout, a compression) is one line."""
    try:
        return reader()
    except (ValueError, IndexError, struct.error) as error:
        raise InputError(f"{name}: {error}") from None


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


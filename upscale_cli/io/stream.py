"""Writers that take an image's rows band by band: TIFF, PPM/PGM and ``.npy``.

Each writes the file its whole-image counterpart writes (Pillow's
``Image.save``, ``np.save``), byte for byte, from the header and then the
rows as they come, so that an output never has to be whole in memory
(:class:`~upscale_cli.engine.bands.Bands`). PNG streams through
:mod:`upscale_cli.io.png`. JPEG and WebP, which Pillow encodes from a whole
image, do not stream.

- **TIFF**: Pillow writes uncompressed TIFF as its directory followed by
  the samples, all rows in one strip. The directory is Pillow's own, made
  for one row of the same width, mode, ``info`` and ``save`` arguments;
  only its image length, rows per strip and strip byte count (single
  32-bit entries, checked) depend on the height, and are set to the real
  one's. A file past 4 GiB is BigTIFF (Pillow's ``big_tiff`` directory,
  the strip's offset and byte count made 64-bit). 16-bit colour, which
  Pillow has no mode for, gets the directory of its 8-bit mode with 16 bits
  per sample. Arrays of samples no Pillow mode holds get the directory of
  :func:`upscale_cli.io.tiff.array_header`.
- **PPM/PGM** (binary ``P5``/``P6``): a text header, then rows; 16-bit
  grey big-endian, as Pillow writes it.
- **.npy**: NumPy's header for the whole shape, then the rows (C order).
"""

from __future__ import annotations

import io
import math
import struct
from typing import IO, Iterable

import numpy as np

#: Pillow modes whose uncompressed TIFF samples are the bytes of their array
#: (Pillow writes little-endian TIFF).
TIFF_MODES = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "I;16", "I", "F", "LA;16", "RGB;16", "RGBA;16"})
#: ``Image.save`` arguments that only become directory entries (anything else,
#: such as ``compression``, changes the encoding and is left to Pillow).
TIFF_ARGUMENTS = frozenset({"dpi", "icc_profile", "exif", "resolution", "description", "software"})
#: PPM/PGM modes → the magic number and largest sample Pillow writes.
PPM_HEADS = {"L": (b"P5", 255), "RGB": (b"P6", 255), "I;16": (b"P5", 65535)}
#: TIFF tags: the three that depend on the height (ImageLength, RowsPerStrip,
#: StripByteCounts) and StripOffsets, where the samples begin.
IMAGE_LENGTH, ROWS_PER_STRIP, STRIP_BYTE_COUNTS, STRIP_OFFSETS, BITS_PER_SAMPLE = 257, 278, 279, 273, 258
SHORT, LONG, LONG8 = 3, 4, 16


def streams(fmt: str, mode: str | None, save_arguments: dict) -> bool:
    """Whether an output of Pillow format ``fmt`` (or ``npy``) and image ``mode`` is written here band by band."""
    if fmt == "npy":
        return True
    if fmt == "TIFF":
        return mode in TIFF_MODES and set(save_arguments) <= TIFF_ARGUMENTS
    if fmt == "PPM":
        return mode in PPM_HEADS and not save_arguments
    return False


def _row_bytes(shape: tuple[int, ...], dtype) -> int:
    return math.prod(shape[1:]) * np.dtype(dtype).itemsize


def _write_rows(handle: IO[bytes], bands: Iterable[np.ndarray], dtype=None) -> None:
    for band in bands:
        # as bytes: a buffer of a non-native long double cannot be exposed (a big-endian float128 .npy)
        handle.write(np.ascontiguousarray(band, dtype=dtype).view(np.uint8).data)


def write_npy(handle: IO[bytes], bands) -> None:
    """``np.save(handle, array)`` for the array whose rows ``bands`` yields (``bands.shape``, ``bands.dtype``)."""
    header = np.lib.format.header_data_from_array_1_0(np.empty((0,), bands.dtype))
    header["shape"] = tuple(bands.shape)
    np.lib.format.write_array_header_1_0(handle, header)
    _write_rows(handle, bands)


def write_ppm(handle: IO[bytes], bands, mode: str) -> None:
    """Binary PGM/PPM of an ``L``, ``RGB`` or ``I;16`` image, as ``Image.save(handle, "PPM")`` writes it."""
    head, largest = PPM_HEADS[mode]
    height, width = bands.shape[:2]
    handle.write(head + b"\n%d %d\n%d\n" % (width, height, largest))
    _write_rows(handle, bands, ">u2" if mode == "I;16" else np.uint8)


def write_tiff(handle: IO[bytes], bands, mode: str, save_arguments: dict | None = None, info: dict | None = None) -> None:
    """Uncompressed TIFF, as ``Image.save(handle, "TIFF", **save_arguments)`` writes it.

    ``bands`` has the image's ``shape`` and ``dtype`` and yields its rows
    (an array does too); ``info`` is the image's ``Image.info``.
    """
    handle.write(tiff_header(mode, bands.shape, bands.dtype, save_arguments or {}, info or {}))
    _write_rows(handle, bands, np.dtype(bands.dtype).newbyteorder("<"))


def write_array_tiff(handle: IO[bytes], bands) -> None:
    """Uncompressed TIFF of an ``hw``/``hwc`` array of any integer or float dtype
    (:func:`upscale_cli.io.tiff.array_header`); ``bands`` as for :func:`write_tiff`."""
    from .tiff import array_header

    handle.write(array_header(bands.shape, bands.dtype))
    _write_rows(handle, bands, np.dtype(bands.dtype).newbyteorder("<"))


def tiff_header(mode: str, shape: tuple[int, ...], dtype, save_arguments: dict, info: dict) -> bytes:
    """Everything Pillow writes before the samples of an uncompressed TIFF of ``shape``
    (BigTIFF past :data:`upscale_cli.io.tiff.BIGTIFF_ABOVE` bytes)."""
    from . import tiff

    classic = _tiff_header(mode, shape, dtype, save_arguments, info, big=False)
    if len(classic) + shape[0] * _row_bytes(shape, dtype) <= tiff.BIGTIFF_ABOVE:
        return classic
    return _tiff_header(mode, shape, dtype, save_arguments, info, big=True)


def _tiff_header(mode: str, shape: tuple[int, ...], dtype, save_arguments: dict, info: dict, big: bool) -> bytes:
    from PIL import Image

    from .images import SIXTEEN_BIT_COLOUR

    width, row_bytes = shape[1], _row_bytes(shape, dtype)
    image = Image.new(SIXTEEN_BIT_COLOUR.get(mode, mode), (width, 1))
    image.info.update(info)
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", big_tiff=big, **save_arguments)
    one_row = bytearray(buffer.getvalue())
    order = "<" if one_row[:2] == b"II" else ">"
    offset, number, entry_size, value_at = ("Q", "Q", 20, 12) if big else ("I", "H", 12, 8)
    (position,) = struct.unpack_from(order + offset, one_row, 8 if big else 4)
    (count,) = struct.unpack_from(order + number, one_row, position)
    first = position + struct.calcsize(number)
    values = {IMAGE_LENGTH: shape[0], ROWS_PER_STRIP: shape[0], STRIP_BYTE_COUNTS: shape[0] * row_bytes}
    data_start = None
    for entry in range(first, first + entry_size * count, entry_size):
        tag, kind = struct.unpack_from(order + "HH", one_row, entry)
        (items,) = struct.unpack_from(order + offset, one_row, entry + 4)
        if tag == STRIP_OFFSETS:
            (data_start,) = struct.unpack_from(order + ("Q" if kind == LONG8 else "I"), one_row, entry + value_at)
        if tag == BITS_PER_SAMPLE and mode in SIXTEEN_BIT_COLOUR:
            inline = items * 2 <= struct.calcsize(offset)
            (where,) = (entry + value_at,) if inline else struct.unpack_from(order + offset, one_row, entry + value_at)
            struct.pack_into(f"{order}{items}H", one_row, where, *[16] * items)
        if tag in values:
            if (kind, items) not in ((LONG, 1), (LONG8, 1)):
                raise ValueError(f"TIFF tag {tag} is not one 32- or 64-bit number")
            if big:
                struct.pack_into(order + "HQQ", one_row, entry + 2, LONG8, 1, values.pop(tag))
            else:
                struct.pack_into(order + "I", one_row, entry + value_at, values.pop(tag))
        if tag == STRIP_OFFSETS and big:
            struct.pack_into(order + "HQQ", one_row, entry + 2, LONG8, 1, data_start)
    pillows_row = row_bytes // 2 if mode in SIXTEEN_BIT_COLOUR else row_bytes  # its one row is of 8-bit samples
    if values or data_start is None or data_start + pillows_row != len(one_row):
        raise ValueError("Pillow's TIFF is not one strip of samples after its directory")
    return bytes(one_row[:data_start])

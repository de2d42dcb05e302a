"""Reading the samples of 16-bit colour PNG files, which Pillow reads as 8 bits.

Pillow has no 16-bit colour modes: it reads 16-bit grey with alpha, RGB
and RGB with alpha as ``LA``, ``RGB`` and ``RGBA`` keeping each sample's
high byte. These files' samples are read here instead, as ``uint16``:
the image data is inflated with zlib and unfiltered with NumPy (the PNG
specification, section 9), band by band.

Unfiltering ``None``, ``Sub`` and ``Up`` works on whole rows (``Sub`` is a
running sum along each byte's lane). ``Average`` and ``Paeth`` take the
byte to the left as already unfiltered. Rows of 1 to 4 bytes per pixel
that use them are unfiltered by Pillow's own decoder, in C, given as an
8-bit image of as many bytes per pixel (whose samples are its bytes) under
the row above, stored unfiltered. Others (16-bit colour: 6 and 8 bytes per
pixel) are unfiltered along anti-diagonals: every pixel whose left, upper
and upper-left neighbours are done is done at once, which takes width +
rows NumPy steps per run instead of one step per pixel.

A colour key (``tRNS`` of an RGB image) becomes an alpha channel (0 where
a pixel equals the key, 65535 elsewhere): the mode is then ``RGBA;16``.
Interlaced (Adam7) and animated files are not read here; they fail with
one line rather than lose bits.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Iterable, Iterator

import numpy as np

from .png import SIGNATURE, chunks, paeth

#: Colour types read here → (samples per pixel, mode).
COLOUR_TYPES = {4: (2, "LA;16"), 2: (3, "RGB;16"), 6: (4, "RGBA;16")}
#: Rows unfiltered at a time.
BAND_ROWS = 1024
#: Inflated bytes asked of zlib at a time, so a band never needs the whole image inflated.
INFLATE_BYTES = 1 << 20
NONE, SUB, UP, AVERAGE, PAETH = range(5)
#: Bytes per pixel → the 8-bit colour type of as many bytes per pixel (grey, grey and alpha, RGB, RGBA),
#: whose samples Pillow keeps as they are: rows of any image of that many bytes per pixel are unfiltered
#: by Pillow's decoder as rows of that type.
BYTES_AS_PIXELS = {1: 0, 2: 4, 3: 2, 4: 6}
#: Fewest pixels of a band Pillow would warn about as a decompression bomb (its ``MAX_IMAGE_PIXELS``):
#: larger bands (rows of tens of millions of pixels) are unfiltered here.
BY_PILLOW_PIXELS = 89_478_485


def is_sixteen_bit_colour(raw: bytes) -> bool:
    """Whether ``raw`` starts as a PNG file of 16-bit colour samples (read here, not by Pillow)."""
    if not raw.startswith(SIGNATURE) or raw[12:16] != b"IHDR" or len(raw) < 26:
        return False
    return raw[24] == 16 and raw[25] in COLOUR_TYPES


class PngSamples:
    """The samples of a 16-bit colour PNG file, unfiltered band by band.

    ``shape`` is ``(height, width, channels)``, ``dtype`` ``uint16``,
    ``mode`` ``LA;16``, ``RGB;16`` or ``RGBA;16``. Iterating yields the rows
    in bands of :data:`BAND_ROWS`; :meth:`read` gives them all.

    Raises ``ValueError`` with the reason for a file it does not read.
    """

    def __init__(self, raw: bytes):
        found = list(chunks(raw))
        if not found or found[0][0] != b"IHDR":
            raise ValueError("the PNG file does not start with its header")
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", found[0][1][8:21])
        if depth != 16 or colour not in COLOUR_TYPES:
            raise ValueError("not a 16-bit colour PNG file")
        kinds = {kind for kind, _ in found}
        if interlace:
            raise ValueError("an interlaced 16-bit colour PNG is not read (its 16 bits would be lost): save it without interlacing")
        if b"acTL" in kinds:
            raise ValueError("an animated 16-bit colour PNG is not read (its 16 bits would be lost)")
        channels, self.mode = COLOUR_TYPES[colour]
        self._pixel_bytes = 2 * channels
        self._width = width
        self._data = [chunk[8:-4] for kind, chunk in found if kind == b"IDAT"]
        keys = [chunk[8:-4] for kind, chunk in found if kind == b"tRNS"]
        self._key = np.frombuffer(keys[0][:6], ">u2").astype(np.uint16) if keys and colour == 2 else None
        if self._key is not None:
            channels, self.mode = 4, "RGBA;16"
        self.shape = (height, width, channels)
        self.dtype = np.dtype(np.uint16)

    def __iter__(self) -> Iterator[np.ndarray]:
        row_bytes = self._width * self._pixel_bytes
        for unfiltered in scanlines(self._data, self.shape[0], row_bytes, self._pixel_bytes):
            yield self.samples(unfiltered)

    def samples(self, unfiltered: np.ndarray) -> np.ndarray:
        """The ``uint16`` samples of rows of unfiltered bytes (the colour key made an alpha channel)."""
        rows = len(unfiltered)
        band = unfiltered.view(">u2").reshape((rows, self._width, self._pixel_bytes // 2)).astype(np.uint16)
        if self._key is not None:
            clear = (band == self._key).all(axis=-1, keepdims=True)
            band = np.concatenate([band, np.where(clear, 0, 65535).astype(np.uint16)], axis=-1)
        return band

    def read(self) -> np.ndarray:
        """Every row."""
        return np.concatenate(list(self))


def scanlines(pieces: Iterable[bytes], height: int, row_bytes: int, pixel_bytes: int,
              rows: int | None = None) -> Iterator[np.ndarray]:
    """The unfiltered rows of bytes of a non-interlaced image, ``rows`` (default :data:`BAND_ROWS`) at a time.

    ``pieces`` are the image data (the IDAT chunks' contents, in order),
    ``row_bytes`` the bytes of a row without its filter type, ``pixel_bytes``
    the bytes of a pixel (1 below 8 bits per pixel, as filtering counts).
    Raises ``ValueError`` when the data ends early or names an unknown
    filter, ``zlib.error`` when it does not inflate.
    """
    rows = rows or BAND_ROWS
    inflated = _inflated(pieces)
    pending = bytearray()
    above = np.zeros(row_bytes, np.uint8)
    for low in range(0, height, rows):
        count = min(rows, height - low)
        wanted = count * (row_bytes + 1)
        while len(pending) < wanted:  # no more than this band needs: what is pending stays under a piece
            piece = next(inflated, None)
            if piece is None:
                break
            pending += piece
        if len(pending) < wanted:
            raise ValueError("the image data ends early")
        filtered = np.frombuffer(bytes(pending[:wanted]), np.uint8).reshape(count, row_bytes + 1)
        del pending[:wanted]
        unfiltered = _unfiltered(filtered, above, pixel_bytes)
        above = unfiltered[-1]
        yield unfiltered


def _inflated(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The zlib stream split over ``pieces``, inflated a bounded amount at a time."""
    inflater = zlib.decompressobj()
    for piece in pieces:
        while piece:
            out = inflater.decompress(piece, INFLATE_BYTES)
            piece = inflater.unconsumed_tail
            if out:
                yield out
    yield inflater.flush()


def _unfiltered(filtered: np.ndarray, above: np.ndarray, pixel_bytes: int) -> np.ndarray:
    """Rows of bytes from ``filtered`` rows (filter type first), the row above the first being ``above``."""
    types = filtered[:, 0]
    if (types > PAETH).any():
        raise ValueError(f"unknown PNG filter type {int(types.max())}")
    pixels = len(filtered) * (filtered.shape[1] - 1) // pixel_bytes
    if pixel_bytes in BYTES_AS_PIXELS and pixels < BY_PILLOW_PIXELS and ((types == AVERAGE) | (types == PAETH)).any():
        return _unfiltered_by_pillow(filtered, above, pixel_bytes)
    data = filtered[:, 1:]
    rows = np.empty_like(data)
    index = 0
    while index < len(rows):
        kind = types[index]
        if kind in (AVERAGE, PAETH):
            end = index + 1
            while end < len(rows) and types[end] in (AVERAGE, PAETH):
                end += 1
            rows[index:end] = _diagonally_unfiltered(data[index:end], types[index:end], above, pixel_bytes)
            index = end
        else:
            row = data[index]
            if kind == SUB:
                row = np.cumsum(row.reshape(-1, pixel_bytes), axis=0, dtype=np.uint8).reshape(-1)
            elif kind == UP:
                row = row + above
            rows[index] = row
            index += 1
        above = rows[index - 1]
    return rows


def _unfiltered_by_pillow(filtered: np.ndarray, above: np.ndarray, pixel_bytes: int) -> np.ndarray:
    """:func:`_unfiltered` by Pillow's PNG decoder, in C: the rows as an 8-bit image of the same bytes
    per pixel (:data:`BYTES_AS_PIXELS`, whose samples are its bytes), under ``above`` stored unfiltered."""
    from PIL import Image

    from .png import SIGNATURE

    count, row_bytes = filtered.shape[0], filtered.shape[1] - 1
    colour = BYTES_AS_PIXELS[pixel_bytes]
    header = struct.pack(">IIBBBBB", row_bytes // pixel_bytes, count + 1, 8, colour, 0, 0, 0)
    stream = zlib.compress(b"\0" + above.tobytes() + filtered.tobytes(), 0)
    png = SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return np.asarray(image).reshape(count + 1, row_bytes)[1:]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _diagonally_unfiltered(data: np.ndarray, types: np.ndarray, above: np.ndarray, pixel_bytes: int) -> np.ndarray:
    """Rows filtered with ``Average`` or ``Paeth``, unfiltered one anti-diagonal of pixels at a time."""
    count, row_bytes = data.shape
    width = row_bytes // pixel_bytes
    filtered = data.reshape(count, width, pixel_bytes)
    # done[r + 1, j + 1] is pixel j of row r; row 0 is the row above, column 0 the zeros left of every row
    done = np.zeros((count + 1, width + 1, pixel_bytes), np.uint8)
    done[0, 1:] = above.reshape(width, pixel_bytes)
    is_paeth = (types == PAETH)[:, None]
    for diagonal in range(count + width - 1):
        row = np.arange(max(0, diagonal - width + 1), min(count - 1, diagonal) + 1)
        column = diagonal - row
        left, upper, upper_left = done[row + 1, column], done[row, column + 1], done[row, column]
        average = ((left.astype(np.uint16) + upper) >> 1).astype(np.uint8)
        predicted = np.where(is_paeth[row], paeth(left, upper, upper_left), average)
        done[row + 1, column + 1] = filtered[row, column] + predicted
    return done[1:, 1:].reshape(count, row_bytes)

"""TIFF's own structure: samples of every kind written, and read where Pillow would change them.

TIFF describes its samples by ``BitsPerSample`` and ``SampleFormat``
(unsigned, signed, float), so it holds every NumPy integer and float array
exactly. Pillow reads only some of them as they are; it narrows the rest
(16-bit colour to 8 bits, float64 to float32, uint32 over 2³¹ to negative
numbers, int8 read as uint8). Those files are read here instead:

- **Writing**: :func:`array_header` is the directory of an uncompressed,
  one-strip TIFF of an array of any integer or float dtype (one sample per
  channel, ``MinIsBlack`` with unspecified extra samples), little-endian;
  its samples follow it. Past 4 GiB (:data:`BIGTIFF_ABOVE`) a file is
  written as BigTIFF, whose offsets are 64-bit.
- **Reading**: :class:`TiffSamples` reads the first directory, says which
  files it must read (:func:`needs_own_reading`), and yields the samples
  strip by strip. Uncompressed strips are sliced; compressed ones (LZW,
  deflate, PackBits) are handed to Pillow's decoder as one-strip 8-bit
  grey images of the same bytes per row, which unpacks exactly the bytes
  stored; the horizontal predictor is undone here. Anything else (tiles,
  separate planes, the float predictor, other compressions, colour spaces
  other than grey and RGB, several pages) fails with one line: never fewer
  bits.
- **Reading in bands**: :class:`TiffStrips` gives the bytes of any page's
  rows a band at a time, from strips or from rows of tiles (each tile
  unpacked as a strip is), for inputs read band by band
  (docs/streaming.md); :class:`TiffSamples` is built on it.
"""

from __future__ import annotations

import io
import math
import mmap
import struct
from dataclasses import dataclass
from typing import Iterator

import numpy as np

#: Files larger than this many bytes are written as BigTIFF.
BIGTIFF_ABOVE = (1 << 32) - 1

#: Bytes of rows read at a time from an uncompressed strip.
BAND_BYTES = 1 << 22

#: Field types: code → (struct format of one value, its size).
TYPES = {1: ("B", 1), 2: ("s", 1), 3: ("H", 2), 4: ("I", 4), 5: ("II", 8), 6: ("b", 1), 7: ("B", 1), 8: ("h", 2),
         9: ("i", 4), 10: ("ii", 8), 11: ("f", 4), 12: ("d", 8), 13: ("I", 4), 16: ("Q", 8), 17: ("q", 8), 18: ("Q", 8)}
SHORT, LONG, LONG8 = 3, 4, 16
WIDTH, LENGTH, BITS, COMPRESSION, PHOTOMETRIC = 256, 257, 258, 259, 262
STRIP_OFFSETS, ORIENTATION, SAMPLES, ROWS_PER_STRIP, STRIP_BYTE_COUNTS = 273, 274, 277, 278, 279
FILL_ORDER, PLANAR, PREDICTOR, TILE_WIDTH, TILE_LENGTH, TILE_OFFSETS, TILE_BYTE_COUNTS = 266, 284, 317, 322, 323, 324, 325
EXTRA_SAMPLES, SAMPLE_FORMAT = 338, 339
#: SampleFormat values ↔ NumPy dtype kinds.
SAMPLE_FORMATS = {"u": 1, "i": 2, "f": 3}
KINDS = {value: kind for kind, value in SAMPLE_FORMATS.items()}
#: Compressions read here: none, LZW, deflate (two codes), PackBits.
COMPRESSIONS = {1: "none", 5: "LZW", 8: "deflate", 32946: "deflate", 32773: "PackBits"}
MIN_IS_BLACK, RGB = 1, 2
UNASSOCIATED_ALPHA = 2
#: 16-bit colour images: (photometric, samples per pixel) → their mode (see :mod:`upscale_cli.io.images`).
SIXTEEN_BIT_MODES = {(MIN_IS_BLACK, 2): "LA;16", (RGB, 3): "RGB;16", (RGB, 4): "RGBA;16"}


@dataclass(frozen=True)
class Entry:
    """One field of a directory: its type, count and the bytes of its values (in the file's byte order)."""

    kind: int
    count: int
    data: bytes

    def values(self, order: str) -> tuple:
        code, size = TYPES[self.kind]
        return struct.unpack(f"{order}{self.count * len(code)}{code[0]}", self.data[:self.count * size])


def read_directory(raw: bytes, skipped: list | None = None) -> tuple[str, bool, dict[int, Entry], int]:
    """The first directory of TIFF file ``raw``: byte order, BigTIFF or not, its fields, the next one's offset.

    Fields of a type not in :data:`TYPES` are left out (their tags appended to ``skipped``).

    Raises ``ValueError`` for a file that is not TIFF or is cut inside its directory.
    """
    order = {b"II": "<", b"MM": ">"}.get(raw[:2])
    if order is None:
        raise ValueError("not a TIFF file")
    (version,) = struct.unpack_from(order + "H", raw, 2)
    big = version == 43
    if big:
        (position,) = struct.unpack_from(order + "Q", raw, 8)
        (count,) = struct.unpack_from(order + "Q", raw, position)
        first, size, inline, offset_code = position + 8, 20, 8, "Q"
    else:
        (position,) = struct.unpack_from(order + "I", raw, 4)
        (count,) = struct.unpack_from(order + "H", raw, position)
        first, size, inline, offset_code = position + 2, 12, 4, "I"
    entries = {}
    for start in range(first, first + count * size, size):
        tag, kind = struct.unpack_from(order + "HH", raw, start)
        (number,) = struct.unpack_from(order + offset_code, raw, start + 4)
        value_at = start + 4 + struct.calcsize(offset_code)
        if kind not in TYPES:
            if skipped is not None:
                skipped.append(tag)
            continue  # a type this reader has no use for: its field is not one it reads
        length = number * TYPES[kind][1]
        if length > inline:
            (value_at,) = struct.unpack_from(order + offset_code, raw, value_at)
        data = raw[value_at:value_at + length]
        if len(data) < length:
            raise ValueError(f"field {tag} lies past the end of the file")
        entries[tag] = Entry(kind, number, data)
    (following,) = struct.unpack_from(order + offset_code, raw, first + count * size)
    return order, big, entries, following


def _fields(fields: list[tuple[int, int, list]], order: str, big: bool) -> bytes:
    """A TIFF header and one directory of ``fields`` ``(tag, type, values)``, its long values after it."""
    fields = sorted(fields)
    inline, offset_code = (8, "Q") if big else (4, "I")
    head = (b"II" if order == "<" else b"MM") + (
        struct.pack(order + "HHHQ", 43, 8, 0, 16) if big else struct.pack(order + "HI", 42, 8))
    count_code, entry_size = ("Q", 20) if big else ("H", 12)
    values_at = len(head) + struct.calcsize(order + count_code) + entry_size * len(fields) + inline
    directory, values = [struct.pack(order + count_code, len(fields))], b""
    for tag, kind, items in fields:
        code, _ = TYPES[kind]
        data = struct.pack(f"{order}{len(items)}{code}", *items)
        if len(data) > inline:
            where = struct.pack(order + offset_code, values_at + len(values))
            values += data + b"\0" * (len(data) % 2)  # values start on a word boundary
            data = where
        directory.append(struct.pack(f"{order}HH{offset_code}", tag, kind, len(items)) + data.ljust(inline, b"\0"))
    return head + b"".join(directory) + bytes(inline) + values


def array_header(shape: tuple[int, ...], dtype, *, big: bool | None = None) -> bytes:
    """Everything before the samples of an uncompressed TIFF holding an ``hw``/``hwc`` array of ``dtype``.

    The samples follow as little-endian rows (``hwc`` order); BigTIFF when the
    file would pass :data:`BIGTIFF_ABOVE` bytes (or as ``big`` says).
    Raises ``ValueError`` for a dtype TIFF has no sample format for (complex,
    extended precision, booleans, objects...).
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in SAMPLE_FORMATS or dtype.itemsize not in (1, 2, 4, 8) or (dtype.kind == "f" and dtype.itemsize == 1):
        raise ValueError(f"TIFF has no sample format for {dtype}")
    height, width = shape[:2]
    channels = shape[2] if len(shape) == 3 else 1
    data_bytes = math.prod(shape) * dtype.itemsize

    def header(big: bool) -> bytes:
        strip_kind = LONG8 if big else LONG
        fields = [
            (WIDTH, LONG, [width]), (LENGTH, LONG, [height]), (BITS, SHORT, [8 * dtype.itemsize] * channels),
            (COMPRESSION, SHORT, [1]), (PHOTOMETRIC, SHORT, [MIN_IS_BLACK]), (SAMPLES, SHORT, [channels]),
            (ROWS_PER_STRIP, LONG, [height]), (STRIP_BYTE_COUNTS, strip_kind, [data_bytes]), (PLANAR, SHORT, [1]),
            (SAMPLE_FORMAT, SHORT, [SAMPLE_FORMATS[dtype.kind]] * channels),
        ] + ([(EXTRA_SAMPLES, SHORT, [0] * (channels - 1))] if channels > 1 else [])
        length = len(_fields(fields + [(STRIP_OFFSETS, strip_kind, [0])], "<", big))
        return _fields(fields + [(STRIP_OFFSETS, strip_kind, [length])], "<", big)

    if big is None:
        classic = header(False)
        big = len(classic) + data_bytes > BIGTIFF_ABOVE
        if not big:
            return classic
    return header(big)


def needs_own_reading(raw: bytes) -> bool:
    """Whether Pillow would change the samples of TIFF file ``raw`` (so :class:`TiffSamples` reads it).

    Pillow holds 1- and 8-bit unsigned samples of every colour space (grey
    only with alpha as its second channel), and grey 16-bit unsigned, 32-bit
    signed and 32-bit float samples. (It reads 16-bit signed ones as 32-bit
    integers: the values, not the dtype.)
    """
    try:
        order, _, entries, _ = read_directory(raw)
    except (ValueError, struct.error):
        return False  # damaged: Pillow's own error says so
    bits = set(_values(entries, order, BITS, (1,)))
    formats = set(_values(entries, order, SAMPLE_FORMAT, (1,)))
    samples = _values(entries, order, SAMPLES, (1,))[0]
    if len(bits) != 1 or len(formats) != 1:
        return True
    depth, kind = bits.pop(), formats.pop()
    if depth == 1 or (depth == 8 and kind == 1):
        # but grey with more channels than an alpha: an array (as array_header writes it)
        grey = _values(entries, order, PHOTOMETRIC, (MIN_IS_BLACK,))[0] == MIN_IS_BLACK
        return grey and samples > 1 and _values(entries, order, EXTRA_SAMPLES, ()) != (UNASSOCIATED_ALPHA,)
    return not (samples == 1 and (depth, kind) in ((16, 1), (32, 2), (32, 3)))


def _values(entries: dict, order: str, tag: int, default: tuple) -> tuple:
    return entries[tag].values(order) if tag in entries else default


class TiffStrips:
    """The layout of a TIFF file's first page and the bytes of its rows, a band at a time.

    ``raw`` is the file's bytes or a read-only ``mmap`` of it (whose pages
    are let go once their rows are read, so a file larger than memory is
    read in the memory of a band). :attr:`problem` says why the rows cannot
    be read here (``None`` when they can); :meth:`bands` yields the bytes of
    consecutive rows, unpacked and with the horizontal predictor undone.

    Raises ``ValueError`` for a directory without the image's width or length.
    """

    def __init__(self, raw):
        self.raw = raw
        self._skipped: list[int] = []
        order, _, entries, following = read_directory(raw, self._skipped)
        self.order = order
        self._entries = entries

        self.width, self.height, self.channels = self.one(WIDTH), self.one(LENGTH), self.one(SAMPLES, 1)
        self.bits = _values(entries, order, BITS, (1,))
        self.compression = self.one(COMPRESSION, 1)
        self.predictor = self.one(PREDICTOR, 1)
        self.orientation = self.one(ORIENTATION, 1)
        self.tiled = TILE_WIDTH in entries
        if self.tiled:  # a band is a row of tiles; the tiles' columns are pieces of its rows
            self.tile_width, self.rows_per_strip = self.one(TILE_WIDTH), self.one(TILE_LENGTH, 0)
            self.offsets, self.counts = self.values(TILE_OFFSETS), self.values(TILE_BYTE_COUNTS)
        else:
            self.tile_width = self.width
            self.rows_per_strip = min(self.one(ROWS_PER_STRIP, self.height), self.height) or self.height
            self.offsets, self.counts = self.values(STRIP_OFFSETS), self.values(STRIP_BYTE_COUNTS)
        self.row_bytes = self._bytes_of(self.width)
        self.problem = self._problem(following)

    def one(self, tag: int, default=None):
        """The first value of field ``tag`` (``default`` when absent; ``ValueError`` when required)."""
        value = _values(self._entries, self.order, tag, (default,))[0]
        if value is None:
            raise ValueError(f"field {tag} is missing")
        return value

    def has(self, tag: int) -> bool:
        return tag in self._entries

    def values(self, tag: int, default: tuple = ()) -> tuple:
        return _values(self._entries, self.order, tag, default)

    def _bytes_of(self, width: int) -> int:
        """Bytes of a row of ``width`` pixels."""
        return (width * self.bits[0] * self.channels + 7) // 8

    @property
    def _tiles_across(self) -> int:
        return -(-self.width // self.tile_width)

    def _problem(self, following: int) -> str | None:
        if following:
            return "several pages are not read here (write one page per file)"
        if self.tiled and (not self.tile_width or not self.rows_per_strip or self.tile_width % 16 or self.rows_per_strip % 16):
            return "tiles whose sides are not multiples of 16 are not read"
        if self.one(PLANAR, 1) != 1:
            return "separate colour planes are not read (write the channels interleaved)"
        if self.one(FILL_ORDER, 1) != 1:
            return "bits filled from the lowest are not read"
        if self.compression not in COMPRESSIONS:
            return f"compression {self.compression} is not read here (none, LZW, deflate, PackBits are)"
        if self.predictor not in (1, 2) or (self.predictor == 2 and self.bits[0] not in (8, 16, 32, 64)):
            return f"predictor {self.predictor} is not read for {self.bits[0]}-bit samples (none and horizontal differencing of whole bytes are)"
        if len(self.offsets) != len(self.counts) or len(self.offsets) < self._pieces():
            return "the strips do not cover the image"
        return None

    def _pieces(self) -> int:
        """Strips, or tiles, that cover the image."""
        return -(-self.height // self.rows_per_strip) * self._tiles_across

    def doubtful(self) -> str | None:
        """Why libtiff might refuse a directory this reader would read (a field with the wrong number
        of values or of no known type, strips not one per band of rows), or ``None``: such files are
        better decoded whole."""
        if self._skipped:
            return f"field {self._skipped[0]} is of no known type"
        for tag in (WIDTH, LENGTH, COMPRESSION, PHOTOMETRIC, SAMPLES, ROWS_PER_STRIP, PLANAR, PREDICTOR, ORIENTATION,
                    FILL_ORDER, TILE_WIDTH, TILE_LENGTH):
            if tag in self._entries and self._entries[tag].count != 1:
                return f"field {tag} has {self._entries[tag].count} values"
        if len(self.bits) not in (1, self.channels) or len(set(self.bits)) != 1:
            return "the bits per sample do not match the samples per pixel"
        if len(self.offsets) != self._pieces() or len(self.counts) != self._pieces():
            return "the strips (or tiles) do not cover the image once"
        return None

    def bands(self) -> Iterator[tuple[int, bytes]]:
        """``(rows, data)`` of consecutive bands of rows, top to bottom.

        An uncompressed strip is cut into bands of about :data:`BAND_BYTES`; a
        compressed one is unpacked whole. Raises ``ValueError`` for a strip
        past the end of the file or shorter than its rows.
        """
        if self.problem is not None:
            raise ValueError(self.problem)
        if self.tiled:
            yield from self._tile_rows()
            return
        height, row_bytes = self.height, self.row_bytes
        for index, low in enumerate(range(0, height, self.rows_per_strip)):
            rows = min(self.rows_per_strip, height - low)
            start, count = self.offsets[index], self.counts[index]
            if start + count > len(self.raw):
                raise ValueError(f"strip {index} lies past the end of the file: the file is cut short or damaged")
            if self.compression == 1:
                if count < rows * row_bytes:
                    raise ValueError(f"strip {index} ends early: the file is cut short")
                step = max(1, BAND_BYTES // max(row_bytes, 1))
                for first in range(0, rows, step):
                    taken = min(step, rows - first)
                    at = start + first * row_bytes
                    yield taken, self._predicted(self._read(at, taken * row_bytes), taken)
                continue
            data = _unpacked(self._read(start, count), self.compression, row_bytes, rows)
            if len(data) < rows * row_bytes:
                raise ValueError(f"strip {index} ends early: the file is cut short")
            yield rows, self._predicted(data[:rows * row_bytes], rows)

    def _tile_rows(self) -> Iterator[tuple[int, bytes]]:
        """``(rows, data)`` of each row of tiles: every tile unpacked whole (the bottom ones too, which
        pass the image's last row), its rows put side by side and cut to the image."""
        tile_bytes, length = self._bytes_of(self.tile_width), self.rows_per_strip
        for down, low in enumerate(range(0, self.height, length)):
            pieces = []
            for index in range(down * self._tiles_across, (down + 1) * self._tiles_across):
                start, count = self.offsets[index], self.counts[index]
                if start + count > len(self.raw):
                    raise ValueError(f"tile {index} lies past the end of the file: the file is cut short or damaged")
                data = self._read(start, count)
                if self.compression != 1:
                    data = _unpacked(data, self.compression, tile_bytes, length)
                if len(data) < length * tile_bytes:
                    raise ValueError(f"tile {index} ends early: the file is cut short")
                data = self._predicted(data[:length * tile_bytes], length, self.tile_width)
                pieces.append(np.frombuffer(data, np.uint8).reshape(length, tile_bytes))
            rows = min(length, self.height - low)
            yield rows, np.hstack(pieces)[:rows, :self.row_bytes].tobytes()

    def _read(self, start: int, count: int) -> bytes:
        data = self.raw[start:start + count]
        if hasattr(self.raw, "madvise"):  # an mmap: its pages just read are not needed again
            page = mmap.PAGESIZE
            first = start // page * page
            self.raw.madvise(mmap.MADV_DONTNEED, first, min(len(self.raw), start + count) - first)
        return data

    def _predicted(self, data: bytes, rows: int, width: int | None = None) -> bytes:
        """``data`` (rows of ``width`` pixels, the image's by default) with the horizontal predictor
        undone: each sample stored as its difference from the one to its left."""
        if self.predictor != 2:
            return data
        unsigned = np.dtype(f"{self.order}u{self.bits[0] // 8}")
        band = np.frombuffer(data, unsigned).reshape(rows, width or self.width, self.channels)
        native = unsigned.newbyteorder("=")
        return np.cumsum(band.astype(native), axis=1, dtype=native).astype(unsigned).tobytes()


class TiffSamples(TiffStrips):
    """The samples of a TIFF file's first (and only) page, read strip by strip.

    ``shape`` is ``(height, width)`` or ``(height, width, channels)``,
    ``dtype`` native; ``mode`` is ``LA;16``, ``RGB;16`` or ``RGBA;16`` for
    16-bit unsigned grey with alpha and RGB(A) images (straight alpha),
    ``None`` for samples that are an array (other depths, sample formats and
    channels, premultiplied alpha); ``orientation`` is
    the Orientation field (1 when absent). Iterating yields the rows in bands
    (a strip each); :meth:`read` gives them all.

    Raises ``ValueError`` with the reason for a layout read nowhere here.
    """

    def __init__(self, raw):
        super().__init__(raw)
        if self.tiled:
            raise ValueError("tiled TIFF of samples Pillow cannot hold is not read (write it in strips)")
        if self.problem is not None:
            raise ValueError(self.problem)
        formats = set(self.values(SAMPLE_FORMAT, (1,)))
        if len(set(self.bits)) != 1 or len(formats) != 1:
            raise ValueError("channels of different depths or sample formats are not read")
        depth, kind = self.bits[0], KINDS.get(formats.pop())
        if kind is None or depth not in (8, 16, 32, 64) or (kind == "f" and depth == 8):
            raise ValueError(f"{depth}-bit samples of sample format {sorted(formats) or '?'} are not read")
        if kind == "f" and self.predictor != 1:
            raise ValueError("a predictor on float samples is not read")
        photometric = self.one(PHOTOMETRIC)
        if photometric not in (MIN_IS_BLACK, RGB):
            raise ValueError(f"photometric interpretation {photometric} is not read for these samples (grey and RGB are)")
        # 16-bit colour whose extra sample, if any, is straight alpha; other channels are an array's
        alpha = self.values(EXTRA_SAMPLES) == (UNASSOCIATED_ALPHA,)
        mode = SIXTEEN_BIT_MODES.get((photometric, self.channels)) if (depth, kind) == (16, "u") else None
        self.mode = mode if mode is not None and alpha == (mode != "RGB;16") else None
        self.file_dtype = np.dtype(f"{self.order}{kind}{depth // 8}")
        self.dtype = self.file_dtype.newbyteorder("=")
        self.shape = (self.height, self.width) + ((self.channels,) if self.channels > 1 else ())

    def __iter__(self) -> Iterator[np.ndarray]:
        for rows, data in self.bands():
            band = np.frombuffer(data, self.file_dtype, rows * self.row_bytes // self.file_dtype.itemsize)
            yield band.reshape((rows,) + self.shape[1:]).astype(self.dtype)

    def read(self) -> np.ndarray:
        """Every row."""
        return np.concatenate(list(self))


def _unpacked(stored: bytes, compression: int, row_bytes: int, rows: int) -> bytes:
    """The bytes of one compressed strip, unpacked by Pillow's decoder as a strip of an 8-bit grey image."""
    from PIL import Image

    fields = [(WIDTH, LONG, [row_bytes]), (LENGTH, LONG, [rows]), (BITS, SHORT, [8]), (COMPRESSION, SHORT, [compression]),
              (PHOTOMETRIC, SHORT, [MIN_IS_BLACK]), (SAMPLES, SHORT, [1]), (ROWS_PER_STRIP, LONG, [rows]),
              (STRIP_BYTE_COUNTS, LONG, [len(stored)])]
    length = len(_fields(fields + [(STRIP_OFFSETS, LONG, [0])], "<", False))
    wrapped = _fields(fields + [(STRIP_OFFSETS, LONG, [length])], "<", False) + stored
    with Image.open(io.BytesIO(wrapped)) as strip:
        strip.load()
        return strip.tobytes()

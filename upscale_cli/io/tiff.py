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
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from typing import Iterator

import numpy as np

#: Files larger than this many bytes are written as BigTIFF.
BIGTIFF_ABOVE = (1 << 32) - 1

#: Field types: code → (struct format of one value, its size).
TYPES = {1: ("B", 1), 2: ("s", 1), 3: ("H", 2), 4: ("I", 4), 5: ("II", 8), 6: ("b", 1), 7: ("B", 1), 8: ("h", 2),
         9: ("i", 4), 10: ("ii", 8), 11: ("f", 4), 12: ("d", 8), 13: ("I", 4), 16: ("Q", 8), 17: ("q", 8), 18: ("Q", 8)}
SHORT, LONG, LONG8 = 3, 4, 16
WIDTH, LENGTH, BITS, COMPRESSION, PHOTOMETRIC = 256, 257, 258, 259, 262
STRIP_OFFSETS, ORIENTATION, SAMPLES, ROWS_PER_STRIP, STRIP_BYTE_COUNTS = 273, 274, 277, 278, 279
PLANAR, PREDICTOR, TILE_WIDTH, EXTRA_SAMPLES, SAMPLE_FORMAT = 284, 317, 322, 338, 339
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


def read_directory(raw: bytes) -> tuple[str, bool, dict[int, Entry], int]:
    """The first directory of TIFF file ``raw``: byte order, BigTIFF or not, its fields, the next one's offset.

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


class TiffSamples:
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

    def __init__(self, raw: bytes):
        self.raw = raw
        order, _, entries, following = read_directory(raw)
        self.order = order

        def one(tag, default=None):
            values = _values(entries, order, tag, (default,))
            if values[0] is None:
                raise ValueError(f"field {tag} is missing")
            return values[0]

        if following:
            raise ValueError("several pages of samples Pillow cannot hold are not read (write one page per file)")
        if TILE_WIDTH in entries:
            raise ValueError("tiled TIFF of samples Pillow cannot hold is not read (write it in strips)")
        if one(PLANAR, 1) != 1:
            raise ValueError("separate colour planes are not read (write the channels interleaved)")
        self.compression = one(COMPRESSION, 1)
        if self.compression not in COMPRESSIONS:
            raise ValueError(f"compression {self.compression} is not read for these samples (none, LZW, deflate, PackBits are)")
        self.predictor = one(PREDICTOR, 1)
        if self.predictor not in (1, 2):
            raise ValueError(f"predictor {self.predictor} is not read (none and horizontal differencing are)")
        width, height, channels = one(WIDTH), one(LENGTH), one(SAMPLES, 1)
        bits, formats = set(_values(entries, order, BITS, (1,))), set(_values(entries, order, SAMPLE_FORMAT, (1,)))
        if len(bits) != 1 or len(formats) != 1:
            raise ValueError("channels of different depths or sample formats are not read")
        depth, kind = bits.pop(), KINDS.get(formats.pop())
        if kind is None or depth not in (8, 16, 32, 64) or (kind == "f" and depth == 8):
            raise ValueError(f"{depth}-bit samples of sample format {sorted(formats) or '?'} are not read")
        if kind == "f" and self.predictor != 1:
            raise ValueError("a predictor on float samples is not read")
        photometric = one(PHOTOMETRIC)
        if photometric not in (MIN_IS_BLACK, RGB):
            raise ValueError(f"photometric interpretation {photometric} is not read for these samples (grey and RGB are)")
        # 16-bit colour whose extra sample, if any, is straight alpha; other channels are an array's
        alpha = _values(entries, order, EXTRA_SAMPLES, ()) == (UNASSOCIATED_ALPHA,)
        mode = SIXTEEN_BIT_MODES.get((photometric, channels)) if (depth, kind) == (16, "u") else None
        self.mode = mode if mode is not None and alpha == (mode != "RGB;16") else None
        self.file_dtype = np.dtype(f"{order}{kind}{depth // 8}")
        self.dtype = self.file_dtype.newbyteorder("=")
        self.shape = (height, width) + ((channels,) if channels > 1 else ())
        self.orientation = one(ORIENTATION, 1)
        self.rows_per_strip = min(one(ROWS_PER_STRIP, height), height) or height
        self.offsets = _values(entries, order, STRIP_OFFSETS, ())
        self.counts = _values(entries, order, STRIP_BYTE_COUNTS, ())
        if len(self.offsets) != len(self.counts) or len(self.offsets) < -(-height // self.rows_per_strip):
            raise ValueError("the strips do not cover the image")
        self.row_bytes = width * channels * self.file_dtype.itemsize

    def __iter__(self) -> Iterator[np.ndarray]:
        height = self.shape[0]
        for index, low in enumerate(range(0, height, self.rows_per_strip)):
            rows = min(self.rows_per_strip, height - low)
            if self.offsets[index] + self.counts[index] > len(self.raw):
                raise ValueError(f"strip {index} lies past the end of the file: the file is cut short or damaged")
            stored = self.raw[self.offsets[index]:self.offsets[index] + self.counts[index]]
            data = stored if self.compression == 1 else _unpacked(stored, self.compression, self.row_bytes, rows)
            if len(data) < rows * self.row_bytes:
                raise ValueError(f"strip {index} ends early: the file is cut short")
            band = np.frombuffer(data, self.file_dtype, rows * self.row_bytes // self.file_dtype.itemsize)
            band = band.reshape((rows,) + self.shape[1:])
            if self.predictor == 2:  # each sample stored as its difference from the one to its left
                unsigned = np.dtype(f"u{self.dtype.itemsize}")
                band = np.cumsum(band.astype(self.dtype).view(unsigned), axis=1, dtype=unsigned).view(self.dtype)
            yield band.astype(self.dtype)

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

"""A PNG file's rows read a band at a time from the file, as Pillow decodes them.

Pillow decodes a PNG whole. Its decoding is three steps that each work row
by row: inflate the image data, unfilter each row from the one above
(:func:`~upscale_cli.io.png_samples.scanlines`), and unpack the bytes of a
row into the samples of its mode by the *raw mode* of its bit depth and
colour type (``P;4``, ``L;2``, ``I;16B`` ...). :class:`PngRows` does the
first two band by band, reading the file's IDAT chunks as the bands need
them, and hands each band's bytes to Pillow's own unpacker
(``Image.frombytes`` with the same raw mode, palette and ``info``): each
band is the rows of Pillow's whole image, sample for sample. 16-bit colour,
which Pillow reads as 8 bits, gets its 16-bit samples as
:class:`~upscale_cli.io.png_samples.PngSamples` gives them.

Everything else Pillow reads from the file (mode, palette, transparency,
EXIF and its orientation, ICC profile, resolution, text, and its checks of
those chunks) comes from Pillow itself, opening the file's *skeleton*:
every chunk but the image data, which is replaced by one row of zeros in a
header of height 1. Interlaced (Adam7) and animated PNG are not read here:
their rows are not stored in order (:attr:`PngRows.streams` is false) and
are decoded whole.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Iterator

import numpy as np

from .images import same_bytes, unpacked
from .integrity import PNG_SIGNATURE
from .png_samples import COLOUR_TYPES, scanlines

#: Bytes of unfiltered rows per band.
BAND_BYTES = 1 << 22
#: Bytes of image data read from the file at a time.
READ_BYTES = 1 << 20
#: What Pillow says of image data that does not inflate, said the same way here.
BROKEN_DATA = "unrecognized data stream contents when reading image file"
#: Channels of each colour type.
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class PngRows:
    """The rows of the PNG file at ``path``, a band at a time (see the module's notes).

    ``image`` is Pillow's image of the skeleton: its ``mode``, ``info``,
    palette, EXIF and metadata are the file's. ``size`` is the file's
    ``(width, height)``; ``sixteen_bit`` the mode of 16-bit colour samples,
    else ``None``. Iterating yields Pillow images of consecutive bands of
    rows (arrays of ``uint16`` samples for 16-bit colour).

    Raises ``ValueError`` for a file that is not a PNG or ends before IEND;
    Pillow's own errors for a skeleton it does not open.
    """

    def __init__(self, path: str):
        self.path = path
        self._data: list[tuple[int, int]] = []  # (offset, length) of each IDAT chunk's data
        kept = []
        with open(path, "rb") as handle:
            if handle.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
                raise ValueError("not a PNG file")
            while True:
                head = handle.read(8)
                if len(head) < 8:
                    raise ValueError("the file ends before its IEND chunk")
                length, kind = struct.unpack(">I4s", head)
                if kind == b"IDAT":
                    self._data.append((handle.tell(), length))
                    handle.seek(length + 4, io.SEEK_CUR)
                    if not kept or kept[-1] is not None:
                        kept.append(None)  # where the image data goes
                    continue
                body = handle.read(length + 4)
                if len(body) < length + 4:
                    raise ValueError("the file ends before its IEND chunk")
                kept.append(head + body)
                if kind == b"IEND":
                    break
        if not kept or kept[0] is None or kept[0][4:8] != b"IHDR" or len(kept[0]) < 25:
            raise ValueError("the PNG file does not start with its header")
        if zlib.crc32(kept[0][4:-4]) != struct.unpack(">I", kept[0][-4:])[0]:
            raise ValueError("broken PNG file: the header's checksum is wrong")
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", kept[0][8:21])
        self.size = (width, height)
        self._depth, self._colour = depth, colour
        kinds = {chunk[4:8] for chunk in kept if chunk is not None}
        self.streams = not interlace and b"acTL" not in kinds and colour in CHANNELS and bool(self._data)
        self.sixteen_bit = COLOUR_TYPES[colour][1] if depth == 16 and colour in COLOUR_TYPES else None
        self._skeleton = _skeleton(kept, depth * CHANNELS.get(colour, 1), width)

    def open_skeleton(self):
        """Pillow's image of the skeleton, loaded (its chunks after the image data read); the caller closes it."""
        from PIL import Image

        image = Image.open(io.BytesIO(self._skeleton))
        image.load()
        self.image = image
        return image

    @property
    def _bits_per_pixel(self) -> int:
        return self._depth * CHANNELS[self._colour]

    def __iter__(self) -> Iterator:
        width, height = self.size
        row_bytes = (width * self._bits_per_pixel + 7) // 8
        pixel_bytes = max(1, self._bits_per_pixel // 8)
        rows = max(1, BAND_BYTES // max(row_bytes, 1))
        convert = self._samples_of() if self.sixteen_bit else self._image_of
        try:
            for unfiltered in scanlines(self._pieces(), height, row_bytes, pixel_bytes, rows):
                yield convert(unfiltered)
        except zlib.error:
            raise ValueError(BROKEN_DATA) from None

    def _pieces(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            for offset, length in self._data:
                handle.seek(offset)
                while length:
                    piece = handle.read(min(length, READ_BYTES))
                    if not piece:
                        raise ValueError("the file ends inside its image data")
                    length -= len(piece)
                    yield piece

    @property
    def _modes(self) -> tuple[str, str]:
        """Pillow's mode and the raw mode it unpacks this file's rows by."""
        from PIL import PngImagePlugin

        return PngImagePlugin._MODES[(self._depth, self._colour)]

    @property
    def samples(self) -> bool:
        """Whether the bands are arrays of samples (16-bit colour; 8-bit modes whose bytes are their samples)."""
        return self.sixteen_bit is not None or same_bytes(*self._modes)

    def _image_of(self, unfiltered: np.ndarray):
        """The samples, or Pillow's image, of rows of unfiltered bytes, unpacked by the raw mode Pillow decodes the file with."""
        mode, rawmode = self._modes
        band = unpacked(mode, rawmode, (self.size[0], len(unfiltered)), unfiltered.tobytes())
        if isinstance(band, np.ndarray):
            return band
        if self.image.palette is not None and mode == "P":
            band.putpalette(self.image.getpalette(None) or b"", self.image.palette.mode)
        band.info.update(self.image.info)
        return band

    def _samples_of(self):
        from .png_samples import PngSamples

        return PngSamples(self._skeleton).samples  # the layout and colour key are in the skeleton's chunks


def _skeleton(kept: list, bits_per_pixel: int, width: int) -> bytes:
    """A PNG file of ``kept`` chunks, with one row of zeros where the image data was and a height of 1."""
    row = bytes(1 + (width * bits_per_pixel + 7) // 8)
    parts = [PNG_SIGNATURE]
    for chunk in kept:
        if chunk is None:
            parts.append(_chunk(b"IDAT", zlib.compress(row)))
        elif chunk[4:8] == b"IHDR":
            parts.append(_chunk(b"IHDR", chunk[8:12] + struct.pack(">I", 1) + chunk[16:-4]))
        else:
            parts.append(chunk)
    return b"".join(parts)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))

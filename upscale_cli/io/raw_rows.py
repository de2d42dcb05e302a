"""Rows stored as they are, read a band at a time: binary PPM/PGM and ``.npy`` files.

Both formats are a header and then the rows, top to bottom, so a band of
rows is a run of bytes at a known place in the file:

- **PPM/PGM** (``P5``, ``P6`` of maximum value 255, ``P5`` of 65535):
  Pillow's header reading gives the mode, where the rows start and the raw
  mode it unpacks them by; each band's bytes go through that same unpacker,
  so the rows are Pillow's. Other maximum values (which Pillow scales one
  sample at a time in Python), plain (text) PPM, bitmaps (``P4``) and float
  maps (``Pf``, stored bottom to top) are decoded whole.
- **.npy** (format versions 1 and 2, C order): NumPy's header gives shape
  and dtype, the rows follow; each band is read into an array of that
  dtype, the values ``np.load`` gives. Fortran order and other versions
  are loaded whole.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from .images import same_bytes, unpacked

#: Bytes of rows per band.
BAND_BYTES = 1 << 22
#: Raw modes of binary PPM/PGM rows read here → bytes per pixel.
PPM_RAW_MODES = {"L": 1, "RGB": 3, "I;16B": 2}


def _runs(handle, offset: int, row_bytes: int, height: int) -> Iterator[tuple[int, bytes]]:
    """``(rows, data)`` of consecutive bands of ``height`` rows of ``row_bytes`` from ``offset``.

    Raises ``ValueError`` when the file ends before the last row.
    """
    rows = max(1, BAND_BYTES // max(row_bytes, 1))
    handle.seek(offset)
    for low in range(0, height, rows):
        count = min(rows, height - low)
        data = handle.read(count * row_bytes)
        if len(data) < count * row_bytes:
            raise ValueError(f"the file ends at row {low + len(data) // max(row_bytes, 1)} of {height}")
        yield count, data


class PpmRows:
    """The rows of a binary PPM/PGM file opened by Pillow as ``image`` (lazily, not loaded).

    :attr:`streams` says whether its rows are read here; iterating yields
    consecutive bands of rows (:func:`~upscale_cli.io.images.unpacked`:
    arrays of samples when :attr:`samples`, else Pillow images).
    """

    def __init__(self, path: str, image):
        self.path = path
        self.image = image
        self.size = image.size
        tile = image.tile[0] if len(image.tile) == 1 else None
        self.streams = tile is not None and tile.codec_name == "raw" and _raw_mode(tile.args) in PPM_RAW_MODES
        if self.streams:
            self._rawmode, self._offset = _raw_mode(tile.args), tile.offset
            self._row_bytes = self.size[0] * PPM_RAW_MODES[self._rawmode]
            self.samples = same_bytes(image.mode, self._rawmode)

    def __iter__(self) -> Iterator:
        width, height = self.size
        with open(self.path, "rb") as handle:
            for rows, data in _runs(handle, self._offset, self._row_bytes, height):
                yield unpacked(self.image.mode, self._rawmode, (width, rows), data)


def _raw_mode(args) -> str:
    """The raw mode of a Pillow ``raw`` tile's arguments (a mode, or a tuple starting with it)."""
    return args[0] if isinstance(args, tuple) else args


class NpyRows:
    """The rows of the ``.npy`` file at ``path``: ``shape``, ``dtype`` as ``np.load`` gives them.

    :attr:`streams` says whether its rows are read here (C order, two or
    more dimensions, format version 1 or 2, no Python objects); iterating
    yields arrays of consecutive bands of rows. Raises ``ValueError`` for a
    header NumPy does not read.
    """

    def __init__(self, path: str):
        self.path = path
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version not in ((1, 0), (2, 0)):
                self.streams = False
                return
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(handle)
            self._offset = handle.tell()
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.streams = not fortran and len(self.shape) >= 2 and not self.dtype.hasobject and self.dtype.itemsize > 0

    def __iter__(self) -> Iterator[np.ndarray]:
        row_shape = self.shape[1:]
        with open(self.path, "rb") as handle:
            for rows, data in _runs(handle, self._offset, math.prod(row_shape) * self.dtype.itemsize, self.shape[0]):
                yield np.frombuffer(data, self.dtype).reshape((rows,) + row_shape)

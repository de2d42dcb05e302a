"""The rows of an input read in bands, held only while a band of the output needs them.

:class:`RowWindow` turns a reader's bands (consecutive blocks of rows, in
order) into something sliced like an array of the whole image:
``window[low:high]`` is those rows. The output bands of
:class:`~upscale_cli.engine.bands.Bands` ask for input rows whose bounds never
go back (taps move forward with the output row), so the window reads on as
far as ``high`` and lets go of every row before ``low``: what is in memory
is the rows of one output band and a reader's band, whatever the height.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from ..core.errors import InputError


class RowWindow:
    """Rows ``low:high`` of an image whose rows come band by band from ``bands``.

    ``shape`` and ``dtype`` are those of the whole image (the first band is
    read to learn the dtype and the length of a row). ``limit`` (pixels, or
    ``None``) refuses a request holding more rows at once than it allows,
    with ``name`` in the message; the rows of a band are ``shape[1]`` pixels.
    Rows before the last request's ``low`` are gone: asking for them again
    is an error, never a silently wrong band.
    """

    def __init__(self, bands: Iterator[np.ndarray], height: int, *, name: str = "", limit: int | None = None):
        self._name = name
        self._limit = limit
        self._bands = iter(bands)
        self._held = self._next_band()
        self._low = 0  # the first row in self._held
        self._next = len(self._held)  # the row the next band starts at
        self.shape = (height,) + self._held.shape[1:]
        self.dtype = self._held.dtype
        self.ndim = len(self.shape)
        self.size = math.prod(self.shape)

    def _next_band(self) -> np.ndarray:
        band = next(self._bands, None)
        if band is None:
            raise InputError(f"{self._name}: corrupt or truncated image: the image data ends early")
        return np.asarray(band)

    def __getitem__(self, rows: slice) -> np.ndarray:
        low, high, step = rows.indices(self.shape[0])
        if step != 1 or low < self._low:
            raise IndexError(f"rows {low}:{high} were asked for after rows from {self._low} on")
        if self._limit is not None and (high - low) * self.shape[1] > self._limit:
            raise InputError(
                f"{self._name}: a band of {high - low} rows of {self.shape[1]} pixels is held at once, over the "
                f"limit of {self._limit} pixels (--max-pixels)"
            )
        while self._next <= low:  # nothing held is needed (a reduction without antialiasing skips rows)
            self._held = self._next_band()
            self._low, self._next = self._next, self._next + len(self._held)
        self._held = self._held[low - self._low:]
        self._low = low
        pieces = [self._held]
        while self._next < high:
            band = self._next_band()
            pieces.append(band)
            self._next += len(band)
        if len(pieces) > 1:
            self._held = np.concatenate(pieces, dtype=self.dtype)  # in the file's byte order, as read
        return self._held[:high - low]


def named_errors(bands: Iterator, name: str, errors: tuple) -> Iterator:
    """``bands``, with each of ``errors`` raised while reading one made an
    :class:`~upscale_cli.core.errors.InputError` naming the input (a
    streamed input fails while its output is written: the writer must see
    the input's fault, not its own)."""
    try:
        yield from bands
    except errors as error:
        raise InputError(f"{name}: corrupt or truncated image: {error}") from None


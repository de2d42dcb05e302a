"""Images in memory between reading and writing, and the limits on their size.

An input is :class:`Loaded` (a Pillow image or a NumPy array, with its
frames in an :class:`Animation`); a result is kept as :class:`Samples` until
it is written. 16-bit colour, which Pillow has no mode for, is
:class:`Samples` from the start, of the modes :data:`SIXTEEN_BIT_COLOUR`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import InputError, in_units, out_of_memory
from .metadata import Metadata

#: The name that stands for standard input or standard output.
STDIO = "-"
#: Largest image read, in pixels over all frames (arrays: elements): a
#: decompression bomb is refused from its header.
DEFAULT_MAX_PIXELS = 200_000_000
#: Largest image written, the same way. Outputs are written band by band
#: (PNG, TIFF, PPM, .npy), so memory does not bound them; this only catches
#: absurd sizes (a mistyped scale) before they fill a disk.
DEFAULT_MAX_OUTPUT_PIXELS = 2_000_000_000
#: Modes of 16-bit colour samples, which Pillow has no image mode for → the 8-bit mode of the same channels.
SIXTEEN_BIT_COLOUR = {"LA;16": "LA", "RGB;16": "RGB", "RGBA;16": "RGBA"}
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
        """Whether the input is an array (a ``.npy`` file, or a TIFF of samples no image mode holds)."""
        import numpy as np

        from .window import RowWindow

        if isinstance(self.data, Streamed):
            return self.data.mode is None
        return self.format == "npy" or isinstance(self.data, (np.ndarray, RowWindow))


@dataclass
class Streamed:
    """An input whose rows are read a band at a time, as the resize needs them.

    ``bands`` yields consecutive bands of rows, once: arrays of samples
    when ``samples`` (of an image of ``mode``, 16-bit colour's included,
    or of an array when ``mode`` is ``None``), else Pillow images of
    ``mode``. ``limit`` is the most pixels of rows held at once
    (``--max-pixels``: a band of rows is what is decoded at a time).
    """

    name: str
    size: tuple[int, int]
    mode: str | None
    bands: Any
    samples: bool = True
    limit: int | None = None

    def window(self, bands=None):
        """A :class:`~upscale_cli.io.window.RowWindow` over ``bands`` (default: this input's own, as they come)."""
        from .window import RowWindow

        return RowWindow(self.bands if bands is None else bands, self.size[1], name=self.name, limit=self.limit)


@dataclass(frozen=True)
class Samples:
    """An image still held as a NumPy array: its samples and their mode (Pillow's, or 16-bit colour's).

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
        """A Pillow image of these samples (none for 16-bit colour)."""
        image = image_of(self.array, self.mode)
        image.info.update(self.info)
        return image

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)``, as a Pillow image's."""
        return self.array.shape[1], self.array.shape[0]

    def transpose(self, method) -> "Samples":
        """These samples flipped or turned as Pillow's ``Image.transpose(method)`` does."""
        import numpy as np
        from PIL import Image

        turned = {
            Image.Transpose.FLIP_LEFT_RIGHT: lambda a: a[:, ::-1],
            Image.Transpose.FLIP_TOP_BOTTOM: lambda a: a[::-1],
            Image.Transpose.ROTATE_180: lambda a: a[::-1, ::-1],
            Image.Transpose.ROTATE_90: lambda a: a.swapaxes(0, 1)[::-1],
            Image.Transpose.ROTATE_270: lambda a: a.swapaxes(0, 1)[:, ::-1],
            Image.Transpose.TRANSPOSE: lambda a: a.swapaxes(0, 1),
            Image.Transpose.TRANSVERSE: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
        }[method](self.array)
        return Samples(np.ascontiguousarray(turned), self.mode, self.info)

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        return np.asarray(self.array, dtype)


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


#: Pillow modes whose samples, as ``np.asarray`` gives them, are the bytes of their raw mode of the same name.
SAME_BYTES = ("L", "LA", "RGB", "RGBA", "CMYK")


def unpacked(mode: str, rawmode: str, size: tuple[int, int], data: bytes):
    """Rows of ``data`` (``size`` is their width and count), bytes in Pillow's ``rawmode``, as an image of
    ``mode`` holds them: an array of samples when they are those bytes (:data:`SAME_BYTES`), else
    Pillow's image of them, unpacked as Pillow unpacks the file."""
    import numpy as np

    if same_bytes(mode, rawmode):
        width, rows = size
        return np.frombuffer(data, np.uint8).reshape((rows, width) + ((len(mode),) if len(mode) > 1 else ()))
    from PIL import Image

    return Image.frombytes(mode, size, data, "raw", rawmode)


def same_bytes(mode: str, rawmode: str) -> bool:
    """Whether :func:`unpacked` gives arrays of samples for ``mode`` and ``rawmode``."""
    return mode == rawmode and mode in SAME_BYTES


def image_of(array, mode: str):
    """A Pillow image of ``mode`` made from an ``hw``/``hwc`` array of its samples."""
    import numpy as np
    from PIL import Image

    size = (array.shape[1], array.shape[0])
    # straight from the array's memory where Pillow's layout allows: no intermediate bytes copy
    return Image.frombuffer(mode, size, np.ascontiguousarray(array), "raw", mode, 0, 1)



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


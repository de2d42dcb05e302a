"""The samples of a decoded Pillow image as a NumPy array, without copying them.

``np.asarray(image)`` copies every sample twice (``Image.tobytes`` joins
the rows into bytes, NumPy copies the bytes into its array): for a
4000×3000 photograph that costs more time than resizing it. Pillow (11.2
and later) exports an image's own memory through the Arrow C data
interface; :func:`samples_view` reads the address of that memory from the
exported structure and makes a read-only view of it, which keeps the
export (and so the memory, which Pillow counts references to) alive.

Pillow keeps 3- and 4-channel images as 4 bytes a pixel (RGB as RGBX, LA
as L, two unused bytes, A): the view of an RGB image steps over the
fourth byte, which the engine's conversion to its working type reads past
at no cost. Arrow needs an image in one block of memory: images are
decoded inside :func:`single_block` so that large ones are. Where a view
cannot be made (an older Pillow, a mode whose samples are not plain
integers or floats, an image in several blocks), the samples are copied as
before (:func:`image_samples`). docs/performance.md lists every copy.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from typing import Any

from .images import ImageRows, Samples

#: Pillow mode → (NumPy type of a sample, channels kept of the 4 bytes stored, or None for one sample a pixel).
_LAYOUTS = {
    "L": ("|u1", None),
    "I": ("<i4", None),
    "F": ("<f4", None),
    "RGB": ("|u1", slice(0, 3)),
    "RGBA": ("|u1", slice(0, 4)),
    "LA": ("|u1", slice(0, 4, 3)),
}
#: Arrow formats of those samples: one value a pixel, or four bytes a pixel.
_ARROW_FORMATS = {"|u1": b"C", "<i4": b"i", "<f4": b"f"}
_FOUR_BYTES = b"+w:4"


class _ArrowSchema(ctypes.Structure):
    pass


_ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowSchema))), ("dictionary", ctypes.POINTER(_ArrowSchema)),
    ("release", ctypes.c_void_p), ("private_data", ctypes.c_void_p),
]


class _ArrowArray(ctypes.Structure):
    pass


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)), ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
    ("dictionary", ctypes.POINTER(_ArrowArray)), ("release", ctypes.c_void_p), ("private_data", ctypes.c_void_p),
]


class _Export:
    """Pillow's exported memory, seen by NumPy through the array interface; it holds the export alive."""

    def __init__(self, capsules: tuple, address: int, shape: tuple[int, ...], typestr: str):
        self.capsules = capsules
        self.__array_interface__ = {"version": 3, "shape": shape, "typestr": typestr, "data": (address, True)}


def _capsule_pointer(capsule, name: bytes) -> int:
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get(capsule, name)


def samples_view(image):
    """A read-only array equal to ``np.asarray(image)`` that shares the image's memory, or ``None``.

    ``None`` where Pillow cannot export the image (before Pillow 11.2, or
    an image in several blocks of memory) and for modes other than
    ``L``, ``LA``, ``RGB``, ``RGBA``, ``I`` and ``F``.
    """
    import numpy as np

    layout = _LAYOUTS.get(image.mode)
    if layout is None or not hasattr(image, "__arrow_c_array__"):
        return None
    typestr, channels = layout
    try:
        capsules = image.__arrow_c_array__()
        schema = _ArrowSchema.from_address(_capsule_pointer(capsules[0], b"arrow_schema"))
        array = _ArrowArray.from_address(_capsule_pointer(capsules[1], b"arrow_array"))
    except (ValueError, AttributeError, OSError):  # several blocks; no C API to read capsules (not CPython)
        return None
    width, height = image.size
    values = width * height
    if channels is not None:
        if schema.format != _FOUR_BYTES or schema.n_children != 1 or array.n_children != 1:
            return None
        schema, array, values = schema.children[0].contents, array.children[0].contents, 4 * values
    if (schema.format != _ARROW_FORMATS[typestr] or array.length != values or array.offset != 0
            or array.n_buffers != 2 or not array.buffers[1]):
        return None
    shape = (height, width) if channels is None else (height, width, 4)
    view = np.asarray(_Export(capsules, array.buffers[1], shape, typestr))
    return view if channels is None else view[..., channels]


def image_samples(image, *, whole: bool = True) -> Any:
    """The samples of ``image`` (a Pillow image or :class:`Samples`), shared where they can be.

    A view of the image's memory (:func:`samples_view`) where there is one;
    otherwise a copy: whole (``np.asarray``), or with ``whole=False`` as
    :class:`ImageRows`, copied a band of rows at a time as the engine asks.
    """
    import numpy as np

    if isinstance(image, Samples):
        return image.array
    view = samples_view(image)
    if view is not None:
        return view
    return np.asarray(image) if whole else ImageRows(image)


class _Allocator:
    """Who is inside :func:`single_block`, and Pillow's setting before the first one came in."""

    lock = threading.Lock()
    users = 0
    saved = 0


@contextlib.contextmanager
def single_block():
    """Pillow allocates each image in one block of memory meanwhile, so :func:`samples_view` can share it.

    Pillow's default allocator cuts images over 16 MB into blocks; the
    setting is global, so it is switched on while any thread is inside and
    restored when the last one leaves. Older Pillows have no such setting.
    """
    from PIL import Image

    core = Image.core
    if not hasattr(core, "set_use_block_allocator"):
        yield
        return
    with _Allocator.lock:
        if _Allocator.users == 0:
            _Allocator.saved = core.get_use_block_allocator()
            core.set_use_block_allocator(1)
        _Allocator.users += 1
    try:
        yield
    finally:
        with _Allocator.lock:
            _Allocator.users -= 1
            if _Allocator.users == 0:
                core.set_use_block_allocator(_Allocator.saved)

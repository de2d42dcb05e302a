"""The band-by-band writers against the whole-image writers: the same bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from upscale_cli.io.images import image_of
from upscale_cli.io.stream import streams, tiff_header, write_npy, write_ppm, write_tiff


class Rows:
    """An array's rows in bands of ``rows``, with its shape and dtype: what a writer sees of Bands."""

    def __init__(self, array: np.ndarray, rows: int):
        self.array, self.rows = array, rows
        self.shape, self.dtype = array.shape, array.dtype

    def __iter__(self):
        return (self.array[start:start + self.rows] for start in range(0, len(self.array), self.rows))


def samples(mode: str, height: int = 7, width: int = 5) -> np.ndarray:
    rng = np.random.default_rng(len(mode) * height + width)
    dtype = {"I;16": np.uint16, "I": np.int32, "F": np.float32}.get(mode, np.uint8)
    channels = {"LA": 2, "RGB": 3, "RGBA": 4, "CMYK": 4}.get(mode)
    shape = (height, width) if channels is None else (height, width, channels)
    if dtype == np.float32:
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)


def pillow_bytes(array: np.ndarray, mode: str, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image_of(array, mode).save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def written(writer, *args) -> bytes:
    buffer = io.BytesIO()
    writer(buffer, *args)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
@pytest.mark.parametrize("rows", [1, 3, 7, 100])
def test_tiff_as_pillow_writes_it(mode, rows):
    array = samples(mode)
    assert written(write_tiff, Rows(array, rows), mode) == pillow_bytes(array, mode, "TIFF")


def test_tiff_with_metadata_and_long_strips():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "a camera maker"  # Make
    exif[0x8769] = {0x9003: "2024:01:02 03:04:05"}  # DateTimeOriginal, in the EXIF directory
    array = samples("RGB", 300, 90)  # a strip of over 2**16 bytes
    kwargs = {"dpi": (300, 150), "icc_profile": icc, "exif": exif.tobytes()}
    assert streams("TIFF", "RGB", kwargs)
    assert written(write_tiff, Rows(array, 64), "RGB", kwargs) == pillow_bytes(array, "RGB", "TIFF", **kwargs)


def test_tiff_header_is_what_comes_before_the_samples():
    array = samples("RGB", 4, 3)
    whole = pillow_bytes(array, "RGB", "TIFF")
    assert tiff_header("RGB", array.shape, array.dtype, {}, {}) == whole[:-array.nbytes]


@pytest.mark.parametrize("mode", ["L", "RGB", "I;16"])
@pytest.mark.parametrize("rows", [1, 4])
def test_ppm_as_pillow_writes_it(mode, rows):
    array = samples(mode, 9, 11)
    assert written(write_ppm, Rows(array, rows), mode) == pillow_bytes(array, mode, "PPM")


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float64, ">u2"])
def test_npy_as_numpy_saves_it(dtype):
    array = np.arange(5 * 4 * 3).reshape(5, 4, 3).astype(dtype)
    expected = io.BytesIO()
    np.save(expected, array, allow_pickle=False)
    assert written(write_npy, Rows(array, 2)) == expected.getvalue()


def test_which_formats_stream():
    assert streams("npy", None, {}) and streams("TIFF", "I;16", {}) and streams("PPM", "L", {})
    assert not streams("TIFF", "RGB", {"compression": "tiff_lzw"})  # Pillow's libtiff encodes it
    assert not streams("TIFF", "P", {}) and not streams("PPM", "RGBA", {})
    assert not streams("JPEG", "RGB", {}) and not streams("WEBP", "RGB", {})

"""16-bit colour PNG read with every bit: each filter type, colour keys, bands, and what is refused."""

from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from upscale_cli.io import png, png_samples
from upscale_cli.io.png_samples import PngSamples

COLOUR_TYPES = {2: 3, 4: 2, 6: 4}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _filtered(row: bytes, above: bytes, kind: int, pixel_bytes: int) -> bytes:
    """One row filtered byte by byte, as the PNG specification (9.2) writes it."""
    out = bytearray()
    for index, value in enumerate(row):
        left = row[index - pixel_bytes] if index >= pixel_bytes else 0
        upper_left = above[index - pixel_bytes] if index >= pixel_bytes else 0
        upper = above[index]
        if kind == 4:
            estimate = left + upper - upper_left
            distances = [abs(estimate - left), abs(estimate - upper), abs(estimate - upper_left)]
            predicted = (left, upper, upper_left)[distances.index(min(distances))]
        else:
            predicted = (0, left, upper, (left + upper) // 2)[kind]
        out.append((value - predicted) % 256)
    return bytes(out)


def sixteen_bit_png(array: np.ndarray, colour_type: int, kinds: list, key: bytes | None = None, *,
                    interlace: int = 0, extra: bytes = b"") -> bytes:
    """A PNG of ``array`` (``uint16``, ``hwc``) with row ``r`` filtered by ``kinds[r]``, its data in three IDAT chunks."""
    height, width, channels = array.shape
    pixel_bytes = 2 * channels
    raw = array.astype(">u2").tobytes()
    row_bytes = width * pixel_bytes
    above, stream = bytes(row_bytes), b""
    for index in range(height):
        row = raw[index * row_bytes:(index + 1) * row_bytes]
        stream += bytes([kinds[index]]) + _filtered(row, above, kinds[index], pixel_bytes)
        above = row
    packed = zlib.compress(stream, 9)
    thirds = [packed[: len(packed) // 3], packed[len(packed) // 3: 2 * len(packed) // 3], packed[2 * len(packed) // 3:]]
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, interlace)
    chunks = _chunk(b"IHDR", header) + extra + (_chunk(b"tRNS", key) if key else b"")
    return png.SIGNATURE + chunks + b"".join(_chunk(b"IDAT", piece) for piece in thirds) + _chunk(b"IEND", b"")


@pytest.mark.parametrize("colour_type", [2, 4, 6])
@pytest.mark.parametrize("seed", range(6))
def test_every_filter_type_mixed_in_any_order_is_undone_exactly(colour_type, seed):
    rng = np.random.default_rng(seed)
    height, width = rng.integers(1, 14, 2)
    array = rng.integers(0, 65536, (height, width, COLOUR_TYPES[colour_type]), dtype=np.uint16)
    array[::3] = array[::3] // 509 * 509  # some smooth rows, where Paeth and Average choose differently
    kinds = [random.Random(seed * 100 + row).randrange(5) for row in range(height)]
    data = sixteen_bit_png(array, colour_type, kinds)
    samples = PngSamples(data)
    assert samples.shape == array.shape and samples.dtype == np.uint16
    np.testing.assert_array_equal(samples.read(), array)
    # Pillow reads the same file keeping each sample's high byte (16-bit LA as RGBA, grey repeated)
    with Image.open(io.BytesIO(data)) as image:
        high = (array >> 8).astype(np.uint8)
        expected = high if colour_type != 4 else np.concatenate([high[..., :1]] * 3 + [high[..., 1:]], axis=-1)
        np.testing.assert_array_equal(np.asarray(image), expected)


def test_rows_come_in_bands_that_make_the_whole(monkeypatch):
    monkeypatch.setattr(png_samples, "BAND_ROWS", 4)
    monkeypatch.setattr(png_samples, "INFLATE_BYTES", 7)
    array = np.random.default_rng(1).integers(0, 65536, (11, 5, 3), dtype=np.uint16)
    data = sixteen_bit_png(array, 2, [4, 3, 1, 2, 0, 4, 4, 3, 3, 1, 4])
    bands = list(PngSamples(data))
    assert [len(band) for band in bands] == [4, 4, 3]
    np.testing.assert_array_equal(np.concatenate(bands), array)


def test_a_colour_key_becomes_alpha():
    array = np.array([[[1, 2, 3], [1, 2, 4], [65535, 0, 1]]], np.uint16)
    samples = PngSamples(sixteen_bit_png(array, 2, [0], key=struct.pack(">HHH", 1, 2, 3)))
    assert samples.mode == "RGBA;16"
    np.testing.assert_array_equal(samples.read(), [[[1, 2, 3, 0], [1, 2, 4, 65535], [65535, 0, 1, 65535]]])


@pytest.mark.parametrize("mode", ["LA;16", "RGB;16", "RGBA;16"])
@pytest.mark.parametrize("level", [1, 6])
def test_what_the_png_writer_writes_is_read_back(mode, level):
    array = np.random.default_rng(2).integers(0, 65536, (9, 7, len(mode) - 3), dtype=np.uint16)
    buffer = io.BytesIO()
    png.write_png(buffer, array, mode, {"compress_level": level}, block_bytes=100)
    samples = PngSamples(buffer.getvalue())
    assert samples.mode == mode
    np.testing.assert_array_equal(samples.read(), array)


@pytest.mark.parametrize("change, message", [
    ({"interlace": 1}, "an interlaced 16-bit colour PNG is not read"),
    ({"extra": _chunk(b"acTL", struct.pack(">II", 2, 0))}, "an animated 16-bit colour PNG is not read"),
])
def test_what_is_not_read_is_said_never_narrowed(change, message):
    with pytest.raises(ValueError, match=message):
        PngSamples(sixteen_bit_png(np.zeros((2, 2, 3), np.uint16), 2, [0, 0], **change))


def test_only_sixteen_bit_colour_is_read_here():
    grey = sixteen_bit_png(np.zeros((2, 2, 3), np.uint16), 2, [0, 0])
    assert png_samples.is_sixteen_bit_colour(grey)
    eight = io.BytesIO()
    Image.new("RGB", (2, 2)).save(eight, "PNG")
    sixteen_grey = io.BytesIO()
    Image.new("I;16", (2, 2)).save(sixteen_grey, "PNG")
    assert not png_samples.is_sixteen_bit_colour(eight.getvalue())
    assert not png_samples.is_sixteen_bit_colour(sixteen_grey.getvalue())  # Pillow reads 16-bit grey as it is

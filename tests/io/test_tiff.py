"""TIFF of every sample format: arrays written exactly, samples Pillow would change read exactly, BigTIFF."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from upscale_cli.io import stream, tiff

DTYPES = ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f2", "f4", "f8", ">u2", ">i8", ">f8"]
#: Grey arrays Pillow reads as they are (the others it narrows or cannot read).
PILLOW_READS = {"u1", "u2", "i4", "f4"}


def extremes(dtype, shape=(3, 5), seed=0) -> np.ndarray:
    """Values at the ends of ``dtype``'s range and random ones between (NaN, infinities, −0.0 for floats)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    if dtype.kind == "f":
        values = rng.standard_normal(int(np.prod(shape))) * 10.0 ** rng.integers(-30, 30, int(np.prod(shape)))
        values[:6] = [np.inf, -np.inf, np.nan, -0.0, np.finfo(dtype).max, np.finfo(dtype).tiny]
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, int(np.prod(shape)), dtype=dtype.newbyteorder("="), endpoint=True)
        values[:2] = [info.min, info.max]
    with np.errstate(over="ignore"):  # float16: the largest magnitudes become infinities
        return values.astype(dtype).reshape(shape)


def array_tiff(array: np.ndarray, big: bool | None = None) -> bytes:
    return tiff.array_header(array.shape, array.dtype, big=big) + array.astype(array.dtype.newbyteorder("<")).tobytes()


class InBands:
    """An array's rows in ``count`` bands, as :class:`~upscale_cli.engine.bands.Bands` yields them."""

    def __init__(self, array: np.ndarray, count: int):
        self.array, self.count = array, count
        self.shape, self.dtype = array.shape, array.dtype

    def __iter__(self):
        return iter(np.array_split(self.array, self.count))


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype (up to byte order) and bits, NaN included."""
    return a.dtype.newbyteorder("=") == b.dtype.newbyteorder("=") and a.tobytes() == b.astype(a.dtype).tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5), (3, 5, 2), (2, 4, 3), (2, 3, 7)])
@pytest.mark.parametrize("big", [False, True])
def test_every_dtype_and_channel_count_comes_back_exactly(dtype, shape, big):
    array = extremes(dtype, shape)
    data = array_tiff(array, big=big)
    assert data[:4] == (b"II+\0" if big else b"II*\0")
    samples = tiff.TiffSamples(data)
    assert samples.mode is None and samples.shape == shape and same(array, samples.read())
    assert tiff.needs_own_reading(data) == (not (len(shape) == 2 and dtype.lstrip("<>") in PILLOW_READS))
    if not tiff.needs_own_reading(data):
        with Image.open(io.BytesIO(data)) as image:
            assert same(array, np.asarray(image))


@pytest.mark.parametrize("dtype", ["i1", "u4", "u8", "i8", "f2", "f8", ">i8"])
def test_the_streamed_file_is_the_header_and_the_rows_and_tifffile_reads_it(dtype):
    array = extremes(dtype, (4, 6, 3))
    buffer = io.BytesIO()
    stream.write_array_tiff(buffer, InBands(array, 3))
    assert buffer.getvalue() == array_tiff(array)
    tifffile = pytest.importorskip("tifffile")
    assert same(array, tifffile.imread(io.BytesIO(buffer.getvalue())))


@pytest.mark.parametrize("dtype", ["c8", "?", "f16"])
def test_dtypes_tiff_has_no_sample_format_for_are_refused(dtype):
    with pytest.raises(ValueError, match="TIFF has no sample format for"):
        tiff.array_header((2, 2), np.dtype(dtype))


def _described_as(pillow_tiff: bytes, fields: list) -> bytes:
    """``pillow_tiff``'s strips (Pillow's compression of 8-bit grey rows) described by a new directory of
    ``fields`` plus the strips' own, appended and made the first."""
    order, _, entries, _ = tiff.read_directory(pillow_tiff)
    kept = [(tag, entries[tag].kind, list(entries[tag].values(order)))
            for tag in (tiff.STRIP_OFFSETS, tiff.STRIP_BYTE_COUNTS, tiff.ROWS_PER_STRIP, tiff.COMPRESSION)]
    directory = tiff._fields(fields + kept, order, False)[8:]
    start = len(pillow_tiff) + len(pillow_tiff) % 2
    # the directory's values follow it: their offsets, made for a directory at 8, move with it
    moved = _moved(directory, order, start - 8)
    head = pillow_tiff[:4] + struct.pack(order + "I", start)
    return head + pillow_tiff[8:] + b"\0" * (len(pillow_tiff) % 2) + moved


def _moved(directory: bytes, order: str, by: int) -> bytes:
    out = bytearray(directory)
    (count,) = struct.unpack_from(order + "H", out, 0)
    for entry in range(2, 2 + 12 * count, 12):
        tag, kind, number = struct.unpack_from(order + "HHI", out, entry)
        if number * tiff.TYPES[kind][1] > 4:
            (where,) = struct.unpack_from(order + "I", out, entry + 8)
            struct.pack_into(order + "I", out, entry + 8, where + by)
    return bytes(out)


def sixteen_bit_tiff(array: np.ndarray, compression: str | None, predictor: bool = False, more: tuple = ()) -> bytes:
    """A 16-bit grey+alpha, RGB or RGBA TIFF of ``array`` whose strips Pillow compressed (``more``: other fields)."""
    height, width, channels = array.shape
    stored = array.astype(np.uint16)
    if predictor:
        stored = np.diff(stored, axis=1, prepend=np.zeros((height, 1, channels), np.uint16))
    rows = stored.astype("<u2").view(np.uint8).reshape(height, -1)
    buffer = io.BytesIO()
    Image.fromarray(rows).save(buffer, "TIFF", **({"compression": compression} if compression else {}))
    photometric = tiff.MIN_IS_BLACK if channels == 2 else tiff.RGB
    fields = [(tiff.WIDTH, tiff.LONG, [width]), (tiff.LENGTH, tiff.LONG, [height]),
              (tiff.BITS, tiff.SHORT, [16] * channels), (tiff.PHOTOMETRIC, tiff.SHORT, [photometric]),
              (tiff.SAMPLES, tiff.SHORT, [channels])]
    if channels in (2, 4):
        fields.append((tiff.EXTRA_SAMPLES, tiff.SHORT, [tiff.UNASSOCIATED_ALPHA]))
    if predictor:
        fields.append((tiff.PREDICTOR, tiff.SHORT, [2]))
    return _described_as(buffer.getvalue(), fields + list(more))


@pytest.mark.parametrize("compression", [None, "tiff_lzw", "tiff_adobe_deflate", "packbits"])
@pytest.mark.parametrize("channels, mode", [(2, "LA;16"), (3, "RGB;16"), (4, "RGBA;16")])
@pytest.mark.parametrize("predictor", [False, True])
def test_sixteen_bit_colour_is_read_with_every_bit(compression, channels, mode, predictor):
    array = extremes("u2", (37, 29, channels), seed=channels)
    data = sixteen_bit_tiff(array, compression, predictor)
    assert tiff.needs_own_reading(data)
    samples = tiff.TiffSamples(data)
    assert samples.mode == mode and samples.shape == array.shape
    np.testing.assert_array_equal(samples.read(), array)
    # Pillow reads these files too, keeping each sample's high byte: the same file (it has no 16-bit LA, and
    # undoes the predictor only where TIFF defines it, after LZW and deflate)
    if mode != "LA;16" and not (predictor and compression in (None, "packbits")):
        with Image.open(io.BytesIO(data)) as image:
            np.testing.assert_array_equal(np.asarray(image), (array >> 8).astype(np.uint8))


@pytest.mark.parametrize("mode", ["LA;16", "RGB;16", "RGBA;16"])
def test_sixteen_bit_colour_written_streamed_is_read_back(mode):
    array = extremes("u2", (6, 5, len(mode) - 3))
    buffer = io.BytesIO()
    stream.write_tiff(buffer, array, mode, {"dpi": (300, 300)}, {})
    samples = tiff.TiffSamples(buffer.getvalue())
    assert samples.mode == mode
    np.testing.assert_array_equal(samples.read(), array)


@pytest.mark.parametrize("fields, message", [
    ([(tiff.TILE_WIDTH, tiff.SHORT, [16])], "tiled TIFF"),
    ([(tiff.PLANAR, tiff.SHORT, [2])], "separate colour planes"),
    ([(tiff.PREDICTOR, tiff.SHORT, [3])], "predictor 3 is not read"),
    ([(tiff.COMPRESSION, tiff.SHORT, [7])], "compression 7 is not read"),
    ([(tiff.PHOTOMETRIC, tiff.SHORT, [5])], "photometric interpretation 5 is not read"),
])
def test_layouts_not_read_are_named_never_narrowed(fields, message):
    array = extremes("u8", (2, 3))
    header = tiff.array_header(array.shape, array.dtype)
    order, _, entries, _ = tiff.read_directory(header + array.tobytes())
    replaced = {tag: (tag, entry.kind, list(entry.values(order))) for tag, entry in entries.items()}
    replaced.update({tag: (tag, kind, values) for tag, kind, values in fields})
    data = tiff._fields(list(replaced.values()), "<", False)
    strips = len(data)
    data = tiff._fields([f if f[0] != tiff.STRIP_OFFSETS else (f[0], f[1], [strips]) for f in replaced.values()], "<", False)
    with pytest.raises(ValueError, match=message):
        tiff.TiffSamples(data + array.tobytes())


def test_a_cut_strip_is_an_error():
    array = extremes("f8", (4, 4))
    data = array_tiff(array)
    with pytest.raises(ValueError, match="strip 0 lies past the end of the file"):
        tiff.TiffSamples(data[:-1]).read()


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "I;16", "F", "RGB;16"])
def test_an_output_past_the_bigtiff_limit_is_bigtiff_and_reads_back(monkeypatch, mode):
    # past 4 GiB Pillow's 32-bit offsets ("'I' format requires 0 <= number <= 4294967295"); the limit is lowered here
    monkeypatch.setattr(tiff, "BIGTIFF_ABOVE", 100)
    shape = (20, 9) + (() if mode in ("L", "I;16", "F") else (len(mode.split(";")[0]),))
    dtype = {"I;16": "u2", "F": "f4", "RGB;16": "u2"}.get(mode, "u1")
    array = extremes(dtype, shape)
    buffer = io.BytesIO()
    stream.write_tiff(buffer, array, mode, {"dpi": (72, 72)}, {})
    data = buffer.getvalue()
    assert data[:4] == b"II+\0"
    if mode == "RGB;16":
        np.testing.assert_array_equal(tiff.TiffSamples(data).read(), array)
    else:
        with Image.open(io.BytesIO(data)) as image:
            assert image.info["dpi"] == (72, 72)
            assert same(array, np.asarray(image))

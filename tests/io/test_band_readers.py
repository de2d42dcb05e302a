"""Inputs read in bands: every band reader gives exactly the pixels Pillow (or NumPy) decodes from the
same file, in bands of any height; what it does not read is decoded whole; damage is one line."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from upscale_cli.core.errors import InputError
from upscale_cli.io import png_rows, raw_rows, tiff
from upscale_cli.io.decode import open_streamed, read_input
from upscale_cli.io.png_samples import PngSamples

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Every (bit depth, colour type) of PNG.
PNG_KINDS = [(1, 0), (2, 0), (4, 0), (8, 0), (16, 0), (8, 2), (16, 2), (1, 3), (2, 3), (4, 3), (8, 3), (8, 4),
             (16, 4), (8, 6), (16, 6)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@pytest.fixture(autouse=True)
def small_bands(monkeypatch):
    """Bands of a few rows, so that every file here is read in several."""
    for module in (png_rows, raw_rows, tiff):
        monkeypatch.setattr(module, "BAND_BYTES", 5)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _filtered(rows: np.ndarray, pixel_bytes: int, types: list) -> bytes:
    """Rows of bytes filtered by the PNG filter ``types`` (one per row), each preceded by its type."""
    out = bytearray()
    above = np.zeros(rows.shape[1], np.int32)
    for row, kind in zip(rows.astype(np.int32), types):
        left = np.concatenate([np.zeros(pixel_bytes, np.int32), row[:-pixel_bytes]])
        upper_left = np.concatenate([np.zeros(pixel_bytes, np.int32), above[:-pixel_bytes]])
        if kind == 4:
            p = left + above - upper_left
            pa, pb, pc = abs(p - left), abs(p - above), abs(p - upper_left)
            predicted = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, above, upper_left))
        else:
            predicted = [np.zeros_like(row), left, above, (left + above) // 2][kind]
        out += bytes([kind]) + ((row - predicted) % 256).astype(np.uint8).tobytes()
        above = row
    return bytes(out)


def png_file(depth: int, colour: int, height: int = 9, width: int = 13, *, key: bool = False, seed: int = 0,
             interlace: int = 0, extra: bytes = b"") -> tuple[bytes, np.ndarray]:
    """A PNG of random rows (every filter type), with a palette for colour type 3 and a tRNS chunk with ``key``."""
    rng = np.random.default_rng(seed)
    bits = depth * CHANNELS[colour]
    row_bytes = (width * bits + 7) // 8
    rows = rng.integers(0, 256, (height, row_bytes), dtype=np.uint8)
    head = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))
    if colour == 3:
        head += _chunk(b"PLTE", rng.integers(0, 256, 3 * 2 ** depth, dtype=np.uint8).tobytes())
        if key:
            head += _chunk(b"tRNS", rng.integers(0, 256, 2 ** depth // 2 + 1, dtype=np.uint8).tobytes())
    elif key and colour in (0, 2):  # the first pixel's colour is transparent
        if depth == 16:
            sample = bytes(rows[0, :2 * CHANNELS[colour]])
        else:
            values = [rows[0, 0] >> (8 - depth)] if depth < 8 else list(rows[0, :CHANNELS[colour]])
            sample = b"".join(struct.pack(">H", v) for v in values)
        head += _chunk(b"tRNS", sample)
    types = [int(t) for t in rng.integers(0, 5, height)]
    data = zlib.compress(_filtered(rows, max(1, bits // 8), types))
    idat = _chunk(b"IDAT", data[:len(data) // 2]) + _chunk(b"IDAT", data[len(data) // 2:])
    return SIGNATURE + head + extra + idat + _chunk(b"IEND", b""), rows


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _bands(path: str, **kwargs) -> list:
    """The bands of ``path``: each an array of samples when the stream says so, else a Pillow image of its mode."""
    loaded = open_streamed(path, **kwargs)
    assert loaded is not None, f"{path} is not read in bands"
    stream = loaded.data
    bands = list(stream.bands)
    kinds = {isinstance(band, np.ndarray) for band in bands}
    assert kinds == {stream.samples}
    assert stream.samples or {band.mode for band in bands} == {stream.mode}
    return bands


def _mode(path: str) -> str:
    return open_streamed(path).data.mode


def _pillows(data: bytes):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("depth, colour", PNG_KINDS)
@pytest.mark.parametrize("key", [False, True])
def test_png_rows_are_pillows_pixels(tmp_path, depth, colour, key):
    data, _ = png_file(depth, colour, key=key, seed=depth * 10 + colour)
    path = _write(tmp_path, "a.png", data)
    bands = _bands(path)
    assert len(bands) > 2
    if depth == 16 and colour in (2, 4, 6):  # 16-bit colour: every bit, as the whole-file reader gives them
        np.testing.assert_array_equal(np.concatenate(bands), PngSamples(data).read())
        return
    whole = _pillows(data)
    assert _mode(path) == whole.mode
    streamed = np.concatenate([np.asarray(band) for band in bands])
    np.testing.assert_array_equal(streamed, np.asarray(whole))
    assert all(band.info == whole.info for band in bands if not isinstance(band, np.ndarray))
    if whole.mode in ("P", "1"):  # the palette and its transparency too: the colours resized are Pillow's
        mode = "RGBA" if whole.mode == "P" else "L"
        colours = np.concatenate([np.asarray(band.convert(mode)) for band in bands])
        np.testing.assert_array_equal(colours, np.asarray(whole.convert(mode)))


def test_png_rows_come_from_one_band_or_many(tmp_path, monkeypatch):
    data, _ = png_file(8, 2, height=40, width=7, seed=3)
    path = _write(tmp_path, "a.png", data)
    expected = np.asarray(_pillows(data))
    for band_bytes in (1, 22, 100, 1 << 20):
        monkeypatch.setattr(png_rows, "BAND_BYTES", band_bytes)
        bands = _bands(path)
        assert len(bands) == max(1, -(-40 // max(1, band_bytes // 21)))
        np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in bands]), expected)


@pytest.mark.parametrize("data", [
    png_file(8, 2, interlace=1)[0],
    png_file(8, 2, extra=_chunk(b"acTL", struct.pack(">II", 1, 0)))[0],
], ids=["adam7", "animated"])
def test_interlaced_and_animated_png_are_decoded_whole(tmp_path, data):
    assert open_streamed(_write(tmp_path, "a.png", data)) is None


def test_a_png_turned_by_its_exif_is_decoded_whole_unless_orientation_is_off(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.new("RGB", (5, 3)).save(buffer, "PNG", exif=exif.tobytes())
    path = _write(tmp_path, "turned.png", buffer.getvalue())
    assert open_streamed(path) is None
    loaded = open_streamed(path, auto_orient=False)
    assert loaded is not None and loaded.metadata.exif is not None


def test_png_metadata_after_the_image_data_is_read(tmp_path):
    image = Image.new("RGB", (6, 4), (1, 2, 3))
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Title", "kept")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, dpi=(300, 300))
    # move the text chunk after the image data, where Pillow finds it only by decoding
    data = buffer.getvalue()
    at = data.index(b"tEXt") - 4
    text = data[at:at + 12 + struct.unpack(">I", data[at:at + 4])[0]]
    data = data.replace(text, b"")
    end = data.index(b"IEND") - 4
    data = data[:end] + text + data[end:]
    loaded = open_streamed(_write(tmp_path, "t.png", data))
    assert loaded.metadata.text == (("Title", "kept"),)
    assert loaded.metadata == read_input(str(tmp_path / "t.png")).metadata


TIFF_MODES = ["1", "L", "LA", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]


def _pillow_tiff(mode: str, compression: str | None, strip_size: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    if mode in ("I", "F"):
        array = rng.normal(0, 1e6, (23, 11)).astype(np.int32 if mode == "I" else np.float32)
        image = Image.fromarray(array)
    elif mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (23, 11), dtype=np.uint16))
    else:
        bands = len(Image.new(mode, (1, 1)).getbands())
        image = Image.fromarray(rng.integers(0, 256, (23, 11, 4), dtype=np.uint8)[..., :max(bands, 3)][..., :bands].squeeze())
        image = image.convert(mode) if image.mode != mode else image
    buffer = io.BytesIO()
    image.save(buffer, "TIFF", strip_size=strip_size, **({"compression": compression} if compression else {}))
    return buffer.getvalue()


@pytest.mark.parametrize("mode", TIFF_MODES)
@pytest.mark.parametrize("compression", [None, "tiff_lzw", "tiff_adobe_deflate", "packbits"])
@pytest.mark.parametrize("strip_size", [64, 1 << 20])
def test_tiff_rows_are_pillows_pixels(tmp_path, mode, compression, strip_size):
    data = _pillow_tiff(mode, compression, strip_size, seed=len(mode))
    path = _write(tmp_path, "a.tif", data)
    bands = _bands(path)
    whole = _pillows(data)
    assert _mode(path) == whole.mode
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in bands]), np.asarray(whole))


@pytest.mark.parametrize("predictor", [False, True])
@pytest.mark.parametrize("compression", [None, "tiff_lzw", "tiff_adobe_deflate"])
def test_tiff_samples_pillow_would_change_are_read_in_bands_with_every_bit(tmp_path, predictor, compression):
    from test_tiff import sixteen_bit_tiff

    array = np.random.default_rng(5).integers(0, 65536, (31, 9, 3), dtype=np.uint16)
    data = sixteen_bit_tiff(array, compression, predictor)
    bands = _bands(_write(tmp_path, "a.tif", data))
    np.testing.assert_array_equal(np.concatenate(bands), array)


@pytest.mark.parametrize("dtype", ["<f8", "<i8", "<u4", "<i1"])
def test_tiff_arrays_are_read_in_bands(tmp_path, dtype):
    array = np.random.default_rng(2).normal(0, 100, (17, 6, 2)).astype(dtype)
    data = tiff.array_header(array.shape, array.dtype) + array.tobytes()
    loaded = open_streamed(_write(tmp_path, "a.tif", data))
    assert loaded.is_array
    np.testing.assert_array_equal(np.concatenate(list(loaded.data.bands)), array)


def test_tiff_pages_and_turns_are_decoded_whole(tmp_path):
    buffer = io.BytesIO()
    Image.new("L", (4, 4)).save(buffer, "TIFF", save_all=True, append_images=[Image.new("L", (4, 4))])
    assert open_streamed(_write(tmp_path, "pages.tif", buffer.getvalue())) is None
    buffer = io.BytesIO()
    Image.new("L", (4, 3)).save(buffer, "TIFF", tiffinfo={274: 6})
    assert open_streamed(_write(tmp_path, "turned.tif", buffer.getvalue())) is None


@pytest.mark.parametrize("mode", ["L", "RGB", "I;16"])
def test_ppm_rows_are_pillows_pixels(tmp_path, mode):
    rng = np.random.default_rng(4)
    array = rng.integers(0, 65536 if mode == "I;16" else 256, (19, 7, 3)[:2 if mode != "RGB" else 3],
                         dtype=np.uint16 if mode == "I;16" else np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PPM")
    path = _write(tmp_path, "a.ppm", buffer.getvalue())
    bands = _bands(path)
    whole = _pillows(buffer.getvalue())
    assert len(bands) > 2 and _mode(path) == whole.mode
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in bands]), np.asarray(whole))


def test_ppm_of_other_maximum_values_is_decoded_whole(tmp_path):
    path = _write(tmp_path, "a.pgm", b"P5\n3 2\n100\n" + bytes(range(6)))
    assert open_streamed(path) is None


@pytest.mark.parametrize("dtype", ["<u1", "<u2", ">i2", "<f4", ">f8", "<f2", "<i8"])
@pytest.mark.parametrize("shape", [(15, 4), (15, 4, 3)])
def test_npy_rows_are_numpys(tmp_path, dtype, shape):
    array = (np.random.default_rng(6).normal(0, 1000, shape)).astype(dtype)
    path = tmp_path / "a.npy"
    np.save(path, array)
    bands = _bands(str(path))
    assert len(bands) > 2
    assert {band.dtype for band in bands} == {np.load(path).dtype}
    np.testing.assert_array_equal(np.concatenate(bands), np.load(path))


@pytest.mark.parametrize("array", [np.zeros((4, 5), order="F"), np.zeros(7)], ids=["fortran", "1-d"])
def test_npy_not_in_rows_is_loaded_whole(tmp_path, array):
    path = tmp_path / "a.npy"
    np.save(path, array)
    assert open_streamed(str(path)) is None


def _png_with_damaged_data() -> bytes:
    data, _ = png_file(8, 2, height=30, width=20, seed=9)
    at = data.index(b"IDAT") + 30
    return data[:at] + bytes(b ^ 0x55 for b in data[at:at + 20]) + data[at + 20:]


def _cut_tiff() -> bytes:
    data = _pillow_tiff("RGB", None, 1 << 20)
    # the directory comes first in Pillow's file? then the rows are what is cut; otherwise keep the directory
    with Image.open(io.BytesIO(data)) as image:
        start = image.tile[0].offset
    return data[:start + 100] if start > 100 else data


def _cut_ppm() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 30), (1, 2, 3)).save(buffer, "PPM")
    return buffer.getvalue()[:-50]


def _cut_npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ones((30, 20), np.float32))
    return buffer.getvalue()[:-10]


@pytest.mark.parametrize("name, make", [("a.png", _png_with_damaged_data), ("a.ppm", _cut_ppm), ("a.npy", _cut_npy)])
def test_damage_met_in_a_band_is_one_line_and_no_output(tmp_path, name, make):
    from upscale_cli.batch.convert import ResizeRequest, convert_file

    path = _write(tmp_path, name, make())
    assert open_streamed(path) is not None  # the header is whole: the damage is met in a band
    with pytest.raises(InputError, match=rf"^{path}: corrupt or truncated image: .+$") as raised:
        convert_file(path, ResizeRequest(scale=0.5), output=str(tmp_path / f"out{name[1:]}"))
    assert "\n" not in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_streamed_input_holds_no_more_rows_at_once_than_max_pixels(tmp_path, monkeypatch):
    from upscale_cli.batch.convert import ImageOptions, ResizeRequest, convert_file
    from upscale_cli.engine import bands

    monkeypatch.setattr(bands, "BAND_BYTES", 1 << 12)
    path = tmp_path / "tall.npy"
    np.save(path, np.zeros((4000, 10), np.uint8))  # 40000 pixels, never more than about 4100 held at once
    convert_file(str(path), ResizeRequest(scale=0.5), output=str(tmp_path / "out.npy"),
                 options=ImageOptions(max_pixels=5000))
    wide = tmp_path / "wide.npy"
    np.save(wide, np.zeros((40, 2000), np.uint8))
    with pytest.raises(InputError, match=r"wide.npy: a band of \d+ rows of 2000 pixels is held at once, over the limit of 5000 pixels"):
        convert_file(str(wide), ResizeRequest(scale=0.5), output=str(tmp_path / "out2.npy"),
                     options=ImageOptions(max_pixels=5000))
    assert not (tmp_path / "out2.npy").exists()


def test_the_header_of_an_input_read_in_bands_is_limited_by_its_width_only(tmp_path):
    from upscale_cli.io.decode import probe

    tall = tmp_path / "tall.npy"
    np.save(tall, np.zeros((5000, 10), np.uint8))  # 50000 pixels, over the limit, but 10 to a row
    assert probe(str(tall), max_pixels=1000).lengths == (10, 5000)
    wide = tmp_path / "wide.npy"
    np.save(wide, np.zeros((2, 2000), np.uint8))
    with pytest.raises(InputError, match="wide.npy: a row of the image has 0.002 megapixels, over the limit of 0.001"):
        probe(str(wide), max_pixels=1000)
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros(5000, np.uint8))  # one dimension: loaded whole, so counted whole
    with pytest.raises(InputError, match="the array has"):
        probe(str(whole), max_pixels=1000)


def _tiled_tiff(array: np.ndarray, compression: int, predictor: bool) -> bytes:
    """A TIFF of 16×16 tiles of ``array`` (grey or RGB, 8-bit), made here: Pillow writes no tiles."""
    height, width = array.shape[:2]
    channels = array.shape[2] if array.ndim == 3 else 1
    padded = np.zeros((-(-height // 16) * 16, -(-width // 16) * 16) + array.shape[2:], np.uint8)
    padded[:height, :width] = array
    tiles = []
    for top in range(0, padded.shape[0], 16):
        for left in range(0, padded.shape[1], 16):
            tile = padded[top:top + 16, left:left + 16]
            if predictor:
                tile = np.diff(tile, axis=1, prepend=np.zeros_like(tile[:, :1]))
            tiles.append(zlib.compress(tile.tobytes()) if compression == 8 else tile.tobytes())
    fields = [(tiff.WIDTH, tiff.LONG, [width]), (tiff.LENGTH, tiff.LONG, [height]),
              (tiff.BITS, tiff.SHORT, [8] * channels), (tiff.COMPRESSION, tiff.SHORT, [compression]),
              (tiff.PHOTOMETRIC, tiff.SHORT, [tiff.RGB if channels == 3 else tiff.MIN_IS_BLACK]),
              (tiff.SAMPLES, tiff.SHORT, [channels]), (tiff.PLANAR, tiff.SHORT, [1]),
              (tiff.TILE_WIDTH, tiff.SHORT, [16]), (tiff.TILE_LENGTH, tiff.SHORT, [16]),
              (tiff.TILE_BYTE_COUNTS, tiff.LONG, [len(t) for t in tiles])]
    if predictor:
        fields.append((tiff.PREDICTOR, tiff.SHORT, [2]))
    start = len(tiff._fields(fields + [(tiff.TILE_OFFSETS, tiff.LONG, [0] * len(tiles))], "<", False))
    offsets = list(np.cumsum([start] + [len(t) for t in tiles[:-1]]))
    return tiff._fields(fields + [(tiff.TILE_OFFSETS, tiff.LONG, [int(o) for o in offsets])], "<", False) + b"".join(tiles)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("compression, predictor", [(1, False), (8, False), (8, True)])
def test_tiled_tiff_rows_are_pillows_pixels(tmp_path, channels, compression, predictor):
    array = np.random.default_rng(channels).integers(0, 256, (37, 41, 3)[:2 if channels == 1 else 3], dtype=np.uint8)
    data = _tiled_tiff(array, compression, predictor)
    whole = _pillows(data)
    np.testing.assert_array_equal(np.asarray(whole), array)  # the file is what it should be
    bands = _bands(_write(tmp_path, "tiles.tif", data))
    assert [len(b) for b in bands] == [16, 16, 5]
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in bands]), np.asarray(whole))


def test_a_cut_tiled_tiff_is_one_line(tmp_path):
    from upscale_cli.batch.convert import ResizeRequest, convert_file

    data = _tiled_tiff(np.zeros((40, 40), np.uint8), 1, False)
    path = _write(tmp_path, "cut.tif", data[:-300])
    with pytest.raises(InputError, match=r"cut.tif: corrupt or truncated image: tile \d+ lies past the end of the file"):
        convert_file(path, ResizeRequest(scale=0.5), output=str(tmp_path / "out.tif"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.tif"]


@pytest.mark.parametrize("dtype, shape", [("u1", (21, 9)), ("<f8", (21, 9, 2))])
def test_bigtiff_is_read_in_bands(tmp_path, dtype, shape):
    array = np.random.default_rng(3).integers(0, 200, shape).astype(dtype)
    data = tiff.array_header(array.shape, array.dtype, big=True) + array.tobytes()
    bands = _bands(_write(tmp_path, "big.tif", data))
    np.testing.assert_array_equal(np.concatenate([np.asarray(b) for b in bands]), array)
    if dtype == "u1":
        np.testing.assert_array_equal(np.asarray(_pillows(data)), array)


def test_a_compressed_strip_larger_than_max_pixels_is_decoded_whole(tmp_path):
    path = _write(tmp_path, "a.tif", _pillow_tiff("L", "tiff_adobe_deflate", 1 << 20))  # one strip of 23×11
    assert open_streamed(path, max_pixels=253) is not None
    assert open_streamed(path, max_pixels=252) is None


def test_a_pipe_is_decoded_whole(tmp_path):
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert open_streamed(str(fifo)) is None  # nothing read from it: whoever decodes it whole gets every byte

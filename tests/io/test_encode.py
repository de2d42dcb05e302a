"""Values kept to the last bit: arrays of every dtype, 16-bit colour, BigTIFF, through the command line."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from upscale_cli.io import png, tiff
from upscale_cli.io.decode import read_input
from upscale_cli.io.images import Samples
from upscale_cli.io.png_samples import PngSamples


def _repeat2(array):
    return np.repeat(np.repeat(array, 2, axis=0), 2, axis=1)


def _tiff_values(path) -> np.ndarray:
    loaded = read_input(str(path))
    return loaded.data if loaded.is_array else np.asarray(loaded.data)


@pytest.mark.parametrize("values, dtype", [
    ([-128, -1, 0, 127], np.int8),
    ([3_000_000_000, 2**31, 2**32 - 1, 0], np.uint32),
    ([1e300, 1e-50, 16777217.0, -0.0], np.float64),
    ([-(2**63), 2**63 - 1, 1, -1], np.int64),
    ([2**64 - 1, 2**53 + 1, 0, 1], np.uint64),
    ([65504.0, -0.0, 6e-8, np.inf], np.float16),
    ([-32768, 32767, -1, 0], np.int16),
])
def test_an_array_becomes_a_tiff_of_its_own_dtype(run, tmp_path, values, dtype):
    # the TIFF held 128, 255, 0, 127 for int8; 3e9 as −1294967296; float64 cut to float32 (1e300 → inf)
    array = np.array([values] * 2, dtype)
    np.save(tmp_path / "a.npy", array)
    result = run("a.npy", "-o", "a.tif", "--scale", "2", "--mode", "nearest")
    assert result.exit_code == 0, result.stderr
    back = _tiff_values(tmp_path / "a.tif")
    assert back.dtype == array.dtype and back.tobytes() == _repeat2(array).tobytes()
    assert run("a.tif", "-o", "b.npy", "--scale", "0.5", "--mode", "nearest").exit_code == 0
    assert np.load(tmp_path / "b.npy").tobytes() == array.tobytes()
    tifffile = pytest.importorskip("tifffile")
    assert tifffile.imread(tmp_path / "a.tif").tobytes() == _repeat2(array).tobytes()


def test_an_array_a_format_cannot_hold_is_refused_in_one_line(run, tmp_path):
    np.save(tmp_path / "a.npy", np.array([[-128, 127]] * 2, np.int8))
    result = run("a.npy", "-o", "a.png", "--scale", "2", "--mode", "nearest")
    assert (result.exit_code, result.stderr) == (1, (
        "upscale: a.png: cannot write: PNG cannot hold an array of shape (4, 4) and dtype int8 as it is "
        "(arrays are never converted); write .tif or .npy to keep its values\n"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy"]


def sixteen_bit_png(path, array: np.ndarray, mode: str) -> None:
    with open(path, "wb") as handle:
        png.write_png(handle, array, mode, {"compress_level": 6})


#: 0x01FF is 2 in 8 bits by (v + 128) // 257, not 1, its high byte.
COLOUR = np.array([[[0x01FF, 0x1234, 0xFFFF], [0x0000, 0x0101, 0x80FF]],
                   [[0x7F80, 0x7F7F, 0x0080], [0xFEFF, 0x00FF, 0x0100]]], np.uint16)
ALPHA = np.array([[0xFFFF, 0x8000], [0x0001, 0xFFFF]], np.uint16)[..., None]
SOURCES = {"RGB;16": COLOUR, "RGBA;16": np.concatenate([COLOUR, ALPHA], -1),
           "LA;16": np.concatenate([COLOUR[..., :1], ALPHA], -1)}


@pytest.mark.parametrize("mode", list(SOURCES))
@pytest.mark.parametrize("extension", ["png", "tif", "npy"])
def test_sixteen_bit_colour_keeps_its_sixteen_bits(run, tmp_path, mode, extension):
    sixteen_bit_png(tmp_path / "in.png", SOURCES[mode], mode)
    result = run("in.png", "-o", f"out.{extension}", "--scale", "2", "--mode", "nearest")
    assert (result.exit_code, result.stderr) == (0, f"in.png → out.{extension} (2→4 × 2→4)\n")
    if extension == "png":
        written = PngSamples((tmp_path / "out.png").read_bytes()).read()
    elif extension == "tif":
        written = tiff.TiffSamples((tmp_path / "out.tif").read_bytes()).read()
    else:
        written = np.load(tmp_path / "out.npy")
    np.testing.assert_array_equal(written, _repeat2(SOURCES[mode]))


@pytest.mark.parametrize("extension, fmt", [("jpg", "JPEG"), ("bmp", "BMP"), ("gif", "GIF"), ("ppm", "PPM"),
                                            ("webp", "WEBP")])
def test_sixteen_bit_colour_is_rounded_to_eight_bits_with_one_line_where_it_must(run, tmp_path, extension, fmt):
    sixteen_bit_png(tmp_path / "in.png", COLOUR, "RGB;16")
    result = run("in.png", "-o", f"out.{extension}", "--scale", "2", "--mode", "nearest")
    assert result.exit_code == 0
    assert result.stderr == (f"in.png → out.{extension} (2→4 × 2→4)\n"
                             f"upscale: out.{extension}: 16-bit samples reduced to 8 bits (round(v/257)) for {fmt}\n")
    if fmt in ("BMP", "GIF", "PPM"):  # lossless: exactly the rounded samples
        with Image.open(tmp_path / f"out.{extension}") as image:
            np.testing.assert_array_equal(np.asarray(image.convert("RGB")), _repeat2((COLOUR.astype(int) + 128) // 257))


def test_a_48_bit_tiff_is_read_with_every_bit(run, tmp_path):
    from test_tiff import sixteen_bit_tiff

    (tmp_path / "in.tif").write_bytes(sixteen_bit_tiff(COLOUR, "tiff_lzw", predictor=True))
    loaded = read_input(str(tmp_path / "in.tif"))
    assert isinstance(loaded.data, Samples) and loaded.data.mode == "RGB;16" and not loaded.is_array
    np.testing.assert_array_equal(loaded.data.array, COLOUR)
    assert run("in.tif", "-o", "out.npy", "--scale", "2", "--mode", "nearest").exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), _repeat2(COLOUR))


@pytest.mark.parametrize("auto_orient", [[], ["--no-auto-orient"]])
def test_a_48_bit_tiff_is_turned_upright_as_pillow_turns_every_tiff(run, tmp_path, auto_orient):
    from test_tiff import sixteen_bit_tiff

    turned = sixteen_bit_tiff(COLOUR, None, more=[(tiff.ORIENTATION, tiff.SHORT, [8])])  # turn 90° anticlockwise
    (tmp_path / "in.tif").write_bytes(turned)
    assert run("in.tif", "-o", "out.npy", "--scale", "1", "--mode", "nearest", *auto_orient).exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.rot90(COLOUR, 1))
    with Image.open(tmp_path / "in.tif") as image:  # as Pillow turns its 8-bit reading of the same file
        np.testing.assert_array_equal(np.asarray(image), np.rot90(COLOUR >> 8, 1))


def test_sixteen_bit_alpha_is_premultiplied_at_its_own_full_scale(run, tmp_path):
    # colour under alpha 0 must not bleed: 65535 is alpha's full scale, not 255
    pixels = np.array([[[65535, 0, 0, 65535], [0, 65535, 0, 0]]], np.uint16)
    sixteen_bit_png(tmp_path / "in.png", pixels, "RGBA;16")
    assert run("in.png", "-o", "out.npy", "--size", "4x1", "--mode", "bilinear").exit_code == 0
    out = np.load(tmp_path / "out.npy")
    assert (out[0, :, 1] == 0).all() and (out[0, :, 0][out[0, :, 3] > 0] == 65535).all()


def test_a_sixteen_bit_png_is_turned_upright_by_its_exif(run, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # turned 90° clockwise to be upright
    with open(tmp_path / "in.png", "wb") as handle:
        png.write_png(handle, COLOUR, "RGB;16", {"exif": exif.tobytes()})
    assert run("in.png", "-o", "out.npy", "--scale", "1", "--mode", "nearest").exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.rot90(COLOUR, -1))


def test_the_pages_pillow_writes_past_the_bigtiff_limit_are_bigtiff(run, tmp_path, monkeypatch):
    # past 4 GiB: "internal error: 'I' format requires 0 <= number <= 4294967295"; the limit is lowered here
    monkeypatch.setattr(tiff, "BIGTIFF_ABOVE", 100)
    pages = [Image.fromarray(np.full((6, 8), 40 * k, np.uint8)).convert("P") for k in range(3)]
    pages[0].save(tmp_path / "in.tif", save_all=True, append_images=pages[1:])
    single = Image.fromarray(np.arange(48, dtype=np.uint8).reshape(6, 8))
    single.save(tmp_path / "single.png")
    assert run("in.tif", "-o", "out.tif", "--scale", "2", "--mode", "nearest").exit_code == 0
    assert run("single.png", "-o", "single.tif", "--scale", "2", "--mode", "nearest").exit_code == 0
    for name, expected in [("out.tif", [np.asarray(p) for p in pages]), ("single.tif", [np.asarray(single)])]:
        data = (tmp_path / name).read_bytes()
        assert data[:4] == b"II+\0" and struct.unpack_from("<H", data, 4) == (8,)
        with Image.open(io.BytesIO(data)) as image:
            for index, page in enumerate(expected):
                image.seek(index)
                np.testing.assert_array_equal(np.asarray(image), _repeat2(page))

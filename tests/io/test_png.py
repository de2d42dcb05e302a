"""The PNG writer: Pillow reads back the same pixels and metadata it would have written itself."""

import io
import os
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from upscale_cli.core.errors import InputError
from upscale_cli.io import png
from upscale_cli.io.encode import PNG_COMPRESS_LEVEL, SaveOptions, write_output
from upscale_cli.io.images import Samples
from upscale_cli.io.metadata import Metadata

MODES = ["L", "LA", "RGB", "RGBA", "I;16"]


def _samples(mode: str, height: int, width: int, seed: int = 0) -> np.ndarray:
    channels = png.CHANNELS[mode]
    shape = (height, width) if channels == 1 else (height, width, channels)
    dtype = np.uint16 if mode == "I;16" else np.uint8
    return np.random.default_rng(seed).integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)


def _metadata() -> Metadata:
    exif = Image.Exif()
    exif[0x010F] = "Camera"  # Make
    exif[0x0112] = 1  # Orientation
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return Metadata(icc_profile=icc, exif=exif.tobytes(), dpi=(300.0, 72.0), text=(("Title", "a cat"), ("Author", "me")))


def _ours(array, mode, save_arguments, info=None, **options) -> bytes:
    buffer = io.BytesIO()
    png.write_png(buffer, array, mode, save_arguments, info, **options)
    return buffer.getvalue()


def _pillows(array, mode, save_arguments, info=None) -> bytes:
    buffer = io.BytesIO()
    image = Samples(array, mode).image()
    image.info.update(info or {})
    image.save(buffer, "PNG", **save_arguments)
    return buffer.getvalue()


def _read(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.mode, np.asarray(image), image.info


def _kinds(data: bytes) -> list[bytes]:
    """Chunk types in order, runs of IDAT as one."""
    kinds = [kind for kind, _ in png.chunks(data)]
    return [k for i, k in enumerate(kinds) if not (k == b"IDAT" and kinds[i - 1] == b"IDAT")]


def _assert_like_pillow(array, mode, save_arguments, info=None, **options):
    ours, pillows = _ours(array, mode, save_arguments, info, **options), _pillows(array, mode, save_arguments, info)
    (our_mode, our_pixels, our_info), (pillow_mode, pillow_pixels, pillow_info) = _read(ours), _read(pillows)
    assert our_mode == pillow_mode
    np.testing.assert_array_equal(our_pixels, pillow_pixels)
    np.testing.assert_array_equal(our_pixels, array)
    assert our_info == pillow_info
    assert _kinds(ours) == _kinds(pillows)
    return ours


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("height, width", [(1, 1), (1, 9), (9, 1), (7, 13), (40, 33)])
@pytest.mark.parametrize("with_metadata", [False, True], ids=["bare", "metadata"])
def test_pillow_reads_back_the_pixels_and_metadata_it_would_have_written(mode, height, width, with_metadata):
    metadata = _metadata() if with_metadata else Metadata()
    save_arguments = SaveOptions(metadata=metadata).kwargs("PNG")
    _assert_like_pillow(_samples(mode, height, width), mode, save_arguments, block_bytes=64)


@pytest.mark.parametrize("level", range(10))
@pytest.mark.parametrize("mode", MODES)
def test_every_compress_level(mode, level):
    data = _assert_like_pillow(_samples(mode, 31, 17, seed=level), mode, {"compress_level": level}, block_bytes=200)
    stream = _zlib_stream(data)
    assert stream[:2] == zlib.compress(b"", level)[:2]
    rows = np.frombuffer(zlib.decompress(stream), np.uint8).reshape(31, -1)
    assert set(rows[:, 0]) == {png.UP if level <= 1 else png.PAETH}


@given(
    mode=st.sampled_from(MODES), height=st.integers(1, 40), width=st.integers(1, 40),
    level=st.integers(0, 9), block_bytes=st.integers(1, 500), threads=st.integers(1, 3),
)
def test_any_size_block_and_level_round_trips(mode, height, width, level, block_bytes, threads):
    array = _samples(mode, height, width, seed=height * 41 + width)
    data = _ours(array, mode, {"compress_level": level}, block_bytes=block_bytes, threads=threads)
    decoded_mode, pixels, _ = _read(data)
    assert decoded_mode == mode
    np.testing.assert_array_equal(pixels, array)


def _zlib_stream(data: bytes) -> bytes:
    return b"".join(raw[8:-4] for kind, raw in png.chunks(data) if kind == b"IDAT")


def test_rows_are_up_filtered_into_one_checked_zlib_stream():
    # Up: each byte minus the one above (mod 256), the first row as it is; filter type 2 leads each row
    array = np.array([[1, 2], [5, 1], [5, 3]], dtype=np.uint8)
    stream = _zlib_stream(_ours(array, "L", {"compress_level": 1}, block_bytes=2))
    assert zlib.decompress(stream) == bytes([2, 1, 2, 2, 4, 255, 2, 0, 2])  # zlib checks the Adler-32


def test_above_level_1_rows_are_paeth_filtered():
    # Paeth predicts each byte by whichever of left a, above b, above-left c is nearest to a + b - c
    # (ties: a, then b); outside the image they are 0. Row 0: always a. Row 1: b (10), b (20), a (30).
    array = np.array([[10, 20, 15], [12, 30, 5]], dtype=np.uint8)
    stream = _zlib_stream(_ours(array, "L", {"compress_level": 2}, block_bytes=3))
    assert zlib.decompress(stream) == bytes([4, 10, 10, 251, 4, 2, 10, 231])


def test_sixteen_bit_samples_are_big_endian_and_filtered_bytewise():
    array = np.array([[0x0102, 0x0304], [0x0104, 0x0000]], dtype=np.uint16)
    up = zlib.decompress(_zlib_stream(_ours(array, "I;16", {"compress_level": 1})))
    assert up == bytes([2, 0x01, 0x02, 0x03, 0x04, 2, 0x00, 0x02, 0xFD, 0xFC])
    # Paeth's left neighbour is the sample before, two bytes back
    paeth = zlib.decompress(_zlib_stream(_ours(array, "I;16", {"compress_level": 9})))
    assert paeth == bytes([4, 0x01, 0x02, 0x02, 0x02, 4, 0x00, 0x02, 0xFD, 0xFC])


def test_one_idat_per_block_and_the_same_bytes_on_any_number_of_threads():
    array = _samples("RGB", 50, 20)  # 60 bytes a row
    one = _ours(array, "RGB", {"compress_level": 1}, block_bytes=600, threads=1)
    assert [kind for kind, _ in png.chunks(one)].count(b"IDAT") == 5  # 10 rows a block
    assert _ours(array, "RGB", {"compress_level": 1}, block_bytes=600, threads=3) == one


def test_each_block_may_refer_to_the_data_before_it():
    # rows A, B, A, B ...: filtered, every row from the third repeats the one two above,
    # which only the window of the blocks before it holds when a block is one row
    pair = _samples("L", 2, 1000)
    array = np.tile(pair, (20, 1))
    one_block = len(_ours(array, "L", {"compress_level": 6}))
    one_row_blocks = len(_ours(array, "L", {"compress_level": 6}, block_bytes=1000))
    assert one_row_blocks < 1.5 * one_block < 6000  # without the window: 12 times as large


def test_chunks_come_where_pillow_puts_them_even_after_the_image_data():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "before")
    info.add_itxt("Title", "ünïcode", lang="fr")
    info.add(b"prVt", b"private, after the data", after_idat=True)
    data = _assert_like_pillow(_samples("RGB", 5, 4), "RGB", {"pnginfo": info, "dpi": (96, 96)})
    assert _kinds(data) == [b"IHDR", b"tEXt", b"iTXt", b"pHYs", b"IDAT", b"prVt", b"IEND"]


@pytest.mark.parametrize("mode, transparency", [("L", 7), ("I;16", 4000), ("RGB", (1, 2, 3))])
def test_transparency_in_the_image_info_is_kept(mode, transparency):
    data = _assert_like_pillow(_samples(mode, 3, 3), mode, {}, {"transparency": transparency})
    assert _read(data)[2]["transparency"] == transparency


@pytest.mark.parametrize("mode", ["P", "1"])
def test_other_modes_are_written_by_pillow(mode, tmp_path):
    image = Image.fromarray(_samples("L", 3, 5)).convert(mode)
    write_output(image, str(tmp_path / "out.png"), "PNG")
    expected = io.BytesIO()
    image.save(expected, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    assert (tmp_path / "out.png").read_bytes() == expected.getvalue()


def test_encoder_options_are_left_to_pillow():
    assert png.can_write("RGB", SaveOptions(metadata=_metadata()).kwargs("PNG"))
    assert not png.can_write("RGB", {"optimize": True}) and not png.can_write("L", {"bits": 4})


@pytest.mark.parametrize("mode", MODES)
def test_images_and_samples_of_these_modes_are_written_here(mode, tmp_path):
    array = _samples(mode, 4, 3)
    for name, data in [("image.png", Samples(array, mode).image()), ("samples.png", Samples(array, mode))]:
        write_output(data, str(tmp_path / name), "PNG")
        rows = zlib.decompress(_zlib_stream((tmp_path / name).read_bytes()))
        assert rows[::len(rows) // 4] == bytes([png.UP] * 4)
        np.testing.assert_array_equal(_read((tmp_path / name).read_bytes())[1], array)


@pytest.mark.parametrize("array, mode", [
    (np.zeros((2, 2, 3), np.uint8), "L"), (np.zeros((2, 2), np.uint8), "I;16"), (np.zeros((2, 2, 3), np.float32), "RGB"),
])
def test_samples_that_do_not_fit_the_mode_are_refused(array, mode):
    with pytest.raises(ValueError, match=f"does not hold the samples of a {mode} image"):
        _ours(array, mode, {})


def test_a_write_that_fails_midway_leaves_no_file(tmp_path, monkeypatch):
    deflate = png._deflate

    def failing_deflate(data, level, window, last):
        if last:  # the first block is written by then
            raise OSError("disk on fire")
        return deflate(data, level, window, last)

    monkeypatch.setattr(png, "_deflate", failing_deflate)
    array = _samples("RGB", 500, 800)  # two blocks
    with pytest.raises(InputError, match="out.png: cannot write: disk on fire"):
        write_output(Samples(array, "RGB"), str(tmp_path / "out.png"), "PNG", options=SaveOptions(compress_level=0))
    assert os.listdir(tmp_path) == []


def test_an_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    def interrupted(data, level, window, last):
        raise KeyboardInterrupt

    monkeypatch.setattr(png, "_deflate", interrupted)
    target = tmp_path / "out.png"
    target.write_bytes(b"previous output")
    with pytest.raises(KeyboardInterrupt):
        write_output(Samples(_samples("L", 4, 4), "L"), str(target), "PNG", overwrite=True)
    assert os.listdir(tmp_path) == ["out.png"] and target.read_bytes() == b"previous output"


def test_the_header_gets_the_real_size():
    data = _ours(_samples("RGBA", 3, 17), "RGBA", {})
    (kind, raw), *_ = png.chunks(data)
    assert kind == b"IHDR" and struct.unpack(">IIBBBBB", raw[8:-4]) == (17, 3, 8, 6, 0, 0, 0)

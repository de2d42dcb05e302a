"""Decoding is all or nothing: a damaged or cut-off file fails, never a partial image."""

import io
import os
import warnings

import numpy as np
import pytest
from conftest import pattern
from PIL import Image, ImageFile, UnidentifiedImageError

from upscale_cli.core.errors import InputError
from upscale_cli.io import decode
from upscale_cli.io.decode import read_input


def _encoded(fmt: str, frames: int = 1, **save) -> bytes:
    images = [Image.fromarray(np.roll(pattern(20, 24), k, axis=1)) for k in range(frames)]
    if fmt == "GIF":
        images = [image.quantize(32) for image in images]
    buffer = io.BytesIO()
    if frames > 1:
        save.update(save_all=True, append_images=images[1:], duration=40)
    images[0].save(buffer, fmt, **save)
    return buffer.getvalue()


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _damaged_idat(photo: bytes) -> bytes:
    """Every byte of 100 in the middle of the image data flipped (a damaged download)."""
    data = bytearray(photo)
    middle = len(data) // 2
    data[middle - 50:middle + 50] = bytes(b ^ 0x55 for b in data[middle - 50:middle + 50])
    return bytes(data)


def test_a_png_with_damaged_image_data_fails(tmp_path):
    photo = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8))
    buffer = io.BytesIO()
    photo.save(buffer, "PNG")
    path = _write(tmp_path, "bad.png", _damaged_idat(buffer.getvalue()))
    with pytest.raises(InputError, match=r"^.*bad.png: corrupt or truncated image: "):
        read_input(path)


def test_on_the_command_line_it_is_one_line_exit_1_and_no_output(run, tmp_path):
    photo = Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64), np.uint8))
    buffer = io.BytesIO()
    photo.save(buffer, "PNG")
    _write(tmp_path, "bad.png", _damaged_idat(buffer.getvalue()))
    result = run("bad.png", "--scale", "2", "-o", "out.png")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "upscale: bad.png: corrupt or truncated image: unrecognized data stream contents when reading image file"]
    assert sorted(os.listdir(tmp_path)) == ["bad.png"]


@pytest.mark.parametrize("fmt, save, cut", [
    ("PNG", {}, 0.5),
    ("JPEG", {"quality": 90}, 0.8),
    ("WEBP", {"quality": 80}, 0.8),
    ("WEBP", {"lossless": True}, 0.9),
    ("TIFF", {}, 0.9),
    ("TIFF", {"compression": "tiff_deflate"}, 0.9),
    ("GIF", {}, 0.8),
])
def test_a_cut_off_file_fails_in_every_format(tmp_path, fmt, save, cut):
    data = _encoded(fmt, **save)
    path = _write(tmp_path, f"cut.{fmt.lower()}", data[: int(len(data) * cut)])
    with pytest.raises(InputError, match="cut.*: (corrupt or truncated image|not an image)"):
        read_input(path)


@pytest.mark.parametrize("fmt, end", [("PNG", "its IEND chunk"), ("GIF", "its trailer")])
def test_a_file_cut_after_its_image_data_fails(tmp_path, fmt, end):
    data = _encoded(fmt)
    path = _write(tmp_path, "cut", data[:-1])
    with pytest.raises(InputError, match=f"cut: corrupt or truncated image: the file ends before {end}"):
        read_input(path)


def test_an_animation_cut_between_two_frames_fails(tmp_path):
    """Pillow reads the frames before the cut as the whole animation; the missing trailer tells."""
    data = _encoded("GIF", frames=3)
    with Image.open(io.BytesIO(data)) as whole:
        whole.seek(1)
        second_frame_starts = whole.tile[0][2]  # where its image data begins
    cut = data[: data.rindex(b"\x00,", 0, second_frame_starts) + 1]  # the end of the first frame's data
    with Image.open(io.BytesIO(cut)) as partial:
        assert partial.n_frames < 3  # what Pillow alone would accept
    with pytest.raises(InputError, match="ends before its trailer"):
        read_input(_write(tmp_path, "cut.gif", cut))


@pytest.mark.parametrize("fmt, save", [("GIF", {}), ("PNG", {}), ("WEBP", {"lossless": True})])
def test_a_damaged_later_frame_fails_the_animation(tmp_path, fmt, save):
    data = bytearray(_encoded(fmt, frames=3, **save))
    for index in range(len(data) - len(data) // 4, len(data) - len(data) // 4 + 24):
        data[index] ^= 0xA5
    with pytest.raises(InputError, match="corrupt or truncated image"):
        read_input(_write(tmp_path, "anim", bytes(data)))


def test_load_truncated_images_set_by_someone_else_is_ignored_and_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = _encoded("JPEG")
    with pytest.raises(InputError, match="image file is truncated"):
        read_input(_write(tmp_path, "cut.jpg", data[: len(data) * 3 // 4]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the other code's setting is given back


def test_an_image_decoded_while_load_truncated_images_was_switched_on_is_refused(tmp_path, monkeypatch):
    real = decode.orientation

    def switch_on_meanwhile(image):  # another thread setting the global during our decoding
        ImageFile.LOAD_TRUNCATED_IMAGES = True
        return real(image)

    monkeypatch.setattr(decode, "orientation", switch_on_meanwhile)
    path = _write(tmp_path, "a.png", _encoded("PNG"))
    with pytest.raises(InputError, match="a.png: refused: Pillow's LOAD_TRUNCATED_IMAGES was switched on"):
        read_input(path)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_libtiff_messages_do_not_reach_stderr(tmp_path, capfd):
    data = bytearray(_encoded("TIFF", compression="tiff_deflate"))
    data[200] ^= 0xFF  # inside the deflate stream
    with pytest.raises(InputError, match="bad.tif: corrupt or truncated image: decoder error"):
        read_input(_write(tmp_path, "bad.tif", bytes(data)))
    assert capfd.readouterr().err == ""


def test_pillow_warnings_about_damaged_metadata_are_not_printed(tmp_path):
    """EXIF cut off after its first bytes: Pillow warns (two lines, with its source) and skips it."""
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    buffer = io.BytesIO()
    Image.fromarray(pattern(4, 5)).save(buffer, "JPEG", exif=exif.tobytes()[:16])
    path = _write(tmp_path, "a.jpg", buffer.getvalue())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Image.open(path) as image:
            image.getexif()
        assert [str(w.message) for w in caught] == ["Corrupt EXIF data.  Expecting to read 12 bytes but only got 0. "]
        caught.clear()
        loaded = read_input(path)
    assert caught == []
    assert loaded.metadata.exif is None


def test_pillows_log_messages_about_damage_are_not_printed(tmp_path, caplog):
    data = _encoded("TIFF")
    samples_per_pixel = b"\x15\x01\x03\x00\x01\x00\x00\x00\x03\x00"  # tag 277, SHORT, 1 value: 3
    path = _write(tmp_path, "bad.tif", data.replace(samples_per_pixel, samples_per_pixel[:8] + b"\x8b\x00"))
    with pytest.raises(UnidentifiedImageError):
        Image.open(path)
    assert "More samples per pixel than can be decoded: 139" in caplog.text  # Pillow alone logs it
    caplog.clear()
    with pytest.raises(InputError, match="bad.tif: not an image"):
        read_input(path)
    assert caplog.records == []

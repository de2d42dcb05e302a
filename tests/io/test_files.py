"""Reading and writing files: limits, modes that must survive, animations, safe writes."""

import io
import os
import struct
import zlib

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

from upscale_cli.batch.convert import ImageOptions, ResizeRequest, convert_file
from upscale_cli.core.errors import InputError, UsageError
from upscale_cli.io import decode, images
from upscale_cli.io.decode import probe, read_input
from upscale_cli.io.encode import PNG_COMPRESS_LEVEL, SaveOptions, format_for, write_output
from upscale_cli.io.images import Animation, Frame

NEAREST_2X = ResizeRequest(scale=2, mode="nearest")


def _repeat2(array):
    return np.repeat(np.repeat(array, 2, axis=0), 2, axis=1)


def _png_claiming(width, height) -> bytes:
    """A tiny PNG whose header claims ``width × height`` (a decompression bomb's header)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    raw = bytearray(buffer.getvalue())
    ihdr = raw[12:29]
    ihdr[4:12] = struct.pack(">II", width, height)
    raw[12:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(raw)


def test_a_bomb_is_refused_from_its_header(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_claiming(100_000, 100_000))
    with pytest.raises(InputError, match=r"bomb.png: the image has 1e\+04 megapixels, over the limit of 200 \(--max-pixels\)"):
        read_input(str(path))
    # read in bands, a PNG is limited by its width from the header, and by the rows held at once as it is read
    assert probe(str(path)).lengths == (100_000, 100_000)
    with pytest.raises(InputError, match=r"bomb.png: corrupt or truncated image: the image data ends early"):
        convert_file(str(path), ResizeRequest(size="1000x"), output=str(tmp_path / "out.png"))
    assert not (tmp_path / "out.png").exists()
    wide = tmp_path / "wide.png"
    wide.write_bytes(_png_claiming(300_000_000, 1))
    with pytest.raises(InputError, match=r"wide.png: the image has 300 megapixels, over the limit of 200 \(--max-pixels\)"):
        probe(str(wide))  # a row over the limit: not read in bands, so refused as a whole image


def test_an_absurd_output_is_refused_before_resizing(make_image):
    path = make_image("small.png", 100, 100)
    with pytest.raises(InputError, match=r"small.png: the output has 1e\+04 megapixels, over the limit of 2000 "):
        convert_file(path, ResizeRequest(scale=1000))
    assert os.listdir(os.path.dirname(path)) == ["small.png"]


def test_the_limit_counts_every_frame_and_can_be_raised(make_image):
    path = make_image("a.png", 10, 10)
    with pytest.raises(InputError, match="the output has 0.0004 megapixels, over the limit of 0.0003"):
        convert_file(path, NEAREST_2X, options=ImageOptions(max_output_pixels=300))
    convert_file(path, NEAREST_2X, options=ImageOptions(max_output_pixels=None))


def test_outputs_have_their_own_larger_limit(make_image):
    """Outputs stream, so by default they may be ten times larger than the largest input decoded whole
    (a JPEG here: a PNG is read in bands, and limited by its rows held at once instead)."""
    path = make_image("b.jpg", 10, 10)
    with pytest.raises(InputError, match="the image has 0.0001 megapixels, over the limit of 9e-05"):
        convert_file(path, NEAREST_2X, options=ImageOptions(max_pixels=90, max_output_pixels=None))
    assert ImageOptions().max_output_pixels == 10 * ImageOptions().max_pixels == 2_000_000_000


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"hello, not an image", "not an image or .npy array Pillow can read"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),
])
def test_bad_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_input(str(path))


def test_a_truncated_image_is_an_error(tmp_path, make_image):
    path = make_image("whole.png", 64, 64)
    data = open(path, "rb").read()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.png: corrupt or truncated image"):
        read_input(str(cut))


def test_an_unreadable_file_is_an_error(monkeypatch, make_image):
    path = make_image("secret.png")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(decode, "open", refuse, raising=False)
    with pytest.raises(InputError, match="secret.png: cannot read: permission denied"):
        read_input(path)


@pytest.mark.parametrize("mode, array, fmt", [
    ("I;16", pattern(3, 4, None, np.uint16) * 257, "PNG"),
    ("F", pattern(3, 4, None, np.float32) / 3, "TIFF"),
    ("I", pattern(3, 4, None, np.int32) * -70000, "TIFF"),
    ("CMYK", pattern(3, 4, 4), "TIFF"),
    ("LA", pattern(3, 4, 2), "PNG"),
    ("1", pattern(3, 4, None) > 100, "PNG"),
])
def test_deep_and_unusual_modes_survive_a_file_round_trip(tmp_path, mode, array, fmt):
    source = tmp_path / f"in.{fmt.lower()}"
    image = Image.fromarray(array) if mode == "1" else Image.frombytes(mode, (4, 3), array.tobytes())
    image.save(source, fmt)
    conversion = convert_file(str(source), NEAREST_2X)
    with Image.open(conversion.output) as result:
        assert result.mode == mode
        assert np.array_equal(np.asarray(result), _repeat2(np.asarray(image)))


def test_a_palette_image_keeps_its_palette_with_nearest(tmp_path):
    image = Image.fromarray(pattern(3, 4)).convert("P", palette=Image.Palette.ADAPTIVE, colors=5)
    image.save(tmp_path / "p.png")
    with Image.open(convert_file(str(tmp_path / "p.png"), NEAREST_2X).output) as result:
        assert result.mode == "P"
        assert np.array_equal(np.asarray(result), _repeat2(np.asarray(image)))
        assert result.getpalette()[:15] == image.getpalette()[:15]


def _frames(path):
    with Image.open(path) as image:
        out = []
        for index in range(image.n_frames):
            image.seek(index)
            image.load()
            out.append((image.info.get("duration"), np.asarray(image.convert("RGBA")).copy()))
        return out, image.info.get("loop")


@pytest.mark.parametrize("fmt, kwargs", [
    ("GIF", {"disposal": [1, 2, 1]}),
    ("PNG", {"disposal": [0, 1, 0], "blend": [0, 0, 1]}),
    ("WEBP", {"lossless": True}),
])
def test_every_frame_of_an_animation_is_resized_with_its_timing(tmp_path, fmt, kwargs):
    frames = []
    for k in range(3):
        array = np.zeros((4, 5, 4), np.uint8)
        array[..., 3] = 255
        array[k, k] = (255, 40 * k, 0, 255)
        frames.append(Image.fromarray(array, "RGBA").convert("RGB" if fmt == "GIF" else "RGBA"))
    source = tmp_path / f"anim.{fmt.lower()}"
    frames[0].save(source, fmt, save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=3, **kwargs)
    conversion = convert_file(str(source), NEAREST_2X)
    before, _ = _frames(source)
    after, loop = _frames(conversion.output)
    assert loop == 3
    assert [d for d, _ in after] == [100, 200, 300]
    assert len(after) == 3
    if fmt != "WEBP":  # lossy by default
        for (_, small), (_, big) in zip(before, after):
            assert np.array_equal(big, _repeat2(small))


def test_an_animation_cannot_become_a_jpeg(tmp_path):
    frames = [Image.new("RGB", (4, 4), (k * 80, 0, 0)) for k in range(2)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=50)
    with pytest.raises(InputError, match="JPEG cannot hold the 2 frames of an animation"):
        convert_file(str(tmp_path / "a.gif"), NEAREST_2X, fmt="jpeg")


def test_encoder_defaults_and_options():
    assert SaveOptions().kwargs("PNG") == {"compress_level": PNG_COMPRESS_LEVEL}
    assert SaveOptions(quality=70, jpeg_subsampling=0).kwargs("JPEG") == {"quality": 70, "subsampling": 0}
    assert SaveOptions().kwargs("JPEG") == {"quality": 95}
    assert SaveOptions(compress_level=9).kwargs("PNG") == {"compress_level": 9}


def test_jpeg_subsampling_follows_the_input(make_image):
    from PIL import JpegImagePlugin

    for subsampling in (0, 2):
        source = make_image(f"s{subsampling}.jpg", 16, 16, subsampling=subsampling, quality=90)
        with Image.open(convert_file(source, NEAREST_2X).output) as result:
            assert JpegImagePlugin.get_sampling(result) == subsampling


def test_an_animation_saves_its_timing():
    frames = [Frame(Image.new("L", (2, 2)), 40, 2, None), Frame(Image.new("L", (2, 2), 9), 60, 1, None)]
    kwargs = Animation(frames, loop=0).save_kwargs()
    assert kwargs["duration"] == [40, 60] and kwargs["disposal"] == [2, 1] and kwargs["loop"] == 0
    assert "blend" not in kwargs and len(kwargs["append_images"]) == 1


@pytest.mark.parametrize("requested, fmt", [
    ("png", "PNG"), ("jpg", "JPEG"), ("JPEG", "JPEG"), ("tif", "TIFF"), ("tiff", "TIFF"), ("webp", "WEBP"), ("npy", "npy"),
])
def test_format_names_and_extensions_are_both_accepted(requested, fmt):
    assert format_for("out.png", requested, "PNG") == fmt


def test_unknown_and_read_only_formats_are_usage_errors():
    with pytest.raises(UsageError, match="unknown --format 'foo'"):
        format_for("out.png", "foo", "PNG")
    with pytest.raises(UsageError, match="unknown --format 'psd'"):  # Pillow reads PSD but cannot write it
        format_for("out.png", "psd", "PNG")
    with pytest.raises(UsageError, match=r"out.psd: unknown output format '.psd'"):
        format_for("out.psd", None, "PNG")


class _Stdout:
    def __init__(self, buffer, terminal=False):
        self.buffer = buffer
        self.terminal = terminal

    def isatty(self):
        return self.terminal

    def fileno(self):
        raise io.UnsupportedOperation("fileno")  # as a stand-in for standard output, such as click's, says


class _ClosedPipe(io.BytesIO):
    def write(self, data):
        raise BrokenPipeError(32, "Broken pipe")


class _ShortPipe(io.BytesIO):
    def write(self, data):
        return super().write(data[:10])


@pytest.mark.parametrize("pipe, message", [
    (_ClosedPipe, "standard output closed before the image was written"),
    (_ShortPipe, "standard output: cannot write: only 10 of"),
])
def test_a_reader_that_goes_away_is_an_error_not_a_success(monkeypatch, pipe, message):
    monkeypatch.setattr("sys.stdout", _Stdout(pipe()))
    with pytest.raises(InputError, match=message):
        write_output(Image.new("L", (20, 20)), "-", "PNG")


def test_image_data_is_never_written_to_a_terminal(monkeypatch):
    terminal = _Stdout(io.BytesIO(), terminal=True)
    monkeypatch.setattr("sys.stdout", terminal)
    with pytest.raises(UsageError, match="refusing to write image data to a terminal"):
        write_output(np.zeros((2, 2), np.uint8), "-", "PNG")
    assert terminal.buffer.getvalue() == b""


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L", "I;16", "F"])
def test_image_rows_are_the_rows_of_the_whole_array(mode):
    array = pattern(9, 5, None if mode in ("L", "I;16", "F") else len(mode))
    if mode in ("I;16", "F"):
        array = array.astype(np.uint16 if mode == "I;16" else np.float32) * 251
    image = images.image_of(array, mode)
    rows = images.ImageRows(image)
    whole = np.asarray(image)
    assert rows.shape == whole.shape and rows.dtype == whole.dtype and rows.ndim == whole.ndim
    for low, high in ((0, 9), (2, 5), (8, 9), (0, 1)):
        taken = rows[low:high]
        assert taken.dtype == whole.dtype and np.array_equal(taken, whole[low:high])
    with pytest.raises(IndexError, match="in order"):
        rows[::2]


def _pages(tmp_path, sizes=((5, 4), (5, 4), (5, 4)), modes=("RGB", "L", "I;16")) -> list:
    """A multi-page TIFF (one page per size and mode), its pages as arrays."""
    pages = []
    for k, ((width, height), mode) in enumerate(zip(sizes, modes)):
        array = pattern(height, width, None if mode != "RGB" else 3, np.uint16 if mode == "I;16" else np.uint8) + k
        pages.append(Image.fromarray(array * (257 if mode == "I;16" else 1)))
    pages[0].save(tmp_path / "doc.tif", save_all=True, append_images=pages[1:])
    return [np.asarray(page) for page in pages]


def _read_pages(path) -> list:
    with Image.open(path) as image:
        pages = []
        for index in range(image.n_frames):
            image.seek(index)
            pages.append(np.asarray(image).copy())
        return pages


def test_every_page_of_a_tiff_is_resized_and_kept(tmp_path):
    pages = _pages(tmp_path)
    conversion = convert_file(str(tmp_path / "doc.tif"), NEAREST_2X)
    written = _read_pages(conversion.output)
    assert len(written) == 3
    for page, result in zip(pages, written):
        assert result.dtype == page.dtype
        assert np.array_equal(result, _repeat2(page))


def test_pages_of_different_sizes_are_each_scaled(tmp_path):
    pages = _pages(tmp_path, sizes=((6, 4), (3, 2), (2, 1)), modes=("L", "L", "L"))
    written = _read_pages(convert_file(str(tmp_path / "doc.tif"), NEAREST_2X).output)
    assert [w.shape for w in written] == [(8, 12), (4, 6), (2, 4)]
    assert all(np.array_equal(w, _repeat2(p)) for w, p in zip(written, pages))


def test_pages_are_counted_against_the_limit_one_by_one(tmp_path):
    _pages(tmp_path, sizes=((2, 2), (20, 20)), modes=("L", "L"))
    with pytest.raises(InputError, match=r"doc.tif: the image \(up to page 2\) has 0.000404 megapixels, over the limit of 0.0004"):
        read_input(str(tmp_path / "doc.tif"), max_pixels=400)  # page 1 × 2 pages would pass


def test_pages_are_never_dropped_for_a_format_without_pages(tmp_path):
    _pages(tmp_path)
    for fmt in ("png", "jpeg", "gif"):
        with pytest.raises(InputError, match=rf"out.{fmt}: {fmt.upper()} cannot hold the 3 pages of a TIFF; write .tif to keep them"):
            convert_file(str(tmp_path / "doc.tif"), NEAREST_2X, output=str(tmp_path / f"out.{fmt}"))
    assert sorted(os.listdir(tmp_path)) == ["doc.tif"]


def test_an_animation_written_as_tiff_pages_says_its_timing_is_dropped(tmp_path):
    frames = [Image.new("L", (3, 2), 40 * k) for k in range(3)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=70)
    conversion = convert_file(str(tmp_path / "a.gif"), NEAREST_2X, output=str(tmp_path / "a.tif"))
    assert conversion.notes == [f"{tmp_path / 'a.tif'}: the 3 frames written as pages, without their timing (TIFF has none)"]
    assert [page.max() for page in _read_pages(tmp_path / "a.tif")] == [0, 40, 80]


def test_the_metadata_and_orientation_of_a_tiff_are_its_first_pages(tmp_path):
    from PIL import ExifTags

    first = Image.fromarray(pattern(2, 3))
    second = Image.fromarray(pattern(2, 3) + 1)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    first.save(tmp_path / "doc.tif", save_all=True, append_images=[second], exif=exif, dpi=(300, 300))
    loaded = read_input(str(tmp_path / "doc.tif"))
    assert loaded.oriented and [f.image.size for f in loaded.animation.frames] == [(2, 3), (2, 3)]
    assert loaded.metadata.dpi == (300.0, 300.0)


def _npy_with_header(path, header: bytes):
    header += b" " * (63 - len(header) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(64))
    return str(path)


@pytest.mark.parametrize("header, problem", [
    # cut inside a bracket: NumPy's header parser stops in Python's tokenizer
    (b"{'descr': '<f4', 'fortran_order': False, 'shape': (3,4 }", "EOF in multi-line statement"),
    (b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,2), }", "too large"),
])
def test_a_damaged_npy_header_is_a_corrupt_file(tmp_path, header, problem):
    path = _npy_with_header(tmp_path / "bad.npy", header)
    for read in (probe, read_input):
        with pytest.raises(InputError, match=rf"^{path}: corrupt \.npy file: .*{problem}"):
            read(path)




@pytest.mark.parametrize("method", list(Image.Transpose))
def test_samples_turn_as_pillow_images_do(method):
    # 16-bit colour has no Pillow image: its samples are turned upright by EXIF orientation themselves
    array = pattern(3, 5)
    turned = images.Samples(array, "RGB").transpose(method)
    np.testing.assert_array_equal(turned.array, np.asarray(Image.fromarray(array).transpose(method)))

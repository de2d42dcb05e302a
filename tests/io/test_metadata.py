"""Orientation and metadata, through real files."""

import functools

import numpy as np
import pytest
from conftest import pattern
from PIL import ExifTags, Image, ImageCms

from upscale_cli.batch.convert import ImageOptions, ResizeRequest, convert_file
from upscale_cli.io.metadata import EXIF_IFD, Metadata, upright_size

NEAREST_2X = ResizeRequest(scale=2, mode="nearest")
UPRIGHT = pattern(2, 3)  # wide: 3 × 2
# How a camera stores an upright picture for each EXIF orientation (EXIF 2.32, tag 0x0112):
# the stored pixels are the upright ones put through the inverse of the display transform.
STORED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],                # mirrored left-right
    3: lambda a: a[::-1, ::-1],             # turned 180°
    4: lambda a: a[::-1],                   # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),      # mirrored along the main diagonal
    6: lambda a: np.rot90(a, 1),            # display turns it 90° clockwise
    7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),  # mirrored along the other diagonal
    8: lambda a: np.rot90(a, -1),           # display turns it 90° counter-clockwise
}


def _exif(orientation=None, tags=None):
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Camera"
    ifd = exif.get_ifd(EXIF_IFD)
    ifd.update(tags or {})
    return exif


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_photos_come_out_upright_with_the_tag_reset(tmp_path, orientation, fmt):
    stored = np.ascontiguousarray(STORED[orientation](UPRIGHT))
    path = tmp_path / f"photo.{fmt.lower()}"
    save = {"quality": 100, "subsampling": 0} if fmt == "JPEG" else {}
    Image.fromarray(stored).save(path, fmt, exif=_exif(orientation), **save)
    conversion = convert_file(str(path), NEAREST_2X)
    with Image.open(conversion.output) as result:
        assert result.size == (6, 4)
        exif = result.getexif()
        assert exif[ExifTags.Base.Orientation] == 1
        assert exif[ExifTags.Base.Make] == "Camera"
        if fmt == "PNG":  # lossless: exact pixels
            assert np.array_equal(np.asarray(result), np.repeat(np.repeat(UPRIGHT, 2, 0), 2, 1))


@pytest.mark.parametrize("orientation", [6, 8])
def test_no_auto_orient_keeps_the_stored_pixels_and_the_tag(tmp_path, orientation):
    stored = np.ascontiguousarray(STORED[orientation](UPRIGHT))
    Image.fromarray(stored).save(tmp_path / "p.png", exif=_exif(orientation))
    conversion = convert_file(str(tmp_path / "p.png"), NEAREST_2X, options=ImageOptions(auto_orient=False))
    with Image.open(conversion.output) as result:
        assert np.array_equal(np.asarray(result), np.repeat(np.repeat(stored, 2, 0), 2, 1))
        assert result.getexif()[ExifTags.Base.Orientation] == orientation


def test_upright_size_swaps_for_the_transposing_orientations():
    assert [upright_size((3, 2), o) for o in range(1, 9)] == [(3, 2)] * 4 + [(2, 3)] * 4


@functools.lru_cache(maxsize=None)
def _icc():
    # one profile per run: a new one carries the clock in its header, so two calls a second apart differ
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "TIFF"])
def test_icc_profile_round_trip(tmp_path, fmt):
    path = tmp_path / f"in.{fmt.lower()}"
    Image.fromarray(pattern(4, 4)).save(path, fmt, icc_profile=_icc())
    with Image.open(convert_file(str(path), NEAREST_2X).output) as result:
        assert result.info["icc_profile"] == _icc()


def test_exif_dimensions_dpi_and_png_text_are_kept(tmp_path):
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Title", "Bridge")
    text.add_text("Comment", "naïve ünïcode", zip=True)
    exif = _exif(None, {ExifTags.Base.ExifImageWidth: 5, ExifTags.Base.ExifImageHeight: 3})
    Image.fromarray(pattern(3, 5)).save(tmp_path / "in.png", exif=exif, dpi=(300, 300), pnginfo=text)
    with Image.open(convert_file(str(tmp_path / "in.png"), ResizeRequest(size=(20, 9))).output) as result:
        ifd = result.getexif().get_ifd(EXIF_IFD)
        assert (ifd[ExifTags.Base.ExifImageWidth], ifd[ExifTags.Base.ExifImageHeight]) == (20, 9)
        assert result.getexif()[ExifTags.Base.Make] == "Camera"
        assert result.info["dpi"] == pytest.approx((300, 300), abs=0.01)  # PNG stores dots per metre
        assert result.text == {"Title": "Bridge", "Comment": "naïve ünïcode"}


def test_strip_writes_no_metadata(tmp_path):
    Image.fromarray(pattern(3, 5)).save(tmp_path / "in.jpg", exif=_exif(6), dpi=(300, 300), icc_profile=_icc())
    conversion = convert_file(str(tmp_path / "in.jpg"), NEAREST_2X, options=ImageOptions(strip=True))
    with Image.open(conversion.output) as result:
        assert result.size == (6, 10)  # still turned upright
        assert not result.getexif() and "icc_profile" not in result.info and "dpi" not in result.info


def test_tiff_structure_is_not_carried_as_exif(tmp_path):
    Image.fromarray(pattern(3, 5)).save(tmp_path / "in.tif", exif=_exif(None))
    with Image.open(tmp_path / "in.tif") as source:
        metadata = Metadata.of(source)
    exif = Image.Exif()
    exif.load(metadata.exif)
    assert exif[ExifTags.Base.Make] == "Camera"
    assert ExifTags.Base.StripOffsets not in exif and ExifTags.Base.ImageWidth not in exif


def test_each_format_gets_what_it_can_store():
    metadata = Metadata(icc_profile=b"icc", exif=b"Exif", dpi=(72.0, 72.0), text=(("a", "b"),))
    assert set(metadata.save_kwargs("PNG")) == {"icc_profile", "exif", "dpi", "pnginfo"}
    assert metadata.save_kwargs("JPEG") == {"icc_profile": b"icc", "exif": b"Exif", "dpi": (72.0, 72.0)}
    assert metadata.save_kwargs("WEBP") == {"icc_profile": b"icc", "exif": b"Exif"}
    assert metadata.save_kwargs("GIF") == {}


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_tiff_is_turned_upright_once(tmp_path, orientation):
    """Pillow 13 turns a TIFF upright itself as it loads it; it must not be turned twice."""
    stored = np.ascontiguousarray(STORED[orientation](UPRIGHT))
    Image.fromarray(stored).save(tmp_path / "p.tif", exif=_exif(orientation))
    from upscale_cli.io.decode import probe

    assert probe(str(tmp_path / "p.tif")).lengths == (3, 2)
    conversion = convert_file(str(tmp_path / "p.tif"), NEAREST_2X)
    with Image.open(conversion.output) as result:
        assert np.array_equal(np.asarray(result), np.repeat(np.repeat(UPRIGHT, 2, 0), 2, 1))
        assert result.getexif().get(ExifTags.Base.Orientation, 1) == 1

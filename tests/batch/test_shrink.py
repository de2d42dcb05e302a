"""--shrink-on-load: only when asked, only JPEG, only leaving a 2× reduction, the exact path's size, close to its pixels."""

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from upscale_cli.batch.convert import ImageOptions, ResizeRequest, convert_file
from upscale_cli.batch.shrink import MIN_REMAINING, SCALES, ShrinkOnLoad, decode_scale
from upscale_cli.cli.main import main
from upscale_cli.core.errors import UsageError

SHRINK = ImageOptions(shrink_on_load=True)
#: Lowest PSNR against the exact result accepted on the test photograph (measured: 53–56 dB, docs/performance.md).
PSNR_FLOOR = 45.0


def photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """Photograph-like: smooth shading and shapes, fine sensor noise."""
    rng = np.random.default_rng(seed)
    small = Image.fromarray((rng.random((height // 40 + 2, width // 40 + 2, 3)) * 255).astype(np.uint8))
    base = np.asarray(small.resize((width, height), Image.BICUBIC), float) + rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory):
    path = tmp_path_factory.mktemp("shrink") / "photo.jpg"
    photo(800, 600).save(path, quality=90)
    return str(path)


def _convert(path, tmp_path, request, options=ImageOptions(), name="out.png"):
    conversion = convert_file(path, request, output=str(tmp_path / name), options=options, overwrite=True)
    return conversion, np.asarray(Image.open(tmp_path / name))


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def test_decode_scale_leaves_a_two_times_reduction():
    assert decode_scale((4000, 3000), (1920, 1440)) == 1  # 2.08×: half size would leave 1.04×
    assert decode_scale((4000, 3000), (1000, 750)) == 2
    assert decode_scale((4000, 3000), (500, 375)) == 4
    assert decode_scale((4000, 3000), (250, 187)) == 8
    assert decode_scale((4000, 3000), (250, 188)) == 4  # 375 / 188 < 2
    assert decode_scale((4004, 3000), (250, 187)) == 4  # 8 does not divide 4004
    assert decode_scale((4001, 3000), (250, 187)) == 1
    assert decode_scale((4000, 3000), (2000, 100)) == 1  # every axis must keep its 2×


@given(st.tuples(st.integers(1, 5000), st.integers(1, 5000)), st.tuples(st.integers(1, 3000), st.integers(1, 3000)))
def test_decode_scale_is_the_largest_that_leaves_two_times(in_lengths, out_lengths):
    scale = decode_scale(in_lengths, out_lengths)
    def leaves(s):
        return all(n % s == 0 and n // s >= MIN_REMAINING * m for n, m in zip(in_lengths, out_lengths))
    assert scale == 1 or leaves(scale)
    assert not any(leaves(s) for s in SCALES if s > scale)


def test_used_only_when_asked(jpeg, tmp_path):
    request = ResizeRequest(size=(100, None), mode="lanczos")
    exact, _ = _convert(jpeg, tmp_path, request)
    shrunk, _ = _convert(jpeg, tmp_path, request, SHRINK)
    assert exact.lengths == ((800, 100), (600, 75))
    assert shrunk.lengths == ((200, 100), (150, 75))  # decoded at 1/4: 2× left


def test_used_only_for_jpeg(jpeg, tmp_path):
    png = tmp_path / "photo.png"
    Image.open(jpeg).save(png)
    conversion, _ = _convert(str(png), tmp_path, ResizeRequest(size=(100, None), mode="lanczos"), SHRINK)
    assert conversion.lengths == ((800, 100), (600, 75))


def test_not_used_when_less_than_two_times_would_be_left(jpeg, tmp_path):
    conversion, _ = _convert(jpeg, tmp_path, ResizeRequest(size=(390, None), mode="lanczos"), SHRINK)
    assert conversion.lengths[0] == (800, 390)  # 2.05×: at half size 1.03× would be left
    conversion, _ = _convert(jpeg, tmp_path, ResizeRequest(size=(200, None), mode="lanczos"), SHRINK)
    assert conversion.lengths[0] == (400, 200)


@pytest.mark.parametrize("request_", [
    ResizeRequest(size=(97, None), mode="lanczos"),
    ResizeRequest(size=(None, 61), mode="bicubic"),
    ResizeRequest(scale="0.13", mode="bilinear"),
    ResizeRequest(size=(150, 150), fit="contain", mode="area"),
    ResizeRequest(size=(150, 150), fit="cover", mode="lanczos", linear=True),
    ResizeRequest(size=(180, 77), mode="hamming"),
], ids=str)
def test_output_size_is_the_exact_paths_and_close_to_its_pixels(jpeg, tmp_path, request_):
    exact, expected = _convert(jpeg, tmp_path, request_, name="exact.png")
    shrunk, result = _convert(jpeg, tmp_path, request_, SHRINK, name="shrunk.png")
    assert shrunk.lengths[0][0] < 800  # it was used
    assert result.shape == expected.shape
    assert _psnr(result, expected) > PSNR_FLOOR


@pytest.mark.parametrize("turn", [6, 8])
def test_turned_photos_keep_the_exact_size(tmp_path, turn):
    """The reduction is that of the upright image: a width asked of a turned photo is its stored height."""
    exif = Image.Exif()
    exif[0x0112] = turn
    request = ResizeRequest(size=(71, None), mode="lanczos")
    for width, height, decoded in ((804, 596, 596 // 4), (803, 597, 597)):  # 4 does not divide 597: not used
        path = tmp_path / "turned.jpg"
        photo(width, height, seed=3).save(path, quality=90, exif=exif)
        exact, expected = _convert(str(path), tmp_path, request, name="exact.png")
        shrunk, result = _convert(str(path), tmp_path, request, SHRINK, name="shrunk.png")
        assert expected.shape[:2] == (round(width * 71 / height), 71)
        assert result.shape == expected.shape
        assert shrunk.lengths[0][0] == decoded
        assert _psnr(result, expected) > PSNR_FLOOR


def test_output_name_is_that_of_the_request(jpeg, tmp_path):
    copy = tmp_path / "p.jpg"
    copy.write_bytes(open(jpeg, "rb").read())
    conversion = convert_file(str(copy), ResizeRequest(scale="0.25", mode="lanczos"), options=SHRINK)
    assert conversion.output.endswith("p@0.25x.jpg")
    assert conversion.lengths[0] == (400, 200)


@pytest.mark.parametrize("request_", [ResizeRequest(scale="0.1", mode="nearest"),
                                      ResizeRequest(scale="0.1", mode="bilinear", compat="pillow")], ids=str)
def test_refused_where_it_would_change_what_is_asked(jpeg, request_):
    with pytest.raises(UsageError):
        ShrinkOnLoad(request_, True)


@pytest.mark.parametrize("args", [
    ["--width", "50", "--mode", "nearest"],
    ["--width", "50", "--mode", "bilinear", "--compat", "opencv"],
    ["--mode", "pixel-unshuffle", "--scale", "2"],
])
def test_command_line_refusals_are_usage_errors(jpeg, tmp_path, args):
    result = CliRunner().invoke(main, [jpeg, "-o", str(tmp_path / "x.jpg"), "--shrink-on-load", *args])
    assert result.exit_code == 2, result.output
    assert "--shrink-on-load" in result.output
    assert not (tmp_path / "x.jpg").exists()


def test_command_line(jpeg, tmp_path):
    result = CliRunner().invoke(main, [jpeg, "-o", str(tmp_path / "x.png"), "--width", "100",
                                       "--mode", "lanczos", "--shrink-on-load"])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "x.png").size == (100, 75)

"""Contact sheets and sampling grids: sizes, tile pixels, labels and dot positions."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from upscale_cli.cli.main import main
from upscale_cli.core.errors import UsageError
from upscale_cli.explain.pictures import (
    DOT,
    LABEL_BAND,
    LEGEND_LINE,
    contact_sheet,
    crop_box,
    grid_legend,
    sampling_grid,
)

RED = (220, 30, 30)
LEGEND = grid_legend()


def with_legend(width: int, height: int) -> tuple[int, int]:
    """Size of a sampling grid whose panels take ``width × height``: the legend and a pad below."""
    return max(width, 8 + LEGEND.width), height + LEGEND.height + 8


@pytest.fixture
def card() -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), "RGB")


def band_has_text(sheet: Image.Image, box) -> bool:
    band = np.asarray(sheet.crop(box))
    return bool(np.any(band.sum(axis=-1) < 200)) and bool(np.all(band[0] == LABEL_BAND))


def test_sheet_size_tiles_and_labels(card):
    sheet = contact_sheet(card, scale="4", modes=["nearest", "bilinear", "bicubic"])
    # pad 8, three 32×24 tiles with 8 between, each under a 20-pixel label band
    assert sheet.size == (8 + 3 * (32 + 8), 8 + 20 + 24 + 8)
    nearest = np.asarray(sheet.crop((8, 28, 40, 52)))
    np.testing.assert_array_equal(nearest, np.repeat(np.repeat(np.asarray(card), 4, 0), 4, 1))
    for left in (8, 48, 88):
        assert band_has_text(sheet, (left, 8, left + 32, 28))
    assert not np.array_equal(np.asarray(sheet.crop((8, 8, 40, 28))), np.asarray(sheet.crop((48, 8, 80, 28))))
    gap = np.asarray(sheet.crop((40, 8, 48, 60)))
    assert np.all(gap == 255)


def test_sheet_wraps_into_rows_and_adds_a_difference(card):
    sheet = contact_sheet(card, scale=2, modes=["nearest", "bilinear"], diff=("bilinear", "nearest"), columns=2)
    assert sheet.size == (8 + 2 * (16 + 8), 8 + 2 * (20 + 12 + 8))
    difference = np.asarray(sheet.crop((8, 8 + 40 + 20, 24, 8 + 40 + 32)))
    assert difference.max() == 255 and np.all(difference[..., 0] == difference[..., 1])
    assert band_has_text(sheet, (8, 48, 24, 68))
    assert np.all(np.asarray(sheet.crop((32, 48, 56, 88))) == 255)  # no fourth tile


def test_difference_of_a_mode_with_itself_is_black(card):
    sheet = contact_sheet(card, scale=2, modes=["bicubic"], diff=("bicubic", "bicubic"))
    assert np.all(np.asarray(sheet.crop((32, 28, 48, 40))) == 0)


def test_default_crop_is_the_centre():
    assert crop_box(Image.new("L", (100, 60)), None, 48) == (26, 6, 74, 54)
    assert crop_box(Image.new("L", (10, 6)), None, 48) == (0, 0, 10, 6)
    assert crop_box(Image.new("L", (10, 6)), "2,1,3,4", 48) == (2, 1, 5, 5)


@pytest.mark.parametrize("spec, message", [("0,0,11,1", "outside"), ("0,0,0,1", "W, H >= 1"), ("a", "X,Y,W,H")])
def test_bad_crops(spec, message):
    with pytest.raises(UsageError, match=message):
        crop_box(Image.new("L", (10, 6)), spec, 48)


def test_grid_dots_follow_the_alignment():
    flat = Image.new("L", (2, 2), 200)
    picture = sampling_grid(flat, scale=2, aligns=["half-pixel", "asymmetric"], zoom=40)
    # each panel: 2 pixels × 40 plus a 20-pixel margin on each side
    assert picture.size == with_legend(8 + 2 * (120 + 8), 8 + 20 + 120 + 8)
    panel = np.asarray(picture)[28:148]
    half_pixel, asymmetric = panel[:, 8:128], panel[:, 136:256]
    # output centres at x = −0.25, 0.25, 0.75, 1.25 (half-pixel) and 0, 0.5, 1, 1.5 (asymmetric),
    # drawn at 20 + (x + 0.5)·40
    for position in (30, 50, 70, 90):
        assert tuple(half_pixel[position, position]) == RED
        assert tuple(half_pixel[position, 40]) != RED
    for position in (40, 60, 80, 100):
        assert tuple(asymmetric[position, position]) == RED
    assert tuple(half_pixel[40, 40]) == (200, 200, 200)  # an input centre: a ring around, no dot


def test_grid_legend_shows_a_ring_and_a_dot_each_with_words():
    legend = np.asarray(LEGEND)
    assert LEGEND.height == 2 * LEGEND_LINE
    ring, dot = legend[:LEGEND_LINE], legend[LEGEND_LINE:]
    centre = LEGEND_LINE, LEGEND_LINE // 2
    assert tuple(ring[centre[1], centre[0]]) == (255, 255, 255)  # a ring is hollow
    assert np.any(ring[centre[1], centre[0] - 8 : centre[0] + 8].sum(axis=-1) < 100)  # its black edge
    assert tuple(dot[centre[1], centre[0]]) == DOT
    for line in (ring, dot):
        words = line[:, 2 * LEGEND_LINE :]
        assert np.any(words.sum(axis=-1) < 200)  # dark text right of the mark


def test_grid_ends_with_the_legend():
    picture = sampling_grid(Image.new("L", (2, 2), 200), scale=2, aligns=["half-pixel"], zoom=40)
    bottom = np.asarray(picture)[-8 - LEGEND.height : -8, 8 : 8 + LEGEND.width]
    np.testing.assert_array_equal(bottom, np.asarray(LEGEND))


def test_grid_accepts_arrays():
    picture = sampling_grid(np.linspace(0.0, 1.0, 9).reshape(3, 3), scale=2, aligns=["asymmetric"], zoom=8)
    assert picture.size == with_legend(8 + 3 * 8 + 8 + 8, 8 + 20 + 3 * 8 + 8 + 8)


def test_cli_compare_and_grid(tmp_path, card):
    card.save(tmp_path / "card.png")
    runner = CliRunner()
    result = runner.invoke(main, ["compare", str(tmp_path / "card.png"), "-o", str(tmp_path / "sheet.png"),
                                  "--modes", "nearest,lanczos", "--diff", "nearest,lanczos"])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "sheet.png").size == (8 + 3 * (32 + 8), 8 + 20 + 24 + 8)
    result = runner.invoke(main, ["grid", str(tmp_path / "card.png"), "-o", str(tmp_path / "grid.png"),
                                  "--scale", "2", "--align", "align-corners", "--zoom", "10", "--crop", "0,0,3,2"])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "grid.png").size == with_legend(8 + 40 + 8, 8 + 20 + 30 + 8)


@pytest.mark.parametrize("args, message", [
    (["--modes", "nearest,blurry"], "unknown mode 'blurry'"),
    (["--diff", "bicubic"], "give two modes"),
    (["--modes", "nearest", "--diff", "nearest,bicubic"], "bicubic is not among the modes compared"),
])
def test_cli_compare_usage_errors(tmp_path, card, args, message):
    card.save(tmp_path / "card.png")
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "card.png"), "-o", str(tmp_path / "s.png"), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("upscale: ") and message in result.stderr
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize("command, args, pixels, what", [
    ("compare", ["--modes", "nearest,lanczos", "--diff", "nearest,lanczos"], 128 * 60, "the contact sheet"),
    ("grid", ["--scale", "2", "--align", "align-corners", "--zoom", "10", "--crop", "0,0,3,2"], 56 * 66,
     "the sampling grid picture"),
])
def test_cli_pictures_honour_max_pixels_before_drawing(tmp_path, card, command, args, pixels, what):
    card.save(tmp_path / "card.png")
    base = [command, str(tmp_path / "card.png"), "-o", str(tmp_path / "p.png"), *args]
    result = CliRunner().invoke(main, [*base, "--max-pixels", str(pixels - 1)])
    assert (result.exit_code, result.stderr) == (1, f"upscale: {tmp_path / 'card.png'}: {what} has {pixels / 1e6:.4g} "
                                                    f"megapixels, over the limit of {(pixels - 1) / 1e6:.4g} (--max-pixels)\n")
    assert not (tmp_path / "p.png").exists()
    assert CliRunner().invoke(main, [*base, "--max-pixels", str(pixels)]).exit_code == 0


def test_a_huge_grid_is_refused_at_once(tmp_path):
    Image.new("RGB", (460, 310)).save(tmp_path / "photo.png")
    result = CliRunner().invoke(main, ["grid", str(tmp_path / "photo.png"), "-o", str(tmp_path / "g.png"),
                                       "--crop", "0,0,451,300"])  # 96 screen pixels per input pixel, two panels
    assert result.exit_code == 1 and "the sampling grid picture has 2512 megapixels" in result.stderr
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "photo.png"), "-o", str(tmp_path / "g.png"), "--scale", "1000"])
    assert result.exit_code == 1 and "the contact sheet has 9225 megapixels" in result.stderr


def test_running_out_of_memory_anywhere_is_one_line(tmp_path, card, monkeypatch):
    from upscale_cli.explain import pictures

    def allocate(*args, **kwargs):
        return np.empty((10**6, 10**6, 10**3))  # 8 million GB: refused by the allocator at once

    monkeypatch.setattr(pictures, "contact_sheet", allocate)
    card.save(tmp_path / "card.png")
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "card.png"), "-o", str(tmp_path / "p.png")])
    assert (result.exit_code, result.stderr) == (1, "upscale: out of memory: needs about 8e+06 GB\n")

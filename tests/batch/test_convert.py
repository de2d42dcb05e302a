"""Converting one file: output names, end to end."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

from upscale_cli.api import resize_image
from upscale_cli.batch.convert import (
    ResizeRequest,
    convert_file,
    default_output,
    output_name,
)
from upscale_cli.batch.nn_convert import NNRequest, nn_convert_file


@pytest.mark.parametrize("path, tag, fmt, fallback, expected", [
    ("photos/cat.png", "2x", None, "PNG", "photos/cat@2x.png"),
    ("cat.jpeg", "1.5x", None, "JPEG", "cat@1.5x.jpeg"),
    ("cat.png", "8x6", "jpeg", "PNG", "cat@8x6.jpg"),
    ("cat.png", "2x", "tiff", "PNG", "cat@2x.tif"),
    ("photos.v2/cat", "2x", None, "JPEG", "photos.v2/cat@2x.jpg"),  # no extension: the content's format
    ("cat", "2x", None, "npy", "cat@2x.npy"),
])
def test_default_output_names(path, tag, fmt, fallback, expected):
    assert default_output(path, tag, fmt, fallback) == expected


def test_templates_name_every_field():
    name = output_name("a/b/cat.png", "{stem}_{width}x{height}_{tag}.{ext}", tag="2x", fmt="webp", fallback_fmt="PNG",
                       lengths=(16, 12))
    assert name == "cat_16x12_2x.webp"


def test_an_input_without_extension_gets_one(make_image, tmp_path):
    source = make_image("photo.png", 4, 5)
    os.rename(source, tmp_path / "photo")
    conversion = convert_file(str(tmp_path / "photo"), ResizeRequest(scale=2, mode="nearest"))
    assert conversion.output == str(tmp_path / "photo@2x.png") and os.path.exists(conversion.output)
    conversion = nn_convert_file(str(tmp_path / "photo"), NNRequest("unpool", scale="2"))
    assert conversion.output == str(tmp_path / "photo@unpool-10x8.png") and os.path.exists(conversion.output)


def _image(mode: str) -> Image.Image:
    """An image of ``mode`` whose pixels all differ; alpha from 0 to 255, a transparent palette entry."""
    if mode == "I;16":
        return Image.fromarray(pattern(6, 7, None, np.uint16) * 257)
    if mode == "P":
        image = Image.fromarray(pattern(6, 7)).quantize(16)
        image.info["transparency"] = 3
        return image
    if mode in ("L", "1"):
        return Image.fromarray(pattern(6, 7, None)).convert(mode)
    return Image.fromarray(pattern(6, 7, len(mode)), mode)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "RGB", "L", "I;16", "P", "1"])
@pytest.mark.parametrize("resize_mode", ["nearest", "bilinear", "lanczos"])
def test_the_file_holds_what_resize_image_makes(mode, resize_mode, tmp_path):
    source = tmp_path / "in.png"
    _image(mode).save(source)
    conversion = convert_file(str(source), ResizeRequest(scale=2.5, mode=resize_mode))
    with Image.open(source) as original:
        expected = resize_image(original, scale=2.5, mode=resize_mode)
    with Image.open(conversion.output) as written:
        assert written.mode == expected.mode
        np.testing.assert_array_equal(np.asarray(written), np.asarray(expected))
        assert written.getpalette() == expected.getpalette()
        assert written.info.get("transparency") == expected.info.get("transparency")


def test_the_input_is_let_go_unless_kept(make_image, tmp_path):
    path = make_image("in.png", 4, 6)
    request = ResizeRequest(scale=2, mode="bicubic")
    lean = convert_file(path, request, output=str(tmp_path / "lean.png"))
    kept = convert_file(path, request, output=str(tmp_path / "kept.png"), keep_source=True)
    assert lean.source.data is None and lean.source_array is None
    assert kept.source.data.size == (6, 4)
    np.testing.assert_array_equal(kept.source_array, pattern(4, 6))
    np.testing.assert_array_equal(lean.result_array, kept.result_array)
    assert (tmp_path / "lean.png").read_bytes() == (tmp_path / "kept.png").read_bytes()


@pytest.mark.parametrize("values, expected", [
    # each output of bilinear ×2 mixes two neighbours (weights ¾ and ¼): a NaN or an infinity
    # among them is in its sum, and −inf + inf is NaN
    ([0, np.nan, 2, 3, 4, 5, np.inf, 7], [0, np.nan, np.nan, np.nan, np.nan, 2.25, 2.75, 3.25, 3.75, 4.25, 4.75,
                                          np.inf, np.inf, np.inf, np.inf, 7]),
    ([-np.inf, np.inf], [-np.inf, np.nan, np.nan, np.inf]),
])
def test_nan_and_infinities_go_through_the_sums_without_a_warning(run, tmp_path, values, expected):
    np.save(tmp_path / "a.npy", np.array(values, np.float64))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("a.npy", "--scale", "2", "--mode", "bilinear", "-o", "b.npy")
    assert (result.exit_code, result.stderr) == (0, f"a.npy → b.npy ({len(values)}→{2 * len(values)})\n")
    assert caught == []
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), expected)


@pytest.mark.parametrize("shape", [(), (1, 1, 1, 1, 2, 2)])
def test_an_array_of_no_layout_is_a_failure_of_that_file(run, tmp_path, shape):
    np.save(tmp_path / "a.npy", np.zeros(shape))
    np.save(tmp_path / "b.npy", np.zeros((2, 2)))
    message = f"upscale: a.npy: cannot resize a {len(shape)}-dimensional array: give 1 to 5 dimensions"
    result = run("a.npy", "--scale", "2", "-o", "out.npy")
    assert (result.exit_code, result.stderr) == (1, message + "\n")
    result = run("-", "--scale", "2", "-o", "out.npy", stdin=(tmp_path / "a.npy").read_bytes())
    assert (result.exit_code, result.stderr) == (1, message.replace("a.npy", "<stdin>") + "\n")
    result = run("a.npy", "b.npy", "--scale", "2", "-o", "out/", "-j", "1")
    assert result.exit_code == 1 and result.stderr.splitlines()[:2] == [message, "b.npy → out/b.npy (2→4 × 2→4)"]

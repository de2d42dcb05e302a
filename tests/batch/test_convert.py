"""Converting one file: output names, end to end."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

from upscale_cli.api import resize_image
from upscale_cli.batch.convert import ResizeRequest, convert_file, default_output, output_name
from upscale_cli.batch.nn_convert import NNRequest, nn_convert_file
from upscale_cli.engine.bands import Bands
from upscale_cli.io.images import image_of


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
    assert lean.result_array is None  # made band by band while written
    np.testing.assert_array_equal(lean.result.array.whole(), kept.result_array)
    assert (tmp_path / "lean.png").read_bytes() == (tmp_path / "kept.png").read_bytes()


@pytest.fixture
def small_bands(monkeypatch):
    """Bands of a few rows, so that small images are written in many bands."""
    from upscale_cli.engine import bands

    monkeypatch.setattr(bands, "MIN_ROWS", 1)
    monkeypatch.setattr(bands, "BAND_BYTES", 1)  # one row per band

    def rows(count: int):
        monkeypatch.setattr(bands, "MIN_ROWS", count)

    return rows


STREAMED = [  # image mode, output extension, resize options
    ("RGB", "png", {"mode": "lanczos", "scale": 2.5}), ("RGBA", "png", {"mode": "bicubic", "size": "17x9"}),
    ("LA", "png", {"mode": "bilinear", "scale": 1.7}), ("I;16", "png", {"mode": "lanczos", "size": "6x19"}),
    ("L", "png", {"mode": "nearest", "scale": 2.5}), ("RGB", "tif", {"mode": "lanczos", "scale": 2.5}),
    ("RGBA", "tif", {"mode": "bicubic", "scale": 0.6}), ("I;16", "tif", {"mode": "area", "size": "5x4"}),
    ("RGB", "ppm", {"mode": "hamming", "scale": 1.5}), ("L", "pgm", {"mode": "box", "scale": 2}),
    ("RGB", "npy", {"mode": "lanczos", "scale": 2}), ("RGB", "jpg", {"mode": "lanczos", "scale": 2}),
    ("RGBA", "webp", {"mode": "bicubic", "scale": 2}),
    ("RGB", "png", {"mode": "lanczos", "size": "10x5", "compat": "pillow"}),  # the vertical pass first
    ("RGBA", "tif", {"mode": "bilinear", "size": "5x4", "compat": "pillow", "reducing_gap": 1.5}),
    ("RGB", "png", {"mode": "bicubic", "scale": 2, "compat": "opencv"}),
    ("RGBA", "png", {"mode": "lanczos", "scale": 2, "linear": True}),
]


@pytest.mark.parametrize("band_rows", [1, 3, 16])
@pytest.mark.parametrize("mode, ext, options", STREAMED)
def test_streamed_files_equal_whole_image_files(mode, ext, options, band_rows, small_bands, tmp_path, monkeypatch):
    """Written band by band (the default) or from the whole output (``keep_source``): the same bytes."""
    small_bands(band_rows)
    if ext not in ("jpg", "webp"):  # these formats take the whole output; the others never do
        monkeypatch.setattr(Bands, "whole", lambda self: pytest.fail("made whole"))
    source = tmp_path / "in.png"
    array = pattern(13, 11, None if mode in ("L", "I;16") else len(mode))
    if mode == "I;16":
        array = array.astype(np.uint16) * 257 + 3
    image_of(array, mode).save(source, dpi=(300, 300))
    request = ResizeRequest(**options)
    streamed = convert_file(str(source), request, output=str(tmp_path / f"streamed.{ext}"))
    monkeypatch.undo()
    whole = convert_file(str(source), request, output=str(tmp_path / f"whole.{ext}"), keep_source=True)
    assert streamed.result_array is None and whole.result_array is not None
    assert (tmp_path / f"streamed.{ext}").read_bytes() == (tmp_path / f"whole.{ext}").read_bytes()


@pytest.mark.parametrize("array, ext", [
    ((np.arange(9 * 7 * 2).reshape(9, 7, 2) * 7 % 23 - 5).astype(np.float32), "npy"),
    ((np.arange(9 * 7 * 2).reshape(9, 7, 2) * 7 % 23 - 5).astype(np.int16), "npy"),
    ((np.arange(9 * 7) * 37 % 251).reshape(9, 7).astype(np.uint8), "npy"),
    ((np.arange(9 * 7) * 37 % 251).reshape(9, 7).astype(np.uint8), "png"),  # the whole output, for Pillow
])
def test_streamed_arrays_equal_whole_arrays(array, ext, small_bands, tmp_path):
    small_bands(2)
    source = tmp_path / "in.npy"
    np.save(source, array)
    request = ResizeRequest(mode="lanczos", size="5x13")
    convert_file(str(source), request, output=str(tmp_path / f"streamed.{ext}"))
    convert_file(str(source), request, output=str(tmp_path / f"whole.{ext}"), keep_source=True)
    assert (tmp_path / f"streamed.{ext}").read_bytes() == (tmp_path / f"whole.{ext}").read_bytes()


def wide_samples(shape, dtype, seed: int) -> np.ndarray:
    """Samples of ``dtype`` over its range (integers) or over many binades with both signs (floats)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        digits = 3 if dtype.itemsize == 2 else 12
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-digits, digits + 1, shape)).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


#: Every dtype the engine resizes, with the formats that write it band by band (TIFF: those it holds today).
STREAMED_DTYPES = [("uint8", "npy"), ("uint16", "npy"), ("int16", "npy"), ("int32", "npy"), ("float16", "npy"),
                   ("float32", "npy"), ("float64", "npy"), ("uint8", "tif"), ("uint16", "tif"), ("float32", "tif")]


@pytest.mark.parametrize("dtype, ext", STREAMED_DTYPES)
@pytest.mark.parametrize("mode, size", [("lanczos", "23x31"), ("bicubic", "9x7"), ("bilinear", "31x44"), ("area", "13x9")])
def test_streamed_outputs_of_every_dtype_equal_whole_ones(dtype, ext, mode, size, small_bands, tmp_path):
    """Bands of three rows and the whole output: the same bytes, floats included (every sample is the
    definition's, wherever it is made)."""
    small_bands(3)
    source = tmp_path / "in.npy"
    np.save(source, wide_samples((17, 22, 3) if ext == "npy" else (17, 22), dtype, seed=len(mode) * 31 + len(size)))
    request = ResizeRequest(mode=mode, size=size)
    convert_file(str(source), request, output=str(tmp_path / f"streamed.{ext}"))
    convert_file(str(source), request, output=str(tmp_path / f"whole.{ext}"), keep_source=True)
    assert (tmp_path / f"streamed.{ext}").read_bytes() == (tmp_path / f"whole.{ext}").read_bytes()


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

"""Converting one file: output names, end to end."""

from __future__ import annotations

import os

import pytest

from upscale_cli.convert import ResizeRequest, convert_file, default_output, output_name
from upscale_cli.nn_convert import NNRequest, nn_convert_file


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

"""From files to one NN operator: operands, layouts, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from upscale_cli import nn
from upscale_cli.batch.nn_convert import (
    from_channels_first,
    nn_convert_file,
    nn_convert_loaded,
    nn_layout,
    to_channels_first,
)
from upscale_cli.io.images import Loaded
from upscale_cli.nn.operation import NNRequest


@pytest.mark.parametrize(
    "shape, layout, channels_first",
    [((4, 5), "hw", (1, 1, 4, 5)), ((2, 4, 5), "chw", (1, 2, 4, 5)), ((4, 5, 3), "hwc", (1, 3, 4, 5)),
     ((2, 3, 7), "ncl", (2, 3, 7)), ((1, 2, 3, 4, 5), "ncdhw", (1, 2, 3, 4, 5))],
)
def test_layout_round_trip(shape, layout, channels_first):
    array = np.arange(np.prod(shape)).reshape(shape)
    converted = to_channels_first(array, layout)
    assert converted.shape == channels_first
    np.testing.assert_array_equal(from_channels_first(converted, layout), array)


def test_default_layouts_and_channel_changes():
    assert [nn_layout(np.zeros((1,) * n), None) for n in (2, 3, 4, 5)] == ["hw", "ncl", "nchw", "ncdhw"]
    # An hw input whose result has channels comes back as hwc.
    assert from_channels_first(np.zeros((1, 4, 2, 3)), "hw").shape == (2, 3, 4)


def test_image_channels_stay_raw_and_integers_are_rounded():
    pixels = np.array([[[0, 255, 10, 0], [100, 0, 7, 255]]], dtype=np.uint8)  # 1×2 RGBA
    loaded = Loaded("t.png", Image.fromarray(pixels, mode="RGBA"), "PNG")
    conversion = nn_convert_loaded(loaded, NNRequest("deconv", kernel="bilinear", scale="2"))
    assert conversion.layout == "hwc" and conversion.result.dtype == np.uint8
    exact = nn.bilinear_deconv(np.moveaxis(pixels, -1, 0)[None].astype(np.float64), 2)
    np.testing.assert_array_equal(conversion.result, np.floor(np.moveaxis(exact[0], 0, -1) + 0.5))
    np.testing.assert_array_equal(conversion.operation.result, exact)


def test_a_palette_with_alpha_keeps_its_alpha_channel():
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 0, 255, 128], rawmode="RGBA")  # red transparent, blue half
    image.putdata([0, 1])
    conversion = nn_convert_loaded(Loaded("p.png", image, "PNG"), NNRequest("unpool", scale="2"))
    assert conversion.result.shape == (2, 4, 4)
    assert conversion.result[0, 0].tolist() == [255, 0, 0, 0] and conversion.result[0, 2].tolist() == [0, 0, 255, 128]


def test_what_the_output_format_loses_is_said(tmp_path):
    Image.new("RGBA", (2, 2), (200, 0, 0, 100)).save(tmp_path / "in.png")
    conversion = nn_convert_file(str(tmp_path / "in.png"), NNRequest("unpool", scale="2"), output=str(tmp_path / "out.jpg"))
    assert conversion.notes == [f"{tmp_path / 'out.jpg'}: alpha flattened over the background white for JPEG"]

"""From options and files to one NN operator: option checks, layouts, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from upscale_cli import nn
from upscale_cli.batch.nn_convert import (
    NNRequest,
    apply_nn,
    from_channels_first,
    integer_factors,
    nn_convert_file,
    nn_convert_loaded,
    nn_layout,
    to_channels_first,
)
from upscale_cli.core.errors import UsageError
from upscale_cli.io.images import Loaded


@pytest.mark.parametrize(
    "request_, variant",
    [
        (NNRequest("unpool", indices="i.npy", kernel_size="2"), "unpool"),
        (NNRequest("unpool", scale="2"), "bed-of-nails"),
        (NNRequest("deconv", kernel="bilinear", scale="2"), "deconv-bilinear"),
        (NNRequest("deconv", kernel="bilinear", stride="2"), "deconv-bilinear"),
        (NNRequest("deconv", kernel="bilinear", scale="2", stride="2"), "deconv-bilinear"),
        (NNRequest("deconv", kernel="w.npy"), "deconv"),
        (NNRequest("pixel-unshuffle", scale="3"), "pixel-unshuffle"),
    ],
)
def test_variants_accept_their_options(request_, variant):
    assert request_.variant == variant
    request_.check()


@pytest.mark.parametrize(
    "request_, message",
    [
        (NNRequest("unpool", scale="2", stride="2"), "--stride does not apply to --mode unpool without --indices"),
        (NNRequest("unpool", kernel_size="2"), "--kernel-size does not apply .*; give --indices"),
        (NNRequest("pixel-shuffle"), "--mode pixel-shuffle needs --scale"),
        (NNRequest("pixel-shuffle", scale="2", position="center"), "--unpool-position does not apply"),
        (NNRequest("resize"), "unknown neural-network mode 'resize'"),
    ],
)
def test_request_check_names_the_option(request_, message):
    with pytest.raises(UsageError, match=message):
        request_.check()


def test_integer_factors_are_x_first_on_the_command_line():
    assert integer_factors("2", 3) == (2, 2, 2)
    assert integer_factors("3x2", 2) == (2, 3)
    with pytest.raises(UsageError, match="2 factors but the input has 3 spatial axes"):
        integer_factors("3x2", 3)


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


def test_apply_nn_records_the_operands_and_per_axis_parameters():
    x = np.ones((1, 2, 3, 3))
    weight = np.ones((2, 1, 2, 2))
    operation = apply_nn(x, NNRequest("deconv", kernel="w.npy", stride="2", groups=2), {"kernel": weight})
    assert operation.params == {"stride": (2, 2), "padding": (0, 0), "output_padding": (0, 0), "dilation": (1, 1), "groups": 2}
    assert operation.call == "F.conv_transpose2d(x, weight, None, stride=2, padding=0, output_padding=0, dilation=1, groups=2)"
    assert operation.weight is weight and operation.result.shape == (1, 2, 6, 6)


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

"""From options to one NN operator call: which options apply, factors, the recorded call."""

import numpy as np
import pytest

from upscale_cli.core.errors import UsageError
from upscale_cli.nn.operation import NNRequest, apply_nn, integer_factors


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


def test_apply_nn_records_the_operands_and_per_axis_parameters():
    x = np.ones((1, 2, 3, 3))
    weight = np.ones((2, 1, 2, 2))
    operation = apply_nn(x, NNRequest("deconv", kernel="w.npy", stride="2", groups=2), {"kernel": weight})
    assert operation.params == {"stride": (2, 2), "padding": (0, 0), "output_padding": (0, 0), "dilation": (1, 1), "groups": 2}
    assert operation.call == "F.conv_transpose2d(x, weight, None, stride=2, padding=0, output_padding=0, dilation=1, groups=2)"
    assert operation.weight is weight and operation.result.shape == (1, 2, 6, 6)


def test_an_operand_the_request_names_must_be_given():
    with pytest.raises(ValueError, match="the kernel array of the request was not given"):
        apply_nn(np.ones((1, 1, 2, 2)), NNRequest("deconv", kernel="w.npy"))

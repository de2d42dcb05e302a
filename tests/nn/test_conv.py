"""Convolution: a literal table, the fast form against the fixed-order definition and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli import nn
from upscale_cli.core.errors import UsageError
from upscale_cli.nn.conv import conv2d, conv2d_in_order, products
from upscale_cli.nn.deconv import conv_transpose2d_in_order


def test_conv2d_literal_table():
    x = np.arange(9.0).reshape(1, 3, 3)
    weight = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    # out[y, x] = x[y, x] + 2·x[y, x+1] + 3·x[y+1, x] + 4·x[y+1, x+1]
    expected = np.array([[[27.0, 37.0], [57.0, 67.0]]])
    np.testing.assert_array_equal(conv2d(x, weight), expected)
    np.testing.assert_array_equal(conv2d_in_order(x, weight), expected)
    padded = conv2d(x, weight, np.array([0.5]), padding=1)
    assert padded.shape == (1, 4, 4)
    assert padded[0, 0, 0] == 4 * 0 + 0.5 and padded[0, 3, 3] == 1 * 8 + 0.5


@given(st.integers(1, 3), st.integers(1, 4), st.sampled_from([1, 3, 5]), st.integers(0, 2),
       st.integers(3, 9), st.integers(3, 9), st.integers(0, 2**32 - 1))
def test_conv2d_is_the_definition_within_the_sum_bound(c_in, c_out, kernel, padding, height, width, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, c_in, height + kernel, width + kernel))
    weight = rng.standard_normal((c_out, c_in, kernel, kernel))
    bias = rng.standard_normal(c_out)
    fast, definition = conv2d(x, weight, bias, padding), conv2d_in_order(x, weight, bias, padding)
    terms = c_in * kernel * kernel + 1
    bound = 2 * terms * 2.0**-53 * (conv2d(np.abs(x), np.abs(weight), np.abs(bias), padding) + 1e-300)
    assert fast.shape == definition.shape == (2, c_out, height + 2 * padding + 1, width + 2 * padding + 1)
    assert np.all(np.abs(fast - definition) <= bound)


def test_conv2d_in_order_adds_bias_first_then_channels_rows_columns():
    # 1e16 + 1 + 1 loses both ones when the bias comes first; any other order keeps one or two.
    x = np.array([[[[1.0, 1.0]]]])
    weight = np.array([[[[1.0, 1.0]]]])
    assert conv2d_in_order(x, weight, np.array([1e16]))[0, 0, 0, 0] == 1e16


def test_products_equal_one_product_for_any_length():
    rng = np.random.default_rng(1)
    weights = rng.integers(-8, 8, (16, 288)).astype(np.float64)  # integers: every order gives the same sums
    for length in (1, 56, 57, 1000):
        columns = rng.integers(-8, 8, (2, 288, length)).astype(np.float64)
        np.testing.assert_array_equal(products(weights, columns), weights @ columns)


def test_conv2d_usage_errors():
    with pytest.raises(UsageError, match="weight of shape"):
        conv2d(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 3, 3)))
    with pytest.raises(UsageError, match="does not fit"):
        conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(UsageError, match="bias must have shape"):
        conv2d(np.zeros((1, 1, 4, 4)), np.zeros((2, 1, 3, 3)), np.zeros(3))
    with pytest.raises(UsageError, match="integer or float dtype"):
        conv2d(np.zeros((1, 1, 4, 4), dtype=bool), np.zeros((1, 1, 3, 3)))


@pytest.mark.parametrize("stride", [1, 2, 3, 4])
def test_conv_transpose_in_order_is_conv_transpose(stride):
    rng = np.random.default_rng(stride)
    x = rng.standard_normal((2, 3, 5, 4))
    weight = rng.standard_normal((3, 2, 5, 5))
    bias = rng.standard_normal(2)
    np.testing.assert_allclose(conv_transpose2d_in_order(x, weight, bias, stride),
                               nn.conv_transpose(x, weight, bias, stride=stride), rtol=0, atol=1e-12)


def test_conv_transpose_in_order_literal():
    # one input per axis pair: the kernel lands at i·stride
    x = np.array([[[[1.0, 10.0]]]])
    weight = np.array([[[[1.0, 2.0, 3.0]]]])
    np.testing.assert_array_equal(conv_transpose2d_in_order(x, weight, np.array([0.5]), 2)[0, 0],
                                  [[1.5, 2.5, 13.5, 20.5, 30.5]])


def test_conv2d_equals_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 4, 11, 13))
    weight, bias = rng.standard_normal((6, 4, 3, 3)), rng.standard_normal(6)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias),
                                          padding=1).numpy()
    np.testing.assert_allclose(conv2d(x, weight, bias, padding=1), expected, rtol=0, atol=1e-12)


def tap_by_tap(x, weight, bias, stride):
    """The definition's order spelled out: bias, then channel, kernel row, kernel column."""
    batch, c_in, height, width = x.shape
    c_out, kh, kw = weight.shape[1:]
    out = np.broadcast_to(bias[None, :, None, None],
                          (batch, c_out, (height - 1) * stride + kh, (width - 1) * stride + kw)).copy()
    for c in range(c_in):
        for i in range(kh):
            for j in range(kw):
                out[:, :, i:i + (height - 1) * stride + 1:stride, j:j + (width - 1) * stride + 1:stride] += \
                    x[:, c:c + 1] * weight[c, :, i, j, None, None]
    return out


@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 9), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_conv_transpose_in_order_adds_in_the_definitions_order(stride, kernel, size, channels, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, channels, size, size + 1)) * 10.0 ** rng.integers(-8, 8, (2, channels, 1, 1))
    weight = rng.standard_normal((channels, 2, kernel, kernel + 1))
    bias = rng.standard_normal(2)
    np.testing.assert_array_equal(conv_transpose2d_in_order(x, weight, bias, stride), tap_by_tap(x, weight, bias, stride))

"""Neural-network operators: literal tables, an independent reference, torch fixtures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli import nn, resize
from upscale_cli.core.errors import UsageError

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

SEED_INDICES = [[9, 11, 13, 15], [25, 27, 29, 31], [41, 43, 45, 47], [57, 59, 61, 63]]


# ------------------------------------------------------------- seed example


def test_seed_pool_gives_b_and_its_indices(seed_b):
    a = np.arange(64, dtype=np.float64).reshape(1, 1, 8, 8)
    values, indices = nn.max_pool_with_indices(a, 2)
    np.testing.assert_array_equal(values[0, 0], seed_b)
    np.testing.assert_array_equal(indices[0, 0], SEED_INDICES)
    assert indices.dtype == np.int64


def test_seed_unpool_puts_b_at_odd_rows_and_columns(seed_b):
    unpooled = nn.max_unpool(seed_b[None, None], np.array(SEED_INDICES)[None, None], 2)[0, 0]
    expected = np.zeros((8, 8))
    expected[1::2, 1::2] = seed_b
    np.testing.assert_array_equal(unpooled, expected)


def test_seed_pipeline_on_chw_and_hw_inputs(seed_b):
    a = np.arange(64).reshape(8, 8)
    values, indices = nn.max_pool_with_indices(a, 2)
    assert values.dtype == a.dtype
    np.testing.assert_array_equal(values, seed_b)
    np.testing.assert_array_equal(nn.max_unpool(values, indices, 2), np.where(a % 2 & (a // 8) % 2, a, 0))
    chw_values, chw_indices = nn.max_pool_with_indices(a[None], 2)
    np.testing.assert_array_equal(chw_indices[0], SEED_INDICES)


def test_bed_of_nails_positions(seed_b):
    x = seed_b[None, None]
    unpooled = nn.max_unpool(x, np.array(SEED_INDICES)[None, None], 2)
    np.testing.assert_array_equal(nn.bed_of_nails(x, 2, "bottom-right"), unpooled)
    np.testing.assert_array_equal(nn.bed_of_nails(x, 2, "center"), unpooled)
    top_left = nn.bed_of_nails(np.array([[[[1, 2]]]], dtype=np.uint8), 3, "top-left")
    assert top_left.dtype == np.uint8
    np.testing.assert_array_equal(top_left[0, 0], [[1, 0, 0, 2, 0, 0], [0] * 6, [0] * 6])
    top_right = nn.bed_of_nails(np.array([[[[1, 2]]]]), (2, 3), "top-right")
    np.testing.assert_array_equal(top_right[0, 0], [[0, 0, 1, 0, 0, 2], [0] * 6])
    bottom_left = nn.bed_of_nails(np.array([[[[1, 2]]]]), (2, 3), "bottom-left")
    np.testing.assert_array_equal(bottom_left[0, 0], [[0] * 6, [1, 0, 0, 2, 0, 0]])
    assert nn.nail_offsets((4, 4, 4), "center") == (2, 2, 2)
    assert nn.nail_offsets((2, 3, 4), "bottom-left") == (1, 2, 0)


# --------------------------------------------------------------- max pooling


def test_max_pool_ties_pick_the_first_maximum():
    x = np.array([[1, 3, 3, 1], [3, 0, 2, 3], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    values, indices = nn.max_pool_with_indices(x, 2)
    np.testing.assert_array_equal(values, [[3, 3], [0, 0]])
    np.testing.assert_array_equal(indices, [[1, 2], [8, 10]])  # torch 2.13


def test_max_pool_nan_wins_and_the_last_nan_is_kept():
    nan = np.nan
    x = np.array([[1, nan, 3, nan], [nan, 0, 2, 3], [0, 0, 0, 0], [0, 0, 0, 0]])
    values, indices = nn.max_pool_with_indices(x, 2)
    np.testing.assert_array_equal(indices, [[4, 3], [8, 10]])  # torch 2.13
    assert np.isnan(values[0]).all()


def test_max_pool_padding_never_wins():
    x = np.full((3, 3), -5.0)
    values, indices = nn.max_pool_with_indices(x, 3, stride=1, padding=1)
    np.testing.assert_array_equal(values, np.full((3, 3), -5.0))
    np.testing.assert_array_equal(indices, [[0, 0, 1], [0, 0, 1], [3, 3, 4]])  # torch 2.13
    lowest = np.full((2, 2), np.iinfo(np.int16).min, dtype=np.int16)
    _, indices = nn.max_pool_with_indices(lowest, 2, stride=1, padding=1)
    np.testing.assert_array_equal(indices, [[0, 0, 1], [0, 0, 1], [2, 2, 3]])


def test_max_pool_rejects_padding_over_half_the_kernel():
    with pytest.raises(UsageError, match="at most half"):
        nn.max_pool_with_indices(np.zeros((4, 4)), 2, padding=2)


# ------------------------------------------------------------- max unpooling


def test_unpool_repeated_index_keeps_the_later_value():
    out = nn.max_unpool(np.array([[[[1.0, 2.0]]]]), np.array([[[[0, 0]]]]), 2)
    np.testing.assert_array_equal(out[0, 0], [[2, 0, 0, 0], [0, 0, 0, 0]])


def test_unpool_output_size_range_like_torch():
    x, indices = np.ones((1, 1, 1, 2)), np.array([[[[0, 1]]]])
    assert nn.max_unpool(x, indices, 2, output_size=(3, 5)).shape == (1, 1, 3, 5)
    assert nn.max_unpool(x, indices, 2, output_size=(1, 1, 1, 3)).shape == (1, 1, 1, 3)
    with pytest.raises(UsageError, match="axis 0 must be between 1 and 3"):
        nn.max_unpool(x, indices, 2, output_size=(4, 6))


def test_unpool_index_outside_the_plane_is_a_usage_error():
    # The documented trap: odd input pooled with padding; the default size is too small.
    x = np.arange(56, dtype=np.float32).reshape(1, 1, 7, 8)
    values, indices = nn.max_pool_with_indices(x, (2, 3), stride=(2, 1), padding=(1, 1))
    with pytest.raises(UsageError, match=r"index 49 is outside the output plane of size 6x8"):
        nn.max_unpool(values, indices, (2, 3), (2, 1), (1, 1))
    restored = nn.max_unpool(values, indices, (2, 3), (2, 1), (1, 1), output_size=(7, 8))
    assert restored[0, 0, 6, 7] == 55


# ------------------------------------------------------------- pixel shuffle


def test_pixel_shuffle_literal():
    x = np.arange(8).reshape(1, 8, 1, 1)
    np.testing.assert_array_equal(nn.pixel_shuffle(x, 2)[0], [[[0, 1], [2, 3]], [[4, 5], [6, 7]]])
    y = np.arange(16).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(nn.pixel_unshuffle(y, 2)[0, :, 0, 0], [0, 1, 4, 5])


@given(
    lead=st.lists(st.integers(1, 2), max_size=2),
    channels=st.integers(1, 3),
    q=st.integers(1, 3),
    height=st.integers(1, 3),
    width=st.integers(1, 3),
)
def test_pixel_shuffle_round_trip(lead, channels, q, height, width):
    shape = (*lead, channels * q * q, height, width)
    x = np.arange(math.prod(shape)).reshape(shape)
    shuffled = nn.pixel_shuffle(x, q)
    assert shuffled.shape == (*lead, channels, height * q, width * q)
    np.testing.assert_array_equal(nn.pixel_unshuffle(shuffled, q), x)
    np.testing.assert_array_equal(nn.pixel_shuffle(nn.pixel_unshuffle(shuffled, q), q), shuffled)
    # out[..., c, h·q + i, w·q + j] = in[..., c·q² + i·q + j, h, w] at one sample.
    c, h, w, i, j = channels - 1, height - 1, width - 1, q - 1, 0
    assert shuffled[(0,) * len(lead) + (c, h * q + i, w * q + j)] == x[(0,) * len(lead) + (c * q * q + i * q + j, h, w)]


def test_pixel_shuffle_needs_divisible_channels():
    with pytest.raises(UsageError, match="divisible by 4, got 3"):
        nn.pixel_shuffle(np.zeros((1, 3, 2, 2)), 2)
    with pytest.raises(UsageError, match="divisible by 2, got 3x4"):
        nn.pixel_unshuffle(np.zeros((1, 1, 3, 4)), 2)


# ----------------------------------------------------- transposed convolution


def direct_conv_transpose(x, weight, bias, stride, padding, output_padding, dilation, groups):
    """Scatter every input sample through every tap, one at a time (the definition)."""
    batch, c_in, *spatial = x.shape
    c_out_group, *kernel = weight.shape[1:]
    size = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1
            for n, s, p, d, k, o in zip(spatial, stride, padding, dilation, kernel, output_padding)]
    out = np.zeros((batch, c_out_group * groups, *size))
    c_in_group = c_in // groups
    for n in range(batch):
        for ci in range(c_in):
            group = ci // c_in_group
            for where in np.ndindex(*spatial):
                for tap in np.ndindex(*kernel):
                    y = [i * s - p + k * d for i, s, p, k, d in zip(where, stride, padding, tap, dilation)]
                    if all(0 <= v < m for v, m in zip(y, size)):
                        for co in range(c_out_group):
                            out[(n, group * c_out_group + co, *y)] += x[(n, ci, *where)] * weight[(ci, co, *tap)]
    if bias is not None:
        out += bias.reshape(-1, *[1] * len(spatial))
    return out


@st.composite
def deconv_cases(draw):
    dims = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    per_axis = lambda low, high: tuple(draw(st.integers(low, high)) for _ in range(dims))  # noqa: E731
    stride, dilation, kernel = per_axis(1, 3), per_axis(1, 2), per_axis(1, 3)
    spatial = per_axis(1, 4 if dims < 3 else 2)
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = tuple(
        draw(st.integers(0, ((n - 1) * s + d * (k - 1) + o) // 2))
        for n, s, d, k, o in zip(spatial, stride, dilation, kernel, output_padding)
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c_in, c_out_group = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in, *spatial))
    weight = rng.standard_normal((c_in, c_out_group, *kernel))
    bias = rng.standard_normal(c_out_group * groups) if draw(st.booleans()) else None
    return x, weight, bias, stride, padding, output_padding, dilation, groups


@given(deconv_cases())
def test_conv_transpose_equals_the_direct_sum(case):
    x, weight, bias, stride, padding, output_padding, dilation, groups = case
    got = nn.conv_transpose(x, weight, bias, stride, padding, output_padding, dilation, groups)
    expected = direct_conv_transpose(x, weight, bias, stride, padding, output_padding, dilation, groups)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_conv_transpose_dtypes_and_unbatched_input():
    x = np.arange(3, dtype=np.float32).reshape(1, 3)
    weight = np.ones((1, 1, 2), dtype=np.float32)
    out = nn.conv_transpose(x, weight, stride=2)
    assert out.dtype == np.float32 and out.shape == (1, 6)
    np.testing.assert_array_equal(out[0], [0, 0, 1, 1, 2, 2])
    integer = nn.conv_transpose(x.astype(np.int32), weight.astype(np.int32), stride=2)
    assert integer.dtype == np.float64


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"output_padding": 2, "stride": 2}, "smaller than either the stride"),
        ({"groups": 3}, r"input channels \(4\) must be divisible by groups \(3\)"),
        ({"bias": np.zeros(3)}, r"bias must have shape \(2,\)"),
        ({"padding": 3}, "padding too large"),
        ({"stride": (1, 2, 3)}, "stride must be an integer or 2 integers"),
        ({"dilation": 0}, "dilation must be at least 1"),
    ],
)
def test_conv_transpose_argument_errors(kwargs, message):
    with pytest.raises(UsageError, match=message):
        nn.conv_transpose(np.zeros((1, 4, 2, 2)), np.zeros((4, 2, 2, 2)), **kwargs)


def test_conv_transpose_weight_channel_mismatch():
    with pytest.raises(UsageError, match="expects 3 input channels, the input has 4"):
        nn.conv_transpose(np.zeros((1, 4, 2, 2)), np.zeros((3, 1, 2, 2)))


# ------------------------------------------------------ FCN bilinear kernel


def test_bilinear_taps_literal():
    np.testing.assert_allclose(nn.bilinear_taps(2), [0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(nn.bilinear_taps(3), [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3])
    np.testing.assert_allclose(nn.bilinear_taps(4), [0.125, 0.375, 0.625, 0.875, 0.875, 0.625, 0.375, 0.125])
    assert [nn.bilinear_padding(s) for s in (1, 2, 3, 4, 5)] == [0, 1, 1, 2, 2]
    weight = nn.bilinear_kernel(2, 3)
    assert weight.shape == (3, 1, 4, 4)
    np.testing.assert_allclose(weight[2, 0, 1], [0.1875, 0.5625, 0.5625, 0.1875])


def test_bilinear_deconv_of_the_seed_is_darker_only_at_the_border(seed_b, seed_c):
    out = nn.bilinear_deconv(seed_b[None, None], 2)[0, 0]
    np.testing.assert_allclose(out[1:7, 1:7], seed_c[1:7, 1:7], atol=1e-12)
    # Row 0 gets 0.75 of the vertical weight, column 0 too: corner 0.5625 · 9.
    np.testing.assert_allclose(out[0], [5.0625, 7.125, 7.875, 8.625, 9.375, 10.125, 10.875, 8.4375])
    np.testing.assert_allclose(out[1], [9.75, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 14.25])
    np.testing.assert_allclose(out[:, 0] / seed_c[:, 0], [0.5625] + [0.75] * 6 + [0.5625])


@pytest.mark.parametrize("factor, border", [(2, [0.75]), (3, [2 / 3]), (4, [0.625, 0.875])])
def test_bilinear_deconv_gain_of_a_constant(factor, border):
    out = nn.bilinear_deconv(np.ones((1, 1, 5)), factor)[0, 0]
    edge = factor // 2
    assert out.shape == (5 * factor,)
    np.testing.assert_allclose(out[:edge], border)
    np.testing.assert_allclose(out[::-1][:edge], border)
    np.testing.assert_allclose(out[edge:-edge], 1)


@given(factor=st.integers(1, 5), height=st.integers(1, 5), width=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_bilinear_deconv_equals_clamped_bilinear_inside(factor, height, width, seed):
    x = np.random.default_rng(seed).random((1, 2, height, width))
    out = nn.bilinear_deconv(x, factor)
    clamped = resize(x, scale=factor, mode="bilinear", layout="nchw")
    inside = slice(factor // 2, None if factor < 2 else -(factor // 2))
    np.testing.assert_allclose(out[..., inside, inside], clamped[..., inside, inside], atol=1e-12)


# --------------------------------------------------- torch golden fixtures


def golden_nn_cases():
    manifest = GOLDEN / "manifest.json"
    if not manifest.exists() or not (GOLDEN / "nn.npz").exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason="tests/golden/nn.npz not generated"))]
    cases = json.loads(manifest.read_text())["cases"]
    return [pytest.param(case, id=case["id"]) for case in cases if case["library"] == "nn"]


@pytest.fixture(scope="module")
def nn_arrays():
    with np.load(GOLDEN / "nn.npz") as data:
        yield dict(data)


@pytest.mark.parametrize("case", golden_nn_cases())
def test_golden_torch_nn(case, nn_arrays):
    params = case["params"]
    function = params["function"]
    arrays = {key.split("__", 1)[1]: value for key, value in nn_arrays.items() if key.startswith(case["id"] + "__")}
    x, expected = arrays["input"], arrays["output"]
    tolerance = case["tolerance"]
    if function.startswith("MaxUnpool"):
        kernel, stride, padding = params["kernel_size"], params["stride"], params["padding"]
        kernel, stride, padding = (v if isinstance(v, int) else tuple(v) for v in (kernel, stride, padding))
        dims = int(function[-2])
        values, indices = nn.max_pool_with_indices(arrays["pool_input"], kernel, stride, padding, dims=dims)
        np.testing.assert_array_equal(values, x)
        np.testing.assert_array_equal(indices, arrays["indices"])
        got = nn.max_unpool(x, arrays["indices"], kernel, stride, padding, params["output_size"], dims=dims)
    elif function == "pixel_shuffle":
        got = nn.pixel_shuffle(x, params["upscale_factor"])
    elif function == "pixel_unshuffle":
        got = nn.pixel_unshuffle(x, params["downscale_factor"])
    else:
        got = nn.conv_transpose(
            x, arrays["weight"], arrays.get("bias"), tuple(params["stride"]), tuple(params["padding"]),
            tuple(params["output_padding"]), tuple(params["dilation"]), params["groups"],
        )
        if "fcn_bilinear_factor" in params:
            factor = params["fcn_bilinear_factor"]
            np.testing.assert_array_equal(arrays["weight"], nn.bilinear_kernel(factor, x.shape[1], dtype=np.float32))
            np.testing.assert_allclose(nn.bilinear_deconv(x, factor), expected, rtol=0, atol=tolerance["atol"])
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=tolerance["rtol"], atol=tolerance["atol"])


def test_bilinear_deconv_computes_big_endian_float32_in_float32():
    x = np.random.default_rng(5).standard_normal((1, 3, 5, 6)).astype(">f4")
    np.testing.assert_array_equal(nn.bilinear_deconv(x, 2), nn.bilinear_deconv(x.astype("<f4"), 2))

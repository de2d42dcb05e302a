"""Properties that must always hold (STYLE.md §10), checked with hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import upscale_cli
from upscale_cli.core.choices import ALIGNS, KERNEL_MODES, MODES

lengths = st.integers(min_value=1, max_value=12)
filter_modes = st.sampled_from([*KERNEL_MODES, "area"])


def images(min_side=1, max_side=12, dtype=np.float64):
    shapes = st.tuples(st.integers(min_side, max_side), st.integers(min_side, max_side))
    elements = st.floats(-1000, 1000, allow_nan=False) if dtype == np.float64 else st.integers(0, 255)
    return shapes.flatmap(lambda shape: arrays(dtype, shape, elements=elements))


@given(value=st.floats(-1e6, 1e6, allow_nan=False), h=lengths, w=lengths, out_h=lengths, out_w=lengths,
       mode=st.sampled_from(MODES), antialias=st.booleans())
def test_constant_image_stays_constant(value, h, w, out_h, out_w, mode, antialias):
    result = upscale_cli.resize(np.full((h, w), value), size=(out_w, out_h), mode=mode, antialias=antialias)
    np.testing.assert_allclose(result, value, rtol=1e-12, atol=1e-9)


@given(value=st.integers(0, 255), h=st.integers(4, 12), w=st.integers(4, 12), scale=st.sampled_from(["0.3", "0.5", "1.7", "3"]),
       mode=filter_modes)
def test_constant_uint8_image_stays_exactly_constant(value, h, w, scale, mode):
    result = upscale_cli.resize(np.full((h, w), value, np.uint8), scale=scale, mode=mode)
    assert np.all(result == value)


@given(image=images(), mode=st.sampled_from(MODES))
def test_scale_one_is_the_identity(image, mode):
    np.testing.assert_array_equal(upscale_cli.resize(image, scale=1, mode=mode), image)


@given(image=images(dtype=np.uint8), factor=st.integers(1, 5))
def test_integer_nearest_upscale_is_repeat(image, factor):
    expected = np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)
    np.testing.assert_array_equal(upscale_cli.resize(image, scale=factor, mode="nearest"), expected)


@given(image=images(dtype=np.uint8), factor=st.integers(1, 5), mode=st.sampled_from(["nearest", "area", "box"]))
def test_downscale_undoes_integer_nearest_upscale(image, factor, mode):
    big = upscale_cli.resize(image, scale=factor, mode="nearest")
    h, w = image.shape
    np.testing.assert_array_equal(upscale_cli.resize(big, size=(w, h), mode=mode), image)


@given(n_in=st.integers(2, 20), n_out=st.integers(2, 60), slope=st.floats(-10, 10), offset=st.floats(-100, 100))
def test_bilinear_of_a_ramp_is_a_ramp_away_from_the_borders(n_in, n_out, slope, offset):
    ramp = offset + slope * np.arange(n_in, dtype=np.float64)
    result = upscale_cli.resize(ramp, size=n_out, mode="linear", antialias=False)
    x = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    inside = (x >= 0) & (x <= n_in - 1)
    np.testing.assert_allclose(result[inside], offset + slope * x[inside], rtol=1e-12, atol=1e-9)


@given(n_in=st.integers(4, 20), factor=st.integers(2, 4))
def test_bicubic_keys_reproduces_quadratics_inside(n_in, factor):
    # Keys' a = −0.5 is the cubic that reproduces polynomials up to degree 2.
    samples = np.arange(n_in, dtype=np.float64)
    result = upscale_cli.resize(samples**2, scale=factor, mode="bicubic")
    x = (np.arange(n_in * factor) + 0.5) / factor - 0.5
    inside = (x >= 1) & (x <= n_in - 2)
    np.testing.assert_allclose(result[inside], x[inside] ** 2, rtol=1e-12, atol=1e-9)


@given(image=images(), out_h=lengths, out_w=lengths, mode=filter_modes, align=st.sampled_from(ALIGNS))
def test_filters_are_linear(image, out_h, out_w, mode, align):
    other = np.roll(image[::-1], 1)
    resize = lambda a: upscale_cli.resize(a, size=(out_w, out_h), mode=mode, align=align)  # noqa: E731
    np.testing.assert_allclose(resize(2 * image - 3 * other), 2 * resize(image) - 3 * resize(other), atol=1e-6)


@given(image=images(), out_h=lengths, out_w=lengths, mode=st.sampled_from(MODES))
def test_transposition_commutes_with_resizing(image, out_h, out_w, mode):
    direct = upscale_cli.resize(image, size=(out_w, out_h), mode=mode)
    transposed = upscale_cli.resize(image.T, size=(out_h, out_w), mode=mode).T
    np.testing.assert_allclose(direct, transposed, rtol=1e-12, atol=1e-9)

"""Kernel values from the formulas of docs/definition.md §4."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli.core.errors import UsageError
from upscale_cli.core.kernels import BOX, HAMMING, TRIANGLE, kernel_for_mode, keys_cubic, lanczos


def test_triangle():
    np.testing.assert_array_equal(TRIANGLE([-1.5, -1, -0.25, 0, 0.5, 1, 2]), [0, 0, 0.75, 1, 0.5, 0, 0])


@pytest.mark.parametrize(
    "a, t, expected",
    [
        (-0.5, 0.0, 1.0),
        (-0.5, 0.5, 0.5625),  # (a+2)/8 − (a+3)/4 + 1
        (-0.5, 1.5, -0.0625),  # a·(27/8 − 45/4 + 12 − 4) = a/8
        (-0.75, 0.5, 0.59375),
        (-0.75, 1.5, -0.09375),
        (-0.5, 1.0, 0.0),
        (-0.5, 2.0, 0.0),
        (-0.5, 2.5, 0.0),
    ],
)
def test_keys_cubic_values(a, t, expected):
    kernel = keys_cubic(a)
    assert kernel(np.array([t]))[0] == pytest.approx(expected, abs=1e-15)
    assert kernel(np.array([-t]))[0] == pytest.approx(expected, abs=1e-15)


def test_box_takes_pillows_side_of_the_tie():
    np.testing.assert_array_equal(BOX([-0.5, -0.4999, 0.5, 0.5001]), [0, 1, 1, 0])


def test_lanczos_is_exactly_zero_at_integers_and_one_at_zero():
    kernel = lanczos(3)
    np.testing.assert_array_equal(kernel([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 3.5]), [0, 0, 1, 0, 0, 0, 0])
    t = 0.5
    expected = (np.sin(np.pi * t) / (np.pi * t)) * (np.sin(np.pi * t / 3) / (np.pi * t / 3))
    assert kernel([t])[0] == pytest.approx(expected, rel=1e-14)


def test_hamming():
    t = 0.5
    expected = np.sin(np.pi * t) / (np.pi * t) * (0.54 + 0.46 * np.cos(np.pi * t))
    assert HAMMING([t])[0] == pytest.approx(expected, rel=1e-14)
    np.testing.assert_array_equal(HAMMING([-1.0, 0.0, 1.0, 1.2]), [0, 1, 0, 0])


@given(t=st.floats(min_value=0, max_value=1, exclude_max=True), a=st.sampled_from([-0.5, -0.75, -1.0]))
def test_cubic_and_triangle_are_partitions_of_unity(t, a):
    shifts = t - np.arange(-2, 3)
    assert keys_cubic(a)(shifts).sum() == pytest.approx(1.0, abs=1e-12)
    assert TRIANGLE(shifts).sum() == pytest.approx(1.0, abs=1e-12)


def test_kernel_for_mode():
    assert kernel_for_mode("trilinear") is TRIANGLE
    assert kernel_for_mode("lanczos").support == 3
    assert kernel_for_mode("bicubic", -0.75)(np.array([0.5]))[0] == pytest.approx(0.59375)
    with pytest.raises(UsageError):
        kernel_for_mode("nearest")

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli.io.srgb import ENCODED_KNEE, LINEAR_KNEE, from_linear, to_linear


def test_known_values():
    # IEC 61966-2-1: mid grey 0.5 is 21.4 % of the light; the knees map onto each other.
    np.testing.assert_allclose(to_linear([0.0, 0.5, 1.0]), [0.0, 0.21404114048223255, 1.0], rtol=1e-15)
    np.testing.assert_allclose(to_linear(ENCODED_KNEE), 0.04045 / 12.92, rtol=1e-15)
    np.testing.assert_allclose(from_linear(LINEAR_KNEE), 0.0031308 * 12.92, rtol=1e-15)
    np.testing.assert_allclose(from_linear(0.5), 1.055 * 0.5 ** (1 / 2.4) - 0.055, rtol=1e-15)


def test_every_8_bit_value_survives_the_round_trip():
    values = np.arange(256) / 255
    assert np.array_equal(np.floor(from_linear(to_linear(values)) * 255 + 0.5), np.arange(256))


def test_overshoot_is_clipped():
    np.testing.assert_allclose(from_linear([-0.2, 1.3]), [0.0, 1.0], atol=1e-15)


@given(st.floats(0, 1), st.floats(0, 1))
def test_both_are_increasing(a, b):
    low, high = sorted((a, b))
    assert to_linear(low) <= to_linear(high)
    assert from_linear(low) <= from_linear(high)

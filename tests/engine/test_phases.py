"""Phase by phase: the definition's sums on strided slices, the same bits as its gather."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upscale_cli.api import plan_for
from upscale_cli.engine import phases
from upscale_cli.engine.phases import periodic_run, phased_axis
from upscale_cli.engine.reference import apply_axis


@pytest.fixture(autouse=True)
def small_arrays_too(monkeypatch):
    """Phases for arrays of any size, so that small examples take the phased path."""
    monkeypatch.setattr(phases, "MIN_SAMPLES", 0)


@settings(max_examples=80, deadline=None)
@given(n_in=st.integers(1, 40), n_out=st.integers(1, 90), inner=st.sampled_from([(), (1,), (16,), (17, 2)]),
       mode=st.sampled_from(["bilinear", "bicubic", "lanczos", "area", "box", "hamming"]),
       align=st.sampled_from(["half-pixel", "asymmetric", "align-corners"]), seed=st.integers(0, 2**32 - 1))
def test_phased_axis_is_apply_axis_bit_for_bit(n_in, n_out, inner, mode, align, seed):
    table = plan_for((n_in,), size=n_out, mode=mode, align=align).axes[0].weights
    values = np.random.default_rng(seed).standard_normal((3, n_in) + inner) * 1e3
    expected = apply_axis(values, 1, table)
    result = phased_axis(values, 1, table)
    assert result.shape == expected.shape
    assert np.array_equal(result.view(np.uint64), expected.view(np.uint64))


def test_a_doubling_repeats_with_period_two():
    """Bilinear ×2, half-pixel: weights ¾, ¼ and ¼, ¾ alternate, the taps move by one input every two
    outputs; only the first and last outputs (edge clamped) stand apart."""
    table = plan_for((50,), size=100, mode="bilinear").axes[0].weights
    assert periodic_run(table) == (2, 1, 1, 99)


def test_long_periods_and_integers_take_the_gather():
    table = plan_for((1920,), size=1366, mode="lanczos").axes[0].weights  # period 683
    assert periodic_run(table) is None
    values = np.arange(1920 * 17).reshape(1920, 17)
    np.testing.assert_array_equal(phased_axis(values, 0, table), apply_axis(values, 0, table))

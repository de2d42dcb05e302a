"""Certification: the bounds, the exact rows and the boundary tests that let fast sums stand for the definition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_apply import make_plan, reference, table

from upscale_cli.api import plan_for
from upscale_cli.engine import certify
from upscale_cli.engine.apply import apply_plan
from upscale_cli.engine.certify import (
    FloatCertificate,
    IntegerCertificate,
    near_boundaries,
    sample_quantum,
    smallest_magnitude,
)


def test_a_rounding_trap_float32_falls_into():
    """Weights and samples whose sum float32 rounds to 98.5 (→ 99) while float64 gives 98.4999957 (→ 98)."""
    weights = [0.3782429852187843, 0.37962338666811246, 0.24213362811310318]
    samples = np.array([23, 234, 4], dtype=np.uint8)
    in_float32 = np.float32(0)
    for w, x in zip(np.float32(weights), samples.astype(np.float32)):
        in_float32 += w * x
    assert np.floor(in_float32 + np.float32(0.5)) == 99  # the trap is real
    plan = make_plan((3,), {0: table([[0, 1, 2]], [weights])})
    assert IntegerCertificate.choose(np.dtype(np.uint8), 255.0, [(0, plan.axes[0].weights)]).dtype == np.float32
    assert apply_plan(samples, plan).tolist() == [98]


def test_dyadic_tables_need_no_check_and_others_do():
    """Bilinear and bicubic at ×2 are exact in float32; Lanczos and ×½'s borders are certified."""
    def arithmetic(size, mode, dtype=np.uint8):
        plan = plan_for((64, 64), size=size, mode=mode)
        return IntegerCertificate.choose(np.dtype(dtype), 255.0, [(p.axis, p.weights) for p in plan.axes])

    assert arithmetic((128, 128), "bilinear").tolerance == 0
    assert arithmetic((128, 128), "bicubic").tolerance == 0
    reduced = arithmetic((32, 32), "bilinear")
    assert reduced.tolerance > 0
    rows = reduced.exact_rows[0]
    assert not rows[0] and not rows[-1] and rows[1:-1].all()  # only the renormalised borders
    assert arithmetic((128, 128), "lanczos").exact_rows[0].sum() == 0
    assert arithmetic((128, 128), "bilinear", np.uint16).dtype == np.float64


@pytest.mark.parametrize("shape, size", [((37, 53, 3), (106, 74)), ((64, 64), (128, 128)), ((45, 31), (62, 90))])
def test_short_weights_too_long_for_float32_run_exact_in_float64(shape, size):
    """Keys a = −0.75 at ×2 has 8-bit weights: 255 · gain² · 2¹⁶ exceeds float32's 2²⁴, not float64's 2⁵³.
    The first pass stays in float32 (its sums fit), the second runs in float64, nothing is left to check,
    and every output is the definition's."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    x[:, : shape[1] // 3] = 255  # saturated areas: the overshoot is clipped
    plan = plan_for(x.shape, size=size, mode="bicubic", cubic_a=-0.75, layout="hwc" if x.ndim == 3 else None)
    chosen = IntegerCertificate.choose(np.dtype(np.uint8), 255.0, [(p.axis, p.weights) for p in plan.axes])
    assert chosen.tolerance == 0 and chosen.pass_dtypes(2) == [np.float32, np.float64]
    np.testing.assert_array_equal(apply_plan(x, plan), reference(x, plan))


def test_row_bits():
    weights = np.array([[0.25, 0.75], [3 / 128, -111 / 128], [1 / 3, 2 / 3], [0.0, 1.0], [2.0**-30, 1.0], [-0.5, 1.5]])
    assert certify.row_bits(weights).tolist() == [2, 7, 54, 0, 30, 1]


def test_the_float_bound_is_a_few_units_of_float64_roundoff():
    """Bicubic ×2 (4 taps an axis): (2·4 + 1)·2 + 2 = 20 units of 2⁻⁵³ of the magnitudes, far inside float32's
    half unit (2⁻²⁵), so about one output in ten million is undecided."""
    tables = [(p.axis, p.weights) for p in plan_for((64, 64), size=(128, 128), mode="bicubic").axes]
    gain = 1.1875**2  # Keys a = −0.5 at ×2: the negative lobes of a row weigh 0.0703125 + 0.0234375
    certificate = FloatCertificate(tables, np.float32)
    assert 20 * 2.0**-53 * gain < certificate.tolerance(1.0) < 20.03 * 2.0**-53 * gain


def test_float_sums_within_the_bound_of_a_rounding_boundary_are_recomputed():
    """A float64 sum a hair above a float32 midpoint would round up; the definition's, a hair below, rounds
    down. The certificate cannot tell them apart, so that output takes the definition's value."""
    thirds = table([[0, 1]] * 16, [[1 / 3, 2 / 3]] * 16)
    certificate = FloatCertificate([(0, thirds)], np.float32)
    midpoint = 1 + 2.0**-24  # halfway between float32's 1 and its successor
    values = np.linspace(1.0, 2.0, 16)
    values[0] = midpoint + 2.0**-50
    samples = np.array([1.0, 2.0], np.float32)
    out = np.empty(16, np.float32)
    asked = []

    def recompute(where):
        asked.extend(where[0])
        return np.full(len(where[0]), midpoint - 2.0**-50)

    assert certificate.store(values, out, 0, samples, 2.0, recompute, magnitudes=lambda: np.full(16, 2.0))
    assert asked == [0]
    assert out[0] == 1.0 and out[1:].tolist() == values[1:].astype(np.float32).tolist()





@given(st.lists(st.floats(-1e30, 1e30, allow_nan=False, width=64), min_size=1, max_size=60),
       st.sampled_from([np.float16, np.float32]), st.floats(0, 1e-3))
def test_near_boundaries_finds_every_output_whose_rounding_the_bound_leaves_open(values, dtype, relative):
    """A superset: every ``y`` whose ``y − T`` and ``y + T`` round to different bits is among those found."""
    flat = np.array(values)
    tolerance = relative * float(np.abs(flat).max(initial=0.0)) * 2.0**-40 + 2.0**-1074
    with np.errstate(over="ignore"):
        low = (flat - tolerance).astype(dtype).view(f"u{np.dtype(dtype).itemsize}")
        high = (flat + tolerance).astype(dtype).view(f"u{np.dtype(dtype).itemsize}")
    open_ = set(np.flatnonzero(low != high).tolist())
    assert open_ <= set(near_boundaries(flat, tolerance, np.dtype(dtype), overflow=True).tolist())


def test_near_boundaries_leaves_out_outputs_far_from_any():
    """1.25 sits in the middle of float32's grid; its neighbour a thousand float64 units from a midpoint
    is found, one a few units away too."""
    midpoint = 1 + 2.0**-24
    flat = np.array([1.25, midpoint + 1000 * 2.0**-52, midpoint - 3 * 2.0**-52, 1 + 2.0**-30])
    assert near_boundaries(flat, 2.0**-50, np.dtype(np.float32)).tolist() == [1, 2]


@pytest.mark.parametrize("smallest, dtype, expected", [
    (1.0, np.float32, 2.0**-23), (3.0, np.float32, 2.0**-22), (1e-45, np.float32, 2.0**-149),
    (1.0, np.float16, 2.0**-10), (1e-7, np.float16, 2.0**-24),
])
def test_sample_quantum_is_the_last_place_of_the_smallest_sample(smallest, dtype, expected):
    assert sample_quantum(smallest, dtype) == expected


@given(hnp.arrays(st.sampled_from([np.float32, np.float64]), st.integers(0, 40),
                  elements=st.floats(allow_nan=False, allow_infinity=False, width=32)))
def test_smallest_magnitude_is_the_least_non_zero_absolute_value(values):
    magnitudes = np.abs(values)
    assert smallest_magnitude(values) == float(np.min(magnitudes, where=magnitudes > 0, initial=np.inf))

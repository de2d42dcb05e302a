"""Coordinate transforms and exact rounding (docs/definition.md §2, §3)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli.core.choices import ALIGNS, ROUNDINGS
from upscale_cli.core.coords import nearest_indices, source_coordinates
from upscale_cli.core.errors import UsageError

lengths = st.integers(min_value=1, max_value=60)


def reference_coordinate(d: int, n_in: int, n_out: int, align: str) -> Fraction:
    """The formulas of §1 written out with Fractions, one output at a time."""
    r = Fraction(n_in, n_out)
    if align == "asymmetric":
        return d * r
    if align == "tf-half-pixel-for-nn":
        return (d + Fraction(1, 2)) * r
    if align == "align-corners":
        return Fraction(0) if n_out == 1 else Fraction(d * (n_in - 1), n_out - 1)
    if align == "tf-crop-and-resize":  # roi [0, 1]
        return Fraction(n_in - 1, 2) if n_out == 1 else Fraction(d * (n_in - 1), n_out - 1)
    if align == "pytorch-half-pixel" and n_out == 1:
        return Fraction(0)
    return (d + Fraction(1, 2)) * r - Fraction(1, 2)


def reference_round(x: Fraction, rounding: str) -> int:
    half = Fraction(1, 2)
    return {
        "round": lambda: math.floor(x + half),
        "half-down": lambda: math.ceil(x - half),
        "half-even": lambda: round(x),  # Fraction.__round__ rounds half to even
        "floor": lambda: math.floor(x),
        "ceil": lambda: math.ceil(x),
    }[rounding]()


@pytest.mark.parametrize(
    "align, expected",
    [
        ("asymmetric", [0, 0.75, 1.5, 2.25]),
        ("half-pixel", [-0.125, 0.625, 1.375, 2.125]),
        ("pytorch-half-pixel", [-0.125, 0.625, 1.375, 2.125]),
        ("align-corners", [0, 2 / 3, 4 / 3, 2]),
        ("tf-half-pixel-for-nn", [0.375, 1.125, 1.875, 2.625]),
    ],
)
def test_three_to_four_coordinates(align, expected):
    np.testing.assert_allclose(source_coordinates(3, 4, align).as_float(), expected, rtol=0, atol=1e-15)


def test_one_output_sample():
    assert source_coordinates(7, 1, "half-pixel").as_fractions() == [Fraction(3)]
    assert source_coordinates(7, 1, "pytorch-half-pixel").as_fractions() == [Fraction(0)]
    assert source_coordinates(7, 1, "align-corners").as_fractions() == [Fraction(0)]


@pytest.mark.parametrize(
    "rounding, expected",
    [
        # x = -0.5, 0.5, 1.5, 2.5, 0.25, 0.75 (exact ties and non-ties)
        ("round", [0, 1, 2, 3, 0, 1]),
        ("half-down", [-1, 0, 1, 2, 0, 1]),
        ("half-even", [0, 0, 2, 2, 0, 1]),
        ("floor", [-1, 0, 1, 2, 0, 0]),
        ("ceil", [0, 1, 2, 3, 1, 1]),
    ],
)
def test_rounding_of_ties(rounding, expected):
    from upscale_cli.core.coords import SourceCoordinates

    coords = SourceCoordinates(np.array([-2, 2, 6, 10, 1, 3]), 4)
    assert coords.rounded(rounding).tolist() == expected


def test_nearest_two_to_seven_is_exact():
    # The exact answer, not Pillow's running-sum 0,0,0,0,1,1,1 (§2).
    assert nearest_indices(2, 7, "half-pixel", "round").tolist() == [0, 0, 0, 1, 1, 1, 1]


def test_nearest_clamps_into_the_input():
    assert nearest_indices(3, 4, "tf-half-pixel-for-nn", "ceil").tolist() == [1, 2, 2, 2]
    assert nearest_indices(3, 4, "half-pixel", "floor").tolist() == [0, 0, 1, 2]


@given(n_in=lengths, n_out=lengths, align=st.sampled_from(ALIGNS), rounding=st.sampled_from(ROUNDINGS))
def test_exact_rounding_matches_fractions(n_in, n_out, align, rounding):
    expected = [
        min(max(reference_round(reference_coordinate(d, n_in, n_out, align), rounding), 0), n_in - 1)
        for d in range(n_out)
    ]
    assert nearest_indices(n_in, n_out, align, rounding).tolist() == expected


@given(n_in=lengths, n_out=lengths)
def test_half_pixel_round_integer_identity(n_in, n_out):
    d = np.arange(n_out)
    assert nearest_indices(n_in, n_out, "half-pixel", "round").tolist() == (((2 * d + 1) * n_in) // (2 * n_out)).tolist()


def test_unknown_names_are_usage_errors():
    with pytest.raises(UsageError, match="unknown alignment 'centre'"):
        source_coordinates(3, 4, "centre")
    with pytest.raises(UsageError, match="unknown rounding 'up'"):
        nearest_indices(3, 4, "half-pixel", "up")

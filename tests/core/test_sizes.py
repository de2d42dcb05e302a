"""Size and scale specifications (docs/definition.md §1)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from upscale_cli.core.errors import UsageError
from upscale_cli.core.sizes import output_sizes, parse_scale, parse_size


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("800x600", (800, 600)),
        ("800x", (800, None)),
        ("x600", (None, 600)),
        ("4x4x4", (4, 4, 4)),
        ("7", (7,)),
        ((5, None), (5, None)),
        (9, (9,)),
    ],
)
def test_parse_size(spec, expected):
    assert parse_size(spec) == expected


@pytest.mark.parametrize("spec", ["0x5", "abc", "x", "5x-1", "1.5x2", ""])
def test_bad_sizes(spec):
    with pytest.raises(UsageError, match="bad size"):
        parse_size(spec)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("2", (Fraction(2),)),
        ("1.333", (Fraction(1333, 1000),)),
        ("1.5x2", (Fraction(3, 2), Fraction(2))),
        ("150%", (Fraction(3, 2),)),
        (0.1, (Fraction(1, 10),)),
        ((2, 0.5), (Fraction(2), Fraction(1, 2))),
    ],
)
def test_parse_scale_is_exact_decimal(spec, expected):
    assert parse_scale(spec) == expected


@pytest.mark.parametrize("spec", ["-1", "0", "abc", "nan", "inf"])
def test_bad_scales(spec):
    with pytest.raises(UsageError, match="bad scale"):
        parse_scale(spec)


@pytest.mark.parametrize("spec, message", [
    ("1e400", "bad scale '1e400': too large"),
    ("2x1e400", "bad scale '2x1e400': too large"),
    ("1e-400", "bad scale '1e-400': too small"),
    ("2x", "bad scale '2x': expected a number (2, 1.5, 150%) or one per axis, x first (1.5x2)"),
    ("x", "bad scale 'x': expected a number (2, 1.5, 150%) or one per axis, x first (1.5x2)"),
    ("2xa", "bad scale '2xa': 'a' is not a number"),
    ("a%", "bad scale 'a%': 'a' is not a number"),
])
def test_bad_scales_name_the_problem(spec, message):
    with pytest.raises(UsageError) as caught:
        parse_scale(spec)
    assert str(caught.value) == message


def lengths(sizes):
    return [s.n_out for s in sizes]


def test_scale_rounds_half_up():
    # 5 × 0.5 = 2.5 → 3 (OpenCV would round half to even: 2)
    assert lengths(output_sizes([5], scale="0.5")) == [3]
    assert lengths(output_sizes([90], scale="0.7")) == [63]
    assert lengths(output_sizes([3, 3], scale="1.333")) == [4, 4]
    assert lengths(output_sizes([10, 20], scale="1.5x0.25")) == [15, 5]


def test_scale_that_leaves_nothing_is_an_error():
    with pytest.raises(UsageError, match="leaves no pixels"):
        output_sizes([3], scale="0.1")


def test_keep_aspect_ratio():
    assert lengths(output_sizes([1920, 1080], size="800x")) == [800, 450]
    assert lengths(output_sizes([1920, 1080], size="x540")) == [960, 540]
    assert lengths(output_sizes([1000, 1], size="10x")) == [10, 1]


def test_fit():
    assert lengths(output_sizes([400, 200], size="100x100")) == [100, 100]
    assert lengths(output_sizes([400, 200], size="100x100", fit="contain")) == [100, 50]
    assert lengths(output_sizes([400, 200], size="100x100", fit="cover")) == [200, 100]


def test_reasons_say_where_lengths_come_from():
    x, y = output_sizes([3, 4], scale="2")
    assert x.reason == "scale 2: floor(3 × 2 + 0.5) = 6"
    assert output_sizes([1920, 1080], size="800x")[1].reason == "keeps aspect ratio (factor 0.416667)"


def test_size_and_scale_conflicts():
    with pytest.raises(UsageError, match="exactly one"):
        output_sizes([3], size="4", scale="2")
    with pytest.raises(UsageError, match="exactly one"):
        output_sizes([3])
    with pytest.raises(UsageError, match="has 2 lengths but the input has 3 spatial axes"):
        output_sizes([3, 3, 3], size="4x4")


def test_axis_count_mismatches_are_spelled_out():
    with pytest.raises(UsageError, match=r"^size '7' has 1 length but the input has 2 spatial axes$"):
        output_sizes([3, 3], size="7")
    with pytest.raises(UsageError, match=r"^scale '2x3' has 2 factors but the input has 1 spatial axis$"):
        output_sizes([3], scale="2x3")

"""Weight tables: invariants and literal tables (docs/definition.md §5)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli.core.choices import ALIGNS
from upscale_cli.core.kernels import BOX, TRIANGLE, keys_cubic, lanczos
from upscale_cli.core.weights import area_weights, filter_weights, kernel_weights, nearest_weights

lengths = st.integers(min_value=1, max_value=40)
kernels = st.sampled_from([TRIANGLE, keys_cubic(-0.5), keys_cubic(-0.75), lanczos(3), BOX])


def dense(table) -> np.ndarray:
    """The (n_out, n_in) matrix a weight table stands for."""
    matrix = np.zeros((table.n_out, table.n_in))
    np.add.at(matrix, (np.repeat(np.arange(table.n_out), table.taps.shape[1]), table.taps.ravel()), table.weights.ravel())
    return matrix


@given(n_in=lengths, n_out=lengths, kernel=kernels, align=st.sampled_from(ALIGNS), antialias=st.booleans())
def test_rows_sum_to_one_and_taps_are_inside(n_in, n_out, kernel, align, antialias):
    table = kernel_weights(n_in, n_out, kernel, align, antialias=antialias)
    assert table.taps.shape == table.weights.shape and table.taps.shape[0] == n_out
    assert table.taps.min() >= 0 and table.taps.max() <= n_in - 1
    np.testing.assert_allclose(table.weights.sum(axis=1), 1.0, atol=1e-12)


@given(n_in=lengths, n_out=lengths)
def test_area_weights_are_exact_overlaps(n_in, n_out):
    table = area_weights(n_in, n_out)
    matrix = dense(table)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-12)
    # Every input sample is used with total weight n_out/n_in: the mean is preserved.
    np.testing.assert_allclose(matrix.sum(axis=0), n_out / n_in, atol=1e-12)


def test_area_table_three_to_two():
    # Output 0 covers [0, 1.5]: all of pixel 0 and half of pixel 1, divided by 1.5.
    np.testing.assert_allclose(dense(area_weights(3, 2)), [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]])


def test_area_enlarging_blends_only_across_boundaries():
    np.testing.assert_allclose(dense(area_weights(2, 3)), [[1, 0], [0.5, 0.5], [0, 1]])


def test_bilinear_times_two_table():
    table = kernel_weights(4, 8, TRIANGLE, "half-pixel", antialias=True)
    np.testing.assert_allclose(
        dense(table)[:3],
        [[1, 0, 0, 0], [0.75, 0.25, 0, 0], [0.25, 0.75, 0, 0]],
    )


def test_antialiased_reduction_matches_pillow_formula():
    # 6 → 2 triangle: centre c = (d + 0.5)·3, support 3, taps with (j − c + 0.5)/3.
    table = kernel_weights(6, 2, TRIANGLE, "half-pixel", antialias=True)
    j = np.arange(6)
    expected = []
    for d in range(2):
        c = (d + 0.5) * 3
        w = np.maximum(1 - np.abs((j - c + 0.5) / 3), 0)
        expected.append(w / w.sum())
    np.testing.assert_allclose(dense(table), expected, atol=1e-15)


def test_no_antialias_reduction_interpolates():
    # 8 → 2: x = 1.5 and 5.5, halfway between two samples; no footprint.
    table = kernel_weights(8, 2, TRIANGLE, "half-pixel", antialias=False)
    np.testing.assert_allclose(dense(table), [[0, 0.5, 0.5, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0.5, 0.5, 0]])


def test_clamp_versus_renormalize_at_the_border():
    coords = np.array([-0.25])
    clamped = filter_weights(coords, 4, TRIANGLE, border="clamp")
    dropped = filter_weights(coords, 4, TRIANGLE, border="renormalize")
    np.testing.assert_allclose(dense(clamped), [[1, 0, 0, 0]])
    np.testing.assert_allclose(dense(dropped), [[1, 0, 0, 0]])
    cubic = keys_cubic(-0.5)
    np.testing.assert_allclose(dense(filter_weights(np.array([0.5]), 4, cubic, border="clamp")), [[0.5, 0.5625, -0.0625, 0]])
    renormalized = dense(filter_weights(np.array([0.5]), 4, cubic, border="renormalize"))
    np.testing.assert_allclose(renormalized, [[0.5625 / 1.0625, 0.5625 / 1.0625, -0.0625 / 1.0625, 0]])


def test_nearest_table_is_a_selection():
    table = nearest_weights(3, 4, "asymmetric", "floor")
    assert table.is_selection
    assert table.taps[:, 0].tolist() == [0, 0, 1, 2]
    np.testing.assert_array_equal(table.coordinates, [0, 0.75, 1.5, 2.25])


@pytest.mark.parametrize("kernel", [TRIANGLE, keys_cubic(-0.5), lanczos(3)])
def test_same_length_half_pixel_is_identity(kernel):
    assert kernel_weights(9, 9, kernel, "half-pixel", antialias=True).is_identity
    assert not kernel_weights(9, 9, kernel, "tf-half-pixel-for-nn", antialias=True).is_identity


def test_box_window_edge_is_decided_exactly():
    # 7 → 6 with antialias: output 2 has x = 29/12 and reach 7/12, so the window
    # ends exactly at sample 3, whose distance (3 − x)/f = 1/2 is on the box's
    # edge: Pillow (and exact arithmetic) average samples 2 and 3.
    table = kernel_weights(7, 6, BOX, "half-pixel", antialias=True)
    np.testing.assert_array_equal(dense(table)[2], [0, 0, 0.5, 0.5, 0, 0, 0])

"""RowWindow: any rows asked for in order are the image's rows, whatever the reader's bands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upscale_cli.core.errors import InputError
from upscale_cli.io.window import RowWindow, named_errors


def _bands(array: np.ndarray, cuts: list[int]):
    edges = [0] + sorted(set(c for c in cuts if 0 < c < len(array))) + [len(array)]
    return (array[a:b] for a, b in zip(edges, edges[1:]))


@given(st.integers(1, 60), st.lists(st.integers(1, 59), max_size=12),
       st.lists(st.tuples(st.integers(0, 59), st.integers(1, 30)), min_size=1, max_size=10))
def test_rows_asked_for_in_order_are_the_images(height, cuts, asks):
    array = np.arange(height * 3, dtype=">i4").reshape(height, 3)
    window = RowWindow(_bands(array, cuts), height)
    assert window.shape == array.shape and window.dtype == array.dtype
    low = 0
    for start, length in sorted(asks):
        low = max(low, min(start, height - 1))
        high = min(height, low + length)
        rows = window[low:high]
        assert rows.dtype == array.dtype
        np.testing.assert_array_equal(rows, array[low:high])


def test_rows_let_go_cannot_be_asked_for_again():
    window = RowWindow(_bands(np.zeros((10, 2)), [3, 6]), 10)
    window[4:8]
    with pytest.raises(IndexError):
        window[2:5]


def test_a_reader_ending_early_and_its_errors_name_the_file():
    def broken():
        yield np.zeros((2, 2))
        raise ValueError("broken data stream")

    window = RowWindow(named_errors(broken(), "in.png", (ValueError,)), 5, name="in.png")
    with pytest.raises(InputError, match="^in.png: corrupt or truncated image: broken data stream$"):
        window[0:4]
    short = RowWindow(iter([np.zeros((2, 2))]), 5, name="in.npy")
    with pytest.raises(InputError, match="^in.npy: corrupt or truncated image: the image data ends early$"):
        short[1:3]
        short[3:5]

"""``--explain`` of the NN modes: exact text, and contributions that add up to the output."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from upscale_cli.explain.nn_tables import contributions, print_nn_explanation
from upscale_cli.nn.operation import NNRequest, apply_nn

SEED_INDICES = np.array([[9, 11, 13, 15], [25, 27, 29, 31], [41, 43, 45, 47], [57, 59, 61, 63]])


def explain(operation, limit=40) -> list[str]:
    console = Console(file=io.StringIO(), width=100)
    print_nn_explanation(operation, console, limit=limit)
    return console.file.getvalue().splitlines()


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("│")]


def test_unpool_shows_where_each_value_went(seed_b):
    operation = apply_nn(seed_b[None, None], NNRequest("unpool", indices="I.npy", kernel_size="2"),
                         {"indices": SEED_INDICES[None, None]})
    lines = explain(operation, limit=4)
    assert lines[:5] == [
        "mode unpool (max-unpooling with indices); shape (1, 1, 4, 4) → (1, 1, 8, 8)",
        "  F.max_unpool2d(x, indices, kernel_size=2, stride=None, padding=0, output_size=(8, 8))",
        "  axis y: 4 → 8  ((n − 1)·stride − 2·padding + kernel = (4 − 1)·2 − 2·0 + 2 = 8)",
        "  axis x: 4 → 8  ((n − 1)·stride − 2·padding + kernel = (4 − 1)·2 − 2·0 + 2 = 8)",
        "  each value goes to its flat index in its own (n, c) plane of 8×8; all else is 0",
    ]
    rows = [cells(line) for line in lines if "│" in line]
    assert rows == [
        ["0", "0", "(0, 0)", "9", "9", "(1, 1)", "9"],
        ["0", "0", "(0, 1)", "11", "11", "(1, 3)", "11"],
        ["…"] * 7,
        ["0", "0", "(3, 2)", "61", "61", "(7, 5)", "61"],
        ["0", "0", "(3, 3)", "63", "63", "(7, 7)", "63"],
    ]


def test_unpool_reports_repeated_indices():
    operation = apply_nn(np.array([[[[1.0, 2.0]]]]), NNRequest("unpool", indices="I.npy", kernel_size="2"),
                         {"indices": np.array([[[[0, 0]]]])})
    lines = explain(operation)
    assert "  1 indices repeat (overlapping windows): the later value wins, as in PyTorch" in lines
    assert [cells(line)[-1] for line in lines if "│" in line] == ["2", "2"]


def test_bed_of_nails_says_where(seed_b):
    lines = explain(apply_nn(seed_b[None, None], NNRequest("unpool", scale="2", position="top-right")), limit=2)
    assert lines[2:4] == [
        "  position top-right: each value goes to offset (0, 1) of its 2×2 block; all else is 0",
        "  out y = in y·2 + 0, out x = in x·2 + 1",
    ]
    assert cells([line for line in lines if "│" in line][0]) == ["0", "0", "(0, 0)", "9", "1", "(0, 1)", "9"]


def test_pixel_unshuffle_map():
    lines = explain(apply_nn(np.zeros((1, 1, 4, 6)), NNRequest("pixel-unshuffle", scale="2")))
    assert lines[2] == "  out[n, c·4 + i·2 + j, h, w] = in[n, c, h·2 + i, w·2 + j]"
    assert [cells(line) for line in lines if "│" in line] == [
        ["0", "(0, 0)"], ["1", "(0, 1)"], ["2", "(1, 0)"], ["3", "(1, 1)"],
    ]


def test_bilinear_deconv_shows_the_darker_border(seed_b):
    lines = explain(apply_nn(seed_b[None, None], NNRequest("deconv", kernel="bilinear", scale="2")))
    text = "\n".join(lines)
    assert "  axis y: taps 0.25, 0.75, 0.75, 0.25; gain (output of a constant 1): 0.75, 1, 1, 1, 1, 1, 1, 0.75" in lines
    assert ("    half-pixel bilinear with zero padding: equal to edge-clamped bilinear for 1 ≤ x ≤ 6; "
            "the first and last 1 outputs are darker") in lines
    assert "  output (n 0, c 0, y = 0, x = 0) = 5.0625, from 1 term:" in lines
    assert "  Σ products = 5.0625; Σ weights = 0.5625 (< 1: zero padding darkens this output)" in lines
    assert "  output (n 0, c 0, y = 4, x = 4) = 40.5, from 4 terms:" in lines
    assert "  Σ products = 40.5; Σ weights = 1\n" in text + "\n"
    assert [cells(line) for line in lines if line.startswith(" 1 │")] == [["1", "0.1875", "0.5625", "0.5625", "0.1875"]]


@given(seed=st.integers(0, 2**16), groups=st.integers(1, 2), stride=st.integers(1, 3), dilation=st.integers(1, 2))
def test_contributions_add_up_to_the_output(seed, groups, stride, dilation):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 2 * groups, 3, 2))
    weight = rng.standard_normal((2 * groups, 2, 3, 2))
    bias = rng.standard_normal(2 * groups)
    request = NNRequest("deconv", kernel="w.npy", bias="b.npy", stride=str(stride), padding="1", dilation=str(dilation),
                        groups=groups)
    operation = apply_nn(x, request, {"kernel": weight, "bias": bias})
    for channel in range(operation.result.shape[1]):
        for pixel in np.ndindex(*operation.result.shape[2:]):
            total = sum(term[5] for term in contributions(operation, pixel, channel)) + bias[channel]
            assert total == pytest.approx(operation.result[(0, channel, *pixel)], abs=1e-12)

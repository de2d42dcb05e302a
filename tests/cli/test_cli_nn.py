"""The neural-network modes on the command line: files, messages, exit statuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from upscale_cli import nn
from upscale_cli.core.errors import ExitStatus


@pytest.fixture
def seed_files(tmp_path, seed_b) -> tuple[Path, Path]:
    """B.npy (float32, 1×1×4×4) and its pool indices I.npy."""
    a = np.arange(64, dtype=np.float32).reshape(1, 1, 8, 8)
    values, indices = nn.max_pool_with_indices(a, 2)
    np.save(tmp_path / "B.npy", values)
    np.save(tmp_path / "I.npy", indices)
    return tmp_path / "B.npy", tmp_path / "I.npy"


def test_unpool_with_indices_reproduces_the_seed(run, seed_files, seed_b, tmp_path):
    result = run("B.npy", "--mode", "unpool", "--indices", "I.npy", "--kernel-size", "2", "-o", "U.npy")
    assert result.exit_code == 0, result.output
    assert result.stderr == "B.npy → U.npy (unpool: (1, 1, 4, 4) → (1, 1, 8, 8))\n"
    unpooled = np.load(tmp_path / "U.npy")
    assert unpooled.dtype == np.float32
    expected = np.zeros((8, 8))
    expected[1::2, 1::2] = seed_b
    np.testing.assert_array_equal(unpooled[0, 0], expected)


def test_unpool_output_size_is_x_first(run, seed_files, tmp_path):
    result = run("B.npy", "--mode", "unpool", "--indices", "I.npy", "--kernel-size", "2", "--size", "9x8", "-o", "U.npy")
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "U.npy").shape == (1, 1, 8, 9)


def test_bed_of_nails_default_name_and_position(run, seed_files, tmp_path):
    result = run("B.npy", "--mode", "unpool", "--scale", "2", "--unpool-position", "bottom-right")
    assert result.exit_code == 0, result.output
    unpooled = np.load(tmp_path / "B@unpool-8x8.npy")
    np.testing.assert_array_equal(unpooled[0, 0, 1::2, 1::2], np.load(tmp_path / "B.npy")[0, 0])
    assert np.count_nonzero(unpooled) == 16


def test_pixel_shuffle_then_unshuffle_gives_the_input_back(run, tmp_path):
    x = np.arange(2 * 8 * 3 * 2, dtype=np.int16).reshape(2, 8, 3, 2)
    np.save(tmp_path / "x.npy", x)
    assert run("x.npy", "--mode", "pixel-shuffle", "--scale", "2", "-o", "s.npy").exit_code == 0
    assert np.load(tmp_path / "s.npy").shape == (2, 2, 6, 4)
    assert run("s.npy", "--mode", "pixel-unshuffle", "--scale", "2", "-o", "u.npy").exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "u.npy"), x)


def test_deconv_with_kernel_and_bias_files_equals_the_library(run, tmp_path):
    rng = np.random.default_rng(3)
    x, weight, bias = rng.random((1, 4, 3, 5)), rng.random((4, 3, 3, 2)), rng.random(6)
    for name, array in (("x", x), ("w", weight), ("b", bias)):
        np.save(tmp_path / f"{name}.npy", array)
    result = run("x.npy", "--mode", "deconv", "--kernel", "w.npy", "--bias", "b.npy", "--stride", "2,1",
                 "--padding", "1", "--output-padding", "1,0", "--dilation", "1,2", "--groups", "2", "-o", "d.npy")
    assert result.exit_code == 0, result.output
    expected = nn.conv_transpose(x, weight, bias, (2, 1), 1, (1, 0), (1, 2), 2)
    np.testing.assert_array_equal(np.load(tmp_path / "d.npy"), expected)


def test_bilinear_deconv_of_an_image(run, tmp_path):
    pixels = np.random.default_rng(5).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "photo.png")
    result = run("photo.png", "--mode", "deconv", "--kernel", "bilinear", "--scale", "2")
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "photo@deconv-12x8.png") as image:
        assert image.mode == "RGB"
        got = np.asarray(image)
    exact = nn.bilinear_deconv(np.moveaxis(pixels, -1, 0)[None], 2)[0]
    np.testing.assert_array_equal(got, np.floor(np.moveaxis(exact, 0, -1) + 0.5).astype(np.uint8))


def test_bilinear_deconv_takes_the_stride_as_its_factor(run, tmp_path):
    x = np.random.default_rng(6).uniform(-1, 2, (1, 2, 3, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    for name, args in [("scale", ["--scale", "2x3"]), ("stride", ["--stride", "3,2"]),
                       ("both", ["--stride", "3,2", "--scale", "2x3"])]:
        result = run("x.npy", "--mode", "deconv", "--kernel", "bilinear", *args, "-o", f"{name}.npy")
        assert result.exit_code == 0, result.output
    expected = nn.bilinear_deconv(x, (3, 2))
    assert expected.shape == (1, 2, 9, 8)
    for name in ("scale", "stride", "both"):
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.npy"), expected)


@pytest.mark.parametrize(
    "args, message",
    [
        (["B.npy", "--mode", "bicubic", "--scale", "2", "--kernel", "bilinear"],
         "upscale: --kernel applies only to the neural-network modes (unpool, pixel-shuffle, pixel-unshuffle, deconv)"),
        (["B.npy", "--mode", "deconv", "--kernel", "bilinear", "--scale", "2", "--align", "asymmetric"],
         "upscale: --align does not apply to --mode deconv"),
        (["B.npy", "--mode", "deconv", "--scale", "2"],
         "upscale: --mode deconv needs --kernel bilinear or --kernel FILE.npy"),
        (["B.npy", "--mode", "deconv", "--kernel", "bilinear", "--stride", "2", "--scale", "3"],
         "upscale: B.npy: --stride 2 and --scale 3 disagree: the stride of the bilinear kernel is its factor "
         "(2 against 3 in PyTorch order)"),
        (["B.npy", "--mode", "deconv", "--kernel", "bilinear"],
         "upscale: --mode deconv --kernel bilinear needs --scale or --stride (the factor)"),
        (["B.npy", "--mode", "deconv", "--kernel", "I.npy", "--scale", "2"],
         "upscale: --scale does not apply to --mode deconv with a kernel file; the factor of a kernel file is --stride"),
        (["B.npy", "--mode", "unpool", "--indices", "I.npy"],
         "upscale: --mode unpool with --indices needs --kernel-size"),
        (["B.npy", "--mode", "unpool", "--indices", "I.npy", "--kernel-size", "2", "--size", "3x3"],
         "upscale: B.npy: output size (3, 3) is not possible for this unpooling: axis 0 must be between 7 and 9 (default 8)"),
        (["B.npy", "--mode", "pixel-shuffle", "--scale", "2"],
         "upscale: B.npy: pixel shuffle by 2 needs a channel count divisible by 4, got 1"),
        (["B.npy", "--mode", "pixel-shuffle", "--scale", "1.5"],
         "upscale: B.npy: scale '1.5': this mode needs whole-number factors"),
        (["B.npy", "--mode", "unpool", "--indices", "B.npy", "--kernel-size", "2"],
         "upscale: B.npy: indices must be integers, got dtype float32"),
        (["B.npy", "--mode", "unpool", "--scale", "2", "--layout", "nhwc"],
         "upscale: --mode unpool takes the layouts ncl, nchw, ncdhw, hw, chw, hwc, not 'nhwc'"),
    ],
)
def test_usage_errors_are_one_line(run, seed_files, args, message):
    result = run(*args, "-o", "out.npy")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == message + "\n"


def test_index_outside_the_default_plane_names_the_remedy(run, tmp_path):
    x = np.arange(56, dtype=np.float32).reshape(1, 1, 7, 8)
    values, indices = nn.max_pool_with_indices(x, (2, 3), (2, 1), (1, 1))
    np.save(tmp_path / "p.npy", values)
    np.save(tmp_path / "i.npy", indices)
    common = ["p.npy", "--mode", "unpool", "--indices", "i.npy", "--kernel-size", "2,3", "--stride", "2,1", "--padding", "1"]
    result = run(*common, "-o", "u.npy")
    assert result.exit_code == ExitStatus.USAGE
    assert "is outside the output plane of size 6x8" in result.stderr and "give the size of the pooled input" in result.stderr
    assert run(*common, "--size", "8x7", "-o", "u.npy").exit_code == 0
    assert np.load(tmp_path / "u.npy")[0, 0, 6, 7] == 55


def test_missing_indices_file_is_an_input_error(run, seed_files):
    result = run("B.npy", "--mode", "unpool", "--indices", "nothere.npy", "--kernel-size", "2", "-o", "u.npy")
    assert result.exit_code == ExitStatus.SOME_INPUTS_FAILED
    assert result.stderr == "upscale: nothere.npy: no such file\n"


def test_explain_pixel_shuffle_on_stdout(run, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((1, 8, 2, 2), dtype=np.float32))
    result = run("x.npy", "--mode", "pixel-shuffle", "--scale", "2", "-o", "s.npy", "--explain")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "mode pixel-shuffle, factor q = 2; shape (1, 8, 2, 2) → (1, 2, 4, 4)",
        "  F.pixel_shuffle(x, 2)",
        "  out[n, c, h·2 + i, w·2 + j] = in[n, c·4 + i·2 + j, h, w]",
    ]
    rows = [line.split("│") for line in lines if line.startswith(" i = ")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["i = 0", "0", "1"], ["i = 1", "2", "3"], ["i = 0", "4", "5"], ["i = 1", "6", "7"],
    ]


def test_explain_pixel_chooses_the_traced_deconv_output(run, seed_files, tmp_path):
    result = run("B.npy", "--mode", "deconv", "--kernel", "bilinear", "--scale", "2", "-o", "C.npy", "--explain-pixel", "7,0")
    assert result.exit_code == 0, result.output
    traced = [line for line in result.stdout.splitlines() if line.startswith("  output (")]
    assert traced == ["  output (n 0, c 0, y = 0, x = 7) = 8.4375, from 1 term:"]
    assert "  Σ products = 8.4375; Σ weights = 0.5625 (< 1: zero padding darkens this output)" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--mode", "deconv", "--kernel", "bilinear", "--scale", "2", "--explain-pixel", "8,0"],
         "upscale: --explain-pixel 8,0 is outside the 8x8 output"),
        (["--mode", "unpool", "--scale", "2", "--explain-pixel", "1,1"],
         "upscale: --explain-pixel does not apply to --mode unpool (only to deconv among the NN modes)"),
        (["--mode", "unpool", "--scale", "2", "--explain-format", "json"],
         "upscale: --explain-format does not apply to --mode unpool"),
    ],
)
def test_explain_options_of_the_nn_modes(run, seed_files, tmp_path, args, message):
    result = run("B.npy", *args, "-o", "out.npy")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == message + "\n"
    assert not (tmp_path / "out.npy").exists()


def test_the_nn_modes_honour_max_pixels(run, seed_files, tmp_path):
    result = run("B.npy", "--mode", "unpool", "--scale", "2", "-o", "U.npy", "--max-pixels", "15")
    assert (result.exit_code, result.stderr) == (1, "upscale: B.npy: the array has 1.6e-05 megapixels, over the limit of "
                                                    "1.5e-05 (--max-pixels)\n")
    assert not (tmp_path / "U.npy").exists()
    assert run("B.npy", "--mode", "unpool", "--scale", "2", "-o", "U.npy", "--max-pixels", "16").exit_code == 0


def test_an_operator_beyond_memory_names_its_file(run, tmp_path, monkeypatch):
    # --max-pixels bounds an NN mode's input only, so a large factor reaches the allocation.
    import upscale_cli.batch.nn_convert as nn_convert

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(nn_convert, "apply_nn", no_memory)
    np.save(tmp_path / "x.npy", np.ones((3, 4), dtype=np.float32))
    result = run("x.npy", "-o", "y.npy", "--mode", "unpool", "--scale", "2")
    assert (result.exit_code, result.stderr) == (1, "upscale: x.npy: out of memory\n")
    assert not (tmp_path / "y.npy").exists()

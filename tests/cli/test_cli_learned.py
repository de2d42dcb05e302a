"""``--mode espcn`` and ``--mode fsrcnn`` on the command line: files, folders, messages, exit statuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from upscale_cli.core.errors import ExitStatus
from upscale_cli.nn.learned import learned_samples
from upscale_cli.nn.models import load_model

SAMPLES = Path(__file__).resolve().parents[2] / "sample_images"


@pytest.fixture
def samples(tmp_path) -> Path:
    for name in ("gradient.png", "sticker.png", "depth16.png", "lineart.png"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    return tmp_path


def expected(name: str, family: str, scale: int) -> np.ndarray:
    return learned_samples(np.asarray(Image.open(SAMPLES / name)), load_model(family, scale))


@pytest.mark.parametrize("family", ["espcn", "fsrcnn"])
def test_one_photo_written_beside_it(run, samples, family):
    result = run("gradient.png", "--scale", "3", "--mode", family)
    assert result.exit_code == 0, result.output
    assert result.stderr == "gradient.png → gradient@3x.png (96→288 × 64→192)\n"
    with Image.open(samples / "gradient@3x.png") as image:
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), expected("gradient.png", family, 3))


def test_alpha_and_sixteen_bit_keep_their_modes(run, samples):
    assert run("sticker.png", "depth16.png", "--scale", "2", "--mode", "fsrcnn", "-o", "out/").exit_code == 0
    with Image.open(samples / "out" / "sticker.png") as image:
        assert image.mode == "RGBA"
        np.testing.assert_array_equal(np.asarray(image), expected("sticker.png", "fsrcnn", 2))
    with Image.open(samples / "out" / "depth16.png") as image:
        assert image.mode in ("I;16", "I")
        np.testing.assert_array_equal(np.asarray(image), expected("depth16.png", "fsrcnn", 2))


def test_a_folder_with_jobs(run, samples):
    result = run(".", "--scale", "4", "--mode", "espcn", "-o", "big/", "-j", "2")
    assert result.exit_code == 0, result.output
    for name in ("gradient.png", "sticker.png", "depth16.png", "lineart.png"):
        with Image.open(samples / "big" / name) as image:
            np.testing.assert_array_equal(np.asarray(image), expected(name, "espcn", 4))


@pytest.mark.parametrize("arguments, message", [
    (["--scale", "2.5"], "--mode espcn is trained for --scale 2, 3, 4 (the same on both axes), not 2.5"),
    (["--scale", "5"], "--mode espcn is trained for --scale 2, 3, 4 (the same on both axes), not 5"),
    (["--scale", "2x3"], "--mode espcn is trained for --scale 2, 3, 4 (the same on both axes), not 2x3"),
    (["--size", "192x128"], "--mode espcn enlarges by a trained factor: give --scale 2, 3, 4, not a size"),
    (["--width", "192"], "--mode espcn enlarges by a trained factor: give --scale 2, 3, 4, not a size"),
    (["--scale", "2", "--align", "asymmetric"],
     "--align does not apply to --mode espcn (a trained network, not a resampling filter)"),
    (["--scale", "2", "--compat", "torch"],
     "--compat does not apply to --mode espcn (a trained network, not a resampling filter)"),
    (["--scale", "2", "--linear"], "--linear does not apply to --mode espcn: the network was trained on encoded values"),
    (["--scale", "2", "--kernel", "bilinear"],
     "--kernel applies only to the neural-network modes (unpool, pixel-shuffle, pixel-unshuffle, deconv)"),
])
def test_usage_errors(run, samples, arguments, message):
    result = run("gradient.png", "--mode", "espcn", *arguments)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == f"upscale: {message}\n"
    assert sorted(p.name for p in samples.iterdir()) == ["depth16.png", "gradient.png", "lineart.png", "sticker.png"]


def test_arrays_are_refused_in_one_line(run, tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((4, 4), np.uint8))
    result = run("a.npy", "--mode", "fsrcnn", "--scale", "2")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.splitlines()[0] == "upscale: a.npy: --mode fsrcnn enlarges images, not .npy arrays"
    assert not (tmp_path / "a@2x.npy").exists()


def test_help_names_the_modes_and_their_scales(run):
    text = " ".join(run("--help").output.split())
    assert "a trained upscaler (espcn, fsrcnn: --scale 2, 3, 4, images)" in text


def test_explain_prints_the_network_and_the_shuffle_mapping(run, samples):
    result = run("gradient.png", "--scale", "3", "--mode", "espcn", "--explain", "--explain-pixel", "10,7")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    model = load_model("espcn", 3)
    assert f"{model.parameter_count} parameters; receptive field: the outputs of one LR pixel depend on the 9×9 LR " \
           "pixels around it at most (4 on each side, the halo every tile reads)" in lines
    assert "pixel shuffle: out[y, x] = channel (y mod 3)·3 + (x mod 3) at (y div 3, x div 3)" in lines
    assert "pixel x=10, y=7: LR pixel x=3, y=2; the LR luminance (×M) it depends on:" in lines
    written = expected("gradient.png", "espcn", 3)[7, 10]
    shuffle = next(line for line in lines if line.startswith("pixel shuffle: channel (7 mod 3)·3 + (10 mod 3) = 4 "))
    assert shuffle.startswith("pixel shuffle: channel (7 mod 3)·3 + (10 mod 3) = 4 of the last convolution at LR (3, 2)")
    rows = [line.split() for line in lines if line.split()[:1] in (["R"], ["G"], ["B"])]
    assert [int(row[-1]) for row in rows] == list(written)
    assert (samples / "gradient@3x.png").exists()


def test_explain_pixel_of_a_transposed_convolution_lists_its_taps(run, samples):
    result = run("lineart.png", "--scale", "2", "--mode", "fsrcnn", "--explain-pixel", "5,6", "-o", "x.png")
    assert result.exit_code == 0, result.output
    assert "transposed convolution: the inputs and kernel taps that reach it" in result.output
    taps = [[cell.strip() for cell in line.split("│")] for line in result.output.splitlines()
            if line.strip().startswith("(") and "│" in line]
    # y = 6 (even): LR rows 5, 4, 3, 2, 1 by kernel rows 0, 2, 4, 6, 8; x = 5 (odd): LR columns 4, 3, 2, 1 by 1, 3, 5, 7
    assert len(taps) == 20
    assert ["(2, 3)", "(5, 4)"] in [row[:2] for row in taps]
    assert ["(4, 5)", "(1, 0)"] in [row[:2] for row in taps]
    written = expected("lineart.png", "fsrcnn", 2)[6, 5]
    assert result.output.splitlines()[-1].split()[-1] == str(written)


def test_explain_pixel_outside_the_output_writes_nothing(run, samples):
    result = run("gradient.png", "--scale", "2", "--mode", "espcn", "--explain-pixel", "192,0")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == "upscale: --explain-pixel 192,0 is outside the 192x128 output\n"
    assert not (samples / "gradient@2x.png").exists()


def test_compare_sheet_with_learned_modes(run, samples):
    result = run("compare", "gradient.png", "-o", "sheet.png", "--scale", "3", "--modes", "bicubic,espcn,fsrcnn",
                 "--crop", "0,0,20,20")
    assert result.exit_code == 0, result.output
    with Image.open(samples / "sheet.png") as sheet:
        assert sheet.width > 3 * 60
    refused = run("compare", "gradient.png", "-o", "s.png", "--scale", "2.5", "--modes", "espcn")
    assert refused.exit_code == ExitStatus.USAGE
    assert refused.stderr == "upscale: --mode espcn is trained for --scale 2, 3, 4 (the same on both axes), not 2.5\n"


def test_standard_input_to_standard_output(run, samples):
    data = (samples / "lineart.png").read_bytes()
    result = run("-", "--scale", "2", "--mode", "espcn", "-o", "-", stdin=data)
    assert result.exit_code == 0
    import io

    with Image.open(io.BytesIO(result.stdout_bytes)) as image:
        np.testing.assert_array_equal(np.asarray(image), expected("lineart.png", "espcn", 2))

"""The libraries' integer arithmetic and the CLI surface of the presets."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from PIL import Image

from upscale_cli import plan_for, resize, resize_image
from upscale_cli.cli.main import main
from upscale_cli.compat.arithmetic import apply_library_arithmetic, pillow_fixed_weights


def test_pillow_weights_round_half_away_from_zero_on_22_bits():
    weights = np.array([0.5, -0.3, 1.0, 1 / 3, -1e-9])
    assert pillow_fixed_weights(weights).tolist() == [2097152, -1258291, 4194304, 1398101, 0]


def test_pillow_rgba_is_resized_premultiplied():
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 0]]], np.uint8)
    out = np.asarray(resize_image(Image.fromarray(rgba), size=(4, 1), mode="bilinear", compat="pillow"))
    # the transparent green never bleeds into the colour: pure red where alpha > 0
    assert out[0, :, 0].tolist() == [255, 255, 255, 0] and out[0, :, 1].tolist() == [0, 0, 0, 0]
    assert out[0, :, 3].tolist() == [255, 191, 64, 0]


def test_other_presets_treat_alpha_as_a_channel():
    rgba = np.array([[[255, 0, 0, 255], [0, 255, 0, 0]]], np.uint8)
    out = np.asarray(resize_image(Image.fromarray(rgba), size=(4, 1), mode="bilinear", compat="opencv"))
    assert out[0, 1, :].tolist() == [191, 64, 0, 191]


def test_an_image_resized_to_its_own_size_is_copied():
    x = np.random.default_rng(2).integers(0, 256, (3, 4), dtype=np.uint8)
    for compat in ("torch", "opencv", "pillow", "onnx", "onnxruntime"):
        mode = "linear" if compat.startswith("onnx") else "bilinear"
        out = resize(x, size=(4, 3), mode=mode, compat=compat)
        np.testing.assert_array_equal(out, x)
        assert out is not x


def test_opencv_uint8_cubic_uses_11_bit_weights():
    x = np.array([[217, 163, 130], [69, 78, 10]], np.uint8)
    out = resize(x, size=(5, 3), mode="bicubic", compat="opencv")
    # cv2.resize(x, (5, 3), interpolation=cv2.INTER_CUBIC); exact weights would give 236 and 138 in row 0
    assert out.tolist() == [[235, 209, 170, 148, 137], [145, 138, 121, 88, 65], [55, 67, 71, 28, 0]]


def test_fill_marks_all_zero_rows():
    plan = plan_for((1, 1, 1, 4), size=(5, 1), mode="nearest", align="tf-crop-and-resize",
                    roi=(-1 / 3, 0, 2 / 3, 1), extrapolation_value=9, compat="onnx")
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4)
    assert plan.fill == 9
    assert apply_library_arithmetic(x, plan).ravel().tolist() == [9, 9, 0, 1, 2]


def test_cli_compat_torch(tmp_path):
    source = tmp_path / "x.npy"
    np.save(source, np.arange(31, dtype=np.float32).reshape(1, 1, 31))
    runner = CliRunner()
    result = runner.invoke(main, [str(source), "-o", str(tmp_path / "y.npy"), "--layout", "ncl", "--scale", "1.3",
                                  "--mode", "nearest", "--compat", "torch", "--explain"])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "y.npy")[0, 0, 39] == 30
    assert "r = 0.769230783" in result.output
    assert "torch scale_factor 1.3: n_out = floor(31 × 1.3) = 40, r = 1/1.3 in float32" in " ".join(result.output.split())


def test_cli_library_knobs(tmp_path):
    source = tmp_path / "x.npy"
    np.save(source, np.arange(4, dtype=np.float32).reshape(1, 1, 1, 4))
    runner = CliRunner()
    args = [str(source), "-o", str(tmp_path / "y.npy"), "--size", "5x1", "--mode", "linear", "--compat", "onnx",
            "--align", "tf-crop-and-resize", "--roi", "-0.3333333,0,0.6666667,1", "--extrapolation-value", "-7"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(tmp_path / "y.npy").ravel(), [-7, -7, 0.5, 1.25, 2], atol=1e-5)
    bad = runner.invoke(main, [str(source), "--size", "5x1", "--roi", "a,b"])
    assert bad.exit_code == 2 and "expected numbers separated by commas" in bad.output

"""The single-file command line: exact outputs, files and exit statuses."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from upscale_cli import resize
from upscale_cli.core.errors import ExitStatus

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def photo(tmp_path) -> Path:
    rng = np.random.default_rng(7)
    path = tmp_path / "photo.png"
    Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture
def seed_npy(tmp_path, seed_3x3) -> Path:
    path = tmp_path / "m.npy"
    np.save(path, seed_3x3)
    return path


def test_seed_floor_example(run, seed_npy, tmp_path):
    result = run(seed_npy, "-o", "out.npy", "--size", "4x4", "--mode", "nearest", "--align", "asymmetric", "--rounding", "floor")
    assert result.exit_code == 0, result.output
    expected = [[234, 234, 38, 22], [234, 234, 38, 22], [67, 67, 44, 12], [89, 89, 65, 63]]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
    assert result.stderr == f"{seed_npy} → out.npy (3→4 × 3→4)\n"


def test_default_output_name_for_a_scale(run, photo, tmp_path):
    result = run(photo, "--scale", "2", "--mode", "bilinear")
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "photo@2x.png") as image:
        assert image.size == (16, 12)
        expected = Image.open(photo)
        np.testing.assert_array_equal(np.asarray(image), np.asarray(__import__("upscale_cli").resize_image(expected, scale=2, mode="bilinear")))


@pytest.mark.parametrize(
    "args, name, size",
    [
        (["--scale", "150%"], "photo@1.5x.png", (12, 9)),
        (["--scale", "1.5x2"], "photo@12x12.png", (12, 12)),
        (["--size", "20x10"], "photo@20x10.png", (20, 10)),
        (["--width", "4"], "photo@4x3.png", (4, 3)),
        (["--height", "3"], "photo@4x3.png", (4, 3)),
        (["--width", "4", "--height", "4", "--fit", "contain"], "photo@4x3.png", (4, 3)),
        (["--size", "16x", "--format", "bmp"], "photo@16x12.bmp", (16, 12)),
    ],
)
def test_output_names_and_sizes(run, photo, tmp_path, args, name, size):
    result = run(photo, *args)
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / name) as image:
        assert image.size == size


def test_explicit_output_and_lanczos(run, photo, tmp_path):
    result = run(photo, "-o", "big.png", "--size", "10x7", "--mode", "lanczos")
    assert result.exit_code == 0
    assert Image.open(tmp_path / "big.png").size == (10, 7)


def test_image_to_npy_and_back(run, photo, tmp_path):
    assert run(photo, "-o", "a.npy", "--scale", "1").exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.asarray(Image.open(photo)))
    assert run("a.npy", "-o", "b.png", "--scale", "1").exit_code == 0
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "b.png")), np.asarray(Image.open(photo)))


def test_npy_layout_option(run, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((1, 2, 3, 4), np.float32))
    result = run("x.npy", "-o", "y.npy", "--scale", "2", "--layout", "nhwc", "--mode", "bicubic", "--cubic-a", "-0.75")
    assert result.exit_code == 0
    assert np.load(tmp_path / "y.npy").shape == (1, 4, 6, 4)


@pytest.mark.parametrize("dtype, compat", [
    (">f4", "pillow"), (">u2", None), (">i4", "opencv"), (np.dtype(np.longdouble).newbyteorder(">").str, None),
])
def test_big_endian_npy_is_resized_as_numbers(run, tmp_path, dtype, compat):
    """Samples are read as numbers, not bytes: the output holds the values a native array gives, in the input's
    byte order."""
    x = np.random.default_rng(3).integers(0, 5000, (40, 60)).astype(dtype)
    np.save(tmp_path / "big.npy", x)
    options = ["--compat", compat] if compat else []
    result = run("big.npy", "-o", "out.npy", "--size", "97x23", "--mode", "bicubic", *options)
    assert result.exit_code == 0, result.stderr
    native = x.astype(x.dtype.newbyteorder("="))
    out = np.load(tmp_path / "out.npy")
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, resize(native, size=(97, 23), mode="bicubic", compat=compat))


def test_big_endian_16_bit_tiff_is_resized_as_numbers(run, tmp_path):
    x = np.random.default_rng(4).integers(0, 65536, (20, 30)).astype(">u2")
    Image.frombytes("I;16B", (30, 20), x.tobytes()).save(tmp_path / "big.tif")
    assert run("big.tif", "-o", "out.png", "--size", "45x30", "--mode", "bilinear").exit_code == 0
    expected = resize(x.astype("<u2"), size=(45, 30), mode="bilinear")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), expected)


def test_an_empty_array_fails_its_file(run, tmp_path):
    np.save(tmp_path / "empty.npy", np.zeros((0, 5), np.float32))
    result = run("empty.npy", "-o", "out.npy", "--scale", "2")
    assert result.exit_code == ExitStatus.SOME_INPUTS_FAILED
    assert result.stderr == "upscale: empty.npy: cannot resize an array of shape (0, 5): it has no samples to interpolate from\n"
    assert not (tmp_path / "out.npy").exists()


def test_stdin_to_stdout(run, photo):
    result = run("-", "--scale", "2", "-o", "-", "--format", "png", "--mode", "nearest", stdin=photo.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"\x89PNG")


def test_never_overwrites_without_permission(run, photo, tmp_path):
    target = tmp_path / "photo@2x.png"
    target.write_bytes(b"precious")
    result = run(photo, "--scale", "2")
    assert result.exit_code == ExitStatus.SOME_INPUTS_FAILED
    assert result.stderr == f"upscale: {target}: already exists (use --overwrite to replace it or --skip-existing to keep it)\n"
    assert target.read_bytes() == b"precious"
    assert run(photo, "--scale", "2", "--overwrite").exit_code == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_write_leaves_no_file(run, photo, tmp_path):
    result = run(photo, "-o", "out.jpg", "--scale", "2", "--format", "jpeg", "--layout", "hw")
    assert result.exit_code == 0  # layout is ignored for images: they are always hw(c)
    np.save(tmp_path / "f.npy", np.zeros((2, 2), np.float64))
    result = run("f.npy", "-o", "f.jpg", "--scale", "2")
    assert result.exit_code == ExitStatus.SOME_INPUTS_FAILED
    assert result.stderr.startswith("upscale: f.jpg: cannot write:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.npy", "out.jpg", "photo.png"]


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["missing.png", "--scale", "2"], 1, "upscale: missing.png: no such file"),
        (["photo.png", "--size", "0x5"], 2, "upscale: bad size '0x5': lengths must be at least 1"),
        (["photo.png", "--size", "abc"], 2, "upscale: bad size 'abc': expected WxH, Wx, xH or N (whole numbers)"),
        (["photo.png", "--scale", "-1"], 2, "upscale: bad scale '-1': must be positive"),
        (["photo.png", "--scale", "2", "--size", "3x3"], 2, "upscale: give only one of --scale, --size"),
        (["photo.png"], 2, "upscale: give exactly one of --scale, --size, --width/--height"),
        (["photo.png", "--scale", "2", "--mode", "foo"], 2, "upscale: Invalid value for '--mode': 'foo' is not one of"),
        (["photo.png", "--size", "4x4x4"], 2, "upscale: photo.png: size '4x4x4' has 3 lengths but the input has 2 spatial axes"),
        (["photo.png", "-o", "x.unknown", "--scale", "2"], 2, "upscale: x.unknown: unknown output format '.unknown'; give --format"),
        (["photo.png", "-o", "x.psd", "--scale", "2"], 2, "upscale: x.psd: unknown output format '.psd'; give --format"),
        (["photo.png", "--scale", "2", "--format", "foo"], 2, "upscale: unknown --format 'foo'; e.g. png, jpeg, webp, tiff, gif, bmp, npy"),
        (["corrupt.png", "--scale", "2"], 1, "upscale: corrupt.png: not an image or .npy array Pillow can read"),
        (["truncated.png", "--scale", "2"], 1, "upscale: truncated.png: corrupt or truncated image:"),
        (["empty.png", "--scale", "2"], 1, "upscale: empty.png: empty file"),
        (["folder", "--scale", "2"], 1, "upscale: folder: no image files in this folder (use -r for sub-folders)"),
        (["photo.png", "--scale", "0.01"], 2, "upscale: photo.png: scale 0.01 leaves no pixels on an axis of 8"),
        (["photo.png", "--scale", "2", "--mode", "nearest-exact", "--align", "asymmetric"], 2, "upscale: nearest-exact is half-pixel"),
    ],
)
def test_errors_are_one_line(run, photo, tmp_path, args, status, message):
    (tmp_path / "corrupt.png").write_bytes(b"this is not a png")
    (tmp_path / "truncated.png").write_bytes(photo.read_bytes()[:60])
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(*args)
    assert result.exit_code == status
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_resize_is_the_default_command(run, photo, tmp_path):
    assert run("resize", photo, "--scale", "2").exit_code == 0
    assert (tmp_path / "photo@2x.png").exists()


def test_explain_prints_the_mapping_of_every_axis(run, seed_npy):
    result = run(seed_npy, "-o", "out.npy", "--size", "4x4", "--mode", "nearest", "--align", "asymmetric", "--explain")
    assert result.exit_code == 0
    assert "srcX = dstX × 0.75" in result.stdout and "srcY = dstY × 0.75" in result.stdout
    rows = re.findall(r"^\s+(\d) │\s+(\S+) │ (\S+ → round → \d)", result.stdout, flags=re.M)
    assert rows[:4] == [("0", "0", "0 → round → 0"), ("1", "0.75", "0.75 → round → 1"),
                        ("2", "1.5", "1.5 → round → 2"), ("3", "2.25", "2.25 → round → 2")]


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("upscale, version ")


def test_every_option_in_help_is_in_the_reference(run):
    reference = "".join(page.read_text(encoding="utf-8") for page in DOCS.glob("*.md"))
    options = set(re.findall(r"(--[a-z][a-z-]+)", run("--help").stdout))
    missing = sorted(o for o in options if o not in reference)
    assert missing == []


def test_a_refused_file_beside_converted_ones_is_a_failure_not_a_usage_error(run, tmp_path):
    # Status 2 promises nothing was written; here good.npy was.
    np.save(tmp_path / "flags.npy", np.ones((4, 4), dtype=bool))
    np.save(tmp_path / "good.npy", np.ones((4, 4), dtype=np.float32))
    result = run("flags.npy", "good.npy", "--scale", "2", "-o", "out/", "-j", "1")
    assert result.exit_code == 1
    assert "upscale: flags.npy: cannot resize an array of dtype bool" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.npy"]
    assert run("flags.npy", "--scale", "2", "-o", "one.npy").exit_code == 2


@pytest.mark.parametrize("folder", ["out/", "new/"])
def test_standard_input_into_a_folder_is_a_usage_error(run, photo, tmp_path, folder):
    # It has no name to give its output there; the folder itself was taken for the file.
    (tmp_path / "out").mkdir()
    result = run("-", "--scale", "2", "-o", folder, "--overwrite", stdin=photo.read_bytes())
    assert result.exit_code == 2
    assert result.stderr == (f"upscale: <stdin>: standard input has no file name to write into the folder {folder}; "
                             "give -o FILE, or -o - for standard output\n")
    assert list((tmp_path / "out").iterdir()) == [] and not (tmp_path / "new").exists()


@pytest.mark.parametrize("command, output, example", [
    ("compare", "out/", "out/sheet.png"), ("compare", "out", "out/sheet.png"), ("compare", "new/", "new/sheet.png"),
    ("grid", "out/", "out/grid.png"), ("grid", "out", "out/grid.png"),
])
def test_a_picture_command_given_a_folder_asks_for_a_file_name(run, photo, tmp_path, command, output, example):
    (tmp_path / "out").mkdir()
    result = run(command, photo, "-o", output)
    assert (result.exit_code, result.stderr) == (
        ExitStatus.USAGE, f"upscale: -o {output}: names a folder, but {command} writes one picture; give a file name, e.g. -o {example}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "photo.png"] and not any((tmp_path / "out").iterdir())


def test_integer_bicubic_with_onnxruntime_is_a_usage_error_in_one_line(run, tmp_path):
    np.save(tmp_path / "u8.npy", np.zeros((1, 1, 4, 4), dtype=np.uint8))
    result = run("u8.npy", "--size", "3x5", "--mode", "bicubic", "--compat", "onnxruntime", "-o", "out.npy")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "onnxruntime 1.32 fails on it" in result.stderr
    assert not (tmp_path / "out.npy").exists()


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1001", "nan"])
def test_a_cubic_coefficient_whose_weights_overflow_is_a_usage_error(run, make_image, value):
    # 1e308 gave an all-black PNG or an all-NaN .npy with exit 0
    make_image("a.png")
    result = run("a.png", "--scale", "2", "--cubic-a", value, "-o", "out.png")
    assert result.exit_code == 2
    assert result.stderr == f"upscale: bad cubic coefficient {float(value)!r}: it must lie between -1000 and 1000\n"
    assert not Path("out.png").exists()

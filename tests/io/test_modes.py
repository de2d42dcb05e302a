"""Every image mode written in every format: the samples read back, or a refusal."""

from __future__ import annotations

import io
import os
import struct
from fractions import Fraction
from math import floor

import numpy as np
import pytest
from PIL import Image, ImageCms

from upscale_cli.batch.convert import ImageOptions, ResizeRequest, convert_file
from upscale_cli.core.errors import InputError
from upscale_cli.io.modes import eight_bit, flatten

#: Each input pixel becomes a 16×16 block: one JPEG/WebP macroblock, so lossy formats keep it within a step or two.
BLOCK = 16
REFUSED = "refused"
#: (input mode, format) → the mode read back (Pillow reads a GIF as a palette, a bilevel one as L). Columns:
#: PNG, JPEG, WebP, GIF, TIFF, BMP, PPM (PBM/PGM/PPM: Pillow reads a 16-bit PGM as I; F is its PFM float map).
TABLE = {
    "L":    ["L", "L", "RGB", "P", "L", "L", "L"],
    "LA":   ["LA", "L", "RGBA", "P", "LA", "L", "L"],
    "P":    ["P", "RGB", "RGBA", "P", "RGBA", "RGB", "RGB"],
    "RGB":  ["RGB", "RGB", "RGB", "P", "RGB", "RGB", "RGB"],
    "RGBA": ["RGBA", "RGB", "RGBA", "P", "RGBA", "RGB", "RGB"],
    "CMYK": ["RGB", "CMYK", "RGB", "P", "CMYK", "RGB", "RGB"],
    "YCbCr": ["RGB", "RGB", "RGB", "P", "YCbCr", "RGB", "RGB"],
    "LAB":  ["RGB", "RGB", "RGB", "P", "LAB", "RGB", "RGB"],
    "I;16": ["I;16", "L", "RGB", "P", "I;16", "L", "I"],
    "I":    [REFUSED, REFUSED, REFUSED, REFUSED, "I", REFUSED, REFUSED],
    "F":    [REFUSED, REFUSED, REFUSED, REFUSED, "F", REFUSED, "F"],
    "1":    ["1", "L", "RGB", "L", "1", "1", "1"],
}
FORMATS = ["png", "jpeg", "webp", "gif", "tiff", "bmp", "ppm"]
LOSSY = {"jpeg": 2, "webp": 3}  # largest difference allowed, per sample
BACKGROUND = (40, 90, 200)
GREY_BACKGROUND = 88  # ITU-R 601-2 luma, as Pillow: 40·0.299 + 90·0.587 + 200·0.114 = 87.59
ALPHA = np.array([[0, 1, 127], [128, 254, 255]])


def _rounded(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def _input(mode: str) -> Image.Image:
    """A 3×2 image of ``mode``: values spread over the range, alpha from 0 to 255."""
    grey = np.array([[0, 37, 128], [129, 200, 255]], np.uint8)
    colour = np.stack([grey, 255 - grey, np.roll(grey, 1)], axis=-1)
    if mode == "I;16":
        return Image.fromarray(np.array([[0, 128, 129], [385, 386, 65535]], np.uint16))
    if mode == "I":
        return Image.fromarray(np.array([[0, 7, 255], [256, 65535, 70000]], np.int32))
    if mode == "F":
        return Image.fromarray(np.array([[0, 0.25, 0.5], [1, 1.5, -1]], np.float32))
    if mode == "1":
        return Image.fromarray(grey > 100)
    if mode == "P":
        image = Image.fromarray(colour).quantize(6)
        image.info["transparency"] = int(np.asarray(image)[0, 1])
        return image
    if mode == "CMYK":
        return Image.fromarray(np.concatenate([colour, grey[..., None] // 2], axis=-1), "CMYK")
    if mode in ("YCbCr", "LAB"):
        return Image.fromarray(colour, mode)
    samples = {"L": grey, "RGB": colour}.get(mode)
    if samples is None:
        samples = np.concatenate([grey[..., None] if mode == "LA" else colour, ALPHA[..., None].astype(np.uint8)], axis=-1)
    return Image.fromarray(samples, mode)


def _expected(image: Image.Image, written: str) -> np.ndarray:
    """What ``image`` holds read back as mode ``written`` (a palette: as RGBA), computed in fractions."""
    mode = image.mode
    if mode == written or (mode, written) == ("I;16", "I"):  # a 16-bit PGM: the same values, read as I
        return np.asarray(image.convert("RGBA") if mode == "P" else image).astype(np.int64)
    if mode == "I;16":
        samples = np.vectorize(lambda v: _rounded(Fraction(int(v) * 255, 65535)))(np.asarray(image))
    elif mode == "1":
        samples = np.asarray(image).astype(np.int64) * 255
    elif mode in ("CMYK", "YCbCr"):
        samples = np.asarray(image.convert("RGB")).astype(np.int64)  # Pillow's formula (CMYK: the input has no profile)
    elif mode == "LAB":  # D50 CIELAB to sRGB, as littlecms converts it
        srgb = ImageCms.createProfile("sRGB")
        samples = np.asarray(ImageCms.profileToProfile(image, ImageCms.createProfile("LAB"), srgb, outputMode="RGB"))
        samples = samples.astype(np.int64)
    elif mode == "LA" and written == "L":
        grey, alpha = np.asarray(image).astype(np.int64).transpose(2, 0, 1)
        return np.vectorize(_over)(grey, alpha, GREY_BACKGROUND)
    else:
        samples = np.asarray(image.convert("RGBA" if mode in ("LA", "RGBA", "P") else mode)).astype(np.int64)
    if samples.ndim == 2 and written != "L":
        samples = np.stack([samples] * 3, axis=-1)
    if samples.shape[-1] == 3 and written in ("RGBA", "P"):
        return np.concatenate([samples, np.full_like(samples[..., :1], 255)], axis=-1)
    if samples.shape[-1:] != (4,) or written == "RGBA":
        return samples
    colour = np.vectorize(_over)(samples[..., :3], samples[..., 3:], np.array(BACKGROUND))
    if written == "RGB":
        return colour
    clear = samples[..., 3:] == 0  # GIF: partial alpha flattened, alpha 0 kept
    return np.concatenate([np.where(clear, 0, colour), np.where(clear, 0, 255)], axis=-1)


def _over(colour, alpha, background) -> int:
    return _rounded(Fraction(int(colour) * int(alpha) + int(background) * (255 - int(alpha)), 255))


def _read_back(path) -> tuple[str, np.ndarray]:
    with Image.open(path) as image:
        return image.mode, np.asarray(image.convert("RGBA") if image.mode == "P" else image).astype(np.int64)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", list(TABLE))
def test_every_mode_in_every_format(tmp_path, mode, fmt):
    written = TABLE[mode][FORMATS.index(fmt)]
    source = _input(mode)
    given = tmp_path / ("in.png" if TABLE[mode][0] == mode else "in.tif")  # a TIFF palette has no transparency
    source.save(given)
    request = ResizeRequest(scale=BLOCK, mode="nearest")
    options = ImageOptions(quality=100, background=BACKGROUND)
    target = tmp_path / f"out.{fmt}"
    if written == REFUSED:
        with pytest.raises(InputError, match=rf"out.{fmt}: cannot write: {fmt.upper()} cannot hold mode {mode} \(32-bit (integer|float) "
                                             r"samples, no fixed range to scale to (8|16) bits\); write .tif or .npy"):
            convert_file(str(given), request, output=str(target), options=options)
        assert not target.exists() and os.listdir(tmp_path) == [given.name]
        return
    convert_file(str(given), request, output=str(target), options=options)
    mode_read, samples = _read_back(target)
    assert mode_read == written
    expected = np.repeat(np.repeat(_expected(source, written), BLOCK, axis=0), BLOCK, axis=1)
    if samples.shape[-1:] == (4,) and expected.shape[-1:] == (4,):  # the colour of a transparent pixel is not kept
        samples[..., :3] *= samples[..., 3:] > 0
        expected[..., :3] *= expected[..., 3:] > 0
    if fmt in LOSSY:  # block centres: libjpeg and libwebp blend the chroma of neighbouring blocks at their edges
        samples, expected = (a[BLOCK // 2::BLOCK, BLOCK // 2::BLOCK] for a in (samples, expected))
    assert samples.shape == expected.shape
    assert np.abs(samples - expected).max() <= LOSSY.get(fmt, 0), (samples, expected)


def test_sixteen_to_eight_bits_is_the_nearest_value_for_all_65536():
    every = np.arange(65536, dtype=np.uint16)
    exact = np.array([_rounded(Fraction(v * 255, 65535)) for v in range(65536)])
    assert np.array_equal(eight_bit(every), exact)
    assert (eight_bit(np.array([128, 129, 385, 386], np.uint16)) == [0, 1, 1, 2]).all()


def test_flattening_is_rounded_half_up_exactly():
    colour, alpha = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    samples = np.stack([colour, alpha], axis=-1).astype(np.uint8)
    for background in (0, 77, 255):
        exact = np.vectorize(_over)(colour, alpha, background)
        assert np.array_equal(flatten(samples, [background])[..., 0], exact)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _cmyk_by_k_profile() -> bytes:
    """An ICC v2 CMYK printer profile whose colour follows K alone: white at K = 0, black at K = 255.

    One lut8 A2B0 tag into Lab (2 grid points a side), a white point and a description: the least
    littlecms needs, so that a profile-converted pixel tells itself from Pillow's formula.
    """
    clut = b"".join(bytes([0 if k else 255, 128, 128]) for _ in range(8) for k in range(2))
    identity = bytes(range(256))
    lut = (b"mft1" + bytes(4) + bytes([4, 3, 2, 0]) + b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
           + identity * 4 + clut + identity * 3)
    d50 = _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    name = b"CMYK by K\0"
    tags = [(b"A2B0", lut), (b"wtpt", b"XYZ " + bytes(4) + d50),
            (b"desc", b"desc" + bytes(4) + struct.pack(">I", len(name)) + name + bytes(78))]
    table, data = b"", b""
    start = 128 + 4 + 12 * len(tags)
    for signature, body in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", start + len(data), len(body))
        data += body
    body = struct.pack(">I", len(tags)) + table + data
    header = (struct.pack(">I", 128 + len(body)) + bytes(4) + struct.pack(">I", 0x02100000) + b"prtrCMYKLab "
              + bytes(12) + b"acsp" + bytes(28) + d50 + bytes(48))
    return header + body


def test_cmyk_goes_through_its_icc_profile_and_the_output_is_tagged_srgb(tmp_path):
    from PIL import ImageCms

    image = Image.new("CMYK", (2, 1))
    image.putpixel((0, 0), (200, 10, 0, 0))  # Pillow's formula: (55, 245, 255); the profile: white
    image.putpixel((1, 0), (0, 0, 0, 255))
    image.save(tmp_path / "in.jpg", quality=100, icc_profile=_cmyk_by_k_profile())
    conversion = convert_file(str(tmp_path / "in.jpg"), ResizeRequest(scale=1, mode="nearest"), output=str(tmp_path / "out.png"))
    assert conversion.notes == [f"{tmp_path / 'out.png'}: CMYK converted to RGB through its ICC profile for PNG"]
    with Image.open(tmp_path / "out.png") as written:
        assert written.mode == "RGB"
        assert np.asarray(written).tolist() == [[[255, 255, 255], [0, 0, 0]]]
        profile = ImageCms.ImageCmsProfile(io.BytesIO(written.info["icc_profile"]))
        assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_cmyk_without_a_profile_uses_pillows_formula_and_says_so(run, tmp_path):
    Image.new("CMYK", (2, 2), (200, 10, 0, 0)).save(tmp_path / "in.tif")
    result = run("in.tif", "--scale", "1", "--mode", "nearest", "-o", "out.png")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "in.tif → out.png (2→2 × 2→2)",
        "upscale: out.png: CMYK converted to RGB with Pillow's formula (no usable ICC profile) for PNG",
    ]
    with Image.open(tmp_path / "out.png") as written:
        assert written.getpixel((0, 0)) == (55, 245, 255) and "icc_profile" not in written.info


def test_cielab_becomes_srgb_tagged_as_such_and_says_so(run, tmp_path):
    Image.new("LAB", (2, 2), (100, 128, 128)).save(tmp_path / "in.tif")  # L* 39 %, neutral: a mid grey
    result = run("in.tif", "--scale", "1", "--mode", "nearest", "-o", "out.png")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[1] == "upscale: out.png: CIELAB converted to sRGB through littlecms for PNG"
    with Image.open(tmp_path / "out.png") as written:
        red, green, blue = np.asarray(written)[0, 0].tolist()
        assert red == green == blue and 90 <= red <= 100  # L* 39.2 is sRGB 94 or so, whatever the rounding
        assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(written.info["icc_profile"])))


def test_alpha_is_flattened_over_the_background_option(run, tmp_path):
    Image.fromarray(np.array([[[255, 0, 0, 0], [255, 0, 0, 128]]], np.uint8), "RGBA").save(tmp_path / "in.png")
    result = run("in.png", "--scale", "16", "--mode", "nearest", "-o", "out.bmp", "--background", "#0000ff")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[1:] == ["upscale: out.bmp: alpha flattened over the background #0000ff for BMP"]
    with Image.open(tmp_path / "out.bmp") as written:
        assert written.getpixel((0, 0)) == (0, 0, 255) and written.getpixel((16, 0)) == (128, 0, 127)
    result = run("in.png", "--scale", "2", "-o", "out.jpg", "--background", "mauvish")
    assert (result.exit_code, result.stderr) == (
        2, "upscale: bad --background 'mauvish': expected a colour such as white, #ffcc00 or rgb(0,0,0)\n")


def test_an_opaque_image_is_converted_without_a_note(run, tmp_path):
    Image.new("RGBA", (2, 2), (1, 2, 3, 255)).save(tmp_path / "in.png")
    result = run("in.png", "--scale", "2", "-o", "out.jpg")
    assert result.stderr.splitlines() == ["in.png → out.jpg (2→4 × 2→4)"]


def test_every_frame_of_an_animation_is_converted(tmp_path):
    frames = [Image.fromarray(np.array([[[9, 9, 9, 0], [200, 100, k, 255]]], np.uint8), "RGBA") for k in (0, 50, 250)]
    frames[0].save(tmp_path / "in.png", save_all=True, append_images=frames[1:], duration=30)
    convert_file(str(tmp_path / "in.png"), ResizeRequest(scale=1, mode="nearest"), output=str(tmp_path / "out.gif"))
    with Image.open(tmp_path / "out.gif") as written:
        seen = []
        for index in range(written.n_frames):
            written.seek(index)
            seen.append(np.asarray(written.convert("RGBA")).tolist())
    assert seen == [[[[0, 0, 0, 0], [200, 100, k, 255]]] for k in (0, 50, 250)]


def test_explain_says_what_the_format_lost_too(run, tmp_path):
    Image.fromarray(np.array([[[255, 0, 0, 100]]], np.uint8), "RGBA").save(tmp_path / "in.png")
    result = run("in.png", "--scale", "2", "-o", "out.jpg", "--explain")
    assert result.exit_code == 0
    assert result.stderr == "upscale: out.jpg: alpha flattened over the background white for JPEG\n"


def test_a_note_about_standard_output_says_so(run, tmp_path):
    Image.new("LA", (1, 1), (9, 99)).save(tmp_path / "in.png")
    result = run("in.png", "--scale", "2", "--format", "jpeg", "-o", "-")
    assert result.stderr.splitlines()[1:] == ["upscale: standard output: alpha flattened over the background white for JPEG"]
    with Image.open(io.BytesIO(result.stdout_bytes)) as written:
        assert written.mode == "L" and written.getpixel((0, 0)) == 159  # (9·99 + 255·156 + 127) // 255


def test_strip_writes_no_profile_even_after_a_conversion_through_one(tmp_path):
    Image.new("CMYK", (1, 1), (200, 10, 0, 0)).save(tmp_path / "in.jpg", quality=100, icc_profile=_cmyk_by_k_profile())
    convert_file(str(tmp_path / "in.jpg"), ResizeRequest(scale=1, mode="nearest"), output=str(tmp_path / "out.png"),
                 options=ImageOptions(strip=True))
    with Image.open(tmp_path / "out.png") as written:
        assert written.getpixel((0, 0)) == (255, 255, 255) and "icc_profile" not in written.info  # converted through it


def test_a_palette_with_partial_alpha_becomes_a_gif_with_nearest(run, tmp_path):
    # a PNG's alpha per palette entry reached Pillow's GIF writer as it was: "unsupported operand type(s) for &"
    palette = Image.new("P", (4, 1))
    palette.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0])
    palette.putdata([0, 1, 2, 3])
    palette.save(tmp_path / "four.png", transparency=bytes([255, 128, 0, 255]))
    result = run("four.png", "--scale", "2", "--mode", "nearest", "-o", "four.gif")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith("four.gif: alpha flattened over the background white, fully transparent pixels kept for GIF\n")
    green_over_white = (255 * 127 + 127) // 255  # alpha 128: round((0·128 + 255·127) / 255)
    row = [[255, 0, 0, 255], [green_over_white, 255, green_over_white, 255], [0, 0, 0, 0], [255, 255, 0, 255]]
    expected = np.repeat(np.repeat(np.array([row], np.uint8), 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "four.gif").convert("RGBA")), expected)

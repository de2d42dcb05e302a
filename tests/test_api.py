"""The public API: seed tables, dtypes, layouts and Pillow images."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

import upscale_cli
from upscale_cli import resize_image
from upscale_cli.core.errors import UsageError
from upscale_cli.io.srgb import from_linear


def test_seed_nearest_round_half_up(seed_3x3):
    expected = [[234, 38, 22, 22], [67, 44, 12, 12], [89, 65, 63, 63], [89, 65, 63, 63]]
    result = upscale_cli.resize(seed_3x3, size=(4, 4), mode="nearest", align="asymmetric")
    np.testing.assert_array_equal(result, expected)
    assert result.dtype == np.uint8


def test_seed_nearest_floor(seed_3x3):
    expected = [[234, 234, 38, 22], [234, 234, 38, 22], [67, 67, 44, 12], [89, 89, 65, 63]]
    result = upscale_cli.resize(seed_3x3, size=(4, 4), mode="nearest", align="asymmetric", rounding="floor")
    np.testing.assert_array_equal(result, expected)


def test_seed_bilinear_times_two(seed_b, seed_c):
    np.testing.assert_array_equal(upscale_cli.resize(seed_b, scale=2, mode="bilinear"), seed_c)


def test_seed_pixel_one_one(seed_b):
    # x = y = 0.25: weights 0.75/0.25 per axis.
    expected = 0.5625 * 9 + 0.1875 * 11 + 0.1875 * 25 + 0.0625 * 27
    assert upscale_cli.resize(seed_b, scale=2, mode="bilinear")[1, 1] == expected == 13.5


def test_eye_bilinear_from_the_readme():
    result = upscale_cli.resize(np.eye(3), size=(4, 4), mode="bilinear")
    assert result[0].tolist() == [1.0, 0.375, 0.0, 0.0]
    np.testing.assert_array_equal(result, result.T)


def test_integer_output_rounds_half_up_and_clips():
    ramp = np.array([[0, 1, 255, 0]], dtype=np.uint8)
    # x = 1.25: 0.75·1 + 0.25·255 = 64.5 → 65; x = 1.75: 191.5 → 192 (ties go up)
    assert upscale_cli.resize(ramp, size=(8, 1), mode="bilinear").tolist() == [[0, 0, 1, 65, 192, 191, 64, 0]]
    overshoot = np.array([[0, 0, 255, 255]], dtype=np.uint8)
    result = upscale_cli.resize(overshoot, size=(8, 1), mode="lanczos")
    assert result.dtype == np.uint8 and result.min() == 0 and result.max() == 255


def test_ties_round_half_up():
    values = np.array([[1, 2]], dtype=np.uint8)
    # x = 0.5 between 1 and 2: 1.5 → 2 (half up), not 2 by luck of even: check 2.5 too.
    assert upscale_cli.resize(values, size=(1, 1), mode="bilinear", antialias=False).tolist() == [[2]]
    assert upscale_cli.resize(np.array([[2, 3]], np.uint8), size=(1, 1), mode="bilinear", antialias=False).tolist() == [[3]]
    assert upscale_cli.resize(np.array([[-3, -2]], np.int16), size=(1, 1), mode="bilinear", antialias=False).tolist() == [[-2]]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.uint8, np.uint16, np.int16, np.int32])
def test_dtype_is_kept(dtype):
    array = (np.arange(12).reshape(3, 4) * 3).astype(dtype)
    assert upscale_cli.resize(array, scale=1.5, mode="bicubic").dtype == dtype


def test_uint16_uses_the_full_range():
    array = np.array([[0, 65535]], dtype=np.uint16)
    assert upscale_cli.resize(array, size=(4, 1), mode="bilinear").tolist() == [[0, 16384, 49151, 65535]]


def test_unsupported_dtype():
    with pytest.raises(UsageError, match="dtype bool"):
        upscale_cli.resize(np.zeros((2, 2), bool), scale=2)


@pytest.mark.parametrize(
    "layout, shape, size, expected_shape",
    [
        ("l", (5,), (10,), (10,)),
        ("ncl", (1, 2, 5), 10, (1, 2, 10)),
        ("hw", (3, 4), (8, 6), (6, 8)),
        ("hwc", (3, 4, 2), (8, 6), (6, 8, 2)),
        ("chw", (2, 3, 4), (8, 6), (2, 6, 8)),
        ("nchw", (1, 2, 3, 4), (8, 6), (1, 2, 6, 8)),
        ("nhwc", (1, 3, 4, 2), (8, 6), (1, 6, 8, 2)),
        ("dhw", (2, 3, 4), (8, 6, 4), (4, 6, 8)),
        ("ncdhw", (1, 1, 2, 3, 4), (8, 6, 4), (1, 1, 4, 6, 8)),
    ],
)
def test_layouts_resize_only_spatial_axes(layout, shape, size, expected_shape):
    array = np.random.default_rng(0).random(shape)
    result = upscale_cli.resize(array, size=size, layout=layout, mode="trilinear")
    assert result.shape == expected_shape


def test_channels_are_independent():
    rng = np.random.default_rng(1)
    planes = rng.random((2, 5, 7))
    stacked = upscale_cli.resize(planes, scale=1.7, layout="chw", mode="lanczos")
    for c in range(2):
        np.testing.assert_array_equal(stacked[c], upscale_cli.resize(planes[c], scale=1.7, mode="lanczos"))


def test_layout_errors():
    with pytest.raises(UsageError, match="needs a 4-dimensional array"):
        upscale_cli.resize(np.zeros((2, 2)), scale=2, layout="nchw")
    with pytest.raises(UsageError, match="6-dimensional"):
        upscale_cli.resize(np.zeros((1,) * 6), scale=2)


def test_nearest_exact_refuses_other_conventions():
    with pytest.raises(UsageError, match="nearest-exact is half-pixel"):
        upscale_cli.resize(np.zeros((2, 2)), scale=2, mode="nearest-exact", rounding="floor")


def test_area_reduction_averages_blocks():
    array = np.arange(16, dtype=np.float64).reshape(4, 4)
    np.testing.assert_array_equal(upscale_cli.resize(array, scale=0.5, mode="area"), [[2.5, 4.5], [10.5, 12.5]])


def test_plan_for_exposes_the_weights():
    plan = upscale_cli.plan_for((3, 3), size=(4, 4), mode="nearest", align="asymmetric", rounding="floor")
    assert [p.name for p in plan.axes] == ["x", "y"]
    assert plan.axes[0].weights.taps[:, 0].tolist() == [0, 0, 1, 2]
    assert plan.out_shape == (4, 4)


def test_reduction_pass_comes_first():
    plan = upscale_cli.plan_for((10, 10), size=(20, 5), mode="bilinear")
    assert [p.name for p in plan.axes] == ["y", "x"]


class TestImages:
    def test_rgb_matches_array_resize(self):
        array = np.random.default_rng(2).integers(0, 256, (5, 6, 3), dtype=np.uint8)
        image = upscale_cli.resize_image(Image.fromarray(array), scale=2, mode="bicubic")
        assert image.mode == "RGB" and image.size == (12, 10)
        np.testing.assert_array_equal(np.asarray(image), upscale_cli.resize(array, scale=2, mode="bicubic"))

    def test_transparent_red_does_not_bleed_into_blue(self):
        array = np.zeros((2, 2, 4), np.uint8)
        array[:, 0] = (255, 0, 0, 0)  # fully transparent red
        array[:, 1] = (0, 0, 255, 255)  # opaque blue
        result = np.asarray(upscale_cli.resize_image(Image.fromarray(array, "RGBA"), size=(8, 2), mode="bilinear"))
        visible = result[result[..., 3] > 0]
        assert np.all(visible[:, 0] == 0) and np.all(visible[:, 2] == 255)
        assert result[0, :, 3].tolist() == [0, 0, 32, 96, 159, 223, 255, 255]

    def test_sixteen_bit_stays_sixteen_bit(self):
        array = np.array([[0, 1000], [40000, 65535]], dtype=np.uint16)
        image = upscale_cli.resize_image(Image.fromarray(array), scale=2, mode="bilinear")
        assert image.mode == "I;16"
        np.testing.assert_array_equal(np.asarray(image), upscale_cli.resize(array, scale=2, mode="bilinear"))

    def test_float_image(self):
        array = np.random.default_rng(3).random((4, 4)).astype(np.float32)
        image = upscale_cli.resize_image(Image.fromarray(array), scale=2, mode="lanczos")
        assert image.mode == "F"
        np.testing.assert_array_equal(np.asarray(image), upscale_cli.resize(array, scale=2, mode="lanczos"))

    def test_palette_keeps_indices_with_nearest(self):
        image = Image.fromarray(np.array([[0, 1], [2, 3]], np.uint8), "P")
        image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
        result = upscale_cli.resize_image(image, scale=2, mode="nearest")
        assert result.mode == "P" and result.getpalette()[:12] == image.getpalette()[:12]
        np.testing.assert_array_equal(np.asarray(result), np.repeat(np.repeat([[0, 1], [2, 3]], 2, 0), 2, 1))

    def test_palette_is_filtered_in_rgb(self):
        image = Image.fromarray(np.array([[0, 1]], np.uint8), "P")
        image.putpalette([0, 0, 0, 255, 255, 255])
        result = upscale_cli.resize_image(image, size=(4, 1), mode="bilinear")
        assert result.mode == "RGB"
        assert np.asarray(result)[0, :, 0].tolist() == [0, 64, 191, 255]

    def test_bilevel(self):
        image = Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1")
        assert upscale_cli.resize_image(image, scale=2, mode="nearest").mode == "1"
        assert upscale_cli.resize_image(image, scale=2, mode="bilinear").mode == "L"

    def test_layout_is_refused(self):
        with pytest.raises(UsageError, match="takes no layout"):
            upscale_cli.resize_image(Image.new("L", (2, 2)), scale=2, layout="hw")


# mode -> a small image of that mode with distinct values
MODE_ARRAYS = {
    "L": pattern(3, 4, None),
    "LA": pattern(3, 4, 2),
    "RGB": pattern(3, 4, 3),
    "RGBA": pattern(3, 4, 4),
    "CMYK": pattern(3, 4, 4),
    "I;16": pattern(3, 4, None, np.uint16) * 257,
    "I": pattern(3, 4, None, np.int32) * -1000,
    "F": pattern(3, 4, None, np.float32) / 7,
}


def _image(mode):
    array = MODE_ARRAYS[mode]
    return Image.frombytes(mode, (array.shape[1], array.shape[0]), array.tobytes())


@pytest.mark.parametrize("mode", [*MODE_ARRAYS, "1", "P"])
def test_nearest_keeps_the_mode_and_repeats_the_pixels(mode):
    image = _image("L").convert(mode) if mode in ("1", "P") else _image(mode)
    result = resize_image(image, scale=2, mode="nearest")
    assert result.mode == mode
    expected = np.repeat(np.repeat(np.asarray(image), 2, axis=0), 2, axis=1)
    assert np.array_equal(np.asarray(result), expected)


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK", "I;16", "I", "F"])
def test_a_constant_image_stays_constant_in_its_mode(mode):
    array = np.full_like(MODE_ARRAYS[mode], MODE_ARRAYS[mode].flat[5])
    image = Image.frombytes(mode, (4, 3), array.tobytes())
    result = resize_image(image, size=(9, 5), mode="lanczos")
    assert result.mode == mode
    expected = np.full((5, 9, *array.shape[2:]), array.flat[5], array.dtype)
    assert np.array_equal(np.asarray(result), expected)


def test_a_filtered_palette_image_with_alpha_is_resized_in_rgba():
    assert resize_image(_image("RGBA").convert("PA"), scale=2, mode="bilinear").mode == "RGBA"


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_transparent_red_never_bleeds_at_any_size(mode):
    array = np.zeros((4, 4, 4), np.uint8)
    array[:, :2] = (255, 0, 0, 0)  # fully transparent red
    array[:, 2:] = (0, 0, 255, 255)  # opaque blue
    for size in ((8, 8), (2, 2), (3, 4)):
        result = np.asarray(resize_image(Image.fromarray(array, "RGBA"), size=size, mode=mode))
        visible = result[..., 3] > 0
        assert np.all(result[visible][:, 0] == 0), "red leaked into a visible pixel"
        assert np.all(result[visible][:, 2] == 255)


def test_la_uses_premultiplied_alpha_too():
    array = np.array([[[200, 0], [10, 255]]], np.uint8)  # bright but transparent, dark and opaque
    result = np.asarray(resize_image(Image.fromarray(array, "LA"), size=(4, 1), mode="bilinear"))
    assert np.all(result[..., 0][result[..., 1] > 0] == 10)


def test_linear_light_averages_light_not_stored_values():
    checkerboard = (np.indices((4, 4)).sum(axis=0) % 2 * 255).astype(np.uint8)
    image = Image.fromarray(checkerboard)
    stored = np.asarray(resize_image(image, size=(2, 2), mode="box"))
    linear = np.asarray(resize_image(image, size=(2, 2), mode="box", linear=True))
    assert np.all(stored == 128)  # 127.5 rounded half up
    assert np.all(linear == np.floor(from_linear(0.5) * 255 + 0.5))  # 187.5… → 188
    assert np.all(linear == 188)


def test_linear_light_with_alpha_and_16_bit():
    rgba = np.zeros((1, 2, 4), np.uint8)
    rgba[0, 0] = (255, 255, 255, 255)
    rgba[0, 1] = (0, 0, 0, 255)
    result = np.asarray(resize_image(Image.fromarray(rgba, "RGBA"), size=(1, 1), mode="box", linear=True))
    assert result.tolist() == [[[188, 188, 188, 255]]]
    grey16 = Image.frombytes("I;16", (2, 1), np.array([65535, 0], np.uint16).tobytes())
    result16 = np.asarray(resize_image(grey16, size=(1, 1), mode="box", linear=True))
    assert result16.tolist() == [[int(np.floor(from_linear(0.5) * 65535 + 0.5))]]


def test_linear_light_refuses_modes_that_are_not_srgb():
    with pytest.raises(UsageError, match="not mode CMYK"):
        resize_image(_image("CMYK"), scale=2, mode="bilinear", linear=True)
    # nearest moves whole pixels: nothing to decode, any mode is fine
    assert resize_image(_image("CMYK"), scale=2, mode="nearest", linear=True).mode == "CMYK"


def test_the_other_byte_order_is_resized_as_numbers_and_kept():
    x = np.random.default_rng(2).standard_normal((9, 13)).astype(">f4")
    for dtype, compat in ((">f4", None), (">f4", "pillow"), (">f8", "torch"), (">i2", "opencv")):
        big = (x * 100).astype(dtype)
        out = upscale_cli.resize(big, size=(20, 7), mode="bicubic", compat=compat)
        assert out.dtype == big.dtype
        native = big.astype(big.dtype.newbyteorder("="))
        np.testing.assert_array_equal(out, upscale_cli.resize(native, size=(20, 7), mode="bicubic", compat=compat))
    image = Image.frombytes("I;16B", (13, 9), (x * 1000 + 20000).astype(">u2").tobytes())
    resized = upscale_cli.resize_image(image, size=(20, 7), mode="bilinear", compat="pillow")
    assert resized.mode == "I;16B"
    expected = upscale_cli.resize((x * 1000 + 20000).astype("<u2"), size=(20, 7), mode="bilinear", compat="pillow")
    np.testing.assert_array_equal(np.asarray(resized), expected)


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (0, 0)])
def test_an_axis_of_length_0_has_nothing_to_interpolate(shape):
    with pytest.raises(UsageError, match="has none to interpolate from"):
        upscale_cli.resize(np.zeros(shape, np.float32), size=(8, 3), mode="bilinear")


def test_empty_channels_keep_their_shape_in_every_preset():
    x = np.zeros((1, 5, 6, 0), np.int32)
    for compat in (None, "onnxruntime", "torch", "pillow"):
        assert upscale_cli.resize(x, size=(9, 4), mode="bilinear", compat=compat, layout="nhwc").shape == (1, 4, 9, 0)
    for dtype in (np.float32, np.uint8):
        for compat in (None, "pillow", "opencv", "torch", "onnx"):
            out = upscale_cli.resize(np.zeros((5, 6, 0), dtype), size=(9, 4), mode="bicubic", compat=compat)
            assert out.shape == (4, 9, 0) and out.dtype == dtype


def test_cielab_a_and_b_are_averaged_as_signed_values():
    """Pillow hands a* and b* out as signed bytes: −1 next to 0 stays between them, not near ±128."""
    rows = np.array([[[60, 255, 0], [60, 0, 255]]], np.uint8)  # a* −1 then 0; b* 0 then −1
    image = Image.frombytes("LAB", (2, 1), rows.tobytes())
    out = np.asarray(resize_image(image, size=(4, 1), mode="bilinear"))
    assert out[0, :, 0].tolist() == [60] * 4
    assert set(out[0, :, 1:].ravel().tolist()) <= {0, 255}
    rng = np.random.default_rng(9)
    image = Image.frombytes("LAB", (23, 17), rng.integers(0, 256, (17, 23, 3), dtype=np.uint8).tobytes())
    for mode, pillow in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC), ("lanczos", Image.LANCZOS)):
        resized = resize_image(image, size=(41, 9), mode=mode, compat="pillow")
        assert resized.mode == "LAB"
        np.testing.assert_array_equal(np.asarray(resized), np.asarray(image.resize((41, 9), pillow)))


def test_linear_light_takes_16_bit_images_in_either_byte_order():
    samples = np.random.default_rng(6).integers(0, 65536, (9, 14)).astype("<u2")
    little = resize_image(Image.fromarray(samples), size=(20, 5), linear=True)
    big = resize_image(Image.frombytes("I;16B", (14, 9), samples.astype(">u2").tobytes()), size=(20, 5), linear=True)
    np.testing.assert_array_equal(np.asarray(big).astype(np.int64), np.asarray(little).astype(np.int64))

"""Literal regression cases for what the differential suite (``differential.py``) found against the live libraries.

Each expected array is the library's own output (torch 2.13 CPU; OpenCV 5
with ``cv2.ipp.setUseIPP(False)``), written out so that these run without
the libraries; each failed before its fix.
"""

from __future__ import annotations

import numpy as np
import pytest

from upscale_cli import resize

F32 = np.float32


def rows_of(height: int, width: int, dtype=F32, channels: int = 1) -> np.ndarray:
    """An NCHW tensor whose every sample is its row index: a resize's samples name the rows it read."""
    return np.broadcast_to(np.arange(height, dtype=dtype)[None, None, :, None], (1, channels, height, width)).copy()


# -- PyTorch nearest: two recipes ---------------------------------------------------------------------------


def test_torch_nearest_large_2d_scale_factor_floors_every_row():
    """12 rows at scale_factor 2.037 make 24 = 2·12 rows, but out_h + out_w = 24 + 105 > 128: no d >> 1 shortcut."""
    out = resize(rows_of(12, 46), scale=(2.3, 2.037), mode="nearest", layout="nchw", compat="torch")
    assert out.shape == (1, 1, 24, 105)
    assert out[0, 0, :, 0].tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11]


def test_torch_nearest_small_2d_takes_the_shortcut():
    out = resize(rows_of(12, 40), scale=(2.3, 2.037), mode="nearest", layout="nchw", compat="torch")
    assert out.shape == (1, 1, 24, 92)
    assert out[0, 0, :, 0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11]


def test_torch_nearest_channels_last_with_four_channels_takes_the_shortcut():
    nhwc = np.ascontiguousarray(rows_of(12, 46, channels=4).transpose(0, 2, 3, 1))
    out = resize(nhwc, scale=(2.3, 2.037), mode="nearest", layout="nhwc", compat="torch")
    assert out[0, :, 0, 0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11]


def test_torch_nearest_float64_ratio_is_a_double_and_the_coordinate_a_float():
    x = np.arange(48, dtype=np.float64).reshape(1, 1, 48)
    exact = resize(x, scale=1.3, mode="nearest-exact", layout="ncl", compat="torch")
    assert exact[0, 0].tolist() == [0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 15, 15, 16, 17, 18,
                                    18, 19, 20, 21, 21, 22, 23, 24, 25, 25, 26, 27, 28, 28, 29, 30, 31, 31, 32, 33, 34,
                                    35, 35, 36, 37, 38, 38, 39, 40, 41, 41, 42, 43, 44, 45, 45, 46, 47]
    x = np.arange(32, dtype=np.float64).reshape(1, 1, 32)
    nearest = resize(x, scale=2.3, mode="nearest", layout="ncl", compat="torch")
    assert nearest[0, 0].tolist() == [0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 10,
                                      11, 11, 12, 12, 13, 13, 13, 14, 14, 15, 15, 16, 16, 16, 17, 17, 18, 18, 19, 19,
                                      20, 20, 20, 21, 21, 22, 22, 23, 23, 23, 24, 24, 25, 25, 26, 26, 26, 27, 27, 28,
                                      28, 29, 29, 30, 30, 30, 31]


# -- PyTorch: the height pass over a width of 1 ------------------------------------------------------------

AA_INPUT = np.array([[[[0.25, 0.5, 1.0], [2.0, 4.0, 8.0], [16.0, 32.0, 64.0]]]], F32)


def test_torch_antialias_to_width_1_repeats_the_first_row_for_contiguous_tensors():
    out = resize(AA_INPUT, scale=(0.43, 2.06), mode="bilinear", antialias=True, layout="nchw", compat="torch")
    np.testing.assert_allclose(out[0, 0, :, 0], [0.5169172883033752, 0.5169172883033752,
                                                 0.5169172883033752, 0.5169172883033752,
                                                 0.5169172883033752, 0.5169172883033752], rtol=1e-6)


def test_torch_antialias_to_width_1_is_spared_for_channels_last_tensors():
    nhwc = np.ascontiguousarray(np.concatenate([AA_INPUT, AA_INPUT * 2], axis=1).transpose(0, 2, 3, 1))
    out = resize(nhwc, scale=(0.43, 2.06), mode="bilinear", antialias=True, layout="nhwc", compat="torch")
    np.testing.assert_allclose(out[0, :, 0, 0], [0.5169172883033752, 1.3424792289733887, 3.098994255065918,
                                                 9.896706581115723, 23.948823928833008,
                                                 33.082706451416016], rtol=1e-6)


def test_torch_uint8_generic_kernel_with_five_channels_repeats_the_first_row():
    x = np.array([[[[0, 13, 26], [39, 52, 65], [78, 91, 104], [117, 130, 143]],
                   [[156, 169, 182], [195, 208, 221], [234, 247, 4], [17, 30, 43]],
                   [[56, 69, 82], [95, 108, 121], [134, 147, 160], [173, 186, 199]],
                   [[212, 225, 238], [251, 8, 21], [34, 47, 60], [73, 86, 99]],
                   [[112, 125, 138], [151, 164, 177], [190, 203, 216], [229, 242, 255]]]], np.uint8)
    out = resize(x, size=(1, 6), mode="bicubic", layout="nchw", compat="torch")
    assert out[0, :, :, 0].tolist() == [[10, 10, 10, 10, 10, 10], [166, 166, 166, 166, 166, 166],
                                        [66, 66, 66, 66, 66, 66], [244, 244, 244, 244, 244, 244],
                                        [122, 122, 122, 122, 122, 122]]
    four = resize(x[:, :4], size=(1, 6), mode="bicubic", layout="nchw", compat="torch")
    assert len(set(four[0, 0, :, 0].tolist())) > 1  # the vector kernel: a real column


# -- OpenCV's float code on 16-bit images, INTER_AREA, halving ---------------------------------------------

OPENCV_MODES = {"linear": {"mode": "bilinear"}, "cubic": {"mode": "bicubic"}, "lanczos": {"mode": "lanczos"},
                "area": {"mode": "area"}, "linear_exact": {"mode": "bilinear", "linear_exact": True}}
OPENCV_SIZED = [
    ("linear_exact", np.uint16, [[33497, 17680, 20173, 2685], [4930, 1083, 11486, 53298],
                                 [42560, 59818, 33005, 39756], [63618, 47808, 41436, 35627],
                                 [36694, 61280, 18176, 53467]],
     [[12072, 8652, 6637, 12253, 27151, 40645], [56887, 54032, 48583, 38214, 37854, 40087]]),
    ("area", np.int16, [[-31320, 2717, -27499, -13127, -1242], [-5067, -6342, -30913, -32418, -24623]],
     [[-14917, -12770, -25346, -14900]]),
    ("linear_exact", np.int16, [[-31320, 2717, -27499, -13127, -1242], [-5067, -6342, -30913, -32418, -24623]],
     [[-27065, -8614, -18516, -2728], [-27065, -8614, -18516, -2728], [-22386, -10102, -21374, -7628],
      [-16146, -12085, -25185, -14162], [-9906, -14069, -28996, -20697], [-5226, -15556, -31854, -25597],
      [-5226, -15556, -31854, -25597]]),
    ("cubic", np.uint16, [[24716, 54568], [26269, 51583]],
     [[21171, 24544, 34100, 45342, 54898, 58271], [21304, 24644, 34108, 45242, 54706, 58046],
      [21790, 25011, 34138, 44874, 54000, 57221], [22428, 25492, 34176, 44392, 53076, 56140],
      [23065, 25974, 34215, 43910, 52151, 55059], [23551, 26341, 34244, 43542, 51445, 54234],
      [23684, 26441, 34252, 43441, 51253, 54009]]),
    ("linear", np.uint16, [[63434, 57099, 963, 7814], [56599, 5397, 64303, 54222], [62731, 23614, 9749, 33873],
                           [63742, 24066, 58322, 25154], [53895, 15045, 31456, 21420]],
     [[60266, 4388], [43542, 35745], [34476, 48562], [43172, 21811], [43695, 36045], [39861, 35181], [34470, 26438]]),
    ("area", np.uint16, [[63434, 57099, 963, 7814], [56599, 5397, 64303, 54222], [62731, 23614, 9749, 33873],
                         [63742, 24066, 58322, 25154], [53895, 15045, 31456, 21420]],
     [[58240, 30195, 16229], [47460, 27583, 45182], [53474, 31389, 31204], [46111, 26839, 25832]]),
    ("linear", np.int16, [[8808, 29084, 18713, -24457], [-30347, 23906, -6040, -28871], [-1536, -7814, -4517, -4603],
                          [-12180, -731, -555, 31225], [12631, 18067, -32242, -12527]],
     [[-20558, -4216, 21932, 12674, -1846, -17798, -27768], [-5977, -2425, 3258, -2254, -6422, 10014, 20287]]),
    ("lanczos", np.int16, [[4874, 7216], [-6935, 8496]],
     [[5908, 7104], [-1031, 7856], [-7969, 8608]]),
    ("lanczos", np.uint16, [[14843, 17622, 50957, 12355, 11146], [14135, 37827, 33010, 35120, 1795],
                            [44033, 20547, 49839, 54611, 7197], [19318, 40956, 11457, 27129, 22944]],
     [[16120, 15075, 53513, 11294, 11936], [9770, 30741, 38174, 20125, 6571], [19165, 36399, 35321, 40905, 1057],
      [42102, 21949, 50166, 55312, 4695], [35263, 27745, 33494, 42114, 16153], [16234, 43518, 7363, 24409, 24043]]),
    ("cubic", np.int16, [[30541, 31777], [-13710, 7055], [12639, -18204], [30100, 17263]],
     [[31159], [-3328], [-2782], [23682]]),
]


@pytest.mark.parametrize("interpolation, dtype, x, expected", OPENCV_SIZED,
                         ids=[f"{case[0]}-{case[1].__name__}" for case in OPENCV_SIZED])
def test_opencv_16_bit_is_its_float_code(interpolation, dtype, x, expected):
    """uint16 and int16: float32 weights and sums pass by pass, rounded half to even (16-bit weights for
    INTER_LINEAR_EXACT): each was ±1 (or far off) before."""
    expected = np.array(expected, dtype)
    x = np.array(x, dtype)
    out = resize(x, size=expected.shape[::-1], compat="opencv", **OPENCV_MODES[interpolation])
    assert out.dtype == dtype
    assert out.tolist() == expected.tolist()



def test_opencv_area_halving_two_channels_rounds_half_to_even():
    """resizeAreaFast's (a + b + c + d + 2) >> 2 serves 1, 3 and 4 channels; 2 take the float code."""
    x = np.array([[[216, 134], [96, 79], [108, 124], [184, 227]],
                  [[18, 239], [136, 91], [172, 146], [65, 82]]], np.uint8)
    assert resize(x, scale=0.5, mode="area", compat="opencv").tolist() == [[[116, 136], [132, 145]]]


def test_opencv_linear_exact_halving_is_inter_area():
    x = np.array([[184, 152, 129, 86], [194, 100, 84, 227], [67, 58, 182, 159]], np.uint8)
    assert resize(x, scale=0.5, mode="bilinear", linear_exact=True, compat="opencv").tolist() == [[158, 132], [62, 170]]


def test_opencv_area_halving_an_odd_width_divides_the_cut_block_by_its_count():
    x = np.array([[[57], [105], [92], [177], [106], [107], [138]],
                  [[148], [28], [236], [104], [44], [0], [111]]], np.uint8)
    assert resize(x, scale=0.5, mode="area", compat="opencv").tolist() == [[[85], [152], [64], [124]]]


def test_opencv_area_reduces_a_single_axis_by_whole_blocks():
    """resizeAreaFast on a 1-D array (one pass): 10 samples by 2."""
    x = np.arange(10, dtype=np.uint8) * 7
    assert resize(x, size=(5,), mode="area", layout="l", compat="opencv").tolist() == [4, 18, 32, 46, 60]


# -- onnxruntime -------------------------------------------------------------------------------------------


def test_onnxruntime_tf_crop_and_resize_to_length_1_adds_the_roi_in_float32():
    """``0.5 · (roi_start + roi_end) · (n − 1)``: the sum of the two float32 ends is a float32 (int32 kernels
    show it, truncating; a double sum moved 9 of these 11 outputs by one float32 step)."""
    x = np.full((1, 1, 15, 16), -605317159, np.int32)
    out = resize(x, size=(1, 11), mode="linear", align="tf-crop-and-resize", antialias=True,
                 roi=(0.31, 0.21, 0.73, 0.64), extrapolation_value=10.0, layout="nchw", compat="onnxruntime")
    assert out.ravel().tolist() == [-605317056, -605317120] + [-605317056] * 9

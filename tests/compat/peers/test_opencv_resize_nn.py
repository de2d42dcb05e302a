"""OpenCV's ``modules/imgproc/test/test_resize_nn.cpp`` (``TEST(Resize_NN, accuracy)``), ported to
``compat="opencv"``: one pixel of ones on 2 to 9 channels survives ``INTER_NEAREST`` at ``fx = fy = 0.9``."""

from __future__ import annotations

import numpy as np
import pytest

import upscale_cli


@pytest.mark.parametrize("channels", range(2, 10))
def test_Resize_NN_accuracy(channels):
    cols = rows = 12
    scale_factor = np.float32(0.9)  # a float in upstream, passed on as a double
    i1 = j1 = 5
    test = np.zeros((rows, cols, channels), np.uint8)
    test[j1, i1, :] = 1
    dst = upscale_cli.resize(test, scale=(float(scale_factor), float(scale_factor)), mode="nearest",
                             compat="opencv", layout="hwc")
    assert dst.sum() == channels

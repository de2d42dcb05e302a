"""PyTorch's ``test/test_nn.py``: the exact-value upsampling, pixel-shuffle and unpooling tests, ported.

Each test keeps its upstream name (class ``TestNNDeviceType`` unless noted)
and its expectations: literal tables, the loops that compute the expected
index, or "ones stay ones". ``F.interpolate`` becomes
``upscale_cli.resize(..., compat="torch")``; ``F.pixel_shuffle``,
``max_pool2d(return_indices=True)`` and ``MaxUnpool2d`` are
``upscale_cli.pixel_shuffle``, ``max_pool_with_indices`` and
``max_unpool``. Gradient checks, memory formats and CUDA/CPU comparisons
have no counterpart and are left out; where upstream expands a batch only
to exceed CUDA's grid size (``test_upsamplingBilinear2d_aa_correctness``),
a batch of 2 is used. Upstream's ``recompute_scale_factor=True`` variants
(``test_upsamplingLinear1d``) are the same call with ``size = floor(n·S)``;
the ``*_spatial_invariance`` tests fill upstream's ``normal_()`` corner
from a seeded NumPy generator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import upscale_cli
from upscale_cli.core.errors import UsageError

LAYOUTS = {3: "ncl", 4: "nchw", 5: "ncdhw"}


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, antialias=False):
    """``F.interpolate`` (recompute_scale_factor=False) in the torch preset; sizes in PyTorch order."""
    spatial = x.ndim - 2
    kwargs = {"mode": mode, "compat": "torch", "layout": LAYOUTS[x.ndim]}
    if align_corners:
        kwargs["align"] = "align-corners"
    if antialias:
        kwargs["antialias"] = True
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(size)
        kwargs["size"] = tuple(reversed(sizes))
    else:
        kwargs["scale"] = scale_factor
    return upscale_cli.resize(x, **kwargs)


def assert_equal(actual, expected, atol=None, rtol=None):
    """``TestCase.assertEqual`` on tensors: shapes, then values within the dtype's default tolerance."""
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    if atol is None:
        atol, rtol = (1e-7, 1e-7) if actual.dtype == np.float64 else (1e-5, 1.3e-6)
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=rtol)


@pytest.mark.parametrize("mode", ["nearest-exact", "nearest"])
def test_upsamplingNearest1d(mode):
    out_t = interpolate(np.ones((1, 1, 2)), 4, mode=mode)
    out_uint8_t = interpolate(np.ones((1, 1, 2), np.uint8), 4, mode=mode)
    assert_equal(out_t, np.ones((1, 1, 4)))
    assert out_uint8_t.dtype == np.uint8 and (out_uint8_t == 1).all() and out_uint8_t.shape == (1, 1, 4)


def _expected_nearest(in_t, osize, exact):
    """The expected-output loops of the ``*_correctness`` tests: ``int((o [+ 0.5]) · scale)`` per axis."""
    isize = in_t.shape[-1]
    scale = 1.0 * isize / osize
    index = [int((o + (0.5 if exact else 0.0)) * scale) for o in range(osize)]
    return in_t[(..., *np.ix_(*[index] * (in_t.ndim - 2)))]


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("exact", [False, True], ids=["Nearest", "NearestExact"])
@pytest.mark.parametrize("isize, osize", [(20, 11), (10, 15)])
def test_upsamplingNearest_correctness(dims, exact, isize, osize):
    """test_upsampling{Nearest,NearestExact}{1,2,3}d_correctness: OpenCV's INTER_NEAREST (nearest) or
    scikit-image/SciPy (nearest-exact) index rule."""
    in_t = np.arange(isize ** dims, dtype=np.float32).reshape((1, 1) + (isize,) * dims)
    out_t = interpolate(in_t, (osize,) * dims, mode="nearest-exact" if exact else "nearest")
    assert_equal(out_t, _expected_nearest(in_t, osize, exact))


def test_upsamplingNearestExact1d_rescale():
    # Checks https://github.com/pytorch/pytorch/issues/62237
    isize = 20
    in_t = np.arange(isize, dtype=np.float32)[None, None]
    # upstream leaves out 0.99999 (https://github.com/pytorch/pytorch/issues/62396)
    out_t = interpolate(in_t, scale_factor=1.00001, mode="nearest-exact")
    assert_equal(out_t, in_t)
    # checks data duplication if output_size == 2 * input_size (upstream leaves out 1.99999)
    out_t = interpolate(in_t, scale_factor=2.00001, mode="nearest-exact")
    assert_equal(out_t, np.repeat(in_t, 2, axis=-1))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_upsamplingNearest2d(mode):
    assert_equal(interpolate(np.ones((1, 2, 2, 2)), 4, mode=mode), np.ones((1, 2, 4, 4)))
    out_uint8_t = interpolate(np.ones((1, 2, 2, 2), np.uint8), 4, mode=mode)
    assert out_uint8_t.dtype == np.uint8 and out_uint8_t.shape == (1, 2, 4, 4) and (out_uint8_t == 1).all()
    # test forward when input's height is not same as width
    assert_equal(interpolate(np.ones((1, 2, 2, 1)), (4, 2), mode=mode), np.ones((1, 2, 4, 2)))
    x = np.random.default_rng(0).standard_normal((1, 2, 2, 2))
    assert_equal(interpolate(x, 4, mode=mode), interpolate(x, scale_factor=2, mode=mode))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_upsamplingNearest3d(mode):
    """``nn.Upsample(size=4, mode=mode)`` on ones, double and uint8."""
    assert_equal(interpolate(np.ones((1, 2, 2, 2, 2)), 4, mode=mode), np.ones((1, 2, 4, 4, 4)))
    out_uint8_t = interpolate(np.ones((1, 2, 2, 2, 2), np.uint8), 4, mode=mode)
    assert out_uint8_t.dtype == np.uint8 and (out_uint8_t == 1).all()


@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("align_corners", [True, False])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_upsamplingBiMode2d(antialias, align_corners, mode):
    # test float scale factor up & downsampling
    for scale_factor in [0.5, 1.5, 2]:
        in_t = np.ones((2, 3, 8, 8))
        out_size = int(math.floor(in_t.shape[-1] * scale_factor))
        out_t = interpolate(in_t, scale_factor=scale_factor, mode=mode, align_corners=align_corners,
                            antialias=antialias)
        assert_equal(out_t, np.ones((2, 3, out_size, out_size)))


def test_upsamplingBilinear2d_aa_correctness():
    t_in = np.broadcast_to(np.arange(3 * 8 * 8, dtype=np.float32).reshape(1, 3, 8, 8), (2, 3, 8, 8))
    # This expected result is obtain using PIL.Image.resize (upstream's comment)
    expected_out = np.array([
        17.035713, 20.25, 42.75, 45.964287, 81.03572, 84.25,
        106.75, 109.96428, 145.0357, 148.25, 170.75, 173.9643,
    ], np.float32).reshape(1, 3, 2, 2)
    t_out = interpolate(t_in, (2, 2), mode="bilinear", align_corners=False, antialias=True)
    assert_equal(t_out, np.broadcast_to(expected_out, (2, 3, 2, 2)))


def test_upsamplingBicubic2d_correctness():
    # test output against known input: align_corners=False result must match opencv
    in_t = np.arange(8.0, dtype=np.float32).reshape(1, 2, 2, 2)
    expected_out_t = np.array(
        [[[[-0.31641, 0.01562, 0.56250, 0.89453],
           [0.34766, 0.67969, 1.22656, 1.55859],
           [1.44141, 1.77344, 2.32031, 2.65234],
           [2.10547, 2.43750, 2.98438, 3.31641]],

          [[3.68359, 4.01562, 4.56250, 4.89453],
           [4.34766, 4.67969, 5.22656, 5.55859],
           [5.44141, 5.77344, 6.32031, 6.65234],
           [6.10547, 6.43750, 6.98438, 7.31641]]]], np.float32)
    out_t = interpolate(in_t, scale_factor=2, mode="bicubic", align_corners=False)
    assert_equal(out_t, expected_out_t, atol=1e-5, rtol=0)


def test_upsamplingBicubic2d_aa_correctness():
    t_in = np.arange(3 * 8 * 8, dtype=np.float32).reshape(1, 3, 8, 8)
    # This expected result is obtain using PIL.Image.resize (upstream's comment)
    expected_out = np.array([
        15.1205635, 18.760439, 44.23956, 47.879436, 79.12056, 82.76044,
        108.23956, 111.87944, 143.12057, 146.76044, 172.23956, 175.87943,
    ], np.float32).reshape(1, 3, 2, 2)
    t_out = interpolate(t_in, (2, 2), mode="bicubic", align_corners=False, antialias=True)
    assert_equal(t_out, expected_out)


@pytest.mark.parametrize("align_corners", [True, False])
def test_upsamplingTrilinear3d(align_corners):
    # test float scale factor up & downsampling
    for scale_factor in [0.5, 1.5, 2]:
        in_t = np.ones((1, 2, 4, 4, 4))
        out_size = int(math.floor(in_t.shape[-1] * scale_factor))
        out_t = interpolate(in_t, scale_factor=scale_factor, mode="trilinear", align_corners=align_corners)
        assert_equal(out_t, np.ones((1, 2, out_size, out_size, out_size)))
        x = np.random.default_rng(1).standard_normal((1, 2, 4, 4, 4))
        assert_equal(
            interpolate(x, (out_size, out_size, out_size), mode="trilinear", align_corners=align_corners),
            interpolate(x, scale_factor=scale_factor, mode="trilinear", align_corners=align_corners))


@pytest.mark.parametrize("align_corners", [True, False])
@pytest.mark.parametrize("recompute_scale_factor", [True, False])
def test_upsamplingLinear1d(align_corners, recompute_scale_factor):
    # test float scale factor up & downsampling
    for scale_factor in [0.5, 1.5, 2]:
        in_t = np.ones((1, 1, 2))
        out_size = int(math.floor(in_t.shape[-1] * scale_factor))
        if recompute_scale_factor:
            out_t = interpolate(in_t, out_size, mode="linear", align_corners=align_corners)
        else:
            out_t = interpolate(in_t, scale_factor=scale_factor, mode="linear", align_corners=align_corners)
        assert_equal(out_t, np.ones((1, 1, out_size)))


@pytest.mark.parametrize("dims, mode", [(1, "linear"), (2, "bilinear"), (3, "trilinear")])
def test_upsampling_spatial_invariance(dims, mode):
    """test_upsampling{Linear1d,Bilinear2d,Trilinear3d}_spatial_invariance: ×3 of a 9-long input whose
    last 5 samples are 0 starts as ×3 of its first 5."""
    in_t_9 = np.zeros((1, 1) + (9,) * dims, np.float32)
    corner = (slice(None), slice(None)) + (slice(0, 4),) * dims
    in_t_9[corner] = np.random.default_rng(dims).standard_normal((1, 1) + (4,) * dims)
    out_t_9 = interpolate(in_t_9, scale_factor=3, mode=mode, align_corners=False)
    out_t_5 = interpolate(in_t_9[(slice(None), slice(None)) + (slice(0, 5),) * dims], scale_factor=3, mode=mode,
                          align_corners=False)
    assert_equal(out_t_9[(slice(None), slice(None)) + (slice(0, 15),) * dims], out_t_5)


def test_upsampling_small_scale():
    """``nn.Upsample(scale_factor=0.5, mode="bilinear")`` on 1…4: one sample, 2.5."""
    in_t = np.arange(1, 5, dtype=np.float32).reshape(1, 1, 2, 2)
    assert_equal(interpolate(in_t, scale_factor=0.5, mode="bilinear"), np.array([[[[2.5]]]], np.float32))


def test_upsampling_not_recompute_scale_factor():
    # test output against known input: result must match opencv
    in_t = np.arange(8.0, dtype=np.float32).reshape(1, 2, 2, 2)
    expected_out_t = np.array(
        [[[[-0.32725, -0.08843, 0.37933, 0.79744],
           [0.15039, 0.38921, 0.85697, 1.27508],
           [1.08591, 1.32473, 1.79249, 2.21060],
           [1.92212, 2.16094, 2.62870, 3.04681]],

          [[3.67275, 3.91157, 4.37933, 4.79743],
           [4.15039, 4.38921, 4.85697, 5.27508],
           [5.08591, 5.32473, 5.79249, 6.21059],
           [5.92212, 6.16094, 6.62870, 7.04681]]]], np.float32)
    out_t = interpolate(in_t, scale_factor=2.3, mode="bicubic", align_corners=False)
    assert_equal(out_t, expected_out_t, atol=1e-4, rtol=0)
    for align_corners in [True, False]:
        # test float scale factor up & downsampling
        for scale_factor in [0.6, 1.6, 2.3]:
            in_t = np.ones((2, 2, 2, 2), np.float32)
            out_t = interpolate(in_t, scale_factor=scale_factor, mode="bicubic", align_corners=align_corners)
            out_size = int(math.floor(in_t.shape[-1] * scale_factor))
            assert_equal(out_t, np.ones((2, 2, out_size, out_size)), atol=1e-5, rtol=0)


@pytest.mark.parametrize("num_input_dims", [3, 4, 5])
@pytest.mark.parametrize("upscale_factor", [1, 2, 3])
def test_pixel_shuffle_unshuffle(num_input_dims, upscale_factor):
    """``TestNN.test_pixel_shuffle_unshuffle``: every pixel at the place ``_verify_pixel_shuffle``
    computes, and unshuffle undoing shuffle; ``num_input_dims − 3`` leading batch dimensions."""
    rng = np.random.default_rng(num_input_dims * 10 + upscale_factor)
    channels = int(rng.integers(1, 5)) * upscale_factor ** 2
    height, width = (int(v) for v in rng.integers(5, 11, size=2))
    batch = tuple(int(v) for v in rng.integers(1, 4, size=num_input_dims - 3))
    shape = batch + (channels, height, width)
    assert len(shape) == num_input_dims
    x = rng.random(shape)
    x4 = x if batch else x[None]
    output = upscale_cli.pixel_shuffle(x4, upscale_factor)
    q = upscale_factor
    for c in range(output.shape[-3]):
        for h in range(output.shape[-2]):
            for w in range(output.shape[-1]):
                channel_idx = (q * (h % q)) + (w % q) + (c * q ** 2)
                assert (output[..., c, h, w] == x4[..., channel_idx, h // q, w // q]).all()
    assert_equal(upscale_cli.pixel_unshuffle(output, upscale_factor), x4)


def test_pixel_shuffle_rejects_indivisible_channels():
    """test_pixel_shuffle_unshuffle with ``valid_channels_dim=False``: a RuntimeError upstream."""
    with pytest.raises(UsageError):
        upscale_cli.pixel_shuffle(np.zeros((1, 5, 3, 3)), 2)


def test_MaxUnpool2d_output_size():
    """``TestNN.test_MaxUnpool2d_output_size`` (in test/nn/test_pooling.py in later releases)."""
    rng = np.random.default_rng(3)
    big_t = rng.random((1, 1, 6, 6))
    big_t[0][0][4][4] = 100
    output_big, indices_big = upscale_cli.max_pool_with_indices(big_t, 3, stride=2)
    with pytest.raises(UsageError):
        upscale_cli.max_unpool(output_big, indices_big, 3, stride=2)

    small_t = rng.random((1, 1, 5, 5))
    for i in range(0, 4, 2):
        for j in range(0, 4, 2):
            small_t[:, :, i, j] = 100
    output_small, indices_small = upscale_cli.max_pool_with_indices(small_t, 3, stride=2)
    for h in range(3, 10):
        for w in range(3, 10):
            if 4 <= h <= 6 and 4 <= w <= 6:
                size = (h, w)
                if h == 6:
                    size = (1, 1) + size
                upscale_cli.max_unpool(output_small, indices_small, 3, stride=2, output_size=size)
            else:
                with pytest.raises(UsageError):
                    upscale_cli.max_unpool(output_small, indices_small, 3, stride=2, output_size=(h, w))

"""A decoded image's samples shared with NumPy: equal to ``np.asarray``, never written, alive as long as the view."""

import gc
import threading

import numpy as np
import pytest
from PIL import Image

from upscale_cli.batch.convert import ResizeRequest, convert_file
from upscale_cli.io import pixels
from upscale_cli.io.images import ImageRows, Samples
from upscale_cli.io.pixels import image_samples, samples_view, single_block

needs_arrow = pytest.mark.skipif(not hasattr(Image.Image, "__arrow_c_array__"), reason="Pillow before 11.2 exports no memory")


def _image(mode: str, size=(7, 5), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    if mode in ("I", "F"):
        dtype = np.int32 if mode == "I" else np.float32
        return Image.fromarray(rng.integers(-(2**31), 2**31 - 1, size[::-1]).astype(dtype), mode)
    channels = len(Image.new(mode, (1, 1)).getbands())
    samples = rng.integers(0, 256, size[::-1] + ((channels,) if channels > 1 else ()), dtype=np.uint8)
    return Image.fromarray(samples, mode)


@needs_arrow
@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "I", "F"])
def test_a_view_equals_the_copy_and_is_read_only(mode):
    image = _image(mode)
    view = samples_view(image)
    expected = np.asarray(image)
    np.testing.assert_array_equal(view, expected, strict=True)
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view[0, 0] = 0


@needs_arrow
def test_the_view_shares_the_image_memory_and_outlives_it():
    image = _image("RGB", (300, 200), seed=1)
    expected = np.asarray(image).copy()
    view = samples_view(image)
    image.im.putpixel((0, 0), (1, 2, 3))  # the image's own memory: seen through the view
    assert tuple(view[0, 0]) == (1, 2, 3)
    expected[0, 0] = (1, 2, 3)
    del image
    gc.collect()
    for _ in range(20):  # memory freed too early would be reused by these
        _image("RGB", (300, 200), seed=2).load()
    np.testing.assert_array_equal(view, expected)


@pytest.mark.parametrize("mode", ["P", "1", "CMYK", "I;16", "YCbCr"])
def test_other_modes_are_copied(mode):
    image = Image.new(mode, (6, 4))
    assert samples_view(image) is None
    np.testing.assert_array_equal(image_samples(image), np.asarray(image), strict=True)
    assert isinstance(image_samples(image, whole=False), ImageRows)


def test_samples_are_their_own_array():
    samples = Samples(np.zeros((2, 3, 3), np.uint16), "RGB;16")
    assert image_samples(samples) is samples.array


@needs_arrow
def test_large_images_are_shared_when_decoded_in_one_block(tmp_path):
    """Pillow cuts images over 16 MB into blocks, which it cannot export: decoded inside single_block they are one."""
    path = tmp_path / "large.png"
    Image.new("RGB", (2500, 2000), (9, 8, 7)).save(path)
    with Image.open(path) as image:
        image.load()
        assert samples_view(image) is None
        copied = image_samples(image)
    with single_block(), Image.open(path) as image:
        image.load()
        view = samples_view(image)
    np.testing.assert_array_equal(view, copied, strict=True)


def test_single_block_restores_the_setting_when_the_last_thread_leaves():
    core = Image.core
    if not hasattr(core, "set_use_block_allocator"):
        pytest.skip("this Pillow has one allocator")
    before = core.get_use_block_allocator()
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with single_block():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    inside.wait(10)
    with single_block():
        assert core.get_use_block_allocator() == 1
    assert core.get_use_block_allocator() == 1  # the other thread is still inside
    leave.set()
    thread.join()
    assert core.get_use_block_allocator() == before
    assert pixels._Allocator.users == 0


@pytest.mark.parametrize("keep_source", [False, True])
def test_a_converted_photo_is_the_same_shared_or_copied(tmp_path, monkeypatch, keep_source):
    """A whole conversion of a JPEG: the same output from the shared samples and from a copy of them."""
    rng = np.random.default_rng(4)
    path = tmp_path / "photo.jpg"
    Image.fromarray(rng.integers(0, 256, (90, 130, 3), dtype=np.uint8)).save(path, quality=90)
    request = ResizeRequest(size=(61, 40), mode="lanczos")
    shared = convert_file(str(path), request, output=str(tmp_path / "shared.png"), keep_source=keep_source)
    monkeypatch.setattr(pixels, "samples_view", lambda image: None)
    copied = convert_file(str(path), request, output=str(tmp_path / "copied.png"), keep_source=keep_source)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "shared.png")),
                                  np.asarray(Image.open(tmp_path / "copied.png")), strict=True)
    if keep_source:
        np.testing.assert_array_equal(shared.source_array, copied.source_array, strict=True)

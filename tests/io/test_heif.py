"""HEIF/HEIC phone photos: read through pillow-heif when it is installed, one line saying how otherwise."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

from upscale_cli.io import heif

#: The start of a HEIC file (its ``ftyp`` box), the rest unreadable: enough to be told apart.
HEIC_START = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.fixture
def without_plugin(monkeypatch):
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import fails as if it were not installed
    heif._registered.cache_clear()
    yield
    heif._registered.cache_clear()


def test_without_pillow_heif_each_heif_file_says_how_to_enable_it(run, tmp_path, without_plugin, make_image):
    # .heic files in a folder were skipped without a line
    (tmp_path / "phone").mkdir()
    (tmp_path / "phone" / "IMG_1.HEIC").write_bytes(HEIC_START + bytes(40))
    (tmp_path / "phone" / "IMG_2.heif").write_bytes(HEIC_START + bytes(40))
    make_image("phone/b.png")
    result = run("phone", "-o", "out/", "--scale", "2")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for name in ("IMG_1.HEIC", "IMG_2.heif"):
        assert f"upscale: phone/{name}: reading HEIF/HEIC images needs pillow-heif: pip install 'upscale-cli[heif]'" in lines
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b.png"]


def test_a_heif_file_is_known_by_its_content_not_its_name():
    assert heif.is_heif(HEIC_START)
    assert not heif.is_heif(b"\x00\x00\x00\x18ftypisom" + bytes(8))  # an MP4 video


def test_with_pillow_heif_a_photo_is_resized(run, tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    Image.fromarray(pattern(16, 24)).save(tmp_path / "photo.heic", quality=90)
    with Image.open(tmp_path / "photo.heic") as image:
        decoded = np.asarray(image.convert("RGB"))
    result = run("photo.heic", "-o", "photo.png", "--scale", "2", "--mode", "nearest")
    assert result.exit_code == 0, result.stderr
    with Image.open(io.BytesIO((tmp_path / "photo.png").read_bytes())) as out:
        np.testing.assert_array_equal(np.asarray(out), np.repeat(np.repeat(decoded, 2, axis=0), 2, axis=1))

"""convert_many: the command line's batch from Python, one result per file in input order."""

from __future__ import annotations

import pytest
from PIL import Image

import upscale_cli
from upscale_cli.batch.convert import ImageOptions, ResizeRequest, convert_file
from upscale_cli.batch.many import convert_many
from upscale_cli.core.errors import UsageError


@pytest.fixture
def photos(tmp_path, make_image, monkeypatch):
    make_image("photos/b.png")
    make_image("photos/a.jpg", 4, 5)
    (tmp_path / "photos/c.png").write_bytes(b"not a picture")
    monkeypatch.chdir(tmp_path)


def test_results_in_input_order_and_files_as_convert_file_writes_them(photos):
    results = convert_many(["photos/c.png", "photos/b.png", "photos/a.jpg"], "out/", scale=2, mode="bilinear",
                           quality=80, workers=2)
    assert [(r.source, r.output, r.status) for r in results] == [
        ("photos/c.png", None, "failed"),  # found at planning: no output named
        ("photos/b.png", "out/b.png", "converted"),
        ("photos/a.jpg", "out/a.jpg", "converted"),
    ]
    assert results[0].message == "photos/c.png: not an image or .npy array Pillow can read"
    convert_file("photos/a.jpg", ResizeRequest(scale=2, mode="bilinear"), output="ref.jpg", options=ImageOptions(quality=80))
    with open("ref.jpg", "rb") as ref, open("out/a.jpg", "rb") as out:
        assert out.read() == ref.read()


def test_one_path_beside_its_input_and_the_lazy_export(photos):
    results = upscale_cli.convert_many("photos/b.png", size="16x12", strip=True, workers=1)
    assert [(r.output, r.status) for r in results] == [("photos/b@16x12.png", "converted")]
    assert Image.open("photos/b@16x12.png").size == (16, 12)
    assert convert_many("photos/b.png", size="16x12", workers=1)[0].message.endswith("already exists (use --overwrite to replace it or --skip-existing to keep it)")
    assert convert_many("photos/b.png", size="16x12", skip_existing=True, workers=1)[0].status == "skipped"


def test_bad_options_before_any_file_is_read(photos):
    with pytest.raises(UsageError):
        convert_many("photos", "out/", scale="two")
    with pytest.raises(UsageError):
        convert_many("photos", "out/", scale=2, overwrite=True, skip_existing=True)
    with pytest.raises(TypeError):
        convert_many("photos", "out/", scale=2, colour="red")

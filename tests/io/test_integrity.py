"""Where a PNG or GIF file must end, checked block by block."""

import io

import pytest
from PIL import Image

from upscale_cli.io.integrity import truncation


def _file(fmt: str, frames: int = 1) -> bytes:
    images = [Image.new("P", (3, 2), k) for k in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:])
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
@pytest.mark.parametrize("frames", [1, 3])
def test_whole_files_and_files_with_bytes_after_the_end_are_complete(fmt, frames):
    data = _file(fmt, frames)
    assert truncation(data) is None
    assert truncation(data + b"\x00junk") is None


@pytest.mark.parametrize("fmt, reason", [
    ("PNG", "the file ends before its IEND chunk"),
    ("GIF", "the file ends before its trailer"),
])
def test_every_cut_is_found(fmt, reason):
    data = _file(fmt, 3)
    # every cut past the signature
    assert {truncation(data[:cut]) for cut in range(8, len(data))} == {reason}


def test_other_formats_are_left_to_the_decoder():
    assert truncation(b"\xff\xd8\xff") is None
    assert truncation(b"RIFF") is None
    assert truncation(b"") is None

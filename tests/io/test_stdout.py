"""Standard output: an image a reader did not take whole is a failure, in real pipelines."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import pattern

from upscale_cli.io.stdout import read_whole

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX pipes")
#: A reader that takes 10 bytes and leaves, as ``head -c 10`` does (unbuffered: no more is read).
TAKES_10 = "import os; os.read(0, 10)"
TAKES_ALL = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"


def _pipeline(arguments: list[str], reader: str) -> tuple[int, str, bytes]:
    """``upscale ARGUMENTS -o - | python -c READER``: upscale's status and standard error, what the reader printed."""
    upscale = subprocess.Popen([sys.executable, "-m", "upscale_cli", *arguments, "-o", "-"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = subprocess.Popen([sys.executable, "-c", reader], stdin=upscale.stdout, stdout=subprocess.PIPE)
    upscale.stdout.close()  # the reader alone holds the reading end, as in a shell pipeline
    taken = reader.communicate(timeout=60)[0]
    errors = upscale.communicate(timeout=60)[1].decode()
    return upscale.returncode, errors, taken


@pytest.fixture
def images(tmp_path, make_image):
    """A PNG whose output fits in a pipe's buffer (64 KiB on Linux), and an array whose output (1 MB) does not."""
    np.save(tmp_path / "big.npy", pattern(300, 300))
    return make_image("small.png", 6, 8), str(tmp_path / "big.npy")


@pytest.mark.parametrize("which", [0, 1])
def test_a_reader_that_leaves_early_fails_the_image_in_one_line(images, which):
    status, errors, _ = _pipeline([images[which], "--scale", "2"], TAKES_10)
    assert (status, errors) == (1, "upscale: standard output closed before the image was written\n")


@pytest.mark.parametrize("which", [0, 1])
def test_a_reader_that_takes_everything_gets_the_image(images, tmp_path, which):
    status, errors, taken = _pipeline([images[which], "--scale", "2"], TAKES_ALL)
    assert status == 0, errors
    target = tmp_path / ("out.png" if which == 0 else "out.npy")
    subprocess.run([sys.executable, "-m", "upscale_cli", images[which], "--scale", "2", "-o", str(target)], check=True,
                   capture_output=True)
    assert taken == target.read_bytes()


def test_read_whole_waits_for_the_reader_or_its_leaving(tmp_path):
    reading, writing = os.pipe()
    try:
        os.write(writing, b"0123456789")
        assert os.read(reading, 4) == b"0123"
        os.read(reading, 6)
        assert read_whole(writing)  # nothing left: at once
        os.write(writing, b"0123456789")
        os.read(reading, 4)
        os.close(reading)
        reading = None
        assert not read_whole(writing)  # 6 bytes never taken
    finally:
        os.close(writing)
        if reading is not None:
            os.close(reading)
    with open(tmp_path / "file", "wb") as handle:  # not a pipe: nothing to wait for
        handle.write(b"0123456789")
        assert read_whole(handle.fileno())


def test_a_reader_that_reads_only_after_upscale_exited_is_not_kept_waiting(images):
    """``wait()`` before ``read()`` (a small image fits in the pipe's buffer): upscale gives up waiting
    for the reader after LONGEST_WAIT and exits 0; the bytes are all there for the late reader."""
    upscale = subprocess.Popen([sys.executable, "-m", "upscale_cli", images[0], "--scale", "2", "-o", "-"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert upscale.wait(timeout=30) == 0
    assert upscale.stdout.read().startswith(b"\x89PNG")
    upscale.stdout.close()
    upscale.stderr.close()

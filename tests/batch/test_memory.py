"""Memory estimates and the number of workers that fit."""

import pytest

from upscale_cli.batch import memory
from upscale_cli.batch.memory import MB, estimate, fit_workers, streamed_by_name


def test_estimate_counts_the_input_and_a_whole_output_only_when_it_is_whole():
    small, large = 48_000_000, 480_000_000
    # a streamed output costs the same whatever its size; a whole one holds 8-bit RGB samples and Pillow's copy
    assert estimate(12_000_000, small, True) == estimate(12_000_000, large, True)
    assert estimate(12_000_000, large, False) - estimate(12_000_000, small, False) >= 2 * 3 * (large - small)
    assert estimate(12_000_000, small, False) > estimate(12_000_000, small, True)
    # the decoded input is held whole (8-bit RGB: at least 3 bytes a pixel), on top of the process itself
    assert estimate(24_000_000, small, True) - estimate(12_000_000, small, True) >= 3 * 12_000_000
    assert estimate(1, 1, True) > 10 * MB


@pytest.mark.parametrize("output, fmt, frames, expected", [
    ("a@2x.png", None, 1, True), ("a.TIF", None, 1, True), ("a.pgm", None, 1, True), ("-", "npy", 1, True),
    ("a.jpg", None, 1, False), ("a.png", "webp", 1, False), ("a.png", None, 3, False), ("a.jpg", "tiff", 1, True),
])
def test_which_outputs_stream(output, fmt, frames, expected):
    assert streamed_by_name(output, fmt, frames) is expected


def test_fit_workers_takes_the_largest_jobs_together():
    needs = [100, 400, 300, 50]
    assert fit_workers(4, needs, 820) == 3  # 400 + 300 + 100 fit, the fourth (50) would not
    assert fit_workers(4, needs, 850) == 4
    assert fit_workers(4, needs, 699) == 1
    assert fit_workers(4, needs, 10) == 1  # one is always tried
    assert fit_workers(2, needs, 700) == 2
    assert fit_workers(4, needs, None) == 4 and fit_workers(1, needs, 10) == 1


def test_available_memory_is_read_from_the_system():
    available = memory.available_memory()
    assert available is None or available > 0


def test_an_input_read_in_bands_counts_only_the_rows_it_holds():
    """A 16000×12000 TIFF read in bands holds about a thousand of its rows, not 192 million pixels."""
    whole = estimate(16000 * 12000, 1600 * 1200, True)
    in_bands = estimate(16000 * 12000, 1600 * 1200, True, in_width=16000)
    assert whole - in_bands == memory.INPUT_BYTES * 16000 * (12000 - memory.HELD_ROWS)
    assert estimate(100 * 50, 10, True, in_width=100) == estimate(100 * 50, 10, True)  # fewer rows than held


def test_batch_plans_know_which_inputs_are_read_in_bands(tmp_path):
    import numpy as np
    from PIL import Image

    from upscale_cli.io.decode import probe

    image = Image.fromarray(np.zeros((40, 30, 3), np.uint8))
    image.save(tmp_path / "a.png")
    image.save(tmp_path / "a.jpg")
    assert probe(str(tmp_path / "a.png")).in_bands
    assert not probe(str(tmp_path / "a.jpg")).in_bands

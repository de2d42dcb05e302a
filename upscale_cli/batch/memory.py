"""How much memory one conversion needs, and how many fit in memory at once.

A worker process holds the decoded input (a few of its rows when it is read
band by band) and, for outputs written band by
band (PNG, TIFF, PPM, ``.npy``: :mod:`upscale_cli.io.stream`), a few bands
and the encoder's blocks; other outputs (JPEG, WebP, animations) are whole
in memory, twice (the samples and Pillow's image for the encoder). The
figures below were measured on 8-bit RGB (docs/streaming.md) and round up.
"""

from __future__ import annotations

import os

MB = 1 << 20
#: A worker process before any image: Python, NumPy, Pillow.
BASE_BYTES = 40 * MB
#: Bands in flight, the engine's strips and the encoder's blocks.
BAND_BYTES = 96 * MB
#: A decoded input pixel: Pillow keeps 8-bit RGB as 4 bytes.
INPUT_BYTES = 4
#: Input rows held at once by an input read in bands (docs/streaming.md), rounded up: a band's own rows and
#: the rows its taps reach, for reductions of up to about 50 times.
HELD_ROWS = 1024
#: An output pixel kept whole: the samples and Pillow's copy for the encoder.
WHOLE_OUTPUT_BYTES = 8
#: Output extensions written band by band.
STREAMED_EXTENSIONS = (".png", ".tif", ".tiff", ".ppm", ".pgm", ".npy")


def estimate(in_pixels: int, out_pixels: int, streamed: bool, in_width: int | None = None) -> int:
    """Peak bytes of converting ``in_pixels`` (all frames) into ``out_pixels``; an input read in bands
    (``in_width`` pixels wide) holds :data:`HELD_ROWS` rows of it at most."""
    output = BAND_BYTES if streamed else BAND_BYTES + WHOLE_OUTPUT_BYTES * out_pixels
    held = in_pixels if in_width is None else min(in_pixels, in_width * HELD_ROWS)
    return BASE_BYTES + INPUT_BYTES * held + output


def streamed_by_name(output: str | None, fmt: str | None, frames: int) -> bool:
    """Whether the output named ``output`` (format ``fmt`` if forced) is likely written band by band.

    A guess from the name alone, made before the input is decoded; the writer
    decides from the format, mode and save options
    (:func:`upscale_cli.io.stream.streams`), and may still write a TIFF of an
    unusual mode whole.
    """
    if frames > 1:
        return False
    name = f".{fmt.lower()}" if fmt else os.path.splitext(output or "")[1].lower()
    return name in STREAMED_EXTENSIONS


def available_memory() -> int | None:
    """Memory the system can give without swapping (Linux ``MemAvailable``), in bytes; ``None`` if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def fit_workers(workers: int, needs: list[int], available: int | None) -> int:
    """The most workers, up to ``workers``, that can run the largest of ``needs`` at once within ``available``.

    At least one: a job too large for the memory is still tried (and fails
    on its own, not the batch).
    """
    if available is None or workers <= 1:
        return workers
    largest = sorted(needs, reverse=True)[:workers]
    total = 0
    for count, need in enumerate(largest):
        total += need
        if total > available:
            return max(1, count)
    return workers

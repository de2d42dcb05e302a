"""Damaged files, at random: each one fails cleanly or gives exactly what Pillow decodes.

A few hundred seeded byte flips, scrambled bursts and cuts of small PNG, JPEG, GIF, WebP and
TIFF files go through the command line. For each, either

- exit status 1, exactly one line (``upscale: <file>: ...``), no output file; or
- exit status 0 and an output holding, frame by frame, the pixels Pillow
  decodes from the damaged file on its own (``Image.open`` and ``load`` of
  every frame, ``LOAD_TRUNCATED_IMAGES`` off, no exception) — resized by
  nearest ×2, so those pixels repeated.

Nothing may reach file descriptor 2 directly (as libtiff prints), and no Python warning
or log record may escape.
"""

from __future__ import annotations

import io
import os
import random
import warnings

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

SEED = 20261129
CASES_PER_SOURCE = 60
MULTI_FRAME = ("GIF", "PNG", "WEBP", "TIFF")


def _frames(count: int, mode: str) -> list:
    images = [Image.fromarray(np.roll(pattern(10, 12), 5 * k, axis=1)) for k in range(count)]
    return [image.quantize(16) if mode == "P" else image.convert(mode) for image in images]


def _encoded(fmt: str, mode: str = "RGB", frames: int = 1, **save) -> bytes:
    images = _frames(frames, mode)
    buffer = io.BytesIO()
    if frames > 1:
        save.update(save_all=True, append_images=images[1:], duration=40)
    images[0].save(buffer, fmt, **save)
    return buffer.getvalue()


SOURCES = {
    "png": lambda: _encoded("PNG"),
    "apng": lambda: _encoded("PNG", "RGBA", frames=2),
    "jpeg": lambda: _encoded("JPEG", quality=90),
    "gif": lambda: _encoded("GIF", "P", frames=2),
    "webp": lambda: _encoded("WEBP", quality=80),
    "webp-lossless": lambda: _encoded("WEBP", "RGBA", lossless=True),
    "tiff": lambda: _encoded("TIFF", "L"),
    "tiff-deflate": lambda: _encoded("TIFF", compression="tiff_deflate"),
    "tiff-pages": lambda: _encoded("TIFF", "L", frames=3),
    "tiff-jpeg": lambda: _encoded("TIFF", compression="jpeg"),
    "tiff-float": lambda: _encoded("TIFF", "F"),
}


def _damaged(data: bytes, rng: random.Random) -> bytes:
    """A random cut, a burst of up to 64 bytes scrambled (a bad sector, a broken download),
    or one to four bytes with random bits flipped."""
    kind = rng.randrange(3)
    if kind == 0:
        return data[: rng.randrange(1, len(data))]
    damaged = bytearray(data)
    if kind == 1:
        start = rng.randrange(len(damaged))
        for index in range(start, min(len(damaged), start + rng.randrange(2, 65))):
            damaged[index] ^= rng.randrange(1, 256)
        return bytes(damaged)
    for _ in range(rng.choice((1, 1, 2, 4))):
        damaged[rng.randrange(len(damaged))] ^= rng.randrange(1, 256)
    return bytes(damaged)


def _pillow_frames(data: bytes) -> list | None:
    """Every frame Pillow decodes from ``data`` on its own, or ``None`` when it refuses the file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                count = getattr(image, "n_frames", 1) if image.format in MULTI_FRAME else 1
                frames = []
                for index in range(count):
                    image.seek(index)
                    image.load()
                    frames.append(image.copy())
                return frames
    except Exception:  # whatever Pillow raises, it did not accept the file
        return None


def _written_frames(path) -> list:
    with Image.open(path) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.copy())
        return frames


def _same_pixels(written, decoded) -> bool:
    """``written`` is ``decoded`` repeated ×2, compared in its own mode (as RGBA if the mode changed)."""
    if written.mode == decoded.mode and written.mode != "P":
        a, b = np.asarray(written), np.asarray(decoded)
    else:
        a, b = np.asarray(written.convert("RGBA")), np.asarray(decoded.convert("RGBA"))
    return np.array_equal(a, np.repeat(np.repeat(b, 2, axis=0), 2, axis=1), equal_nan=a.dtype.kind == "f")


def fuzz(run, folder, capfd, caplog) -> dict:
    """Run every case; returns ``{source: [accepted, refused]}``. Fails at the first case that breaks the rules."""
    rng = random.Random(SEED)
    tally = {}
    for source, make in SOURCES.items():
        original = make()
        counts = tally.setdefault(source, [0, 0])
        for case in range(CASES_PER_SOURCE):
            data = _damaged(original, rng)
            (folder / "in.img").write_bytes(data)
            capfd.readouterr()  # what Pillow alone printed and logged for the case before
            caplog.clear()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = run("in.img", "--scale", "2", "--mode", "nearest", "-o", "out.tif")
            what = f"{source} case {case}"
            assert [str(w.message) for w in caught] == [], what
            assert capfd.readouterr().err == "", what
            assert [r.getMessage() for r in caplog.records] == [], what  # printed when no handler is set up
            if result.exit_code == 0:
                decoded = _pillow_frames(data)
                assert decoded is not None, f"{what}: accepted what Pillow refuses"
                written = _written_frames(folder / "out.tif")
                assert len(written) == len(decoded), what
                assert all(_same_pixels(w, d) for w, d in zip(written, decoded)), what
                os.unlink(folder / "out.tif")
                counts[0] += 1
            else:
                lines = result.stderr.splitlines()
                assert result.exit_code == 1, f"{what}: {result.stderr}"
                assert len(lines) == 1 and lines[0].startswith("upscale: in.img: "), f"{what}: {lines}"
                assert sorted(os.listdir(folder)) == ["in.img"], what
                counts[1] += 1
    return tally


def test_every_damaged_file_fails_cleanly_or_gives_pillows_pixels(run, tmp_path, capfd, caplog):
    tally = fuzz(run, tmp_path, capfd, caplog)
    assert sum(a + r for a, r in tally.values()) == len(SOURCES) * CASES_PER_SOURCE
    # both outcomes occur: the damage is neither always fatal nor always harmless
    assert sum(a for a, _ in tally.values()) > 0 and sum(r for _, r in tally.values()) > 0


if __name__ == "__main__":  # the figures: python tests/io/test_fuzz.py
    pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"])

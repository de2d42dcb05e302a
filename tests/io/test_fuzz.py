"""Damaged files, at random: each one fails cleanly or gives exactly what Pillow decodes.

(And, below, damaged 16-bit colour PNG and TIFF, whose samples are read here, and every
array dtype in every output format: its values come back exactly or the job is refused.)

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


def _sixteen_bit_png(mode: str) -> bytes:
    from upscale_cli.io import png

    channels = {"LA;16": 2, "RGB;16": 3, "RGBA;16": 4}[mode]
    buffer = io.BytesIO()
    png.write_png(buffer, pattern(10, 12, channels, np.uint16) * 257 + 3, mode, {"compress_level": 6})
    return buffer.getvalue()


def _sixteen_bit_tiff(compression: str | None) -> bytes:
    from test_tiff import sixteen_bit_tiff

    return sixteen_bit_tiff(pattern(10, 12, 3, np.uint16) * 257 + 3, compression, predictor=compression is not None)


#: 16-bit colour, read here rather than by Pillow (which keeps each sample's high byte).
SIXTEEN_BIT_SOURCES = {
    "png-rgb16": lambda: _sixteen_bit_png("RGB;16"),
    "png-rgba16": lambda: _sixteen_bit_png("RGBA;16"),
    "tiff-rgb16": lambda: _sixteen_bit_tiff(None),
    "tiff-rgb16-deflate": lambda: _sixteen_bit_tiff("tiff_adobe_deflate"),
    "tiff-rgb16-lzw": lambda: _sixteen_bit_tiff("tiff_lzw"),
}


def test_every_damaged_sixteen_bit_file_fails_cleanly_or_gives_every_bit(run, tmp_path, capfd, caplog):
    """Damaged 16-bit colour PNG and TIFF: refused in one line, or written (as .npy) with samples whose
    high bytes are what Pillow decodes from the same damaged file on its own."""
    rng = random.Random(SEED + 16)
    tally = [0, 0]
    for source, make in SIXTEEN_BIT_SOURCES.items():
        original = make()
        for case in range(CASES_PER_SOURCE // 2):
            data = _damaged(original, rng)
            (tmp_path / "in.img").write_bytes(data)
            capfd.readouterr()
            caplog.clear()
            result = run("in.img", "--scale", "2", "--mode", "nearest", "-o", "out.npy")
            what = f"{source} case {case}"
            assert capfd.readouterr().err == "" and caplog.records == [], what
            if result.exit_code == 0:
                decoded = _pillow_frames(data)
                assert decoded is not None and len(decoded) == 1, f"{what}: accepted what Pillow refuses"
                written = np.load(tmp_path / "out.npy")
                assert written.dtype == np.uint16, what
                high = np.repeat(np.repeat(np.asarray(decoded[0]), 2, axis=0), 2, axis=1)
                assert np.array_equal(written >> 8, high), what
                os.unlink(tmp_path / "out.npy")
                tally[0] += 1
            else:
                lines = result.stderr.splitlines()
                assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("upscale: in.img: "), \
                    f"{what}: {lines}"
                assert sorted(os.listdir(tmp_path)) == ["in.img"], what
                tally[1] += 1
    assert tally[0] > 0 and tally[1] > 0


#: Output formats of the matrix (by extension), and a few Pillow writes that no mode table covers.
OUTPUTS = ["png", "tif", "npy", "gif", "bmp", "ppm", "jpg", "webp", "tga", "pcx"]
#: Formats no mode table covers take no array at all.
OUTSIDE_THE_TABLE = {"tga", "pcx"}
DTYPES = ["bool", "u1", "i1", "u2", "i2", ">u2", "u4", "i4", "u8", "i8", "f2", "f4", ">f4", "f8", "c8"]
SHAPES = [(3, 4), (3, 4, 1), (3, 4, 2), (3, 4, 3), (3, 4, 4), (3, 4, 5)]
#: Lossy formats take 8-bit pictures with their encoding's loss: read back within it (the arrays are smooth).
LOSSY = {"jpg": 6, "webp": 6}


def _values(dtype: str, shape: tuple, rng) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind in "fc":
        values = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 8, shape)
        values.flat[:3] = [np.inf, -0.0, np.nan]
        with np.errstate(over="ignore"):  # float16: the largest magnitudes become infinities
            return values.astype(dtype)
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, shape, dtype=dtype.newbyteorder("="), endpoint=True)
    values.flat[:2] = [info.min, info.max]
    return values.astype(dtype)


def _read_back(path, extension: str) -> np.ndarray:
    from upscale_cli.io.decode import read_input

    if extension == "npy":
        return np.load(path)
    loaded = read_input(str(path))
    data = loaded.data
    if loaded.is_array:
        return data
    if hasattr(data, "array"):  # 16-bit colour
        return data.array
    if data.mode == "P":  # GIF: an 8-bit grey array comes back as a palette of greys
        data = data.convert("L")
    return np.asarray(data)


@pytest.mark.parametrize("extension", OUTPUTS)
def test_every_dtype_in_every_format_comes_back_exactly_or_is_refused(run, tmp_path, extension):
    rng = np.random.default_rng(SEED)
    written = 0
    for dtype in DTYPES:
        for shape in SHAPES:
            array = _values(dtype, shape, rng)
            if extension in LOSSY:  # smooth 8-bit samples, so only the encoding's loss shows
                array = (np.indices(shape).sum(axis=0) * 9).astype(array.dtype) if array.dtype.kind in "ui" else array
            np.save(tmp_path / "in.npy", array)
            result = run("in.npy", "--scale", "2", "--mode", "nearest", "-o", f"out.{extension}", "--overwrite")
            what = f"{dtype} {shape} → .{extension}"
            if result.exit_code != 0:
                lines = result.stderr.splitlines()
                # 2: a dtype nothing resizes (bool, complex), 1: a format that cannot hold the result
                assert result.exit_code in (1, 2) and len(lines) == 1 and lines[0].startswith("upscale: "), f"{what}: {lines}"
                assert not (tmp_path / f"out.{extension}").exists(), what
                continue
            expected = np.repeat(np.repeat(array, 2, axis=0), 2, axis=1)
            back = _read_back(tmp_path / f"out.{extension}", extension)
            if extension in LOSSY:
                assert back.shape == expected.shape, what
                assert np.abs(back.astype(int) - expected).max() <= LOSSY[extension], what
            else:
                if back.shape != expected.shape:  # an (h, w, 1) array comes back as (h, w)
                    back = back.reshape(expected.shape)
                same_dtype = back.dtype.newbyteorder("=") == expected.dtype.newbyteorder("=")
                assert same_dtype or extension not in ("tif", "npy"), what
                assert back.astype(expected.dtype).tobytes() == expected.tobytes(), what
            (tmp_path / f"out.{extension}").unlink()
            written += 1
    assert written == 0 if extension in OUTSIDE_THE_TABLE else written > 0


if __name__ == "__main__":  # the figures: python tests/io/test_fuzz.py
    pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"])

"""Inputs read in bands: every job writes the file the same job writes from the input decoded whole,
byte for byte (every format read in bands, every dtype, presets, alpha, linear light, bands of a few rows)."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from upscale_cli.batch import convert
from upscale_cli.batch.convert import ResizeRequest, convert_file
from upscale_cli.core.errors import UpscaleError
from upscale_cli.engine import bands
from upscale_cli.io import png, png_rows, png_samples, raw_rows, tiff
from upscale_cli.io.decode import open_streamed

HEIGHT, WIDTH = 41, 23


def _pattern(channels: int, dtype, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (HEIGHT, WIDTH) + ((channels,) if channels > 1 else ())
    if np.dtype(dtype).kind == "f":
        return rng.normal(0, 100, shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, int(info.max) + 1, shape, dtype=dtype)


def _pillow_file(mode: str, fmt: str, **save) -> bytes:
    source = {"I;16": _pattern(1, np.uint16, 1), "F": _pattern(1, np.float32, 2)}.get(mode)
    image = Image.fromarray(source) if source is not None else Image.fromarray(_pattern(4, np.uint8, 3), "RGBA")
    if mode == "P":
        image = image.convert("RGB").quantize(12)
        image.info["transparency"] = 3
    elif image.mode != mode:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def _our_png(mode: str) -> bytes:
    buffer = io.BytesIO()
    png.write_png(buffer, _pattern({"RGB;16": 3, "RGBA;16": 4}[mode], np.uint16, 4), mode, {"compress_level": 6})
    return buffer.getvalue()


def _npy(dtype, channels: int) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, _pattern(channels, dtype, 5))
    return buffer.getvalue()


def _array_tiff(dtype) -> bytes:
    array = _pattern(2, dtype, 6)
    return tiff.array_header(array.shape, array.dtype) + array.astype(np.dtype(dtype).newbyteorder("<")).tobytes()


INPUTS = {
    "L.png": lambda: _pillow_file("L", "PNG"),
    "LA.png": lambda: _pillow_file("LA", "PNG"),
    "RGB.png": lambda: _pillow_file("RGB", "PNG"),
    "RGBA.png": lambda: _pillow_file("RGBA", "PNG"),
    "P.png": lambda: _pillow_file("P", "PNG"),
    "1.png": lambda: _pillow_file("1", "PNG"),
    "I16.png": lambda: _pillow_file("I;16", "PNG"),
    "RGB16.png": lambda: _our_png("RGB;16"),
    "RGBA16.png": lambda: _our_png("RGBA;16"),
    "RGB.tif": lambda: _pillow_file("RGB", "TIFF", compression="tiff_adobe_deflate", strip_size=300),
    "RGBA.tif": lambda: _pillow_file("RGBA", "TIFF"),
    "I16.tif": lambda: _pillow_file("I;16", "TIFF", compression="tiff_lzw"),
    "F.tif": lambda: _pillow_file("F", "TIFF"),
    "f8.tif": lambda: _array_tiff(np.float64),
    "RGB.ppm": lambda: _pillow_file("RGB", "PPM"),
    "I16.pgm": lambda: _pillow_file("I;16", "PPM"),
    "u1.npy": lambda: _npy(np.uint8, 3),
    "i2.npy": lambda: _npy(np.int16, 1),
    "f4.npy": lambda: _npy(np.float32, 2),
    "f8be.npy": lambda: _npy(">f8", 1),
    "f2.npy": lambda: _npy(np.float16, 3),
}
REQUESTS = {
    "bicubic-2x": ResizeRequest(scale=2),
    "lanczos-reduce": ResizeRequest(size="7x9", mode="lanczos"),
    "nearest": ResizeRequest(scale=1.7, mode="nearest"),
    "pillow": ResizeRequest(scale=0.4, mode="bilinear", compat="pillow"),
    "linear": ResizeRequest(scale=0.6, mode="lanczos", linear=True),
}


@pytest.fixture(autouse=True)
def few_rows(monkeypatch):
    """Bands of a few rows in and out, so that every job here is made of many."""
    monkeypatch.setattr(bands, "BAND_BYTES", 64)
    monkeypatch.setattr(bands, "STREAMED_BAND_BYTES", 64)
    for module in (png_rows, raw_rows, tiff):
        monkeypatch.setattr(module, "BAND_BYTES", 50)


def _outcome(path: str, request: ResizeRequest, output: str) -> bytes | str:
    try:
        convert_file(path, request, output=output)
    except UpscaleError as error:
        return f"error: {error}".replace(output, "OUTPUT")
    with open(output, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("request_name", REQUESTS)
@pytest.mark.parametrize("name", INPUTS)
def test_a_job_read_in_bands_writes_the_file_of_the_job_read_whole(tmp_path, monkeypatch, name, request_name):
    path = tmp_path / name
    path.write_bytes(INPUTS[name]())
    assert open_streamed(str(path)) is not None
    request = REQUESTS[request_name]
    outputs = ["npy"] if name.endswith(".npy") or name == "f8.tif" else ["png", "tif", "npy"]
    for ext in outputs:
        streamed = _outcome(str(path), request, str(tmp_path / f"streamed.{ext}"))
        with monkeypatch.context() as whole:
            whole.setattr(convert, "open_streamed", lambda *args, **kwargs: None)
            expected = _outcome(str(path), request, str(tmp_path / f"whole.{ext}"))
        assert streamed == expected, f"{name} {request_name} → {ext}"
    assert isinstance(streamed, bytes) or request_name in ("linear", "pillow")  # most jobs are done, not refused


def test_a_large_reduction_reads_few_rows_at_a_time(tmp_path, monkeypatch):
    """A 1/20 reduction: each band of the fewest output rows (16) reads its 320 rows and the taps' reach, not the image."""
    from upscale_cli.io.window import RowWindow

    monkeypatch.setattr(bands, "BAND_BYTES", 1 << 14)
    asked = []
    original = RowWindow.__getitem__
    monkeypatch.setattr(RowWindow, "__getitem__", lambda self, rows: asked.append(rows) or original(self, rows))
    path = tmp_path / "tall.npy"
    np.save(path, _pattern(1, np.uint8, 7).repeat(50, axis=0).repeat(20, axis=1))  # 2050 × 460
    convert_file(str(path), ResizeRequest(scale=0.05, mode="lanczos"), output=str(tmp_path / "small.npy"))
    assert len(asked) == 7 and max(rows.stop - rows.start for rows in asked) <= 16 * 20 + 6 * 20
    with monkeypatch.context() as whole:
        whole.setattr(convert, "open_streamed", lambda *args, **kwargs: None)
        convert_file(str(path), ResizeRequest(scale=0.05, mode="lanczos"), output=str(tmp_path / "whole.npy"))
    assert (tmp_path / "small.npy").read_bytes() == (tmp_path / "whole.npy").read_bytes()


def test_explain_and_kept_palettes_are_read_whole(tmp_path):
    path = tmp_path / "p.png"
    path.write_bytes(_pillow_file("P", "PNG"))
    assert convert._read_in_bands(str(path), ResizeRequest(scale=2, mode="nearest"), convert.ImageOptions()) is None
    conversion = convert_file(str(path), ResizeRequest(scale=2), output=str(tmp_path / "out.png"), keep_source=True)
    assert conversion.source_array is not None


def _traced_peak(job) -> int:
    tracemalloc.start()
    try:
        job()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("ext", ["npy", "tif", "png"])
def test_a_job_read_in_bands_holds_a_few_bands_not_the_image(tmp_path, monkeypatch, ext):
    """A grey input of 1000×12000 (12 MB) reduced to a quarter: the arrays allocated at once (NumPy's,
    traced) are a few bands and the plan's weights (which grow with the output's height), under half
    the input; decoded whole (a .npy: NumPy's too), more than the input."""
    monkeypatch.setattr(bands, "BAND_BYTES", 1 << 16)
    monkeypatch.setattr(bands, "STREAMED_BAND_BYTES", 1 << 14)
    for module in (png_rows, raw_rows, tiff):
        monkeypatch.setattr(module, "BAND_BYTES", 1 << 16)
    monkeypatch.setattr(png_samples, "INFLATE_BYTES", 1 << 16)
    request = ResizeRequest(scale=0.25, mode="lanczos")
    rows = np.arange(12000, dtype=np.float32)[:, None]
    array = (128 + 100 * np.sin(rows / 37) * np.cos(np.arange(1000, dtype=np.float32) / 53)).astype(np.uint8)
    path = tmp_path / f"in.{ext}"
    np.save(path, array) if ext == "npy" else Image.fromarray(array).save(path, compress_level=1)
    assert _traced_peak(lambda: convert_file(str(path), request, output=str(tmp_path / f"s.{ext}"))) < array.nbytes / 2
    if ext == "npy":
        with monkeypatch.context() as whole:
            whole.setattr(convert, "open_streamed", lambda *args, **kwargs: None)
            assert _traced_peak(lambda: convert_file(str(path), request, output=str(tmp_path / "w.npy"))) > array.nbytes


@pytest.mark.parametrize("request_", [ResizeRequest(scale=0.04, mode="nearest"), ResizeRequest(scale=0.04, mode="bilinear", antialias=False)],
                         ids=["nearest", "bilinear-no-antialias"])
def test_rows_no_band_needs_are_read_past(tmp_path, monkeypatch, request_):
    """A large reduction without antialiasing reads a few rows out of every 25: the rows between two
    bands' are read past, never taken for the next band's."""
    monkeypatch.setattr(bands, "STREAMED_BAND_BYTES", 1)
    path = tmp_path / "tall.npy"
    np.save(path, np.arange(4000 * 50, dtype=np.float32).reshape(4000, 50))
    outputs = []
    for name, opener in (("s", open_streamed), ("w", lambda *args, **kwargs: None)):
        monkeypatch.setattr(convert, "open_streamed", opener)
        convert_file(str(path), request_, output=str(tmp_path / f"{name}.npy"))
        outputs.append(np.load(tmp_path / f"{name}.npy"))
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_a_plan_reading_rows_backwards_is_read_whole(tmp_path, monkeypatch):
    """Should a plan's taps ever go back along axis 0 (no resize here does), the input is decoded whole."""
    from dataclasses import replace

    original = convert.resize_loaded

    def flipped(loaded, request, **kwargs):
        conversion = original(loaded, request, **kwargs)
        axes = tuple(replace(p, weights=replace(p.weights, taps=p.weights.taps[::-1])) if p.axis == 0 else p
                     for p in conversion.plan.axes)
        conversion.plan = replace(conversion.plan, axes=axes)
        return conversion

    monkeypatch.setattr(convert, "resize_loaded", flipped)
    path = tmp_path / "in.npy"
    np.save(path, _pattern(1, np.uint8, 8))
    conversion = convert_file(str(path), ResizeRequest(scale=2), output=str(tmp_path / "out.npy"))
    assert not isinstance(conversion.source.data, convert.RowWindow)

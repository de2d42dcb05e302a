"""Benchmark ``upscale`` against Pillow (and OpenCV and PyTorch when installed).

    python benchmarks/run.py              # tables on the terminal
    python benchmarks/run.py --json       # the same numbers as JSON
    python benchmarks/run.py --markdown   # tables for the README
    python benchmarks/run.py --only in-process --case nearest   # some cases

Every case runs the libraries on the same input, interleaved (A B A B ...)
so that a noisy machine slows them alike; the tables show medians, the
spread (half the interquartile range, in % of the median) and the ratio
``upscale / Pillow`` (below 1.0: upscale is faster). Inputs are made here,
deterministically: a synthetic photograph (smooth shading, soft blobs,
sensor-like noise), so no file needs downloading.

Parts:

- in-process: ``upscale_cli.resize(array)`` against ``Image.resize`` on the
  same samples (RGB 8-bit, float32 and 16-bit grey), with the largest
  difference from Pillow's result in levels;
- process: the ``upscale`` command on a PNG against a minimal Pillow script
  doing the same (decode, resize, encode): wall time, peak memory (RSS) and
  the size of the file written;
- memory: peak RSS of each library resizing 4000×3000 → 8000×6000 Lanczos
  in a fresh process;
- streaming: the whole ``upscale`` process writing 4000×3000 → 8000×6000
  Lanczos as PNG and as TIFF (written band by band) against the Pillow
  script and ``vips resize`` (when the ``vips`` command is installed; it is
  never a dependency): wall time and peak RSS, medians; then 12000×9000 ×2
  to PNG and TIFF, which must stay under 1 GB. ``--compare-with DIR`` adds
  the ``upscale`` of another checkout (e.g. before streaming) to the rows;
- startup: ``upscale --help``;
- presets: every ``compat=`` preset, in every mode it accepts, against
  native mode on the same job and against its library doing the same
  resize (when installed; not for the ONNX standard, whose reference is
  pure Python), RGB 8-bit and float32 grey, ×2, ×½ and ×1.5, interleaved
  in one run; then how many rows are within 2× native and (compat=pillow)
  within 1.0× Pillow, naming the rows that miss.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from PIL import Image

import upscale_cli
from upscale_cli.io.encode import PNG_COMPRESS_LEVEL

PILLOW_FILTERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS,
                  "area": Image.BOX}
#: The Pillow preset's name of each mode (its box filter is exact area averaging when reducing).
PILLOW_MODES = {"area": "box"}
HD, UHD, QHD = (1920, 1080), (3840, 2160), (960, 540)
#: Native rows: every mode at ×2, ×½, ×1.5 and a ratio with a large denominator (1920 → 1366).
NATIVE_SIZES = (UHD, QHD, (2880, 1620), (1366, 768))


def photo(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A photograph-like RGB uint8 image: shading, soft shapes and fine noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    shade = np.stack([np.sin(3 * x + 1), np.cos(2 * y + x), np.sin(5 * x * y + 2)], -1) * 0.5 + 0.5
    for cx, cy, size, colour in zip(rng.random(40), rng.random(40), rng.random(40) * 0.1 + 0.02, rng.random((40, 3)) - 0.5):
        shade += 0.6 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * size * size))[..., None] * colour
    shade += rng.normal(0, 0.03, shade.shape)
    return (np.clip(shade, 0, 1) * 255).round().astype(np.uint8)


# -- in-process ----------------------------------------------------------------


def in_process_cases(quick: bool) -> list[dict]:
    rgb = photo(*HD)
    grey = rgb.astype(np.float32).mean(axis=2) / 255
    inputs = {"RGB8": rgb, "F32 grey": grey, "F32 RGB": rgb.astype(np.float32) / 255}
    cases = []
    for label, array in inputs.items():
        for mode in PILLOW_FILTERS:
            for size in NATIVE_SIZES:
                cases.append({"name": f"{label} 1920×1080 → {size[0]}×{size[1]} {mode}", "array": array, "size": size, "mode": mode})
    sixteen = (grey * 65535).round().astype(np.uint16)
    cases.append({"name": "I16 grey 1920×1080 → 3840×2160 bicubic", "array": sixteen, "size": UHD, "mode": "bicubic"})
    cases.append({"name": "I16 grey 1920×1080 → 960×540 bicubic", "array": sixteen, "size": QHD, "mode": "bicubic"})
    if not quick:
        big = np.asarray(Image.fromarray(rgb).resize((4000, 3000), Image.BICUBIC))
        cases.append({"name": "RGB8 4000×3000 → 8000×6000 lanczos", "array": big, "size": (8000, 6000), "mode": "lanczos", "repeats": 3})
    return cases


def competitors(mode: str, size: tuple[int, int], array: np.ndarray) -> dict:
    """Optional libraries doing the same resize, by name (absent when not installed or not offered)."""
    runs = {}
    try:
        import cv2

        flags = {"nearest": cv2.INTER_NEAREST_EXACT, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC,
                 "lanczos": cv2.INTER_LANCZOS4, "area": cv2.INTER_AREA}
        if array.shape[1] > size[0] and mode != "nearest":
            flags.update(bilinear=cv2.INTER_AREA, bicubic=cv2.INTER_AREA, lanczos=cv2.INTER_AREA)  # its antialiased reduction
        runs["OpenCV"] = lambda: cv2.resize(array, size, interpolation=flags[mode])
    except ImportError:
        pass
    try:
        import torch

        if mode != "lanczos" and array.dtype != np.uint16:
            from upscale_cli.engine.workers import cpu_count

            torch.set_num_threads(cpu_count())  # as many threads as upscale uses
            tensor = torch.from_numpy(nchw(array))
            if tensor.dtype == torch.uint8 and mode != "nearest":
                tensor = tensor.float()  # PyTorch filters uint8 only in bilinear; float for a fair comparison
            torch_mode = {"nearest": "nearest-exact", "bilinear": "bilinear", "bicubic": "bicubic", "area": "area"}[mode]
            options = {"antialias": True, "align_corners": False} if mode in ("bilinear", "bicubic") else {}
            runs["PyTorch"] = lambda: torch.nn.functional.interpolate(tensor, size=size[::-1], mode=torch_mode, **options)
    except ImportError:
        pass
    return runs


def pillow_images(array: np.ndarray) -> list[Image.Image]:
    """The Pillow image of ``array``; Pillow has no float RGB, so float colour is one mode F image a channel."""
    if array.dtype == np.float32 and array.ndim == 3:
        return [Image.fromarray(np.ascontiguousarray(array[..., c])) for c in range(array.shape[2])]
    return [Image.fromarray(array)]  # uint16 is mode I;16


def pillow_result(images: list[Image.Image], size: tuple[int, int], filt) -> np.ndarray:
    """Pillow's resize of :func:`pillow_images` as one array."""
    planes = [np.asarray(image.resize(size, filt)) for image in images]
    return planes[0] if len(planes) == 1 else np.stack(planes, axis=-1)


def compat_keyword() -> dict:
    """``compat='pillow'`` when this version of upscale offers it, else nothing (native arithmetic)."""
    return {"compat": "pillow"} if "compat" in inspect.signature(upscale_cli.resize).parameters else {}


def interleaved(runs: dict, repeats: int) -> dict[str, list[float]]:
    """Time every function ``repeats`` times, taking turns, after one warm-up run each."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def summary(samples: list[float]) -> dict:
    median = statistics.median(samples)
    q1, _, q3 = statistics.quantiles(samples, n=4) if len(samples) > 1 else (median, median, median)
    return {"median_s": median, "spread_pct": 100 * (q3 - q1) / 2 / median, "samples_s": samples}


def measure_in_process(cases: list[dict], repeats: int) -> list[dict]:
    """upscale and Pillow interleaved, case by case; then the optional libraries, on their own.

    OpenCV and PyTorch keep worker threads spinning after each call, which
    would slow whatever runs next: they are timed after all the others.
    """
    compat = compat_keyword()
    results = []
    for case in cases:
        array, size, mode = case["array"], case["size"], case["mode"]
        images = pillow_images(array)
        filt = PILLOW_FILTERS[mode]
        runs = {"upscale": lambda: upscale_cli.resize(array, size=size, mode=mode),
                "Pillow": lambda: [image.resize(size, filt) for image in images]}
        times = interleaved(runs, case.get("repeats", repeats))
        ours = upscale_cli.resize(array, size=size, mode=PILLOW_MODES.get(mode, mode), **compat)
        theirs = pillow_result(images, size, filt)
        difference = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        results.append({
            "case": case["name"],
            "times": {name: summary(samples) for name, samples in times.items()},
            "ratio": statistics.median(times["upscale"]) / statistics.median(times["Pillow"]),
            "vs_pillow": {
                "compared": "compat='pillow'" if compat else "native",
                "max_difference": float(difference.max()),
                "share_over_1": float(np.mean(difference > 1)) if array.dtype.kind in "ui" else None,
            },
        })
    for case, result in zip(cases, results):
        if "repeats" not in case:  # not on the huge case
            array, size, mode = case["array"], case["size"], case["mode"]
            others = competitors(mode, size, array)
            if "PyTorch" in others:  # upscale again, beside PyTorch (whose idle threads spin: this favours PyTorch)
                others["upscale beside PyTorch"] = lambda: upscale_cli.resize(array, size=size, mode=mode)
            times = interleaved(others, repeats)
            result["times"].update({name: summary(samples) for name, samples in times.items()})
            if "PyTorch" in times:
                result["torch_ratio"] = statistics.median(times.pop("upscale beside PyTorch")) / statistics.median(times["PyTorch"])
                del result["times"]["upscale beside PyTorch"]
    return results


# -- presets ---------------------------------------------------------------------

PRESET_MODES = ("bilinear", "bicubic", "lanczos", "area", "nearest")
PRESET_SCALES = (2, 0.5, 1.5)
#: ONNX ``Resize`` attribute values of upscale's option names.
ONNX_MODES = {"nearest": "nearest", "linear": "linear", "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}
ONNX_ROUNDINGS = {"half-down": "round_prefer_floor", "round": "round_prefer_ceil", "floor": "floor", "ceil": "ceil"}
#: The goals the summary under the presets table counts rows against.
NATIVE_TARGET, PILLOW_TARGET = 2.0, 1.0


def nchw(array: np.ndarray) -> np.ndarray:
    """``array`` (H×W or H×W×C) as one contiguous N×C×H×W batch, the layout of PyTorch and ONNX."""
    return np.ascontiguousarray(np.atleast_3d(array).transpose(2, 0, 1))[None]


def preset_mode(preset: str, mode: str) -> str:
    """The preset's name of ``mode``: Pillow calls its area average a box filter."""
    return PILLOW_MODES.get(mode, mode) if preset == "pillow" else mode


def preset_plan(preset: str, mode: str, size: tuple[int, int], array: np.ndarray):
    """The plan ``compat=preset`` follows for the job, or None when the preset refuses it (e.g. has no such mode).

    The preset itself is asked, so that the benchmark covers exactly what the presets offer.
    """
    try:
        return upscale_cli.plan_for(array.shape, size=size, mode=preset_mode(preset, mode), compat=preset,
                                    dtype=array.dtype)
    except upscale_cli.UsageError:
        return None


def pillow_run(mode: str, size: tuple[int, int], array: np.ndarray, options):
    image = Image.fromarray(array)
    return lambda: image.resize(size, PILLOW_FILTERS[mode])


def opencv_run(mode: str, size: tuple[int, int], array: np.ndarray, options):
    import cv2

    flags = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4,
             "area": cv2.INTER_AREA, "nearest": cv2.INTER_NEAREST}
    return lambda: cv2.resize(array, size, interpolation=flags[mode])


def torch_run(mode: str, size: tuple[int, int], array: np.ndarray, options):
    import torch

    if array.dtype != np.float32:  # PyTorch filters float tensors (uint8 only in bilinear)
        return None
    tensor = torch.from_numpy(nchw(array))
    return lambda: torch.nn.functional.interpolate(tensor, size=size[::-1], mode=mode)


def onnxruntime_run(mode: str, size: tuple[int, int], array: np.ndarray, options):
    """A session running one ``Resize`` node with the attributes of the preset's ``options``.

    None when onnxruntime has no kernel for the input type (1.32 has no uint8 cubic: it fails on the first run).
    """
    import onnxruntime
    from onnx import helper, numpy_helper
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail
    from onnxruntime.capi.onnxruntime_pybind11_state import NotImplemented as Unimplemented

    batch = nchw(array)
    out_shape = [*batch.shape[:2], size[1], size[0]]
    node = helper.make_node(
        "Resize", ["X", "", "", "sizes"], ["Y"], mode=ONNX_MODES[options.mode],
        coordinate_transformation_mode=options.align.replace("-", "_"), nearest_mode=ONNX_ROUNDINGS[options.rounding],
        cubic_coeff_a=options.cubic_a, antialias=int(bool(options.antialias)),
        exclude_outside=int(options.exclude_outside),
    )
    element = helper.np_dtype_to_tensor_dtype(batch.dtype)
    graph = helper.make_graph(
        [node], "resize", [helper.make_tensor_value_info("X", element, batch.shape)],
        [helper.make_tensor_value_info("Y", element, out_shape)],
        initializer=[numpy_helper.from_array(np.array(out_shape, np.int64), "sizes")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    settings = onnxruntime.SessionOptions()
    settings.intra_op_num_threads = 2
    settings.log_severity_level = 4  # a missing kernel is reported below, not logged
    # threads that spin after each call would slow the native and preset runs taking turns with it
    settings.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(model.SerializeToString(), settings, providers=["CPUExecutionProvider"])
        session.run(None, {"X": batch})
    except (Fail, Unimplemented):
        return None
    return lambda: session.run(None, {"X": batch})


#: The library's own resize of each preset, when it is worth timing (the ONNX reference is pure Python): each
#: maker takes the mode, size, input and the preset's ResizeOptions and returns the function to time, or None.
LIBRARY_RUNS = {"pillow": pillow_run, "opencv": opencv_run, "torch": torch_run, "onnxruntime": onnxruntime_run}


def library_run(preset: str, mode: str, size: tuple[int, int], array: np.ndarray, options):
    """The library's own resize for ``compat=preset`` as a function, or None (not installed, or not comparable)."""
    make = LIBRARY_RUNS.get(preset)
    try:
        return make(mode, size, array, options) if make else None
    except ImportError:
        return None


def measure_presets(repeats: int, texts: list[str]) -> list[dict]:
    """Native mode, each preset and its library on the same job, interleaved; medians and ratios.

    Every preset of :data:`~upscale_cli.core.choices.COMPATS` runs every mode it accepts.
    """
    from upscale_cli.core.choices import COMPATS

    rgb = photo(*HD)
    inputs = {"RGB8": rgb, "F32 grey": rgb.astype(np.float32).mean(axis=2) / 255}
    results = []
    for label, array in inputs.items():
        for mode in PRESET_MODES:
            for scale in PRESET_SCALES:
                size = (round(HD[0] * scale), round(HD[1] * scale))
                for preset in COMPATS:
                    name = f"{label} ×{scale:g} {mode} compat={preset}"
                    if texts and not any(t in name for t in texts):
                        continue
                    plan = preset_plan(preset, mode, size, array)
                    if plan is None:
                        continue
                    runs = {
                        "native": lambda: upscale_cli.resize(array, size=size, mode=mode),
                        "preset": lambda p=preset: upscale_cli.resize(array, size=size, mode=preset_mode(p, mode), compat=p),
                    }
                    library = library_run(preset, mode, size, array, plan.options)
                    if library is not None:
                        runs["library"] = library
                    times = {key: statistics.median(samples) for key, samples in interleaved(runs, repeats).items()}
                    results.append({
                        "case": name, "preset": preset, "times_s": times,
                        "vs_native": times["preset"] / times["native"],
                        "vs_library": times["preset"] / times["library"] if "library" in times else None,
                    })
    return results


def preset_targets(results: list[dict]) -> list[str]:
    """One line a goal: how many rows meet it, and the rows that miss it with their ratio."""

    def line(goal: str, ratios: list[tuple[str, float]], limit: float) -> str:
        misses = [f"{case} ({ratio:.2f})" for case, ratio in ratios if ratio > limit]
        shown = f"{goal}: {len(ratios) - len(misses)}/{len(ratios)} rows"
        return shown + (f"; miss: {', '.join(misses)}" if misses else "")

    if not results:
        return []
    native = [(r["case"], r["vs_native"]) for r in results]
    pillow = [(r["case"], r["vs_library"]) for r in results if r["preset"] == "pillow" and r["vs_library"] is not None]
    lines = [line(f"within {NATIVE_TARGET:g}× native", native, NATIVE_TARGET)]
    if pillow:
        lines.append(line(f"compat=pillow within {PILLOW_TARGET:.1f}× Pillow", pillow, PILLOW_TARGET))
    return lines


def rows_presets(results: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = ["case", "native ms", "preset ms", "library ms", "preset / native", "preset / library"]
    rows = []
    for r in results:
        times = r["times_s"]
        rows.append([r["case"], f"{times['native'] * 1000:.1f}", f"{times['preset'] * 1000:.1f}",
                     f"{times['library'] * 1000:.1f}" if "library" in times else "—", f"{r['vs_native']:.2f}",
                     f"{r['vs_library']:.2f}" if r["vs_library"] is not None else "—"])
    return header, rows


# -- whole processes -------------------------------------------------------------

PILLOW_SCRIPT = """
import sys
from PIL import Image
image = Image.open(sys.argv[1])
size = (image.width * int(sys.argv[3]), image.height * int(sys.argv[3]))
image.resize(size, getattr(Image, sys.argv[4].upper())).save(sys.argv[2], compress_level=int(sys.argv[5]))
"""


def run_process(command: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of one process (``env``: its environment, ``cwd``: its folder)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{command[0]} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss * 1024


def current_rss() -> int | None:
    """This process's resident memory now, in bytes (Linux), else None."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def upscale_command() -> list[str]:
    return [sys.executable, "-m", "upscale_cli"]


def measure_processes(folder: Path, repeats: int, quick: bool) -> list[dict]:
    script = folder / "pillow_resize.py"
    script.write_text(PILLOW_SCRIPT)
    cases = [(write_photo(folder / "photo.png", HD), "bicubic", repeats)]
    if not quick:
        cases.append((write_photo(folder / "big.png", (4000, 3000)), "lanczos", 2))
    results = []
    for path, mode, count in cases:
        out = folder / "out.png"
        commands = {
            "upscale": upscale_command() + [str(path), "--scale", "2", "--mode", mode, "-o", str(out), "--overwrite"],
            f"Pillow level {PNG_COMPRESS_LEVEL}": [sys.executable, str(script), str(path), str(out), "2", mode, str(PNG_COMPRESS_LEVEL)],
        }
        if count == repeats:  # the default level only on the small photograph: it is slow
            commands["Pillow level 6 (its default)"] = [sys.executable, str(script), str(path), str(out), "2", mode, "6"]
        walls = {name: [] for name in commands}
        peaks = {name: [] for name in commands}
        sizes = {}
        for _ in range(count):
            for name, command in commands.items():
                wall, peak = run_process(command)
                walls[name].append(wall)
                peaks[name].append(peak)
                sizes[name] = out.stat().st_size
        with Image.open(path) as image:
            size = image.size
        same_level = f"Pillow level {PNG_COMPRESS_LEVEL}"
        results.append({
            "case": f"{path.name} {size[0]}×{size[1]} --scale 2 --mode {mode}",
            "times": {name: summary(samples) for name, samples in walls.items()},
            "peak_rss": {name: max(samples) for name, samples in peaks.items()},
            "output_bytes": sizes,
            "ratio": statistics.median(walls["upscale"]) / statistics.median(walls[same_level]),
            "memory_ratio": max(peaks["upscale"]) / max(peaks[same_level]),
            "size_ratio": sizes["upscale"] / sizes[same_level],
        })
    return results


def write_photo(path: Path, size: tuple[int, int]) -> Path:
    """Write the test photograph at ``size`` as a PNG, from another process (this one stays small)."""
    script = PHOTO_SCRIPT + f"\nImage.fromarray(array).save({str(path)!r}, compress_level={PNG_COMPRESS_LEVEL})"
    subprocess.run([sys.executable, "-c", script, str(size[0]), str(size[1])], check=True)
    return path


PHOTO_SCRIPT = f"""
import sys, numpy as np
from PIL import Image
sys.path[:0] = [{str(Path(__file__).resolve().parent.parent)!r}]
from benchmarks.run import photo
width, height = int(sys.argv[1]), int(sys.argv[2])
array = photo(1920, 1080)
if (width, height) != (1920, 1080):  # larger photographs are enlarged: the texture stays photographic
    array = np.asarray(Image.fromarray(array).resize((width, height), Image.BICUBIC))
"""

MEMORY_SCRIPT = """
import resource, sys, numpy as np
from PIL import Image
array = np.load(sys.argv[1])
if sys.argv[2] == "Pillow":  # Pillow keeps only its image
    image = Image.fromarray(array)
    del array
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[2] == "Pillow":
    result = image.resize((8000, 6000), Image.LANCZOS)
else:
    import upscale_cli
    result = upscale_cli.resize(array, size=(8000, 6000), mode="lanczos")
print(before * 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def measure_memory(folder: Path) -> dict:
    """Peak RSS of a fresh process resizing 4000×3000 → 8000×6000 with Lanczos, each library.

    The input is loaded from a ``.npy`` file, so that making it does not set the peak.
    """
    source = folder / "big.npy"
    subprocess.run([sys.executable, "-c", PHOTO_SCRIPT + f"\nnp.save({str(source)!r}, array)", "4000", "3000"], check=True)
    result = {}
    for name in ("upscale", "Pillow"):
        output = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(source), name],
                                capture_output=True, text=True, check=True).stdout.split()
        before, peak = map(int, output)
        result[name] = {"before_resize": before, "peak": peak}
    result["ratio"] = result["upscale"]["peak"] / result["Pillow"]["peak"]
    return result


def measure_streaming(folder: Path, repeats: int, compare_with: str | None, huge: bool) -> dict:
    """Whole processes writing 4000×3000 → 8000×6000 Lanczos as PNG and TIFF, interleaved; then the huge case."""
    script = folder / "pillow_resize.py"
    script.write_text(PILLOW_SCRIPT)
    source = str(write_photo(folder / "big.png", (4000, 3000)))
    other = dict(os.environ, PYTHONPATH=compare_with) if compare_with else None
    cases = []
    for ext in ("png", "tif"):
        out = str(folder / f"out.{ext}")
        upscale = [source, "--scale", "2", "--mode", "lanczos", "-o", out, "--overwrite"]
        commands = {"upscale": (upscale_command() + upscale, None)}
        if other:
            commands[f"upscale ({Path(compare_with).name})"] = (upscale_command() + upscale, other)
        commands["Pillow"] = ([sys.executable, str(script), source, out, "2", "lanczos", str(PNG_COMPRESS_LEVEL)], None)
        if shutil.which("vips"):
            target = f"{out}[compression={PNG_COMPRESS_LEVEL}]" if ext == "png" else out
            commands["vips resize"] = (["vips", "resize", source, target, "2", "--kernel", "lanczos3"], None)
        walls = {name: [] for name in commands}
        peaks = {name: [] for name in commands}
        for _ in range(repeats):
            for name, (command, env) in commands.items():
                wall, peak = run_process(command, env, folder)  # not here: ``-m`` would find this checkout first
                walls[name].append(wall)
                peaks[name].append(peak)
        peak = {name: statistics.median(samples) for name, samples in peaks.items()}
        cases.append({
            "case": f"4000×3000 → 8000×6000 lanczos, {ext.upper()}",
            "times": {name: summary(samples) for name, samples in walls.items()},
            "peak_rss": peak,
            "memory_vs_pillow": peak["upscale"] / peak["Pillow"],
            "memory_vs_vips": peak["upscale"] / peak["vips resize"] if "vips resize" in peak else None,
        })
    result = {"cases": cases, "huge": []}
    if huge:
        source = str(write_photo(folder / "huge.png", (12000, 9000)))
        for ext in ("png", "tif"):
            out = str(folder / f"huge@2x.{ext}")
            wall, peak = run_process(upscale_command() + [source, "--scale", "2", "--mode", "lanczos", "-o", out, "--overwrite"])
            result["huge"].append({"case": f"12000×9000 → 24000×18000 lanczos, {ext.upper()}", "wall_s": wall, "peak_rss": peak,
                                   "output_bytes": os.path.getsize(out)})
            os.remove(out)
    return result


def measure_startup(repeats: int) -> dict:
    samples = [run_process(upscale_command() + ["--help"])[0] for _ in range(repeats)]
    return summary(samples)


# -- report ----------------------------------------------------------------------


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {"python": platform.python_version(), "numpy": np.__version__, "pillow": Image.__version__}
    for name, module in (("opencv", "cv2"), ("torch", "torch"), ("onnx", "onnx"), ("onnxruntime", "onnxruntime")):
        try:
            versions[name] = __import__(module).__version__
        except ImportError:
            pass
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    return {"cpu": model, "cores": os.cpu_count(), "system": platform.platform(), "versions": versions,
            "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip()}


def milliseconds(entry: dict) -> str:
    return f"{entry['median_s'] * 1000:.1f} ±{entry['spread_pct']:.0f}%"


def rows_in_process(results: list[dict]) -> tuple[list[str], list[list[str]]]:
    others = sorted({name for r in results for name in r["times"]} - {"upscale", "Pillow"})
    header = ["case", "upscale ms", "Pillow ms", "ratio", "max diff", *[f"{name} ms" for name in others], "÷ PyTorch"]
    rows = []
    for r in results:
        diff = r["vs_pillow"]
        shown = f"{diff['max_difference']:.0f}" if diff["share_over_1"] is not None else f"{diff['max_difference']:.1e}"
        if diff["share_over_1"]:
            shown += f" ({100 * diff['share_over_1']:.2f}% >1)"
        rows.append([r["case"], milliseconds(r["times"]["upscale"]), milliseconds(r["times"]["Pillow"]),
                     f"{r['ratio']:.2f}", shown,
                     *[milliseconds(r["times"][n]) if n in r["times"] else "—" for n in others],
                     f"{r['torch_ratio']:.2f}" if "torch_ratio" in r else "—"])
    return header, rows


def rows_processes(results: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = ["case", "program", "wall s", "peak RSS MB", "output MB", "time ratio", "memory ratio", "size ratio"]
    rows = []
    for r in results:
        for index, name in enumerate(r["times"]):
            ratios = [f"{r[key]:.2f}" if index == 0 else "" for key in ("ratio", "memory_ratio", "size_ratio")]
            rows.append([r["case"] if index == 0 else "", name, f"{r['times'][name]['median_s']:.2f} ±{r['times'][name]['spread_pct']:.0f}%",
                         f"{r['peak_rss'][name] / 2**20:.0f}", f"{r['output_bytes'][name] / 1e6:.1f}", *ratios])
    return header, rows


def rows_memory(result: dict) -> tuple[list[str], list[list[str]]]:
    header = ["library", "peak RSS MB", "before the resize MB"]
    rows = [[name, f"{result[name]['peak'] / 2**20:.0f}", f"{result[name]['before_resize'] / 2**20:.0f}"] for name in ("upscale", "Pillow")]
    rows.append(["ratio", f"{result['ratio']:.2f}", ""])
    return header, rows


def rows_streaming(result: dict) -> tuple[list[str], list[list[str]]]:
    header = ["case", "program", "wall s", "peak RSS MB", "memory vs Pillow", "memory vs vips"]
    rows = []
    for r in result["cases"]:
        for index, name in enumerate(r["times"]):
            ratios = [f"{r[key]:.2f}" if index == 0 and r[key] is not None else "" for key in ("memory_vs_pillow", "memory_vs_vips")]
            rows.append([r["case"] if index == 0 else "", name, f"{r['times'][name]['median_s']:.2f} ±{r['times'][name]['spread_pct']:.0f}%",
                         f"{r['peak_rss'][name] / 2**20:.0f}", *ratios])
    for r in result["huge"]:
        rows.append([r["case"], "upscale", f"{r['wall_s']:.1f}", f"{r['peak_rss'] / 2**20:.0f}", "", ""])
    return header, rows


def tables(report: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    found = []
    if report["in_process"]:
        compared = report["in_process"][0]["vs_pillow"]["compared"]
        found.append((f"In-process resize (ratio = upscale / Pillow; max diff: upscale {compared} against Pillow, in levels)",
                      *rows_in_process(report["in_process"])))
    if report.get("processes"):
        found.append(("Whole process: decode, resize ×2, encode PNG (ratio against Pillow at the same PNG level)",
                      *rows_processes(report["processes"])))
    if report.get("memory"):
        found.append(("Peak memory, 4000×3000 → 8000×6000 Lanczos in a fresh process", *rows_memory(report["memory"])))
    if report.get("streaming"):
        found.append(("Streaming: whole processes, decode, resize ×2, write band by band (medians; peak RSS of the whole process)",
                      *rows_streaming(report["streaming"])))
    if report.get("presets"):
        found.append(("Library presets, 1920×1080 (medians of interleaved runs; library = cv2.resize, Image.resize, "
                      "F.interpolate, onnxruntime's InferenceSession.run)", *rows_presets(report["presets"])))
    return found


def print_rich(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    info = report["machine"]
    console.print(f"[bold]{info['cpu']}[/], {info['cores']} cores, {info['system']}; "
                  + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + f"; BLAS {info['blas']}")
    for title, header, rows in tables(report):
        table = Table(title=title, title_justify="left")
        for index, column in enumerate(header):
            table.add_column(column, justify="left" if index == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in preset_targets(report.get("presets") or []):
        console.print(line)
    if report.get("startup"):
        console.print(f"upscale --help: {milliseconds(report['startup'])} ms")


def print_markdown(report: dict) -> None:
    info = report["machine"]
    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['system']}; "
          + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + f"; BLAS {info['blas']}.\n")
    for title, header, rows in tables(report):
        print(f"{title}:\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print()
    if report.get("presets"):
        print("\n".join(f"- {line}" for line in preset_targets(report["presets"])) + "\n")
    if report.get("startup"):
        print(f"`upscale --help`: {milliseconds(report['startup'])} ms.")


def main() -> None:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__).split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per library and case (default 7)")
    parser.add_argument("--quick", action="store_true", help="skip the 4000×3000 cases (a few seconds each)")
    parser.add_argument("--only", choices=["in-process", "process", "memory", "streaming", "startup", "presets"], help="run one part")
    parser.add_argument("--compare-with", metavar="DIR",
                        help="streaming part: also run the upscale of the checkout in DIR (on PYTHONPATH)")
    parser.add_argument("--case", action="append", default=[], metavar="TEXT",
                        help="only the in-process and preset cases whose names contain TEXT (repeatable)")
    args = parser.parse_args()
    report = {"machine": None, "in_process": [], "processes": [], "memory": None, "streaming": None, "startup": None, "presets": []}
    # processes first: a child's peak RSS counts the pages it shares with this
    # process when forked, so this one must still be small
    report["launcher_rss"] = current_rss()
    if args.only in (None, "startup"):
        report["startup"] = measure_startup(args.repeats)
    with tempfile.TemporaryDirectory() as folder:
        if args.only in (None, "process"):
            report["processes"] = measure_processes(Path(folder), max(3, args.repeats // 2), args.quick)
        if args.only in (None, "memory") and not args.quick:
            report["memory"] = measure_memory(Path(folder))
        if args.only in (None, "streaming") and not args.quick:
            report["streaming"] = measure_streaming(Path(folder), max(3, args.repeats // 2), args.compare_with, huge=True)
    if args.only in (None, "in-process"):
        cases = [c for c in in_process_cases(args.quick) if not args.case or any(t in c["name"] for t in args.case)]
        report["in_process"] = measure_in_process(cases, args.repeats)
    if args.only in (None, "presets"):
        report["presets"] = measure_presets(args.repeats, args.case)
    report["machine"] = machine()  # last: it imports the optional libraries
    if args.json:
        print(json.dumps(report, indent=2))
    elif args.markdown:
        print_markdown(report)
    else:
        print_rich(report)


if __name__ == "__main__":
    main()

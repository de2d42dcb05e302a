"""Inputs read in bands: peak memory and time of whole processes on large inputs, beside libvips.

    python benchmarks/streaming_inputs.py [--repeats 3] [--only huge-tiff|png|giant-tiff] [--folder DIR]

Cases (docs/streaming.md):

- ``huge-tiff``: a 16000×12000 RGB uncompressed TIFF (576 MB of samples) →
  1600 wide, Lanczos, TIFF out;
- ``png``: the benchmark photograph at 4000×3000, PNG → ×2 Lanczos, PNG out;
- ``giant-tiff``: a 50000×40000 grey uncompressed TIFF (2 GB of samples) →
  5000 wide, Lanczos, TIFF out.

The TIFF inputs are a smooth pattern written strip by strip (never whole in
memory) by the band writer of :mod:`upscale_cli.io.stream`. Each program
runs ``--repeats`` times, taking turns; the table gives the median wall
time and the median peak resident memory (``ru_maxrss`` of the child) of
each. ``vips resize`` and ``vipsthumbnail`` run when installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]
from run import run_process, upscale_command, write_photo  # noqa: E402  (this folder's own benchmark)

from upscale_cli.io.stream import write_tiff  # noqa: E402

#: Rows of the pattern made at a time.
PATTERN_ROWS = 256


class SmoothPattern:
    """A smooth picture of ``width``×``height`` (grey, or RGB with ``channels=3``), made a band of rows at a time."""

    def __init__(self, width: int, height: int, channels: int):
        self.shape = (height, width) + ((channels,) if channels > 1 else ())
        self.dtype = np.dtype(np.uint8)
        self._x = np.arange(width, dtype=np.float32)

    def __iter__(self):
        height = self.shape[0]
        for low in range(0, height, PATTERN_ROWS):
            y = np.arange(low, min(low + PATTERN_ROWS, height), dtype=np.float32)[:, None]
            grey = 128 + 60 * np.sin(self._x / 211) * np.cos(y / 157) + 50 * np.sin((self._x + 2 * y) / 1009)
            band = grey.astype(np.uint8)
            if len(self.shape) == 3:  # three channels, each a shifted copy
                band = np.stack([band, np.roll(band, 97, axis=1), 255 - band], axis=-1)
            yield band


def write_pattern_tiff(path: Path, width: int, height: int, channels: int) -> Path:
    """Write the smooth pattern as an uncompressed TIFF, band by band."""
    if not path.exists():
        pattern = SmoothPattern(width, height, channels)
        with open(path, "wb") as handle:
            write_tiff(handle, pattern, "RGB" if channels == 3 else "L")
    return path


def cases(folder: Path) -> dict:
    """Each case: its title and its programs (name → command)."""
    vips = shutil.which("vips") is not None
    upscale = upscale_command()
    huge = lambda: write_pattern_tiff(folder / "huge.tif", 16000, 12000, 3)  # noqa: E731
    giant = lambda: write_pattern_tiff(folder / "giant.tif", 50000, 40000, 1)  # noqa: E731
    photo = lambda: write_photo(folder / "photo.png", (4000, 3000))  # noqa: E731
    found = {
        "huge-tiff": ("16000×12000 RGB TIFF → 1600 wide, Lanczos, TIFF", huge, lambda source: {
            "upscale": upscale + [source, "--width", "1600", "--mode", "lanczos", "-o", str(folder / "hu.tif"), "--overwrite"],
            **({"vips resize": ["vips", "resize", source, str(folder / "hv.tif"), "0.1", "--kernel", "lanczos3"],
                "vipsthumbnail": ["vipsthumbnail", source, "--size", "1600x", "-o", str(folder / "ht.tif")]} if vips else {}),
        }),
        "png": ("4000×3000 PNG → ×2, Lanczos, PNG", photo, lambda source: {
            "upscale": upscale + [source, "--scale", "2", "--mode", "lanczos", "-o", str(folder / "pu.png"), "--overwrite"],
            **({"vips resize": ["vips", "resize", source, f"{folder / 'pv.png'}[compression=1]", "2", "--kernel", "lanczos3"]}
               if vips else {}),
        }),
        "giant-tiff": ("50000×40000 grey TIFF → 5000 wide, Lanczos, TIFF", giant, lambda source: {
            "upscale": upscale + [source, "--width", "5000", "--mode", "lanczos", "-o", str(folder / "gu.tif"), "--overwrite"],
            **({"vips resize": ["vips", "resize", source, str(folder / "gv.tif"), "0.1", "--kernel", "lanczos3"]} if vips else {}),
        }),
    }
    return found


def measure(folder: Path, names: list[str], repeats: int) -> list[dict]:
    results = []
    for name, (title, make, programs) in cases(folder).items():
        if name not in names:
            continue
        commands = programs(str(make()))
        walls = {program: [] for program in commands}
        peaks = {program: [] for program in commands}
        for _ in range(repeats):
            for program, command in commands.items():
                wall, peak = run_process(command)
                walls[program].append(wall)
                peaks[program].append(peak)
        results.append({"case": title, "wall_s": {p: statistics.median(w) for p, w in walls.items()},
                        "peak_mb": {p: statistics.median(m) / 1e6 for p, m in peaks.items()}})
    return results


def markdown(results: list[dict]) -> str:
    lines = ["| case | program | wall s | peak RSS MB | time vs vips | memory vs vips |", "|---|---|---:|---:|---:|---:|"]
    for result in results:
        vips_wall, vips_peak = result["wall_s"].get("vips resize"), result["peak_mb"].get("vips resize")
        for index, program in enumerate(result["wall_s"]):
            wall, peak = result["wall_s"][program], result["peak_mb"][program]
            ratios = [f"{wall / vips_wall:.2f}", f"{peak / vips_peak:.2f}"] if vips_wall and program == "upscale" else ["", ""]
            lines.append(f"| {result['case'] if index == 0 else ''} | {program} | {wall:.2f} | {peak:.0f} | {' | '.join(ratios)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=["huge-tiff", "png", "giant-tiff"], action="append")
    parser.add_argument("--folder", help="where the inputs are made and kept (default: a temporary folder, removed)")
    args = parser.parse_args()
    names = args.only or ["huge-tiff", "png", "giant-tiff"]
    if args.folder:
        os.makedirs(args.folder, exist_ok=True)
        print(markdown(measure(Path(args.folder), names, args.repeats)))
        return
    with tempfile.TemporaryDirectory() as folder:
        print(markdown(measure(Path(folder), names, args.repeats)))


if __name__ == "__main__":
    main()

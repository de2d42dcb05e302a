"""Whole commands on photo folders: ``upscale -j N`` against a Pillow script with a pool of N processes.

    python benchmarks/folders.py                 # the table, medians of 3 interleaved runs
    python benchmarks/folders.py --repeats 5 --jobs 2
    python benchmarks/folders.py --only icons

The jobs (JPEG quality 90, Lanczos, the same files for every command):

- ``camera``: 16 and 8 camera-sized JPEGs, 4000×3000 → 1920 wide;
- ``double``: 16 and 8 JPEGs of 1920×1440 → ×2;
- ``icons``: 500 RGBA PNG icons of 64×64 → ×2.

Each row runs ``upscale`` with ``-j 1`` and ``-j N``, ``upscale
--shrink-on-load`` where the job reduces, the Pillow script with a pool of
N processes, and ``vipsthumbnail`` (where installed, never a dependency),
interleaved run by run so that a noisy machine slows them alike; the
ratios are against the Pillow script of the same run. Wall time is the
whole process, start-up included, as a user waits for it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PILLOW_POOL = textwrap.dedent('''
    import sys
    from multiprocessing import Pool
    from pathlib import Path
    from PIL import Image

    def convert(job):
        source, target, width, scale = job
        with Image.open(source) as image:
            image.load()
            size = (width, round(image.height * width / image.width)) if width else (image.width * scale, image.height * scale)
            resized = image.resize(size, Image.LANCZOS)
        if target.endswith(".jpg"):
            resized.save(target, quality=90)
        else:
            resized.save(target)

    if __name__ == "__main__":
        source, target, width, scale, jobs = sys.argv[1:6]
        files = sorted(Path(source).iterdir())
        suffix = ".jpg" if files[0].suffix == ".jpg" else ".png"
        work = [(str(f), str(Path(target) / (f.stem + suffix)), int(width), int(scale)) for f in files]
        with Pool(int(jobs)) as pool:
            pool.map(convert, work, chunksize=max(1, len(work) // (4 * int(jobs))))
''')


def photo(width: int, height: int, seed: int):
    """A photograph-like RGB image: shading, soft shapes, fine noise (what JPEG meets in a camera folder)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    small = rng.random((height // 40 + 2, width // 40 + 2, 3))
    base = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((width, height), Image.BICUBIC), float)
    base += rng.normal(0, 6, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def make_folders(root: Path, only: set[str]) -> dict[str, tuple[Path, list[str], list[str], list[str] | None]]:
    """The input folders, and for each: the ``upscale`` size arguments, the Pillow script's, vipsthumbnail's."""
    import numpy as np
    from PIL import Image

    jobs = {}
    for count in (16, 8):
        if "camera" in only:
            folder = root / f"camera{count}"
            folder.mkdir()
            for i in range(count):
                photo(4000, 3000, i).save(folder / f"IMG_{i:04d}.jpg", quality=90)
            jobs[f"{count} JPEGs 4000×3000 → 1920 wide"] = (folder, ["--width", "1920"], ["1920", "0"], ["--size", "1920x"])
        if "double" in only:
            folder = root / f"double{count}"
            folder.mkdir()
            for i in range(count):
                photo(1920, 1440, 100 + i).save(folder / f"IMG_{i:04d}.jpg", quality=90)
            jobs[f"{count} JPEGs 1920×1440 → ×2"] = (folder, ["--scale", "2"], ["0", "2"], None)
    if "icons" in only:
        folder = root / "icons"
        folder.mkdir()
        rng = np.random.default_rng(7)
        for i in range(500):
            icon = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
            Image.fromarray(icon, "RGBA").resize((64, 64), Image.BICUBIC).save(folder / f"icon{i:03d}.png")
        jobs["500 icons 64×64 RGBA PNG → ×2"] = (folder, ["--scale", "2"], ["0", "2"], None)
    return jobs


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} … failed: {done.stderr.decode()[-500:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", action="append", choices=["camera", "double", "icons"])
    args = parser.parse_args()
    only = set(args.only or ["camera", "double", "icons"])
    upscale = [sys.executable, "-m", "upscale_cli"]
    vips = shutil.which("vipsthumbnail")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        script = root / "pillow_pool.py"
        script.write_text(PILLOW_POOL)
        jobs = make_folders(root, only)
        print(f"{os.cpu_count()} CPUs, -j {args.jobs}, medians of {args.repeats} interleaved runs\n")
        print(f"{'job':38} {'command':28} {'median s':>9} {'÷ Pillow':>9}")
        for name, (folder, size, pillow_size, vips_size) in jobs.items():
            out = root / "out"
            reduces = "--width" in size
            commands = {
                "upscale -j 1": upscale + [str(folder), "-o", str(out), *size, "--mode", "lanczos", "-j", "1",
                                           "--overwrite", "--quiet"],
                f"upscale -j {args.jobs}": upscale + [str(folder), "-o", str(out), *size, "--mode", "lanczos", "-j",
                                                      str(args.jobs), "--overwrite", "--quiet"],
                f"Pillow Pool({args.jobs})": [sys.executable, str(script), str(folder), str(out), *pillow_size,
                                               str(args.jobs)],
            }
            if reduces:
                commands[f"upscale -j {args.jobs} --shrink-on-load"] = commands[f"upscale -j {args.jobs}"] + ["--shrink-on-load"]
            if vips and vips_size:
                commands["vipsthumbnail (xargs -P)"] = [
                    "sh", "-c", f"ls {folder}/* | xargs -P {args.jobs} -n 4 {vips} {' '.join(vips_size)} -o {out}/%s.jpg[Q=90]"]
            times = {label: [] for label in commands}
            for _ in range(args.repeats):
                for label, command in commands.items():
                    shutil.rmtree(out, ignore_errors=True)
                    out.mkdir()
                    times[label].append(wall(command))
            pillow = statistics.median(times[f"Pillow Pool({args.jobs})"])
            for label, samples in times.items():
                median = statistics.median(samples)
                print(f"{name:38} {label:28} {median:9.2f} {median / pillow:9.2f}")
            scaling = statistics.median(times["upscale -j 1"]) / statistics.median(times[f"upscale -j {args.jobs}"])
            print(f"{'':38} {'-j 1 ÷ -j ' + str(args.jobs):28} {scaling:9.2f}\n")


if __name__ == "__main__":
    main()

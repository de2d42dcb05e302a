"""Whole commands on photo folders: ``upscale -j N`` against a Pillow script with a pool of N processes.

    python benchmarks/folders.py                 # the table, medians of 3 interleaved runs
    python benchmarks/folders.py --repeats 5 --jobs 2
    python benchmarks/folders.py --only icons

The jobs (Lanczos, JPEG quality 90 and PNG level 1 for every command, the same files):

- ``camera``: 16 and 8 camera-sized JPEGs, 4000×3000 → 1920 wide, and the 8 → 800 wide;
- ``double``: 16 and 8 JPEGs of 1920×1440 → ×2;
- ``icons``: 500 RGBA PNG icons of 64×64 → ×2.

Each row runs ``upscale`` with ``-j 1`` and ``-j N``, ``upscale
--shrink-on-load`` where the job reduces, the Pillow script with a pool of
N processes, and ``vipsthumbnail`` (where installed, never a dependency),
interleaved run by run so that a noisy machine slows them alike; the
ratios are against the Pillow script of the same run. Wall time is the
whole process, start-up included, as a user waits for it; CPU time (user
and system, every process each command started) says what each costs when
other work shares the machine, where wall times mostly measure the others.
"""

from __future__ import annotations

import argparse
import os
import resource
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
            resized.save(target, compress_level=1)  # upscale's PNG level

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


def _photos(folder: Path, count: int, width: int, height: int, seed: int) -> Path:
    """``count`` photographs; the 8-file folder copies the first 8 of the 16 (making them is the slow part)."""
    folder.mkdir()
    bigger = folder.with_name(folder.name.replace(str(count), "16"))
    for i in range(count):
        name = f"IMG_{i:04d}.jpg"
        if bigger != folder and (bigger / name).exists():
            shutil.copyfile(bigger / name, folder / name)
        else:
            photo(width, height, seed + i).save(folder / name, quality=90)
    return folder


def make_folders(root: Path, only: set[str]) -> dict[str, tuple[Path, list[str], list[str], list[str] | None]]:
    """The input folders, and for each: the ``upscale`` size arguments, the Pillow script's, vipsthumbnail's."""
    import numpy as np
    from PIL import Image

    jobs = {}
    for count in (16, 8):
        if "camera" in only:
            folder = _photos(root / f"camera{count}", count, 4000, 3000, 0)
            jobs[f"{count} JPEGs 4000×3000 → 1920 wide"] = (folder, ["--width", "1920"], ["1920", "0"], ["--size", "1920x"])
            if count == 8:  # a reduction that leaves shrink-on-load room (4000 → 1920 leaves none)
                jobs["8 JPEGs 4000×3000 → 800 wide"] = (folder, ["--width", "800"], ["800", "0"], ["--size", "800x"])
        if "double" in only:
            folder = _photos(root / f"double{count}", count, 1920, 1440, 100)
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


def timed(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, every process it started) of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} … failed: {done.stderr.decode()[-500:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
        print(f"{os.cpu_count()} CPUs, -j {args.jobs}, medians of {args.repeats} interleaved runs, "
              f"load average before: {os.getloadavg()[0]:.1f}\n")
        print(f"{'job':38} {'command':36} {'median s':>9} {'÷ Pillow':>9} {'CPU s':>9} {'÷ Pillow':>9}")
        for name, (folder, size, pillow_size, vips_size) in jobs.items():
            out = root / "out"
            reduces = "--width" in size
            common = [str(folder), "-o", str(out), *size, "--mode", "lanczos", "--quality", "90", "--overwrite", "--quiet"]
            commands = {
                "upscale -j 1": upscale + common + ["-j", "1"],
                f"upscale -j {args.jobs}": upscale + common + ["-j", str(args.jobs)],
                f"Pillow Pool({args.jobs})": [sys.executable, str(script), str(folder), str(out), *pillow_size,
                                               str(args.jobs)],
            }
            if reduces:
                commands[f"upscale -j {args.jobs} --shrink-on-load"] = commands[f"upscale -j {args.jobs}"] + ["--shrink-on-load"]
            if vips and vips_size:
                commands["vipsthumbnail (xargs -P)"] = [
                    "sh", "-c", f"ls {folder}/* | xargs -P {args.jobs} -n 4 {vips} {' '.join(vips_size)} -o {out}/%s.jpg[Q=90]"]
            times = {label: [] for label in commands}
            cpu = {label: [] for label in commands}
            for _ in range(args.repeats):
                for label, command in commands.items():
                    shutil.rmtree(out, ignore_errors=True)
                    out.mkdir()
                    elapsed, used = timed(command)
                    times[label].append(elapsed)
                    cpu[label].append(used)
            pillow = statistics.median(times[f"Pillow Pool({args.jobs})"])
            pillow_cpu = statistics.median(cpu[f"Pillow Pool({args.jobs})"])
            for label, samples in times.items():
                median, median_cpu = statistics.median(samples), statistics.median(cpu[label])
                print(f"{name:38} {label:36} {median:9.2f} {median / pillow:9.2f} {median_cpu:9.2f} "
                      f"{median_cpu / pillow_cpu:9.2f}")
            scaling = statistics.median(times["upscale -j 1"]) / statistics.median(times[f"upscale -j {args.jobs}"])
            print(f"{'':38} {'-j 1 ÷ -j ' + str(args.jobs):36} {scaling:9.2f}   "
                  f"(load average now {os.getloadavg()[0]:.1f})\n")


if __name__ == "__main__":
    main()

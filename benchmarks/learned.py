"""Quality and speed of the learned upscalers (``--mode espcn``, ``--mode fsrcnn``).

    pip install -e '.[train]'          # scikit-image: the held-out photographs and SSIM
    python benchmarks/learned.py                  # quality table, speed, peak memory
    python benchmarks/learned.py --quality-only

Quality, by the usual super-resolution protocol: each held-out photograph
(training/DATA.md; never used in training) is reduced by 2, 3 and 4 with
this project's antialiased bicubic in 8 bits, enlarged back by each method,
and compared with the original on Y (BT.601 luminance, 0–255), a border of
``scale`` pixels cropped: PSNR and SSIM (Gaussian window, σ = 1.5).

Speed: a photograph (``coffee`` resized) to 1920×1080 per model (640×360
at ×3), best of 3, on this machine's cores: wall time, and the CPU time of
this process (which a machine busy with other work disturbs much less);
megapixels of output per second of wall time, and the load average. Peak memory: a 1280×720 RGB photograph to 3840×2160 (×3) in a
fresh process (``ru_maxrss``, the Python interpreter and NumPy included).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np

import upscale_cli
from upscale_cli.core.choices import LEARNED_MODES, LEARNED_SCALES
from upscale_cli.nn.learned import learned_samples
from upscale_cli.nn.models import load_model

HELD_OUT = ("coffee", "chelsea", "rocket", "camera")
CLASSIC = ("bicubic", "lanczos")


def photograph(name: str) -> np.ndarray:
    from skimage import data

    return getattr(data, name)()


def luma(samples: np.ndarray) -> np.ndarray:
    samples = samples.astype(np.float64)
    if samples.ndim == 2:
        return samples
    return 0.299 * samples[..., 0] + 0.587 * samples[..., 1] + 0.114 * samples[..., 2]


def enlarge(small: np.ndarray, method: str, scale: int) -> np.ndarray:
    if method in LEARNED_MODES:
        return learned_samples(small, load_model(method, scale))
    return upscale_cli.resize(small, scale=scale, mode=method)


def scores(image: np.ndarray, method: str, scale: int) -> tuple[float, float]:
    """(PSNR, SSIM) on Y of ``method`` enlarging ``image`` reduced by ``scale``, borders cropped."""
    from skimage.metrics import structural_similarity

    height, width = (n - n % scale for n in image.shape[:2])
    image = np.ascontiguousarray(image[:height, :width])
    small = upscale_cli.resize(image, size=(width // scale, height // scale), mode="bicubic")
    crop = (slice(scale, -scale), slice(scale, -scale))
    truth, made = luma(image)[crop], luma(enlarge(small, method, scale))[crop]
    psnr = 10 * math.log10(255**2 / float(np.mean((truth - made) ** 2)))
    ssim = structural_similarity(truth, made, data_range=255, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False)
    return psnr, ssim


def quality_table() -> None:
    methods = CLASSIC + LEARNED_MODES
    print("PSNR (dB) / SSIM on Y, held-out photographs, borders of `scale` cropped\n")
    print("| image | scale | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    means = {}
    for scale in LEARNED_SCALES:
        for name in HELD_OUT:
            image = photograph(name)
            row = [scores(image, method, scale) for method in methods]
            for method, score in zip(methods, row):
                means.setdefault((scale, method), []).append(score)
            print(f"| {name} | ×{scale} | " + " | ".join(f"{p:.2f} / {s:.4f}" for p, s in row) + " |")
        mean = [np.mean(means[scale, m], axis=0) for m in methods]
        print(f"| **mean** | ×{scale} | " + " | ".join(f"**{p:.2f}** / {s:.4f}" for p, s in mean) + " |")
    print("\nGain of each learned mode over bicubic / Lanczos (mean PSNR, dB)")
    for scale in LEARNED_SCALES:
        bicubic, lanczos = (np.mean(means[scale, m], axis=0)[0] for m in CLASSIC)
        gains = ", ".join(f"{m} {np.mean(means[scale, m], axis=0)[0] - bicubic:+.2f} / "
                          f"{np.mean(means[scale, m], axis=0)[0] - lanczos:+.2f}" for m in LEARNED_MODES)
        print(f"×{scale}: {gains}")


def speed_table() -> None:
    coffee = photograph("coffee")
    print(f"\nSpeed (best of 3; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n")
    print("| model | scale | input | output | wall s | CPU s | MP/s of output |")
    print("|---|---|---|---|---|---|---|")
    for family in LEARNED_MODES:
        for scale in LEARNED_SCALES:
            width, height = 1920 // scale, 1080 // scale
            small = upscale_cli.resize(coffee, size=(width, height), mode="bicubic")
            model = load_model(family, scale)
            learned_samples(small[:16, :16], model)  # weights read once, outside the timing
            best, cpu = math.inf, math.inf
            for _ in range(3):
                start, start_cpu = time.perf_counter(), time.process_time()
                learned_samples(small, model)
                best, cpu = min(best, time.perf_counter() - start), min(cpu, time.process_time() - start_cpu)
            print(f"| {family} | ×{scale} | {width}×{height} | {width * scale}×{height * scale} | {best:.2f} | "
                  f"{cpu:.2f} | {width * scale * height * scale / best / 1e6:.1f} |")


def peak_memory() -> None:
    print("\nPeak memory, 1280×720 → 3840×2160 (×3), whole process (MB)\n")
    for family in LEARNED_MODES:
        code = ("import numpy as np, resource; from upscale_cli.nn.learned import learned_samples; "
                "from upscale_cli.nn.models import load_model; "
                "x = (np.random.default_rng(0).random((720, 1280, 3)) * 255).astype(np.uint8); "
                f"learned_samples(x, load_model('{family}', 3)); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        kilobytes = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
        print(f"{family}: {kilobytes / 1024:.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality-only", action="store_true")
    arguments = parser.parse_args()
    quality_table()
    if not arguments.quality_only:
        speed_table()
        peak_memory()
    print(f"\n(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB peak)")


if __name__ == "__main__":
    main()

"""The same bytes on every machine: the same jobs under several OpenBLAS kernels and thread counts.

BLAS picks its kernel by CPU (``OPENBLAS_CORETYPE`` forces one) and sums
in an order of its own; the engine's outputs must not depend on either, nor
on how many threads share the strips. Each run is a fresh process that
resizes a fixed set of arrays (every dtype, every filter, enlarging and
reducing) and prints one digest per job; every run must print the same.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

JOBS = r"""
import hashlib
import numpy as np
import upscale_cli
from upscale_cli.nn import conv_transpose

rng = np.random.default_rng(20)
spread = (rng.standard_normal((150, 230, 3)) * 10.0 ** rng.integers(-6, 7, (150, 230, 3)))
photo = np.cumsum(np.cumsum(rng.random((150, 230, 3)), axis=0), axis=1)
arrays = {
    "float32 photo": (photo / photo.max()).astype(np.float32),
    "float32 spread": spread.astype(np.float32),
    "float16": (photo / photo.max() * 100).astype(np.float16),
    "float64": spread,
    "uint8": (photo / photo.max() * 255).astype(np.uint8),
    "uint16": (photo / photo.max() * 65535).astype(np.uint16),
    "int16": (spread * 30).clip(-32768, 32767).astype(np.int16),
}
for name, array in arrays.items():
    for mode in ("bilinear", "bicubic", "lanczos", "area"):
        for size in ((460, 300), (115, 75), (345, 225), (161, 107)):
            result = upscale_cli.resize(array, size=size, mode=mode)
            print(name, mode, size, hashlib.sha256(result.tobytes()).hexdigest()[:16])
features = rng.standard_normal((2, 16, 40, 50)).astype(np.float32)
weight = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
for groups in (1, 2):
    result = conv_transpose(features, weight[:, : 8 // groups], stride=2, padding=1, groups=groups)
    print("conv_transpose", groups, hashlib.sha256(result.tobytes()).hexdigest()[:16])
"""

#: OpenBLAS kernels and the CPU flag each needs, from the oldest.
KERNELS = [("Prescott", "sse3"), ("Nehalem", "sse4_2"), ("Sandybridge", "avx"), ("Haswell", "avx2"),
           ("SkylakeX", "avx512f")]


def usable_kernels() -> list[str]:
    """The kernels this CPU can run (forcing one it cannot would crash the process)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = set(next(line for line in info if line.startswith("flags")).split(":", 1)[1].split())
    except (OSError, StopIteration):
        return []
    if "pni" in flags:  # Linux names SSE3 "pni"
        flags.add("sse3")
    return [kernel for kernel, flag in KERNELS if flag in flags]


def digests(kernel: str | None, threads: int) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    if kernel:
        env["OPENBLAS_CORETYPE"] = kernel
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    done = subprocess.run(
        [sys.executable, "-c", JOBS], env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=lambda: os.sched_setaffinity(0, cpus),  # the engine sizes its thread pool by these CPUs
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64") or not hasattr(os, "sched_setaffinity"),
                    reason="OpenBLAS kernels are named here for x86-64 Linux")
def test_every_kernel_and_thread_count_gives_the_same_bytes():
    kernels = usable_kernels()
    assert len(kernels) >= 3, f"this CPU runs only {kernels}"
    chosen = [kernels[0], *kernels[-2:]]  # the oldest and the two newest: the most different sums
    runs = {(kernel, threads): digests(kernel, threads) for kernel in chosen for threads in (1, 2)}
    first = next(iter(runs.values()))
    assert first.count("\n") == 7 * 4 * 4 + 2
    for (kernel, threads), output in runs.items():
        different = [a for a, b in zip(first.splitlines(), output.splitlines()) if a != b]
        assert not different, f"{kernel} on {threads} threads differs: {different[:3]}"

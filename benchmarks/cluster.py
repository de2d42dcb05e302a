"""Benchmark a batch on a local Dask cluster against the same batch with ``-j``.

    python benchmarks/cluster.py                 # 200 photos ×2, 5 runs each
    python benchmarks/cluster.py --files 50 --repeats 3 --json

Needs the dask extra (``pip install -e '.[dask]'``). Both run on this
machine with the same number of worker processes, so parity is the target:
the ratio ``cluster / -j`` is Dask's overhead. Two measurements, interleaved
(A B A B ...) so that a noisy machine slows both alike, medians reported, of
the wall time and of the CPU time of every process involved (which a busy
machine disturbs much less):

- process: the whole ``upscale photos -o out/ --scale 2`` command with
  ``--cluster local:N`` against ``-j N`` (the cluster's start and stop
  included, as a user sees it);
- batch: :func:`upscale_cli.convert_many` with a client of a cluster
  started once against ``workers=N`` (what each further batch on a running
  cluster costs).

The photos are synthetic (see ``run.py``), written as JPEG here.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from run import photo, summary, upscale_command

import upscale_cli
from upscale_cli.batch.cluster import connect

SIZE = (480, 360)


def write_photos(folder: Path, count: int) -> None:
    """``count`` different JPEG photographs of :data:`SIZE` (a few base pictures, shifted)."""
    folder.mkdir()
    bases = [photo(SIZE[0] * 2, SIZE[1] * 2, seed) for seed in range(4)]
    for index in range(count):
        base = bases[index % len(bases)]
        dx, dy = (index * 7) % SIZE[0], (index * 5) % SIZE[1]
        Image.fromarray(base[dy:dy + SIZE[1], dx:dx + SIZE[0]]).save(folder / f"photo{index:04}.jpg", quality=90)


def cpu_seconds(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def run_process(command: list[str]) -> None:
    """Run ``command`` (its CPU time, and that of the processes it waited for, is this one's children's)."""
    process = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if process.returncode:
        raise RuntimeError(f"{command} failed: {process.stderr.decode()}")


def interleaved(runs: dict, repeats: int, clean) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds of each run, ``repeats`` times, taking turns, after one warm-up each.

    A run may return the CPU seconds of processes this one does not see
    finish; ``clean()`` comes before every run.
    """
    times = {name: {"wall": [], "cpu": []} for name in runs}
    for turn in range(repeats + 1):
        for name, run in runs.items():
            clean()
            start, cpu = time.perf_counter(), _own_cpu()
            elsewhere = run() or 0.0
            if turn:
                times[name]["wall"].append(time.perf_counter() - start)
                times[name]["cpu"].append(_own_cpu() - cpu + elsewhere)
    return times


def _own_cpu() -> float:
    return cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) + cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))


def _worker_cpu() -> float:
    return cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))


def compare(times: dict) -> dict:
    report = {}
    for measure in ("wall", "cpu"):
        cluster, jobs = times["cluster"][measure], times["jobs"][measure]
        report[measure] = {"cluster": summary(cluster), "jobs": summary(jobs),
                           "ratio": statistics.median(cluster) / statistics.median(jobs),
                           "ratio_per_turn": statistics.median(c / j for c, j in zip(cluster, jobs))}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200, help="number of photos (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes on both sides (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    n = args.workers
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_photos(folder / "photos", args.files)
        out = folder / "out"

        def clean():
            shutil.rmtree(out, ignore_errors=True)

        command = [*upscale_command(), str(folder / "photos"), "-o", f"{out}/", "--scale", "2", "-q"]
        process = interleaved({
            "cluster": lambda: run_process([*command, "--cluster", f"local:{n}"]),
            "jobs": lambda: run_process([*command, "-j", str(n)]),
        }, args.repeats, clean)
        with connect(f"local:{n}") as client:
            def batch(**where) -> float:
                """The batch, and the CPU seconds of the cluster's workers meanwhile (they run in both cases)."""
                before = sum(client.run(_worker_cpu).values())
                results = upscale_cli.convert_many(str(folder / "photos"), f"{out}/", scale=2, **where)
                assert all(r.status == "converted" for r in results)
                return sum(client.run(_worker_cpu).values()) - before

            in_process = interleaved({
                "cluster": lambda: batch(client=client), "jobs": lambda: batch(workers=n),
            }, args.repeats, clean)
    report = {"files": args.files, "size": SIZE, "workers": n, "process": compare(process), "batch": compare(in_process)}
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return
    print(f"{args.files} photos {SIZE[0]}×{SIZE[1]} ×2, {n} workers, medians of {args.repeats} interleaved runs")
    for part in ("process", "batch"):
        for measure in ("wall", "cpu"):
            result = report[part][measure]
            cluster, jobs = result["cluster"], result["jobs"]
            print(f"  {part:8} {measure:4} --cluster local:{n} {cluster['median_s']:6.2f} s (±{cluster['spread_pct']:.0f} %)"
                  f"   -j {n} {jobs['median_s']:6.2f} s (±{jobs['spread_pct']:.0f} %)"
                  f"   ratio {result['ratio']:.3f} (per turn {result['ratio_per_turn']:.3f})")


if __name__ == "__main__":
    main()

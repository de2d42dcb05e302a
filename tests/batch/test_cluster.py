"""Batches on a Dask cluster: the same files as ``-j 1``, each written once, whatever happens to the workers.

The tests marked ``cluster`` share one real ``LocalCluster`` (2 worker
processes, one thread each); they are skipped when Dask is not installed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

from upscale_cli.batch import cluster
from upscale_cli.batch.convert import ResizeRequest
from upscale_cli.batch.jobs import BatchSettings, plan_jobs
from upscale_cli.batch.many import convert_many
from upscale_cli.batch.progress import NullReporter
from upscale_cli.core.errors import ExitStatus, UsageError

SCALE_2 = ResizeRequest(scale=2, mode="bicubic")


@pytest.fixture(scope="module")
def client():
    """The one local cluster of this module (2 processes × 1 thread), through :func:`cluster.connect`."""
    pytest.importorskip("distributed")
    with cluster.connect("local:2") as client:
        yield client


@pytest.fixture
def photos(tmp_path, monkeypatch):
    """``photos/`` with 16 images in two folders (PNG, JPEG, grey, RGBA, a .npy array); returns its files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photos/2023").mkdir(parents=True)
    names = []
    for index in range(16):
        folder = "photos/2023" if index % 3 else "photos"
        kind = index % 4
        data = pattern(20 + index, 30 + index, channels=[3, None, 4, 3][kind])
        name = f"{folder}/p{index:02}." + ["jpg", "png", "png", "npy"][kind]
        if kind == 3:
            np.save(name, data)
        else:
            Image.fromarray(data).save(name)
        names.append(name)
    return names


def _files(folder: str) -> dict[str, bytes]:
    root = Path(folder)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _lines(results, folder: str) -> list[tuple]:
    """What a result says, with its output folder named ``out/``."""
    return [(r.status, r.message.replace(folder, "out/"), [n.replace(folder, "out/") for n in r.notes]) for r in results]


# --- without a cluster -------------------------------------------------------------------


@pytest.mark.parametrize("spec, expected", [
    ("local", (None, None)), ("local:3", (None, 3)),
    ("tcp://scheduler:8786", ("tcp://scheduler:8786", None)), ("10.0.0.5:8786", ("10.0.0.5:8786", None)),
])
def test_cluster_option(spec, expected):
    assert cluster.parse_cluster(spec) == expected


@pytest.mark.parametrize("spec", ["local:0", "local:two", "local:", " "])
def test_bad_cluster_option(spec):
    with pytest.raises(UsageError, match="--cluster"):
        cluster.parse_cluster(spec)


def test_without_dask_the_option_says_how_to_install_it(run, make_image, monkeypatch):
    make_image("a.png")
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    result = run("a.png", "-o", "big/", "--scale", "2", "--cluster", "local:2")
    assert (result.exit_code, result.output) == (ExitStatus.USAGE, "upscale: --cluster needs Dask: pip install 'upscale-cli[dask]'\n")
    assert not os.path.exists("big")


def test_cluster_and_jobs_are_exclusive(run, make_image):
    make_image("a.png")
    result = run("a.png", "--scale", "2", "--cluster", "local:2", "-j", "2")
    assert result.exit_code == ExitStatus.USAGE and "only one of -j and --cluster" in result.output


def test_nothing_else_imports_dask():
    code = (
        "import importlib, pkgutil, sys, upscale_cli\n"
        "for m in pkgutil.walk_packages(upscale_cli.__path__, 'upscale_cli.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "upscale_cli.convert_many\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def _one_job(photos, **settings):
    settings = BatchSettings(SCALE_2, output="out/", **settings)
    job = plan_jobs([photos[1]], settings)[0]
    return cluster._on_workers(job, os.getcwd()), settings


def test_a_rerun_task_keeps_the_file_an_earlier_attempt_wrote(photos):
    """Dask reruns the tasks of a lost worker, finished ones too: the output is written once."""
    job, settings = _one_job(photos)
    first = cluster.convert_once(job, settings, None)
    written = cluster.file_state(job.output)
    again = cluster.convert_once(job, settings, None)
    assert first.status == again.status == "converted" and again == first
    assert cluster.file_state(job.output) == written  # not written a second time
    assert [n for n in os.listdir("out") if n.startswith(".")] == []


def test_a_rerun_task_does_not_take_a_file_someone_else_wrote(photos):
    job, settings = _one_job(photos)
    os.makedirs("out")
    Path(job.output).write_bytes(b"another program's file")
    result = cluster.convert_once(job, settings, None)
    assert result.status == "failed" and "already exists" in result.message
    assert Path(job.output).read_bytes() == b"another program's file"


def test_a_rerun_task_with_overwrite_replaces_an_old_file_once(photos):
    job, settings = _one_job(photos, overwrite=True)
    os.makedirs("out")
    Path(job.output).write_bytes(b"an old output")
    planned = cluster.file_state(job.output)
    assert cluster.convert_once(job, settings, planned).status == "converted"
    written = cluster.file_state(job.output)
    assert written != planned
    assert cluster.convert_once(job, settings, planned).status == "converted"
    assert cluster.file_state(job.output) == written


@pytest.mark.parametrize("inputs, output", [(["-"], "o.png"), (["photos/p00.jpg"], "-")])
def test_standard_input_and_output_cannot_go_to_a_cluster(photos, inputs, output):
    settings = BatchSettings(SCALE_2, output=output)
    with pytest.raises(UsageError, match=r"^--cluster: standard input and output \(-\) cannot go to a cluster"):
        cluster.run_on_cluster(None, plan_jobs(inputs, settings), settings)


def test_a_task_converts_its_files_until_the_batch_is_stopped(photos):
    settings = BatchSettings(SCALE_2, output="out/")
    jobs = [cluster._on_workers(j, os.getcwd()) for j in plan_jobs(photos[:2], settings)]
    results = cluster.convert_files(jobs, settings, [None, None], "going", 0)
    assert [(r.source, r.status) for r in results] == [(j.source, "converted") for j in jobs]
    assert cluster._stop("stopped") == []
    assert cluster.convert_files(jobs, replace(settings, output="other/"), [None, None], "stopped", 0) == []
    assert not os.path.exists("other") and cluster._stop("going") == [0]


@pytest.mark.parametrize("files, threads, size", [(1, 4, 1), (16, 2, 1), (17, 2, 2), (200, 2, 8), (10**6, 400, 8)])
def test_files_per_task(files, threads, size):
    assert cluster.group_size(files, threads) == size


class _Workers:
    """Stands in for a client whose second worker has another filesystem or version."""

    def __init__(self, elsewhere=False, version=None):
        self.elsewhere, self.version = elsewhere, version

    def wait_for_workers(self, n, timeout=None):
        pass

    def run(self, function, markers):
        version, unseen = function(markers)
        other = function([m + "-elsewhere" for m in markers] if self.elsewhere else markers)
        return {"tcp://a:1": (version, unseen), "tcp://b:1": (self.version or other[0], other[1])}


def test_workers_must_see_the_output_folders(photos):
    pytest.importorskip("distributed")
    os.makedirs("out")
    jobs = [cluster._on_workers(j, os.getcwd()) for j in plan_jobs(photos, BatchSettings(SCALE_2, output="out/"))]
    cluster.check_workers(_Workers(), jobs)
    with pytest.raises(UsageError, match=r"worker tcp://b:1 does not see .*/out as this machine does; the workers need"):
        cluster.check_workers(_Workers(elsewhere=True), jobs)
    with pytest.raises(UsageError, match="worker tcp://b:1 runs upscale 0.0.1, this machine"):
        cluster.check_workers(_Workers(version="0.0.1"), jobs)
    assert os.listdir("out") == []  # the markers are gone


# --- on a real cluster -------------------------------------------------------------------


@pytest.fixture
def groups_of_4(monkeypatch):
    """16 files on 2 worker threads in tasks of 4 files."""
    monkeypatch.setattr(cluster, "TASKS_PER_THREAD", 2)


@pytest.mark.cluster
@pytest.mark.parametrize("grouped", [False, True])
def test_outputs_and_lines_are_those_of_one_process(client, photos, grouped, request):
    if grouped:
        request.getfixturevalue("groups_of_4")
    options = {"scale": 2, "recursive": True, "quality": 90, "fmt": "jpeg"}  # notes: alpha flattened
    here = convert_many(["photos"], "one/", workers=1, **options)
    there = convert_many(["photos"], "cluster/", client=client, **options)
    assert len(here) == 16 and {r.status for r in here} == {"converted"} and any(r.notes for r in here)
    assert _lines(there, "cluster/") == _lines(here, "one/")
    assert _files("cluster") == _files("one")


@pytest.mark.cluster
def test_the_command_on_an_existing_scheduler(client, photos, run):
    here = run("photos", "-r", "-o", "one/", "--scale", "2", "-j", "1")
    there = run("photos", "-r", "-o", "big/", "--scale", "2", "--cluster", client.scheduler.address)
    assert here.exit_code == there.exit_code == ExitStatus.OK
    *lines, total = there.output.splitlines()
    *expected, _ = here.output.replace("one/", "big/").splitlines()
    assert sorted(lines) == sorted(expected) and len(lines) == 16  # in the order they finish
    assert total.startswith("upscale: 16 converted, 0 skipped, 0 failed;")
    assert _files("big") == _files("one")


@pytest.mark.cluster
def test_a_worker_killed_mid_batch_still_gives_every_output_once(client, photos, groups_of_4):
    convert_many(["photos"], "one/", scale=2, recursive=True, workers=1)
    settings = BatchSettings(SCALE_2, output="out/", recursive=True)
    victim = sorted(client.run(os.getpid).values())[0]

    class KillAWorker(NullReporter):
        killed = False

        def update(self, result):
            if not self.killed:
                # Meanwhile the workers finish files whose results are not collected: Dask runs
                # the victim's again, and they must not fail on the outputs they wrote.
                time.sleep(0.3)
                os.kill(victim, signal.SIGKILL)
                self.killed = True

    summary = cluster.run_on_cluster(client, plan_jobs(["photos"], settings), settings, reporter=KillAWorker())
    assert (summary.converted, summary.failed, summary.interrupted) == (16, 0, False)
    written = _files("out")
    # A process killed while writing cannot remove its temporary file: only those may be left.
    assert all(Path(n).name.startswith(".upscale-") and n.endswith(".part") for n in set(written) - set(_files("one")))
    assert {n: b for n, b in written.items() if not Path(n).name.startswith(".")} == _files("one")
    client.wait_for_workers(2, timeout=30)


@pytest.mark.cluster
def test_an_input_a_worker_cannot_read_fails_alone(client, photos):
    settings = BatchSettings(SCALE_2, output="out/", recursive=True)
    jobs = plan_jobs(["photos"], settings)
    os.remove(photos[5])  # planned here, gone for the workers
    failures = []

    class Failures(NullReporter):
        def update(self, result):
            if result.status == "failed":
                failures.append(result.message)

    summary = cluster.run_on_cluster(client, jobs, settings, reporter=Failures())
    assert (summary.converted, summary.failed, summary.exit_status) == (15, 1, ExitStatus.SOME_INPUTS_FAILED)
    assert failures == [f"{photos[5]}: no such file"] and len(_files("out")) == 15


@pytest.mark.cluster
def test_an_interrupted_batch_leaves_complete_files_and_nothing_running(client, photos, groups_of_4):
    convert_many(["photos"], "one/", scale=2, recursive=True, workers=1)
    settings = BatchSettings(SCALE_2, output="out/", recursive=True)

    class Interrupt(NullReporter):
        interrupted = False

        def update(self, result):
            if not self.interrupted:
                self.interrupted = True
                raise KeyboardInterrupt

    summary = cluster.run_on_cluster(client, plan_jobs(["photos"], settings), settings, reporter=Interrupt())
    assert summary.interrupted and summary.exit_status == ExitStatus.INTERRUPTED
    written, expected = _files("out"), _files("one")
    time.sleep(0.5)
    assert _files("out") == written  # nothing of the batch is still writing
    # The files being written were finished, and counted (how many depends on the machine's
    # load: test_a_task_converts_its_files_until_the_batch_is_stopped checks the stop); no temporaries.
    assert len(written) == summary.converted and all(written[n] == expected[n] for n in written)

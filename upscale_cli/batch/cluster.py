"""Run a batch on a Dask cluster: planned here, each file converted by a worker.

The plan (inputs, output names, the checks of :func:`~.jobs.plan_jobs`) is
made once, on this machine; then each Dask task runs :func:`~.jobs.run_job`
on a worker for a few files (:func:`group_size`), so naming, skip/overwrite,
atomic writes and the summary are those of ``-j``. Dask is optional
(``pip install 'upscale-cli[dask]'``) and imported only inside these
functions, so nothing else in the package needs it.

The workers must see the files at the same absolute paths as this machine
(a shared filesystem). Relative paths are made absolute here, and before the
first task every worker must find a marker file made in each folder the
outputs go to (:func:`check_workers`). An input a worker cannot read fails
alone, like any unreadable input.

A worker lost mid-task makes Dask run its tasks again on another worker,
finished ones whose results were not collected yet included. Each output is
still written once: a task whose output appeared or changed since the plan
was made compares it with its own bytes first (:func:`convert_once`).

Ctrl-C cancels the tasks not started and waits for the running ones to
finish the file they are writing (and reports those), so when
:func:`run_on_cluster` returns nothing of the batch is still writing.
"""

from __future__ import annotations

import collections
import contextlib
import filecmp
import logging
import os
import signal
import threading
import uuid
from dataclasses import replace
from functools import partial
from typing import Callable, Sequence

from .. import __version__
from ..core.errors import ExitStatus, UsageError
from ..io.atomic import new_temporary
from ..io.images import STDIO
from .jobs import BatchSettings, Job, JobResult, Summary, default_workers, file_state, run_job, run_jobs
from .pool import signal_handler

INSTALL = "pip install 'upscale-cli[dask]'"
LOCAL = "local"
#: Seconds to wait for a scheduler to answer, and for it to have a worker.
CONNECT_TIMEOUT = 10
#: Seconds an interrupted batch waits for the files being written.
STOP_TIMEOUT = 60
#: Most files in one task, and fewest tasks per worker thread. Each task costs the
#: scheduler and this process a few milliseconds, as much as converting a small
#: photograph; groups make that small while progress and balance stay fine-grained.
GROUP = 8
TASKS_PER_THREAD = 8

#: Dask settings of the local cluster (see :func:`connect`).
LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

#: Tasks started in this (worker) process, by batch until it is over, and batches told to stop.
_STARTED: dict = collections.defaultdict(set)
_STOPPED: set = set()
_LOCK = threading.Lock()


def import_distributed():
    """The ``distributed`` module, or a :class:`UsageError` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--cluster needs Dask: {INSTALL}") from None
    return distributed


def parse_cluster(spec: str) -> tuple[str | None, int | None]:
    """``--cluster`` as ``(scheduler address, None)`` or ``(None, local workers)``.

    ``local`` gives ``(None, None)`` (one worker per CPU), ``local:3`` gives
    ``(None, 3)``; anything else is a scheduler address such as
    ``tcp://host:8786``.
    """
    if spec == LOCAL:
        return None, None
    if spec.startswith(LOCAL + ":"):
        count = spec[len(LOCAL) + 1:]
        if count.isdigit() and int(count) > 0:
            return None, int(count)
        raise UsageError(f"bad --cluster {spec!r}: local:N needs a number of workers N of 1 or more")
    if not spec.strip():
        raise UsageError(f"bad --cluster {spec!r}: give local, local:N or a scheduler address such as tcp://host:8786")
    return spec, None


@contextlib.contextmanager
def connect(spec: str):
    """A Dask client for ``--cluster spec``, closed on exit with the local cluster it started."""
    distributed = import_distributed()
    address, workers = parse_cluster(spec)
    if address is None:
        # One thread per worker process, as -j: the engine has its own threads. The dashboard
        # takes any free port, since the usual one may belong to another cluster. Dask's own
        # log lines are kept quiet: every file's fate is reported, on one line, by the batch.
        # The workers start with Ctrl-C ignored (inherited, like -j's); Ctrl-C during these
        # moments is lost rather than leaving a cluster half started. Dask's profiler, which
        # samples the running task every 10 ms, cost the workers 10 % more CPU on small photos;
        # its MALLOC_TRIM_THRESHOLD_ makes glibc map and fault in every image buffer afresh.
        import dask

        with signal_handler(signal.SIGINT, signal.SIG_IGN), dask.config.set(LOCAL_CONFIG):
            cluster = distributed.LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                               processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL,
                                               preload=[__name__])
        with cluster, distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, distributed.TimeoutError) as error:
        raise UsageError(f"--cluster {spec}: no Dask scheduler answers there ({error})") from None
    with client:
        yield client


def dask_setup(worker) -> None:
    """Start of a local cluster's worker (a Dask preload), restarted ones included:
    Ctrl-C on the terminal is for this process, which stops the batch cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- on the workers ---------------------------------------------------------------------


def convert_files(jobs: Sequence[Job], settings: BatchSettings, planned: Sequence[tuple[int, int, int] | None],
                  batch: str, task: int) -> list[JobResult]:
    """Convert the ``jobs`` of task number ``task`` on a worker; the results of those converted.

    ``planned`` holds each output's :func:`~.jobs.file_state` when the batch was
    planned (see :func:`convert_once`). A batch told to stop (:func:`_stop`)
    converts no further file.
    """
    with _LOCK:
        _STARTED[batch].add(task)
    results = []
    for job, state in zip(jobs, planned):
        with _LOCK:
            if batch in _STOPPED:
                break
        results.append(convert_once(job, settings, state))
    return results


def convert_once(job: Job, settings: BatchSettings, planned: tuple[int, int, int] | None) -> JobResult:
    """Convert ``job``, writing its output once whichever attempt this is.

    ``planned`` is the output's :func:`~.jobs.file_state` when the batch was
    planned. If the output has appeared or changed since, an earlier attempt
    of this task may have written it before its worker was lost; the same
    input and options always give the same bytes, so when the output holds
    exactly this job's bytes it is kept untouched and reported converted.
    Otherwise (someone else wrote it) the rules of :func:`~.jobs.run_job`
    apply.
    """
    if file_state(job.output) not in (None, planned):
        earlier = _earlier_attempt(job, settings)
        if earlier is not None:
            return earlier
    return run_job(job, settings)


def _earlier_attempt(job: Job, settings: BatchSettings) -> JobResult | None:
    """The result of converting ``job`` if its output already holds those bytes, else ``None``.

    The conversion goes to a temporary file beside the output, in the
    output's format; the output itself is not touched.
    """
    try:
        check = _scratch_file(os.path.dirname(job.output))
    except OSError:
        return None
    # The format the output's extension gives, since the scratch file's says nothing.
    fmt = settings.fmt or os.path.splitext(job.output)[1].lstrip(".") or None
    try:
        result = run_job(replace(job, output=check), replace(settings, fmt=fmt, overwrite=True, skip_existing=False))
        with contextlib.suppress(OSError):
            if result.status == "converted" and filecmp.cmp(check, job.output, shallow=False):
                return _with_paths(result, job.source, job.output, [(check, job.output)])
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(check)


def _scratch_file(folder: str) -> str:
    """A new empty temporary file in ``folder`` (see :func:`~upscale_cli.io.atomic.new_temporary`)."""
    descriptor, path = new_temporary(folder)
    os.close(descriptor)
    return path


def _stop(batch: str) -> list[int]:
    """On a worker: convert no further file of ``batch``; the tasks of it started here
    (their results may not have reached the client yet)."""
    with _LOCK:
        _STOPPED.add(batch)
        return sorted(_STARTED.get(batch, ()))


def _forget(batch: str) -> None:
    """On a worker: ``batch`` is over."""
    with _LOCK:
        _STARTED.pop(batch, None)


def _worker_view(markers: Sequence[str]) -> tuple[str, list[str]]:
    """On a worker: the version of upscale it runs and the ``markers`` it cannot see."""
    return __version__, [m for m in markers if not os.path.exists(m)]


# --- on this machine --------------------------------------------------------------------


def _existing_folder(path: str) -> str:
    while not os.path.isdir(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return path


def check_workers(client, jobs: Sequence[Job]) -> None:
    """Raise :class:`UsageError` unless the cluster can run ``jobs`` (absolute paths).

    It needs a worker; every worker must run this version of upscale (other
    versions could write other bytes) and see the folders the outputs go to
    as this machine does. A folder is recognised by a hidden marker file made
    in it, not by its name (``/tmp`` exists everywhere). Folders this machine
    cannot write to are not checked: their files fail on their own.
    """
    distributed = import_distributed()
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except distributed.TimeoutError:
        raise UsageError(f"--cluster: the scheduler has had no worker for {CONNECT_TIMEOUT} s") from None
    markers = []
    for folder in sorted({_existing_folder(os.path.dirname(job.output)) for job in jobs}):
        with contextlib.suppress(OSError):
            markers.append(_scratch_file(folder))
    try:
        answers = client.run(_worker_view, markers)
    except Exception as error:  # a worker without upscale cannot even load the function
        raise UsageError(f"--cluster: the workers cannot run upscale ({type(error).__name__}: {error}); "
                         f"install upscale-cli {__version__} on every worker") from None
    finally:
        for marker in markers:
            with contextlib.suppress(OSError):
                os.unlink(marker)
    for worker, (version, unseen) in sorted(answers.items()):
        if version != __version__:
            raise UsageError(f"--cluster: worker {worker} runs upscale {version}, this machine {__version__}; "
                             "install the same version on every worker")
        if unseen:
            raise UsageError(f"--cluster: worker {worker} does not see {os.path.dirname(unseen[0])} as this machine "
                             "does; the workers need the files on a shared filesystem, at the same paths")


def _on_workers(job: Job, cwd: str) -> Job:
    """``job`` with absolute paths: workers do not share this process's working folder."""
    return replace(job, source=os.path.join(cwd, job.source), output=os.path.join(cwd, job.output))


def _with_paths(result: JobResult, source: str, output: str, renames: Sequence[tuple[str, str]]) -> JobResult:
    """``result`` for ``source`` and ``output``, each ``(old, new)`` path of ``renames`` renamed in its lines."""

    def renamed(line: str) -> str:
        for old, new in renames:
            line = line.replace(old, new)
        return line

    return replace(result, source=source, output=output, message=renamed(result.message),
                   notes=tuple(renamed(note) for note in result.notes))


def _as_planned(result: JobResult, job: Job, sent: Job) -> JobResult:
    """``result`` of ``sent`` with the paths of ``job``, so that lines read as with ``-j``."""
    return _with_paths(result, job.source, job.output, [(sent.output, job.output), (sent.source, job.source)])


def _outcomes(future, jobs: Sequence[Job], sent: Sequence[Job], debug: bool) -> list[JobResult]:
    """The results of a task; when it returned none, its files fail."""
    distributed = import_distributed()
    try:
        return [_as_planned(result, job, there) for result, job, there in zip(future.result(), jobs, sent)]
    except Exception as error:
        if debug:
            raise
        if isinstance(error, distributed.KilledWorker):
            reason = "every worker that ran it died (out of memory?)"
        else:
            reason = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
        return [JobResult(job.source, job.output, "failed", f"{job.source}: not converted on the cluster: {reason}",
                          ExitStatus.SOME_INPUTS_FAILED) for job in jobs]


def group_size(files: int, threads: int) -> int:
    """Files per task: at least :data:`TASKS_PER_THREAD` tasks per worker thread, at most :data:`GROUP` files each."""
    return max(1, min(GROUP, -(-files // (max(1, threads) * TASKS_PER_THREAD))))


def _submit(client, cwd: str, jobs: list[Job], settings: BatchSettings, report: Callable[[JobResult], None]) -> None:
    """Run ``jobs`` as tasks and report each result as it comes (a runner of :func:`~.jobs.run_jobs`)."""
    distributed = import_distributed()
    batch = uuid.uuid4().hex
    size = group_size(len(jobs), sum(client.nthreads().values()))
    groups = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    sent = [[_on_workers(job, cwd) for job in group] for group in groups]
    futures = client.map(convert_files, sent, [settings] * len(groups),
                         [[file_state(job.output) for job in group] for group in sent], [batch] * len(groups),
                         range(len(groups)), key=[f"upscale-{batch}-{i}" for i in range(len(groups))])
    pending = {future: (task, group, there) for task, (future, group, there) in enumerate(zip(futures, groups, sent))}
    del futures  # a future kept after its results are reported would be recomputed if its worker were lost

    unreported: list[JobResult] = []  # so that Ctrl-C in the middle of a task's results loses none

    def report_task(future=None) -> None:
        if future is not None:
            _, group, there = pending.pop(future)
            unreported.extend(_outcomes(future, group, there, settings.debug))
        while unreported:
            report(unreported.pop(0))

    try:
        for future in distributed.as_completed(pending):
            report_task(future)
    except BaseException:
        _stop_tasks(client, batch, pending, report_task)
        raise
    finally:
        client.run(_forget, batch, on_error="ignore")


def _stop_tasks(client, batch: str, pending: dict, report_task: Callable) -> None:
    """Cancel the tasks of ``batch`` not started; wait for the others to finish the
    file they are writing (at most :data:`STOP_TIMEOUT`) and report what they did."""
    distributed = import_distributed()
    started = {task for tasks in client.run(_stop, batch, on_error="ignore").values() for task in tasks}
    ending = {future for future, (task, _, _) in pending.items() if task in started or future.done()}
    client.cancel([future for future in pending if future not in ending])
    with contextlib.suppress(distributed.TimeoutError):
        distributed.wait(ending, timeout=STOP_TIMEOUT)
    report_task()
    for future in ending:
        if future.status == "finished":
            report_task(future)


def run_on_cluster(client, jobs: list[Job], settings: BatchSettings, *, reporter=None) -> Summary:
    """Run ``jobs`` (from :func:`~.jobs.plan_jobs`) on the workers of the Dask ``client``.

    The same results, progress and summary as :func:`~.jobs.run_jobs`.
    Raises :class:`UsageError` before any task runs when a job reads
    standard input or writes standard output, or when the workers fail
    :func:`check_workers`.
    """
    runnable = [job for job in jobs if job.runnable]
    if any(STDIO in (job.source, job.output) for job in runnable):
        raise UsageError("--cluster: standard input and output (-) cannot go to a cluster; give files")
    cwd = os.getcwd()
    if runnable:
        check_workers(client, [_on_workers(job, cwd) for job in runnable])
    return run_jobs(jobs, settings, reporter=reporter, runner=partial(_submit, client, cwd))

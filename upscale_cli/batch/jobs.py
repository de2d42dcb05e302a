"""Convert many files: collect inputs, name their outputs, run the jobs, sum up.

The guarantees a batch gives:

- one bad input (corrupt, truncated, not an image, unreadable) is reported
  and counted, and every other input is still converted;
- an existing output is never replaced without ``overwrite`` (or, with
  ``skip_existing``, when it is complete it is kept and counted as skipped);
- outputs are written to a temporary file in the target folder and renamed
  (:func:`upscale_cli.io.files.atomic_write`), so an interrupted run never
  leaves a truncated output, and stopped workers delete their temporaries;
- the result of every job depends only on its input and the options, so the
  outputs are the same whatever the number of worker processes.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from ..core.errors import ExitStatus, InputError, UpscaleError, UsageError
from ..io.files import (
    STDIO,
    check_pixels,
    output_format,
    probe,
    read_input,
    remove_temporaries,
)
from .convert import (
    BESIDE_TEMPLATE,
    ImageOptions,
    ResizeRequest,
    convert_file,
    output_name,
    output_tag,
)

#: Name of an output inside an output folder (beside its input: :data:`BESIDE_TEMPLATE`).
FOLDER_TEMPLATE = "{stem}.{ext}"
TEMPLATE_FIELDS = ("stem", "ext", "width", "height", "tag")
#: Extensions of the files taken from folders (besides Pillow's image extensions).
ARRAY_EXTENSIONS = (".npy",)


@dataclass(frozen=True)
class BatchSettings:
    """Everything about a batch except its inputs.

    Attributes
    ----------
    request : ResizeRequest
    image : ImageOptions
    output : str or None
        ``None``: beside each input; ``-``: standard output; a folder (see
        :func:`output_is_folder`); otherwise the one output file.
    name : str or None
        Output name template with ``{stem}``, ``{ext}``, ``{width}``,
        ``{height}`` and ``{tag}`` (``2x`` or ``WxH``).
    fmt : str or None
        Output format (``png``, ``jpeg``...); ``None`` keeps the input's.
    overwrite, skip_existing : bool
        What to do with an output that exists; by default it is an error.
    recursive : bool
        Descend into sub-folders of folder inputs (and ``**`` in patterns).
    debug : bool
        Let unexpected errors raise, with their traceback.
    """

    request: ResizeRequest
    image: ImageOptions = ImageOptions()
    output: str | None = None
    name: str | None = None
    fmt: str | None = None
    overwrite: bool = False
    skip_existing: bool = False
    recursive: bool = False
    debug: bool = False

    def __post_init__(self):
        if self.overwrite and self.skip_existing:
            raise UsageError("give only one of --overwrite and --skip-existing")
        if self.name is not None:
            check_template(self.name)
        if self.fmt is not None:
            output_format(self.fmt)  # a wrong --format is found before any file is read


@dataclass(frozen=True)
class Source:
    """One input file and its path under the input argument it came from."""

    path: str
    relative: str
    explicit: bool = True


@dataclass(frozen=True)
class Job:
    """One input and its output; ``error`` if it failed before it ran."""

    source: str
    output: str | None = None
    shape: str = ""
    error: str | None = None
    exit_status: int = ExitStatus.SOME_INPUTS_FAILED


@dataclass(frozen=True)
class JobResult:
    """What happened to one job (small and picklable: it crosses processes)."""

    source: str
    output: str | None
    status: str  # "converted", "skipped" or "failed"
    message: str
    exit_status: int = ExitStatus.OK
    bytes_in: int = 0
    bytes_out: int = 0
    #: Lines about what the output's format lost (see :func:`upscale_cli.io.modes.prepare`).
    notes: tuple = ()


@dataclass
class Summary:
    """Counts and sizes of a batch run."""

    total: int = 0
    converted: int = 0
    skipped: int = 0
    failed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    failure_status: int = ExitStatus.OK
    started: float = field(default_factory=time.monotonic, repr=False)

    def add(self, result: JobResult) -> None:
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.bytes_in += result.bytes_in
        self.bytes_out += result.bytes_out
        self.failure_status = max(self.failure_status, result.exit_status)

    @property
    def not_done(self) -> int:
        return self.total - self.converted - self.skipped - self.failed

    @property
    def exit_status(self) -> ExitStatus:
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        return ExitStatus(self.failure_status)


def check_template(template: str) -> None:
    """Raise :class:`UsageError` unless ``template`` uses only :data:`TEMPLATE_FIELDS`."""
    try:
        name = template.format(**{f: "x" for f in TEMPLATE_FIELDS})
    except (KeyError, IndexError, ValueError) as error:
        fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        raise UsageError(f"bad --name {template!r} ({type(error).__name__}: {error}); use {fields}") from None
    if not name or name.endswith(("/", os.sep)):
        raise UsageError(f"bad --name {template!r}: it gives no file name")


def output_is_folder(output: str | None, inputs: Sequence[str]) -> bool:
    """``-o`` names a folder when it exists as one, ends with ``/``, or there are several inputs."""
    if output is None or output == STDIO:
        return False
    several = len(inputs) > 1 or any(os.path.isdir(i) or glob.has_magic(i) for i in inputs)
    return output.endswith(("/", os.sep)) or os.path.isdir(output) or several


# --- collecting inputs ------------------------------------------------------------------


def _image_extensions() -> frozenset:
    from PIL import Image

    return frozenset(Image.registered_extensions()) | frozenset(ARRAY_EXTENSIONS)


def _wanted(name: str, extensions: frozenset) -> bool:
    """Files taken from folders and patterns: known extensions, not hidden (so no ``.part``)."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in extensions


def _folder_files(folder: str, recursive: bool, exclude: str | None, extensions: frozenset) -> list[str]:
    found = []
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(
            d for d in folders
            if recursive and not d.startswith(".") and os.path.realpath(os.path.join(root, d)) != exclude
        )
        found.extend(os.path.normpath(os.path.join(root, f)) for f in sorted(files) if _wanted(f, extensions))
    return found


def _pattern_base(pattern: str) -> str:
    """The folder part of a pattern before its first wildcard: ``a/b/*/c.png`` → ``a/b``."""
    parts = pattern.split(os.sep)
    plain = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        plain.append(part)
    return os.sep.join(plain) or ("/" if pattern.startswith("/") else ".")


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def collect_sources(inputs: Sequence[str], *, recursive: bool = False, exclude: str | None = None) -> tuple[list[Source], list[Job]]:
    """Files to convert from files, folders and glob patterns, and inputs that gave none.

    A folder gives its image files (with ``recursive``, those of its
    sub-folders too, hidden ones skipped), relative to the folder; a pattern
    gives the files it matches, relative to its folder part; a file is
    relative to its own folder. The folder ``exclude`` (the output folder) is
    never entered. The same file named twice is converted once.
    """
    extensions = _image_extensions()
    exclude = os.path.realpath(exclude) if exclude else None
    sources, failures, seen = [], [], set()

    def add(path: str, base: str, explicit: bool) -> None:
        key = os.path.realpath(path)
        if key in seen:
            return
        if not explicit and exclude and _inside(exclude, os.path.realpath(base)) and _inside(key, exclude):
            return  # in an output folder nested in the input folder
        seen.add(key)
        sources.append(Source(path, os.path.relpath(path, base), explicit))

    for item in inputs:
        if item == STDIO:
            sources.append(Source(STDIO, STDIO))
        elif os.path.isdir(item):
            files = _folder_files(item, recursive, exclude, extensions)
            if not files:
                failures.append(Job(item, error=f"{item}: no image files in this folder" + ("" if recursive else " (use -r for sub-folders)")))
            for path in files:
                add(path, item, False)
        elif os.path.lexists(item) or not glob.has_magic(item):
            add(item, os.path.dirname(item), True)
        else:
            base = _pattern_base(item)
            matches = [
                p for p in sorted(glob.glob(item, recursive=recursive))
                if os.path.isfile(p) and _wanted(os.path.basename(p), extensions)
            ]
            if not matches:
                failures.append(Job(item, error=f"{item}: no image files match"))
            for path in matches:
                add(path, base, False)
    return sources, failures


# --- naming outputs ---------------------------------------------------------------------


def _shape_text(in_lengths: Sequence[int], out_lengths: Sequence[int]) -> str:
    return " × ".join(f"{a}→{b}" for a, b in zip(in_lengths, out_lengths))


def _output_path(source: Source, settings: BatchSettings, folder: bool, out_lengths: Sequence[int], fmt_name: str) -> str:
    if settings.output is not None and not folder:
        return settings.output
    template = settings.name or (FOLDER_TEMPLATE if folder else BESIDE_TEMPLATE)
    name = output_name(source.path, template, tag=output_tag(settings.request, tuple(out_lengths)), fmt=settings.fmt,
                       fallback_fmt=fmt_name, lengths=out_lengths)
    if folder:
        return os.path.join(settings.output, os.path.dirname(source.relative), name)
    return os.path.join(os.path.dirname(source.path), name)


def plan_job(source: Source, settings: BatchSettings, folder: bool) -> Job:
    """Read ``source``'s header and name its output; failures become a :class:`Job` with an error."""
    if source.path == STDIO:
        return Job(STDIO, settings.output or STDIO)
    options = settings.image
    try:
        header = probe(source.path, auto_orient=options.auto_orient, layout=settings.request.layout, max_pixels=options.max_pixels)
        try:
            out_lengths = settings.request.output_lengths(header.lengths)
        except UpscaleError as error:
            raise type(error)(f"{source.path}: {error}") from None
        pixels = header.frames
        for n in out_lengths:
            pixels *= n
        check_pixels(source.path, pixels, options.max_pixels, "the output")
        output = _output_path(source, settings, folder, out_lengths, header.format)
    except UpscaleError as error:
        return Job(source.path, error=str(error), exit_status=error.exit_status)
    return Job(source.path, output, _shape_text(header.lengths, out_lengths))


def plan_jobs(inputs: Sequence[str], settings: BatchSettings) -> list[Job]:
    """Every input's job, in input order; inputs that cannot run carry their error.

    Files found in folders or by patterns that are the output of another
    job (an earlier run's ``photo@2x.png`` beside ``photo.png``) are left
    out; two jobs writing one output, or an output replacing its own input,
    are errors.
    """
    folder = output_is_folder(settings.output, inputs)
    sources, failures = collect_sources(inputs, recursive=settings.recursive, exclude=settings.output if folder else None)
    jobs = [plan_job(s, settings, folder) for s in sources]
    outputs = {os.path.realpath(j.output): j.source for j in jobs if j.output and j.output != STDIO}
    planned, claimed = [], {}
    for source, job in zip(sources, jobs):
        here = os.path.realpath(source.path)
        if not source.explicit and outputs.get(here, source.path) != source.path:
            continue  # an output of this batch (e.g. from an earlier run), not an input
        if job.output and job.output != STDIO:
            there = os.path.realpath(job.output)
            if there == here:
                job = replace(job, error=f"{source.path}: the output would replace the input; choose -o, --name or --suffix")
            elif there in claimed:
                job = replace(job, error=f"{source.path}: same output {job.output} as {claimed[there]}")
            claimed.setdefault(there, source.path)
        planned.append(job)
    return failures + planned


# --- running jobs -----------------------------------------------------------------------


def is_complete(path: str) -> bool:
    """Whether an existing output decodes to the end (so a resumed run may keep it)."""
    try:
        read_input(path, auto_orient=False, max_pixels=None)
    except UpscaleError:
        return False
    return True


def run_job(job: Job, settings: BatchSettings) -> JobResult:
    """Convert one file; every expected problem becomes a failed :class:`JobResult`."""
    if job.error:
        return JobResult(job.source, job.output, "failed", job.error, job.exit_status)
    output, overwrite = job.output, settings.overwrite
    try:
        if output != STDIO and os.path.lexists(output):
            if settings.skip_existing and is_complete(output):
                return JobResult(job.source, output, "skipped", f"{job.source} → {output} exists, skipped")
            if not (settings.skip_existing or overwrite):
                raise InputError(f"{output}: already exists (use --overwrite to replace it or --skip-existing to keep it)")
            overwrite = True  # --skip-existing redoes an incomplete output
        if output != STDIO and os.path.dirname(output):
            os.makedirs(os.path.dirname(output), exist_ok=True)
        conversion = convert_file(job.source, settings.request, output=output, fmt=settings.fmt, overwrite=overwrite, options=settings.image)
    except UpscaleError as error:
        return JobResult(job.source, output, "failed", str(error), error.exit_status)
    except OSError as error:
        return JobResult(job.source, output, "failed", f"{job.source}: {error.strerror or error}", ExitStatus.SOME_INPUTS_FAILED)
    except MemoryError:
        return JobResult(job.source, output, "failed", f"{job.source}: out of memory (try a smaller --max-pixels)", ExitStatus.SOME_INPUTS_FAILED)
    except Exception as error:  # a bug: one line, the batch goes on, unless --debug
        if settings.debug:
            raise
        message = f"{job.source}: internal error: {type(error).__name__}: {error} (rerun with --debug for details)"
        return JobResult(job.source, output, "failed", message, ExitStatus.SOME_INPUTS_FAILED)
    shape = _shape_text(*zip(*conversion.lengths))
    return JobResult(
        job.source, output, "converted", f"{conversion.source.name} → {output} ({shape})",
        bytes_in=conversion.source.n_bytes, bytes_out=conversion.n_bytes, notes=tuple(conversion.notes),
    )


def _stop_worker(signum, frame):
    """A worker told to stop deletes its temporary files and exits at once."""
    remove_temporaries()
    os._exit(ExitStatus.INTERRUPTED)


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for everyone
    signal.signal(signal.SIGTERM, _stop_worker)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signal_handler(signum, handler):
    """Handle ``signum`` with ``handler`` inside the block (only the main thread may)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def _run_pool(jobs: list[Job], settings: BatchSettings, workers: int, report: Callable[[JobResult], None]) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # spawn, not fork: the parent has threads (progress display) that a fork could copy mid-lock.
    # Workers start while SIGINT is ignored and inherit that, so Ctrl-C reaches only the parent.
    with _signal_handler(signal.SIGINT, signal.SIG_IGN):
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)
        futures = {executor.submit(run_job, job, settings): job for job in jobs}
    try:
        for future in as_completed(futures):
            try:
                report(future.result())
            except BrokenProcessPool:
                job = futures[future]
                report(JobResult(job.source, job.output, "failed", f"{job.source}: the worker process died (out of memory?)", ExitStatus.SOME_INPUTS_FAILED))
    except BaseException:
        for future in futures:
            future.cancel()
        for process in list(getattr(executor, "_processes", {}).values()):
            process.terminate()  # runs _stop_worker: temporaries removed
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def default_workers() -> int:
    """Worker processes by default: the CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run_jobs(jobs: list[Job], settings: BatchSettings, *, workers: int | None = None, reporter=None,
             runner: Callable[[list[Job], BatchSettings, Callable[[JobResult], None]], None] | None = None) -> Summary:
    """Run ``jobs`` in ``workers`` processes (in this one if 1) and return the summary.

    ``reporter`` (see :mod:`upscale_cli.batch.progress`) sees every result as it
    comes. Ctrl-C or SIGTERM stops the run: workers are stopped, their
    temporary files removed, and the summary says ``interrupted``.
    ``runner(jobs, settings, report)``, when given, runs the jobs that can run
    instead of local processes (a Dask cluster: :mod:`.cluster`), passing
    each result to ``report`` as it comes.
    """
    from .progress import NullReporter

    reporter = reporter or NullReporter()
    summary = Summary(total=len(jobs))
    workers = min(workers or default_workers(), max(1, sum(1 for j in jobs if not j.error)))

    def report(result: JobResult) -> None:
        summary.add(result)
        reporter.update(result)

    reporter.start(len(jobs))
    try:
        with _signal_handler(signal.SIGTERM, _interrupt):
            for job in (j for j in jobs if j.error):
                report(run_job(job, settings))
            runnable = [j for j in jobs if not j.error]
            if runner is not None:
                runner(runnable, settings, report)
            elif workers <= 1:
                for job in runnable:
                    report(run_job(job, settings))
            else:
                _run_pool(runnable, settings, workers, report)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = time.monotonic() - summary.started
        reporter.finish(summary)
    return summary


def run_batch(inputs: Sequence[str], settings: BatchSettings, *, workers: int | None = None, reporter=None) -> Summary:
    """Convert every input (files, folders, glob patterns); see :func:`plan_jobs` and :func:`run_jobs`."""
    return run_jobs(plan_jobs(inputs, settings), settings, workers=workers, reporter=reporter)

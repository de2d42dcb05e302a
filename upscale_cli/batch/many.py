"""Convert many files from Python: the batch of the command line as one call."""

from __future__ import annotations

import dataclasses
import os
from typing import Sequence, Union

from .convert import ImageOptions, ResizeRequest
from .jobs import BatchSettings, JobResult, plan_jobs, run_jobs
from .progress import NullReporter

PathLike = Union[str, "os.PathLike[str]"]


class _Collector(NullReporter):
    """Keeps every result."""

    def __init__(self):
        self.results: list[JobResult] = []

    def update(self, result: JobResult) -> None:
        self.results.append(result)


def convert_many(
    inputs: PathLike | Sequence[PathLike],
    output: PathLike | None = None,
    *,
    client=None,
    workers: int | None = None,
    name: str | None = None,
    fmt: str | None = None,
    overwrite: bool = False,
    skip_existing: bool = False,
    recursive: bool = False,
    **options,
) -> list[JobResult]:
    """Convert files, folders and glob patterns as ``upscale INPUTS -o OUTPUT`` does.

    Parameters
    ----------
    inputs : path or sequence of paths
        Files, folders and glob patterns.
    output : path, optional
        As ``-o``: a folder (the input folders are mirrored below it), the
        one output file, or ``None``: beside each input.
    client : dask.distributed.Client, optional
        Convert on the workers of this Dask cluster, which must see the files
        at the same paths (see :mod:`upscale_cli.batch.cluster`); without it,
        in ``workers`` local processes (default: one per CPU; 1: this one).
    name, fmt, overwrite, skip_existing, recursive
        As ``--name``, ``--format``, ``--overwrite``, ``--skip-existing``, ``-r``.
    **options
        The resize: the fields of :class:`~upscale_cli.batch.convert.ResizeRequest`
        (``scale``, ``size``, ``mode``, ``align``, ``linear``...), and how
        files are read and written: those of
        :class:`~upscale_cli.batch.convert.ImageOptions` (``strip``,
        ``max_pixels``, ``quality``...).

    Returns
    -------
    list of JobResult
        One per input file, in the order of the inputs; ``status`` is
        ``"converted"``, ``"skipped"`` or ``"failed"`` and ``message`` says
        what happened. A failed file never stops the others. The files are
        the same, byte for byte, whatever runs them.

    Raises
    ------
    UsageError
        Contradictory or malformed options (before any file is read), an
        output that would replace another input (before any is written), or
        a cluster that cannot run the batch.
    KeyboardInterrupt
        When interrupted: no output is left half-written.
    """
    image_fields = {f.name for f in dataclasses.fields(ImageOptions)}
    settings = BatchSettings(
        request=ResizeRequest(**{k: v for k, v in options.items() if k not in image_fields}),
        image=ImageOptions(**{k: v for k, v in options.items() if k in image_fields}),
        output=None if output is None else os.fspath(output), name=name, fmt=fmt,
        overwrite=overwrite, skip_existing=skip_existing, recursive=recursive,
    )
    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else inputs
    jobs = plan_jobs([os.fspath(p) for p in paths], settings)
    collector = _Collector()
    if client is None:
        summary = run_jobs(jobs, settings, workers=workers, reporter=collector)
    else:
        from .cluster import run_on_cluster

        summary = run_on_cluster(client, jobs, settings, reporter=collector)
    if summary.interrupted:
        raise KeyboardInterrupt
    order: dict[str, int] = {}
    for index, job in enumerate(jobs):
        order.setdefault(job.source, index)
    return sorted(collector.results, key=lambda result: order[result.source])

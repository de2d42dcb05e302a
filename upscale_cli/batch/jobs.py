"""Convert many files: collect inputs, name their outputs, run the jobs, sum up.

The guarantees a batch gives:

- one bad input (corrupt, truncated, not an image, unreadable) is reported
  and counted, and every other input is still converted;
- an existing output is never replaced without ``overwrite`` (or, with
  ``skip_existing``, when it is complete it is kept and counted as skipped);
- outputs are written to a temporary file in the target folder and renamed
  (:func:`upscale_cli.io.atomic.atomic_write`), so an interrupted run never
  leaves a truncated output, and stopped workers delete their temporaries;
- a worker process that dies fails only the file it was converting
  (:mod:`.pool`), and every output written is reported, however the run ends;
- an output never replaces another input of the run (:func:`check_inputs_kept`);
- the result of every job depends only on its input and the options, so the
  outputs are the same whatever the number of worker processes.
"""

from __future__ import annotations

import glob
import math
import os
import signal
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from ..core.errors import ExitStatus, InputError, UpscaleError, UsageError, out_of_memory
from ..io.atomic import remove_stale_temporaries
from ..io.decode import has_signature, probe, read_input
from ..io.encode import format_for, output_format
from ..io.heif import HEIF_EXTENSIONS
from ..io.images import STDIO, check_pixels
from . import memory
from .convert import (
    BESIDE_TEMPLATE,
    ImageOptions,
    ResizeRequest,
    convert_file,
    output_name,
    output_name_pattern,
    output_tag,
)
from .pool import PoolUnavailable, signal_handler
from .progress import human_bytes

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
    """One input and its output; ``error`` if it failed before it ran, ``skip``
    (the line saying why) if it is left out on purpose; ``pixels``: the
    output's, all frames (0 when not known before reading)."""

    source: str
    output: str | None = None
    shape: str = ""
    error: str | None = None
    exit_status: int = ExitStatus.SOME_INPUTS_FAILED
    skip: str | None = None
    pixels: int = 0
    #: Estimated peak memory of the conversion, in bytes (0: unknown).
    memory: int = 0

    @property
    def runnable(self) -> bool:
        return not (self.error or self.skip)


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
    #: A line every reporter shows, even a quiet one: an existing file was replaced.
    warning: str = ""


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
    #: Why fewer workers ran than were asked for, if they did.
    note: str = ""
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
        if self.failure_status == ExitStatus.USAGE and self.converted:
            # A file refused for its content (a dtype, a size its scale empties) is a usage error
            # alone, but 2 promises that nothing was written: beside converted files it is a failure.
            return ExitStatus.SOME_INPUTS_FAILED
        return ExitStatus(self.failure_status)


def check_template(template: str) -> None:
    """Raise :class:`UsageError` unless ``template`` uses only :data:`TEMPLATE_FIELDS` and its names
    stay inside the output folder (sub-folders allowed; no ``..`` part, not absolute).

    The fields are filled in with a stand-in here; their real values cannot
    change where a name points: none holds a separator or is ``.`` or ``..``.
    """
    import string

    fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
    try:
        name = template.format(**{f: "x" for f in TEMPLATE_FIELDS})
    except (KeyError, IndexError, ValueError) as error:
        raise UsageError(f"bad --name {template!r} ({type(error).__name__}: {error}); use {fields}") from None
    # {stem.upper} or {stem[0]} format here, but give names no output pattern can recognise
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name not in (None, *TEMPLATE_FIELDS):
            raise UsageError(f"bad --name {template!r}: {{{field_name}}} is not a field; use {fields}")
    parts = name.replace(os.sep, "/").split("/")
    if os.path.isabs(name) or ".." in parts:
        raise UsageError(f"bad --name {template!r}: names must stay inside the output folder (no '..' parts, not absolute)")
    if parts[-1] in ("", "."):
        raise UsageError(f"bad --name {template!r}: it gives no file name")


def output_is_folder(output: str | None, inputs: Sequence[str]) -> bool:
    """``-o`` names a folder when it exists as one, ends with ``/``, or there are several inputs."""
    if output is None or output == STDIO:
        return False
    return output.endswith(("/", os.sep)) or os.path.isdir(output) or _several(inputs)


def _several(inputs: Sequence[str]) -> bool:
    """Whether ``inputs`` may stand for more than one file (several names, a folder, a pattern)."""
    return len(inputs) > 1 or any(os.path.isdir(i) or glob.has_magic(i) for i in inputs)


# --- collecting inputs ------------------------------------------------------------------


def _image_extensions() -> frozenset:
    from PIL import Image

    return frozenset(Image.registered_extensions()) | frozenset(ARRAY_EXTENSIONS) | HEIF_EXTENSIONS


def _wanted(name: str, extensions: frozenset) -> bool:
    """Files taken from folders and patterns: known extensions, not hidden (so no ``.part``)."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in extensions


def _folder_files(folder: str, recursive: bool, exclude: str | None, extensions: frozenset) -> tuple[list[str], list[Job]]:
    """Image files under ``folder`` and the folders that could not be read or are left out.

    Links to files are taken like files. Under ``recursive``, a link to a
    folder is followed unless its target is inside ``folder`` (walked
    anyway) or was already followed, which also ends every link loop.
    """
    found, problems = [], []
    inside, followed = os.path.realpath(folder), set()

    def unreadable(error: OSError) -> None:
        problems.append(Job(error.filename, error=_folder_error(error)))

    for root, folders, files in os.walk(folder, onerror=unreadable, followlinks=True):
        kept = []
        for name in sorted(folders) if recursive else ():
            path = os.path.join(root, name)
            target = os.path.realpath(path)
            if name.startswith(".") or target == exclude:
                continue
            if os.path.islink(path):
                if _inside(target, inside) or target == inside or target in followed:
                    problems.append(Job(path, skip=f"{path}: skipped: a link to the folder {target}, which this batch reads already"))
                    continue
                followed.add(target)
            kept.append(name)
        folders[:] = kept
        found.extend(os.path.normpath(os.path.join(root, f)) for f in sorted(files) if _wanted(f, extensions))
    return found, problems


def _folder_error(error: OSError) -> str:
    reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error)).lower()
    return f"{error.filename}: cannot read this folder: {reason}"


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
    """Files to convert from files, folders and glob patterns, and the inputs that give none.

    A folder gives its image files (with ``recursive``, those of its
    sub-folders too, hidden ones skipped), a pattern the files it matches;
    both are relative to the deepest folder that holds every folder input
    and the folder part of every pattern (:func:`mirror_base`): one folder's
    files are relative to it, ``in1 in2`` gives ``in1/x.png`` and
    ``in2/x.png``, as the pattern ``in*/x.png`` does. A file is relative to
    its own folder. The folder ``exclude`` (the output folder) is never
    entered. The same file found twice (named twice, or through a link) is
    converted once, under its own name rather than a link's; every other
    path to it is a skipped :class:`Job` saying so, as are links to folders
    read already; folders that cannot be read and inputs that give no file
    are failed jobs.
    """
    extensions = _image_extensions()
    exclude = os.path.realpath(exclude) if exclude else None
    kinds = [(item, _input_kind(item)) for item in inputs]
    base = mirror_base([item if kind == "folder" else _pattern_base(item) for item, kind in kinds if kind in ("folder", "pattern")])
    found, problems = [], []
    for item, kind in kinds:
        if kind == "stdin":
            found.append(Source(STDIO, STDIO))
        elif kind == "folder":
            files, unread = _folder_files(item, recursive, exclude, extensions)
            problems.extend(unread)
            if not files and not any(j.error for j in unread):
                problems.append(Job(item, error=f"{item}: no image files in this folder" + ("" if recursive else " (use -r for sub-folders)")))
            found.extend(Source(p, os.path.relpath(p, base), False) for p in files if not _in_output(p, item, exclude))
        elif kind == "file":
            found.append(Source(item, os.path.relpath(item, os.path.dirname(item))))
        else:
            matches = [
                p for p in sorted(glob.glob(item, recursive=recursive))
                if os.path.isfile(p) and _wanted(os.path.basename(p), extensions)
            ]
            if not matches:
                problems.append(Job(item, error=f"{item}: no image files match"))
            found.extend(Source(p, os.path.relpath(p, base), False) for p in matches if not _in_output(p, _pattern_base(item), exclude))
    sources, duplicates = _once_each(found)
    return sources, problems + duplicates


def _input_kind(item: str) -> str:
    """``stdin``, ``folder``, ``file`` (named, whether it exists or not) or ``pattern``."""
    if item == STDIO:
        return "stdin"
    if os.path.isdir(item):
        return "folder"
    return "file" if os.path.lexists(item) or not glob.has_magic(item) else "pattern"


def mirror_base(folders: Sequence[str]) -> str:
    """The deepest folder holding every one of ``folders`` (folder inputs and the folder parts of
    patterns), below which their files are mirrored into an output folder; ``.`` if none."""
    return os.path.commonpath([os.path.abspath(folder) for folder in folders]) if folders else "."


def _in_output(path: str, base: str, exclude: str | None) -> bool:
    """Whether ``path`` lies in an output folder nested in the input folder ``base``."""
    return bool(exclude) and _inside(exclude, os.path.realpath(base)) and _inside(os.path.realpath(path), exclude)


def _once_each(found: list[Source]) -> tuple[list[Source], list[Job]]:
    """Each file once, in order: a path without links wins over one through links."""
    chosen: dict[str, Source] = {}
    for source in found:
        key = _file_key(source.path)
        if key not in chosen or (_through_link(chosen[key].path) and not _through_link(source.path)):
            chosen[key] = source
    winners = {id(s) for s in chosen.values()}
    sources = [s for s in found if id(s) in winners]
    skipped = [
        Job(s.path, skip=f"{s.path}: skipped: the same file as {chosen[_file_key(s.path)].path}")
        for s in found if id(s) not in winners
    ]
    return sources, skipped


def _file_key(path: str) -> str:
    return path if path == STDIO else os.path.realpath(path)


def _through_link(path: str) -> bool:
    return os.path.realpath(path) != os.path.abspath(path)


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
        check_pixels(source.path, pixels, options.max_output_pixels, "the output")
        output = _output_path(source, settings, folder, out_lengths, header.format)
    except UpscaleError as error:
        return Job(source.path, error=str(error), exit_status=error.exit_status)
    in_pixels = header.frames * math.prod(header.lengths)
    streamed = memory.streamed_by_name(output, settings.fmt, header.frames)
    need = memory.estimate(in_pixels, pixels, streamed, header.lengths[0] if header.in_bands else None)
    return Job(source.path, output, _shape_text(header.lengths, out_lengths), pixels=pixels, memory=need)


def plan_jobs(inputs: Sequence[str], settings: BatchSettings) -> list[Job]:
    """Every input's job, in input order; inputs that cannot run carry their error.

    Files found in folders or by patterns that are named as outputs (see
    :func:`output_origins`) are skipped jobs; two jobs writing one output,
    or an output replacing its own input, are errors. An output that would
    replace another input of the run (with ``overwrite``, or an earlier
    file's name it would take) is a :class:`UsageError` for the whole plan
    (:func:`check_inputs_kept`): ``--overwrite`` replaces earlier outputs,
    never an input.
    """
    if settings.output == STDIO and _several(inputs):
        # One stream holds one image: a reader would see the first and lose the rest.
        raise UsageError("-o -: standard output holds one image, but several inputs need an output folder (-o DIR/)")
    if list(inputs).count(STDIO) > 1:
        raise UsageError("-: standard input is given more than once, but it holds one image (-o - writes to standard output)")
    folder = output_is_folder(settings.output, inputs)
    if folder:
        check_output_folder(settings.output)
        if STDIO in inputs:  # the folder itself would be taken for the output file
            raise UsageError(f"<stdin>: standard input has no file name to write into the folder {settings.output}; "
                             "give -o FILE, or -o - for standard output")
    sources, others = collect_sources(inputs, recursive=settings.recursive, exclude=settings.output if folder else None)
    origins = output_origins(sources, settings.name)
    jobs = [plan_job(s, settings, folder) for s in sources]
    inputs_kept = [s for s in sources if s.explicit or os.path.realpath(s.path) not in origins]
    check_inputs_kept(inputs_kept, jobs)
    planned, claimed = [], {}
    for source, job in zip(sources, jobs):
        here = os.path.realpath(source.path)
        origin = None if source.explicit else origins.get(here)
        if origin not in (None, source.path):
            job = Job(source.path, skip=f"{source.path}: skipped: named as an output of {origin} (give it by name to resize it)")
        elif job.output and job.output != STDIO:
            there = os.path.realpath(job.output)
            if there == here:
                job = replace(job, error=f"{source.path}: the output would replace the input; choose -o, --name or --suffix")
            elif there in claimed:
                job = replace(job, error=f"{source.path}: same output {job.output} as {claimed[there]}")
            claimed.setdefault(there, source.path)
        planned.append(job)
    return others + planned


def _identity(path: str) -> tuple[int, int] | None:
    """Device and inode of the file ``path`` names (through links); ``None`` if there is none."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


def check_inputs_kept(inputs: Sequence[Source], jobs: Sequence[Job]) -> None:
    """Raise :class:`UsageError` when a job's output is the file of another of ``inputs``
    (the same file: by its path, through a link, or a hard link to it).

    Writing it would replace an input of this run, by the output of another
    one, before or after that input is read; ``--overwrite`` does not allow
    it, since it asks to replace earlier outputs. A job writing over its own
    input is that job's error (see :func:`plan_jobs`).
    """
    files = {}
    for source in inputs:
        identity = _identity(source.path) if source.path != STDIO else None
        if identity is not None:
            files.setdefault(identity, source.path)
    for job in jobs:
        if not job.output or job.output == STDIO:
            continue
        replaced = files.get(_identity(job.output))
        if replaced is not None and replaced != job.source:
            raise UsageError(f"{job.output}: the output of {job.source} would replace this input of the run "
                             "(--overwrite replaces earlier outputs, never inputs); choose -o, --name or --suffix")


def output_origins(sources: Sequence[Source], template: str | None) -> dict[str, str]:
    """Sources named as outputs of another source in their folder: real path → that source.

    A name is an output's when it is what :data:`BESIDE_TEMPLATE` or
    ``template`` (``--name``/``--suffix``) gives for another file of the same
    folder with any tag, size and extension: ``a@2x.png``, ``a@640x480.jpg``
    and ``a@2x@3x.png`` beside ``a.png``.
    """
    patterns = [p for p in (output_name_pattern(BESIDE_TEMPLATE), template and output_name_pattern(template)) if p]
    stems = {}
    for source in sources:
        folder, name = os.path.split(source.path)
        stems.setdefault((folder, os.path.splitext(name)[0]), source.path)
    origins = {}
    for source in sources:
        folder, name = os.path.split(source.path)
        origin = _origin(folder, name, stems, patterns)
        if origin not in (None, source.path):
            origins[os.path.realpath(source.path)] = origin
    return origins


def _origin(folder: str, name: str, stems: dict, patterns: list, depth: int = 0) -> str | None:
    """The file ``name`` is an output of, through outputs of outputs (``a@2x@3x.png``)."""
    for pattern in patterns:
        match = pattern.fullmatch(name)
        if match and match["stem"] != os.path.splitext(name)[0]:
            stem = match["stem"]
            extension = os.path.splitext(name)[1]
            origin = stems.get((folder, stem)) or (depth < 8 and _origin(folder, stem + extension, stems, patterns, depth + 1))
            if origin:
                return origin
    return None


def check_output_folder(output: str) -> None:
    """Refuse an output folder that is an existing file, or an image file's name, for several inputs."""
    if output.endswith(("/", os.sep)) or os.path.isdir(output):
        return
    if os.path.lexists(output):
        raise UsageError(f"-o {output}: is a file, but several inputs need an output folder")
    if os.path.splitext(output)[1].lower() in _image_extensions():
        raise UsageError(f"-o {output}: several inputs need an output folder, not an image file (end it with / for a folder)")


# --- running jobs -----------------------------------------------------------------------


def is_complete(path: str) -> bool:
    """Whether an existing output decodes to the end (so a resumed run may keep it)."""
    try:
        read_input(path, auto_orient=False, max_pixels=None)
    except UpscaleError:
        return False
    return True


def is_redoable(path: str, fmt: str | None) -> bool:
    """Whether a broken ``path`` is an output this tool could have begun: it
    starts with the signature of the format it would be written in now
    (``fmt`` forced, else from its name). Anything else is not ours to replace."""
    try:
        expected = format_for(path, fmt, "")
        with open(path, "rb") as handle:
            prefix = handle.read(16)  # as much as Pillow's signature checks read
    except (UpscaleError, OSError):
        return False
    return has_signature(prefix, expected)


def _existing_output(job: Job, settings: BatchSettings) -> JobResult | str | None:
    """What to do with an output that exists: a result (kept or refused), or how it is replaced.

    ``None``: it does not exist. A string: it is replaced, and this is the
    line saying so (empty with ``--overwrite``, which asked for it).
    """
    output = job.output
    if output == STDIO or not os.path.lexists(output):
        return None
    if settings.overwrite:
        return ""
    if not settings.skip_existing:
        return JobResult(job.source, output, "failed", f"{output}: already exists (use --overwrite to replace it or --skip-existing to keep it)", ExitStatus.SOME_INPUTS_FAILED)
    if is_complete(output):
        return JobResult(job.source, output, "skipped", f"{job.source} → {output} exists, skipped")
    if is_redoable(output, settings.fmt):
        return f"{output}: exists but is incomplete (an interrupted earlier run?): made again"
    return JobResult(job.source, output, "failed", f"{output}: exists and is not an image this tool could have written; kept (use --overwrite to replace it)", ExitStatus.SOME_INPUTS_FAILED)


def _make_folder(output: str) -> None:
    folder = os.path.dirname(output)
    if output == STDIO or not folder:
        return
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        reason = "permission denied" if isinstance(error, PermissionError) else error.strerror or str(error)
        raise InputError(f"{output}: cannot create the folder {folder}: {reason}") from None


def run_job(job: Job, settings: BatchSettings) -> JobResult:
    """Convert one file; every expected problem becomes a failed :class:`JobResult`."""
    if job.error:
        return JobResult(job.source, job.output, "failed", job.error, job.exit_status)
    if job.skip:
        return JobResult(job.source, None, "skipped", job.skip)
    output = job.output
    try:
        existing = _existing_output(job, settings)
        if isinstance(existing, JobResult):
            return existing
        _make_folder(output)
        conversion = convert_file(job.source, settings.request, output=output, fmt=settings.fmt,
                                  overwrite=existing is not None, options=settings.image)
    except UpscaleError as error:
        return JobResult(job.source, output, "failed", str(error), error.exit_status)
    except OSError as error:
        return JobResult(job.source, output, "failed", f"{error.filename or job.source}: {error.strerror or error}", ExitStatus.SOME_INPUTS_FAILED)
    except MemoryError as error:  # the estimate when NumPy gives none: the output's pixels at 4 bytes (RGBA)
        return JobResult(job.source, output, "failed", str(out_of_memory(job.source, error, job.pixels * 4)), ExitStatus.SOME_INPUTS_FAILED)
    except Exception as error:  # a bug: one line, the batch goes on, unless --debug
        if settings.debug:
            raise
        message = f"{job.source}: internal error: {type(error).__name__}: {error} (rerun with --debug for details)"
        return JobResult(job.source, output, "failed", message, ExitStatus.SOME_INPUTS_FAILED)
    shape = _shape_text(*zip(*conversion.lengths))
    return JobResult(
        job.source, output, "converted", f"{conversion.source.name} → {output} ({shape})",
        bytes_in=conversion.source.n_bytes, bytes_out=conversion.n_bytes, notes=tuple(conversion.notes),
        warning=existing or "",
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def file_state(path: str | None) -> tuple[int, int, int] | None:
    """Inode, size and modification time of ``path``; ``None`` if it does not exist."""
    try:
        status = os.lstat(path)
    except (OSError, TypeError, ValueError):
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


def written_meanwhile(job: Job, planned: tuple[int, int, int] | None, when: str) -> JobResult | None:
    """The result of ``job`` when what converted it stopped before saying (``when``): converted
    if its output was written since its :func:`file_state` was ``planned``, else ``None``.

    An output only ever takes its name whole (:func:`~upscale_cli.io.atomic.atomic_write`), so
    one that appeared or changed meanwhile is complete.
    """
    now = file_state(job.output)
    if job.output in (None, STDIO) or now is None or now == planned:
        return None
    source = file_state(job.source)
    return JobResult(job.source, job.output, "converted", f"{job.source} → {job.output} (written {when})",
                     bytes_in=source[1] if source else 0, bytes_out=now[1])


def _worker_died(job: Job, reason: str, planned: tuple[int, int, int] | None) -> JobResult:
    """What a worker that died converting ``job`` leaves: its output if it was written, else a failure;
    its unfinished temporary file is removed either way."""
    if job.output not in (None, STDIO):
        remove_stale_temporaries(os.path.dirname(os.path.abspath(job.output)))
    return written_meanwhile(job, planned, "before its worker died") or JobResult(
        job.source, job.output, "failed", f"{job.source}: its worker process died while converting it ({reason}; out of memory?)",
        ExitStatus.SOME_INPUTS_FAILED)


def _run_pool(jobs: list[Job], settings: BatchSettings, workers: int, report: Callable[[JobResult], None],
              planned: dict) -> None:
    """Run ``jobs`` in worker processes (:mod:`.pool`): a worker that dies fails only the file it had."""
    from functools import partial

    from .pool import run_pool

    run_pool(jobs, partial(run_job, settings=settings), workers, done=lambda job, result: report(result),
             died=lambda job, reason: report(_worker_died(job, reason, planned.get(job))))


def default_workers() -> int:
    """Worker processes by default: the CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def workers_within_memory(jobs: list[Job], workers: int) -> tuple[int, str]:
    """``workers`` lowered so that the largest ``jobs`` fit in the available memory at once, and a note if it was."""
    available = memory.available_memory()
    fitted = memory.fit_workers(workers, [job.memory for job in jobs], available)
    if fitted == workers:
        return workers, ""
    largest = max(job.memory for job in jobs)
    return fitted, (
        f"{fitted} worker{'s' if fitted > 1 else ''} instead of {workers}: the largest conversions need about "
        f"{human_bytes(largest)} each, {human_bytes(available)} of memory is available"
    )


def run_jobs(jobs: list[Job], settings: BatchSettings, *, workers: int | None = None, reporter=None,
             runner: Callable[[list[Job], BatchSettings, Callable[[JobResult], None]], None] | None = None) -> Summary:
    """Run ``jobs`` in ``workers`` processes (in this one if 1) and return the summary.

    ``reporter`` (see :mod:`upscale_cli.batch.progress`) sees every result as it
    comes. Ctrl-C or SIGTERM stops the run: workers are stopped, their
    temporary files removed, and the summary says ``interrupted``. Workers
    also stop when this process dies. Temporary files that killed runs left
    in the output folders are removed first; when worker processes cannot
    be started, the reporter is told why and the jobs run in this process.
    Fewer workers run when the largest jobs would not fit in memory together
    (:func:`workers_within_memory`): the reporter is told, and ``Summary.note`` says so.
    ``runner(jobs, settings, report)``, when given, runs the jobs that can run
    instead of local processes (a Dask cluster: :mod:`.cluster`), passing
    each result to ``report`` as it comes.
    """
    from .progress import NullReporter

    reporter = reporter or NullReporter()
    summary = Summary(total=len(jobs))
    workers = min(workers or default_workers(), max(1, sum(1 for j in jobs if j.runnable)))
    reported, planned = set(), {}

    def report(result: JobResult) -> None:
        reported.add((result.source, result.output))
        summary.add(result)
        reporter.update(result)

    reporter.start(len(jobs))
    try:
        with signal_handler(signal.SIGTERM, _interrupt):
            for job in (j for j in jobs if not j.runnable):
                report(run_job(job, settings))
            runnable = [j for j in jobs if j.runnable]
            for path in clean_output_folders(runnable):
                reporter.note(f"{path}: removed, an unfinished file of a run that was killed")
            planned.update((job, file_state(job.output)) for job in runnable)
            if runner is None:  # a runner's workers are not this machine's
                workers, summary.note = workers_within_memory(runnable, workers)
                if summary.note:
                    reporter.note(summary.note)
            try:
                if runner is not None:
                    runner(runnable, settings, report)
                    runnable = []
                elif workers > 1:
                    _run_pool(runnable, settings, workers, report, planned)
                    runnable = []
            except PoolUnavailable as error:
                reporter.note(f"cannot start worker processes ({error}); converting in this process")
            for job in runnable:
                report(run_job(job, settings))
    except KeyboardInterrupt:
        summary.interrupted = True
        # a file that took its name just before its worker stopped is written all the same
        for job, state in planned.items():
            result = None if (job.source, job.output) in reported else written_meanwhile(job, state, "as the run stopped")
            if result is not None:
                report(result)
        if summary.converted and summary.not_done:
            reporter.note("rerun with --skip-existing to convert what was not done; it keeps the files converted, "
                          "which are complete")
    finally:
        summary.seconds = time.monotonic() - summary.started
        reporter.finish(summary)
    return summary


def clean_output_folders(jobs: Sequence[Job]) -> list[str]:
    """Remove stale temporary files from the folders ``jobs`` write to; returns their paths."""
    folders = {os.path.dirname(os.path.abspath(j.output)) for j in jobs if j.output and j.output != STDIO}
    return [path for folder in sorted(folders) for path in remove_stale_temporaries(folder)]


def run_batch(inputs: Sequence[str], settings: BatchSettings, *, workers: int | None = None, reporter=None) -> Summary:
    """Convert every input (files, folders, glob patterns); see :func:`plan_jobs` and :func:`run_jobs`."""
    return run_jobs(plan_jobs(inputs, settings), settings, workers=workers, reporter=reporter)

"""Batches: collecting inputs, naming outputs, running jobs safely."""

import os
import signal

import pytest

from upscale_cli.batch import jobs as batch_jobs
from upscale_cli.batch.convert import ResizeRequest
from upscale_cli.batch.jobs import (
    BatchSettings,
    check_template,
    collect_sources,
    output_is_folder,
    plan_jobs,
    run_batch,
)
from upscale_cli.batch.progress import NullReporter
from upscale_cli.core.errors import ExitStatus, UsageError

SCALE_2 = ResizeRequest(scale=2, mode="bilinear")


@pytest.fixture
def tree(tmp_path, make_image, monkeypatch):
    """photos/{a.png, b.jpg, .hidden.png, notes.txt, 2023/c.png, 2023/deep/d.png}."""
    make_image("photos/a.png")
    make_image("photos/b.jpg")
    make_image("photos/.hidden.png")
    (tmp_path / "photos/notes.txt").write_text("not an image")
    make_image("photos/2023/c.png", 4, 5)
    make_image("photos/2023/deep/d.png")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _relative(sources):
    return [(s.path, s.relative) for s in sources]


def test_a_folder_gives_its_images_and_recursion_its_sub_folders(tree):
    sources, failures = collect_sources(["photos"])
    assert _relative(sources) == [("photos/a.png", "a.png"), ("photos/b.jpg", "b.jpg")]
    sources, failures = collect_sources(["photos"], recursive=True)
    assert _relative(sources) == [
        ("photos/a.png", "a.png"), ("photos/b.jpg", "b.jpg"),
        ("photos/2023/c.png", "2023/c.png"), ("photos/2023/deep/d.png", "2023/deep/d.png"),
    ]
    assert failures == []


def test_patterns_files_and_duplicates(tree):
    sources, failures = collect_sources(["photos/*/*.png", "photos/a.png", "./photos/a.png", "photos/**/*.png"], recursive=True)
    assert _relative(sources) == [
        ("photos/2023/c.png", "2023/c.png"), ("photos/a.png", "a.png"), ("photos/2023/deep/d.png", "2023/deep/d.png"),
    ]
    sources, failures = collect_sources(["photos/*.gif", "empty/"] if os.makedirs("empty") is None else [])
    assert sources == [] and [f.error for f in failures] == [
        "photos/*.gif: no image files match", "empty/: no image files in this folder (use -r for sub-folders)",
    ]


def test_output_folder_rules(tree):
    assert output_is_folder("out/", ["photos/a.png"])
    assert output_is_folder("photos", ["x.png"])  # exists as a folder
    assert output_is_folder("out", ["a.png", "b.png"])
    assert output_is_folder("out", ["photos"]) and output_is_folder("out", ["*.png"])
    assert not output_is_folder("big.png", ["a.png"]) and not output_is_folder("-", ["-"])


def _plan(inputs, **settings):
    return [(j.source, j.output, j.error or j.skip) for j in plan_jobs(inputs, BatchSettings(SCALE_2, **settings))]


def test_outputs_beside_the_inputs_and_templates(tree):
    assert _plan(["photos/a.png"]) == [("photos/a.png", "photos/a@2x.png", None)]
    assert _plan(["photos/a.png"], fmt="jpeg") == [("photos/a.png", "photos/a@2x.jpg", None)]
    assert _plan(["photos/2023/c.png"], name="{stem}_{width}x{height}.{ext}") == [
        ("photos/2023/c.png", "photos/2023/c_10x8.png", None)]
    sized = plan_jobs(["photos/2023/c.png"], BatchSettings(ResizeRequest(size="7x")))
    assert sized[0].output == "photos/2023/c@7x6.png"  # 5×4 → 7×5.6, rounded
    assert sized[0].shape == "5→7 × 4→6"


def test_an_output_folder_mirrors_the_input_folders(tree):
    assert _plan(["photos"], output="big", recursive=True) == [
        ("photos/a.png", "big/a.png", None), ("photos/b.jpg", "big/b.jpg", None),
        ("photos/2023/c.png", "big/2023/c.png", None), ("photos/2023/deep/d.png", "big/2023/deep/d.png", None),
    ]


EARLIER = "photos/a@2x.png: skipped: named as an output of photos/a.png (give it by name to resize it)"


def test_outputs_of_an_earlier_run_are_not_inputs(tree, make_image):
    make_image("photos/a@2x.png", 12, 16)
    assert _plan(["photos"]) == [
        ("photos/a.png", "photos/a@2x.png", None), ("photos/a@2x.png", None, EARLIER), ("photos/b.jpg", "photos/b@2x.jpg", None)]
    # an output folder inside the input folder is never read
    make_image("photos/big/a.png", 12, 16)
    assert [p[0] for p in _plan(["photos"], output="photos/big", recursive=True) if p[1]] == [
        "photos/a.png", "photos/b.jpg", "photos/2023/c.png", "photos/2023/deep/d.png",
    ]


@pytest.mark.parametrize("names, settings", [
    # a later run with another scale or size: earlier outputs, and outputs of outputs, stay outputs
    ({"a@2x.png": "a.png", "a@1.5x.jpg": "a.png", "a@640x480.png": "a.png", "a@2x@3x.png": "a@2x.png",
      "a@unpool-8x8.npy": "a.png"}, {}),
    ({"a@1.5x@3x.png": "a.png"}, {}),  # through an output no longer there
    ({"a_big.png": "a.png", "a_big_big.png": "a_big.png", "a@2x.png": "a.png"}, {"name": "{stem}_big.{ext}"}),
    ({"a_16x12.png": "a.png"}, {"name": "{stem}_{width}x{height}.{ext}"}),
    # names this tool does not give, or outputs of no file here, are inputs
    ({"a@home.png": None, "b@2x.png": None, "a_big.png": None, "a@2x.5.png": None}, {}),
])
def test_names_this_tool_gives_are_outputs_in_later_runs(tmp_path, make_image, monkeypatch, names, settings):
    for name in ["a.png", *names]:
        make_image(f"in/{name}", format="PNG")
    monkeypatch.chdir(tmp_path)
    jobs = plan_jobs(["in"], BatchSettings(ResizeRequest(scale=3), **settings))
    assert sorted(os.path.basename(j.source) for j in jobs if j.runnable) == sorted(
        ["a.png"] + [n for n, origin in names.items() if origin is None])
    assert sorted(j.skip for j in jobs if j.skip) == sorted(
        f"in/{n}: skipped: named as an output of in/{origin} (give it by name to resize it)"
        for n, origin in names.items() if origin)
    # named explicitly, an earlier output is an input
    first = next(iter(names))
    assert [j.runnable for j in plan_jobs([f"in/{first}"], BatchSettings(ResizeRequest(scale=3), **settings))] == [True]


def test_collisions_and_self_replacement_are_errors(tree, make_image):
    make_image("photos/a.jpg")
    jobs = _plan(["photos/a.png", "photos/a.jpg"], fmt="png")
    assert jobs[1] == ("photos/a.jpg", "photos/a@2x.png", "photos/a.jpg: same output photos/a@2x.png as photos/a.png")
    assert _plan(["photos/a.png"], output="photos/") == [
        ("photos/a.png", "photos/a.png", "photos/a.png: the output would replace the input; choose -o, --name or --suffix")]


def test_template_and_option_checks():
    check_template("{stem}_{width}x{height}.{ext}")
    with pytest.raises(UsageError, match=r"bad --name '\{stem\}\.\{size\}' \(KeyError: 'size'\)"):
        check_template("{stem}.{size}")
    with pytest.raises(UsageError, match="only one of --overwrite and --skip-existing"):
        BatchSettings(SCALE_2, overwrite=True, skip_existing=True)


@pytest.mark.parametrize("template", ["../x_{stem}.png", "/tmp/x_{stem}.png", "sub/../../{stem}.png", "..", "a/../{stem}.png"])
def test_names_that_leave_the_output_folder_are_refused(template):
    with pytest.raises(UsageError) as refused:
        BatchSettings(SCALE_2, output="out/", name=template)
    assert str(refused.value) == f"bad --name {template!r}: names must stay inside the output folder (no '..' parts, not absolute)"


@pytest.mark.parametrize("template", ["sub/", "sub/.", "."])
def test_names_that_end_in_a_folder_are_refused(template):
    with pytest.raises(UsageError, match=f"^bad --name '{template}': it gives no file name$"):
        check_template(template)


def test_names_may_go_into_sub_folders_of_the_output_folder(tree):
    summary = run_batch(["photos/a.png", "photos/b.jpg"], BatchSettings(SCALE_2, output="out/", name="sub/./{stem}.{ext}"),
                        workers=1)
    assert (summary.converted, summary.failed) == (2, 0)
    assert (os.listdir("out"), sorted(os.listdir("out/sub"))) == (["sub"], ["a.png", "b.jpg"])


def test_a_corrupt_file_among_good_ones(tree):
    (tree / "photos/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out"), workers=1)
    assert (summary.converted, summary.failed, summary.exit_status) == (2, 1, ExitStatus.SOME_INPUTS_FAILED)
    assert sorted(os.listdir("out")) == ["a.png", "b.jpg"]


def test_existing_outputs_are_kept_byte_for_byte(tree):
    os.makedirs("out")
    (tree / "out/a.png").write_bytes(b"an older file")
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out"), workers=1)
    assert (summary.converted, summary.failed) == (1, 1)
    assert (tree / "out/a.png").read_bytes() == b"an older file"


def test_skip_existing_keeps_complete_outputs_and_redoes_broken_ones(tree):
    settings = BatchSettings(SCALE_2, output="out", recursive=True)
    run_batch(["photos"], settings, workers=1)
    complete = (tree / "out/a.png").read_bytes()
    truncated = (tree / "out/b.jpg").read_bytes()[:100]
    (tree / "out/b.jpg").write_bytes(truncated)
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out", recursive=True, skip_existing=True), workers=1)
    assert (summary.converted, summary.skipped, summary.failed) == (1, 3, 0)
    assert (tree / "out/a.png").read_bytes() == complete
    assert len((tree / "out/b.jpg").read_bytes()) > 100


def test_the_number_of_workers_does_not_change_the_outputs(tree):
    run_batch(["photos"], BatchSettings(SCALE_2, output="one", recursive=True), workers=1)
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="two", recursive=True), workers=2)
    assert summary.converted == 4
    for relative in ("a.png", "b.jpg", "2023/c.png", "2023/deep/d.png"):
        assert (tree / "one" / relative).read_bytes() == (tree / "two" / relative).read_bytes()


def test_an_interrupted_batch_stops_and_says_so(tree, monkeypatch):
    from upscale_cli.batch import jobs as batch

    calls = []
    real = batch.convert_file

    def interrupt_second(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "convert_file", interrupt_second)
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out", recursive=True), workers=1)
    assert summary.interrupted and summary.exit_status == ExitStatus.INTERRUPTED
    assert (summary.converted, summary.not_done) == (1, 3)
    assert os.listdir("out") == ["a.png"]


def test_workers_are_lowered_when_the_largest_jobs_do_not_fit_in_memory(tree, monkeypatch):
    from upscale_cli.batch import jobs as jobs_module
    from upscale_cli.batch import memory
    from upscale_cli.batch.progress import NullReporter

    settings = BatchSettings(SCALE_2, output="out/")
    planned = plan_jobs(["photos"], settings)
    assert all(job.memory > memory.BASE_BYTES for job in planned)
    need = max(job.memory for job in planned)
    monkeypatch.setattr(memory, "available_memory", lambda: need + 1)
    assert jobs_module.workers_within_memory(planned, 2) == (
        1, f"1 worker instead of 2: the largest conversions need about {need / 1e6:.1f} MB each, "
           f"{(need + 1) / 1e6:.1f} MB of memory is available")
    notes = []

    class Reporter(NullReporter):
        def note(self, line):
            notes.append(line)

    summary = jobs_module.run_jobs(planned, settings, workers=2, reporter=Reporter())
    assert summary.converted == 2 and summary.note.startswith("1 worker instead of 2") and notes == [summary.note]
    monkeypatch.setattr(memory, "available_memory", lambda: 2 * need)
    assert jobs_module.workers_within_memory(planned, 2) == (2, "")


def test_links_to_files_are_followed_and_each_file_is_converted_once(tree, make_image):
    make_image("elsewhere/e.png")
    os.symlink(os.path.abspath("photos/2023/c.png"), "photos/link.png")  # to a file of the batch
    os.symlink(os.path.abspath("elsewhere/e.png"), "photos/outside.png")  # to a file outside it
    sources, others = collect_sources(["photos"], recursive=True)
    assert [s.relative for s in sources] == ["a.png", "b.jpg", "outside.png", "2023/c.png", "2023/deep/d.png"]
    assert [(j.source, j.skip) for j in others] == [("photos/link.png", "photos/link.png: skipped: the same file as photos/2023/c.png")]
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out", recursive=True), workers=1)
    assert (summary.converted, summary.skipped, summary.failed) == (5, 1, 0)
    assert os.path.isfile("out/2023/c.png") and os.path.isfile("out/outside.png") and not os.path.lexists("out/link.png")


def test_links_to_folders_are_followed_once_and_loops_end(tree, make_image):
    make_image("elsewhere/e.png")
    os.symlink(os.path.abspath("photos"), "photos/2023/loop")  # to an ancestor
    os.symlink(os.path.abspath("photos/2023/deep"), "photos/deep-link")  # to a folder read anyway
    os.symlink(os.path.abspath("elsewhere"), "photos/ext")
    os.symlink(os.path.abspath("elsewhere"), "photos/ext2")  # the same outside folder again
    sources, others = collect_sources(["photos"], recursive=True)
    assert [s.relative for s in sources] == ["a.png", "b.jpg", "2023/c.png", "2023/deep/d.png", "ext/e.png"]
    where = os.path.abspath
    assert sorted(j.skip for j in others) == [
        f"photos/2023/loop: skipped: a link to the folder {where('photos')}, which this batch reads already",
        f"photos/deep-link: skipped: a link to the folder {where('photos/2023/deep')}, which this batch reads already",
        f"photos/ext2: skipped: a link to the folder {where('elsewhere')}, which this batch reads already",
    ]


def _unreadable(monkeypatch, name):
    """Make folders called ``name`` fail to list, as without read permission (tests run as root)."""
    real = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path).rstrip("/")) == name:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_sub_folder_fails_and_the_rest_is_done(tree, monkeypatch):
    _unreadable(monkeypatch, "2023")
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out", recursive=True), workers=1)
    assert (summary.converted, summary.failed, summary.exit_status) == (2, 1, ExitStatus.SOME_INPUTS_FAILED)
    assert [j.error for j in plan_jobs(["photos"], BatchSettings(SCALE_2, output="out", recursive=True)) if j.error] == [
        "photos/2023: cannot read this folder: permission denied"]
    # given directly: the folder's problem, not "no image files"
    assert [j.error for j in plan_jobs(["photos/2023"], BatchSettings(SCALE_2))] == [
        "photos/2023: cannot read this folder: permission denied"]


def test_out_of_memory_fails_that_file_with_the_size_needed(tree, monkeypatch):
    import numpy as np

    from upscale_cli.batch import jobs as batch

    monkeypatch.setattr(batch, "convert_file", lambda *args, **kwargs: np.empty((10**6, 10**6, 10**3)))
    [job] = plan_jobs(["photos/a.png"], BatchSettings(SCALE_2))
    result = batch.run_job(job, BatchSettings(SCALE_2))
    assert (result.status, result.message) == ("failed", "photos/a.png: out of memory: needs about 8e+06 GB")


def test_unfinished_files_of_killed_runs_are_removed_and_live_ones_kept(tree):
    import fcntl
    import io
    import subprocess
    import sys

    from upscale_cli.batch.progress import PlainReporter

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        os.makedirs("out")
        stale = tree / f"out/.upscale-{dead}-k1l2.part"
        running = tree / f"out/.upscale-{live.pid}-m3n4.part"  # another run, still writing
        locked = tree / f"out/.upscale-{dead}-p5q6.part"  # its writer's lock is still held
        unknown = tree / "out/.upscale-r7s8.part"  # not a name this version gives: not judged
        for path in (stale, running, locked, unknown):
            path.write_bytes(b"half a file")
        with open(locked, "rb") as holder:
            fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
            lines = io.StringIO()
            summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out"), workers=1, reporter=PlainReporter(stream=lines))
        assert summary.converted == 2
        assert sorted(os.listdir("out")) == sorted(["a.png", "b.jpg", running.name, locked.name, unknown.name])
        assert lines.getvalue().splitlines()[0] == f"upscale: {stale}: removed, an unfinished file of a run that was killed"
    finally:
        live.kill()
        live.wait()


REPLACES_AN_INPUT = ("two/a.png: the output of two/a.jpg would replace this input of the run (--overwrite replaces "
                     "earlier outputs, never inputs); choose -o, --name or --suffix")


@pytest.mark.parametrize("overwrite", [True, False])
def test_an_output_that_would_replace_another_input_refuses_the_plan(tmp_path, make_image, monkeypatch, overwrite):
    make_image("two/a.jpg")
    make_image("two/a.png", 4, 4)
    monkeypatch.chdir(tmp_path)
    settings = BatchSettings(SCALE_2, name="{stem}.{ext}", fmt="png", overwrite=overwrite)
    with pytest.raises(UsageError) as refused:
        plan_jobs(["two"], settings)
    assert str(refused.value) == REPLACES_AN_INPUT
    with pytest.raises(UsageError, match="^two/a.png: the output of two/a.jpg would replace this input"):
        plan_jobs(["two/a.jpg", "two/a.png"], settings)  # named explicitly as well


@pytest.mark.parametrize("link, target", [(os.symlink, "b.jpg"), (os.link, "photos/b.jpg")])
def test_an_output_that_is_another_input_through_a_link_refuses_the_plan(tree, link, target):
    link(target, "photos/a@2x.png")
    with pytest.raises(UsageError, match="^photos/a@2x.png: the output of photos/a.png would replace this input"):
        plan_jobs(["photos/a.png", "photos/b.jpg"], BatchSettings(SCALE_2, overwrite=True))


def test_earlier_outputs_stay_replaceable_with_overwrite(tree, make_image):
    make_image("photos/a@2x.png", 12, 16)
    jobs = plan_jobs(["photos"], BatchSettings(SCALE_2, overwrite=True))
    assert [(j.source, j.output, j.skip) for j in jobs if j.source.endswith(".png")] == [
        ("photos/a.png", "photos/a@2x.png", None), ("photos/a@2x.png", None, EARLIER)]


def test_several_folders_are_mirrored_below_the_folder_that_holds_them(tmp_path, make_image, monkeypatch):
    for name in ("in1/x.png", "in2/x.png", "in2/sub/y.png", "deep/in3/z.png"):
        make_image(name)
    monkeypatch.chdir(tmp_path)
    assert _relative(collect_sources(["in1", "in2"])[0]) == [("in1/x.png", "in1/x.png"), ("in2/x.png", "in2/x.png")]
    # as the pattern over the same files does
    assert _relative(collect_sources(["in*/x.png"])[0]) == [("in1/x.png", "in1/x.png"), ("in2/x.png", "in2/x.png")]
    assert _relative(collect_sources(["in2", "deep/in3"])[0]) == [("in2/x.png", "in2/x.png"),
                                                                   ("deep/in3/z.png", "deep/in3/z.png")]
    # a folder and one inside it: relative to the outer one, as -r would give
    assert _relative(collect_sources(["in2", "in2/sub"])[0]) == [("in2/x.png", "x.png"), ("in2/sub/y.png", "sub/y.png")]
    assert _relative(collect_sources([str(tmp_path / "in1"), "in2"])[0]) == [
        (str(tmp_path / "in1/x.png"), "in1/x.png"), ("in2/x.png", "in2/x.png")]
    assert [(j.source, j.output, j.error) for j in plan_jobs(["in1", "in2"], BatchSettings(SCALE_2, output="out"))] == [
        ("in1/x.png", "out/in1/x.png", None), ("in2/x.png", "out/in2/x.png", None)]


def test_standard_input_once_and_not_into_a_folder(tree):
    with pytest.raises(UsageError, match=r"^-: standard input is given more than once, but it holds one image"):
        plan_jobs(["-", "-"], BatchSettings(SCALE_2))
    with pytest.raises(UsageError, match="^<stdin>: standard input has no file name to write into the folder out/"):
        plan_jobs(["-", "photos/a.png"], BatchSettings(SCALE_2, output="out/"))


#: The call of the worker converting die.png at which the out-of-memory killer strikes (see :func:`die_on`).
KILL_AT = "UPSCALE_TEST_KILL_AT"
RUN_JOB = batch_jobs.run_job


def die_on(job, settings):
    """``run_job`` in a worker, except that the worker converting ``die.png`` is killed (SIGKILL, as the
    out-of-memory killer does) when its temporary file is written whole and is about to be linked
    to its name (``link``), or has just been (``unlink``, when the temporary file is removed)."""
    if os.path.basename(job.source) == "die.png":
        def kill(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)

        setattr(os, os.environ[KILL_AT], kill)
    return RUN_JOB(job, settings)


class Results(NullReporter):
    def __init__(self):
        self.results = []

    def update(self, result):
        self.results.append(result)


@pytest.mark.parametrize("kill_at, status, message", [
    ("link", "failed", "photos/die.png: its worker process died while converting it (killed by SIGKILL; out of memory?)"),
    ("unlink", "converted", "photos/die.png → out/die.png (written before its worker died)"),
])
def test_a_killed_worker_costs_only_the_file_it_had(tree, make_image, monkeypatch, kill_at, status, message):
    for index in range(5):
        make_image(f"photos/p{index}.png")
    make_image("photos/die.png")
    monkeypatch.setenv(KILL_AT, kill_at)  # the workers inherit it
    monkeypatch.setattr(batch_jobs, "run_job", die_on)
    settings = BatchSettings(SCALE_2, output="out")
    reporter = Results()
    summary = batch_jobs.run_jobs(plan_jobs(["photos"], settings), settings, workers=2, reporter=reporter)
    # die.png is the third of eight: files queued behind it and the one on the other worker are converted
    assert [r.message for r in reporter.results if r.source == "photos/die.png"] == [message]
    assert [r.status for r in reporter.results].count(status) == (1 if status == "failed" else 8)
    assert (summary.converted, summary.failed, summary.exit_status) == (
        (7, 1, ExitStatus.SOME_INPUTS_FAILED) if status == "failed" else (8, 0, ExitStatus.OK))
    expected = ["a.png", "b.jpg", *[f"p{index}.png" for index in range(5)]] + ([] if status == "failed" else ["die.png"])
    assert sorted(os.listdir("out")) == sorted(expected)  # and no .part file


def test_a_file_written_as_the_run_is_interrupted_is_reported_written(tree, monkeypatch):
    real = batch_jobs.convert_file

    def written_then_interrupted(source, *args, **kwargs):
        conversion = real(source, *args, **kwargs)
        if source.endswith("b.jpg"):
            raise KeyboardInterrupt  # Ctrl-C after the rename, before the result is reported
        return conversion

    monkeypatch.setattr(batch_jobs, "convert_file", written_then_interrupted)
    reporter = Results()
    notes = []
    reporter.note = notes.append
    summary = run_batch(["photos"], BatchSettings(SCALE_2, output="out", recursive=True), workers=1, reporter=reporter)
    assert (summary.interrupted, summary.converted, summary.not_done) == (True, 2, 2)
    assert [r.message for r in reporter.results] == [
        "photos/a.png → out/a.png (8→16 × 6→12)", "photos/b.jpg → out/b.jpg (written as the run stopped)"]
    assert sorted(os.listdir("out")) == ["a.png", "b.jpg"]
    assert notes == ["rerun with --skip-existing to convert what was not done; it keeps the files converted, which are complete"]


def test_files_a_runner_wrote_but_did_not_report_are_reported_written(tree):
    settings = BatchSettings(SCALE_2, output="out", recursive=True)

    def runner(jobs, settings, report):  # a cluster whose results were lost on Ctrl-C
        first, second = (RUN_JOB(job, settings) for job in jobs[:2])
        report(first)
        raise KeyboardInterrupt

    reporter = Results()
    summary = batch_jobs.run_jobs(plan_jobs(["photos"], settings), settings, reporter=reporter, runner=runner)
    assert (summary.interrupted, summary.converted, summary.not_done) == (True, 2, 2)
    assert reporter.results[1].message == "photos/b.jpg → out/b.jpg (written as the run stopped)"
    assert reporter.results[1].bytes_out == os.path.getsize("out/b.jpg") > 0

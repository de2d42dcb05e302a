"""The resize command on many files: exact lines and exit statuses."""

import io
import os
import re

import numpy as np
import pytest
from conftest import pattern
from PIL import Image

SUMMARY = re.compile(r"upscale: (interrupted: )?\d+ converted, \d+ skipped, \d+ failed(, \d+ not done)?; [\d.]+ k?B in, [\d.]+ k?B out; [\d.]+ s")


@pytest.fixture
def folder(tmp_path, make_image):
    """a.png and b.png (8×6) in the folder where ``run`` works."""
    make_image("a.png")
    make_image("b.png")
    return tmp_path


def _lines(text):
    return text.splitlines()


def test_several_files_one_line_each_and_a_summary(run, folder):
    result = run("a.png", "b.png", "--scale", "2", "-j", "1")
    assert result.exit_code == 0
    lines = _lines(result.stderr)
    assert lines[:2] == ["a.png → a@2x.png (8→16 × 6→12)", "b.png → b@2x.png (8→16 × 6→12)"]
    assert SUMMARY.fullmatch(lines[2]) and lines[2].startswith("upscale: 2 converted, 0 skipped, 0 failed; ")
    assert result.stdout == ""


def test_one_file_to_one_output_file_as_before(run, folder):
    result = run("a.png", "-o", "big.png", "--size", "16x12")
    assert (result.exit_code, result.stderr) == (0, "a.png → big.png (8→16 × 6→12)\n")
    with Image.open(folder / "big.png") as image:
        assert image.size == (16, 12)


def test_a_corrupt_file_among_good_ones_is_one_line_and_exit_1(run, folder):
    (folder / "c.png").write_bytes(b"\x89PNG\r\n\x1a\nnothing more")
    result = run(".", "--scale", "2", "-j", "2")
    assert result.exit_code == 1
    lines = sorted(_lines(result.stderr)[:-1])
    assert lines == [
        "a.png → a@2x.png (8→16 × 6→12)", "b.png → b@2x.png (8→16 × 6→12)",
        "upscale: c.png: not an image or .npy array Pillow can read",
    ]
    assert _lines(result.stderr)[-1].startswith("upscale: 2 converted, 0 skipped, 1 failed; ")
    assert os.path.exists("a@2x.png") and os.path.exists("b@2x.png")
    assert "Traceback" not in result.output


def test_an_existing_output_is_left_unchanged_and_fails(run, folder):
    run("a.png", "--scale", "2")
    before = (folder / "a@2x.png").read_bytes()
    result = run("a.png", "--scale", "2", "--mode", "nearest")
    assert result.exit_code == 1
    assert result.stderr == "upscale: a@2x.png: already exists (use --overwrite to replace it or --skip-existing to keep it)\n"
    assert (folder / "a@2x.png").read_bytes() == before
    assert run("a.png", "--scale", "2", "--skip-existing").stderr == "a.png → a@2x.png exists, skipped\n"
    assert run("a.png", "--scale", "2", "--mode", "nearest", "--overwrite").exit_code == 0
    assert (folder / "a@2x.png").read_bytes() != before


def test_recursion_mirrors_folders_under_the_output_folder(run, folder, make_image):
    make_image("sub/deep/c.png", 4, 4)
    result = run(".", "-r", "-o", "out/", "--scale", "2", "-q", "-j", "1")
    assert (result.exit_code, result.stderr) == (0, "")
    found = sorted(os.path.relpath(os.path.join(r, f), "out") for r, _, fs in os.walk("out") for f in fs)
    assert found == ["a.png", "b.png", os.path.join("sub", "deep", "c.png")]


def test_dry_run_lists_and_writes_nothing(run, folder):
    run("a.png", "--scale", "2")
    result = run(".", "--scale", "2", "--dry-run")
    assert result.exit_code == 0
    assert _lines(result.stdout) == [
        "a.png → a@2x.png (8→16 × 6→12) [exists, fails]",
        "b.png → b@2x.png (8→16 × 6→12)",
    ]
    assert result.stderr == "a@2x.png: skipped: named as an output of a.png (give it by name to resize it)\n"
    assert not os.path.exists("b@2x.png")


def test_names_formats_and_quality(run, folder):
    assert run("a.png", "--scale", "1.5", "--suffix", "_big").stderr == "a.png → a_big.png (8→12 × 6→9)\n"
    result = run("a.png", "--width", "4", "--name", "{stem}_{width}x{height}.{ext}", "--format", "jpeg", "--quality", "80")
    assert result.stderr == "a.png → a_4x3.jpg (8→4 × 6→3)\n"
    with Image.open(folder / "a_4x3.jpg") as image:
        assert image.format == "JPEG"


@pytest.mark.parametrize("args, message", [
    (["--name", "{stem}.png", "--suffix", "x"], "upscale: give only one of --name and --suffix"),
    (["--name", "{size}.png"], "upscale: bad --name '{size}.png' (KeyError: 'size'); use {stem}, {ext}, {width}, {height}, {tag}"),
    # formats, but was an internal error when the name was matched against outputs
    (["--name", "{stem.upper}.png"], "upscale: bad --name '{stem.upper}.png': {stem.upper} is not a field; use {stem}, {ext}, {width}, {height}, {tag}"),
    (["-o", "out/", "--name", "../x_{stem}.png"],
     "upscale: bad --name '../x_{stem}.png': names must stay inside the output folder (no '..' parts, not absolute)"),
    (["--suffix", "/../../x"], "upscale: bad --suffix '/../../x': it is added to the file name and cannot hold '/' "
                               "(--name can name a sub-folder)"),
    (["--overwrite", "--skip-existing"], "upscale: give only one of --overwrite and --skip-existing"),
    (["--max-pixels", "lots"], "upscale: bad --max-pixels 'lots': expected a number such as 200M"),
    (["--reducing-gap", "2"], "upscale: --reducing-gap belongs to a library preset: add --compat"),
    (["--max-pixels", "inf"], "upscale: bad --max-pixels 'inf': expected a number such as 200M"),
    (["--max-pixels", "nanM"], "upscale: bad --max-pixels 'nanM': expected a number such as 200M"),
    (["--linear", "--explain"], "upscale: --explain traces stored values; it cannot show a --linear resize"),
    (["--max-pixels", "0.5"], "upscale: bad --max-pixels '0.5': not a whole number of pixels (0: no limit)"),
    (["--max-pixels", "1/2"], "upscale: bad --max-pixels '1/2': expected a number such as 200M"),
    (["--scale", "1e400"], "upscale: bad scale '1e400': too large"),
    (["--scale", "1e-400"], "upscale: bad scale '1e-400': too small"),
    (["--scale", "2x"], "upscale: bad scale '2x': expected a number (2, 1.5, 150%) or one per axis, x first (1.5x2)"),
    (["--scale", "2xq"], "upscale: bad scale '2xq': 'q' is not a number"),
])
def test_usage_errors_exit_2(run, folder, args, message):
    result = run("a.png", "--scale", "2", *args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def test_the_bomb_limit_from_the_command_line(run, folder, make_image):
    make_image("wide.png", 10, 100)
    result = run("wide.png", "--scale", "2", "--max-pixels", "2k")
    assert (result.exit_code, result.stderr) == (1, "upscale: wide.png: the output has 0.004 megapixels, over the limit of 0.002 (--max-pixels)\n")
    assert run("wide.png", "--scale", "2", "--max-pixels", "0").exit_code == 0
    assert run("wide.png", "--scale", "2", "--max-pixels", "1.1k").stderr.endswith(" over the limit of 0.0011 (--max-pixels)\n")


def test_a_scale_beyond_memory_is_refused_before_allocating(run, folder):
    result = run("a.png", "--scale", "1e200")
    assert (result.exit_code, result.stderr) == (1, "upscale: a.png: the output has 4.8e+395 megapixels, over the limit of 2000 (--max-pixels)\n")
    result = run("a.png", "--scale", "1e200", "--max-pixels", "0")
    assert (result.exit_code, result.stderr) == (1, "upscale: a.png: out of memory: needs about 4.8e+392 GB\n")


def test_stdin_to_stdout(run, folder):
    buffer = io.BytesIO()
    Image.fromarray(pattern(3, 4)).save(buffer, "PNG")
    result = run("-", "--scale", "2", "--mode", "nearest", "-o", "-", stdin=buffer.getvalue())
    assert result.exit_code == 0
    with Image.open(io.BytesIO(result.stdout_bytes)) as image:
        assert image.format == "PNG"
        assert np.array_equal(np.asarray(image), np.repeat(np.repeat(pattern(3, 4), 2, 0), 2, 1))


def test_every_batch_option_is_documented():
    from upscale_cli.cli.main import resize_command

    documented = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "batch.md"), encoding="utf-8").read()
    batch_options = {"--output", "--name", "--suffix", "--recursive", "--linear", "--format", "--quality", "--compress-level",
                     "--strip", "--auto-orient", "--no-auto-orient", "--max-pixels", "--jobs", "--overwrite",
                     "--skip-existing", "--dry-run", "--quiet"}
    offered = {o for p in resize_command.params for o in [*p.opts, *p.secondary_opts]}
    assert batch_options <= offered
    assert [o for o in sorted(batch_options) if o not in documented] == []


def test_ctrl_c_stops_the_workers_and_leaves_no_partial_files(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    for index in range(8):
        Image.fromarray(np.tile(pattern(30, 40), (10, 10, 1))).save(tmp_path / f"p{index}.png", compress_level=0)
    command = [sys.executable, "-m", "upscale_cli", str(tmp_path), "-o", str(tmp_path / "out") + "/",
               "--scale", "3", "--mode", "lanczos", "-j", "2"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    first = process.stderr.readline()
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole process group
    rest = process.stderr.read()
    assert process.wait(timeout=30) == 130, first + rest
    assert "Traceback" not in rest
    assert SUMMARY.fullmatch(rest.splitlines()[-1]) and "interrupted: " in rest
    for _ in range(50):  # the workers are gone too
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("worker processes survived")
    left = os.listdir(tmp_path / "out")
    assert all(name.startswith("p") and name.endswith(".png") for name in left) and len(left) < 8, left
    for name in left:
        with Image.open(tmp_path / "out" / name) as image:
            image.load()  # complete, not truncated


def test_skip_existing_never_replaces_what_is_not_its_own(run, folder):
    (folder / "a@2x.png").write_text("precious\n")
    result = run("a.png", "--scale", "2", "--skip-existing")
    assert (result.exit_code, result.stderr) == (1, "upscale: a@2x.png: exists and is not an image this tool could have "
                                                    "written; kept (use --overwrite to replace it)\n")
    assert (folder / "a@2x.png").read_text() == "precious\n"
    jpeg = io.BytesIO()
    Image.fromarray(pattern(6, 8)).save(jpeg, "JPEG")
    (folder / "a@2x.png").write_bytes(jpeg.getvalue()[:200])  # a broken JPEG is not a PNG this tool began
    assert run("a.png", "--scale", "2", "--skip-existing").exit_code == 1
    assert (folder / "a@2x.png").read_bytes() == jpeg.getvalue()[:200]


def test_skip_existing_redoes_a_broken_output_and_says_so(run, folder):
    run("a.png", "--scale", "2")
    whole = (folder / "a@2x.png").read_bytes()
    (folder / "a@2x.png").write_bytes(whole[:60])
    result = run("a.png", "--scale", "2", "--skip-existing", "-q")
    assert (result.exit_code, result.stderr) == (0, "upscale: a@2x.png: exists but is incomplete (an interrupted earlier "
                                                    "run?): made again\n")
    assert (folder / "a@2x.png").read_bytes() == whole


@pytest.mark.parametrize("target, message", [
    ("single.png", "-o single.png: several inputs need an output folder, not an image file (end it with / for a folder)"),
    ("afile", "-o afile: is a file, but several inputs need an output folder"),
])
def test_one_output_file_for_several_inputs_is_a_usage_error(run, folder, target, message):
    (folder / "afile").write_text("mine\n")
    result = run("a.png", "b.png", "-o", target, "--scale", "2")
    assert (result.exit_code, result.stderr) == (2, f"upscale: {message}\n")
    assert sorted(os.listdir(folder)) == ["a.png", "afile", "b.png"]
    assert (folder / "afile").read_text() == "mine\n"


def test_an_output_folder_that_cannot_be_made_is_blamed(run, folder, monkeypatch):
    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "makedirs", refuse)
    result = run("a.png", "-o", "ro/sub/x.png", "--scale", "2")
    assert (result.exit_code, result.stderr) == (1, "upscale: ro/sub/x.png: cannot create the folder ro/sub: permission denied\n")


def test_workers_that_cannot_start_are_named_and_the_files_still_converted(run, folder, monkeypatch):
    import multiprocessing.resource_tracker
    import multiprocessing.spawn

    multiprocessing.resource_tracker.ensure_running()  # with the real interpreter: only the workers fail
    monkeypatch.setattr(multiprocessing.spawn, "_python_exe", os.fsencode(folder / "no-python-here"))
    result = run("a.png", "b.png", "--scale", "2", "-j", "2")
    lines = _lines(result.stderr)
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"upscale: cannot start worker processes \(\w+: .+\); "
                        r"converting in this process", lines[0]), lines[0]
    assert lines[1:3] == ["a.png → a@2x.png (8→16 × 6→12)", "b.png → b@2x.png (8→16 × 6→12)"]
    assert lines[3].startswith("upscale: 2 converted, 0 skipped, 0 failed; ")


def _children(pid):
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_workers_stop_when_the_parent_is_killed(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    for index in range(8):
        Image.fromarray(np.tile(pattern(30, 40), (10, 10, 1))).save(tmp_path / f"p{index}.png", compress_level=0)
    command = [sys.executable, "-m", "upscale_cli", str(tmp_path), "-o", str(tmp_path / "out") + "/",
               "--scale", "3", "--mode", "lanczos", "-j", "2"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    process.stderr.readline()  # a file is done: the workers (and the resource tracker) run
    children = _children(process.pid)
    assert len(children) >= 2
    process.kill()  # SIGKILL: the parent cannot stop anyone
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in children if _running(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
    assert not [n for n in os.listdir(tmp_path / "out") if n.endswith(".part")]  # the workers removed theirs


@pytest.mark.parametrize("inputs", [["a.png", "b.png"], ["in"]])
def test_several_inputs_to_standard_output_is_a_usage_error(run, tmp_path, make_image, inputs):
    # A reader of the stream would see the first image and lose the others.
    make_image("a.png")
    make_image("b.png")
    make_image("in/c.png")
    result = run(*inputs, "--scale", "2", "-o", "-")
    assert result.exit_code == 2
    assert result.stderr == "upscale: -o -: standard output holds one image, but several inputs need an output folder (-o DIR/)\n"
    assert result.stdout_bytes == b""


def test_an_input_is_never_replaced_by_another_inputs_output(run, tmp_path, make_image):
    make_image("two/a.jpg")
    make_image("two/a.png", 4, 4)
    before = {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}
    result = run("two", "--scale", "2", "--format", "png", "--name", "{stem}.{ext}", "--overwrite")
    assert (result.exit_code, result.stderr) == (2, (
        "upscale: two/a.png: the output of two/a.jpg would replace this input of the run (--overwrite replaces "
        "earlier outputs, never inputs); choose -o, --name or --suffix\n"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()} == before


def test_two_folders_with_the_same_file_names_are_mirrored_apart(run, tmp_path, make_image):
    make_image("in1/x.png")
    make_image("in2/x.png", 4, 4)
    result = run("in1", "in2", "-o", "out/", "--scale", "2", "-j", "1")
    assert result.exit_code == 0
    assert _lines(result.stderr)[:2] == ["in1/x.png → out/in1/x.png (8→16 × 6→12)", "in2/x.png → out/in2/x.png (4→8 × 4→8)"]


def test_file_names_are_printed_escaped(run, tmp_path, make_image):
    make_image("e\x1b[31mred\nnl.png")
    result = run("e\x1b[31mred\nnl.png", "--scale", "2")
    assert (result.exit_code, result.stderr) == (0, "e\\x1b[31mred\\nnl.png → e\\x1b[31mred\\nnl@2x.png (8→16 × 6→12)\n")
    result = run("e\x1b[31mred\nnl.png", "--scale", "2", "--dry-run")
    assert result.stdout == "e\\x1b[31mred\\nnl.png → e\\x1b[31mred\\nnl@2x.png (8→16 × 6→12) [exists, fails]\n"
    result = run("missing\x1b]0;title\x07.png", "--scale", "2")
    assert result.exit_code == 1 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert result.stderr.startswith("upscale: missing\\x1b]0;title\\x07.png: ")


def test_standard_input_given_twice_is_a_usage_error(run, folder):
    result = run("-", "-", "--scale", "2", stdin=(folder / "a.png").read_bytes())
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("upscale: -: standard input is given more than once, but it holds one image "
                             "(-o - writes to standard output)\n")
    result = run("-", "a.png", "-o", "out/", "--scale", "2", stdin=(folder / "a.png").read_bytes())
    assert result.exit_code == 2 and not os.path.exists("out")

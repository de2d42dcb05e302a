import io

from rich.console import Console

from upscale_cli.batch.jobs import JobResult, Summary
from upscale_cli.batch.progress import PlainReporter, RichReporter, human_bytes, make_reporter, printable, summary_line

CONVERTED = JobResult("a.png", "a@2x.png", "converted", "a.png → a@2x.png (8→16 × 6→12)", bytes_in=1500, bytes_out=4_200_000)
FAILED = JobResult("c.png", None, "failed", "c.png: not an image", 1)
SKIPPED = JobResult("b.png", "b@2x.png", "skipped", "b.png → b@2x.png exists, skipped")
REDONE = JobResult("d.png", "d@2x.png", "converted", "d.png → d@2x.png (8→16 × 6→12)",
                   warning="d@2x.png: exists but is incomplete (an interrupted earlier run?): made again")


def _summary(**counts):
    summary = Summary(total=counts.pop("total", 3), **counts)
    summary.seconds = 2.25
    return summary


def test_human_bytes():
    assert [human_bytes(n) for n in (0, 999, 1000, 1_234_567, 5 * 10**12)] == ["0 B", "999 B", "1.0 kB", "1.2 MB", "5000.0 GB"]


def test_summary_line():
    assert summary_line(_summary(converted=2, failed=1, bytes_in=1500, bytes_out=4_200_000)) == (
        "upscale: 2 converted, 0 skipped, 1 failed; 1.5 kB in, 4.2 MB out; 2.2 s")
    assert summary_line(_summary(total=10, converted=2, interrupted=True)) == (
        "upscale: interrupted: 2 converted, 0 skipped, 0 failed, 8 not done; 0 B in, 0 B out; 2.2 s")


def test_plain_lines_and_quiet():
    stream = io.StringIO()
    reporter = PlainReporter(stream=stream)
    reporter.start(3)
    reporter.update(CONVERTED)
    reporter.update(FAILED)
    reporter.finish(_summary(total=2, converted=1, failed=1))
    assert stream.getvalue().splitlines() == [
        "a.png → a@2x.png (8→16 × 6→12)", "upscale: c.png: not an image",
        "upscale: 1 converted, 0 skipped, 1 failed; 0 B in, 0 B out; 2.2 s",
    ]
    quiet = io.StringIO()
    reporter = PlainReporter(quiet=True, stream=quiet)
    reporter.update(CONVERTED)
    reporter.update(FAILED)
    reporter.update(SKIPPED)
    reporter.update(REDONE)
    reporter.finish(_summary(total=2, converted=1, failed=1))
    assert quiet.getvalue() == "upscale: c.png: not an image\nupscale: " + REDONE.warning + "\n"


def test_rich_summary_table_and_no_control_codes_off_a_terminal():
    output = io.StringIO()
    console = Console(file=output, width=100, force_terminal=False)
    reporter = RichReporter(console)
    reporter.start(2)
    reporter.update(CONVERTED)
    reporter.update(FAILED)
    reporter.update(SKIPPED)
    reporter.update(REDONE)
    reporter.finish(_summary(total=4, converted=2, failed=1, skipped=1, bytes_in=1500, bytes_out=4_200_000))
    lines = [line.strip() for line in output.getvalue().splitlines() if line.strip()]
    assert "\x1b" not in output.getvalue()
    assert lines == ["upscale: c.png: not an image", SKIPPED.message, "upscale: " + REDONE.warning,
                     "2  converted", "1  skipped", "1  failed", "1.5 kB  read", "4.2 MB  written", "2.2 s  time"]


def test_the_reporter_is_chosen_once():
    terminal = Console(file=io.StringIO(), force_terminal=True)
    pipe = Console(file=io.StringIO(), force_terminal=False)
    assert isinstance(make_reporter(5, console=terminal), RichReporter)
    assert isinstance(make_reporter(5, console=pipe), PlainReporter)
    assert isinstance(make_reporter(5, quiet=True, console=terminal), PlainReporter)
    assert isinstance(make_reporter(1, console=terminal), PlainReporter)  # one file: one line, as always


NOTED = JobResult("d.png", "d.jpg", "converted", "d.png → d.jpg (1→2 × 1→2)",
                  notes=("d.jpg: alpha flattened over the background white for JPEG",))


def test_notes_follow_their_file_unless_quiet():
    stream, quiet = io.StringIO(), io.StringIO()
    PlainReporter(stream=stream).update(NOTED)
    PlainReporter(quiet=True, stream=quiet).update(NOTED)
    assert stream.getvalue().splitlines() == [
        "d.png → d.jpg (1→2 × 1→2)", "upscale: d.jpg: alpha flattened over the background white for JPEG"]
    assert quiet.getvalue() == ""
    output = io.StringIO()
    reporter = RichReporter(Console(file=output, width=100, force_terminal=False))
    reporter.start(1)
    reporter.update(NOTED)
    reporter.finish(_summary(total=1, converted=1))
    assert "upscale: d.jpg: alpha flattened over the background white for JPEG" in output.getvalue()


def test_printable_escapes_what_a_terminal_would_act_on():
    assert printable("a.png → a@2x.png (8→16 × 6→12)") == "a.png → a@2x.png (8→16 × 6→12)"
    assert printable("upscale: e\x1b[31mred\nnl.png: bad") == "upscale: e\\x1b[31mred\\nnl.png: bad"
    assert printable("t\tr\r\x7f\x85\u2028\u202egnp.exe") == "t\\tr\\r\\x7f\\u0085\\u2028\\u202egnp.exe"
    # not UTF-8 (os.fsdecode(b"\xff.png")), and a backslash, so that every printed name is one name
    assert printable("\udcff.png a\\nb.png") == "\\xff.png a\\\\nb.png"
    assert printable("фото 照片 é.png") == "фото 照片 é.png"


def test_reporters_print_names_escaped():
    result = JobResult("e\x1b[2Jx.png", "o\ny.png", "failed", "e\x1b[2Jx.png: not an image")
    stream = io.StringIO()
    PlainReporter(stream=stream).update(result)
    assert stream.getvalue() == "upscale: e\\x1b[2Jx.png: not an image\n"
    console = Console(file=io.StringIO(), width=200)
    reporter = RichReporter(console)
    reporter.start(1)
    reporter.update(result)
    reporter.finish(_summary(total=1, failed=1))
    assert "upscale: e\\x1b[2Jx.png: not an image" in console.file.getvalue()
    assert "\x1b[2J" not in console.file.getvalue()

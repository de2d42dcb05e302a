"""Reporting a batch as it runs: a Rich progress bar on a terminal, plain lines elsewhere.

Every reporter has the same four methods, ``start(total)``,
``note(line)``, ``update(result)`` and ``finish(summary)``; :func:`make_reporter` picks one
once, so the batch loop never asks how it is being shown. Everything goes to
standard error: standard output stays free for ``-o -``.
"""

from __future__ import annotations

import sys
import unicodedata

#: Escapes of characters that have a short one, as in Python and in bash's ``$'…'``.
SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Characters that reorder the text around them on a terminal (so a name could pass for another).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(line: str) -> str:
    """``line`` as printed: every character a terminal would act on rather than show is escaped.

    File names may hold anything but ``/``: a newline (which would make two
    lines of one), escape sequences (which would recolour, retitle or clear the
    terminal), bidirectional controls (which make one name look like another),
    bytes that are not UTF-8. They are shown as ``\\n``, ``\\t``, ``\\r``,
    ``\\x1b`` (below U+0080), ``\\u202e`` (other characters) and ``\\xff``
    (a byte that is not UTF-8), with ``\\\\`` for a backslash itself, so a
    printed name is unambiguous: in bash, ``$'…'`` around it gives the name
    back. Every other character, non-ASCII letters included, is printed as is.
    """
    if line.isprintable() and "\\" not in line:
        return line
    return "".join(_escaped(character) for character in line)


def _escaped(character: str) -> str:
    if character in SHORT_ESCAPES:
        return SHORT_ESCAPES[character]
    code = ord(character)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as Python's file-name decoding keeps it
        return f"\\x{code - 0xDC00:02x}"
    category = unicodedata.category(character)
    if category == "Cc" and code < 0x80:
        return f"\\x{code:02x}"
    if category in ("Cc", "Cs", "Zl", "Zp") or character in BIDI_CONTROLS:
        return f"\\u{code:04x}"
    return character


def human_bytes(count: int) -> str:
    """``1234567`` → ``1.2 MB`` (powers of 1000, like file managers)."""
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count} B" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def summary_counts(summary) -> str:
    """``3 converted, 1 skipped, 1 failed`` (plus ``2 not done`` when interrupted)."""
    parts = [f"{summary.converted} converted", f"{summary.skipped} skipped", f"{summary.failed} failed"]
    if summary.not_done:
        parts.append(f"{summary.not_done} not done")
    return ", ".join(parts)


def summary_line(summary) -> str:
    """The summary as one plain line, e.g. ``upscale: 3 converted, 0 skipped, 1 failed; 10.0 kB in, 40.1 kB out; 0.4 s``."""
    head = "upscale: interrupted: " if summary.interrupted else "upscale: "
    return (
        f"{head}{summary_counts(summary)}; {human_bytes(summary.bytes_in)} in, "
        f"{human_bytes(summary.bytes_out)} out; {summary.seconds:.1f} s"
    )


class NullReporter:
    """Shows nothing (library use)."""

    def start(self, total: int) -> None:
        pass

    def note(self, line: str) -> None:
        """Something the user must know that is about no one file (shown even when quiet)."""

    def update(self, result) -> None:
        pass

    def finish(self, summary) -> None:
        pass


class PlainReporter(NullReporter):
    """One line per file and a summary line; no control codes.

    ``quiet`` keeps only failures, warnings (an existing file was replaced)
    and the summary of an interrupted run.
    The summary is printed for more than one input, or when interrupted.
    """

    def __init__(self, *, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream

    def _print(self, line: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(printable(line) + "\n")
        stream.flush()

    def note(self, line: str) -> None:
        self._print(f"upscale: {line}")

    def update(self, result) -> None:
        if result.warning:
            self.note(result.warning)
        if result.status == "failed":
            self._print(f"upscale: {result.message}")
        elif not self.quiet:
            self._print(result.message)
            for note in result.notes:
                self.note(note)

    def finish(self, summary) -> None:
        if summary.interrupted or (summary.total > 1 and not self.quiet):
            self._print(summary_line(summary))


class RichReporter(NullReporter):
    """A live bar (done/total, files per second, time left, last file), a line
    for each file not converted, and a summary table."""

    def __init__(self, console):
        self.console = console
        self.progress = None
        self.task = None

    def start(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}", style="dim", markup=False),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task("upscale", total=total, rate="", current="")
        self.progress.start()

    def note(self, line: str) -> None:
        self.console.print(printable(f"upscale: {line}"), markup=False, highlight=False)

    def update(self, result) -> None:
        # the bar stands for the converted files; whatever else happened gets its own line
        if result.warning:
            self.note(result.warning)
        if result.status == "skipped":
            self.console.print(printable(result.message), markup=False, highlight=False)
        for line in [result.message] if result.status == "failed" else result.notes:
            self.note(line)
        self.progress.advance(self.task)
        speed = self.progress.tasks[0].speed
        self.progress.update(self.task, rate=f"{speed:.1f} files/s" if speed else "", current=printable(result.source))

    def finish(self, summary) -> None:
        from rich.table import Table

        if self.progress is not None:
            self.progress.stop()
        table = Table(title="upscale: interrupted" if summary.interrupted else None, show_header=False, box=None)
        table.add_column(justify="right", style="bold")
        table.add_column()
        rows = [
            ("converted", summary.converted), ("skipped", summary.skipped),
            ("failed", summary.failed), ("not done", summary.not_done),
        ]
        for label, count in rows:
            if count or label != "not done":
                table.add_row(str(count), label)
        table.add_row(human_bytes(summary.bytes_in), "read")
        table.add_row(human_bytes(summary.bytes_out), "written")
        table.add_row(f"{summary.seconds:.1f} s", "time")
        self.console.print(table)


def make_reporter(total: int, *, quiet: bool = False, console=None):
    """Rich on an interactive terminal for several files (unless ``quiet``), plain lines otherwise."""
    if total > 1 and not quiet:
        from rich.console import Console

        console = console or Console(stderr=True)
        if console.is_terminal and not console.is_dumb_terminal:
            return RichReporter(console)
    return PlainReporter(quiet=quiet)


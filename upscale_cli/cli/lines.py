"""The command's own lines, printed with the file names in them escaped."""

from __future__ import annotations

import click

from ..batch.progress import printable


def say(line: str, err: bool = False) -> None:
    """Print one line (on standard error with ``err``), every character a terminal would act on
    escaped (see :func:`~upscale_cli.batch.progress.printable`)."""
    click.echo(printable(line), err=err)

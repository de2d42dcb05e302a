"""``--explain`` of the learned modes (``espcn``, ``fsrcnn``) on the command line.

Kept apart from :mod:`upscale_cli.cli.main` so that ``upscale --help`` imports
nothing of it; :mod:`upscale_cli.explain.learned_tables` prints the tables.
"""

from __future__ import annotations

import click

from ..batch.convert import convert_file
from ..batch.learned import learned_scale
from ..core.errors import ExitStatus, UsageError
from ..explain.learned_tables import print_learned_explanation
from ..explain.nn_tables import parse_output_pixel
from ..explain.tables import explain_console
from ..nn.models import load_model


def explain_learned(job, settings, pixels, explain_format) -> ExitStatus:
    """Convert the one input with a learned mode and print the network and the traced pixels."""
    if explain_format == "json":
        raise UsageError(f"--explain-format json does not apply to --mode {settings.request.mode} (text only)")
    positions = []

    def check_pixels(conversion):
        positions.extend(parse_output_pixel(spec, conversion.result_array.shape[:2]) for spec in pixels)

    conversion = convert_file(job.source, settings.request, output=job.output, fmt=settings.fmt,
                              overwrite=settings.overwrite, options=settings.image, before_write=check_pixels,
                              keep_source=True)
    for note in conversion.notes:
        click.echo(f"upscale: {note}", err=True)
    model = load_model(settings.request.mode, learned_scale(settings.request))
    print_learned_explanation(model, conversion.source_array, conversion.result_array,
                              explain_console(stderr=conversion.output == "-"), pixels=positions)
    return ExitStatus.OK

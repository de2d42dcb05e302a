"""Command-line options of the neural-network modes and their dispatch.

The options are one decorator for the ``resize`` command; the work is done by
:func:`upscale_cli.batch.nn_convert.nn_convert_file`. Only click is imported here so
that ``upscale --help`` stays fast.
"""

from __future__ import annotations

import click

from ..core.choices import NN_MODES, NN_OPTION_FLAGS, UNPOOL_POSITIONS
from ..core.errors import UsageError, out_of_memory
from .lines import say

AXIS_HELP = "N, or one per axis in PyTorch order H,W (D,H,W for volumes)"

#: Resize options that have no meaning for an NN mode.
RESIZE_ONLY = ("width", "height", "fit", "align", "rounding", "antialias", "cubic_a", "explain_matrix_limit",
               "explain_format")
#: Options of the NN modes that the resampling modes do not take.
NN_ONLY = tuple(name for name in NN_OPTION_FLAGS if name not in ("scale", "size"))


def nn_options(function):
    """The options of ``--mode unpool|pixel-shuffle|pixel-unshuffle|deconv``."""
    options = [
        click.option("--indices", metavar="FILE.npy",
                     help="unpool: max-pool indices (as from MaxPool2d(return_indices=True)); without them, bed of nails."),
        click.option("--kernel-size", metavar="K", help=f"unpool with --indices: the pooling kernel; {AXIS_HELP}."),
        click.option("--stride", metavar="S", help=f"unpool (default: kernel size), deconv with a kernel file (default 1), deconv --kernel bilinear (the factor, as --scale); {AXIS_HELP}."),
        click.option("--padding", metavar="P", help=f"unpool with --indices, deconv with a kernel file (default 0); {AXIS_HELP}."),
        click.option("--unpool-position", "position", type=click.Choice(UNPOOL_POSITIONS), default=None,
                     help="unpool without --indices: where each value goes in its block (default top-left)."),
        click.option("--kernel", metavar="bilinear|FILE.npy",
                     help="deconv: the fixed FCN bilinear kernel (factor from --scale or --stride) or a ConvTranspose weight (C_in, C_out/groups, *K)."),
        click.option("--bias", metavar="FILE.npy", help="deconv with a kernel file: bias, one value per output channel."),
        click.option("--output-padding", metavar="O", help=f"deconv with a kernel file (default 0); {AXIS_HELP}."),
        click.option("--dilation", metavar="D", help=f"deconv with a kernel file (default 1); {AXIS_HELP}."),
        click.option("--groups", type=click.IntRange(min=1), default=None, help="deconv with a kernel file (default 1)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _given(ctx: click.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source is not click.core.ParameterSource.DEFAULT


def check_nn_options(ctx: click.Context, mode: str) -> None:
    """Reject options of the other family: NN options with a resampling mode and vice versa."""
    if mode in NN_MODES:
        for name in RESIZE_ONLY:
            if _given(ctx, name):
                raise UsageError(f"--{name.replace('_', '-')} does not apply to --mode {mode}")
        return
    for name in NN_ONLY:
        if _given(ctx, name):
            raise UsageError(f"{NN_OPTION_FLAGS[name]} applies only to the neural-network modes ({', '.join(NN_MODES)})")


def run_nn_command(path: str, options: dict, *, output, fmt, overwrite, explain, explain_pixels, explain_limit,
                   max_pixels=None) -> None:
    """Convert one file with an NN mode; print the explanation or a summary line.

    ``explain_pixels`` (``X,Y`` texts) choose the outputs of a deconvolution
    whose terms are shown, and imply ``explain``.
    """
    from ..batch.nn_convert import nn_convert_file
    from ..nn.operation import NNRequest

    request = NNRequest(
        mode=options["mode"], scale=options["scale"], size=options["size"], layout=options["layout"],
        **{name: options[name] for name in NN_ONLY},
    )
    if explain_pixels and request.mode != "deconv":
        raise UsageError(f"--explain-pixel does not apply to --mode {request.mode} (only to deconv among the NN modes)")
    pixels = []

    def check_pixels(conversion):
        from ..explain.nn_tables import parse_output_pixel

        shape = conversion.operation.result.shape[2:]
        pixels.extend(parse_output_pixel(spec, shape) for spec in explain_pixels)

    try:
        conversion = nn_convert_file(path, request, output=output, fmt=fmt, overwrite=overwrite,
                                     before_write=check_pixels, max_pixels=max_pixels)
    except MemoryError as error:  # --max-pixels bounds the input only: a large factor can still ask too much
        raise out_of_memory("<stdin>" if path == "-" else path, error) from None
    for note in conversion.notes:
        say(f"upscale: {note}", err=True)
    if explain or pixels:
        from ..explain.nn_tables import print_nn_explanation
        from ..explain.tables import explain_console

        console = explain_console(stderr=conversion.output == "-")
        print_nn_explanation(conversion.operation, console, limit=explain_limit, pixels=pixels or None)
    elif conversion.output != "-":
        operation = conversion.operation
        say(f"{conversion.source.name} → {conversion.output} "
            f"({operation.variant}: {operation.source.shape} → {operation.result.shape})", err=True)

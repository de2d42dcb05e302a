"""The ``upscale`` command line: a thin layer over the library API.

Every problem reaches the user as one line on stderr and an exit status from
:class:`~upscale_cli.errors.ExitStatus`; tracebacks only with ``--debug``.
Heavy modules (NumPy, Pillow, Rich) are imported inside the commands so that
``upscale --help`` starts quickly.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from .choices import ALIGNS, FITS, MODES, NN_MODES, ROUNDINGS
from .cli_nn import NN_ONLY, check_nn_options, nn_options, run_nn_command
from .errors import ExitStatus, UpscaleError, UsageError
from .layouts import LAYOUTS


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it names no command, goes to ``resize``.

    So ``upscale in.png --scale 2`` and ``upscale resize in.png --scale 2`` are
    the same, and ``upscale --help`` shows the options people need most.
    Errors are reported here, in one place, as one line.
    """

    default_command = "resize"

    def parse_args(self, ctx, args):
        if not args or args[0] not in self.commands:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def main(self, args=None, prog_name=None, standalone_mode=True, **extra):
        arguments = list(sys.argv[1:] if args is None else args)
        try:
            status = super().main(args=arguments, prog_name=prog_name or "upscale", standalone_mode=False, **extra)
            status = ExitStatus.OK if status is None else status
        except click.exceptions.Abort:
            click.echo("upscale: interrupted", err=True)
            status = ExitStatus.INTERRUPTED
        except click.ClickException as error:
            click.echo(f"upscale: {error.format_message()}", err=True)
            status = ExitStatus.USAGE if isinstance(error, click.UsageError) else error.exit_code
        except UpscaleError as error:
            click.echo(f"upscale: {error}", err=True)
            status = error.exit_status
        except Exception as error:  # a bug: still one line unless asked for the traceback
            if "--debug" in arguments:
                raise
            click.echo(f"upscale: internal error: {type(error).__name__}: {error} (rerun with --debug for details)", err=True)
            status = ExitStatus.SOME_INPUTS_FAILED
        if standalone_mode:
            sys.exit(int(status))
        return int(status)


def _resize_options(function):
    """The options shared by every command that resizes (size, method, alignment)."""
    options = [
        click.option("--scale", help="Scale factor: 2, 1.5x2 (x then y), 150%. Output = floor(n·S + 0.5)."),
        click.option("--size", help="Output size WxH; 800x or x600 keeps the aspect ratio; WxHxD for volumes; N for 1-D."),
        click.option("--width", type=click.IntRange(min=1), help="Output width; height keeps the aspect ratio unless given."),
        click.option("--height", type=click.IntRange(min=1), help="Output height; width keeps the aspect ratio unless given."),
        click.option("--fit", type=click.Choice(FITS), default="stretch", show_default=True,
                     help="With width and height both given: exactly, inside them, or covering them."),
        click.option("--mode", type=click.Choice(MODES + NN_MODES), default="bicubic", show_default=True,
                     help="Resampling method, or a neural-network operator (unpool, pixel-shuffle, pixel-unshuffle, deconv)."),
        click.option("--align", type=click.Choice(ALIGNS), default=None,
                     help="Coordinate transform (default half-pixel)."),
        click.option("--rounding", type=click.Choice(ROUNDINGS), default=None,
                     help="Nearest-neighbour rounding of the source coordinate (default round = half up)."),
        click.option("--antialias/--no-antialias", default=None,
                     help="Stretch the kernel over each output's footprint when reducing (default on)."),
        click.option("--cubic-a", type=float, default=-0.5, show_default=True, help="Keys' coefficient for bicubic."),
        click.option("--layout", type=click.Choice(list(LAYOUTS)), default=None,
                     help="Axes of a .npy input (default by dimensions: l, hw, hwc, nchw, ncdhw; NN modes: hw, ncl, nchw, ncdhw)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def build_request(scale, size, width, height, fit, mode, align, rounding, antialias, cubic_a, layout):
    """A :class:`~upscale_cli.convert.ResizeRequest` from the command-line options."""
    from .convert import ResizeRequest

    given = [name for name, value in (("--scale", scale), ("--size", size), ("--width/--height", width or height)) if value]
    if len(given) != 1:
        raise UsageError("give exactly one of --scale, --size, --width/--height" if given == [] else f"give only one of {', '.join(given)}")
    if width or height:
        size = (width, height)
    return ResizeRequest(
        size=size, scale=scale, fit=fit, mode=mode, align=align, rounding=rounding,
        antialias=antialias, cubic_a=cubic_a, layout=layout,
    )


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """upscale: resize images and arrays exactly, and show how."""


@main.command("resize", epilog=(
    "Other commands: upscale compare (contact sheet of modes), upscale grid (sampling grid picture), "
    "upscale demo (guided walk-through). Exit status: 0 ok, 1 an input failed, 2 usage error."
))
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", help="Output file (default NAME@2x.EXT or NAME@WxH.EXT beside the input; - for stdout).")
@_resize_options
@click.option("--format", "fmt", help="Output format (png, jpeg, webp, tiff, bmp, npy...); needed for stdout.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@click.option("--explain", is_flag=True,
              help="Print the coordinate mapping and weights of every axis (and small matrices); "
                   "NN modes: where values go, the kernel.")
@click.option("--explain-pixel", "explain_pixels", multiple=True, metavar="X,Y",
              help="Trace one output pixel: neighbourhood, weights, the sum and the value written. Repeatable; X,Y,Z for volumes.")
@click.option("--explain-limit", type=click.IntRange(min=0), default=40, show_default=True,
              help="Rows, columns and terms shown before the middle is elided (0: all).")
@click.option("--explain-matrix-limit", type=click.IntRange(min=0), default=16, show_default=True,
              help="Print input and output matrices when the input is at most this long on every axis (0: never).")
@click.option("--explain-format", type=click.Choice(["text", "json"]), default=None,
              help="text (Rich; plain when not a terminal or with NO_COLOR) or json (implies --explain).")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@nn_options
@click.version_option(__version__, prog_name="upscale")
def resize_command(inputs, output, fmt, overwrite, explain, explain_pixels, explain_limit, explain_matrix_limit,
                   explain_format, debug, **resize_options):
    """Resize INPUT (an image, a .npy array, or - for stdin).

    \b
    upscale in.png --scale 2 --mode bilinear
    upscale in.png -o big.png --size 1920x1080 --mode lanczos
    upscale m.npy -o out.npy --size 4x4 --mode nearest --align asymmetric --rounding floor
    upscale b.npy -o c.npy --scale 2 --mode bilinear --explain --explain-pixel 1,1
    upscale pooled.npy --mode unpool --indices idx.npy --kernel-size 2 -o up.npy
    """
    from .convert import convert_file

    if len(inputs) > 1:
        raise UsageError("give one input file")
    check_nn_options(click.get_current_context(), resize_options["mode"])
    if resize_options["mode"] in NN_MODES:
        return run_nn_command(inputs[0], resize_options, output=output, fmt=fmt, overwrite=overwrite,
                              explain=explain, explain_pixels=explain_pixels, explain_limit=explain_limit)
    resize_options = {name: value for name, value in resize_options.items() if name not in NN_ONLY}
    request = build_request(**resize_options)
    explain = explain or explain_format == "json"
    traces = []

    def trace_before_writing(conversion):
        from .trace import build_trace

        traces.append(build_trace(
            conversion.plan, conversion.source_array, conversion.result_array, pixels=explain_pixels,
            matrix_limit=explain_matrix_limit if explain else 0, alpha_max=conversion.alpha_max,
        ))

    tracing = explain or bool(explain_pixels)
    conversion = convert_file(inputs[0], request, output=output, fmt=fmt, overwrite=overwrite,
                              before_write=trace_before_writing if tracing else None)
    if traces:
        _print_trace(traces[0], conversion.output == "-", explain, explain_limit, explain_format)
    elif conversion.output != "-":
        click.echo(f"{conversion.source.name} → {conversion.output} ({_shape_text(conversion)})", err=True)


def _print_trace(trace, to_stderr, show_axes, limit, explain_format):
    """Print a trace on stdout (stderr when the image itself goes to stdout)."""
    if explain_format == "json":
        from .explain import trace_json

        click.echo(trace_json(trace), err=to_stderr)
        return
    from rich.console import Console

    from .explain import print_trace

    print_trace(trace, Console(stderr=to_stderr, highlight=False), limit=limit, show_axes=show_axes)


def _shape_text(conversion) -> str:
    lengths = {p.name: p.size for p in conversion.plan.axes}
    return " × ".join(f"{lengths[n].n_in}→{lengths[n].n_out}" for n in sorted(lengths))


def _write_picture(picture, output: str, overwrite: bool) -> None:
    from .image_io import format_for, write_output

    write_output(picture, output, format_for(output, None, "PNG"), overwrite=overwrite)
    click.echo(f"wrote {output} ({picture.width}x{picture.height})", err=True)


def _size_or_scale(size, scale, default_scale: str) -> dict:
    if size and scale:
        raise UsageError("give only one of --scale, --size")
    return {"size": size} if size else {"scale": scale or default_scale}


def _picture_source(path: str):
    from .image_io import read_input

    return read_input(path).data


@main.command("compare")
@click.argument("input")
@click.option("-o", "--output", required=True, help="The contact sheet (PNG recommended).")
@click.option("--scale", help="Scale factor for every tile (default 4).")
@click.option("--size", help="Output size WxH of every tile, instead of --scale.")
@click.option("--modes", default="nearest,bilinear,bicubic,lanczos", show_default=True, help="Comma-separated modes, one tile each.")
@click.option("--diff", metavar="A,B", help="Add a tile with |A - B| of two of the modes, stretched to full range.")
@click.option("--crop", metavar="X,Y,W,H", help="Input region to compare (default: the centre 48x48 or less).")
@click.option("--align", type=click.Choice(ALIGNS), default=None, help="Coordinate transform (default half-pixel).")
@click.option("--columns", type=click.IntRange(min=1), default=4, show_default=True, help="Tiles per row.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def compare_command(input, output, scale, size, modes, diff, crop, align, columns, overwrite):
    """Upscale the same crop of INPUT with several modes into one labelled picture.

    \b
    upscale compare photo.png -o sheet.png --scale 4 --modes nearest,bilinear,bicubic,lanczos
    upscale compare photo.png -o sheet.png --modes bilinear,bicubic --diff bicubic,bilinear
    """
    from .pictures import contact_sheet, parse_modes

    pair = None
    if diff is not None:
        pair = tuple(parse_modes(diff))
        if len(pair) != 2:
            raise UsageError(f"--diff {diff!r}: give two modes, A,B")
    sheet = contact_sheet(_picture_source(input), **_size_or_scale(size, scale, "4"), modes=parse_modes(modes),
                          crop=crop, diff=pair, align=align, columns=columns)
    _write_picture(sheet, output, overwrite)


@main.command("grid")
@click.argument("input")
@click.option("-o", "--output", required=True, help="The picture (PNG recommended).")
@click.option("--scale", help="Scale factor whose sampling grid is drawn (default 8).")
@click.option("--size", help="Output size WxH whose sampling grid is drawn, instead of --scale.")
@click.option("--align", "aligns", type=click.Choice(ALIGNS), multiple=True,
              help="Alignment to draw, one panel each; repeatable (default: half-pixel and asymmetric).")
@click.option("--mode", type=click.Choice(MODES), default="bilinear", show_default=True,
              help="Only area changes the positions (it ignores --align).")
@click.option("--crop", metavar="X,Y,W,H", help="Input region (default: the centre 6x6 or less).")
@click.option("--zoom", type=click.IntRange(min=4), default=None, help="Screen pixels per input pixel.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def grid_command(input, output, scale, size, aligns, mode, crop, zoom, overwrite):
    """Draw where the output pixel centres fall on INPUT's pixels (red dots on the enlarged input).

    \b
    upscale grid photo.png -o grid.png --scale 8
    upscale grid photo.png -o grid.png --scale 3 --align align-corners --crop 0,0,4,4
    """
    from .pictures import sampling_grid

    picture = sampling_grid(_picture_source(input), **_size_or_scale(size, scale, "8"),
                            aligns=list(aligns or ("half-pixel", "asymmetric")), mode=mode, crop=crop, zoom=zoom)
    _write_picture(picture, output, overwrite)


@main.command("demo")
@click.option("--width", type=click.IntRange(min=60), default=None, help="Text width (default: the terminal's).")
def demo_command(width):
    """Walk through the worked examples: max-pool, bilinear x2, max-unpool, nearest 3x3 -> 4x4."""
    from rich.console import Console

    from .demo import run_demo

    run_demo(Console(width=width, highlight=False))

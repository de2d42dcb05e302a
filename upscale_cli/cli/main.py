"""The ``upscale`` command line: a thin layer over the library API.

Every problem reaches the user as one line on stderr and an exit status from
:class:`~upscale_cli.core.errors.ExitStatus`; tracebacks only with ``--debug``.
Heavy modules (NumPy, Pillow, Rich) are imported inside the commands so that
``upscale --help`` starts quickly.
"""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..core.choices import (
    ALIGNS,
    COMPATS,
    EXPLAIN_FORMATS,
    FITS,
    LEARNED_MODES,
    LEARNED_SCALES,
    MODES,
    NN_MODES,
    ROUNDINGS,
)
from ..core.errors import ExitStatus, UpscaleError, UsageError, out_of_memory
from ..core.layouts import LAYOUTS
from ..io.encode import JPEG_QUALITY, PNG_COMPRESS_LEVEL, WEBP_QUALITY
from ..io.images import DEFAULT_MAX_OUTPUT_PIXELS, DEFAULT_MAX_PIXELS
from .help import ChoicesInTextCommand, SectionedCommand, help_arguments, usage_hint
from .lines import say
from .nn_options import NN_ONLY, check_nn_options, nn_options, run_nn_command


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it names no command, goes to ``resize``.

    So ``upscale in.png --scale 2`` and ``upscale resize in.png --scale 2`` are
    the same, and ``upscale --help`` shows the options people need most.
    ``upscale help [COMMAND]`` is ``--help``; bare ``upscale`` prints the usage
    and a hint on stderr and exits 2 (nothing to do is a usage error).
    Errors are reported here, in one place, as one line.
    """

    default_command = "resize"

    def parse_args(self, ctx, args):
        if not args:
            click.echo(usage_hint(self.commands[self.default_command], ctx), err=True)
            ctx.exit(ExitStatus.USAGE)
        if args[0] == "help":
            args = help_arguments(args[1:], self.commands, self.default_command)
        if args[0] not in self.commands:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def main(self, args=None, prog_name=None, standalone_mode=True, **extra):
        arguments = list(sys.argv[1:] if args is None else args)
        try:
            status = super().main(args=arguments, prog_name=prog_name or "upscale", standalone_mode=False, **extra)
            status = ExitStatus.OK if status is None else status
        except click.exceptions.Abort:
            say("upscale: interrupted", err=True)
            status = ExitStatus.INTERRUPTED
        except click.ClickException as error:
            say(f"upscale: {error.format_message()}", err=True)
            status = ExitStatus.USAGE if isinstance(error, click.UsageError) else error.exit_code
        except UpscaleError as error:
            say(f"upscale: {error}", err=True)
            status = error.exit_status
        except MemoryError as error:
            say(f"upscale: {out_of_memory(None, error)}", err=True)
            status = ExitStatus.SOME_INPUTS_FAILED
        except Exception as error:  # a bug: still one line unless asked for the traceback
            if "--debug" in arguments:
                raise
            say(f"upscale: internal error: {type(error).__name__}: {error} (rerun with --debug for details)", err=True)
            status = ExitStatus.SOME_INPUTS_FAILED
        if standalone_mode:
            sys.exit(int(status))
        return int(status)


def _parse_roi(ctx, param, value):
    if value is None:
        return None
    try:
        return tuple(float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected numbers separated by commas, e.g. 0,0.1,1,0.9") from None


def _resize_options(function):
    """The options shared by every command that resizes (size, method, alignment)."""
    options = [
        click.option("--scale", help="Scale factor: 2, 1.5x2 (x then y), 150%. Output = floor(n·S + 0.5)."),
        click.option("--size", help="Output size WxH; 800x or x600 keeps the aspect ratio; WxHxD for volumes; N for 1-D."),
        click.option("--width", type=click.IntRange(min=1), help="Output width; height keeps the aspect ratio unless given."),
        click.option("--height", type=click.IntRange(min=1), help="Output height; width keeps the aspect ratio unless given."),
        click.option("--fit", type=click.Choice(FITS), default="stretch", show_default=True,
                     help="With width and height both given: exactly, inside them, or covering them."),
        click.option("--mode", type=click.Choice(MODES + LEARNED_MODES + NN_MODES), default="bicubic", show_default=True,
                     help="Resampling method; a trained upscaler (espcn, fsrcnn: --scale "
                          f"{', '.join(map(str, LEARNED_SCALES))}, images); or a neural-network operator "
                          "(unpool, pixel-shuffle, pixel-unshuffle, deconv)."),
        click.option("--align", type=click.Choice(ALIGNS), default=None,
                     help="Coordinate transform (default half-pixel)."),
        click.option("--rounding", type=click.Choice(ROUNDINGS), default=None,
                     help="Nearest-neighbour rounding of the source coordinate (default round = half up)."),
        click.option("--antialias/--no-antialias", default=None,
                     help="Stretch the kernel over each output's footprint when reducing (default on)."),
        click.option("--cubic-a", type=float, default=None,
                     help="Keys' coefficient for bicubic (default -0.5; with --compat the library's own)."),
        click.option("--layout", type=click.Choice(list(LAYOUTS)), default=None,
                     help="Axes of a .npy input (default by dimensions: l, hw, hwc, nchw, ncdhw; NN modes: hw, ncl, nchw, ncdhw)."),
        click.option("--compat", type=click.Choice(COMPATS), default=None,
                     help="Reproduce that library value for value (onnx: the ONNX standard; onnxruntime: its float32 kernels); the options above override its defaults."),
        click.option("--exclude-outside", is_flag=True, default=None,
                     help="Drop kernel taps outside the input and renormalise (ONNX exclude_outside)."),
        click.option("--extrapolation-value", type=float, default=None,
                     help="ONNX tf-crop-and-resize: value of outputs outside the input (default 0)."),
        click.option("--roi", callback=_parse_roi, default=None,
                     help="ONNX tf-crop-and-resize region, x first: x0,y0,x1,y1 (fractions of the input)."),
        click.option("--reducing-gap", type=float, default=None,
                     help="Pillow: box-reduce by an integer factor first (Image.resize reducing_gap)."),
        click.option("--linear-exact", is_flag=True, default=None,
                     help="OpenCV: INTER_LINEAR_EXACT for bilinear (bit-exact 8-bit arithmetic)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _max_pixels_option(text: str):
    """``--max-pixels``, parsed by :func:`_pixel_count` (every command that reads an image has it)."""
    return click.option("--max-pixels", default=f"{DEFAULT_MAX_PIXELS // 1_000_000}M", show_default=True,
                        callback=lambda ctx, param, value: _pixel_count(value), help=text)


def build_request(scale, size, width, height, fit, mode, align, rounding, antialias, cubic_a, layout, **library):
    """A :class:`~upscale_cli.batch.convert.ResizeRequest` from the command-line options.

    ``library`` holds ``compat`` and the library knobs (``exclude_outside``,
    ``extrapolation_value``, ``roi``, ``reducing_gap``, ``linear_exact``).
    """
    from ..batch.convert import ResizeRequest

    given = [name for name, value in (("--scale", scale), ("--size", size), ("--width/--height", width or height)) if value]
    if len(given) != 1:
        raise UsageError("give exactly one of --scale, --size, --width/--height" if given == [] else f"give only one of {', '.join(given)}")
    if width or height:
        size = (width, height)
    return ResizeRequest(
        size=size, scale=scale, fit=fit, mode=mode, align=align, rounding=rounding,
        antialias=antialias, cubic_a=cubic_a, layout=layout, **library,
    )


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """upscale: resize images and arrays exactly, and show how."""


@main.command("resize", cls=SectionedCommand, display_name="upscale", epilog=(
    "Other commands: upscale compare (contact sheet of modes), upscale grid (sampling grid picture), "
    "upscale demo (guided walk-through); upscale help COMMAND shows the options of each. "
    "Exit status: 0 ok, 1 an input failed, 2 usage error, 130 interrupted."
))
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output",
              help="Output file; or a folder (one that exists, a path ending in /, or with several inputs) where the input folders are mirrored; - for stdout.")
@click.option("--name", metavar="TEMPLATE",
              help="Output file name from {stem} {ext} {width} {height} {tag}, e.g. {stem}_{width}x{height}.{ext}.")
@click.option("--suffix", help="Output name: input name + SUFFIX + extension (default beside the input: @2x, or @WxH for sizes).")
@click.option("-r", "--recursive", is_flag=True, help="Descend into sub-folders of folder inputs (and ** in patterns).")
@_resize_options
@click.option("--linear", is_flag=True, help="Resize in linear light: sRGB decoded, resized, encoded back (8/16-bit L, LA, RGB, RGBA).")
@click.option("--format", "fmt", help="Output format: png, jpeg, webp, tiff or same (default: as the input); also gif, bmp, npy...")
@click.option("--quality", type=click.IntRange(1, 100), help=f"JPEG and WebP quality (default {JPEG_QUALITY} and {WEBP_QUALITY}).")
@click.option("--compress-level", type=click.IntRange(0, 9),
              help=f"PNG zlib level 0–9 (default {PNG_COMPRESS_LEVEL}: fast; 6 and 9 write smaller files slowly).")
@click.option("--strip", is_flag=True, help="Write no metadata (ICC profile, EXIF, DPI, PNG text).")
@click.option("--background", default="white", show_default=True, metavar="COLOR",
              help="Colour alpha is flattened over for formats without alpha (JPEG, BMP; GIF's partial alpha).")
@click.option("--auto-orient/--no-auto-orient", default=True, show_default=True,
              help="Turn photos upright by their EXIF orientation (and reset the tag).")
@click.option("--shrink-on-load", is_flag=True,
              help="Decode JPEGs reduced 4× or more at 1/2, 1/4 or 1/8 of their size, then resize: faster, "
                   "not the exact definition (see docs/performance.md).")
@_max_pixels_option("Refuse inputs and outputs with more pixels, all frames counted (k, M, G suffixes; 0: no limit). "
                    "Inputs read in bands (PNG, TIFF in strips, PPM, .npy) are limited only by the rows held at once: "
                    "their width counts, not their height. "
                    f"Outputs, which stream, are limited to {DEFAULT_MAX_OUTPUT_PIXELS // 10**9}G unless it is given.")
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option("--cluster", metavar="ADDRESS|local[:N]",
              help="Convert on a Dask cluster: a scheduler address (tcp://host:8786) or local:N (N local workers); "
                   "the workers must see the files at the same paths. Needs pip install 'upscale-cli[dask]'.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--skip-existing", is_flag=True, help="Keep outputs that exist and are complete (resume a run).")
@click.option("--dry-run", is_flag=True, help="List what would be written, write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures (and the summary of an interrupted run).")
@click.option("--explain", is_flag=True,
              help="Print the coordinate mapping and weights of every axis (and small matrices; one input); "
                   "NN modes: where values go, the kernel.")
@click.option("--explain-pixel", "explain_pixels", multiple=True, metavar="X,Y",
              help="Trace one output pixel: neighbourhood, weights, the sum and the value written. Repeatable; X,Y,Z for volumes.")
@click.option("--explain-limit", type=click.IntRange(min=0), default=40, show_default=True,
              help="Rows, columns and terms shown before the middle is elided (0: all).")
@click.option("--explain-matrix-limit", type=click.IntRange(min=0), default=16, show_default=True,
              help="Print input and output matrices when the input is at most this long on every axis (0: never).")
@click.option("--explain-format", type=click.Choice(EXPLAIN_FORMATS), default=None,
              help="text (Rich; plain when not a terminal or with NO_COLOR) or json (implies --explain).")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@nn_options
@click.version_option(__version__, prog_name="upscale")
def resize_command(inputs, output, name, suffix, recursive, linear, fmt, quality, compress_level, strip, background, auto_orient,
                   shrink_on_load, max_pixels, workers, cluster, overwrite, skip_existing, dry_run, quiet, explain, explain_pixels, explain_limit,
                   explain_matrix_limit, explain_format, debug, **resize_options):
    """Resize INPUTS: images, .npy arrays, folders, glob patterns, or - for stdin.

    \b
    upscale photo.png --scale 2                 (writes photo@2x.png)
    upscale photo.png -o big.png --size 1920x1080 --mode lanczos
    upscale photos/ -r -o big/ --scale 2 --skip-existing
    upscale m.npy -o out.npy --size 4x4 --mode nearest --explain
    upscale x.npy -o y.npy --scale 2 --mode bilinear --compat torch
    upscale p.npy -o u.npy --mode unpool --indices i.npy --kernel-size 2
    cat a.png | upscale - --scale 2 -o - > b.png
    """
    from dataclasses import replace

    from ..batch.convert import ImageOptions
    from ..batch.jobs import BatchSettings, plan_jobs, run_jobs
    from ..batch.progress import make_reporter
    from ..batch.shrink import check_shrink_on_load
    from ..io.modes import parse_colour

    check_nn_options(click.get_current_context(), resize_options["mode"])
    if resize_options["mode"] in NN_MODES:
        if len(inputs) > 1:
            raise UsageError(f"--mode {resize_options['mode']} takes one input file")
        if shrink_on_load:
            raise UsageError(f"--shrink-on-load applies to resizing, not to --mode {resize_options['mode']}")
        return run_nn_command(inputs[0], resize_options, output=output, fmt=fmt, overwrite=overwrite,
                              explain=explain, explain_pixels=explain_pixels, explain_limit=explain_limit,
                              max_pixels=max_pixels)
    resize_options = {name: value for name, value in resize_options.items() if name not in NN_ONLY}
    if name and suffix:
        raise UsageError("give only one of --name and --suffix")
    if suffix:
        if "/" in suffix or os.sep in suffix:  # or the refusal would name a --name template never given
            raise UsageError(f"bad --suffix {suffix!r}: it is added to the file name and cannot hold '/' "
                             "(--name can name a sub-folder)")
        name = "{stem}" + suffix.replace("{", "{{").replace("}", "}}") + ".{ext}"
    if cluster is not None:
        from ..batch.cluster import import_distributed, parse_cluster

        if workers:
            raise UsageError("give only one of -j and --cluster (local:N sets the number of local workers)")
        parse_cluster(cluster)
        import_distributed()  # not installed: say so before any file is read
    settings = BatchSettings(
        request=replace(build_request(**resize_options), linear=linear),
        image=ImageOptions(auto_orient=auto_orient, strip=strip, max_pixels=max_pixels, **_output_limit(max_pixels),
                           quality=quality, compress_level=compress_level, background=parse_colour(background),
                           shrink_on_load=shrink_on_load),
        output=output, name=name, fmt=None if fmt in (None, "same") else fmt,
        overwrite=overwrite, skip_existing=skip_existing, recursive=recursive, debug=debug,
    )
    if shrink_on_load:
        check_shrink_on_load(settings.request)
    jobs = plan_jobs(inputs, settings)
    if dry_run:
        return _dry_run(jobs, settings)
    explain = explain or explain_format == "json"
    if explain or explain_pixels:
        return _explain(jobs, settings, explain, explain_pixels, explain_limit, explain_matrix_limit, explain_format)
    reporter = make_reporter(len(jobs), quiet=quiet)
    if cluster is None:
        return run_jobs(jobs, settings, workers=workers, reporter=reporter).exit_status
    from ..batch.cluster import connect, run_on_cluster

    with connect(cluster) as client:
        return run_on_cluster(client, jobs, settings, reporter=reporter).exit_status


def _output_limit(max_pixels: int | None) -> dict:
    """``--max-pixels`` for the outputs too when it is given; otherwise their own default (they stream)."""
    from click.core import ParameterSource

    if click.get_current_context().get_parameter_source("max_pixels") == ParameterSource.DEFAULT:
        return {}
    return {"max_output_pixels": max_pixels}


def _pixel_count(text: str) -> int | None:
    """``200M`` → 200000000, ``1.5k`` → 1500; ``0`` → ``None`` (no limit).

    The count must be whole: ``0.5`` is refused, not rounded down to "no limit".
    """
    from fractions import Fraction

    multipliers = {"k": 10**3, "m": 10**6, "g": 10**9}
    cleaned = text.strip().lower()
    factor = multipliers.get(cleaned[-1:], 1)
    number = cleaned[:-1] if cleaned[-1:] in multipliers else cleaned
    try:
        if "/" in number:  # Fraction would take 1/2
            raise ValueError(number)
        count = Fraction(number) * factor  # exact: no float rounds 1.1k to 1100.0000000000002
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"bad --max-pixels {text!r}: expected a number such as 200M") from None
    if count < 0:
        raise UsageError(f"bad --max-pixels {text!r}: must be 0 (no limit) or more")
    if count.denominator != 1:
        raise UsageError(f"bad --max-pixels {text!r}: not a whole number of pixels (0: no limit)")
    return int(count) or None


def _dry_run(jobs, settings) -> ExitStatus:
    """Print what each job would write (stdout) and what cannot run (stderr)."""
    import os

    status = ExitStatus.OK
    for job in jobs:
        if job.error:
            say(f"upscale: {job.error}", err=True)
            status = max(status, ExitStatus(job.exit_status))
            continue
        if job.skip:
            say(job.skip, err=True)
            continue
        note = ""
        if job.output != "-" and os.path.lexists(job.output):
            note = ", replaces it" if settings.overwrite else ", kept if complete" if settings.skip_existing else ", fails"
            note = f" [exists{note}]"
        say(f"{job.source} → {job.output} ({job.shape or 'size from the input'}){note}")
    return status


def _explain(jobs, settings, show_axes, pixels, limit, matrix_limit, explain_format) -> ExitStatus:
    """Convert the one input and print its trace (on stderr when the image goes to stdout)."""
    from ..batch.convert import convert_file
    from ..explain.trace import build_trace

    jobs = [job for job in jobs if not job.skip]
    if len(jobs) != 1:
        raise UsageError(f"--explain takes one input, not {len(jobs)}")
    if settings.request.linear:
        raise UsageError("--explain traces stored values; it cannot show a --linear resize")
    job = jobs[0]
    if job.error:
        say(f"upscale: {job.error}", err=True)
        return ExitStatus(job.exit_status)
    if settings.request.mode in LEARNED_MODES:
        from .learned import explain_learned

        return explain_learned(job, settings, pixels, explain_format)
    traces = []

    def trace_before_writing(conversion):
        traces.append(build_trace(
            conversion.plan, conversion.source_array, conversion.result_array, pixels=pixels,
            matrix_limit=matrix_limit if show_axes else 0, alpha_max=conversion.alpha_max,
        ))

    conversion = convert_file(job.source, settings.request, output=job.output, fmt=settings.fmt,
                              overwrite=settings.overwrite, options=settings.image, before_write=trace_before_writing,
                              keep_source=True)
    for note in conversion.notes:
        say(f"upscale: {note}", err=True)
    _print_trace(traces[0], conversion.output == "-", show_axes, limit, explain_format)
    return ExitStatus.OK


def _print_trace(trace, to_stderr, show_axes, limit, explain_format):
    """Print a trace on stdout (stderr when the image itself goes to stdout)."""
    if explain_format == "json":
        from ..explain.tables import trace_json

        click.echo(trace_json(trace), err=to_stderr)
        return
    from ..explain.tables import explain_console, print_trace

    print_trace(trace, explain_console(stderr=to_stderr), limit=limit, show_axes=show_axes)


def _write_picture(picture, output: str, overwrite: bool) -> None:
    from ..io.encode import format_for, write_output

    write_output(picture, output, format_for(output, None, "PNG"), overwrite=overwrite)
    say(f"wrote {output} ({picture.width}x{picture.height})", err=True)


def _size_or_scale(size, scale, default_scale: str) -> dict:
    if size and scale:
        raise UsageError("give only one of --scale, --size")
    return {"size": size} if size else {"scale": scale or default_scale}


def _picture_output(command: str, file_name: str, text: str):
    """``-o`` of a command that writes one picture: a file (or ``-``), refused at once when it names a folder
    (an existing one, or a path ending in ``/``), which would otherwise be taken for a file of unknown format."""
    def check(ctx, param, value):
        if value != "-" and (value.endswith(("/", os.sep)) or os.path.isdir(value)):
            raise UsageError(f"-o {value}: names a folder, but {command} writes one picture; "
                             f"give a file name, e.g. -o {os.path.join(value, file_name)}")
        return value

    return click.option("-o", "--output", required=True, callback=check, help=text)


def _picture_source(path: str, max_pixels: int | None):
    from ..io.decode import read_input

    return read_input(path, max_pixels=max_pixels).data


@main.command("compare", cls=ChoicesInTextCommand)
@click.argument("input")
@_picture_output("compare", "sheet.png", "The contact sheet (PNG recommended).")
@click.option("--scale", help="Scale factor for every tile (default 4).")
@click.option("--size", help="Output size WxH of every tile, instead of --scale.")
@click.option("--modes", default="nearest,bilinear,bicubic,lanczos", show_default=True,
              help="Comma-separated modes, one tile each (resampling modes; espcn and fsrcnn at --scale "
                   f"{', '.join(map(str, LEARNED_SCALES))}).")
@click.option("--diff", metavar="A,B", help="Add a tile with |A - B| of two of the modes, stretched to full range.")
@click.option("--crop", metavar="X,Y,W,H", help="Input region to compare (default: the centre 48x48 or less).")
@click.option("--align", type=click.Choice(ALIGNS), default=None, help="Coordinate transform (default half-pixel).")
@click.option("--columns", type=click.IntRange(min=1), default=4, show_default=True, help="Tiles per row.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@_max_pixels_option("Refuse an input, or a contact sheet, with more pixels (k, M, G suffixes; 0: no limit).")
def compare_command(input, output, scale, size, modes, diff, crop, align, columns, overwrite, max_pixels):
    """Upscale the same crop of INPUT with several modes into one labelled picture.

    \b
    upscale compare photo.png -o sheet.png --scale 4 --modes nearest,bilinear,bicubic,lanczos
    upscale compare photo.png -o sheet.png --modes bilinear,bicubic --diff bicubic,bilinear
    """
    from ..explain.pictures import contact_sheet, parse_modes

    pair = None
    if diff is not None:
        pair = tuple(parse_modes(diff))
        if len(pair) != 2:
            raise UsageError(f"--diff {diff!r}: give two modes, A,B")
    sheet = contact_sheet(_picture_source(input, max_pixels), **_size_or_scale(size, scale, "4"), modes=parse_modes(modes),
                          crop=crop, diff=pair, align=align, columns=columns, max_pixels=max_pixels, name=input)
    _write_picture(sheet, output, overwrite)


@main.command("grid", cls=ChoicesInTextCommand)
@click.argument("input")
@_picture_output("grid", "grid.png", "The picture (PNG recommended).")
@click.option("--scale", help="Scale factor whose sampling grid is drawn (default 8).")
@click.option("--size", help="Output size WxH whose sampling grid is drawn, instead of --scale.")
@click.option("--align", type=click.Choice(ALIGNS), multiple=True,
              help="Alignment to draw, one panel each; repeatable (default: half-pixel and asymmetric).")
@click.option("--mode", type=click.Choice(MODES), default="bilinear", show_default=True,
              help="Only area changes the positions (it ignores --align).")
@click.option("--crop", metavar="X,Y,W,H", help="Input region (default: the centre 6x6 or less).")
@click.option("--zoom", type=click.IntRange(min=4), default=None, help="Screen pixels per input pixel.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
@_max_pixels_option("Refuse an input, a picture or a grid of output samples with more pixels (k, M, G; 0: no limit).")
def grid_command(input, output, scale, size, align, mode, crop, zoom, overwrite, max_pixels):
    """Draw where the output pixel centres fall on INPUT's pixels (red dots on the enlarged input).

    \b
    upscale grid photo.png -o grid.png --scale 8
    upscale grid photo.png -o grid.png --scale 3 --align align-corners --crop 0,0,4,4
    """
    from ..explain.pictures import sampling_grid

    picture = sampling_grid(_picture_source(input, max_pixels), **_size_or_scale(size, scale, "8"),
                            aligns=list(align or ("half-pixel", "asymmetric")), mode=mode, crop=crop, zoom=zoom,
                            max_pixels=max_pixels, name=input)
    _write_picture(picture, output, overwrite)


@main.command("demo")
@click.option("--width", type=click.IntRange(min=60), default=None, help="Text width (default: the terminal's).")
def demo_command(width):
    """Walk through the worked examples: max-pool, bilinear x2, max-unpool, nearest 3x3 -> 4x4."""
    from rich.console import Console

    from ..explain.demo import run_demo

    run_demo(Console(width=width, highlight=False))

"""``upscale --help`` in titled sections, in the order a user decides things.

The option decorators say nothing about sections: :data:`SECTIONS` maps each
option's long name to its section, and :class:`SectionedCommand` prints the
options section by section with Click's own formatter. An option missing from
the map is still shown, under :data:`OTHER` (a test checks that none is).
Only click is imported, so ``--help`` stays fast.
"""

from __future__ import annotations

import re
import textwrap

import click

#: Section title → the long option names it holds, in the order printed.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Size": ("scale", "size", "width", "height", "fit"),
    "Method": ("mode", "align", "rounding", "antialias", "cubic-a", "linear", "layout", "shrink-on-load"),
    "Output": ("output", "name", "suffix", "format", "quality", "compress-level", "strip", "auto-orient",
               "max-pixels", "overwrite", "background"),
    "Many files": ("recursive", "jobs", "cluster", "skip-existing", "dry-run", "quiet"),
    "Explain": ("explain", "explain-pixel", "explain-limit", "explain-matrix-limit", "explain-format"),
    "Library compatibility": ("compat", "exclude-outside", "extrapolation-value", "roi", "reducing-gap",
                              "linear-exact"),
    "Neural-network operators": ("indices", "kernel-size", "stride", "padding", "unpool-position", "kernel",
                                 "bias", "output-padding", "dilation", "groups"),
    "General": ("debug", "version", "help"),
}
#: Where an option that no section names is shown.
OTHER = "Other"
#: The widest option column; a longer option gets a line of its own.
COLUMN = 30
#: The line under the usage of bare ``upscale``.
HINT = "Try 'upscale photo.png --scale 2', or 'upscale --help' for every option."

_SECTION_OF = {name: title for title, names in SECTIONS.items() for name in names}
_CHOICES = re.compile(r"\[([^\]]*\|[^\]]*)\]")
_EXTRA = re.compile(r"\s+\[[^\]]*\]$")


def long_name(param: click.Parameter) -> str:
    """``--cubic-a`` → ``cubic-a``; the parameter's name when it has no long option."""
    for option in param.opts:
        if option.startswith("--"):
            return option[2:]
    return param.name or ""


def section_of(param: click.Parameter) -> str:
    """The title of the section ``param`` is shown in."""
    return _SECTION_OF.get(long_name(param), OTHER)


def help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """Click's help record, with a long list of choices moved from the option into its help text.

    ``--mode [nearest|...|deconv]`` would run past the line; it becomes
    ``--mode MODE`` and the help text ends ``MODE: nearest, ..., deconv.``
    before Click's ``[default: ...]``.
    """
    record = param.get_help_record(ctx)
    if record is None:
        return None
    option, text = record
    choices = _CHOICES.search(option)
    if len(option) <= COLUMN or choices is None:
        return record
    metavar = (param.name or "value").upper()
    extra = _EXTRA.search(text)
    text, extra = (text[: extra.start()], extra.group(0)) if extra else (text, "")
    listed = choices.group(1).replace("|", ", ")
    return option[: choices.start()] + metavar + option[choices.end():], f"{text} {metavar}: {listed}.{extra}"


def _place(param: click.Parameter) -> int:
    """Position in its section's list; options of "Other" keep their own order (sorting is stable)."""
    names = SECTIONS.get(section_of(param), ())
    name = long_name(param)
    return names.index(name) if name in names else len(names)


def _unbroken(text: str, width: int) -> str:
    """``text`` wrapped at spaces only, marked so that Click keeps the lines.

    Click's own wrapping breaks words at hyphens (``pixel-`` / ``shuffle``),
    which would split the names a user types.
    """
    lines = textwrap.wrap(text, max(width, 20), break_on_hyphens=False, break_long_words=False)
    return "\b\n" + "\n".join(lines)


class SectionedCommand(click.Command):
    """A command whose ``--help`` lists its options under the titles of :data:`SECTIONS`.

    ``display_name`` replaces the command path in the usage line, so the
    default command of a group shows how it is usually typed.
    """

    def __init__(self, *args, display_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.display_name = display_name

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(self.display_name or ctx.command_path, " ".join(self.collect_usage_pieces(ctx)))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        grouped: dict[str, list[tuple[str, str]]] = {title: [] for title in (*SECTIONS, OTHER)}
        params = [p for p in self.get_params(ctx) if not isinstance(p, click.Argument)]
        for param in sorted(params, key=_place):
            record = help_record(param, ctx)
            if record is not None:
                grouped[section_of(param)].append(record)
        # One option column for every section: the same width keeps the sections aligned.
        column = _column([record for section in grouped.values() for record in section])
        for title, section in grouped.items():
            if section:
                with formatter.section(title):
                    _write_records(formatter, section, column)


def _column(records: list[tuple[str, str]]) -> int:
    return min(max(len(option) for option, _ in records), COLUMN)


def _write_records(formatter: click.HelpFormatter, records: list[tuple[str, str]], column: int | None = None) -> None:
    """Options and their help, inside a section: help wrapped at spaces only, in a column of ``column``."""
    column = column or _column(records)
    text_width = formatter.width - formatter.current_indent - column - 2
    formatter.write_dl([(option.ljust(column), _unbroken(text, text_width)) for option, text in records], col_max=COLUMN)


class ChoicesInTextCommand(click.Command):
    """A command of one option section whose long lists of choices are in the help text (:func:`help_record`)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = [p for p in self.get_params(ctx) if not isinstance(p, click.Argument)]
        records = [record for param in params if (record := help_record(param, ctx)) is not None]
        with formatter.section("Options"):
            _write_records(formatter, records)


def usage_hint(command: click.Command, ctx: click.Context) -> str:
    """What bare ``upscale`` prints: the usage line of ``command`` and where to go next."""
    usage = command.get_usage(click.Context(command, info_name=ctx.info_name, parent=ctx))
    return f"{usage}\n{HINT}"


def help_arguments(args: list[str], commands: dict, default: str) -> list[str]:
    """``help [COMMAND]`` → ``COMMAND --help`` (the default command when none is named).

    A name that is no command is a usage error, not the default's help.
    """
    if args and args[0] not in commands:
        raise click.UsageError(f"help {args[0]}: no such command (commands: {', '.join(sorted(commands))})")
    return [args[0] if args else default, "--help"]

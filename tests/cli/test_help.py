"""``upscale --help`` in sections; ``upscale help``; bare ``upscale``."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from upscale_cli.cli.help import HINT, OTHER, SECTIONS, SectionedCommand, long_name, section_of
from upscale_cli.cli.main import main
from upscale_cli.core.choices import MODES, NN_MODES
from upscale_cli.core.errors import ExitStatus

RESIZE = main.commands["resize"]


def _options(command: click.Command) -> list[click.Parameter]:
    return [p for p in command.params if not isinstance(p, click.Argument)]


def _sections(help_text: str) -> dict[str, list[str]]:
    """Section title → the long option names listed under it, in order."""
    sections: dict[str, list[str]] = {}
    title = None
    for line in help_text.splitlines():
        if re.fullmatch(r"\S.*:", line):
            title = line[:-1]
            sections[title] = []
        elif title and line.startswith("  -"):
            sections[title].append(re.findall(r"--([a-z][a-z-]*)", line)[0])
    return sections


def test_every_option_is_in_a_section():
    unplaced = [long_name(p) for p in _options(RESIZE) if section_of(p) == OTHER]
    assert unplaced == []


def test_every_name_in_the_sections_is_an_option():
    names = {long_name(p) for p in _options(RESIZE)} | {"help"}
    stale = [name for section in SECTIONS.values() for name in section if name not in names]
    assert stale == []


def test_help_lists_the_sections_in_order_with_their_options(run):
    result = run("--help")
    assert result.exit_code == 0
    sections = _sections(result.stdout)
    assert list(sections) == [*SECTIONS]
    assert sections == {title: list(names) for title, names in SECTIONS.items()}


def test_help_starts_with_the_usage_of_the_default_command(run):
    assert run("--help").stdout.startswith("Usage: upscale [OPTIONS] INPUTS...\n")


def test_help_lines_are_short_and_names_are_not_split_at_hyphens(run):
    text = run("--help").stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "--mode MODE " in text
    words = set(re.findall(r"[a-z][a-z-]*[a-z]", text))
    assert {*MODES, *NN_MODES} <= words
    assert not re.search(r"[a-z]-\n", text)


@pytest.mark.parametrize("command, choices", [("compare", ["--align ALIGN "]), ("grid", ["--align ALIGN ", "--mode MODE "])])
def test_other_commands_list_long_choices_in_the_text(run, command, choices):
    text = run(command, "--help").stdout
    options = text[text.index("Options:"):]
    assert max(len(line) for line in options.splitlines()) <= 80
    assert all(choice in options for choice in choices)
    assert "tf-crop-and-resize" in options and not re.search(r"[a-z]-\n", options)


def test_sections_share_one_option_column(run):
    help_columns = {re.search(r"\S\s{2,}(\S)", line).start(1) for line in run("--help").stdout.splitlines()
                    if re.match(r"  -\S.*\S {2,}\S", line)}
    assert len(help_columns) == 1


def test_an_option_missing_from_the_sections_is_shown_under_other():
    @click.command(cls=SectionedCommand)
    @click.option("--scale")
    @click.option("--frobnicate", help="Something new.")
    def command(scale, frobnicate):
        pass

    text = CliRunner().invoke(command, ["--help"]).stdout
    assert _sections(text) == {"Size": ["scale"], "General": ["help"], OTHER: ["frobnicate"]}
    assert "  --frobnicate TEXT" in text and "Something new." in text


def test_upscale_help_is_upscale_dash_dash_help(run):
    result = run("help")
    assert result.exit_code == 0
    assert result.stdout == run("--help").stdout


def test_upscale_help_command_is_the_command_help(run):
    result = run("help", "grid")
    assert result.exit_code == 0
    assert result.stdout == run("grid", "--help").stdout
    assert re.match(r"Usage: \S+ grid \[OPTIONS\] INPUT\n", result.stdout)


def test_upscale_help_of_no_command_is_a_usage_error(run):
    result = run("help", "nosuch")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr == "upscale: help nosuch: no such command (commands: compare, demo, grid, resize)\n"


def test_bare_upscale_prints_the_usage_and_a_hint(run):
    result = run()
    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr == f"Usage: upscale [OPTIONS] INPUTS...\n{HINT}\n"

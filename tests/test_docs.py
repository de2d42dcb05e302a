"""The README and the docs/ pages: every command shown runs, every relative link resolves.

How a page is read (the same rules a writer follows):

- A fenced block marked ``python`` is executed; so is a fenced block marked
  ``console``, ``sh`` or ``shell``, and an indented or unmarked block whose
  first line starts with ``upscale``, ``cat``, ``python`` or ``$ `` (a shell
  block). Other blocks (output, tables of numbers) are text.
- In a shell block with ``$ `` prompts, the prompted lines are the commands
  and the lines under each are what it prints: every one of them must be a
  line of the real output (``...`` stands for lines left out; durations and
  byte counts may differ). Without prompts, every line is a command.
- A command must succeed, unless ``$ echo $?`` follows it with the status
  it exits with.
- ``<!-- illustrative: why -->`` on the line before a block shows it without
  running it (a photo folder the reader has, a benchmark, a script that
  rewrites the committed pictures).

Each page runs in its own temporary folder holding a copy of
``sample_images/``; commands run in this process (``upscale`` through
Click's test runner), which keeps the whole check to a few seconds.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from upscale_cli.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
ILLUSTRATIVE = "<!-- illustrative"
SHELL_LANGUAGES = {"console", "sh", "shell", "bash"}
COMMAND_STARTS = ("upscale ", "cat ", "python", "$ ", ".venv/")
#: Setting up an environment: on a fresh machine these make the ``upscale`` the tests already run.
SETUP = (("python3", "-m", "venv"), (".venv/bin/pip", "install"), ("pip", "install"))
#: The test suite itself (the README's second command): run by CI, not from inside it.
SUITE = (".venv/bin/python", "-m", "pytest")
#: Durations and byte counts, which change from run to run.
VARYING = re.compile(r"\d+(?:\.\d+)? ?(?:s|ms|B|kB|KB|MB|GB)\b")


@dataclass
class Block:
    line: int
    language: str
    lines: list[str]
    illustrative: bool

    @property
    def kind(self) -> str:
        """``python``, ``shell`` or ``text``."""
        if self.language == "python":
            return "python"
        first = next((line for line in self.lines if line.strip()), "")
        if self.language in SHELL_LANGUAGES or (not self.language and first.startswith(COMMAND_STARTS)):
            return "shell"
        return "text"


def code_blocks(text: str) -> list[Block]:
    """Fenced and indented code blocks, with the line each starts on."""
    lines = text.splitlines()
    blocks, i, previous = [], 0, ""
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"(\s*)```(\S*)", line)
        if fence:
            indent, end = len(fence.group(1)), i + 1
            while end < len(lines) and not lines[end].strip().startswith("```"):
                end += 1
            body = [text[indent:] for text in lines[i + 1 : end]]
            blocks.append(Block(i + 2, fence.group(2), body, previous.startswith(ILLUSTRATIVE)))
            previous, i = "```", end + 1
            continue
        if line.startswith("    ") and line.strip() and (i == 0 or not lines[i - 1].strip()):
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            body = [text[4:] for text in lines[i:end]]
            while body and not body[-1].strip():
                body.pop()
            blocks.append(Block(i + 1, "", body, previous.startswith(ILLUSTRATIVE)))
            previous, i = body[-1], end
            continue
        if line.strip():
            previous = line.strip()
        i += 1
    return blocks


@dataclass
class Step:
    line: int
    command: str
    shown: list[str] = field(default_factory=list)


def shell_steps(block: Block) -> list[Step]:
    """The commands of a shell block, each with the output shown under it."""
    prompted = any(line.startswith("$ ") for line in block.lines)
    steps: list[Step] = []
    continued = False
    for number, line in enumerate(block.lines, block.line):
        if continued:
            steps[-1].command += " " + line.strip().removesuffix("\\")
        elif prompted and not line.startswith("$ "):
            if steps:
                steps[-1].shown.append(line)
            continue
        elif line.strip() and not line.lstrip().startswith("#"):
            steps.append(Step(number, line.removeprefix("$ ").removesuffix("\\")))
        continued = line.endswith("\\")
    return steps


@dataclass
class Outcome:
    status: int
    output: str


def run_upscale(args: list[str], stdin: bytes | None, stdout_file: str | None) -> Outcome:
    result = CliRunner().invoke(main, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if stdout_file is not None:
        Path(stdout_file).write_bytes(result.stdout_bytes)
        return Outcome(result.exit_code, result.stderr)
    return Outcome(result.exit_code, result.stdout_bytes.decode(errors="replace") + result.stderr)


def run_python(code: str, namespace: dict) -> Outcome:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "<docs>", "exec"), namespace)
    return Outcome(0, printed.getvalue())


def run_simple(tokens: list[str]) -> Outcome | None:
    """One command without ``&&``; ``None`` for setting up an environment or running the suite."""
    if any(tuple(tokens[: len(prefix)]) == prefix for prefix in (*SETUP, SUITE)):
        return None
    stdin = stdout_file = None
    if "|" in tokens:
        pipe = tokens.index("|")
        if tokens[:1] != ["cat"] or pipe != 2:
            raise AssertionError(f"only `cat FILE | ...` pipes are run: {shlex.join(tokens)}")
        stdin, tokens = Path(tokens[1]).read_bytes(), tokens[3:]
    if ">" in tokens:
        redirect = tokens.index(">")
        stdout_file, tokens = tokens[redirect + 1], tokens[:redirect]
    program, args = tokens[0], tokens[1:]
    if program in ("upscale", ".venv/bin/upscale"):
        return run_upscale(args, stdin, stdout_file)
    if program in ("python", "python3") and args[:1] == ["-c"]:
        return run_python(args[1], {"__name__": "__main__"})
    raise AssertionError(f"cannot run {shlex.join(tokens)!r}: mark its block <!-- illustrative: why -->")


def run_command(command: str) -> Outcome:
    """A command line: ``&&`` chains stop at the first failure."""
    tokens = shlex.split(command, comments=True)
    outcome, output = Outcome(0, ""), ""
    while tokens:
        end = tokens.index("&&") if "&&" in tokens else len(tokens)
        result = run_simple(tokens[:end])
        if result is not None:
            outcome, output = result, output + result.output
            if result.status != 0:
                break
        tokens = tokens[end + 1 :]
    return Outcome(outcome.status, output)


def comparable(line: str) -> str:
    return VARYING.sub("<n>", line.rstrip())


def check_shell_block(block: Block, where: str) -> None:
    steps = shell_steps(block)
    for index, step in enumerate(steps):
        if step.command.strip() == "echo $?":
            continue
        following = steps[index + 1] if index + 1 < len(steps) else None
        expected = int(following.shown[0]) if following and following.command.strip() == "echo $?" else 0
        outcome = run_command(step.command)
        context = f"{where}:{step.line}: {step.command}\n--- printed:\n{outcome.output}"
        assert outcome.status == expected, f"exit status {outcome.status}, expected {expected}\n{context}"
        printed = {comparable(line) for line in outcome.output.splitlines()}
        missing = [line for line in step.shown if line.strip() and line.strip() != "..."
                   and comparable(line) not in printed]
        assert not missing, "shown but not printed:\n" + "\n".join(missing) + "\n" + context


def check_page(text: str, where: str) -> int:
    """Run every block of a page in the current folder; the number of blocks run."""
    namespace: dict = {"__name__": "__main__"}
    count = 0
    for block in code_blocks(text):
        if block.illustrative or block.kind == "text":
            continue
        count += 1
        if block.kind == "python":
            try:
                run_python("\n".join(block.lines), namespace)
            except Exception as error:
                raise AssertionError(f"{where}:{block.line}: python block fails: {error!r}") from error
        else:
            check_shell_block(block, where)
    return count


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "sample_images", tmp_path / "sample_images")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_command_shown_runs(page, workspace):
    check_page(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))


# --- links and images ---------------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str, *, inline_code: bool = False) -> str:
    """The text outside code blocks (and inline code unless kept), where links are links."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"(?m)^(?: {4}.*\n?)+", "", text)
    return text if inline_code else re.sub(r"`[^`\n]*`", "", text)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of ``page`` (``-1``, ``-2`` for repeats)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"(?m)^#{1,6} +(.+?) *#*$", prose(page.read_text(encoding="utf-8"), inline_code=True)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_and_image_resolves(page):
    assert broken_links(page) == []


# --- the shape of the pages ---------------------------------------------------------------------

def test_readme_is_a_short_guide_with_a_picture_and_links_to_every_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert re.search(r"!\[[^\]]+\]\(docs/pictures/\w[\w-]*\.png\)", text)
    linked = {target.partition("#")[0] for target in LINK.findall(prose(text))}
    assert {f"docs/{page.name}" for page in PAGES[1:]} <= linked


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_page_has_one_title_and_an_introduction(page):
    text = prose(page.read_text(encoding="utf-8"))
    assert len(re.findall(r"(?m)^# ", text)) == 1
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    first_paragraph = next(line for line in lines[1:] if line.strip())
    assert not first_paragraph.startswith(("#", "|", "-", "*")), f"{page.name}: no introduction under the title"


def test_the_readme_output_folder_is_ignored_by_git():
    first = next(block for block in code_blocks(README.read_text(encoding="utf-8")) if block.kind == "shell")
    output = shlex.split(first.lines[0]).pop(shlex.split(first.lines[0]).index("-o") + 1)
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert output.rstrip("/") + "/" in ignored


# --- the checker itself fails on wrong pages ----------------------------------------------------

WRONG_PAGES = {
    "a failing command": "    upscale sample_images/missing.png --scale 2\n",
    "a wrong status": "```console\n$ upscale sample_images/missing.png --scale 2\n$ echo $?\n0\n```\n",
    "output not printed": "```console\n$ upscale sample_images/lineart.png --scale 2 --dry-run\n"
                          "sample_images/lineart.png → sample_images/lineart@3x.png (48→96 × 48→96)\n```\n",
    "a failing python block": "```python\nimport upscale_cli\nupscale_cli.no_such_function()\n```\n",
    "a command it cannot run": "    python make_everything.py\n",
}


@pytest.mark.parametrize("text", WRONG_PAGES.values(), ids=WRONG_PAGES.keys())
def test_the_checker_fails_on_wrong_pages(text, workspace):
    with pytest.raises(AssertionError):
        check_page(text, "wrong.md")


def test_the_checker_passes_output_status_pipes_and_illustrative_blocks(workspace):
    page = (
        "```console\n$ upscale sample_images/lineart.png --scale 2 --dry-run\n"
        "sample_images/lineart.png → sample_images/lineart@2x.png (48→96 × 48→96)\n"
        "$ upscale sample_images/missing.png --scale 2\n...\n$ echo $?\n1\n```\n\n"
        "    cat sample_images/tiny3x3.png | upscale - --scale 2 -o - > big.png\n\n"
        "<!-- illustrative: a script the reader does not have -->\n\n    python make_everything.py\n"
    )
    assert check_page(page, "right.md") == 2
    assert (workspace / "big.png").stat().st_size > 0


def test_links_to_missing_files_and_headings_are_found(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n## Where `it` goes\n\n[ok](#where-it-goes) [bad](#nowhere) "
                    "[gone](missing.md) ![x](pictures/none.png) `[code](not-a-link.md)` [web](https://example.org)\n")
    assert broken_links(page) == ["#nowhere: no heading #nowhere", "missing.md: no such file",
                                  "pictures/none.png: no such file"]

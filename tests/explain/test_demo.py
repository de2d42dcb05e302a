"""``upscale demo``: the walk-through prints the seed material's exact matrices."""

import io

import pytest
from click.testing import CliRunner
from rich.console import Console

from upscale_cli.cli.main import main

pytest.importorskip("upscale_cli.nn", reason="the demo's pool and unpool steps use upscale_cli.nn")

from upscale_cli.explain.demo import run_demo  # noqa: E402  (after the skip: it needs upscale_cli.nn)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    out = io.StringIO()
    run_demo(Console(file=out, width=120))
    return [line.strip("│ ").rstrip() for line in out.getvalue().splitlines()]


def block(lines: list[str], title: str, count: int) -> list[str]:
    """The ``count`` lines after the matrix heading ``title`` (its column header first)."""
    start = lines.index(title)
    return [line.rstrip(" │") for line in lines[start + 1 : start + 1 + count]]


def test_max_pool_gives_b(lines):
    assert block(lines, "B", 5) == [
        "0   1   2   3",
        "0   9  11  13  15",
        "1  25  27  29  31",
        "2  41  43  45  47",
        "3  57  59  61  63",
    ]


def test_bilinear_gives_c_and_traces_c_1_1(lines):
    rows = block(lines, "C", 9)
    assert rows[1] == "0   9   9.5  10.5  11.5  12.5  13.5  14.5  15"
    assert rows[2] == "1  13  13.5  14.5  15.5  16.5  17.5  18.5  19"
    assert rows[8] == "7  57  57.5  58.5  59.5  60.5  61.5  62.5  63"
    assert "[1, 1] = 0.5625·9 + 0.1875·11 + 0.1875·25 + 0.0625·27 = 13.5" in lines


def test_unpool_gives_e(lines):
    rows = block(lines, "E", 9)
    assert rows[1] == "0  0   0  0   0  0   0  0   0"
    assert rows[2] == "1  0   9  0  11  0  13  0  15"
    assert rows[8] == "7  0  57  0  59  0  61  0  63"


def test_nearest_round_and_floor(lines):
    outputs = [i for i, line in enumerate(lines) if line == "output [:, :]"]
    assert [line.rstrip(" │") for line in lines[outputs[0] + 2 : outputs[0] + 6]] == [
        "0  234  38  22  22", "1   67  44  12  12", "2   89  65  63  63", "3   89  65  63  63",
    ]
    assert [line.rstrip(" │") for line in lines[outputs[1] + 2 : outputs[1] + 6]] == [
        "0  234  234  38  22", "1  234  234  38  22", "2   67   67  44  12", "3   89   89  65  63",
    ]
    assert "2.25 → floor → 2" in " ".join(lines)


def test_cli_demo():
    result = CliRunner().invoke(main, ["demo", "--width", "100"])
    assert result.exit_code == 0
    assert "4. max-unpool of B with the indices" in result.stdout

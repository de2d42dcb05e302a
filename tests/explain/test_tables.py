"""Rendering of explain traces (Rich text, JSON) and the resize command's explain options."""

import io
import json

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from upscale_cli import api
from upscale_cli.cli.main import main
from upscale_cli.engine.apply import apply_plan
from upscale_cli.explain.tables import UNWRAPPED_WIDTH, explain_console, print_trace, trace_json, visible_rows
from upscale_cli.explain.trace import build_trace


def rendered(array, pixels=(), *, show_axes=True, limit=40, width=100, **options) -> list[str]:
    plan = api.plan_for(array.shape, **options)
    trace = build_trace(plan, array, apply_plan(array, plan), pixels=pixels)
    out = io.StringIO()
    print_trace(trace, Console(file=out, width=width), limit=limit, show_axes=show_axes)
    return [line.rstrip() for line in out.getvalue().splitlines()]


SEED_PIXEL = """\
mode bilinear, align half-pixel; shape (4, 4) → (8, 8), float64

output pixel (x=1, y=1)
  x: dstX 1 → srcX 0.25; taps 0, 1; weights 0.75, 0.25
  y: dstY 1 → srcY 0.25; taps 0, 1; weights 0.75, 0.25
  weights (rows y, columns x; the product of the axis weights)
          0         1  2
0  [0.5625]  [0.1875]  ·
1  [0.1875]  [0.0625]  ·
2         ·         ·  ·
  source values around output [1, 1] (used ones in brackets)
      0     1   2
0   [9]  [11]  13
1  [25]  [27]  29
2    41    43  45
  [1, 1] = 0.5625·9 + 0.1875·11 + 0.1875·25 + 0.0625·27 = 13.5
  written: 13.5"""


def test_seed_pixel_trace(seed_b):
    assert rendered(seed_b, ("1,1",), show_axes=False, scale=2, mode="bilinear") == SEED_PIXEL.splitlines()


SEED_NEAREST_FLOOR = """\
mode nearest, align asymmetric, rounding floor; shape (3, 3) → (4, 4), uint8

axis x (array axis 1): 3 → 4, r = n_in/n_out = 0.75 (3/4)  (size 4; pass 1 of 2)
  asymmetric: output pixel d samples the input at d·r, its footprint's left edge; the picture shifts
by half an output pixel
  srcX = dstX × 0.75
  nearest, asymmetric, rounding floor; each output copies the one source sample at its index
 dstX ┃ srcX ┃ rounding → index
━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━━━━━
    0 │    0 │ 0 → floor → 0
    1 │ 0.75 │ 0.75 → floor → 0
    2 │  1.5 │ 1.5 → floor → 1
    3 │ 2.25 │ 2.25 → floor → 2

axis y (array axis 0): 3 → 4, r = n_in/n_out = 0.75 (3/4)  (size 4; pass 2 of 2)
  asymmetric: output pixel d samples the input at d·r, its footprint's left edge; the picture shifts
by half an output pixel
  srcY = dstY × 0.75
  nearest, asymmetric, rounding floor; each output copies the one source sample at its index
 dstY ┃ srcY ┃ rounding → index
━━━━━━╇━━━━━━╇━━━━━━━━━━━━━━━━━━
    0 │    0 │ 0 → floor → 0
    1 │ 0.75 │ 0.75 → floor → 0
    2 │  1.5 │ 1.5 → floor → 1
    3 │ 2.25 │ 2.25 → floor → 2

input [:, :]
     0   1   2
0  234  38  22
1   67  44  12
2   89  65  63

output [:, :]
     0    1   2   3
0  234  234  38  22
1  234  234  38  22
2   67   67  44  12
3   89   89  65  63
source pixel of each output cell (y, x)
     0    1    2    3
0  0,0  0,0  0,1  0,2
1  0,0  0,0  0,1  0,2
2  1,0  1,0  1,1  1,2
3  2,0  2,0  2,1  2,2"""


def test_seed_nearest_floor_explained(seed_3x3):
    lines = rendered(seed_3x3, size="4x4", mode="nearest", align="asymmetric", rounding="floor")
    assert lines == SEED_NEAREST_FLOOR.splitlines()


def test_seed_nearest_round_output_matrix(seed_3x3):
    lines = rendered(seed_3x3, size="4x4", mode="nearest", align="asymmetric")
    start = lines.index("output [:, :]")
    assert lines[start + 1 : start + 6] == [
        "     0   1   2   3",
        "0  234  38  22  22",
        "1   67  44  12  12",
        "2   89  65  63  63",
        "3   89  65  63  63",
    ]


def test_half_pixel_bicubic_axis_header():
    lines = rendered(np.arange(4.0), size=3, mode="bicubic", width=140)
    assert lines[2] == "axis x (array axis 0): 4 → 3, r = n_in/n_out = 1.33333 (4/3)  (size 3; pass 1 of 1)"
    assert lines[4] == "  srcX = (dstX + 0.5) × 1.33333 − 0.5"
    assert "antialiased, kernel stretched ×1.33333, border renormalize" in lines[5]


def test_integer_pixel_shows_rounding_and_negative_weights():
    array = np.array([0, 255, 255, 0], dtype=np.uint8)
    lines = rendered(array, ("1",), show_axes=False, size=3, mode="bicubic", antialias=False, width=140)
    sum_line = next(line for line in lines if line.startswith("  [1] = "))
    assert sum_line == (
        "  [1] = -0.0625·0 + 0.5625·255 + 0.5625·255 − 0.0625·0 = 286.875 → round half up → 287"
        " → clip to 0 … 255 → 255"
    )
    assert lines[-1] == "  written: 255"


def test_long_axes_are_elided_in_the_middle():
    lines = rendered(np.arange(10.0), size=100, mode="bilinear", limit=4)
    table = lines[lines.index(" dstX ┃  srcX ┃ taps ┃ weights") + 2 :]
    assert [line.split("│")[0].strip() for line in table[:5]] == ["0", "1", "…", "98", "99"]


def test_visible_rows():
    assert visible_rows(5, 0) == [0, 1, 2, 3, 4]
    assert visible_rows(5, 5) == [0, 1, 2, 3, 4]
    assert visible_rows(10, 3) == [0, 1, None, 9]


# The JSON schema, as documented in docs/explain.md (`--explain-format json`). A type, a tuple of
# alternatives, a dict (exactly these keys), [spec] (a list of spec), or MATRIX.
NUMBER, MAYBE_NUMBER, MATRIX = (int, float), (int, float, type(None)), "matrix"
ROW = {"dst": int, "src": float, "taps": [int], "weights": [float], "rounding": (str, type(None))}
PLANE = {"plane": str, "values": MATRIX, "sources": (MATRIX, type(None))}
SCHEMA = {
    "schema": str,
    "input": {"shape": [int], "dtype": str, "alpha_max": (float, type(None))},
    "output": {"shape": [int]},
    "options": {"mode": str, "align": str, "rounding": (str, type(None)), "antialias": (bool, type(None)),
                "cubic_a": (float, type(None))},
    "axes": [{"name": str, "array_axis": int, "pass": int, "n_in": int, "n_out": int,
              "ratio": {"exact": str, "value": float}, "reason": str, "convention": str, "formula": str,
              "weights_description": str, "rows": [ROW]}],
    "matrices": ({"input": [PLANE], "output": [PLANE]}, type(None)),
    "pixels": [{"position": {"x": int, "y": int}, "axes": {"x": ROW, "y": ROW}, "window": [[int]],
                "weights": MATRIX, "note": (str, type(None)),
                "channels": [{"index": [int], "neighbourhood": MATRIX,
                              "terms": [{"source": [int], "weight": float, "value": MAYBE_NUMBER}],
                              "sum": MAYBE_NUMBER, "steps": [{"step": str, "value": MAYBE_NUMBER}],
                              "written": MAYBE_NUMBER}]}],
}


def check(value, spec, path="$"):
    """Fail with the JSON path of the first value that does not match ``spec``."""
    if isinstance(spec, dict):
        assert isinstance(value, dict), f"{path}: not an object"
        assert set(value) == set(spec), f"{path}: keys {sorted(value)} != {sorted(spec)}"
        for key, sub in spec.items():
            check(value[key], sub, f"{path}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), f"{path}: not a list"
        for i, item in enumerate(value):
            check(item, spec[0], f"{path}[{i}]")
    elif spec == MATRIX:
        assert isinstance(value, list) and value, f"{path}: not a non-empty list"
        for i, item in enumerate(value):
            check(item, MATRIX if isinstance(item, list) else MAYBE_NUMBER, f"{path}[{i}]")
    elif isinstance(spec, tuple) and any(s == MATRIX or isinstance(s, dict) for s in spec):
        errors = []
        for alternative in spec:
            try:
                return check(value, alternative, path)
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError("; ".join(errors))
    else:
        is_bool = isinstance(value, bool)
        allowed = spec if isinstance(spec, tuple) else (spec,)
        assert isinstance(value, allowed) and (not is_bool or bool in allowed), f"{path}: {value!r} is not {spec}"


def test_json_matches_the_documented_schema(seed_b, seed_3x3):
    cases = [
        (seed_b, {"scale": 2, "mode": "bilinear"}, ("1,1", "7,0")),
        (seed_3x3, {"size": "4x4", "mode": "nearest", "align": "asymmetric"}, ("3,3",)),
        (np.zeros((20, 30, 3), np.uint8), {"scale": 0.5, "mode": "lanczos"}, ("0,9",)),
    ]
    for array, options, pixels in cases:
        plan = api.plan_for(array.shape, **options)
        printed = json.loads(trace_json(build_trace(plan, array, apply_plan(array, plan), pixels=pixels)))
        check(printed, SCHEMA)
        assert printed["schema"] == "upscale-explain/1"


def test_the_checker_rejects_a_wrong_document(seed_b):
    plan = api.plan_for(seed_b.shape, scale=2, mode="bilinear")
    printed = json.loads(trace_json(build_trace(plan, seed_b, apply_plan(seed_b, plan))))
    printed["axes"][0]["rows"][0]["taps"] = ["0"]
    with pytest.raises(AssertionError, match=r"\$\.axes\[0\]\.rows\[0\]\.taps\[0\]"):
        check(printed, SCHEMA)


def test_json_has_no_nan(tmp_path):
    plan = api.plan_for((1, 2), size="4x1", mode="bilinear")
    array = np.array([[np.nan, 1.0]])
    printed = json.loads(trace_json(build_trace(plan, array, apply_plan(array, plan), pixels=("0,0",))))
    assert printed["pixels"][0]["channels"][0]["written"] is None


@pytest.mark.parametrize("array, options", [
    (np.array([[np.nan, 1.0, 2.0], [3.0, 4.0, 5.0]], np.float32),
     {"size": "4x3", "mode": "bilinear", "compat": "pillow"}),
    (np.zeros((3, 3), np.uint8),
     {"size": "4x4", "mode": "bilinear", "compat": "onnxruntime", "align": "tf-crop-and-resize",
      "roi": (-0.5, -0.5, 1.0, 1.0), "extrapolation_value": float("nan")}),
])
def test_library_steps_in_json_have_no_nan(array, options):
    """A library step that sums a NaN (Pillow's ``F``) or reads one (onnxruntime's ``extrapolation_value``) writes
    null, as every non-finite number in the JSON, instead of failing to encode."""
    plan = api.plan_for(array.shape, dtype=array.dtype, **options)
    printed = json.loads(trace_json(build_trace(plan, array, apply_plan(array, plan), pixels=("0,0",))))
    step = printed["pixels"][0]["channels"][0]["library"][-1]
    assert step["sum"] is None and None in step["terms"][0]


@pytest.fixture
def seed_files(tmp_path, seed_b, seed_3x3):
    np.save(tmp_path / "b.npy", seed_b)
    np.save(tmp_path / "m.npy", seed_3x3)
    return tmp_path


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_bytes(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr


def test_cli_explain_pixel_of_the_seed(seed_files):
    status, out, err = run(str(seed_files / "b.npy"), "-o", str(seed_files / "c.npy"), "--scale", "2",
                           "--mode", "bilinear", "--explain-pixel", "1,1", env={"NO_COLOR": "1"})
    assert status == 0 and err == ""
    assert [line.rstrip() for line in out.splitlines()] == SEED_PIXEL.splitlines()
    assert "\x1b[" not in out


def test_cli_explain_pixel_is_repeatable(seed_files):
    status, out, _ = run(str(seed_files / "b.npy"), "-o", str(seed_files / "c.npy"), "--scale", "2",
                         "--mode", "bilinear", "--explain-pixel", "1,1", "--explain-pixel", "7,7")
    assert status == 0
    assert "output pixel (x=1, y=1)" in out and "output pixel (x=7, y=7)" in out
    assert "axis x" not in out  # axis tables only with --explain


def test_cli_explain_json(seed_files):
    status, out, _ = run(str(seed_files / "m.npy"), "-o", str(seed_files / "n.npy"), "--size", "4x4",
                         "--mode", "nearest", "--align", "asymmetric", "--explain-format", "json")
    assert status == 0
    printed = json.loads(out)
    check(printed, SCHEMA)
    assert [r["rounding"] for r in printed["axes"][0]["rows"]][-1] == "2.25 → round → 2"
    assert printed["matrices"]["output"][0]["values"][3] == [89, 65, 63, 63]


def test_cli_explain_goes_to_stderr_when_the_image_goes_to_stdout(seed_files):
    status, out, err = run_bytes(str(seed_files / "b.npy"), "-o", "-", "--format", "npy", "--scale", "2",
                                 "--mode", "bilinear", "--explain")
    assert status == 0
    assert out.startswith(b"\x93NUMPY")
    assert "srcX = (dstX + 0.5) × 0.5 − 0.5" in err


def test_cli_bad_pixel_is_one_line_usage_error(seed_files):
    status, out, err = run(str(seed_files / "b.npy"), "-o", str(seed_files / "c.npy"), "--scale", "2",
                           "--explain-pixel", "8,1")
    assert status == 2
    assert err == "upscale: pixel '8,1' is outside the output: x must be 0 … 7\n"
    assert not (seed_files / "c.npy").exists()


def test_nearest_axis_says_what_is_copied_and_filters_that_weights_sum_to_1(seed_3x3):
    nearest = rendered(seed_3x3, size="4x4", mode="nearest")
    bilinear = rendered(seed_3x3, size="4x4", mode="bilinear")
    assert "  nearest, half-pixel, rounding round; each output copies the one source sample at its index" in nearest
    assert not any("weights sums" in line for line in nearest)
    assert sum("; each row of weights sums to 1" in line for line in bilinear) == 2


LONG_CONVENTION = ("  asymmetric: output pixel d samples the input at d·r, its footprint's left edge; "
                   "the picture shifts by half an output pixel")


def test_cli_explain_into_a_pipe_is_not_wrapped(seed_files):
    status, out, _ = run(str(seed_files / "m.npy"), "-o", str(seed_files / "n.npy"), "--size", "4x4",
                         "--mode", "nearest", "--align", "asymmetric", "--explain")
    assert status == 0
    assert out.splitlines().count(LONG_CONVENTION) == 2


def test_cli_nn_explain_into_a_pipe_is_not_wrapped(seed_files, seed_b):
    np.save(seed_files / "b4.npy", seed_b[None, None])
    status, out, _ = run(str(seed_files / "b4.npy"), "-o", str(seed_files / "c4.npy"), "--mode", "deconv",
                         "--kernel", "bilinear", "--scale", "2", "--explain")
    assert status == 0
    assert ("  axis y: 4 → 8  ((n − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1"
            " = (4 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1 = 8)") in out.splitlines()


def test_explain_console_wraps_at_the_terminal_width_only_on_a_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("FORCE_COLOR", "1")
    terminal = explain_console()
    assert terminal.is_terminal and terminal.width == 60 and not terminal.soft_wrap
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    piped = explain_console(stderr=True)
    assert not piped.is_terminal and piped.soft_wrap and piped.width == UNWRAPPED_WIDTH

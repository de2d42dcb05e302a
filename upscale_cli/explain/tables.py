"""Render an explain trace (:mod:`upscale_cli.explain.trace`): Rich text or JSON.

Nothing here computes a weight or a sample; it only formats the trace,
which is read from the plan the engine applied. Used source pixels are
marked with brackets as well as bold, so the marks survive plain text
(``NO_COLOR``, pipes).
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..core.plan import DEFINED
from .arithmetic import shifted
from .trace import SCHEMA, AxisTrace, ChannelTrace, PixelTrace, Plane, Trace, number

ELLIPSIS = "…"
#: Line width of explanations that do not go to a terminal: wide enough that no line is ever cut.
UNWRAPPED_WIDTH = 1_000_000


def explain_console(*, stderr: bool = False) -> Console:
    """The console explanations are printed on (standard output, or standard error).

    On a terminal, Rich fits the text to the terminal's width, wrapping at
    spaces. Anywhere else (a pipe, a file) it would wrap at 80 columns, which
    cuts sentences and table rows for whoever reads or greps the file; there
    nothing is wrapped, so every line printed stays one line.
    """
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.soft_wrap = True
        console.width = UNWRAPPED_WIDTH
    return console


def ratio_text(value: Fraction | float) -> str:
    """An exact ratio as ``0.6 (3/5)``; a library's binary ratio to 9 digits."""
    if isinstance(value, float):
        return f"{value:.9g}"
    exact = f"{value.numerator}/{value.denominator}"
    return exact if value.denominator == 1 else f"{number(float(value))} ({exact})"


def visible_rows(count: int, limit: int) -> list[int | None]:
    """Indices to show out of ``count``, ``None`` where the middle is elided (``limit`` 0: all)."""
    if limit <= 0 or count <= limit:
        return list(range(count))
    head = (limit + 1) // 2
    tail = limit - head
    return [*range(head), None, *range(count - tail, count)]


def value_text(value) -> str:
    """A sample value: integers as they are, floats short."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return number(float(value))


def joined(values, limit: int, format_one=value_text) -> str:
    shown = visible_rows(len(values), limit)
    return ", ".join(ELLIPSIS if i is None else format_one(values[i]) for i in shown)


def _is_nearest(axis: AxisTrace) -> bool:
    """Nearest neighbour: each row has a rounding step and one tap, no weights to show."""
    return axis.rows[0].rounding is not None


def axis_table(axis: AxisTrace, limit: int) -> Table:
    """One row per output index: source coordinate, then taps and weights or the rounding step."""
    name = axis.name.upper()
    nearest = _is_nearest(axis)
    table = Table(show_edge=False, header_style="bold")
    table.add_column(f"dst{name}", justify="right")
    table.add_column(f"src{name}", justify="right")
    if nearest:
        table.add_column("rounding → index")
    else:
        table.add_column("taps")
        table.add_column("weights")
    for d in visible_rows(len(axis.rows), limit):
        if d is None:
            table.add_row(*[ELLIPSIS] * len(table.columns))
            continue
        row = axis.rows[d]
        cells = [row.rounding] if nearest else [joined(row.taps, limit, str), joined(row.weights, limit, number)]
        table.add_row(str(row.dst), number(row.src), *cells)
    return table


#: The last words of an axis's description line, for nearest neighbour and for filters.
NEAREST_NOTE = "each output copies the one source sample at its index"
WEIGHTS_NOTE = "each row of weights sums to 1"


def axis_section(axis: AxisTrace, passes: int, limit: int) -> Group:
    heading = Text.assemble(
        (f"axis {axis.name}", "bold"),
        f" (array axis {axis.array_axis}): {axis.n_in} → {axis.n_out}, "
        f"{'r' if isinstance(axis.ratio, float) else 'r = n_in/n_out'} = {ratio_text(axis.ratio)}  ",
        (f"({axis.reason}; pass {axis.pass_number} of {passes})", "dim"),
    )
    return Group(
        heading,
        Text(f"  {axis.convention}"),
        Text(f"  {axis.formula}", style="bold cyan"),
        Text(f"  {axis.description}; {NEAREST_NOTE if _is_nearest(axis) else WEIGHTS_NOTE}", style="dim"),
        axis_table(axis, limit),
    )


def matrix_table(
    values: np.ndarray,
    *,
    rows: list[int] | range,
    columns: list[int] | range,
    limit: int,
    marked=None,
    cell=value_text,
) -> Table:
    """A labelled grid of numbers; ``marked(i, j)`` cells in brackets and bold."""
    table = Table(box=None, show_edge=False, pad_edge=False, header_style="dim", padding=(0, 1))
    table.add_column("", style="dim", justify="right")
    shown_columns = visible_rows(len(columns), limit)
    for j in shown_columns:
        table.add_column(ELLIPSIS if j is None else str(columns[j]), justify="right")
    for i in visible_rows(len(rows), limit):
        if i is None:
            table.add_row(ELLIPSIS, *[ELLIPSIS] * len(shown_columns))
            continue
        cells = []
        for j in shown_columns:
            if j is None:
                cells.append(ELLIPSIS)
            elif marked is not None and marked(i, j):
                cells.append(Text(f"[{cell(values[i, j])}]", style="bold yellow"))
            else:
                cells.append(cell(values[i, j]))
        table.add_row(str(rows[i]), *cells)
    return table


def plane_section(title: str, plane: Plane, limit: int) -> Group:
    height, width = plane.values.shape
    parts = [Text(f"{title} {plane.label}", style="bold"), matrix_table(plane.values, rows=range(height), columns=range(width), limit=limit)]
    if plane.sources is not None:
        parts.append(Text(f"source pixel of each output cell ({', '.join('zyx'[-plane.sources.shape[-1]:])})", style="dim"))
        parts.append(matrix_table(plane.sources, rows=range(height), columns=range(width), limit=limit,
                                  cell=lambda s: ",".join(str(int(v)) for v in s)))
    return Group(*parts)


def _window_slices(pixel: PixelTrace) -> list[tuple[str, tuple]]:
    """The 2-D slices of a pixel's window: one, or one per contributing source depth for volumes."""
    if len(pixel.window) < 3:
        return [("", ())]
    first = pixel.window[0][0]
    return [(f"z = {first + k}: ", (k,)) for k in range(pixel.weights.shape[0]) if pixel.weights[k].any()]


def _as_sheet(array: np.ndarray, depth: tuple) -> np.ndarray:
    sheet = array[depth]
    return sheet.reshape(1, -1) if sheet.ndim == 1 else sheet


def pixel_section(pixel: PixelTrace, limit: int) -> Group:
    """One output pixel: per-axis mapping, weights, neighbourhood and the sum."""
    where = ", ".join(f"{name}={pixel.position[name]}" for name in sorted(pixel.position))
    parts: list = [Text(f"output pixel ({where})", style="bold underline")]
    for name in sorted(pixel.rows):
        row = pixel.rows[name]
        big = name.upper()
        step = f"; {row.rounding}" if row.rounding else ""
        taps = (f"taps {joined(row.taps, limit, str)}; weights {joined(row.weights, limit, number)}" if row.taps
                else "outside the input: no taps")
        parts.append(Text(f"  {name}: dst{big} {row.dst} → src{big} {number(row.src)}{step}; {taps}"))
    ys = pixel.window[-2] if len(pixel.window) > 1 else (0, 0)
    xs = pixel.window[-1]
    rows = range(ys[0], ys[1] + 1) if len(pixel.window) > 1 else [0]
    columns = range(xs[0], xs[1] + 1)
    if pixel.note:
        parts.append(Text(f"  {pixel.note}", style="italic"))
    for prefix, depth in _window_slices(pixel):
        weights = _as_sheet(pixel.weights, depth)
        parts.append(Text(f"  {prefix}weights (rows y, columns x; the product of the axis weights)", style="dim"))
        parts.append(matrix_table(weights, rows=rows, columns=columns, limit=limit,
                                  marked=lambda i, j, w=weights: w[i, j] != 0,
                                  cell=lambda w: number(w) if w else "·"))
    for channel in pixel.channels:
        parts.append(channel_section(channel, pixel, rows, columns, limit))
    return Group(*parts)


def channel_section(channel: ChannelTrace, pixel: PixelTrace, rows, columns, limit: int) -> Group:
    label = "[" + ", ".join(str(i) for i in channel.index) + "]"
    parts: list = []
    for prefix, depth in _window_slices(pixel):
        weights = _as_sheet(pixel.weights, depth)
        parts.append(Text(f"  {prefix}source values around output {label} (used ones in brackets)", style="dim"))
        parts.append(matrix_table(_as_sheet(channel.neighbourhood, depth), rows=rows, columns=columns, limit=limit,
                                  marked=lambda i, j, w=weights: w[i, j] != 0))
    if channel.library:
        parts.extend(_library_lines(channel))
        parts.append(Text.assemble("  written: ", (value_text(channel.written), "bold green")))
        return Group(*parts)
    terms = channel.terms
    sum_text = ""
    for position, k in enumerate(visible_rows(len(terms), limit)):
        if k is None:
            sum_text += f" + {ELLIPSIS}"
            continue
        weight = terms[k].weight
        sign = ("-" if weight < 0 else "") if position == 0 else (" − " if weight < 0 else " + ")
        sum_text += f"{sign}{number(abs(weight))}·{value_text(terms[k].value)}"
    line = Text(f"  {label} = {sum_text} = " if terms else f"  {label} = ")
    line.append(value_text(channel.total), style="bold")
    for what, value in channel.steps:
        line.append(f" → {what} → {value_text(value)}")
    parts.append(line)
    parts.append(Text.assemble("  written: ", (value_text(channel.written), "bold green")))
    return Group(*parts)


def _library_lines(channel: ChannelTrace) -> list[Text]:
    """The library's own passes of one output sample: integer weights times samples, its shifts and clip."""
    what = ("the library's floating-point steps: its weights, each pass as it sums, rounds and stores"
            if all(step.floating for step in channel.library) and not any(step.shift for step in channel.library)
            else "the library's integers: its integer weights, each pass as it rounds, shifts and clips")
    lines = [Text(f"  {what} (at: output indices along the axes resampled so far, input indices along the others)",
                  style="dim")]
    for step in channel.library:
        at = ", ".join(f"{name}={value}" for name, value in step.position.items())
        if step.alpha:
            lines.append(_alpha_line(step, at))
            continue
        if step.floating:
            lines.append(_floating_line(step, at))
            continue
        if step.toward_zero:
            text = f"({_fixed_sum(step)}) / 2^{step.shift}, toward zero = "
        else:
            text = f"({_fixed_sum(step)}) >> {step.shift} = " if step.shift else f"{_fixed_sum(step)} = "
        value = shifted(step.total, step.shift, step.toward_zero)
        if step.low is not None:
            text += f"{_signed(value)} → clip to {step.low} … {step.high} → "
            value = min(max(value, step.low), step.high)
        if step.wrap:
            text += f"{value} → {_wrap_text(step.wrap)} → "
        line = Text(f"  pass {step.axis} at ({at}): {text}")
        line.append(str(step.stored), style="bold")
        lines.append(line)
    return lines


def _fixed_sum(step) -> str:
    """``rounding + Σ w·x`` as the library forms it; one weight shared by a whole block (Pillow's
    ``Image.reduce``) is written once, ``m·(r + a + b + …)``; a weight given by its factors as their
    product, ``wx·wy·x``."""
    weights = {w for w, _ in step.terms}
    common = weights.pop() if len(weights) == 1 and not step.factors else 1
    if len(step.terms) > 1 and abs(common) > 1 and step.tap_shifts is None and step.rounding % common == 0:
        summed = [str(step.rounding // common)] * bool(step.rounding) + [_signed(x) for _, x in step.terms]
        return f"{common}·({' + '.join(summed)})"
    if step.factors:  # each weight the product of its factors
        terms = [(w < 0, "·".join(str(abs(f)) for f in factors) + f"·{_signed(x)}")
                 for (w, x), factors in zip(step.terms, step.factors)]
    elif step.tap_shifts is None:
        terms = [(w < 0, f"{abs(w)}·{_signed(x)}") for w, x in step.terms]
    else:
        pre, post = step.tap_shifts
        terms = [(False, f"(({w}·({x} >> {pre})) >> {post})") for w, x in step.terms]
    if step.rounding:
        terms.insert(0, (False, str(step.rounding)))
    return "".join(("−" if negative else "") + term if k == 0 else f" {'−' if negative else '+'} {term}"
                   for k, (negative, term) in enumerate(terms))


def _minus(text: str) -> str:
    """True minus signs, except in an exponent (``4.76e-08`` stays a number Python reads)."""
    return re.sub(r"(?<![eE])-", "−", text)


def _signed(value: float) -> str:
    """An integer that follows an operator: a negative one in brackets, with a true minus sign."""
    return f"(−{-value})" if value < 0 else str(value)


#: How each way of storing a floating-point sum reads.
STORES = {"float32": "stored as float32", "half to even": "round half to even",
          "half away from zero": "round half away from zero",
          "int32": "round half away from zero (outside the 32-bit range: −2147483648)",
          "static_cast": "static_cast: truncate toward zero (outside the 32-bit range: −2147483648)"}


def _wrap_text(dtype: str) -> str:
    """An integer stored as its low bits in a narrower type."""
    return f"low {np.iinfo(dtype).bits} bits as {dtype}"


def _alpha_line(step, at: str) -> Text:
    """Pillow's premultiplication of one sample, or its division by the resized alpha."""
    (weight, value), = step.terms
    if step.alpha.operation == "premultiply":
        text = (f"  premultiply at ({at}): t = 128 + {weight}·{value} = {step.total}, (t + (t >> 8)) >> 8 = ")
    elif step.alpha.divisor:
        text = f"  unpremultiply at ({at}): min(255, 255·{value} // {step.alpha.divisor}) = "
    else:
        text = f"  unpremultiply at ({at}): alpha 0, kept: "
    line = Text(text)
    line.append(str(step.stored), style="bold")
    return line


def _floating_line(step, at: str) -> Text:
    """A floating-point pass: each sample times its weight (over ``2^shift``), or groups of samples, summed in the
    library's type and order, scaled, and what it stores."""
    rule = step.floating
    if rule.groups:
        expression = _grouped_sum(step)
    else:
        if step.factors:  # each weight the product of its factors, formed left to right
            weights = ["(" + "·".join(_signed(f) for f in factors) + ")" for factors in step.factors]
        else:
            weights = [f"({w}/2^{step.shift})" if step.shift else _signed(w) for w, _ in step.terms]
        products = [_minus(f"{_signed(x)}·{w}") for w, (_, x) in zip(weights, step.terms)]
        if rule.order == "last first":
            expression = " + (".join(products) + ")" * (len(products) - 1)
        else:
            expression = " + ".join(products)
    text = f"  pass {step.axis} at ({at}): {rule.dtype} {expression} = {step.total!r}"
    if rule.scale is not None:
        how, number = rule.scale
        text += f" {how} {number!r} = {float(rule.scaled(np.dtype(rule.dtype).type(step.total)))!r}"
    if rule.store == "kept":
        return Text(f"{text} (kept in {rule.dtype})")
    clip = "" if step.low is None else f", clip to {step.low} … {step.high}"
    wrap = f", {_wrap_text(step.wrap)}" if step.wrap else ""
    line = Text(f"{text} → {STORES[rule.store]}{clip}{wrap} → ")
    line.append(repr(step.stored) if isinstance(step.stored, float) else str(step.stored), style="bold")
    return line


def _grouped_sum(step) -> str:
    """Samples added in groups, each group summed in its own type first: ``(int64 a + b) + (c + d)``."""
    rule = step.floating
    samples = [_minus(_signed(x)) for _, x in step.terms]
    groups, start = [], 0
    for length in rule.groups:
        group = " + ".join(samples[start:start + length])
        groups.append(f"({group})" if length > 1 else group)
        start += length
    return f"[groups in {rule.group_dtype}] " + " + ".join(groups)


def print_trace(trace: Trace, console: Console, *, limit: int = 40, show_axes: bool = True) -> None:
    """Print a trace with Rich: axis tables (and small matrices), then pixel traces.

    Parameters
    ----------
    trace : Trace
    console : rich.console.Console
        Plain text when it is not a terminal or ``NO_COLOR`` is set.
    limit : int
        Rows, columns and terms shown before the middle is elided (0: all).
        Matrices are elided at 16 rows and columns at most.
    show_axes : bool
        Print the axis tables and matrices (``--explain``), not only the
        pixel traces (``--explain-pixel``).
    """
    console.print(header(trace))
    if show_axes:
        for axis in trace.axes:
            console.print()
            console.print(axis_section(axis, len(trace.axes), limit))
        matrix_limit = min(limit, 16) if limit else 16
        for title, group in (("input", trace.inputs), ("output", trace.outputs)):
            for plane in group or ():
                console.print()
                console.print(plane_section(title, plane, matrix_limit))
    for pixel in trace.pixels:
        console.print()
        console.print(pixel_section(pixel, limit))


def header(trace: Trace) -> Text:
    details = [f"mode {trace.mode}", f"align {trace.align}"]
    if trace.compat:
        details.insert(0, f"compat {trace.compat}" + ("" if trace.arithmetic == DEFINED else f" ({trace.arithmetic} arithmetic)"))
    if trace.rounding:
        details.append(f"rounding {trace.rounding}")
    if trace.cubic_a is not None:
        details.append(f"a = {trace.cubic_a:g}")
    shape = f"shape {tuple(trace.in_shape)} → {tuple(trace.out_shape)}"
    return Text(f"{', '.join(details)}; {shape}" + (f", {trace.dtype}" if trace.dtype else ""))


def _json_value(value):
    """Plain JSON numbers; non-finite floats (not valid JSON) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _nested(array: np.ndarray) -> list:
    return [_nested(a) for a in array] if array.ndim > 1 else [_json_value(v.item()) for v in array]


def _exact_ratio(ratio: Fraction | float) -> str:
    """``"3/4"``; a preset's binary ratio (e.g. float32 1/1.7) as the exact fraction it is."""
    exact = Fraction(ratio)
    return f"{exact.numerator}/{exact.denominator}"


def trace_dict(trace: Trace) -> dict:
    """The trace as JSON-ready data (schema in docs/explain.md, "--explain-format json"); nothing elided."""
    def plane(p: Plane) -> dict:
        return {"plane": p.label, "values": _nested(p.values),
                "sources": None if p.sources is None else _nested(p.sources)}

    def row(r) -> dict:
        return {"dst": r.dst, "src": r.src, "taps": list(r.taps), "weights": list(r.weights), "rounding": r.rounding}

    return {
        "schema": SCHEMA,
        "input": {"shape": list(trace.in_shape), "dtype": trace.dtype, "alpha_max": trace.alpha_max},
        "output": {"shape": list(trace.out_shape)},
        "options": {"mode": trace.mode, "align": trace.align, "rounding": trace.rounding,
                    "antialias": trace.antialias, "cubic_a": trace.cubic_a},
        "axes": [
            {"name": a.name, "array_axis": a.array_axis, "pass": a.pass_number, "n_in": a.n_in, "n_out": a.n_out,
             "ratio": {"exact": _exact_ratio(a.ratio), "value": float(a.ratio)},
             "reason": a.reason, "convention": a.convention, "formula": a.formula,
             "weights_description": a.description, "rows": [row(r) for r in a.rows]}
            for a in trace.axes
        ],
        "matrices": None if trace.inputs is None else {
            "input": [plane(p) for p in trace.inputs], "output": [plane(p) for p in trace.outputs]},
        "pixels": [
            {"position": dict(p.position), "axes": {n: row(r) for n, r in p.rows.items()},
             "window": [list(w) for w in p.window], "weights": _nested(np.atleast_1d(p.weights)), "note": p.note,
             "channels": [
                 {"index": list(c.index), "neighbourhood": _nested(np.atleast_1d(c.neighbourhood)),
                  "terms": [{"source": list(t.source), "weight": t.weight, "value": _json_value(t.value)} for t in c.terms],
                  "sum": _json_value(c.total), "steps": [{"step": s, "value": _json_value(v)} for s, v in c.steps],
                  "written": _json_value(c.written),
                  **({"library": [_library_dict(step) for step in c.library]} if c.library else {})}
                 for c in p.channels]}
            for p in trace.pixels
        ],
    }


def _library_dict(step) -> dict:
    return {"axis": step.axis, "position": dict(step.position),
            "terms": [[_json_value(w), _json_value(x)] for w, x in step.terms],
            "rounding": step.rounding, "shift": step.shift, "sum": _json_value(step.total),
            "clip": None if step.low is None else [step.low, step.high],
            "tap_shifts": None if step.tap_shifts is None else list(step.tap_shifts), "float": _float_dict(step.floating),
            "alpha": None if step.alpha is None else {"operation": step.alpha.operation, "divisor": step.alpha.divisor},
            "factors": None if step.factors is None else [list(f) for f in step.factors],
            "toward_zero": step.toward_zero, "wrap": step.wrap, "stored": _json_value(step.stored)}


def _float_dict(rule) -> dict | None:
    if rule is None:
        return None
    return {"dtype": rule.dtype, "order": rule.order, "store": rule.store, "groups": list(rule.groups) or None,
            "group_dtype": rule.group_dtype, "scale": None if rule.scale is None else list(rule.scale)}


def trace_json(trace: Trace) -> str:
    """The trace as one line of JSON."""
    return json.dumps(trace_dict(trace), ensure_ascii=False, allow_nan=False)

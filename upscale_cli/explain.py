"""``--explain``: print the coordinate mapping and the weight table of every axis.

Everything printed is read from the :class:`~upscale_cli.plan.ResizePlan`
that the engine applied; nothing is recomputed here.
"""

from __future__ import annotations

from fractions import Fraction

from rich.console import Console
from rich.table import Table

from .plan import AxisPlan, ResizePlan

ELLIPSIS = "…"


def number(value: float) -> str:
    """A coordinate or weight, short but exact enough to recompute from."""
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def ratio_text(value: Fraction) -> str:
    exact = f"{value.numerator}/{value.denominator}"
    return exact if value.denominator == 1 else f"{number(float(value))} ({exact})"


def mapping_formula(axis_plan: AxisPlan, align: str) -> str:
    """The coordinate transform of one axis with its numbers filled in."""
    src, dst = f"src{axis_plan.name.upper()}", f"dst{axis_plan.name.upper()}"
    n_in, n_out = axis_plan.size.n_in, axis_plan.size.n_out
    r = number(float(axis_plan.ratio))
    if align == "asymmetric":
        return f"{src} = {dst} × {r}"
    if align == "tf-half-pixel-for-nn":
        return f"{src} = ({dst} + 0.5) × {r}"
    if align == "align-corners" or (align == "pytorch-half-pixel" and n_out == 1):
        if n_out == 1:
            return f"{src} = 0 (one output sample)"
        return f"{src} = {dst} × ({n_in} − 1)/({n_out} − 1) = {dst} × {number((n_in - 1) / (n_out - 1))}"
    return f"{src} = ({dst} + 0.5) × {r} − 0.5"


def visible_rows(count: int, limit: int) -> list[int | None]:
    """Row indices to show, ``None`` where the middle is elided."""
    if limit <= 0 or count <= limit:
        return list(range(count))
    head = (limit + 1) // 2
    tail = limit - head
    return [*range(head), None, *range(count - tail, count)]


def axis_table(axis_plan: AxisPlan, plan: ResizePlan, limit: int) -> Table:
    """One row per output index: source coordinate, taps and weights."""
    weights = axis_plan.weights
    name = axis_plan.name.upper()
    table = Table(title=None, show_edge=False, header_style="bold")
    table.add_column(f"dst{name}", justify="right")
    table.add_column(f"src{name}", justify="right")
    nearest = weights.is_selection and plan.options.mode in ("nearest", "nearest-exact")
    if nearest:
        table.add_column(f"{plan.options.rounding} → index", justify="left")
    else:
        table.add_column("taps", justify="left")
        table.add_column("weights", justify="left")
    for d in visible_rows(weights.n_out, limit):
        if d is None:
            table.add_row(ELLIPSIS, ELLIPSIS, ELLIPSIS, *([] if nearest else [ELLIPSIS]))
            continue
        coordinate = number(weights.coordinates[d])
        if nearest:
            table.add_row(str(d), coordinate, f"{coordinate} → {plan.options.rounding} → {weights.taps[d, 0]}")
            continue
        used = weights.weights[d] != 0
        taps = ", ".join(str(t) for t in weights.taps[d][used])
        values = ", ".join(number(w) for w in weights.weights[d][used])
        table.add_row(str(d), coordinate, taps, values)
    return table


def print_explanation(plan: ResizePlan, console: Console, *, limit: int = 40) -> None:
    """Print, for each resized axis (x first), the mapping formula and its table."""
    options = plan.options
    console.print(
        f"mode {options.mode}, align {options.align}"
        + (f", rounding {options.rounding}" if options.mode.startswith("nearest") else "")
        + f"; shape {plan.in_shape} → {plan.out_shape}"
    )
    order = [p.name for p in plan.axes]
    for axis_plan in sorted(plan.axes, key=lambda p: p.name):
        size = axis_plan.size
        console.print()
        console.print(
            f"[bold]axis {axis_plan.name}[/bold] (array axis {axis_plan.axis}): {size.n_in} → {size.n_out}, "
            f"r = n_in/n_out = {ratio_text(axis_plan.ratio)}  [dim]({size.reason}; pass {order.index(axis_plan.name) + 1} of {len(order)})[/dim]"
        )
        console.print(f"  {mapping_formula(axis_plan, options.align)}")
        console.print(f"  [dim]{axis_plan.weights.description}[/dim]")
        console.print(axis_table(axis_plan, plan, limit))

"""``upscale demo``: a guided walk through the worked examples, step by step.

arange(64) as 8×8 → 2×2 max-pool with indices (B) → bilinear ×2 (C) and
max-unpool (E); then the 3×3 → 4×4 nearest-neighbour example with rounding
``round`` and ``floor``. Every number printed is computed by the library as
it stands (the resize steps through the same traces as ``--explain``).
"""

from __future__ import annotations

import numpy as np
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from ..api import plan_for
from ..engine.apply import apply_plan
from .tables import axis_section, matrix_table, pixel_section, plane_section
from .trace import build_trace

SEED_3X3 = np.array([[234, 38, 22], [67, 44, 12], [89, 65, 63]], dtype=np.uint8)


def matrix(name: str, values: np.ndarray) -> Group:
    height, width = values.shape
    return Group(Text(name, style="bold"), matrix_table(values, rows=range(height), columns=range(width), limit=0))


def step(console: Console, number: int, title: str, formula: str, *parts) -> None:
    console.print()
    console.print(Panel(Group(Text(formula, style="bold cyan"), *parts), title=f"{number}. {title}", title_align="left"))


def run_demo(console: Console) -> None:
    """Print the walk-through on ``console``."""
    from .. import nn

    a = np.arange(64, dtype=np.float64).reshape(8, 8)
    step(console, 1, "the input", "A = arange(64) as 8×8", matrix("A", a))

    pooled, indices = nn.max_pool_with_indices(a[None, None], 2)
    b, where = pooled[0, 0], indices[0, 0]
    step(
        console, 2, "2×2 max-pool with indices",
        "B[i, j] = max A[2i : 2i+2, 2j : 2j+2];  index[i, j] = flat position of that maximum in A (row × 8 + column),"
        " here equal to B because every value of A is its own position",
        matrix("B", b), matrix("index", where),
    )

    plan = plan_for(b.shape, scale=2, mode="bilinear")
    c = apply_plan(b, plan)
    trace = build_trace(plan, b, c, pixels=("1,1",))
    x_axis = next(axis for axis in trace.axes if axis.name == "x")
    step(
        console, 3, "bilinear ×2 (half-pixel, PyTorch align_corners=False)",
        "C[y, x] = Σ w_y·w_x·B[taps]; per axis " + x_axis.formula + " (the same for y)",
        axis_section(x_axis, len(trace.axes), 0), matrix("C", c), pixel_section(trace.pixels[0], 0),
    )

    e = nn.max_unpool(pooled, indices, 2)[0, 0]
    step(
        console, 4, "max-unpool of B with the indices",
        "E.flat[index[i, j]] = B[i, j], zeros elsewhere; size (4 − 1)·2 − 2·0 + 2 = 8",
        matrix("E", e),
    )

    for number, rounding in ((5, "round"), (6, "floor")):
        plan = plan_for(SEED_3X3.shape, size="4x4", mode="nearest", align="asymmetric", rounding=rounding)
        trace = build_trace(plan, SEED_3X3, apply_plan(SEED_3X3, plan))
        x_axis = next(axis for axis in trace.axes if axis.name == "x")
        step(
            console, number, f"3×3 → 4×4 nearest, asymmetric, rounding {rounding}",
            f"src = dst × 3/4, index = {rounding}(src) (the same for rows and columns)",
            matrix("input", SEED_3X3), axis_section(x_axis, len(trace.axes), 0),
            plane_section("output", trace.outputs[0], 0),
        )

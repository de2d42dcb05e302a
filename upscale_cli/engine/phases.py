"""The definition's own sums, computed phase by phase where a table repeats itself.

At a ratio ``n_in/n_out = q/p`` in lowest terms, away from the borders,
output ``d + p`` reads the taps of output ``d`` moved by ``q`` inputs, with
the same weights. The outputs of one phase (``d`` modulo ``p``) are then a
strided slice, and each of their taps a strided slice of the input: every
term is one product of a slice by one scalar weight, with no gather. The
products and the order of the sums are the definition's
(:func:`~upscale_cli.engine.reference.apply_axis`), so are the bits; only
the memory traffic changes. Rows outside the repeating run (the borders,
or a whole table whose period is long) take the definition's own gather.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.weights import AxisWeights
from .reference import apply_axis

#: Longest period computed phase by phase: each phase costs a few NumPy calls per tap.
MAX_PHASES = 16
#: Fewest outputs a phase should have to be worth its calls.
MIN_PER_PHASE = 4
#: Fewest output samples a pass should have to be worth the calls of its phases.
MIN_SAMPLES = 1 << 15
#: Samples after the axis from which strided slices copy well (a lone sample does too; 3 channels do not).
MIN_RUN = 16


def periodic_run(table: AxisWeights) -> tuple[int, int, int, int] | None:
    """``(period, shift, start, stop)``: outputs ``start:stop`` repeat rows ``start:start + period`` of the
    table, moved by ``shift`` inputs a period, with identical weights; ``None`` when no run is worth it."""
    n_in, n_out = table.n_in, table.n_out
    divisor = math.gcd(n_in, n_out)
    period, shift = n_out // divisor, n_in // divisor
    if period > MAX_PHASES or n_out < period * (MIN_PER_PHASE + 1):
        return None
    taps, weights = table.taps, table.weights
    # row d repeats row d − period: taps moved by ``shift``, weights the same bits
    repeats = np.all(taps[period:] == taps[:-period] + shift, axis=1)
    repeats &= np.all(weights[period:].view(np.uint64) == weights[:-period].view(np.uint64), axis=1)
    if not repeats.any():
        return None
    # the longest run of repeating rows: row d repeats for d in start + period … stop − 1
    edges = np.flatnonzero(np.diff(np.concatenate(([0], repeats.astype(np.int8), [0]))))
    runs = edges.reshape(-1, 2)
    first, last = max(runs, key=lambda run: run[1] - run[0])
    start, stop = int(first), int(last) + period
    if stop - start < period * (MIN_PER_PHASE + 1):
        return None
    return period, shift, start, stop


def phased_axis(array: np.ndarray, axis: int, table: AxisWeights) -> np.ndarray:
    """:func:`~upscale_cli.engine.reference.apply_axis`, bit for bit, phase by phase where ``table`` repeats."""
    inner = math.prod(array.shape[axis + 1:])
    worth = (inner == 1 or inner >= MIN_RUN) and table.n_out * array.size // max(table.n_in, 1) >= MIN_SAMPLES
    run = periodic_run(table) if worth and not table.is_selection else None
    if run is None:
        return apply_axis(array, axis, table)
    period, shift, start, stop = run
    lead = (slice(None),) * axis
    shape = array.shape[:axis] + (table.n_out,) + array.shape[axis + 1:]
    result = np.empty(shape, np.result_type(array.dtype, np.float64))
    for rows in (slice(0, start), slice(stop, table.n_out)):  # the borders, gathered as defined
        if rows.stop > rows.start:
            result[lead + (rows,)] = apply_axis(array, axis, table.cut(rows.start, rows.stop))
    term = None
    for phase in range(period):
        row = start + phase
        count = len(range(row, stop, period))
        target = result[lead + (slice(row, stop, period),)]
        if term is None or term.shape != target.shape:
            term = np.empty_like(target)
        for k in range(table.taps.shape[1]):
            first = int(table.taps[row, k])
            samples = array[lead + (slice(first, first + shift * (count - 1) + 1, shift),)]
            if k == 0:
                np.multiply(samples, table.weights[row, k], out=target)
            else:
                np.multiply(samples, table.weights[row, k], out=term)
                target += term
    return result

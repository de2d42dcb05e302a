"""The explain trace: what ``--explain`` and ``--explain-pixel`` report, as data.

One function, :func:`build_trace`, turns a plan and the arrays it was applied
to into plain dataclasses; the Rich and JSON renderers in
:mod:`upscale_cli.explain.tables` only format them. Every number comes from the
plan's weight tables and from the engine itself: a pixel's value is
recomputed by running the engine's own passes
(:func:`~upscale_cli.engine.reference.apply_axis`) over that pixel's
neighbourhood only, and checked against the output array.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from ..api import premultiply, unpremultiply
from ..core.coords import ALIGN_FORMULAS, source_coordinates
from ..core.errors import UsageError
from ..core.plan import DEFINED, AxisPlan, ResizePlan
from ..core.sizes import AxisSize
from ..core.weights import AxisWeights
from ..engine.reference import apply_axis, to_dtype
from .arithmetic import FixedPass, library_passes
from .libraries import library_plan_passes

SCHEMA = "upscale-explain/1"

#: Each coordinate transform in words.
CONVENTIONS = {
    "half-pixel": "half-pixel: the pixel grids line up edge to edge, centres map to centres (PyTorch align_corners=False, OpenCV, Pillow)",
    "asymmetric": "asymmetric: output pixel d samples the input at d·r, its footprint's left edge; the picture shifts by half an output pixel",
    "align-corners": "align-corners: the first and last pixel centres of input and output coincide",
    "pytorch-half-pixel": "pytorch-half-pixel: half-pixel, except that a single output sample maps to 0",
    "tf-half-pixel-for-nn": "tf-half-pixel-for-nn: the centre of the output footprint, without the −0.5 shift (ONNX Resize-11)",
    "half-pixel-symmetric": "half-pixel-symmetric: half-pixel, re-centred when a scale's output length was rounded (ONNX)",
    "tf-crop-and-resize": "tf-crop-and-resize: align-corners over the region of interest (ONNX roi; the whole input by default)",
}


def number(value: float) -> str:
    """A coordinate or weight, short but exact enough to recompute from."""
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def is_nearest(plan: ResizePlan) -> bool:
    return plan.options.mode in ("nearest", "nearest-exact")


@dataclass(frozen=True)
class AxisRow:
    """Output index ``dst`` of one axis: its source coordinate, taps and weights.

    Taps with weight 0 (padding of short windows, dropped border taps) are
    left out: they contribute nothing. ``rounding`` is the nearest-neighbour
    step in words (``"2.25 → round → 2"``), else ``None``.
    """

    dst: int
    src: float
    taps: tuple[int, ...]
    weights: tuple[float, ...]
    rounding: str | None = None


@dataclass(frozen=True)
class AxisTrace:
    """One resized axis: the mapping in words and numbers, and its table."""

    name: str
    array_axis: int
    pass_number: int
    n_in: int
    n_out: int
    ratio: Fraction | float
    reason: str
    convention: str
    formula: str
    description: str
    rows: tuple[AxisRow, ...]


@dataclass(frozen=True)
class Plane:
    """A 2-D slice (y, x) of an array, labelled by its NumPy index (``[:, :, 0]``).

    ``sources`` (nearest only) holds, per output cell, the index of the
    source pixel it copies, in array order of the spatial axes (z, y, x).
    """

    label: str
    values: np.ndarray
    sources: np.ndarray | None = None


@dataclass(frozen=True)
class Term:
    """One contribution ``weight · value`` of source pixel ``source`` (z, y, x order)."""

    source: tuple[int, ...]
    weight: float
    value: float


@dataclass(frozen=True)
class ChannelTrace:
    """One output sample: its neighbourhood, the weighted sum and the value written.

    ``total`` is the engine's own value before conversion to the output
    dtype; ``steps`` the conversions that follow, each ``(what, value)``.
    ``library`` holds, for a preset whose integer arithmetic is its own,
    the passes as the library computes them (the last one is the output).
    """

    index: tuple[int, ...]
    neighbourhood: np.ndarray
    terms: tuple[Term, ...]
    total: float
    steps: tuple[tuple[str, float], ...]
    written: float
    library: tuple[FixedPass, ...] = ()


@dataclass(frozen=True)
class PixelTrace:
    """The full trace of one output pixel (all its channels).

    ``window`` gives, per spatial axis (z, y, x order), the first and last
    source index shown; ``weights`` is the combined weight of each source
    pixel in that window (the product of the axis weights, summed where
    border clamping repeats a tap).
    """

    position: dict[str, int]
    rows: dict[str, AxisRow]
    window: tuple[tuple[int, int], ...]
    weights: np.ndarray
    channels: tuple[ChannelTrace, ...]
    note: str | None = None


@dataclass(frozen=True)
class Trace:
    """Everything ``--explain`` reports about one resize."""

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    dtype: str
    mode: str
    align: str
    rounding: str | None
    antialias: bool | None
    cubic_a: float | None
    axes: tuple[AxisTrace, ...]
    inputs: tuple[Plane, ...] | None = None
    outputs: tuple[Plane, ...] | None = None
    pixels: tuple[PixelTrace, ...] = field(default_factory=tuple)
    alpha_max: float | None = None
    #: The library preset (``--compat``) and its arithmetic, if any.
    compat: str | None = None
    arithmetic: str = DEFINED


def mapping_formula(axis_plan: AxisPlan, mode: str, align: str) -> str:
    """The coordinate transform of one axis with its numbers filled in."""
    src, dst = f"src{axis_plan.name.upper()}", f"dst{axis_plan.name.upper()}"
    n_in, n_out = axis_plan.size.n_in, axis_plan.size.n_out
    r = number(float(axis_plan.ratio))
    if mode == "area":
        return f"{dst} averages [{dst} × {r}, ({dst} + 1) × {r}]; {src} = its centre = ({dst} + 0.5) × {r} − 0.5"
    if align == "asymmetric":
        return f"{src} = {dst} × {r}"
    if align == "tf-half-pixel-for-nn":
        return f"{src} = ({dst} + 0.5) × {r}"
    if align == "align-corners" or (align == "pytorch-half-pixel" and n_out == 1):
        if n_out == 1:
            return f"{src} = 0 (one output sample)"
        length, last = n_out, float(axis_plan.weights.coordinates[-1])
        if last > 0 and not math.isclose(last, n_in - 1, rel_tol=1e-6):
            # the ONNX standard with scales divides by the non-integer resized length n_in·S − 1
            length = number((n_in - 1) * (n_out - 1) / last + 1)
        return f"{src} = {dst} × ({n_in} − 1)/({length} − 1) = {dst} × {number(last / (n_out - 1))}"
    if align in ("half-pixel-symmetric", "tf-crop-and-resize"):
        return f"{src}: {ALIGN_FORMULAS[align]}"
    return f"{src} = ({dst} + 0.5) × {r} − 0.5"


def _nearest_steps(weights: AxisWeights, align: str, rounding: str, compat: str | None) -> list[str]:
    """``x → rounding → i`` per output, with the clamp when the rounded index left the axis.

    A library preset rounds its own binary coordinates by its own recipe
    (the weights' description); they are shown in full (``repr``), since
    ``2.9999997 → floor → 2`` is the whole point.
    """
    if compat is not None:
        return [f"{float(x)!r} → {compat} {rounding} → {tap}" for x, tap in zip(weights.coordinates, weights.taps[:, 0])]
    rounded = source_coordinates(weights.n_in, weights.n_out, align).rounded(rounding)
    steps = []
    for d, (x, r, tap) in enumerate(zip(weights.coordinates, rounded, weights.taps[:, 0])):
        if min(max(r, 0), weights.n_in - 1) != tap:
            raise AssertionError(f"nearest index {tap} of output {d} disagrees with {rounding}({x})")
        step = f"{number(x)} → {rounding} → {number(r)}"
        steps.append(step if r == tap else f"{step} → clamp → {tap}")
    return steps


def axis_rows(weights: AxisWeights, plan: ResizePlan) -> tuple[AxisRow, ...]:
    """The table of one axis, read from the weights the engine applies."""
    options = plan.options
    nearest = is_nearest(plan)
    steps = _nearest_steps(weights, options.align, options.rounding, plan.compat) if nearest else [None] * weights.n_out
    rows = []
    for d in range(weights.n_out):
        used = weights.weights[d] != 0
        rows.append(AxisRow(
            d, float(weights.coordinates[d]),
            tuple(int(t) for t in weights.taps[d][used]),
            tuple(float(w) for w in weights.weights[d][used]),
            steps[d],
        ))
    return tuple(rows)


def axis_trace(axis_plan: AxisPlan, plan: ResizePlan) -> AxisTrace:
    options = plan.options
    pass_number = next(i for i, p in enumerate(plan.axes) if p is axis_plan) + 1
    if options.mode == "area":
        convention = "area: each output averages the input over its footprint (--align does not apply)"
    else:
        convention = CONVENTIONS[options.align]
    return AxisTrace(
        name=axis_plan.name,
        array_axis=axis_plan.axis,
        pass_number=pass_number,
        n_in=axis_plan.size.n_in,
        n_out=axis_plan.size.n_out,
        ratio=axis_plan.ratio,
        reason=axis_plan.size.reason,
        convention=convention,
        formula=mapping_formula(axis_plan, options.mode, options.align),
        description=axis_plan.weights.description,
        rows=axis_rows(axis_plan.weights, plan),
    )


def _by_name(plan: ResizePlan) -> list[AxisPlan]:
    """The resized axes in array order of z, y, x (rows before columns)."""
    return sorted(plan.axes, key=lambda p: p.name, reverse=True)


def planes(array: np.ndarray, plan: ResizePlan, sources: list[np.ndarray] | None = None) -> tuple[Plane, ...]:
    """Every 2-D (y, x) slice of ``array``: one per channel, and per depth for volumes.

    ``sources``, one index array per spatial axis in z, y, x order, marks the
    source pixel of each output cell (nearest).
    """
    spatial = [p.axis for p in _by_name(plan)]
    sheet = spatial[-2:]
    outer = [a for a in range(array.ndim) if a not in sheet]
    ordered = np.transpose(array, outer + sheet)
    depth_axis = spatial[0] if len(spatial) == 3 else None
    result = []
    for fixed in np.ndindex(*ordered.shape[: len(outer)]):
        where = dict(zip(outer, fixed))
        label = "[" + ", ".join(str(where[a]) if a in where else ":" for a in range(array.ndim)) + "]"
        values = ordered[fixed].reshape(-1 if len(sheet) == 2 else 1, ordered.shape[-1])
        marks = None
        if sources is not None:
            grids = list(np.meshgrid(*sources[-len(sheet):], indexing="ij"))
            if depth_axis is not None:
                grids.insert(0, np.full(grids[0].shape, sources[0][where[depth_axis]]))
            marks = np.stack(grids, axis=-1).reshape(values.shape + (len(spatial),))
        result.append(Plane(label, values, marks))
    return tuple(result)


def parse_pixel(spec: str, plan: ResizePlan) -> dict[str, int]:
    """``"X,Y"`` (``X,Y,Z`` for volumes, ``X`` for 1-D) → ``{"x": X, "y": Y}``, checked against the output."""
    names = sorted({p.name for p in plan.axes})
    try:
        values = [int(part) for part in spec.split(",")]
    except ValueError:
        raise UsageError(f"bad pixel {spec!r}: expected {','.join(n.upper() for n in names)} (whole numbers)") from None
    if len(values) != len(names):
        raise UsageError(f"bad pixel {spec!r}: the output has {len(names)} spatial axes ({','.join(n.upper() for n in names)})")
    lengths = {p.name: p.size.n_out for p in plan.axes}
    for name, value in zip(names, values):
        if not 0 <= value < lengths[name]:
            raise UsageError(f"pixel {spec!r} is outside the output: {name} must be 0 … {lengths[name] - 1}")
    return dict(zip(names, values))


def composed(plan: ResizePlan) -> ResizePlan:
    """``plan`` with the passes along each axis composed into one table (Pillow's ``Image.reduce`` and the
    filter after it): the weight of every source sample in every output, which is what a pixel's trace in
    the definition's terms shows. A plan with one pass per axis is returned as it is."""
    if len({p.name for p in plan.axes}) == len(plan.axes):
        return plan
    runs: dict[str, AxisPlan] = {}
    for p in plan.axes:
        first = runs.get(p.name)
        runs[p.name] = p if first is None else AxisPlan(
            p.axis, p.name, AxisSize(first.size.n_in, p.size.n_out, p.size.reason), _compose(first.weights, p.weights))
    return replace(plan, axes=tuple(runs.values()))


def _compose(first: AxisWeights, then: AxisWeights) -> AxisWeights:
    """The table of ``first`` followed by ``then``: each output's weight on every source sample it reaches."""
    taps = first.taps[then.taps].reshape(then.n_out, -1)
    weights = (then.weights[:, :, None] * first.weights[then.taps]).reshape(then.n_out, -1)
    rows = []
    for row_taps, row_weights in zip(taps, weights):
        used = row_weights != 0
        unique, where = np.unique(row_taps[used], return_inverse=True)
        rows.append((unique, np.bincount(where, row_weights[used], minlength=len(unique))))
    width = max(max(len(unique) for unique, _ in rows), 1)
    merged_taps = np.zeros((then.n_out, width), np.int64)
    merged_weights = np.zeros((then.n_out, width))
    for d, (unique, summed) in enumerate(rows):
        merged_taps[d, :len(unique)], merged_weights[d, :len(unique)] = unique, summed
    merged_taps[:, 1:] = np.where(merged_weights[:, 1:] == 0, merged_taps[:, :1], merged_taps[:, 1:])
    # where the output sits in the source: its weights' centre
    centres = (merged_weights * merged_taps).sum(axis=1)
    return AxisWeights(first.n_in, then.n_out, merged_taps, merged_weights, centres,
                       f"{first.description}, then {then.description}")


def _row(weights: AxisWeights, d: int) -> AxisRow:
    """Row ``d`` of a weight table that no axis trace shows (a composed one)."""
    used = weights.weights[d] != 0
    return AxisRow(d, float(weights.coordinates[d]), tuple(int(t) for t in weights.taps[d][used]),
                   tuple(float(w) for w in weights.weights[d][used]))


def _local(weights: AxisWeights, first: int, last: int, start: int) -> AxisWeights:
    """Rows ``first … last`` of a weight table, as a table over a window starting at ``start``."""
    return AxisWeights(
        weights.n_in, last - first + 1, weights.taps[first:last + 1] - start, weights.weights[first:last + 1],
        weights.coordinates[first:last + 1], weights.description,
    )


def _reads(plan: ResizePlan, position: dict[str, int]) -> tuple[list[tuple[int, int]], dict[str, tuple[int, int]]]:
    """The outputs each pass makes for output ``position``, and the source samples read along each axis.

    Returns the ``(first, last)`` outputs of every pass, in pass order: the
    last pass along an axis makes the pixel's own index, an earlier one
    (Pillow's ``Image.reduce`` before its filter) every sample the next one
    reads; and, per axis name, the first and last source index its first
    pass reads (padding taps included).
    """
    needed: list[tuple[int, int]] = [(0, 0)] * len(plan.axes)
    reading: dict[str, tuple[int, int]] = {}
    for k in reversed(range(len(plan.axes))):
        axis_plan = plan.axes[k]
        first, last = reading.get(axis_plan.name, (position[axis_plan.name],) * 2)
        needed[k] = (first, last)
        taps = axis_plan.weights.taps[first:last + 1]
        reading[axis_plan.name] = (int(taps.min()), int(taps.max()))
    return needed, reading


def pixel_trace(
    position: dict[str, int],
    plan: ResizePlan,
    source: np.ndarray,
    result: np.ndarray,
    rows: dict[str, tuple[AxisRow, ...]],
    definition: ResizePlan,
    alpha_max: float | None = None,
) -> PixelTrace:
    """Trace output pixel ``position`` through the engine's own passes.

    The source window around the pixel's taps is resampled with the rows of
    the plan's weight tables, pass by pass as
    :func:`~upscale_cli.engine.apply.apply_plan` does, so the value reached
    is bit for bit the definition's, and must equal ``result`` at that
    position, for every dtype. ``definition`` is :func:`composed` ``(plan)``,
    whose tables the pixel's rows and weights show.
    """
    passes = library_plan_passes(plan, source.dtype, premultiplied=alpha_max is not None)
    names = {p.axis: p.name for p in plan.axes}
    axes = _by_name(definition)
    pixel_rows = {p.name: rows[p.name][position[p.name]] if any(p is q for q in plan.axes) else _row(p.weights, position[p.name])
                  for p in axes}
    needed, reading = _reads(plan, position)
    # every source sample the passes read, and one more each side
    window = tuple((max(reading[p.name][0] - 1, 0), min(reading[p.name][1] + 1, p.weights.n_in - 1)) for p in axes)
    cut = [slice(None)] * source.ndim
    for p, (first, last) in zip(axes, window):
        cut[p.axis] = slice(first, last + 1)
    shown = source[tuple(cut)]
    values = shown if alpha_max is None else premultiply(shown, alpha_max)
    starts = {p.name: first for p, (first, _) in zip(axes, window)}
    computed, arithmetic = _resample_window(values, plan, needed, starts)
    combined = _combined_weights(axes, pixel_rows, window)
    spatial = [p.axis for p in axes]
    neighbourhoods, totals = _spatial_last(values, spatial), _spatial_last(computed, spatial)
    if alpha_max is None:
        converted = to_dtype(computed, source.dtype, plan.ties)
    else:
        converted = unpremultiply(computed, alpha_max, source.dtype)
    converted = _spatial_last(converted, spatial)
    channels = []
    for channel in np.ndindex(*neighbourhoods.shape[: source.ndim - len(axes)]):
        index = [0] * source.ndim
        for a, c in zip([a for a in range(source.ndim) if a not in spatial], channel):
            index[a] = c
        for p in axes:
            index[p.axis] = position[p.name]
        neighbourhood = neighbourhoods[channel]
        total = float(totals[channel].reshape(-1)[0])
        written = result[tuple(index)]
        final = converted[channel].reshape(-1)[0]
        alpha = None
        if alpha_max is not None and channel[-1] != source.shape[-1] - 1:
            alpha = float(totals[channel[:-1] + (source.shape[-1] - 1,)].reshape(-1)[0])
        steps = conversion_steps(total, source.dtype, alpha, alpha_max, plan.ties) if arithmetic else ()
        library = ()
        if passes is not None:
            library = library_passes(passes, source, tuple(index), names, premultiplied=alpha_max is not None)
            final = library[-1].stored
        if final != written and not (np.isnan(final) and np.isnan(written)):
            raise AssertionError(f"trace of output {tuple(index)} reached {final}, the engine wrote {written}")
        terms = tuple(
            Term(tuple(int(w[0] + o) for w, o in zip(window, offset)), float(combined[offset]), _scalar(neighbourhood[offset]))
            for offset in zip(*np.nonzero(combined))
        )
        channels.append(ChannelTrace(tuple(index), neighbourhood, terms, total, steps, _scalar(written), library))
    notes = []
    if alpha_max is not None:
        notes.append(
            f"alpha is premultiplied: colour values are shown as colour × alpha/{number(alpha_max)}, "
            f"and the sum is divided by the resized alpha/{number(alpha_max)} afterwards"
        )
    outside = [p.name for p in axes if _extrapolated(definition, p, position[p.name])]
    if outside and passes is None:
        what = "the pass along it stores" if len(outside) == 1 else "the passes along them store"
        sums = "its sum" if len(outside) == 1 else "their sums"
        notes.append(f"outside the input along {' and '.join(outside)}: {what} the extrapolation value "
                     f"{number(plan.fill)} in place of {sums}")
    return PixelTrace(dict(position), pixel_rows, window, combined, tuple(channels), "; ".join(notes) or None)


def _resample_window(values: np.ndarray, plan: ResizePlan, needed: list[tuple[int, int]], starts: dict[str, int]):
    """Run the engine's passes (``apply_plan``'s order and dtype rules) on a window.

    ``needed`` holds the outputs each pass makes (:func:`_reads`), ``starts``
    the source index where the window begins along each axis. Returns the
    resampled window, one sample per spatial axis, and whether any
    arithmetic happened (otherwise the samples were copied as they are).
    """
    # a plan with a fill value sums in float64 even where it copies (compat.base.arithmetic.execute)
    arithmetic = plan.fill is not None or any(not (p.weights.is_identity or p.weights.is_selection)
                                              for p in plan.axes)
    computed = values.astype(np.float64) if arithmetic else values
    starts = dict(starts)
    for p, (first, last) in zip(plan.axes, needed):
        if p.weights.is_identity:  # the engine skips this pass: output d is sample d
            computed = np.take(computed, np.arange(first, last + 1) - starts[p.name], axis=p.axis)
        else:
            computed = apply_axis(computed, p.axis, _local(p.weights, first, last, starts[p.name]))
        for d in range(first, last + 1):
            if _extrapolated(plan, p, d):
                index = [slice(None)] * computed.ndim
                index[p.axis] = d - first
                computed[tuple(index)] = plan.fill
        starts[p.name] = first
    return computed, arithmetic


def _extrapolated(plan: ResizePlan, axis_plan: AxisPlan, d: int) -> bool:
    """Whether output ``d`` of this pass lies outside the input and takes the plan's fill value
    (``tf_crop_and_resize``'s ``extrapolation_value``): its row weighs nothing."""
    return plan.fill is not None and not axis_plan.weights.weights[d].any()


def _spatial_last(array: np.ndarray, spatial: list[int]) -> np.ndarray:
    """``array`` with its spatial axes moved to the end (z, y, x order)."""
    return np.moveaxis(array, spatial, range(array.ndim - len(spatial), array.ndim))


def _combined_weights(axes: list[AxisPlan], pixel_rows: dict[str, AxisRow], window) -> np.ndarray:
    """Outer product of the axis weights over the window (z, y, x order)."""
    combined = np.zeros([last - first + 1 for first, last in window])
    per_axis = [
        [(t - first, w) for t, w in zip(pixel_rows[p.name].taps, pixel_rows[p.name].weights)]
        for p, (first, _) in zip(axes, window)
    ]
    for pairs in itertools.product(*per_axis):
        combined[tuple(o for o, _ in pairs)] += np.prod([w for _, w in pairs])
    return combined


def _scalar(value) -> float | int:
    """A NumPy scalar as a plain Python number (ints stay ints)."""
    return int(value) if np.issubdtype(np.asarray(value).dtype, np.integer) else float(value)


def conversion_steps(total: float, dtype: np.dtype, alpha: float | None, alpha_max: float | None, ties: str = "up"):
    """What happens to the engine's float64 sum before it is stored as ``dtype``.

    Returns ``(what, value)`` pairs: the division by the resized alpha for
    premultiplied colour, then rounding (halves ``up`` or to ``even``) and
    clipping for integers, or the cast for narrower floats.
    """
    steps = []
    value = total
    if alpha is not None:
        fraction = alpha / alpha_max
        value = value / fraction if fraction > 0 else 0.0
        steps.append((f"÷ resized alpha/{number(alpha_max)} = {number(fraction)}", value))
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        rounded = float(np.rint(value) if ties == "even" else np.floor(value + 0.5))
        steps.append((f"round half {'to even' if ties == 'even' else 'up'}", rounded))
        steps.append((f"clip to {info.min} … {info.max}", float(min(max(rounded, info.min), info.max))))
    elif dtype != np.float64:
        steps.append((f"stored as {dtype}", float(np.asarray(value).astype(dtype))))
    return tuple(steps)


def build_trace(
    plan: ResizePlan,
    source: np.ndarray | None = None,
    result: np.ndarray | None = None,
    *,
    pixels: tuple[str, ...] = (),
    matrix_limit: int = 16,
    alpha_max: float | None = None,
) -> Trace:
    """The trace of one resize: axis tables, small matrices and pixel traces.

    Parameters
    ----------
    plan : ResizePlan
        The plan the engine applied.
    source, result : ndarray, optional
        The arrays it was applied to and produced (``Conversion.source_array``
        and ``result_array``); needed for matrices and pixel traces.
    pixels : tuple of str
        Output pixels to trace, ``"X,Y"`` (``"X,Y,Z"``, ``"X"``).
    matrix_limit : int
        Include input and output matrices when every input axis is at most
        this long (0: never).
    alpha_max : float, optional
        Set when colour was premultiplied by alpha (the last channel).

    Returns
    -------
    Trace
    """
    options = plan.options
    axes = tuple(axis_trace(p, plan) for p in sorted(plan.axes, key=lambda p: p.name))
    rows = {a.name: a.rows for a in axes}
    matrices = source is not None and 0 < matrix_limit and all(p.size.n_in <= matrix_limit for p in plan.axes)
    definition = composed(plan) if pixels or matrices else plan
    inputs = outputs = None
    if matrices:
        sources = [p.weights.taps[:, 0] for p in _by_name(plan)] if is_nearest(plan) else None
        inputs, outputs = planes(source, definition), planes(result, definition, sources)
    traced = tuple(pixel_trace(parse_pixel(s, plan), plan, source, result, rows, definition, alpha_max)
                   for s in pixels)
    return Trace(
        in_shape=plan.in_shape,
        out_shape=plan.out_shape,
        dtype=str(source.dtype) if source is not None else "",
        mode=options.mode,
        align=options.align,
        rounding=options.rounding if is_nearest(plan) else None,
        antialias=options.antialias,
        cubic_a=options.cubic_a if options.mode == "bicubic" else None,
        axes=axes,
        inputs=inputs,
        outputs=outputs,
        pixels=traced,
        alpha_max=alpha_max,
        compat=plan.compat,
        arithmetic=plan.arithmetic,
    )

"""``--explain`` for the neural-network modes.

Unpooling shows where each value went (index → position), pixel (un)shuffle
the channel-to-position map, deconvolution the kernel and the contributions
to output pixels. Everything is read from the
:class:`~upscale_cli.nn.operation.NNOperation` that produced the file (its
indices, weight and result arrays); channel maps come from running the same
operator on channel numbers.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import nn
from ..core.errors import UsageError
from ..nn.operation import NNOperation
from .tables import ELLIPSIS, visible_rows
from .trace import number

SPATIAL_NAMES = {1: ("x",), 2: ("y", "x"), 3: ("z", "y", "x")}


def _say(console: Console, text, *, markup: bool = False) -> None:
    """Print a line or table, unwrapped (lines hold formulas and calls); ``[...]`` is
    literal text unless ``markup``."""
    console.print(text, soft_wrap=True, markup=markup)


def _position(index) -> str:
    return "(" + ", ".join(str(int(i)) for i in index) + ")"


def _table(*columns: str) -> Table:
    table = Table(show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, justify="right")
    return table


def _header(operation: NNOperation, title: str, console: Console) -> None:
    _say(console, f"mode {title}; shape {operation.source.shape} → {operation.result.shape}")
    _say(console, f"  [dim]{escape(operation.call)}[/dim]", markup=True)


# -------------------------------------------------------------------- unpool


def placement_table(operation: NNOperation, targets: np.ndarray, limit: int) -> Table:
    """One row per input value: where it was, its value, the flat target and where it went.

    ``targets`` holds the flat output index of every input value, shape of
    ``operation.source``.
    """
    source, result = operation.source, operation.result
    dims = source.ndim - 2
    names = ", ".join(SPATIAL_NAMES[dims])
    table = _table("n", "c", f"from ({names})", "value", "index", f"→ to ({names})", "output there")
    out_spatial = result.shape[2:]
    entries = list(np.ndindex(*source.shape))
    for row in visible_rows(len(entries), limit):
        if row is None:
            table.add_row(*[ELLIPSIS] * 7)
            continue
        n, c, *where = entries[row]
        target = int(targets[entries[row]])
        to = np.unravel_index(target, out_spatial)
        table.add_row(str(n), str(c), _position(where), number(source[entries[row]]), str(target), _position(to),
                      number(result[(n, c, *to)]))
    return table


def _explain_unpool(operation: NNOperation, console: Console, limit: int) -> None:
    _header(operation, "unpool (max-unpooling with indices)", console)
    params = operation.params
    dims = operation.source.ndim - 2
    kernel, stride, padding = params["kernel_size"], params["stride"], params["padding"]
    default = nn.unpool_output_size(operation.source.shape[2:], kernel, stride, padding)
    out_spatial = operation.result.shape[2:]
    for name, n, k, s, p, d, size in zip(SPATIAL_NAMES[dims], operation.source.shape[2:], kernel, stride, padding,
                                         default, out_spatial):
        rule = f"(n − 1)·stride − 2·padding + kernel = ({n} − 1)·{s} − 2·{p} + {k} = {d}"
        _say(console, f"  axis {name}: {n} → {size}  [dim]({rule}{'' if size == d else f'; output size given: {size}'})[/dim]", markup=True)
    _say(console, f"  each value goes to its flat index in its own (n, c) plane of {'×'.join(map(str, out_spatial))}; all else is 0")
    flat = operation.indices.reshape(-1, int(np.prod(operation.source.shape[2:])))
    repeated = sum(len(row) - len(np.unique(row)) for row in flat)
    if repeated:
        _say(console, f"  {repeated} indices repeat (overlapping windows): the later value wins, as in PyTorch")
    _say(console, placement_table(operation, operation.indices, limit))


def _explain_bed_of_nails(operation: NNOperation, console: Console, limit: int) -> None:
    _header(operation, "unpool without indices (bed of nails)", console)
    params = operation.params
    factors, offsets = params["factors"], params["offsets"]
    dims = len(factors)
    block = "×".join(map(str, factors))
    _say(console, f"  position {params['position']}: each value goes to offset {_position(offsets)} of its {block} block; all else is 0")
    names = SPATIAL_NAMES[dims]
    _say(console, "  " + ", ".join(f"out {name} = in {name}·{f} + {o}" for name, f, o in zip(names, factors, offsets)))
    source_spatial = operation.source.shape[2:]
    grid = np.indices(source_spatial)
    targets = np.ravel_multi_index(
        tuple(g * f + o for g, f, o in zip(grid, factors, offsets)), operation.result.shape[2:]
    )
    _say(console, placement_table(operation, np.broadcast_to(targets, operation.source.shape), limit))


# ------------------------------------------------------------ pixel shuffle


def _explain_pixel_shuffle(operation: NNOperation, console: Console, limit: int) -> None:
    q = operation.params["q"]
    _header(operation, f"pixel-shuffle, factor q = {q}", console)
    _say(console, f"  out[n, c, h·{q} + i, w·{q} + j] = in[n, c·{q * q} + i·{q} + j, h, w]")
    channels = operation.source.shape[1]
    # Shuffling the channel numbers shows which input channel fills each block position.
    source_channel = nn.pixel_shuffle(np.arange(channels).reshape(1, channels, 1, 1), q)[0]
    _say(console, f"  input channel at each position (i, j) of a {q}×{q} block of output channel c:")
    for c in visible_rows(source_channel.shape[0], max(limit // q, 1) if limit else 0):
        if c is None:
            _say(console, f"  {ELLIPSIS}")
            continue
        table = _table(f"c = {c}", *[f"j = {j}" for j in range(q)])
        for i in range(q):
            table.add_row(f"i = {i}", *[str(int(v)) for v in source_channel[c, i]])
        _say(console, table)


def _explain_pixel_unshuffle(operation: NNOperation, console: Console, limit: int) -> None:
    q = operation.params["q"]
    _header(operation, f"pixel-unshuffle, factor q = {q}", console)
    _say(console, f"  out[n, c·{q * q} + i·{q} + j, h, w] = in[n, c, h·{q} + i, w·{q} + j]")
    # Unshuffling a block of position numbers shows where each output channel reads.
    positions = nn.pixel_unshuffle(np.arange(q * q).reshape(1, 1, q, q), q)[0, :, 0, 0]
    _say(console, f"  output channels of input channel c (c·{q * q} + k) and the block position they read:")
    table = _table("k", "(i, j) in the block")
    for k in visible_rows(len(positions), limit):
        if k is None:
            table.add_row(ELLIPSIS, ELLIPSIS)
            continue
        table.add_row(str(k), _position(divmod(int(positions[k]), q)))
    _say(console, table)


# ------------------------------------------------------------------- deconv


def contributions(operation: NNOperation, pixel: tuple[int, ...], channel: int = 0) -> list[tuple]:
    """The terms of one output sample of a transposed convolution (batch 0).

    Returns ``(ci, input position, input value, tap, weight, product)`` for
    every input sample and kernel tap with
    ``pixel = position·stride − padding + tap·dilation``.
    """
    x, weight, params = operation.source, operation.weight, operation.params
    stride, padding, dilation = params["stride"], params["padding"], params["dilation"]
    c_out_group = weight.shape[1]
    group = channel // c_out_group
    c_in_group = x.shape[1] // params["groups"]
    terms = []
    for ci in range(group * c_in_group, (group + 1) * c_in_group):
        for tap in np.ndindex(*weight.shape[2:]):
            shifted = [y + p - k * d for y, p, k, d in zip(pixel, padding, tap, dilation)]
            if any(v % s for v, s in zip(shifted, stride)):
                continue
            where = tuple(v // s for v, s in zip(shifted, stride))
            if not all(0 <= i < n for i, n in zip(where, x.shape[2:])):
                continue
            value, w = x[(0, ci, *where)], weight[(ci, channel % c_out_group, *tap)]
            terms.append((ci, where, value, tap, w, value * w))
    return terms


def _kernel_tables(weight: np.ndarray) -> list[Table]:
    """The kernel of input channel 0 → output channel 0 as grids (one per depth slice)."""
    kernel = weight[0, 0]
    volume = kernel.ndim == 3
    if kernel.ndim == 1:
        kernel = kernel[None]
    slices = kernel.reshape(-1, *kernel.shape[-2:])
    tables = []
    for kz, piece in enumerate(slices):
        table = _table(f"kz = {kz}" if volume else "", *[str(kx) for kx in range(piece.shape[1])])
        for ky, row in enumerate(piece):
            table.add_row(str(ky), *[number(v) for v in row])
        tables.append(table)
    return tables


def _explain_pixel(operation: NNOperation, pixel: tuple[int, ...], console: Console, limit: int) -> None:
    terms = contributions(operation, pixel)
    value = operation.result[(0, 0, *pixel)]
    names = ", ".join(SPATIAL_NAMES[len(pixel)])
    where = ", ".join(f"{name} = {v}" for name, v in zip(SPATIAL_NAMES[len(pixel)], pixel))
    plural = "" if len(terms) == 1 else "s"
    _say(console, f"\n  output (n 0, c 0, {where}) = {number(value)}, from {len(terms)} term{plural}:")
    table = _table("ci", f"input ({names})", "value", "tap", "weight", "product")
    for row in visible_rows(len(terms), limit):
        if row is None:
            table.add_row(*[ELLIPSIS] * 6)
            continue
        ci, where, x, tap, w, product = terms[row]
        table.add_row(str(ci), _position(where), number(x), _position(tap), number(w), number(product))
    _say(console, table)
    total = sum(term[4] for term in terms)
    bias = 0.0 if operation.bias is None else operation.bias[0]
    darker = operation.variant == "deconv-bilinear" and total < 1
    _say(
        console,
        f"  Σ products{'' if operation.bias is None else ' + bias ' + number(bias)} = "
        f"{number(sum(term[5] for term in terms) + bias)}; Σ weights = {number(total)}"
        + (" (< 1: zero padding darkens this output)" if darker else ""),
    )


def _bilinear_gain(operation: NNOperation, console: Console) -> None:
    """Per axis, the output of a constant 1: where zero padding darkens the border."""
    factors = operation.params["factors"]
    for name, n, f in zip(SPATIAL_NAMES[len(factors)], operation.source.shape[2:], factors):
        taps = nn.bilinear_taps(f)
        ones = nn.conv_transpose(np.ones((1, 1, n)), taps.reshape(1, 1, -1), stride=f, padding=nn.bilinear_padding(f))[0, 0]
        shown = [number(v) for v in ones] if len(ones) <= 12 else [*map(number, ones[:6]), ELLIPSIS, *map(number, ones[-6:])]
        edge = f // 2
        _say(console, f"  axis {name}: taps {', '.join(number(t) for t in taps)}; gain (output of a constant 1): {', '.join(shown)}")
        if edge:
            _say(console, f"    half-pixel bilinear with zero padding: equal to edge-clamped bilinear for {edge} ≤ {name} ≤ "
                          f"{len(ones) - 1 - edge}; the first and last {edge} outputs are darker")


def parse_output_pixel(spec: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``"X,Y"`` (``X,Y,Z``, ``X``; x first) → an output position in array order, checked against ``shape``."""
    names = SPATIAL_NAMES[len(shape)]
    try:
        values = tuple(int(part) for part in spec.split(","))
    except ValueError:
        values = ()
    if len(values) != len(shape):
        raise UsageError(f"bad --explain-pixel {spec!r}: expected {','.join(reversed(names)).upper()} (whole numbers)")
    pixel = tuple(reversed(values))
    if not all(0 <= v < n for v, n in zip(pixel, shape)):
        size = "x".join(str(n) for n in reversed(shape))
        raise UsageError(f"--explain-pixel {spec} is outside the {size} output")
    return pixel


def _explain_deconv(operation: NNOperation, console: Console, limit: int, pixels=None) -> None:
    bilinear = operation.variant == "deconv-bilinear"
    title = f"deconv (transposed convolution{', fixed FCN bilinear kernel' if bilinear else ''})"
    _header(operation, title, console)
    params = operation.params
    x, weight = operation.source, operation.weight
    dims = x.ndim - 2
    stride, padding, extra, dilation = (params[key] for key in ("stride", "padding", "output_padding", "dilation"))
    for name, n, k, s, p, o, d, size in zip(SPATIAL_NAMES[dims], x.shape[2:], weight.shape[2:], stride, padding, extra,
                                            dilation, operation.result.shape[2:]):
        _say(console, f"  axis {name}: {n} → {size}  [dim]((n − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1"
                      f" = ({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {o} + 1 = {size})[/dim]", markup=True)
    names = SPATIAL_NAMES[dims]
    _say(
        console,
        "  out[co, " + ", ".join(names) + "] = bias[co] + Σ in[ci, " + ", ".join(f"i{m}" for m in names)
        + "] · W[ci, co, " + ", ".join(f"k{m}" for m in names) + "] over "
        + ", ".join(f"{m} = i{m}·{s} − {p} + k{m}·{d}" for m, s, p, d in zip(names, stride, padding, dilation))
    )
    _say(console, f"  kernel W[0, 0] of weight {weight.shape}" + (" (the same for every channel)" if bilinear else "") + ":")
    for table in _kernel_tables(weight):
        _say(console, table)
    if bilinear:
        _bilinear_gain(operation, console)
    if pixels is None:
        corner = (0,) * dims
        middle = tuple(n // 2 for n in operation.result.shape[2:])
        pixels = dict.fromkeys([corner, middle])
    for pixel in pixels:
        _explain_pixel(operation, pixel, console, limit)


EXPLAINERS = {
    "unpool": _explain_unpool,
    "bed-of-nails": _explain_bed_of_nails,
    "pixel-shuffle": _explain_pixel_shuffle,
    "pixel-unshuffle": _explain_pixel_unshuffle,
    "deconv-bilinear": _explain_deconv,
    "deconv": _explain_deconv,
}


def print_nn_explanation(operation: NNOperation, console: Console, *, limit: int = 40, pixels=None) -> None:
    """Print how ``operation`` made its result; ``limit`` rows per table (0: all).

    ``pixels`` (array-order output positions, deconvolution only) replace the
    default traced outputs, the first one and the middle one.
    """
    if pixels is None:
        EXPLAINERS[operation.variant](operation, console, limit)
    else:
        EXPLAINERS[operation.variant](operation, console, limit, pixels)

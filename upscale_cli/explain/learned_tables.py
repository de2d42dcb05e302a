"""``--explain`` for the learned modes (``espcn``, ``fsrcnn``).

The network (its layers, the shapes they make for this input, parameter
counts, receptive field), where each output position comes from (the pixel
shuffle's channel, or the transposed convolution's inputs and taps) and, for
``--explain-pixel``, one output traced: its LR window, the network's value
there and the sample written. The values are computed by the functions of
:mod:`upscale_cli.nn.learned` that define the file's bytes (the fixed-order
definition), never recomputed beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..nn.learned import BicubicTiles, definition_blocks, luminance, pixel_window, run_body
from ..nn.models import Model
from .nn_tables import _say, _table
from .trace import number

LAYER_NAMES = {"conv": "convolution", "relu": "ReLU", "prelu": "PReLU", "pixel_shuffle": "pixel shuffle",
               "deconv": "transposed convolution"}


def _shape(shape: tuple) -> str:
    return "×".join(str(n) for n in shape)


def network_table(model: Model, lr_shape: tuple[int, int]) -> Table:
    """One row per layer: what it is, its kernel, channels, the output shape for an LR input of
    ``lr_shape`` (height, width), its parameters and the receptive field (LR pixels) so far."""
    table = _table("#", "layer", "kernel", "channels", "output (C×H×W)", "parameters", "receptive field")
    table.columns[1].justify = "left"
    height, width = lr_shape
    channels, radius = 1, 0
    for index, layer in enumerate(model.layers, 1):
        spec, kernel, change = layer.spec, "", ""
        if layer.op == "conv":
            kernel = f"{spec['kernel']}×{spec['kernel']}"
            channels, radius = spec["out"], radius + spec["kernel"] // 2
            change = f"{spec['in']} → {spec['out']}"
        elif layer.op == "pixel_shuffle":
            channels, height, width = channels // model.scale**2, height * model.scale, width * model.scale
            change = f"{channels * model.scale**2} → {channels}"
        elif layer.op == "deconv":
            kernel = f"{spec['kernel']}×{spec['kernel']}, stride {spec['stride']}, padding {spec['padding']}"
            channels, height, width = spec["out"], height * model.scale, width * model.scale
            radius += model.head_radius
            change = f"{spec['in']} → {spec['out']}"
        name = LAYER_NAMES[layer.op] + (f" ×{model.scale}" if layer.op == "pixel_shuffle" else "")
        side = 2 * radius + 1
        table.add_row(str(index), name, kernel, change, _shape((channels, height, width)),
                      str(layer.parameter_count) if layer.params else "", f"{side}×{side}")
    return table


def shuffle_table(scale: int) -> Table:
    """The r×r block of output positions, each with the channel it is read from."""
    table = _table("y mod r \\ x mod r", *(str(x) for x in range(scale)))
    for y in range(scale):
        table.add_row(str(y), *(f"channel {y * scale + x}" for x in range(scale)))
    return table


def deconv_taps(model: Model) -> list[tuple[int, int, int]]:
    """For each output phase ``y mod r``: ``(phase, LR offset δ, kernel row k)``: output row ``y``
    reads LR row ``y div r + δ`` through kernel row ``k = y + padding − (y div r + δ)·r``."""
    spec, scale = model.head.spec, model.scale
    rows = []
    for phase in range(scale):
        for k in range(spec["kernel"]):
            if (k - spec["padding"]) % scale == phase:
                rows.append((phase, (phase + spec["padding"] - k) // scale, k))
    return rows


@dataclass
class LearnedPixel:
    """One output pixel traced through the definition."""

    y: int
    x: int
    lr: tuple[int, int]
    window: tuple[int, int, int, int]
    luma: np.ndarray
    residual: float
    channel: int | None
    terms: list
    bicubic: np.ndarray
    values: np.ndarray
    written: np.ndarray


def trace_pixel(model: Model, samples: np.ndarray, result: np.ndarray, y: int, x: int) -> LearnedPixel:
    """Output ``(y, x)`` of ``result = learned_samples(samples, model)`` traced: its LR window,
    the network's residual (the definition's), the bicubic samples and the values written."""
    image = samples[..., None] if samples.ndim == 2 else samples
    colours = 3 if image.shape[2] >= 3 else 1
    full_scale = float(np.iinfo(samples.dtype).max)
    luma = luminance(image[..., 0] if colours == 1 else image, full_scale)
    scale = model.scale
    i, j = y // scale, x // scale
    y0, y1, x0, x1 = window = pixel_window(model, luma.shape, i, j)
    residual = float(definition_blocks(model, luma, [(i, j)])[i, j][y % scale, x % scale])
    channel, terms = None, []
    if model.head.op == "pixel_shuffle":
        channel = (y % scale) * scale + x % scale
    else:
        features = run_body(model, luma[None, y0:y1, x0:x1], in_order=True)[0][0]
        weight = model.head.params[0]
        for _, dy, ky in (t for t in deconv_taps(model) if t[0] == y % scale):
            for _, dx, kx in (t for t in deconv_taps(model) if t[0] == x % scale):
                si, sj = i + dy, j + dx
                if 0 <= si < luma.shape[0] and 0 <= sj < luma.shape[1]:
                    term = float(np.dot(features[:, si - y0, sj - x0], weight[:, 0, ky, kx]))
                    terms.append(((si, sj), (ky, kx), term))
    bicubic = BicubicTiles(image[..., :colours], scale)(slice(y, y + 1), slice(x, x + 1))[0, 0]
    values = bicubic + residual * full_scale
    written = result[y, x] if result.ndim == 3 else result[y, x, None]
    return LearnedPixel(y, x, (i, j), window, luma[y0:y1, x0:x1] * full_scale, residual, channel, terms, bicubic,
                        values, np.atleast_1d(written))


def window_table(pixel: LearnedPixel) -> Table:
    """The LR luminance (in sample units) the output depends on, its own LR pixel marked."""
    y0, _, x0, x1 = pixel.window
    table = _table("y \\ x", *(str(x) for x in range(x0, x1)))
    for row, values in enumerate(pixel.luma, y0):
        cells = []
        for column, value in enumerate(values, x0):
            text = f"{value:.1f}"
            cells.append(Text(text, style="bold reverse") if (row, column) == pixel.lr else text)
        table.add_row(str(row), *cells)
    return table


def print_learned_explanation(model: Model, samples: np.ndarray, result: np.ndarray, console: Console, *,
                              pixels=()) -> None:
    """The network and its mapping, then each traced pixel (``(y, x)`` in ``pixels``)."""
    scale = model.scale
    height, width = samples.shape[:2]
    full_scale = int(np.iinfo(samples.dtype).max)
    _say(console, f"mode {model.family} ×{scale}: {width}x{height} → {width * scale}x{height * scale}; a trained "
                  f"network on the luminance Y = 0.299·R + 0.587·G + 0.114·B (÷{full_scale}), its output added to "
                  "this project's bicubic of every colour channel (chroma and alpha stay bicubic)")
    provenance = model.provenance
    if provenance:
        _say(console, f"  trained by {provenance.get('script')} ({provenance.get('steps')} steps, seed "
                      f"{provenance.get('seed')}); validation PSNR on Y {provenance.get('validation_psnr_y')} dB "
                      f"(bicubic {provenance.get('validation_psnr_y_bicubic')} dB)")
    side = 2 * model.halo + 1
    _say(console, f"{model.parameter_count} parameters; receptive field: the outputs of one LR pixel depend on "
                  f"the {side}×{side} LR pixels around it at most ({model.halo} on each side, the halo every tile "
                  "reads)")
    _say(console, network_table(model, (height, width)))
    if model.head.op == "pixel_shuffle":
        _say(console, f"pixel shuffle: out[y, x] = channel (y mod {scale})·{scale} + (x mod {scale}) "
                      f"at (y div {scale}, x div {scale})")
        _say(console, shuffle_table(scale))
    else:
        spec = model.head.spec
        padding = spec["padding"]
        _say(console, f"transposed convolution: out[y, x] = bias + Σ_c Σ f_c[i, j]·W[c, 0, y + {padding} − "
                      f"{scale}·i, x + {padding} − {scale}·j] over the LR (i, j) whose tap lies in the "
                      f"{spec['kernel']}×{spec['kernel']} kernel; the same for columns")
        table = _table("y mod r", "LR row", "kernel row")
        for phase, offset, row in deconv_taps(model):
            table.add_row(str(phase), f"y div {scale} {'+' if offset >= 0 else '−'} {abs(offset)}", str(row))
        _say(console, table)
    for y, x in pixels:
        _print_pixel(trace_pixel(model, samples, result, y, x), model, console)


def _print_pixel(pixel: LearnedPixel, model: Model, console: Console) -> None:
    scale = model.scale
    i, j = pixel.lr
    _say(console, f"\npixel x={pixel.x}, y={pixel.y}: LR pixel x={j}, y={i}; the LR luminance (×M) it depends on:")
    _say(console, window_table(pixel))
    if pixel.channel is not None:
        _say(console, f"pixel shuffle: channel ({pixel.y} mod {scale})·{scale} + ({pixel.x} mod {scale}) = "
                      f"{pixel.channel} of the last convolution at LR ({j}, {i}) = {number(pixel.residual)}")
    else:
        table = _table("LR (x, y)", "tap (kx, ky)", "Σ_c f_c·W")
        for (si, sj), (ky, kx), term in pixel.terms:
            table.add_row(f"({sj}, {si})", f"({kx}, {ky})", number(term))
        _say(console, "transposed convolution: the inputs and kernel taps that reach it")
        _say(console, table)
        _say(console, f"bias {number(float(model.head.params[1][0]))} + terms = residual {number(pixel.residual)}")
    names = ("R", "G", "B") if len(pixel.bicubic) == 3 else ("grey",)
    table = _table("channel", "bicubic", "+ residual·M", "= v", "written floor(v + 0.5), clipped")
    for c, name in enumerate(names):
        table.add_row(name, number(pixel.bicubic[c]), number(pixel.values[c] - pixel.bicubic[c]),
                      number(pixel.values[c]), str(pixel.written[c]))
    if len(pixel.written) > len(names):
        table.add_row("alpha", "bicubic", "", "", str(pixel.written[-1]))
    _say(console, table)

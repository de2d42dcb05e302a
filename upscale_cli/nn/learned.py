"""Run a learned upscaler on an image's samples: in tiles, in float64, the final rounding certified.

The definition (what every machine must give)
---------------------------------------------
1. The low-resolution luminance ``Y = (0.299·R + 0.587·G + 0.114·B) / M``
   (grey: ``Y = L / M``), ``M`` the samples' full scale (255 or 65535).
2. The network on ``Y`` with every sum made in a fixed order
   (:func:`~upscale_cli.nn.conv.conv2d_in_order`,
   :func:`~upscale_cli.nn.deconv.conv_transpose2d_in_order`), float64
   throughout: the high-resolution luminance residual ``d``.
3. Each colour channel (or the grey one): this project's bicubic
   enlargement, its float64 definition before rounding, ``b_c``; the output
   sample is ``v = b_c + d·M`` rounded as ``floor(v + 0.5)`` and clipped to
   ``[0, M]``. As the residual is the same for R, G and B, this is the
   bicubic image with its luminance ``b_Y`` replaced by ``b_Y + d·M`` and its
   chroma (Cb, Cr) left bicubic. Alpha is this project's bicubic of alpha,
   as an integer.

How it is computed
------------------
The network runs on tiles of the LR image with a halo of
:attr:`~upscale_cli.nn.models.Model.halo` pixels, so memory is bounded for
any image size; each layer is one BLAS matrix product, whose order of
additions depends on the machine. Alongside, a bound on the distance from
the definition's ``d`` is carried through the layers (the standard bound
``γ_n = n·u/(1 − n·u)`` of a sum of ``n`` products in any order, the
weights' absolute row sums and the tile's largest activations). An output
whose ``v + 0.5`` is farther than the bound from an integer rounds as the
definition does, whatever BLAS did; the others ("undecided": about one in
a hundred thousand 8-bit outputs of FSRCNN, one in a thousand 16-bit ones,
none of ESPCN's) are recomputed by the definition itself on a window around their
LR pixel. So the bytes are the definition's on every machine, for every
tile size and thread count. (This assumes BLAS forms each dot product as a
sum of the products in some order, as OpenBLAS, MKL and Accelerate do; a
Strassen-like product would break the bound.)
"""

from __future__ import annotations

from typing import Iterator, Optional

import numpy as np

from ..core.errors import UsageError
from ..core.plan import ResizeOptions, plan_resize
from ..engine.apply import apply_plan
from ..engine.reference import apply_axis
from ..engine.workers import shared_pool
from .conv import conv2d, conv2d_in_order, products
from .deconv import conv_transpose2d_in_order
from .models import Layer, Model
from .shuffle import pixel_shuffle

#: The unit roundoff of float64.
UNIT = 2.0**-53
#: LR pixels per tile side, in halos (48 for ESPCN, 72 to 84 for FSRCNN): measured fastest among
#: 48 to 192 pixels at ×3 (smaller tiles keep the column matrices in cache; the halo adds a third).
TILE_HALOS = 12
#: Luminance weights of ITU-R BT.601 (JPEG's YCbCr), R, G, B.
LUMA = (0.299, 0.587, 0.114)


def gamma(n: int) -> float:
    """Relative error bound of a sum of ``n`` rounded products, added in any order."""
    return n * UNIT / (1 - n * UNIT)


def _largest(array: np.ndarray) -> float:
    return float(np.max(np.abs(array))) if array.size else 0.0


def _channel_largest(x: np.ndarray) -> np.ndarray:
    """``max |x|`` of each channel of ``x`` (N, C, h, w)."""
    return np.abs(x).max(axis=(0, 2, 3)) if x.size else np.zeros(x.shape[1])


def _sum_bound(gains: np.ndarray, terms: int, bias: np.ndarray, largest: np.ndarray, error: np.ndarray) -> np.ndarray:
    """Bound on each output channel's distance from the definition after a layer of weighted sums.

    ``gains[o, c]`` is the absolute weight from input channel ``c`` into one
    output of channel ``o``; ``largest`` and ``error`` bound, per input
    channel, the computed inputs and their distance from the definition's.
    The input's error goes through the weights; then both sums (this one in
    BLAS's order and the definition's) are each within ``γ_n`` of their
    exact value, the definition's terms being at most ``largest + error``.
    """
    return gains @ error + gamma(terms + 1) * (gains @ (2 * largest + error) + 2 * np.abs(bias))


def _body_layer(layer: Layer, x: np.ndarray, error: np.ndarray, in_order: bool) -> tuple[np.ndarray, np.ndarray]:
    """One body layer on ``x`` (N, C, h, w) and the bound, per channel, on its distance from the definition."""
    if layer.op == "conv":
        weight, bias = layer.params
        out = (conv2d_in_order if in_order else conv2d)(x, weight, bias, padding=layer.spec["kernel"] // 2)
        gains = np.abs(weight).sum(axis=(2, 3))
        return out, _sum_bound(gains, weight[0].size, bias, _channel_largest(x), error)
    if layer.op == "relu":
        return np.maximum(x, 0.0), error
    slopes = np.abs(layer.params[0])
    out = np.where(x >= 0, x, layer.params[0][None, :, None, None] * x)
    # a·c against a·s, each product rounded once
    return out, np.maximum(1.0, slopes) * error + 2 * UNIT * slopes * (_channel_largest(x) + error)


def deconv_gains(layer: Layer, scale: int) -> tuple[np.ndarray, int]:
    """Per output phase ``(y mod r, x mod r)`` of a transposed convolution of stride ``scale``: the
    absolute weight from each input channel into one output, shape (r², C_out, C_in); and the most
    terms one output sums (the taps of one phase times the channels)."""
    weight = layer.params[0]
    padding, kernel = layer.spec["padding"], layer.spec["kernel"]
    taps = [np.flatnonzero((np.arange(kernel) - padding) % scale == phase) for phase in range(scale)]
    gains = np.stack([np.abs(weight[:, :, ty][:, :, :, tx]).sum(axis=(2, 3)).T for ty in taps for tx in taps])
    longest = max(len(t) for t in taps)
    return gains, weight.shape[0] * longest * longest


def run_body(model: Model, windows: np.ndarray, in_order: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The body's features ``(N, C, h, w)`` on LR ``windows`` ``(N, h, w)``, and their bound per channel."""
    x, error = windows[:, None].astype(np.float64), np.zeros(1)
    for layer in model.body:
        x, error = _body_layer(layer, x, error, in_order)
    return x, error


def _conv_transpose(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int) -> np.ndarray:
    """:func:`~upscale_cli.nn.deconv.conv_transpose2d_in_order`'s shape and sums, fast: every tap's
    plane from one stack of small products (:func:`~upscale_cli.nn.conv.products`), each then added
    where its tap puts it."""
    batch, c_in, height, width = x.shape
    c_out, kh, kw = weight.shape[1:]
    planes = products(weight.reshape(c_in, -1).T, x.reshape(batch, c_in, height * width))
    planes = planes.reshape(batch, c_out, kh, kw, height, width)
    shape = (batch, c_out, (height - 1) * stride + kh, (width - 1) * stride + kw)
    out = np.broadcast_to(bias[None, :, None, None], shape).copy()
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + (height - 1) * stride + 1, stride), slice(j, j + (width - 1) * stride + 1, stride)
            out[:, :, rows, cols] += planes[:, :, i, j]
    return out


def run_window(model: Model, windows: np.ndarray, core: tuple[int, int, int, int],
               in_order: bool = False) -> tuple[np.ndarray, float]:
    """The network's HR residual luminance for the ``core`` of LR ``windows``, and its error bound.

    ``windows`` is ``(N, h, w)`` or one ``(h, w)``; ``core`` is ``(top,
    left, height, width)`` inside each, and the result ``(N, height·r,
    width·r)`` (or one). A window must hold :attr:`Model.halo` LR pixels
    around the core on every side where the image goes on (at an image edge
    the window ends with the image, as zero padding needs). With
    ``in_order`` the sums follow the definition (and the bound is moot).
    """
    if windows.ndim == 2:
        residual, error = run_window(model, windows[None], core, in_order)
        return residual[0], error
    top, left, height, width = core
    scale = model.scale
    x, error = run_body(model, windows, in_order)
    head = model.head
    if head.op == "pixel_shuffle":
        return pixel_shuffle(x[..., top:top + height, left:left + width], scale)[:, 0], float(np.max(error))
    weight, bias = head.params
    padding, reach = head.spec["padding"], model.head_radius
    # Only the features within the head's reach of the core are read (9× fewer for one LR pixel).
    first_row, first_col = max(0, top - reach), max(0, left - reach)
    x = x[..., first_row:top + height + reach, first_col:left + width + reach]
    y = (conv_transpose2d_in_order if in_order else _conv_transpose)(x, weight, bias, scale)
    gains, terms = deconv_gains(head, scale)
    largest = _channel_largest(x)
    error = max(float(np.max(_sum_bound(phase, terms, bias, largest, error))) for phase in gains)
    # With no padding, input i reaches outputs i·r + k; the model's outputs are those shifted by its padding.
    rows = slice((top - first_row) * scale + padding, (top - first_row + height) * scale + padding)
    cols = slice((left - first_col) * scale + padding, (left - first_col + width) * scale + padding)
    return y[:, 0, rows, cols], error


def with_halo(core: tuple, halo: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The LR box ``(y0, y1, x0, x1)`` grown by ``halo`` on every side, inside an image of ``shape``."""
    y0, y1, x0, x1 = core
    return max(0, y0 - halo), min(shape[0], y1 + halo), max(0, x0 - halo), min(shape[1], x1 + halo)


def lr_windows(height: int, width: int, halo: int, tile: int) -> Iterator[tuple]:
    """``(core, window)`` LR boxes ``(y0, y1, x0, x1)`` of every tile, row by row."""
    for y0 in range(0, height, tile):
        for x0 in range(0, width, tile):
            core = (y0, min(y0 + tile, height), x0, min(x0 + tile, width))
            yield core, with_halo(core, halo, (height, width))


def run_box(model: Model, luma: np.ndarray, core: tuple, window: tuple, in_order: bool = False):
    """:func:`run_window` on the boxes of :func:`lr_windows` over the whole LR luminance ``luma``."""
    y0, y1, x0, x1 = core
    wy0, wy1, wx0, wx1 = window
    return run_window(model, luma[wy0:wy1, wx0:wx1], (y0 - wy0, x0 - wx0, y1 - y0, x1 - x0), in_order)


def pixel_window(model: Model, shape: tuple[int, int], i: int, j: int) -> tuple[int, int, int, int]:
    """The LR box ``(y0, y1, x0, x1)`` an output of LR pixel ``(i, j)`` depends on: the halo around it."""
    return with_halo((i, i + 1, j, j + 1), model.halo, shape)


def definition_blocks(model: Model, luma: np.ndarray, pixels) -> dict:
    """The definition's r×r HR residual of each LR pixel ``(i, j)`` of ``pixels``, from a window of
    the halo around it; windows of one shape (all but those at the image's edges) run as one batch."""
    groups: dict = {}
    for i, j in pixels:
        window = pixel_window(model, luma.shape, i, j)
        shape = (window[1] - window[0], window[3] - window[2], i - window[0], j - window[2])
        groups.setdefault(shape, []).append(((i, j), window))
    blocks = {}
    for (h, w, top, left), members in groups.items():
        windows = np.stack([luma[y0:y1, x0:x1] for _, (y0, y1, x0, x1) in members])
        residuals = run_window(model, windows, (top, left, 1, 1), in_order=True)[0]
        blocks.update((pixel, residual) for (pixel, _), residual in zip(members, residuals))
    return blocks


def luminance(samples: np.ndarray, full_scale: float) -> np.ndarray:
    """Step 1 of the definition: ``Y`` in [0, 1] of ``(H, W)`` grey or ``(H, W, ≥3)`` colour samples."""
    if samples.ndim == 2:
        return samples / full_scale
    r, g, b = (samples[..., c].astype(np.float64) for c in range(3))
    return (LUMA[0] * r + LUMA[1] * g + LUMA[2] * b) / full_scale


class BicubicTiles:
    """``b_c`` of step 3 for any box of the output, made a tile at a time from ``(H, W, C)`` samples."""

    def __init__(self, colour: np.ndarray, scale: int):
        self.colour = colour
        self.plan = plan_resize(colour.shape, scale=scale, layout="hwc", options=ResizeOptions("bicubic"))

    def __call__(self, rows: slice, cols: slice) -> np.ndarray:
        window = [slice(None)] * 3
        tables = {}
        for axis, box in ((0, rows), (1, cols)):
            table = next(p.weights for p in self.plan.axes if p.axis == axis)
            taps = table.taps[box]
            first, last = int(taps.min()), int(taps.max())
            window[axis] = slice(first, last + 1)
            tables[axis] = table.cut(box.start, box.stop, first, last + 1 - first)
        values = self.colour[tuple(window)]
        for step in self.plan.axes:  # the engine's pass order: the same float64 definition
            values = apply_axis(values, step.axis, tables[step.axis])
        return values


def _round(values: np.ndarray, full_scale: float) -> np.ndarray:
    return np.clip(np.floor(values + 0.5), 0, full_scale)


def learned_samples(samples: np.ndarray, model: Model, *, tile: Optional[int] = None, parallel: bool = True,
                    stats: Optional[dict] = None) -> np.ndarray:
    """Enlarge 8- or 16-bit image samples by ``model.scale`` with the model (see the module docstring).

    Parameters
    ----------
    samples : ndarray of uint8 or uint16, shape (H, W) or (H, W, C), C in 1–4
        Grey, grey and alpha, RGB or RGBA (the last of 2 or 4 channels is alpha).
    model : Model
    tile : int, optional
        LR pixels per tile side (default :data:`TILE_HALOS` halos); the result does not depend on it.
    parallel : bool
        Tiles on the engine's thread pool, or one after the other; the result does not depend on it.
    stats : dict, optional
        Receives ``undecided``: how many outputs the definition recomputed.

    Returns
    -------
    ndarray, the dtype of ``samples``, shape (H·r, W·r[, C])
    """
    samples = np.asarray(samples)
    if samples.dtype not in (np.uint8, np.uint16) or not samples.dtype.isnative:
        raise UsageError(f"the learned modes enlarge 8- or 16-bit samples, not {samples.dtype}")
    if samples.ndim not in (2, 3) or (samples.ndim == 3 and not 1 <= samples.shape[2] <= 4):
        raise UsageError(f"the learned modes enlarge (H, W) or (H, W, C) images with 1 to 4 channels, "
                         f"got {samples.shape}")
    tile = TILE_HALOS * max(1, model.halo) if tile is None else tile
    if not isinstance(tile, int) or tile < 1:
        raise UsageError(f"tile must be a positive whole number, got {tile!r}")
    image = samples[..., None] if samples.ndim == 2 else samples
    channels = image.shape[2]
    colours = 3 if channels >= 3 else 1
    alpha = image[..., -1] if channels in (2, 4) else None
    full_scale = float(np.iinfo(samples.dtype).max)
    luma = luminance(image[..., 0] if colours == 1 else image, full_scale)
    scale = model.scale
    height, width = luma.shape
    out = np.empty((height * scale, width * scale, channels), samples.dtype)
    bicubic = BicubicTiles(image[..., :colours], scale)

    def finish(core, window):
        residual, error = run_box(model, luma, core, window)
        y0, y1, x0, x1 = core
        rows, cols = slice(y0 * scale, y1 * scale), slice(x0 * scale, x1 * scale)
        base = bicubic(rows, cols)
        values = base + (residual * full_scale)[..., None]
        # |d·M − d_def·M| and the roundings of the product, the sum and v ± bound
        bound = (full_scale * error + 4 * UNIT * (full_scale * (_largest(residual) + error) + _largest(values)))
        bound = bound * (1 + 2.0**-20) + 1e-300
        low, high = _round(values - bound, full_scale), _round(values + bound, full_scale)
        undecided = np.argwhere((low != high).any(axis=-1))
        pixels = sorted({(y0 + int(a) // scale, x0 + int(b) // scale) for a, b in undecided})
        for (i, j), exact in definition_blocks(model, luma, pixels).items():
            block = (slice((i - y0) * scale, (i - y0 + 1) * scale), slice((j - x0) * scale, (j - x0 + 1) * scale))
            low[block] = _round(base[block] + (exact * full_scale)[..., None], full_scale)
        out[rows, cols, :colours] = low
        return len(undecided)

    jobs = list(lr_windows(height, width, model.halo, tile))
    if parallel and len(jobs) > 1:
        undecided = sum(shared_pool().map(lambda job: finish(*job), jobs))
    else:
        undecided = sum(finish(*job) for job in jobs)
    if stats is not None:
        stats["undecided"] = undecided
    if alpha is not None:
        plan = plan_resize(alpha.shape, scale=scale, layout="hw", options=ResizeOptions("bicubic"))
        out[..., -1] = apply_plan(np.ascontiguousarray(alpha), plan)
    return out[..., 0] if samples.ndim == 2 else out

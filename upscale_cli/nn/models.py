"""The learned upscalers shipped with the package: their layers, weights and provenance.

Each ``weights/<family>_x<scale>.npz`` holds ``meta`` (a JSON text: the
layer list, and where the weights come from) and the parameters ``p0, p1,
...`` in layer order, in PyTorch's layouts. ``training/train_sr.py`` makes
them. A model is a body of layers on the low-resolution (LR) luminance
(``conv`` with zero "same" padding, ``relu``, ``prelu``) followed by a head
that enlarges it: ``pixel_shuffle`` (ESPCN: r² channels, one per position
of the r×r block) or ``deconv`` (FSRCNN: a transposed convolution of stride
r). The network's output is a residual: what this project's bicubic
enlargement of the same luminance misses (it is added to it).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.choices import LEARNED_MODES, LEARNED_SCALES
from ..core.errors import UsageError

WEIGHTS = Path(__file__).resolve().parent / "weights"
BODY_OPS = ("conv", "relu", "prelu")
HEADS = ("pixel_shuffle", "deconv")


@dataclass(frozen=True)
class Layer:
    """One layer: its entry of the layer list and its parameters (float64)."""

    op: str
    spec: dict
    params: tuple = ()

    @property
    def parameter_count(self) -> int:
        return sum(p.size for p in self.params)


@dataclass(frozen=True)
class Model:
    """A trained upscaler: ``family`` (``espcn`` or ``fsrcnn``), its integer ``scale`` and layers."""

    family: str
    scale: int
    layers: tuple
    provenance: dict = field(default_factory=dict)

    @property
    def body(self) -> tuple:
        return self.layers[:-1]

    @property
    def head(self) -> Layer:
        return self.layers[-1]

    @property
    def parameter_count(self) -> int:
        return sum(layer.parameter_count for layer in self.layers)

    @property
    def body_radius(self) -> int:
        """LR pixels on each side that one body output depends on."""
        return sum(layer.spec["kernel"] // 2 for layer in self.body if layer.op == "conv")

    @property
    def head_radius(self) -> int:
        """LR pixels on each side of an output's own LR pixel that the head reads (0 for pixel shuffle)."""
        deconv = self.head
        if deconv.op != "deconv":
            return 0
        return math.ceil(max(deconv.spec["padding"], deconv.spec["kernel"] - 1 - deconv.spec["padding"]) / self.scale)

    @property
    def halo(self) -> int:
        """LR pixels of context a tile needs on each side for its outputs to be the whole image's."""
        return self.body_radius + self.head_radius


def model_path(family: str, scale: int) -> Path:
    return WEIGHTS / f"{family}_x{scale}.npz"


def check_learned(family: str, scale) -> int:
    """The integer scale of ``--mode family --scale scale``, or a usage error naming the trained ones."""
    if family not in LEARNED_MODES:
        raise UsageError(f"unknown learned mode {family!r}; choose from {', '.join(LEARNED_MODES)}")
    trained = ", ".join(str(s) for s in LEARNED_SCALES)
    if isinstance(scale, (int, np.integer)) and not isinstance(scale, bool) and int(scale) in LEARNED_SCALES:
        return int(scale)
    raise UsageError(f"--mode {family} is trained for --scale {trained} (the same on both axes), not {scale}")


_cache: dict = {}


def load_model(family: str, scale: int) -> Model:
    """The shipped model (read once per process); a clear error for a missing or damaged file."""
    scale = check_learned(family, scale)
    key = (family, scale)
    if key not in _cache:
        _cache[key] = read_model(model_path(family, scale))
    return _cache[key]


def read_model(path) -> Model:
    """A model from a weights file (see the module docstring), its shapes checked against its layer list."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            arrays = [archive[f"p{i}"].astype(np.float64) for i in range(len(archive.files) - 1)]
        layers = _layers(meta["layers"], arrays)
        model = Model(meta["family"], int(meta["scale"]), layers, meta.get("provenance", {}))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{path}: not a usable weights file ({error})") from None
    if model.head.op not in HEADS or any(layer.op not in BODY_OPS for layer in model.body):
        raise UsageError(f"{path}: layers {[layer.op for layer in layers]} are not a body of {', '.join(BODY_OPS)} "
                         f"and a head, {' or '.join(HEADS)}")
    deconv = model.head
    if deconv.op == "deconv":
        spec = deconv.spec
        if (spec["stride"] != model.scale or spec["out"] != 1
                or spec["kernel"] - 2 * spec["padding"] + spec["output_padding"] != model.scale
                or spec["padding"] > spec["kernel"] - model.scale):
            raise UsageError(f"{path}: the transposed convolution {spec} does not make exactly "
                             f"{model.scale}× the input")
    return model


def _layers(specs: list, arrays: list) -> tuple:
    """Pair each layer spec with its parameters, checking their shapes and count."""
    layers, arrays = [], list(arrays)
    for spec in specs:
        op = spec["op"]
        if op in ("conv", "deconv"):
            k = spec["kernel"]
            shape = (spec["out"], spec["in"], k, k) if op == "conv" else (spec["in"], spec["out"], k, k)
            params = tuple(arrays[:2])
            del arrays[:2]
            expected = (shape, (spec["out"],))
        elif op == "prelu":
            params = tuple(arrays[:1])
            del arrays[:1]
            expected = ((spec["channels"],),)
        else:
            params, expected = (), ()
        if tuple(p.shape for p in params) != expected:
            raise ValueError(f"layer {op}: parameters of shapes {[p.shape for p in params]}, expected {expected}")
        layers.append(Layer(op, spec, params))
    if arrays:
        raise ValueError(f"{len(arrays)} parameter arrays left over after the last layer")
    return tuple(layers)

"""Library presets (``--compat``): reproduce PyTorch, OpenCV, Pillow, the ONNX standard and onnxruntime.

Each library has its folder (``onnx``, which has no arithmetic of its own,
a module): its ``planning`` turns a :class:`~upscale_cli.compat.base.planning.Request` into an
ordinary :class:`~upscale_cli.core.plan.ResizePlan` whose sizes, ratios, weight
tables, pass order and arithmetic are the library's own, so the engine and
``--explain`` work on it unchanged.
"""

from __future__ import annotations

from ..core.choices import COMPATS
from ..core.coords import check_choice
from ..core.plan import ResizePlan
from . import onnx, onnxruntime, opencv, pillow, torch
from .base.planning import Knobs, Request

PRESETS = {
    "torch": torch.plan, "opencv": opencv.plan, "pillow": pillow.plan,
    "onnx": onnx.plan, "onnxruntime": onnxruntime.plan,
}
assert tuple(PRESETS) == COMPATS

__all__ = ["Knobs", "Request", "PRESETS", "plan_compat"]


def plan_compat(library: str, request: Request) -> ResizePlan:
    """The plan ``library`` follows for ``request`` (see the preset modules)."""
    check_choice(library, COMPATS, "--compat library")
    return PRESETS[library](request)

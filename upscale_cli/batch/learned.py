"""``--mode espcn`` and ``--mode fsrcnn`` for one image: which requests they take, and the upscaling.

The learned modes enlarge by an integer factor they were trained for (2, 3
or 4, the same on both axes); every other way of giving a size, and the
options of the resampling modes, are usage errors said before any file is
read. They take images of 8-bit L, LA, RGB, RGBA (palette and bilevel
images are converted to those first, as for bicubic), 16-bit grey, and the
16-bit colour images this project reads as samples itself (``LA;16``,
``RGB;16``, ``RGBA;16``, where the reader has them); arrays, animations and
other modes are refused with one line. The
arithmetic is :mod:`upscale_cli.nn.learned`'s.
"""

from __future__ import annotations

import numpy as np

from ..api import averageable
from ..core.choices import LEARNED_SCALES
from ..core.errors import UsageError
from ..core.plan import ResizeOptions, ResizePlan, plan_resize
from ..core.sizes import parse_scale
from ..nn.learned import learned_samples
from ..nn.models import load_model

#: Modes the learned modes enlarge (samples: uint8, or uint16 for the 16-bit ones).
LEARNED_IMAGE_MODES = ("L", "LA", "RGB", "RGBA", "I;16", "LA;16", "RGB;16", "RGBA;16")
#: Request fields that belong to the resampling modes, as the options that set them.
RESAMPLING_ONLY = {"align": "--align", "rounding": "--rounding", "antialias": "--antialias", "cubic_a": "--cubic-a",
                   "compat": "--compat", "layout": "--layout", "exclude_outside": "--exclude-outside",
                   "extrapolation_value": "--extrapolation-value", "roi": "--roi", "reducing_gap": "--reducing-gap",
                   "linear_exact": "--linear-exact"}


def learned_scale(request) -> int:
    """The trained integer factor a request of a learned mode asks for; a usage error otherwise.

    ``request`` is a :class:`~upscale_cli.batch.convert.ResizeRequest`.
    """
    mode = request.mode
    scales = ", ".join(str(s) for s in LEARNED_SCALES)
    if request.scale is None:
        raise UsageError(f"--mode {mode} enlarges by a trained factor: give --scale {scales}, not a size")
    for name, option in RESAMPLING_ONLY.items():
        if getattr(request, name) is not None:
            raise UsageError(f"{option} does not apply to --mode {mode} (a trained network, not a resampling filter)")
    if request.linear:
        raise UsageError(f"--linear does not apply to --mode {mode}: the network was trained on encoded values")
    factors = set(parse_scale(request.scale))
    factor = factors.pop() if len(factors) == 1 else None
    if factor is None or factor.denominator != 1 or factor not in LEARNED_SCALES:
        raise UsageError(f"--mode {mode} is trained for --scale {scales} (the same on both axes), not {request.scale}")
    return int(factor)


def learned_image(image, mode: str, scale: int) -> tuple[ResizePlan, np.ndarray, np.ndarray, str]:
    """Enlarge an image with a learned model: the bicubic plan of its sizes (what the output's lengths
    and names are read from), the samples enlarged, the result and its mode.

    ``image`` is a Pillow image, or samples held as an array with their mode
    (an object with ``array`` and ``mode``, as 16-bit colour is read).
    """
    if hasattr(image, "array"):
        samples, image_mode = np.asarray(image.array), image.mode
    else:
        image = averageable(image)
        samples, image_mode = np.asarray(image), image.mode
    if image_mode not in LEARNED_IMAGE_MODES:
        raise UsageError(f"--mode {mode} enlarges 8-bit L, LA, RGB, RGBA and 16-bit grey or colour images, "
                         f"not mode {image_mode}")
    result = learned_samples(samples, load_model(mode, scale))
    plan = plan_resize(samples.shape[:2], scale=scale, layout="hw", options=ResizeOptions("bicubic"))
    return plan, samples, result, image_mode

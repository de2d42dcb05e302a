"""Shrink-on-load (``--shrink-on-load``): a JPEG reduced a lot is decoded smaller by libjpeg, then resized exactly.

libjpeg can decode a JPEG at 1/2, 1/4 or 1/8 of its size, averaging each
block as it undoes the DCT (Pillow's ``Image.draft``; vipsthumbnail and
ImageMagick's ``jpeg:size`` do the same). That skips most of the decoding
and of the resizing, but the result is no longer the definition's: the
first reduction is libjpeg's, not the filter's. So it is opt-in, and
applied only where the resize still reduces by :data:`MIN_REMAINING` or
more from the decoded size, so that the filter does the last, visible
part, and at a scale that divides the image's sides, so that the decoded
pixels cover it exactly; the output has the size the exact path gives. docs/performance.md
gives the measured difference from the exact result.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..core.errors import UsageError
from ..io.metadata import orientation, upright_size

#: The scales libjpeg decodes at, largest first.
SCALES = (8, 4, 2)
#: The reduction the resize must still make from the decoded size.
MIN_REMAINING = 2
#: Modes that pick samples: an averaged decode would change what they pick.
PICKING_MODES = ("nearest", "nearest-exact")


def check_shrink_on_load(request: Any) -> None:
    """Refuse ``--shrink-on-load`` with a request it would betray (a usage error, before any file is read)."""
    if request.mode in PICKING_MODES:
        raise UsageError(f"--shrink-on-load averages while decoding: it cannot be combined with --mode {request.mode}")
    if request.compat is not None:
        raise UsageError("--shrink-on-load cannot be combined with --compat: the libraries resize the whole decoded image")


def decode_scale(in_lengths: tuple[int, ...], out_lengths: tuple[int, ...]) -> int:
    """The largest of :data:`SCALES` (else 1) that divides every length and leaves a reduction of
    :data:`MIN_REMAINING` on every axis.

    libjpeg decodes ``n`` samples at scale ``s`` as ``ceil(n / s)``, the last
    one from a partial block: resized as if it were whole, it would move the
    far edges by up to half an output pixel. Camera sizes (4000×3000,
    6000×4000, 4032×3024) divide by 8.
    """
    for scale in SCALES:
        if all(n_in % scale == 0 and n_in // scale >= MIN_REMAINING * n_out
               for n_in, n_out in zip(in_lengths, out_lengths)):
            return scale
    return 1


class ShrinkOnLoad:
    """For one file: decode a JPEG smaller where it may (called by the reader on the opened, undecoded image).

    ``request`` is then the request to resize the decoded image with: the
    same, or, when the image was decoded smaller, the exact path's output
    size asked for outright (a width alone would give a height from the
    decoded image's rounded proportions). ``scale`` is the scale decoded at.
    """

    def __init__(self, request: Any, auto_orient: bool):
        check_shrink_on_load(request)
        self.request = request
        self.auto_orient = auto_orient
        self.scale = 1

    def __call__(self, image) -> None:
        if image.format != "JPEG":
            return
        width, height = image.size
        in_lengths = upright_size((width, height), orientation(image) if self.auto_orient else 1)
        out_lengths = self.request.output_lengths(in_lengths)
        scale = decode_scale(in_lengths, out_lengths)
        # Pillow decodes at the largest scale s with n // s ≥ the size asked for: exactly `scale` here
        if scale == 1 or image.draft(image.mode, (width // scale, height // scale)) is None:
            return
        self.scale = scale
        self.request = replace(self.request, size=out_lengths, scale=None, fit="stretch")

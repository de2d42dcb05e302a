"""Array layouts: which axes of an array are spatial, in user order (x, y, z).

Sizes and scales are given the way people say them, width first
(``WxH``, ``WxHxD``), like Pillow's ``(width, height)``; a layout maps that
order onto array axes. Only spatial axes are ever resized.
"""

from __future__ import annotations

from .errors import UsageError

#: layout name -> array axes of x (width), y (height), z (depth), in that order.
LAYOUTS: dict[str, tuple[int, ...]] = {
    "l": (0,),
    "ncl": (2,),
    "hw": (1, 0),
    "hwc": (1, 0),
    "chw": (2, 1),
    "nchw": (3, 2),
    "nhwc": (2, 1),
    "dhw": (2, 1, 0),
    "ncdhw": (4, 3, 2),
}

#: Default layout for an array of each number of dimensions.
DEFAULT_LAYOUTS = {1: "l", 2: "hw", 3: "hwc", 4: "nchw", 5: "ncdhw"}

AXIS_NAMES = ("x", "y", "z")


def spatial_axes(ndim: int, layout: str | None) -> tuple[int, ...]:
    """Array axes resized for an ``ndim`` array in ``layout`` (x first).

    ``None`` picks the default for the number of dimensions
    (1 → ``l``, 2 → ``hw``, 3 → ``hwc``, 4 → ``nchw``, 5 → ``ncdhw``).
    """
    if layout is None:
        if ndim not in DEFAULT_LAYOUTS:
            raise UsageError(f"cannot resize a {ndim}-dimensional array: give 1 to 5 dimensions")
        layout = DEFAULT_LAYOUTS[ndim]
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    if len(layout) != ndim:
        raise UsageError(f"layout {layout!r} needs a {len(layout)}-dimensional array, got {ndim} dimensions")
    return LAYOUTS[layout]

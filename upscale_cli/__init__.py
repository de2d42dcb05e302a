"""upscale: resize images and arrays exactly, and show how every pixel was made.

The public API is :func:`resize` (NumPy arrays), :func:`resize_image`
(Pillow images) and :func:`plan_for` (the per-axis taps and weights that
both follow), plus the neural-network operators of :mod:`upscale_cli.nn`
(max-unpooling, pixel shuffle, transposed convolution), and
:func:`convert_many` (files and folders, in local processes or on a Dask
cluster). Attributes are
imported on first use so that the command line starts quickly.
"""

from __future__ import annotations

__version__ = "0.1.0"

NN_FUNCTIONS = (
    "max_pool_with_indices", "max_unpool", "bed_of_nails", "pixel_shuffle", "pixel_unshuffle",
    "conv_transpose", "bilinear_kernel", "bilinear_deconv",
)

__all__ = ["resize", "resize_image", "plan_for", "convert_many", *NN_FUNCTIONS, "UpscaleError", "UsageError", "InputError"]

_LAZY = {
    "resize": "api",
    "resize_image": "api",
    "plan_for": "api",
    "convert_many": "batch.many",
    "UpscaleError": "core.errors",
    "UsageError": "core.errors",
    "InputError": "core.errors",
    **{name: "nn" for name in NN_FUNCTIONS},
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = globals()[name] = getattr(module, name)  # found directly from now on
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
